/**
 * Pool intake through the real JSON-RPC server, event store and read models: each pool rule provoked over HTTP
 * answers -32000 with the reference message; accepted txs are visible at once (read-your-writes); replacements,
 * duplicates racing each other, bad input and what was accepted before it.
 */
import { HDNodeWallet, Transaction, Wallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { devGenesis } from '../../src/config/index.ts';
import type { EventStore } from '../../src/eventstore/index.ts';
import { createGenesisAccountReader } from '../../src/execution/index.ts';
import { type Address, hexToBytes } from '../../src/primitives/index.ts';
import { createPoolIntake } from '../../src/rpc/pool/index.ts';
import { rpc } from '../support/node-process.ts';
import { GWEI, type RpcNode, startRpcNode } from '../support/rpc-node.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const wallets = Array.from({ length: 10 }, (_, i) =>
  HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`),
);
const poor = Wallet.createRandom();

let node: RpcNode;
let store: EventStore;
let url = '';

test.before(async () => {
  node = await startRpcNode({ blockedSenders: [wallets[9]!.address.toLowerCase() as Address] });
  ({ url, store } = node);
});

test.after(() => node.close());

type Fields = {
  nonce?: number;
  gasPrice?: bigint;
  gasLimit?: bigint;
  value?: bigint;
  data?: string;
  chainId?: number;
  to?: string | null;
};
const sign = (w: HDNodeWallet, f: Fields = {}) =>
  w.signTransaction({
    type: 0,
    chainId: f.chainId ?? 1001,
    nonce: f.nonce ?? 0,
    gasPrice: f.gasPrice ?? GWEI,
    gasLimit: f.gasLimit ?? 21_000n,
    to: f.to === undefined ? wallets[0]!.address : f.to,
    value: f.value ?? 1n,
    data: f.data ?? '0x',
  });
const send = (raw: string) => rpc<string>(url, 'eth_sendRawTransaction', [raw]);
async function refused(raw: string, message: string) {
  const res = await send(raw);
  assert.equal(res.error, { code: -32000, message }, `want "${message}", got ${JSON.stringify(res)}`);
}

test('every pool rule, provoked over RPC, answers -32000 with the exact message', async () => {
  const w = wallets[1]!;
  await refused(await sign(w, { chainId: 5 }), 'invalid chain id');
  await refused(
    await w.signTransaction({
      type: 2,
      chainId: 1001,
      nonce: 0,
      maxFeePerGas: GWEI,
      maxPriorityFeePerGas: 1n,
      gasLimit: 21000n,
      to: w.address,
    }),
    'transaction type not supported',
  );
  await refused(await sign(w, { data: `0x${'01'.repeat(100_200)}`, gasLimit: 5_000_000n }), 'oversized data');
  await refused(await sign(wallets[9]!), 'blocked sender');
  await refused(await sign(w, { nonce: 64 }), 'nonce too high');
  await refused(await sign(w, { gasPrice: GWEI - 1n }), 'gas price too low');
  await refused(await sign(poor), 'insufficient funds for gas * price + value');
  await refused(await sign(w, { data: '0x01', gasLimit: 21_015n }), 'intrinsic gas too low');
  await refused(await sign(w, { gasLimit: 30_000_001n }), 'exceeds block gas limit');
  await refused(
    await sign(w, { data: `0x${'01'.repeat(100_010)}`, gasLimit: 3_000_000n }),
    'data size bigger than allowed, current size is 100010 bytes and max allowed is 100000 bytes',
  );
  // A tx at nonce 0, then the same again, then a cheaper one at the same nonce.
  const first = await sign(w, { gasPrice: 2n * GWEI });
  assert.is((await send(first)).result, Transaction.from(first).hash);
  await refused(first, 'already known');
  await refused(await sign(w, { gasPrice: 2n * GWEI - 1n }), 'replacement transaction underpriced');
  // nonce too low needs a state nonce above 0: not reachable before execution exists; covered by unit tests.
  const status = await rpc<{ pending: string }>(url, 'txpool_status');
  assert.is(status.result?.pending, '0x1');
});

test('bad input: -32602 "invalid tx input" for non-hex and for bytes that are no tx; nothing accepted before is lost', async () => {
  const w = wallets[2]!;
  const ok = await sign(w);
  const hash = (await send(ok)).result!;
  // Not hex, as the reference's DecodeHex reads it: -32602 "invalid tx input" (zkevm-node-spec §11).
  for (const input of ['zz', '0xzz', '0x12 ', '0X12']) {
    const notHex = await rpc(url, 'eth_sendRawTransaction', [input]);
    assert.equal(
      notHex.error,
      { code: -32602, message: 'invalid tx input', data: 'not a hex string' },
      input,
    );
  }
  // An odd length is padded (0x123 is 0x0123): hex, but no tx.
  const odd = await rpc(url, 'eth_sendRawTransaction', ['0x123']);
  assert.equal([odd.error?.code, odd.error?.message], [-32602, 'invalid tx input']);
  assert.is.not(odd.error?.data, 'not a hex string');
  // The 0x prefix is optional.
  const unprefixed = await sign(w, { nonce: 1 });
  assert.is((await send(unprefixed.slice(2))).result, Transaction.from(unprefixed).hash);
  const garbage = await rpc(url, 'eth_sendRawTransaction', ['0xdeadbeef']);
  assert.is(garbage.error?.code, -32602);
  assert.is(garbage.error?.message, 'invalid tx input');
  const missing = await rpc(url, 'eth_sendRawTransaction', []);
  assert.is(missing.error?.code, -32602);
  const byHash = await rpc<{ hash: string }>(url, 'eth_getTransactionByHash', [hash]);
  assert.is(byHash.result?.hash, hash);
});

test('read-your-writes: pending nonce, lookup and txpool see the tx on the next call', async () => {
  const w = wallets[3]!;
  for (let nonce = 0; nonce < 5; nonce++) {
    const raw = await sign(w, { nonce });
    const hash = (await send(raw)).result;
    assert.is(hash, Transaction.from(raw).hash);
    assert.is(
      (await rpc(url, 'eth_getTransactionCount', [w.address, 'pending'])).result,
      `0x${(nonce + 1).toString(16)}`,
    );
    assert.is((await rpc<{ hash: string }>(url, 'eth_getTransactionByHash', [hash])).result?.hash, hash);
  }
  const from = await rpc<{ pending: Record<string, { nonce: string }>; queued: object }>(
    url,
    'txpool_contentFrom',
    [w.address],
  );
  assert.equal(Object.keys(from.result!.pending), ['0', '1', '2', '3', '4']);
  assert.equal(from.result!.queued, {});
  // A nonce gap goes to `queued`.
  await send(await sign(w, { nonce: 7 }));
  const after = await rpc<{ pending: object; queued: Record<string, unknown> }>(url, 'txpool_contentFrom', [
    w.address,
  ]);
  assert.equal(Object.keys(after.result!.queued), ['7']);
  assert.is((await rpc(url, 'eth_getTransactionCount', [w.address, 'pending'])).result, '0x8');
  assert.is((await rpc(url, 'eth_getTransactionCount', [w.address, 'latest'])).result, '0x0');
});

test('a replacement marks the old tx replaced; the same tx sent 8 times at once is accepted once', async () => {
  const w = wallets[4]!;
  const a = await sign(w, { value: 1n });
  const b = await sign(w, { value: 2n, gasPrice: 3n * GWEI });
  const ha = (await send(a)).result!;
  const hb = (await send(b)).result!;
  assert.is((await rpc(url, 'eth_getTransactionByHash', [ha])).result, null);
  assert.is((await rpc<{ hash: string }>(url, 'eth_getTransactionByHash', [hb])).result?.hash, hb);
  const replaced = await store.readStream(`tx-${ha}`);
  assert.equal(
    replaced.map((e) => e.type),
    ['TxReceived', 'TxReplaced'],
  );
  assert.equal(replaced[1]!.data, { hash: ha, replacedBy: hb });

  const c = await sign(w, { nonce: 1 });
  const results = await Promise.all(Array.from({ length: 8 }, () => send(c)));
  const accepted = results.filter((r) => r.result);
  assert.is(accepted.length, 1);
  for (const r of results.filter((x) => x.error))
    assert.equal(r.error, { code: -32000, message: 'already known' });
  const stream = await store.readStream(`tx-${Transaction.from(c).hash}`);
  assert.is(stream.length, 1);
});

test('a replaced tx sent again is pending again: it replaces its replacement when it pays as much', async () => {
  const w = wallets[6]!;
  const a = await sign(w, { value: 1n });
  const b = await sign(w, { value: 2n }); // the same cost: accepted, replaces a
  const [ha, hb] = [Transaction.from(a).hash!, Transaction.from(b).hash!];
  assert.is((await send(a)).result, ha);
  assert.is((await send(b)).result, hb);
  assert.is((await send(a)).result, ha, 'a again: not "already known", though its stream exists');
  assert.is((await rpc<{ hash: string }>(url, 'eth_getTransactionByHash', [ha])).result?.hash, ha);
  assert.is((await rpc(url, 'eth_getTransactionByHash', [hb])).result, null);
  const types = async (hash: string) => (await store.readStream(`tx-${hash}`)).map((e) => e.type);
  assert.equal(await types(ha), ['TxReceived', 'TxReplaced', 'TxReceived']);
  assert.equal(await types(hb), ['TxReceived', 'TxReplaced']);
  const from = await rpc<{ pending: Record<string, { hash: string }> }>(url, 'txpool_contentFrom', [
    w.address,
  ]);
  assert.equal(
    Object.entries(from.result!.pending).map(([n, t]) => [n, t.hash]),
    [['0', ha]],
  );
  await refused(a, 'already known');
  // A costlier replacement, then b again: its replacement pays more, so b is underpriced (not "already known").
  const c = await sign(w, { value: 3n, gasPrice: 2n * GWEI });
  assert.is((await send(c)).result, Transaction.from(c).hash!);
  await refused(b, 'replacement transaction underpriced');
  assert.equal(await types(hb), ['TxReceived', 'TxReplaced']);
});

test('a pre-EIP-155 tx is accepted and shown without a chain id', async () => {
  const w = wallets[5]!;
  const tx = Transaction.from({
    type: 0,
    nonce: 0,
    gasPrice: GWEI,
    gasLimit: 21000n,
    to: w.address,
    value: 1n,
  });
  tx.signature = w.signingKey.sign(tx.unsignedHash);
  const hash = (await send(tx.serialized)).result!;
  const got = await rpc<Record<string, unknown>>(url, 'eth_getTransactionByHash', [hash]);
  assert.is(got.result?.from, w.address.toLowerCase());
  assert.is(got.result?.chainId, undefined);
  assert.ok(got.result?.v === '0x1b' || got.result?.v === '0x1c');
});

test("two pending txs of one nonce (two RPC instances' race): txpool shows and counts only the sequencer's pick", async () => {
  const w = wallets[6]!;
  // Another RPC instance that has not seen this one's txs yet: it admits a second tx at a nonce taken here.
  const elsewhere = createPoolIntake({
    store,
    db: node.db,
    accounts: createGenesisAccountReader(devGenesis().accounts),
    limits: {
      chainId: 1001n,
      minGasPrice: GWEI,
      accountQueue: 64,
      globalQueue: 1024,
      maxTxBytesSize: 100_132,
      maxTxDataBytesSize: 100_000,
      blockedSenders: new Set(),
    },
    admissionView: () => ({ pendingCount: 0, sameNonce: [] }),
    waitForReadModels: (p) => node.runner.waitFor(p),
  });
  const race = async (f: Fields) => elsewhere.submit(hexToBytes(await sign(w, f)), '127.0.0.1');
  const first0 = (await send(await sign(w, { nonce: 0, gasPrice: 2n * GWEI }))).result!;
  const later0 = await race({ nonce: 0, gasPrice: 2n * GWEI, value: 2n }); // same price, later: the pick
  await race({ nonce: 0, gasPrice: GWEI, value: 3n }); // cheaper, later still: not the pick
  const first1 = (await send(await sign(w, { nonce: 1, gasPrice: 3n * GWEI }))).result!; // dearer: the pick
  await race({ nonce: 1, gasPrice: 2n * GWEI });
  const first3 = (await send(await sign(w, { nonce: 3, gasPrice: GWEI }))).result!; // behind a gap
  const later3 = await race({ nonce: 3, gasPrice: 2n * GWEI });
  assert.ok(first0 !== later0 && first3 !== later3);

  type Content = { pending: Record<string, { hash: string }>; queued: Record<string, { hash: string }> };
  const hashes = (c: Record<string, { hash: string }>) =>
    Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v.hash]));
  const from = (await rpc<Content>(url, 'txpool_contentFrom', [w.address])).result!;
  assert.equal(hashes(from.pending), { 0: later0, 1: first1 });
  assert.equal(hashes(from.queued), { 3: later3 });
  const all = (
    await rpc<{ pending: Record<string, Content['pending']>; queued: Record<string, Content['queued']> }>(
      url,
      'txpool_content',
    )
  ).result!;
  assert.equal(hashes(all.pending[w.address]!), { 0: later0, 1: first1 });
  assert.equal(hashes(all.queued[w.address]!), { 3: later3 });
  // The status counts what the content shows: this sender's 2 pending and 1 queued on top of the other tests'.
  const shown = (c: Record<string, Record<string, unknown>>) =>
    Object.values(c).reduce((n, txs) => n + Object.keys(txs).length, 0);
  const status = (await rpc<{ pending: string; queued: string }>(url, 'txpool_status')).result!;
  assert.equal([Number(status.pending), Number(status.queued)], [shown(all.pending), shown(all.queued)]);
});

test.run();
