/** The reusable param schemas and the method API's arity/validation messages, without a server. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import {
  address,
  blockNumberOrTag,
  blockTag,
  boolean,
  defineMethod,
  hash,
  hexData,
  InvalidParamsRpcError,
  quantity,
  type RpcContext,
  uint64Quantity,
} from '../../src/rpc/index.ts';
import { decodeStorageKey } from '../../src/rpc/read/index.ts';

function issue(schema: z.ZodType, value: unknown): string | undefined {
  const r = schema.safeParse(value);
  return r.success ? undefined : r.error.issues[0]?.message;
}

test('hexData: even-length 0x hex, lowercased', () => {
  assert.is(hexData.parse('0x'), '0x');
  assert.is(hexData.parse('0xABcd'), '0xabcd');
  assert.is(issue(hexData, 'abcd'), 'hex string without 0x prefix');
  assert.is(issue(hexData, '0xabc'), 'hex string of odd length');
  assert.is(issue(hexData, '0xgg'), 'invalid hex string');
  assert.is(issue(hexData, 12), 'expected a hex string, got number');
  assert.is(issue(hexData, null), 'expected a hex string, got null');
});

test('quantity: no leading zeros, at most 256 bits; uint64 at most 64', () => {
  assert.is(quantity.parse('0x0'), 0n);
  assert.is(quantity.parse('0xff'), 255n);
  assert.is(quantity.parse(`0x${'f'.repeat(64)}`), 2n ** 256n - 1n);
  assert.is(issue(quantity, `0x1${'0'.repeat(64)}`), 'hex number > 256 bits');
  assert.is(issue(quantity, `0x1${'0'.repeat(100_000)}`), 'hex number > 256 bits');
  assert.is(issue(quantity, '0x00'), 'hex number with leading zero digits');
  assert.is(issue(quantity, '0x'), 'hex string "0x"');
  assert.is(issue(quantity, '10'), 'hex string without 0x prefix');
  assert.is(issue(quantity, 10), 'expected a hex quantity string, got number');
  assert.is(uint64Quantity.parse(`0x${'f'.repeat(16)}`), 2n ** 64n - 1n);
  assert.is(issue(uint64Quantity, `0x1${'0'.repeat(16)}`), 'hex number > 64 bits');
});

test('address and hash: exact lengths, lowercased', () => {
  const a = '0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
  assert.is(address.parse(a), a.toLowerCase());
  assert.is(issue(address, '0x1234'), 'hex string has length 4, want 40 for an address');
  assert.is(issue(address, a.slice(2)), 'hex string without 0x prefix');
  const h = `0x${'AB'.repeat(32)}`;
  assert.is(hash.parse(h), h.toLowerCase());
  assert.is(issue(hash, `0x${'ab'.repeat(31)}`), 'hex string has length 62, want 64 for a hash');
});

test('blockTag: tags, numbers and EIP-1898 objects', () => {
  for (const tag of ['latest', 'pending', 'earliest', 'safe', 'finalized'])
    assert.equal(blockTag.parse(tag), { kind: 'tag', tag });
  assert.equal(blockTag.parse('0x10'), { kind: 'number', number: 16n });
  assert.equal(blockTag.parse({ blockNumber: '0x2' }), { kind: 'number', number: 2n });
  assert.equal(blockTag.parse({ blockNumber: 'finalized' }), { kind: 'tag', tag: 'finalized' });
  const h = `0x${'11'.repeat(32)}`;
  assert.equal(blockTag.parse({ blockHash: h }), { kind: 'hash', hash: h, requireCanonical: false });
  assert.equal(blockTag.parse({ blockHash: h, requireCanonical: true }), {
    kind: 'hash',
    hash: h,
    requireCanonical: true,
  });
  assert.is(
    issue(blockTag, { blockHash: h, blockNumber: '0x1' }),
    'cannot specify both blockHash and blockNumber, choose one or the other',
  );
  assert.is(issue(blockTag, {}), 'block object needs blockHash or blockNumber');
  assert.is(issue(blockTag, { blockHash: '0x12' }), 'blockHash: hex string has length 2, want 64 for a hash');
  assert.is(issue(blockTag, `0x${'f'.repeat(16)}`), 'block number larger than int64');
  assert.match(issue(blockTag, 'Latest') ?? '', /^invalid block tag "Latest"/);
  assert.is(issue(blockTag, 5), 'expected a block tag, number or object, got number');
});

test('blockNumberOrTag: tags and numbers only (no EIP-1898 object)', () => {
  assert.equal(blockNumberOrTag.parse('safe'), { kind: 'tag', tag: 'safe' });
  assert.equal(blockNumberOrTag.parse('0x10'), { kind: 'number', number: 16n });
  assert.is(
    issue(blockNumberOrTag, { blockHash: `0x${'00'.repeat(32)}` }),
    'expected a block tag or number, got object',
  );
  assert.is(issue(blockNumberOrTag, 5), 'expected a block tag or number, got number');
  assert.is(issue(blockNumberOrTag, '0x01'), 'hex number with leading zero digits');
});

test('decodeStorageKey: geth decodeHash (0x optional, odd length, at most 32 bytes)', () => {
  const slot = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
  assert.equal(decodeStorageKey('0x0'), { slot: slot(0), inputBytes: 1 });
  assert.equal(decodeStorageKey('0xABC'), { slot: slot(0xabc), inputBytes: 2 });
  assert.equal(decodeStorageKey('05'), { slot: slot(5), inputBytes: 1 });
  assert.equal(decodeStorageKey(slot(7)), { slot: slot(7), inputBytes: 32 });
  assert.equal(decodeStorageKey('0x'), { slot: slot(0), inputBytes: 0 });
  assert.throws(() => decodeStorageKey('0xzz'), /unable to decode storage key: hex string invalid/);
  assert.throws(
    () => decodeStorageKey(`0x${'00'.repeat(33)}`),
    /unable to decode storage key: hex string too long, want at most 32 bytes/,
  );
});

test('boolean: no coercion', () => {
  assert.is(boolean.parse(true), true);
  assert.is(issue(boolean, 'true'), 'expected a boolean, got string');
  assert.is(issue(boolean, 0), 'expected a boolean, got number');
});

const ctx: RpcContext<{ k: number }> = {
  ip: '127.0.0.1',
  transport: 'http',
  signal: new AbortController().signal,
  deps: { k: 7 },
};

test('defineMethod: arity, optional trailing params (null = absent), messages naming the argument', () => {
  const m = defineMethod({
    name: 'test_m',
    params: z.tuple([address, blockTag.optional(), z.object({ gas: quantity }).optional()]),
    handler: ([a, b, o], c: RpcContext<{ k: number }>) => ({
      a,
      b: b ?? null,
      gas: o?.gas ?? null,
      k: c.deps.k,
    }),
  });
  assert.is(m.minArgs, 1);
  assert.is(m.maxArgs, 3);
  const a = `0x${'00'.repeat(20)}`;
  assert.equal(m.invoke([a], ctx), { a, b: null, gas: null, k: 7 });
  assert.equal(m.invoke([a, null, { gas: '0x5' }], ctx), { a, b: null, gas: 5n, k: 7 });
  const message = (params: unknown): string => {
    try {
      m.invoke(params, ctx);
    } catch (e) {
      assert.instance(e, InvalidParamsRpcError);
      return (e as InvalidParamsRpcError).shortMessage;
    }
    throw new Error('no error');
  };
  assert.is(message([]), 'missing value for required argument 0');
  assert.is(message(undefined), 'missing value for required argument 0');
  assert.is(message([a, 'latest', {}, 1]), 'too many arguments, want at most 3');
  assert.is(message(['0x12']), 'invalid argument 0: hex string has length 2, want 40 for an address');
  assert.is(
    message([a, 'latest', { gas: '0x01' }]),
    'invalid argument 2: gas: hex number with leading zero digits',
  );
  assert.is(message({ 0: a }), 'invalid params: want an array of positional arguments');
  assert.is(message([null]), 'invalid argument 0: expected a hex string, got null');
});

test('defineMethod: a method without params rejects any argument', () => {
  const m = defineMethod({ name: 'test_none', params: z.tuple([]), handler: () => 'ok' });
  assert.is(m.invoke([], ctx), 'ok');
  assert.is(m.invoke(undefined, ctx), 'ok');
  assert.throws(
    () => m.invoke([1], ctx),
    (e: unknown) => (e as Error).message === 'too many arguments, want at most 0',
  );
});

test.run();
