/**
 * Logs, filters and subscriptions over a real trusted chain: two copies of a contract that emits LOG2(A, v) and
 * LOG1(B) with data v are deployed and called through the executor and the `l2` decider, the read models are
 * projected by the runner; `eth_getLogs` is checked for every filter form against the receipts, the limits'
 * messages, the filter lifecycle (with an injected clock for expiry), and a WebSocket client receiving `newHeads`
 * and `logs` notifications for a new block. Results are validated against the execution-apis schemas.
 */
import { HDNodeWallet, JsonRpcProvider, id as keccakId } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { createReadModelDb } from '../../projections/index.ts';
import { DEV_MNEMONIC } from '../../src/config/index.ts';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import { toQuantity } from '../../src/primitives/index.ts';
import { createRpcServer, type RpcConnection, type RpcServer } from '../../src/rpc/index.ts';
import {
  createLogWatcher,
  type LogWatcher,
  type LogWatcherOptions,
  logFilter,
  logMethods,
} from '../../src/rpc/logs/index.ts';
import { deployCode } from '../execution/evm-asm.ts';
import { resultErrors, rpcError, rpcResult } from '../support/execution-apis.ts';
import { createL2ChainWriter, type L2ChainWriter } from '../support/l2-chain.ts';
import { CHAIN_ID, GWEI, type ReadRpcNode, startReadRpcNode } from '../support/rpc-node.ts';

const T0 = 1_700_000_000n;
const wallet = (i: number) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
const addr = (w: HDNodeWallet) => w.address.toLowerCase() as Address;
const alice = wallet(1);
const bob = wallet(2);
const COINBASE = addr(wallet(0));
const word = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}` as Hash;

const EV_A = keccakId('A(uint256)').toLowerCase() as Hash;
const EV_B = keccakId('B()').toLowerCase() as Hash;
/** calldata word v: mem[0] = v; LOG2(data v, topics A, v); LOG1(data v, topic B); STOP. Hand-assembled (the
 * test assembler has no LOG2). */
const CODE = `0x${[
  '600035', // PUSH1 0 CALLDATALOAD → [v]
  '80', // DUP1 → [v v]
  '600052', // PUSH1 0 MSTORE → [v]
  `7f${EV_A.slice(2)}`, // PUSH32 A → [v A]
  '6020', // PUSH1 32
  '6000', // PUSH1 0
  'a2', // LOG2(offset 0, size 32, A, v) → []
  `7f${EV_B.slice(2)}`, // PUSH32 B
  '6020',
  '6000',
  'a1', // LOG1(offset 0, size 32, B)
  '00', // STOP
].join('')}` as Hex;

let node: ReadRpcNode;
let chain: L2ChainWriter;
let c1: Address;
let c2: Address;
let aliceNonce = 0;
let bobNonce = 0;
/** Hash of each block by number. */
const blockHashes: Hash[] = [];

async function sign(w: HDNodeWallet, nonce: number, to: Address | null, data: Hex, gas = 200_000n) {
  return (await w.signTransaction({
    type: 0,
    chainId: CHAIN_ID,
    nonce,
    gasPrice: GWEI,
    gasLimit: gas,
    to,
    value: to === null || data !== '0x' ? 0n : 1n,
    data,
  })) as Hex;
}

/** Seals a block with `raw` and waits for the read models. */
async function seal(raw: Hex) {
  const done = await chain.execute(raw);
  await node.runner.waitFor(chain.position);
  const block = await call<{ hash: Hash }>('eth_getBlockByNumber', [toQuantity(done.blockNumber), false]);
  blockHashes[Number(done.blockNumber)] = block.hash;
  return done;
}

const callContract = async (to: Address, v: bigint) => seal(await sign(bob, bobNonce++, to, word(v)));

type Log = {
  address: Address;
  topics: Hash[];
  data: Hex;
  blockNumber: Hex;
  blockHash: Hash;
  transactionHash: Hash;
  transactionIndex: Hex;
  logIndex: Hex;
  removed: boolean;
};

const call = <T = unknown>(method: string, params: unknown[] = [], url = node.url) =>
  rpcResult<T>(url, method, params, { emptyListUnchecked: true });
const callError = (method: string, params: unknown[], url = node.url) => rpcError(url, method, params);

const getLogs = (filter: Record<string, unknown>) => call<Log[]>('eth_getLogs', [filter]);

/** The logs of every receipt of blocks from..to, in order (the expected answer). */
async function receiptLogs(from: number, to: number): Promise<Log[]> {
  const out: Log[] = [];
  for (let n = from; n <= to; n++) {
    const block = await call<{ transactions: Hash[] } | null>('eth_getBlockByNumber', [toQuantity(n), false]);
    for (const h of block?.transactions ?? [])
      out.push(...(await call<{ logs: Log[] }>('eth_getTransactionReceipt', [h])).logs);
  }
  return out;
}

test.before(async () => {
  node = await startReadRpcNode();
  chain = createL2ChainWriter({ store: node.store, executor: node.executor, trie: node.trie });
  await chain.genesis(node.genesisRoot, T0);
  await chain.openBatch(T0 + 10n, COINBASE);
  c1 = (await seal(await sign(alice, aliceNonce++, null, deployCode(CODE)))).result.receipt
    .createdAddress as Address;
  c2 = (await seal(await sign(alice, aliceNonce++, null, deployCode(CODE)))).result.receipt
    .createdAddress as Address;
  assert.ok(c1 && c2 && c1 !== c2);
  c1 = c1.toLowerCase() as Address;
  c2 = c2.toLowerCase() as Address;
  await callContract(c1, 1n); // block 3
  await callContract(c2, 2n); // block 4
  await callContract(c1, 3n); // block 5
  await seal(await sign(alice, aliceNonce++, addr(bob), '0x', 21_000n)); // block 6, no logs
});

test.after(() => node.close());

test('eth_getLogs: ranges and tags, in (block, logIndex) order, equal to the receipts', async () => {
  const all = await getLogs({ fromBlock: '0x0' });
  assert.is(all.length, 6);
  assert.equal(all, await receiptLogs(0, 6));
  assert.equal(
    all.map((l) => [l.blockNumber, l.logIndex, l.address, l.topics[0]]),
    [
      ['0x3', '0x0', c1, EV_A],
      ['0x3', '0x1', c1, EV_B],
      ['0x4', '0x0', c2, EV_A],
      ['0x4', '0x1', c2, EV_B],
      ['0x5', '0x0', c1, EV_A],
      ['0x5', '0x1', c1, EV_B],
    ],
  );
  assert.equal(all[0]!.topics, [EV_A, word(1n)]);
  assert.is(all[0]!.data, word(1n));
  assert.is(all[0]!.blockHash, blockHashes[3]);
  // Defaults are latest..latest: block 6 has no logs.
  assert.equal(await getLogs({}), []);
  assert.equal(await getLogs({ fromBlock: 'earliest', toBlock: 'latest' }), all);
  assert.equal(await getLogs({ fromBlock: '0x4', toBlock: '0x4' }), all.slice(2, 4));
  assert.equal(await getLogs({ fromBlock: '0x4', toBlock: 'pending' }), all.slice(2));
  assert.equal(await getLogs({ fromBlock: null, toBlock: null, address: null, topics: null }), []);
  assert.equal(await getLogs({ toBlock: 'earliest' }), []); // from latest > to earliest
  assert.equal(await getLogs({ fromBlock: '0x7', toBlock: '0x100' }), []); // beyond the head
  assert.equal(await getLogs({ fromBlock: 'earliest', toBlock: 'finalized' }), []); // nothing verified: block 0
});

test('eth_getLogs: address and positional topics', async () => {
  const all = await getLogs({ fromBlock: '0x0' });
  const ofC1 = all.filter((l) => l.address === c1);
  assert.is(ofC1.length, 4);
  assert.equal(await getLogs({ fromBlock: '0x0', address: c1 }), ofC1);
  assert.equal(await getLogs({ fromBlock: '0x0', address: c1.toUpperCase().replace('0X', '0x') }), ofC1);
  assert.equal(await getLogs({ fromBlock: '0x0', address: [c1, c2] }), all);
  assert.equal(await getLogs({ fromBlock: '0x0', address: [] }), all);
  assert.equal(await getLogs({ fromBlock: '0x0', address: `0x${'11'.repeat(20)}` }), []);

  const a = all.filter((l) => l.topics[0] === EV_A);
  assert.is(a.length, 3);
  assert.equal(await getLogs({ fromBlock: '0x0', topics: [EV_A] }), a);
  assert.equal(await getLogs({ fromBlock: '0x0', topics: [[EV_A, EV_B]] }), all);
  assert.equal(await getLogs({ fromBlock: '0x0', topics: [null] }), all);
  assert.equal(await getLogs({ fromBlock: '0x0', topics: [[]] }), all);
  assert.equal(await getLogs({ fromBlock: '0x0', topics: [null, word(2n)] }), [all[2]!]);
  assert.equal(await getLogs({ fromBlock: '0x0', topics: [EV_A, [word(1n), word(3n)]] }), [all[0]!, all[4]!]);
  assert.equal(await getLogs({ fromBlock: '0x0', topics: [EV_B, word(1n)] }), []); // B has one topic
  assert.equal(await getLogs({ fromBlock: '0x0', topics: [null, null, word(1n)] }), []);
  assert.equal(await getLogs({ fromBlock: '0x0', address: c2, topics: [EV_B] }), [all[3]!]);
});

test('eth_getLogs: blockHash', async () => {
  const all = await getLogs({ fromBlock: '0x0' });
  assert.equal(await getLogs({ blockHash: blockHashes[5] }), all.slice(4));
  assert.equal(await getLogs({ blockHash: blockHashes[5], topics: [EV_B] }), [all[5]!]);
  assert.equal(await getLogs({ blockHash: blockHashes[6] }), []);
  assert.equal(await getLogs({ blockHash: `0x${'ab'.repeat(32)}` }), []);
});

test('eth_getLogs: limits and bad filters are -32602 with the reference messages', async () => {
  let err = await callError('eth_getLogs', [{ fromBlock: '0x0', toBlock: toQuantity(10_001) }]);
  assert.is(err.code, -32602);
  assert.match(err.message, /logs are limited to a 10000 block range$/);
  assert.is((await getLogs({ fromBlock: '0x0', toBlock: toQuantity(10_000) })).length, 6);

  assert.equal(await callError('eth_getLogs', [{ fromBlock: '0x4', toBlock: '0x2' }]), {
    code: -32602,
    message: 'invalid block range',
  });
  err = await callError('eth_getLogs', [{ blockHash: blockHashes[5], fromBlock: '0x0' }]);
  assert.is(err.code, -32602);
  assert.match(err.message, /cannot specify both BlockHash and FromBlock\/ToBlock/);
  err = await callError('eth_getLogs', [{ blockHash: blockHashes[5], toBlock: 'latest' }]);
  assert.is(err.code, -32602);

  for (const bad of [
    { address: '0x1234' },
    { address: [c1, 'nope'] },
    { topics: ['0x12'] },
    { topics: [null, null, null, null, null] },
    { topics: EV_A },
    { fromBlock: 'yesterday' },
    { fromBlock: '0x01' },
    'latest',
  ]) {
    const e = await callError('eth_getLogs', [bad]);
    assert.is(e.code, -32602, JSON.stringify(bad));
  }
  assert.is((await callError('eth_getLogs', [])).code, -32602);

  // The result limit, on a server whose watcher allows 5 results.
  const { server, watcher } = await logServer({ maxLogs: 5 });
  try {
    err = await callError('eth_getLogs', [{ fromBlock: '0x0' }], server.url);
    assert.is(err.code, -32602);
    assert.match(err.message, /^query returned more than 5 results$/);
    assert.is(
      (await call<Log[]>('eth_getLogs', [{ fromBlock: '0x0', toBlock: '0x4' }], server.url)).length,
      4,
    );
  } finally {
    await server.close();
    await watcher.close();
  }
});

/** A second RPC server over the same read models with its own watcher (limits, clock). */
async function logServer(
  opts: Omit<LogWatcherOptions, 'db'>,
): Promise<{ server: RpcServer; watcher: LogWatcher }> {
  const watcher = createLogWatcher({ ...opts, db: node.db });
  const server = await createRpcServer({
    port: 0,
    methods: [...logMethods],
    deps: { logWatcher: watcher },
    rateLimitPerIp: 0,
  });
  return { server, watcher };
}

test('the filter param parses to the internal form', () => {
  const parsed = logFilter.parse({ address: c1, topics: [EV_A, null, [word(1n), null]], fromBlock: '0x2' });
  assert.equal(parsed, {
    kind: 'range',
    fromBlock: { kind: 'number', number: 2n },
    addresses: [c1],
    topics: [[EV_A]],
  });
});

test('filters: block and log filters return what is new since the last poll', async () => {
  const blocks = await call<Hex>('eth_newBlockFilter');
  const logsOfC1 = await call<Hex>('eth_newFilter', [{ address: c1 }]);
  const bTopic = await call<Hex>('eth_newFilter', [{ fromBlock: '0x0', topics: [EV_B] }]);
  const hashFilter = await call<Hex>('eth_newFilter', [{ blockHash: blockHashes[4] }]);
  const fromLatest = await call<Hex>('eth_newFilter', [{ fromBlock: 'latest', topics: [EV_B] }]);
  for (const id of [blocks, logsOfC1, bTopic, hashFilter]) assert.match(id, /^0x[1-9a-f][0-9a-f]{0,31}$/);
  assert.is(new Set([blocks, logsOfC1, bTopic, hashFilter]).size, 4);

  assert.equal(await call('eth_getFilterChanges', [blocks]), []);
  assert.equal(await call('eth_getFilterChanges', [logsOfC1]), []);
  const byHash = await getLogs({ blockHash: blockHashes[4] });
  assert.is(byHash.length, 2);
  assert.equal(await call('eth_getFilterChanges', [hashFilter]), byHash);
  assert.equal(await call('eth_getFilterChanges', [hashFilter]), []);

  const b7 = await callContract(c1, 4n);
  const b8 = await callContract(c2, 5n);
  assert.equal(await call('eth_getFilterChanges', [blocks]), [blockHashes[7], blockHashes[8]]);
  assert.equal(await call('eth_getFilterChanges', [blocks]), []);
  const new1 = await call<Log[]>('eth_getFilterChanges', [logsOfC1]);
  assert.equal(
    new1,
    await getLogs({ fromBlock: toQuantity(b7.blockNumber), toBlock: toQuantity(b7.blockNumber) }),
  );
  assert.equal(await call('eth_getFilterChanges', [logsOfC1]), []);
  const newB = await call<Log[]>('eth_getFilterChanges', [bTopic]);
  assert.equal(
    newB.map((l) => l.blockNumber),
    [toQuantity(b7.blockNumber), toQuantity(b8.blockNumber)],
  );
  assert.equal(
    await call('eth_getFilterChanges', [fromLatest]),
    newB,
    'fromBlock latest: both new blocks, not only the newest',
  );

  // eth_getFilterLogs: everything the filter names now.
  assert.equal(
    await call('eth_getFilterLogs', [bTopic]),
    await getLogs({ fromBlock: '0x0', topics: [EV_B] }),
  );
  assert.equal(await call('eth_getFilterLogs', [logsOfC1]), await getLogs({ address: c1 })); // latest..latest
  assert.equal(await call('eth_getFilterLogs', [hashFilter]), byHash);
  let err = await callError('eth_getFilterLogs', [blocks]);
  assert.equal(err, { code: -32000, message: 'filter not found' });

  for (const id of [blocks, logsOfC1, bTopic, hashFilter, fromLatest])
    assert.is(await call('eth_uninstallFilter', [id]), true);
  assert.is(await call('eth_uninstallFilter', [blocks]), false);
  err = await callError('eth_getFilterChanges', [blocks]);
  assert.equal(err, { code: -32000, message: 'filter not found' });
  err = await callError('eth_getFilterChanges', ['0x1234']);
  assert.equal(err, { code: -32000, message: 'filter not found' });
  err = await callError('eth_getFilterLogs', ['0x1234']);
  assert.equal(err, { code: -32000, message: 'filter not found' });

  err = await callError('eth_newPendingTransactionFilter', []);
  assert.equal(err, { code: -32000, message: 'not supported yet' });
  assert.is((await callError('eth_newFilter', [{ topics: 'x' }])).code, -32602);
});

test('filters expire after the idle time (injected clock)', async () => {
  let clock = 0;
  const { server, watcher } = await logServer({ filterTtlMs: 1000, now: () => clock });
  try {
    const a = await call<Hex>('eth_newBlockFilter', [], server.url);
    const b = await call<Hex>('eth_newFilter', [{ address: c1 }], server.url);
    assert.is(watcher.stats().filters, 2);
    clock = 1000; // idle exactly the ttl: still alive; polling resets the idle time
    assert.equal(await call('eth_getFilterChanges', [a], server.url), []);
    clock = 1500; // b idle 1500 > 1000: gone; a idle 500
    assert.equal(await call('eth_getFilterChanges', [a], server.url), []);
    assert.is(watcher.stats().filters, 1);
    const err = await callError('eth_getFilterLogs', [b], server.url);
    assert.equal(err, { code: -32000, message: 'filter not found' });
    clock = 2501;
    assert.equal(await callError('eth_getFilterChanges', [a], server.url), {
      code: -32000,
      message: 'filter not found',
    });
    assert.is(watcher.stats().filters, 0);
  } finally {
    await server.close();
    await watcher.close();
  }
});

test('expired filters are swept by a timer, with no filter call', async () => {
  let clock = 0;
  const { server, watcher } = await logServer({ filterTtlMs: 1000, now: () => clock, sweepIntervalMs: 10 });
  try {
    await call<Hex>('eth_newBlockFilter', [], server.url);
    await call<Hex>('eth_newFilter', [{ address: c1 }], server.url);
    await new Promise((r) => setTimeout(r, 50));
    assert.is(watcher.stats().filters, 2);
    clock = 1001;
    for (let i = 0; i < 100 && watcher.stats().filters > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.is(watcher.stats().filters, 0);
  } finally {
    await server.close();
    await watcher.close();
  }
});

test('filters are capped in all (maxFilters) and per client IP (maxFiltersPerClient): -32005', async () => {
  const { server, watcher } = await logServer({ maxFilters: 5, maxFiltersPerClient: 3 });
  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  const newFilter = async (ip: string) => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...from(ip) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_newBlockFilter', params: [] }),
    });
    return (await res.json()) as { result?: Hex; error?: { code: number; message: string } };
  };
  try {
    const mine: Hex[] = [];
    for (let i = 0; i < 3; i++) mine.push((await newFilter('10.0.0.1')).result!);
    assert.equal((await newFilter('10.0.0.1')).error, {
      code: -32005,
      message: 'too many filters from this client: limit is 3',
    });
    assert.ok((await newFilter('10.0.0.2')).result);
    assert.ok((await newFilter('10.0.0.3')).result);
    assert.equal((await newFilter('10.0.0.4')).error, {
      code: -32005,
      message: 'too many filters: limit is 5',
    });
    assert.is(await call('eth_uninstallFilter', [mine[0]], server.url), true);
    assert.ok((await newFilter('10.0.0.1')).result, 'uninstalling frees a place of the client');
    assert.is(watcher.stats().filters, 5);
  } finally {
    await server.close();
    await watcher.close();
  }
});

/** A WebSocket JSON-RPC client that keeps every message and waits for matching ones. */
async function wsClient(url: string) {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const messages: Record<string, unknown>[] = [];
  const waiters: {
    pred: (m: Record<string, unknown>) => boolean;
    resolve: (m: Record<string, unknown>) => void;
  }[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as Record<string, unknown>;
    messages.push(m);
    for (const w of [...waiters])
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
  });
  let nextId = 1;
  const waitFor = (pred: (m: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const found = messages.find(pred);
      if (found) resolve(found);
      else waiters.push({ pred, resolve });
    });
  return {
    ws,
    messages,
    waitFor,
    async request(method: string, params: unknown[] = []) {
      const id = nextId++;
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      return (await waitFor((m) => m['id'] === id)) as {
        result?: unknown;
        error?: { code: number; message: string };
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}

type Notification = { method: string; params: { subscription: string; result: Record<string, unknown> } };
const notificationsOf = (messages: Record<string, unknown>[], sub: unknown) =>
  (messages as unknown as Notification[]).filter(
    (m) => m.method === 'eth_subscription' && m.params.subscription === sub,
  );

test('eth_subscribe over WebSocket: newHeads and logs notifications for a new block', async () => {
  const client = await wsClient(node.wsUrl);
  try {
    const heads = (await client.request('eth_subscribe', ['newHeads'])).result as string;
    const c2A = (await client.request('eth_subscribe', ['logs', { address: c2, topics: [EV_A] }]))
      .result as string;
    const allLogs = (await client.request('eth_subscribe', ['logs'])).result as string;
    const gone = (await client.request('eth_subscribe', ['logs', { address: c1 }])).result as string;
    for (const id of [heads, c2A, allLogs, gone]) assert.match(id, /^0x[1-9a-f][0-9a-f]{0,31}$/);
    assert.equal(node.logWatcher.stats(), { filters: 0, subscriptions: 4, connections: 1, polling: true });
    assert.is((await client.request('eth_unsubscribe', [gone])).result, true);
    assert.is((await client.request('eth_unsubscribe', [gone])).result, false);

    for (const name of ['newPendingTransactions', 'pendingTransactions', 'syncing'])
      assert.equal((await client.request('eth_subscribe', [name])).error, {
        code: -32000,
        message: 'not supported yet',
      });
    assert.equal((await client.request('eth_subscribe', ['nonsense'])).error, {
      code: -32000,
      message: 'invalid filter name',
    });
    assert.is((await client.request('eth_subscribe', ['logs', { topics: 'x' }])).error?.code, -32602);

    const sealed = await callContract(c2, 6n);
    const n = toQuantity(sealed.blockNumber);
    const head = (await client.waitFor(
      (m) => (m as unknown as Notification).params?.subscription === heads,
    )) as unknown as Notification;
    assert.is(head.method, 'eth_subscription');
    assert.is((head as unknown as { jsonrpc: string }).jsonrpc, '2.0');
    const block = await call<Record<string, unknown>>('eth_getBlockByNumber', [n, false]);
    const { transactions: _t, uncles: _u, size: _s, ...header } = block;
    assert.equal(head.params.result, header);

    const expectedLogs = await getLogs({ fromBlock: n, toBlock: n });
    assert.is(expectedLogs.length, 2);
    await client.waitFor(() => notificationsOf(client.messages, allLogs).length === 2);
    assert.equal(
      notificationsOf(client.messages, allLogs).map((m) => m.params.result),
      expectedLogs,
    );
    await client.waitFor(() => notificationsOf(client.messages, c2A).length === 1);
    assert.equal(notificationsOf(client.messages, c2A)[0]!.params.result, expectedLogs[0]);
    assert.equal(resultErrors('eth_getLogs', [notificationsOf(client.messages, c2A)[0]!.params.result]), []);
    assert.equal(notificationsOf(client.messages, gone), []);
    assert.is(notificationsOf(client.messages, heads).length, 1);

    // Unsubscribing over the connection, then closing it, removes everything and stops the poller.
    assert.is((await client.request('eth_unsubscribe', [heads])).result, true);
    assert.is(node.logWatcher.stats().subscriptions, 2);
  } finally {
    await client.close();
  }
  while (node.logWatcher.stats().subscriptions > 0) await new Promise((r) => setTimeout(r, 10));
  while (node.logWatcher.stats().polling) await new Promise((r) => setTimeout(r, 10));
  assert.equal(node.logWatcher.stats(), { filters: 0, subscriptions: 0, connections: 0, polling: false });
});

/** A connection as the watcher sees it, counting the close hooks registered on it. */
function recordingConnection(id: number) {
  const hooks: (() => void)[] = [];
  let closed = false;
  const connection: RpcConnection = {
    id,
    get closed() {
      return closed;
    },
    send: () => !closed,
    onClose: (cb) => {
      hooks.push(cb);
    },
  };
  return {
    connection,
    hooks,
    close() {
      closed = true;
      for (const cb of hooks.splice(0)) cb();
    },
  };
}

test('subscriptions: one close hook per connection, whatever the subscribe/unsubscribe cycles; a close removes only its own', async () => {
  const watcher = createLogWatcher({ db: node.db, pollIntervalMs: 60_000 });
  const a = recordingConnection(1);
  const b = recordingConnection(2);
  try {
    for (let i = 0; i < 500; i++)
      assert.ok(watcher.unsubscribe(a.connection, await watcher.subscribe(a.connection, 'newHeads')));
    assert.is(a.hooks.length, 1);
    assert.equal(watcher.stats(), { filters: 0, subscriptions: 0, connections: 1, polling: false });
    const N = 900;
    const ofB: string[] = [];
    for (let i = 0; i < N; i++) {
      await watcher.subscribe(a.connection, 'newHeads');
      ofB.push(await watcher.subscribe(b.connection, 'logs', { kind: 'range', addresses: [c1], topics: [] }));
    }
    assert.is(a.hooks.length, 1);
    assert.is(b.hooks.length, 1);
    assert.equal(watcher.stats(), { filters: 0, subscriptions: 2 * N, connections: 2, polling: true });
    a.close();
    assert.equal(watcher.stats(), { filters: 0, subscriptions: N, connections: 1, polling: true });
    assert.ok(watcher.unsubscribe(b.connection, ofB[0]!));
    assert.not.ok(watcher.unsubscribe(a.connection, ofB[1]!), "another connection's subscription");
    b.close();
    assert.equal(watcher.stats(), { filters: 0, subscriptions: 0, connections: 0, polling: false });
  } finally {
    await watcher.close();
  }
});

test('subscriptions: at most maxSubscriptionsPerConnection per connection (-32005), each connection its own', async () => {
  const { server, watcher } = await logServer({ maxSubscriptionsPerConnection: 3 });
  const one = await wsClient(server.wsUrl);
  const two = await wsClient(server.wsUrl);
  try {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await one.request('eth_subscribe', ['newHeads'])).result as string);
    assert.equal((await one.request('eth_subscribe', ['logs'])).error, {
      code: -32005,
      message: 'too many subscriptions on this connection: limit is 3',
    });
    assert.is((await two.request('eth_subscribe', ['newHeads'])).error, undefined);
    assert.is((await one.request('eth_unsubscribe', [ids[0]])).result, true);
    assert.match((await one.request('eth_subscribe', ['newHeads'])).result as string, /^0x/);
    assert.is(watcher.stats().subscriptions, 4);
  } finally {
    await one.close();
    await two.close();
    await server.close();
    await watcher.close();
  }
});

test('a failed eth_subscribe (read models unreachable) leaves no subscription behind', async () => {
  const down = createReadModelDb('postgres://lev@127.0.0.1:1/unreachable', { max: 1 });
  const watcher = createLogWatcher({ db: down, pollIntervalMs: 20 });
  const server = await createRpcServer({ port: 0, methods: [...logMethods], deps: { logWatcher: watcher } });
  const client = await wsClient(server.wsUrl);
  try {
    const r = await client.request('eth_subscribe', ['newHeads']);
    assert.equal(r.error, { code: -32000, message: 'runtime error' });
    assert.equal(watcher.stats(), { filters: 0, subscriptions: 0, connections: 1, polling: false });
  } finally {
    await client.close();
    await server.close();
    await watcher.close();
    await down.close();
  }
});

test('eth_subscribe / eth_unsubscribe over HTTP: notifications not supported', async () => {
  assert.equal(await callError('eth_subscribe', ['newHeads']), {
    code: -32000,
    message: 'notifications not supported',
  });
  assert.equal(await callError('eth_unsubscribe', ['0x1']), {
    code: -32000,
    message: 'notifications not supported',
  });
});

test('after a TrustedStateReset, filters and newHeads report the blocks sealed anew at numbers they had seen', async () => {
  await chain.closeBatch('full_txs');
  const kept = (chain.state() as { lastBatch: { number: bigint } }).lastBatch.number;
  await chain.openBatch(T0 + 100n, COINBASE);
  await callContract(c1, 21n);
  await callContract(c1, 22n);
  const blocks = await call<Hex>('eth_newBlockFilter');
  const logs = await call<Hex>('eth_newFilter', [{ address: c1 }]);
  const client = await wsClient(node.wsUrl);
  try {
    const heads = (await client.request('eth_subscribe', ['newHeads'])).result as string;
    const before = BigInt(await call<Hex>('eth_blockNumber'));
    await chain.resetTo(kept, 'L1 sequenced something else');
    bobNonce -= 2;
    await node.runner.waitFor(chain.position);
    assert.is(BigInt(await call<Hex>('eth_blockNumber')), before - 2n);
    await chain.openBatch(T0 + 200n, COINBASE);
    const anew = [await callContract(c1, 31n), await callContract(c1, 32n), await callContract(c1, 33n)];
    const numbers = anew.map((d) => d.blockNumber);
    assert.equal(numbers, [before - 1n, before, before + 1n], 'two numbers seen before the reset, one new');
    const hashes = numbers.map((n) => blockHashes[Number(n)]!);
    assert.equal(await call('eth_getFilterChanges', [blocks]), hashes);
    const changed = await call<Log[]>('eth_getFilterChanges', [logs]);
    assert.equal(
      changed.map((l) => l.blockHash),
      hashes.flatMap((h) => [h, h]),
      'the logs of the three new blocks (two each)',
    );
    const notified = async (hash: Hash) =>
      client.waitFor((m) => {
        const n = m as unknown as Notification;
        return (
          n.method === 'eth_subscription' &&
          n.params.subscription === heads &&
          n.params.result['hash'] === hash
        );
      });
    for (const h of hashes) await notified(h);
    assert.is((await client.request('eth_unsubscribe', [heads])).result, true);
    for (const id of [blocks, logs]) assert.is(await call('eth_uninstallFilter', [id]), true);
  } finally {
    await client.close();
  }
});

test('ethers v6 provider.getLogs', async () => {
  const provider = new JsonRpcProvider(node.url, Number(CHAIN_ID), { staticNetwork: true });
  try {
    const logs = await provider.getLogs({ address: c1, fromBlock: 0, toBlock: 'latest', topics: [EV_A] });
    const expected = await getLogs({ fromBlock: '0x0', address: c1, topics: [EV_A] });
    assert.is(logs.length, expected.length);
    assert.ok(logs.length >= 3);
    logs.forEach((l, i) => {
      const e = expected[i]!;
      assert.is(l.address.toLowerCase(), c1);
      assert.equal([...l.topics], e.topics);
      assert.is(l.data, e.data);
      assert.is(l.blockNumber, Number(e.blockNumber));
      assert.is(l.blockHash, e.blockHash);
      assert.is(l.transactionHash, e.transactionHash);
      assert.is(l.index, Number(e.logIndex));
    });
    const byHash = await provider.getLogs({ blockHash: blockHashes[4]! });
    assert.is(byHash.length, 2);
  } finally {
    provider.destroy();
  }
});

test.run();
