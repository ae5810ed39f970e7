import { Transaction, Wallet } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checkStatefulRules,
  checkStatelessRules,
  type DecodedLegacyTx,
  decodeRawTx,
  InvalidTxInputError,
  intrinsicGas,
  PoolError,
  type PoolLimits,
  type PoolView,
  REFERENCE_POOL_LIMITS,
} from '../../src/pool/index.ts';
import { hexToBytes } from '../../src/primitives/index.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const alice = Wallet.fromPhrase(MNEMONIC);
const GWEI = 1_000_000_000n;
const limits: PoolLimits = {
  chainId: 1001n,
  minGasPrice: GWEI,
  ...REFERENCE_POOL_LIMITS,
  blockedSenders: new Set(),
};
const view = (over: Partial<PoolView> = {}): PoolView => ({
  account: { nonce: 0n, balance: 10n ** 22n },
  pendingCount: 0,
  sameNonce: [],
  ...over,
});

type TxFields = {
  nonce?: number;
  gasPrice?: bigint;
  gasLimit?: bigint;
  to?: string | null;
  value?: bigint;
  data?: string;
  chainId?: number;
};
async function sign(f: TxFields = {}): Promise<string> {
  return alice.signTransaction({
    type: 0,
    chainId: f.chainId ?? 1001,
    nonce: f.nonce ?? 0,
    gasPrice: f.gasPrice ?? GWEI,
    gasLimit: f.gasLimit ?? 21000n,
    to: f.to === undefined ? alice.address : f.to,
    value: f.value ?? 1n,
    data: f.data ?? '0x',
  });
}
function signPre155(f: TxFields = {}): string {
  const tx = Transaction.from({
    type: 0,
    nonce: f.nonce ?? 0,
    gasPrice: f.gasPrice ?? GWEI,
    gasLimit: 21000n,
    to: alice.address,
    value: 1n,
  });
  tx.signature = alice.signingKey.sign(tx.unsignedHash);
  return tx.serialized;
}
const decode = (raw: string) => decodeRawTx(hexToBytes(raw));
const admit = (raw: string, v: PoolView = view()) =>
  checkStatefulRules(checkStatelessRules(decode(raw), limits), v, limits);
function refused(fn: () => unknown, message: string) {
  try {
    fn();
  } catch (err) {
    assert.instance(err, PoolError);
    assert.is((err as PoolError).shortMessage, message);
    return;
  }
  assert.unreachable(`expected "${message}"`);
}

const decoding = suite('decodeRawTx');

decoding('an EIP-155 legacy tx decodes to what ethers signed, sender included', async () => {
  const raw = await sign({ nonce: 7, value: 12345n, data: '0x00ff' });
  const parsed = Transaction.from(raw);
  const tx = decode(raw) as DecodedLegacyTx;
  assert.is(tx.type, 0);
  assert.is(tx.hash, parsed.hash);
  assert.is(tx.from, alice.address.toLowerCase());
  assert.is(tx.nonce, 7n);
  assert.is(tx.value, 12345n);
  assert.is(tx.data, '0x00ff');
  assert.is(tx.chainId, 1001n);
  assert.is(tx.to, alice.address.toLowerCase());
});

decoding('a pre-155 tx has chain id 0 and the same sender', () => {
  const tx = decode(signPre155()) as DecodedLegacyTx;
  assert.is(tx.chainId, 0n);
  assert.is(tx.from, alice.address.toLowerCase());
  assert.is(admit(signPre155()).tx.hash, tx.hash);
});

decoding('a contract creation has no `to`', async () => {
  const tx = decode(await sign({ to: null, gasLimit: 100000n, data: '0x6000' })) as DecodedLegacyTx;
  assert.is(tx.to, null);
});

decoding('garbage is invalid input, not a pool error', () => {
  assert.throws(
    () => decode('0xdeadbeef'),
    (e: unknown) => e instanceof InvalidTxInputError,
  );
  assert.throws(
    () => decode('0x'),
    (e: unknown) => e instanceof InvalidTxInputError,
  );
});

decoding('a tampered signature is an invalid sender', async () => {
  const raw = await sign();
  const parsed = Transaction.from(raw);
  const sig = parsed.signature!;
  // s above n/2 (malleable) is refused, as every post-Homestead node does.
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const highS = `0x${(n - BigInt(sig.s)).toString(16).padStart(64, '0')}`;
  const fields = [parsed.nonce, parsed.gasPrice, parsed.gasLimit, parsed.to, parsed.value, parsed.data];
  const { RLP } = await import('@ethereumjs/rlp');
  const enc = (x: bigint | number) =>
    BigInt(x) === 0n
      ? new Uint8Array()
      : hexToBytes(
          `0x${BigInt(x)
            .toString(16)
            .padStart(2 * Math.ceil(BigInt(x).toString(16).length / 2), '0')}`,
        );
  const raw2 = RLP.encode([
    enc(fields[0] as number),
    enc(fields[1] as bigint),
    enc(fields[2] as bigint),
    hexToBytes(fields[3] as string),
    enc(fields[4] as bigint),
    new Uint8Array(),
    enc(BigInt(sig.networkV!)),
    hexToBytes(sig.r),
    hexToBytes(highS),
  ]);
  refused(() => decodeRawTx(raw2), 'invalid sender');
  // v that is neither 27/28 nor EIP-155
  const raw3 = RLP.encode([
    enc(0),
    enc(1),
    enc(21000),
    hexToBytes(alice.address),
    enc(1),
    new Uint8Array(),
    enc(30),
    hexToBytes(sig.r),
    hexToBytes(sig.s),
  ]);
  refused(() => decodeRawTx(raw3), 'invalid sender');
});

decoding.run();

const rules = suite('pool rules, in the reference order');

rules('a valid transfer is admitted', async () => {
  const a = admit(await sign());
  assert.is(a.replaces, null);
});

rules('invalid chain id', async () => {
  const raw = await sign({ chainId: 5 });
  refused(() => checkStatelessRules(decode(raw), limits), 'invalid chain id');
});

rules('transaction type not supported (after the chain id check)', async () => {
  const raw = await alice.signTransaction({
    type: 2,
    chainId: 1001,
    nonce: 0,
    maxFeePerGas: GWEI,
    maxPriorityFeePerGas: 1n,
    gasLimit: 21000n,
    to: alice.address,
  });
  refused(() => checkStatelessRules(decode(raw), limits), 'transaction type not supported');
  const raw1 = await alice.signTransaction({
    type: 1,
    chainId: 1001,
    nonce: 0,
    gasPrice: GWEI,
    gasLimit: 21000n,
    to: alice.address,
  });
  refused(() => checkStatelessRules(decode(raw1), limits), 'transaction type not supported');
  const wrongChain = await alice.signTransaction({
    type: 2,
    chainId: 7,
    nonce: 0,
    maxFeePerGas: GWEI,
    maxPriorityFeePerGas: 1n,
    gasLimit: 21000n,
    to: alice.address,
  });
  refused(() => checkStatelessRules(decode(wrongChain), limits), 'invalid chain id');
});

rules('oversized data', async () => {
  const raw = await sign({ data: `0x${'01'.repeat(100200)}`, gasLimit: 5_000_000n });
  refused(() => checkStatelessRules(decode(raw), limits), 'oversized data');
});

rules('blocked sender', async () => {
  const blocked = { ...limits, blockedSenders: new Set([alice.address.toLowerCase() as `0x${string}`]) };
  const raw = await sign();
  refused(() => checkStatelessRules(decode(raw), blocked), 'blocked sender');
});

rules('invalid IP address', async () => {
  const raw = await sign();
  refused(() => checkStatelessRules(decode(raw), limits, 'not-an-ip'), 'invalid IP address');
});

rules('nonce too low', async () => {
  const v = view({ account: { nonce: 5n, balance: 10n ** 22n } });
  const raw = await sign({ nonce: 4 });
  refused(() => admit(raw, v), 'nonce too low');
});

rules('nonce too high: more than 64 ahead of the state nonce', async () => {
  const v = view({ account: { nonce: 5n, balance: 10n ** 22n } });
  assert.is(admit(await sign({ nonce: 5 + 63 }), v).tx.nonce, 68n);
  const raw = await sign({ nonce: 5 + 64 });
  refused(() => admit(raw, v), 'nonce too high');
});

rules('txpool is full', async () => {
  const raw = await sign();
  refused(() => admit(raw, view({ pendingCount: 1024 })), 'txpool is full');
  assert.ok(admit(raw, view({ pendingCount: 1023 })));
});

rules('gas price too low', async () => {
  const raw = await sign({ gasPrice: GWEI - 1n });
  refused(() => admit(raw), 'gas price too low');
});

rules('insufficient funds for gas * price + value (exact boundary)', async () => {
  const raw = await sign({ value: 100n });
  const exact = 100n + GWEI * 21000n;
  assert.ok(admit(raw, view({ account: { nonce: 0n, balance: exact } })));
  refused(
    () => admit(raw, view({ account: { nonce: 0n, balance: exact - 1n } })),
    'insufficient funds for gas * price + value',
  );
});

rules('intrinsic gas too low: 21000 + 16/non-zero + 4/zero byte; 53000 for creation', async () => {
  assert.is(intrinsicGas({ to: null, data: '0x' }), 53000n);
  assert.is(intrinsicGas({ to: alice.address as `0x${string}`, data: '0x00ff01' }), 21000n + 4n + 32n);
  const raw = await sign({ data: '0x00ff', gasLimit: 21000n + 19n });
  refused(() => admit(raw), 'intrinsic gas too low');
  assert.ok(admit(await sign({ data: '0x00ff', gasLimit: 21020n })));
  const creation = await sign({ to: null, gasLimit: 52999n });
  refused(() => admit(creation), 'intrinsic gas too low');
});

rules(
  'exceeds block gas limit: gas above the L2 block gas limit (30,000,000) is refused, at it accepted',
  async () => {
    const over = await sign({ gasLimit: 30_000_001n });
    refused(() => admit(over), 'exceeds block gas limit');
    assert.ok(admit(await sign({ gasLimit: 30_000_000n })));
  },
);

rules('already known / replacement transaction underpriced (equal cost is accepted)', async () => {
  const first = decode(await sign({ gasPrice: 2n * GWEI })) as DecodedLegacyTx;
  const same = [{ hash: first.hash, gasPrice: first.gasPrice, gas: first.gas }];
  refused(() => admit(first.raw, view({ sameNonce: same })), 'already known');
  const cheaper = await sign({ gasPrice: 2n * GWEI - 1n });
  refused(() => admit(cheaper, view({ sameNonce: same })), 'replacement transaction underpriced');
  const equalCost = admit(await sign({ gasPrice: 2n * GWEI, value: 2n }), view({ sameNonce: same }));
  assert.is(equalCost.replaces, first.hash);
  const higher = admit(await sign({ gasPrice: 3n * GWEI }), view({ sameNonce: same }));
  assert.is(higher.replaces, first.hash);
});

rules('data size bigger than allowed names the size', async () => {
  const data = `0x${'01'.repeat(100010)}`;
  const raw = await sign({ data, gasLimit: 3_000_000n });
  refused(
    () => admit(raw),
    'data size bigger than allowed, current size is 100010 bytes and max allowed is 100000 bytes',
  );
});

rules('rules apply in order: a tx breaking several gets the first message', async () => {
  // nonce too low AND gas price too low AND insufficient funds → nonce too low
  const raw = await sign({ nonce: 0, gasPrice: 1n, value: 10n ** 30n });
  refused(() => admit(raw, view({ account: { nonce: 3n, balance: 0n } })), 'nonce too low');
  // gas price too low before insufficient funds
  refused(() => admit(raw, view({ account: { nonce: 0n, balance: 0n } })), 'gas price too low');
});

rules.run();
