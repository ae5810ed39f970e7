/**
 * The L2 builder of a permissionless node on a real store and trie (Postgres): the `l1-sync` events come from the
 * l1-sync decider over L1 facts (sequences, a forced batch of bytes that do not decode), as the synchronizer
 * records them. Checked: the events do not depend on how the work is split (groups per append, rounds, decoding on
 * the worker or here); every block's roots are those of src/l2's tries; every appended root is readable from
 * Postgres alone; a failed append or flush stops the round there, and the same builder — or a new one, as after
 * a restart — goes on with nothing lost or built twice; a batch that cannot be rebuilt fails the round as a
 * critical error after the groups before it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { Wallet } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createL2Builder,
  createTrustedNode,
  type L2Builder,
  type L2BuilderDeps,
  L2RebuildError,
  type TrustedNode,
  type TrustedNodeBatch,
} from '../../../actors/synchronizer/index.ts';
import { createReadModelDb, migrate, readSnapshot } from '../../../projections/index.ts';
import { encodeBatchL2Data } from '../../../src/batch/index.ts';
import { createPgPool, type PgPool } from '../../../src/db/index.ts';
import { messageOf } from '../../../src/errors/index.ts';
import {
  createEventStore,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '../../../src/eventstore/index.ts';
import {
  createExecutor,
  createTrieStore,
  type GenesisAllocation,
  type TrieStore,
} from '../../../src/execution/index.ts';
import { encodeReceipt, orderedTrieRoot } from '../../../src/l2/index.ts';
import {
  type Address,
  type Hash,
  type Hex,
  hexToBytes,
  keccak256Hex,
} from '../../../src/primitives/index.ts';
import { envelope } from '../../../src/streams/index.ts';
import {
  decide as decideL1Sync,
  evolve as evolveL1Sync,
  L1_SYNC_STREAM_ID,
  type L1BlockFacts,
  type L1BlockHeader,
  type L1SyncEvent,
  initialState as l1SyncInitial,
  type TrustedBatch,
} from '../../../src/streams/l1sync/index.ts';
import { foldL2, L2_STREAM_ID, type L2BlockSealed, type L2Event } from '../../../src/streams/l2/index.ts';
import { decodeSignedLegacyTx, encodeSignedLegacyTx } from '../../../src/tx/index.ts';
import { createTestDatabase, type TestDatabase } from '../../support/db.ts';

const test = suite('actors/synchronizer/l2-builder');

const CHAIN_ID = 1001n;
const COINBASE = '0x00000000000000000000000000000000000c0ffe' as Address;
const SEQUENCER = '0x000000000000000000000000000000000000beef' as Address;
const ZERO_HASH = `0x${'00'.repeat(32)}` as Hash;
const senders = [1, 2, 3].map((i) => new Wallet(`0x${(0x5000 + i).toString(16).padStart(64, '0')}`));
const genesis: GenesisAllocation[] = senders.map((w) => ({
  address: w.address.toLowerCase(),
  balance: 10n ** 21n,
  nonce: 0n,
}));
/** Forced bytes that are no tx at all: such a batch is sequenced and makes no block. */
const FORCED_JUNK = '0xdeadbeef' as Hex;

const databases: TestDatabase[] = [];
const pools: PgPool[] = [];
const stores: EventStore[] = [];
const builders: L2Builder[] = [];
/** The `l1-sync` events every database starts with. */
let l1SyncEvents: L1SyncEvent[] = [];
/** Each sender's next nonce after the batches of `l1SyncEvents`. */
let nextNonces: number[] = [];

const l1Block = (n: number, timestamp: bigint): L1BlockHeader => ({
  number: BigInt(n),
  hash: keccak256Hex(new Uint8Array([n])),
  parentHash: keccak256Hex(new Uint8Array([n - 1])),
  timestamp,
});

/** Batch data of `count` transfers from `wallet`, nonces from `nonce`. */
async function transfers(wallet: Wallet, nonce: number, count: number): Promise<Hex> {
  const txs = [];
  for (let i = 0; i < count; i++) {
    const raw = await wallet.signTransaction({
      type: 0,
      chainId: CHAIN_ID,
      nonce: nonce + i,
      gasPrice: 1_000_000_000n,
      gasLimit: 21_000n,
      to: COINBASE,
      value: 1000n + BigInt(i),
    });
    txs.push(decodeSignedLegacyTx(hexToBytes(raw)));
  }
  return `0x${Buffer.from(encodeBatchL2Data(txs)).toString('hex')}` as Hex;
}

test.before(async () => {
  // 7 sequenced batches, a forced batch of junk, 5 more: 12 sequenced batches of 1–3 transfers each.
  const nonces = senders.map(() => 0);
  const sequence = async (count: number, timestamp: bigint) => {
    const batches = [];
    for (let i = 0; i < count; i++) {
      const s = i % senders.length;
      const n = 1 + (i % 3);
      batches.push({
        transactions: await transfers(senders[s]!, nonces[s]!, n),
        globalExitRoot: ZERO_HASH,
        timestamp: timestamp + BigInt(i),
        minForcedTimestamp: 0n,
      });
      nonces[s]! += n;
    }
    return batches;
  };
  const blocks: L1BlockFacts[] = [
    {
      block: l1Block(1, 1000n),
      facts: [
        {
          type: 'SequenceBatches',
          txHash: keccak256Hex(new Uint8Array([0xa1])),
          sender: SEQUENCER,
          numBatch: 7n,
          l2Coinbase: COINBASE,
          batches: await sequence(7, 100n),
        },
      ],
    },
    {
      block: l1Block(2, 1010n),
      facts: [
        {
          type: 'ForceBatch',
          txHash: keccak256Hex(new Uint8Array([0xa2])),
          forceBatchNum: 1n,
          globalExitRoot: ZERO_HASH,
          sequencer: SEQUENCER,
          transactions: FORCED_JUNK,
        },
      ],
    },
    {
      block: l1Block(3, 1020n),
      facts: [
        {
          type: 'SequenceForceBatches',
          txHash: keccak256Hex(new Uint8Array([0xa3])),
          sender: SEQUENCER,
          numBatch: 8n,
          batches: [{ transactions: FORCED_JUNK, globalExitRoot: ZERO_HASH, minForcedTimestamp: 1010n }],
        },
      ],
    },
    {
      block: l1Block(4, 1030n),
      facts: [
        {
          type: 'SequenceBatches',
          txHash: keccak256Hex(new Uint8Array([0xa4])),
          sender: SEQUENCER,
          numBatch: 13n,
          l2Coinbase: COINBASE,
          batches: await sequence(5, 1030n),
        },
      ],
    },
  ];
  l1SyncEvents = decideL1Sync(
    {
      type: 'SyncL1Range',
      data: { blocks, end: blocks[3]!.block, trusted: new Map(), mode: 'permissionless' },
    },
    l1SyncInitial(),
  );
  l1SyncEvents.reduce(evolveL1Sync, l1SyncInitial()); // folds: the events are consistent
  nextNonces = nonces;
  assert.is(l1SyncEvents.filter((e) => e.type === 'BatchesVirtualized').length, 3);
});

test.after(async () => {
  for (const b of builders) await b.close();
  for (const s of stores) await s.close();
  for (const p of pools) await p.end();
  for (const d of databases) await d.drop();
});

type Node = { url: string; pool: PgPool; store: EventStore; trie: TrieStore };

/** A fresh database holding the `l1-sync` events. */
async function freshNode(): Promise<Node> {
  const db = await createTestDatabase('l2b');
  databases.push(db);
  const pool = createPgPool(db.url);
  pools.push(pool);
  const store = await createEventStore({ kind: 'postgres', pool });
  stores.push(store);
  await store.append(
    L1_SYNC_STREAM_ID,
    envelope(l1SyncEvents, { actor: 'test', at: new Date(0).toISOString() }),
    'no_stream',
  );
  return { url: db.url, pool, store, trie: await createTrieStore({ pool }) };
}

/** A builder as a node makes one (its own executor), with overrides. */
async function builderOf(
  node: Pick<Node, 'store' | 'trie'>,
  opts: Partial<L2BuilderDeps> = {},
): Promise<L2Builder> {
  const builder = createL2Builder({
    store: node.store,
    trie: node.trie,
    executor: await createExecutor({ store: node.trie, chainId: CHAIN_ID }),
    genesis,
    genesisTimestamp: 0n,
    ...opts,
  });
  builders.push(builder);
  return builder;
}

/** Appends what the `l1-sync` decider makes of more L1 blocks (permissionless, no trusted batches to compare). */
async function syncL1(node: Pick<Node, 'store'>, blocks: L1BlockFacts[]): Promise<void> {
  const held = (await node.store.readStream(L1_SYNC_STREAM_ID)) as RecordedEvent<L1SyncEvent>[];
  const events = decideL1Sync(
    {
      type: 'SyncL1Range',
      data: { blocks, end: blocks.at(-1)!.block, trusted: new Map(), mode: 'permissionless' },
    },
    held.reduce(evolveL1Sync, l1SyncInitial()),
  );
  await node.store.append(
    L1_SYNC_STREAM_ID,
    envelope(events, { actor: 'test', at: new Date(0).toISOString() }),
    held.length - 1,
  );
}

/** An L1 block sequencing one batch, batch 14 (after the 13 of `l1SyncEvents`), of `transactions`. */
const sequenced14 = (transactions: Hex): L1BlockFacts => ({
  block: l1Block(5, 1040n),
  facts: [
    {
      type: 'SequenceBatches',
      txHash: keccak256Hex(new Uint8Array([0xa5])),
      sender: SEQUENCER,
      numBatch: 14n,
      l2Coinbase: COINBASE,
      batches: [{ transactions, globalExitRoot: ZERO_HASH, timestamp: 1040n, minForcedTimestamp: 0n }],
    },
  ],
});

/** Builds until nothing is left; returns how many batches. */
async function buildAll(builder: L2Builder): Promise<number> {
  let total = 0;
  for (let n = -1; n !== 0; total += n) n = await builder.build(1_700_000_000_000);
  return total;
}

/** The `l2` stream without what differs between runs (event ids, metadata). */
async function chainOf(store: EventStore): Promise<{ type: string; data: unknown }[]> {
  const events = (await store.readStream(L2_STREAM_ID)) as RecordedEvent<L2Event>[];
  return events.map((e) => ({ type: e.type, data: e.data }));
}

/** Every state root the stream names, read back through a new trie store (an empty cache: Postgres alone). */
async function assertRootsPersisted(node: Node): Promise<void> {
  const reader = await createExecutor({
    store: await createTrieStore({ pool: node.pool }),
    chainId: CHAIN_ID,
  });
  for (const e of await chainOf(node.store)) {
    const root = (e.data as { stateRoot?: Hash }).stateRoot;
    if (root) assert.ok(await reader.hasStateRoot(root), `${e.type} names ${root}, which is not in Postgres`);
  }
}

/** What `promise` rejects with. @throws when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** The reference: one round, one append, decoded on this thread. */
let reference: { type: string; data: unknown }[] = [];

test('one round, one append, decoded here: 13 batches, a block per transfer, roots of src/l2 tries', async () => {
  const node = await freshNode();
  const builder = await builderOf(node, {
    maxBatchesPerRound: 1000,
    batchesPerAppend: 1000,
    offThreadDecoding: false,
  });
  assert.is(await buildAll(builder), 13);
  reference = await chainOf(node.store);
  const types = reference.map((e) => e.type);
  assert.is(types.filter((t) => t === 'BatchClosed').length, 13);
  const blocks = reference.filter((e) => e.type === 'L2BlockSealed') as unknown as L2BlockSealed[];
  // Batch i of a sequence holds 1 + i % 3 transfers; the forced batch 8 has none.
  assert.is(
    blocks.length,
    [0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4].reduce((n, i) => n + 1 + (i % 3), 0),
  );
  const forced = reference.find(
    (e) => e.type === 'BatchClosed' && (e.data as { batchNumber: string }).batchNumber === '8',
  )?.data as { batchL2Data: Hex; firstBlock: string | null } | undefined;
  assert.is(forced?.batchL2Data, FORCED_JUNK, 'the forced bytes, as forced');
  assert.is(forced?.firstBlock, null, 'and no block');
  for (const { data: b } of blocks) {
    const tx = {
      ...b.tx,
      nonce: BigInt(b.tx.nonce),
      gasPrice: BigInt(b.tx.gasPrice),
      gas: BigInt(b.tx.gas),
      value: BigInt(b.tx.value),
      chainId: BigInt(b.tx.chainId),
      v: BigInt(b.tx.v),
      r: BigInt(b.tx.r),
      s: BigInt(b.tx.s),
    };
    assert.is(b.transactionsRoot, await orderedTrieRoot([encodeSignedLegacyTx(tx)]));
    const receipt = encodeReceipt({
      postState: b.stateRoot,
      cumulativeGasUsed: BigInt(b.receipt.cumulativeGasUsed),
      logsBloom: b.receipt.logsBloom,
      logs: b.receipt.logs,
    });
    assert.is(b.receiptsRoot, await orderedTrieRoot([receipt]));
  }
  await assertRootsPersisted(node);
});

test('in rounds of 4 txs and appends of 2 batches, decoded on the worker: the same events', async () => {
  const node = await freshNode();
  const builder = await builderOf(node, { maxTxsPerRound: 4, batchesPerAppend: 2 });
  await builder.ready();
  // Batches 1, 2 and 3 hold 1, 2 and 3 transfers: the third starts at 3 txs, the fourth would at 6.
  assert.is(await builder.build(1_700_000_000_000), 3, 'a round starts no batch after maxTxsPerRound txs');
  assert.is(await buildAll(builder), 10);
  assert.equal(await chainOf(node.store), reference);
  await assertRootsPersisted(node);
});

test('the decoding worker dying while it holds the batch build waits for: decoded here, the same events', async () => {
  const node = await freshNode();
  // One batch per append: 2 batches decoded ahead, so batch 1 is handed to the worker too and awaited there.
  const builder = await builderOf(node, { batchesPerAppend: 1 });
  await builder.ready();
  // The thread dies (an OOM, a native crash) right as it takes its first batch: it never answers.
  const original = Worker.prototype.postMessage;
  let killed = false;
  Worker.prototype.postMessage = function (this: Worker, msg: unknown, ...rest: unknown[]) {
    const m = msg as { id?: unknown; data?: unknown };
    if (typeof m.id === 'number' && typeof m.data === 'string') {
      killed = true;
      Worker.prototype.postMessage = original;
      void this.terminate();
    }
    return (original as (this: Worker, ...args: unknown[]) => void).call(this, msg, ...rest);
  };
  // A hang leaves nothing to keep the process alive (the worker is gone): this timer fails the test instead.
  let timer: NodeJS.Timeout | undefined;
  try {
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('build did not settle within 20 s')), 20_000);
    });
    assert.is(await Promise.race([buildAll(builder), hung]), 13);
  } finally {
    clearTimeout(timer);
    Worker.prototype.postMessage = original;
  }
  assert.ok(killed, 'the worker took a batch');
  assert.equal(await chainOf(node.store), reference);
});

test('a failed append stops the round there; the same builder then goes on: nothing lost or built twice', async () => {
  const node = await freshNode();
  let appends = 0;
  const failing: EventStore = {
    ...node.store,
    append: (streamId: string, events: NewEvent[], expected?: Parameters<EventStore['append']>[2]) =>
      streamId === L2_STREAM_ID && ++appends === 2
        ? Promise.reject(new Error('injected: the connection dropped'))
        : node.store.append(streamId, events, expected),
  };
  const builder = await builderOf(
    { store: failing, trie: node.trie },
    { batchesPerAppend: 3, maxBatchesPerRound: 4 },
  );
  assert.match(messageOf(await rejection(builder.build(1_700_000_000_000))), /injected/);
  const kept = await chainOf(node.store);
  assert.is(kept.filter((e) => e.type === 'BatchClosed').length, 3, 'only the first group is appended');
  assert.equal(kept, reference.slice(0, kept.length));
  assert.is(await builder.build(1_700_000_000_000), 4, 'a round stops at maxBatchesPerRound');
  assert.is(await buildAll(builder), 6);
  assert.equal(await chainOf(node.store), reference);
  await assertRootsPersisted(node);
});

test('a failed flush appends nothing after it; a new builder (a restart) goes on from the stream', async () => {
  const node = await freshNode();
  let flushes = 0;
  const failingTrie: TrieStore = Object.assign(Object.create(null) as TrieStore, node.trie, {
    flush: () =>
      ++flushes === 3 ? Promise.reject(new Error('injected: Postgres is gone')) : node.trie.flush(),
  });
  const crashed = await builderOf({ store: node.store, trie: failingTrie }, { batchesPerAppend: 2 });
  assert.match(messageOf(await rejection(crashed.build(1_700_000_000_000))), /injected/);
  const kept = await chainOf(node.store);
  assert.is(kept.filter((e) => e.type === 'BatchClosed').length, 4, 'two groups of two batches');
  await crashed.close();
  // A restart: a new trie store (its buffer and cache are gone) and a new builder over the same database.
  const restarted = await builderOf({ store: node.store, trie: await createTrieStore({ pool: node.pool }) });
  assert.is(await buildAll(restarted), 9);
  assert.equal(await chainOf(node.store), reference);
  await assertRootsPersisted(node);
});

test('a restart folds `l2` from the snapshot it wrote; the chain it goes on building is the same', async () => {
  const node = await freshNode();
  const readModels = createReadModelDb(node.url);
  await migrate(readModels);
  try {
    const first = await builderOf(node, { db: readModels, snapshotEvery: 5, maxBatchesPerRound: 6 });
    assert.is(await first.build(1_700_000_000_000), 6);
    await first.close();
    const snapshot = await readSnapshot(readModels.pool, L2_STREAM_ID);
    assert.ok(snapshot && snapshot.revision >= 5, 'a snapshot was written');
    const l2Reads: (number | undefined)[] = [];
    const spied: EventStore = {
      ...node.store,
      readStream: (id, o) => {
        if (id === L2_STREAM_ID && o?.direction !== 'backwards') l2Reads.push(o?.from);
        return node.store.readStream(id, o);
      },
    };
    const restarted = await builderOf(
      { store: spied, trie: await createTrieStore({ pool: node.pool }) },
      { db: readModels, snapshotEvery: 5 },
    );
    assert.is(await buildAll(restarted), 7);
    assert.is(l2Reads[0], snapshot.revision, 'the load started at the snapshot: the event it names');
    assert.is(l2Reads[1], snapshot.revision + 1, 'then the events after it');
    assert.equal(await chainOf(node.store), reference);
    await assertRootsPersisted(node);
  } finally {
    await readModels.close();
  }
});

test('a sequenced batch that does not decode is a critical L2RebuildError; the groups before it stay', async () => {
  const node = await freshNode();
  // L1 sequencing bytes that are no tx (the contract does not check them): batch 14, after the 13 good ones.
  await syncL1(node, [sequenced14('0xc0ffee')]);
  const builder = await builderOf(node, { batchesPerAppend: 4 });
  const error = await rejection(buildAll(builder));
  assert.instance(error, L2RebuildError);
  assert.match((error as L2RebuildError).shortMessage, /batch 14 sequenced on L1 does not decode/);
  assert.is((error as L2RebuildError).severity, 'critical');
  // Groups of 4: batches 1–12 were appended; 13 was staged with 14 and goes with the failed round.
  const kept = await chainOf(node.store);
  assert.is(kept.filter((e) => e.type === 'BatchClosed').length, 12);
  assert.equal(kept, reference.slice(0, kept.length));
});

test('a sequenced batch holding txs the state refuses: they make no block, the batch closes with the bytes L1 holds', async () => {
  const node = await freshNode();
  const broke = new Wallet(`0x${'77'.repeat(32)}`); // no balance: cannot pay for gas
  const sign = (w: Wallet, nonce: number) =>
    w.signTransaction({
      type: 0,
      chainId: CHAIN_ID,
      nonce,
      gasPrice: 1_000_000_000n,
      gasLimit: 21_000n,
      to: COINBASE,
      value: 1n,
    });
  const raws = [
    await sign(senders[0]!, nextNonces[0]! + 5), // a nonce gap
    await sign(senders[1]!, nextNonces[1]!), // valid
    await sign(broke, 0), // cannot pay
  ];
  const bytes =
    `0x${Buffer.from(encodeBatchL2Data(raws.map((r) => decodeSignedLegacyTx(hexToBytes(r))))).toString('hex')}` as Hex;
  await syncL1(node, [sequenced14(bytes)]);
  const builder = await builderOf(node);
  assert.is(await buildAll(builder), 14);
  const chain = await chainOf(node.store);
  assert.equal(chain.slice(0, reference.length), reference);
  const batch14 = chain.slice(reference.length);
  // One block, the valid tx's; the batch's bytes are L1's, all three txs, and its accInputHash L1's.
  assert.equal(
    batch14.map((e) => e.type),
    ['BatchOpened', 'L2BlockSealed', 'BatchClosed'],
  );
  assert.is((batch14[1]!.data as L2BlockSealed['data']).tx.hash, keccak256Hex(hexToBytes(raws[1]! as Hex)));
  const closed = batch14[2]!.data as { batchL2Data: Hex; accInputHash: Hash; reason: string };
  assert.is(closed.batchL2Data, bytes);
  assert.is(closed.reason, 'virtualized');
  const l1 = (await node.store.readStream(L1_SYNC_STREAM_ID)).flatMap((e) =>
    e.type === 'BatchesVirtualized'
      ? (e.data as { batches: { number: string | bigint; accInputHash: Hash }[] }).batches
      : [],
  );
  assert.is(l1.find((b) => BigInt(b.number) === 14n)?.accInputHash, closed.accInputHash);
  await assertRootsPersisted(node);
});

test("a trusted node's malformed batch never stops the node: a bad answer is temporary, a claim that does not stage is refused", async () => {
  const node = await freshNode();
  const lastTimestamp = 1034n; // batch 13's: the trusted node's batch 14 may not be older
  const claim = {
    number: '0xe',
    coinbase: COINBASE,
    globalExitRoot: ZERO_HASH,
    timestamp: `0x${(lastTimestamp + 1n).toString(16)}`,
    stateRoot: ZERO_HASH,
    accInputHash: ZERO_HASH,
    closed: true,
    batchL2Data: '0x',
  };
  // A real trusted node over JSON-RPC, answering batch 14 with one malformed field at a time.
  let answer: Record<string, unknown> = claim;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      const { id, params } = JSON.parse(body) as { id: number; params: [string, boolean] };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id, result: params[0] === '0xe' ? answer : null }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const logs: { msg: string; fields?: Record<string, unknown> }[] = [];
    const log = (msg: string, fields?: Record<string, unknown>) =>
      logs.push({ msg, ...(fields ? { fields } : {}) });
    assert.is(await buildAll(await builderOf(node)), 13, 'the L1 batches');
    for (const [patch, field] of [
      [{ coinbase: 'not-an-address' }, /coinbase is not an address/],
      [{ timestamp: '0x10000000000000000' }, /timestamp 18446744073709551616 is not a uint64/],
      [{ batchL2Data: `0x${'00'.repeat(120_001)}` }, /batchL2Data is 120001 bytes, above 120000/],
    ] as const) {
      answer = { ...claim, ...patch };
      logs.length = 0;
      const builder = await builderOf(node, { trustedNode: createTrustedNode(url), log });
      assert.is(await builder.build(1_700_000_000_000, { followTrusted: true }), 0, String(field));
      const down = logs.find((l) => l.msg.startsWith('the trusted node does not answer'));
      assert.match(String(down?.fields?.['reason']), field);
    }
    // A trusted node client that passes claims on unchecked: what cannot be staged is refused, never thrown.
    const parsed: TrustedNodeBatch = {
      number: 14n,
      forcedBatchNumber: null,
      coinbase: COINBASE,
      globalExitRoot: ZERO_HASH,
      timestamp: lastTimestamp + 1n,
      stateRoot: ZERO_HASH,
      accInputHash: ZERO_HASH,
      closed: true,
      batchL2Data: '0x',
    };
    for (const [patch, why] of [
      [{ coinbase: 'not-an-address' as Address }, /is not a batch: coinbase is not 0x-hex/],
      [{ timestamp: 1n << 64n }, /is not a batch: timestamp 18446744073709551616 is not a uint64/],
    ] as const) {
      const batch: TrustedNodeBatch = { ...parsed, ...patch };
      const unchecked: TrustedNode = { url: 'unchecked', batch: async (n) => (n === 14n ? batch : null) };
      logs.length = 0;
      const builder = await builderOf(node, { trustedNode: unchecked, log });
      assert.is(await builder.build(1_700_000_000_000, { followTrusted: true }), 0);
      const refusal = logs.find((l) => l.msg.startsWith("the trusted node's batch 14"));
      assert.match(String(refusal?.msg), why);
      assert.match(String(refusal?.msg), /not following it$/);
    }
    assert.equal(await chainOf(node.store), reference, 'nothing of the refused batches');
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('a batch L1 verified before it was built must close with the verified root: another is a critical L2RebuildError', async () => {
  // The usual catch-up order: one scanned chunk holds a sequence and its verification, recorded before the builder
  // built those batches (the decider had nothing to compare the root with).
  const rootOf = (n: number) =>
    (
      reference.find(
        (e) => e.type === 'BatchClosed' && (e.data as { batchNumber: string }).batchNumber === String(n),
      )!.data as { stateRoot: Hash }
    ).stateRoot;
  const verify = (l1: number, numBatch: bigint, stateRoot: Hash): L1BlockFacts => ({
    block: l1Block(l1, 1000n + 10n * BigInt(l1)),
    facts: [
      {
        type: 'VerifyBatches',
        txHash: keccak256Hex(new Uint8Array([0xc0, l1])),
        numBatch,
        stateRoot,
        aggregator: SEQUENCER,
      },
    ],
  });
  const WRONG = `0x${'ab'.repeat(32)}` as Hash;

  const good = await freshNode();
  await syncL1(good, [verify(5, 3n, rootOf(3)), verify(6, 5n, rootOf(5))]);
  assert.is(await buildAll(await builderOf(good, { batchesPerAppend: 2 })), 13, 'the verified roots: built');
  assert.equal(await chainOf(good.store), reference);

  const bad = await freshNode();
  await syncL1(bad, [verify(5, 3n, rootOf(3)), verify(6, 5n, WRONG)]);
  const error = await rejection(buildAll(await builderOf(bad, { batchesPerAppend: 2 })));
  assert.instance(error, L2RebuildError);
  assert.is(
    (error as L2RebuildError).shortMessage,
    `batch 5 sequenced on L1 re-executes to state root ${rootOf(5)}, L1 verified ${WRONG}`,
  );
  assert.is((error as L2RebuildError).severity, 'critical');
  const kept = await chainOf(bad.store);
  assert.is(kept.filter((e) => e.type === 'BatchClosed').length, 4, 'the groups before it stay');

  // An L1 reorg that takes the verification out of L1: nothing to compare batch 5 with any more.
  const reorged = await freshNode();
  await syncL1(reorged, [verify(5, 3n, rootOf(3)), verify(6, 5n, WRONG)]);
  const held = (await reorged.store.readStream(L1_SYNC_STREAM_ID)) as RecordedEvent<L1SyncEvent>[];
  const reorg = decideL1Sync(
    { type: 'RecordL1Reorg', data: { commonAncestor: { number: 5n, hash: l1Block(5, 1050n).hash } } },
    held.reduce(evolveL1Sync, l1SyncInitial()),
  );
  assert.equal((reorg[0] as { data: { unverified: string[] } }).data.unverified, ['4', '5']);
  await reorged.store.append(
    L1_SYNC_STREAM_ID,
    envelope(reorg, { actor: 'test', at: new Date(0).toISOString() }),
    held.length - 1,
  );
  assert.is(await buildAll(await builderOf(reorged)), 13);
  assert.equal(await chainOf(reorged.store), reference);
});

test('resetTo a batch: the state after it, the batches after rebuilt from L1 exactly as before', async () => {
  const node = await freshNode();
  const builder = await builderOf(node, { batchesPerAppend: 3 });
  assert.is(await buildAll(builder), 13);
  assert.is(await builder.resetTo(20n, 'nothing after it', 1_700_000_000_000), false);
  assert.is(await builder.resetTo(5n, 'test: L1 sequenced another batch 6', 1_700_000_000_000), true);
  const events = (await node.store.readStream(L2_STREAM_ID)) as RecordedEvent<L2Event>[];
  const reset = events.at(-1)!;
  assert.is(reset.type, 'TrustedStateReset');
  // The state it rewinds to is the fold of the chain up to batch 5's close.
  const upTo5 = reference.findIndex(
    (e) => e.type === 'BatchClosed' && (e.data as { batchNumber: string }).batchNumber === '5',
  );
  const after5 = foldL2(reference.slice(0, upTo5 + 1) as L2Event[]);
  assert.equal(foldL2(events), after5);
  assert.equal(
    { toBatch: reset.data['toBatch' as never], reason: reset.data['reason' as never] },
    { toBatch: '5', reason: 'test: L1 sequenced another batch 6' },
  );
  // Batches 6–13 again, from the l1-sync events already read once: the very same events.
  assert.is(await buildAll(builder), 8);
  const chain = await chainOf(node.store);
  assert.equal(chain.slice(events.length), reference.slice(upTo5 + 1));
  await assertRootsPersisted(node);
});

test('an L1 reorg that takes batches out of L1: they are not rebuilt from the orphaned data after the trusted reset', async () => {
  const node = await freshNode();
  const builder = await builderOf(node, { batchesPerAppend: 3 });
  assert.is(await buildAll(builder), 13);
  const readSync = async () =>
    (await node.store.readStream(L1_SYNC_STREAM_ID)) as RecordedEvent<L1SyncEvent>[];
  const appendSync = async (events: L1SyncEvent[]) =>
    node.store.append(
      L1_SYNC_STREAM_ID,
      envelope(events, { actor: 'test', at: new Date(0).toISOString() }),
      (await readSync()).length - 1,
    );
  const syncState = async () => (await readSync()).reduce(evolveL1Sync, l1SyncInitial());
  // L1 block 4 (it sequenced batches 9..13) is orphaned; block 3 is the common ancestor.
  const b3 = l1Block(3, 1020n);
  const reorg = decideL1Sync(
    { type: 'RecordL1Reorg', data: { commonAncestor: { number: 3n, hash: b3.hash } } },
    await syncState(),
  );
  assert.equal((reorg[0] as { data: { unvirtualized: string[] } }).data.unvirtualized, [
    '9',
    '10',
    '11',
    '12',
    '13',
  ]);
  await appendSync(reorg);
  // The new fork sequences another batch 9 in its block 4: the trusted chain differs there.
  const trusted = async () => {
    const batches = new Map<bigint, TrustedBatch>();
    for (const e of (await node.store.readStream(L2_STREAM_ID)) as RecordedEvent<L2Event>[]) {
      if (e.type === 'BatchClosed') {
        const d = e.data;
        batches.set(BigInt(d.batchNumber), {
          number: BigInt(d.batchNumber),
          batchHashData: keccak256Hex(hexToBytes(d.batchL2Data)),
          globalExitRoot: d.globalExitRoot,
          timestamp: BigInt(d.timestamp),
          coinbase: d.coinbase,
          accInputHash: d.accInputHash,
          stateRoot: d.stateRoot,
        });
      } else if (e.type === 'TrustedStateReset')
        for (const k of [...batches.keys()]) if (k > BigInt(e.data.toBatch)) batches.delete(k);
    }
    return batches;
  };
  const b4: L1BlockHeader = {
    number: 4n,
    hash: keccak256Hex(new Uint8Array([0x44, 4])),
    parentHash: b3.hash,
    timestamp: 1040n,
  };
  const batch9 = {
    transactions: await transfers(senders[2]!, 6, 1), // its next nonce after batch 8
    globalExitRoot: ZERO_HASH,
    timestamp: 1040n,
    minForcedTimestamp: 0n,
  };
  const scan = async () =>
    decideL1Sync(
      {
        type: 'SyncL1Range',
        data: {
          blocks: [
            {
              block: b4,
              facts: [
                {
                  type: 'SequenceBatches',
                  txHash: keccak256Hex(new Uint8Array([0xb4])),
                  sender: SEQUENCER,
                  numBatch: 9n,
                  l2Coinbase: COINBASE,
                  batches: [batch9],
                },
              ],
            },
          ],
          end: b4,
          trusted: await trusted(),
          mode: 'permissionless',
        },
      },
      await syncState(),
    );
  const first = await scan();
  assert.equal(
    first.map((e) => e.type),
    ['TrustedReorgDetected'],
  );
  await appendSync(first);
  await builder.resetTo(8n, 'L1 sequenced another batch 9', 1_700_000_000_000);
  assert.is(await buildAll(builder), 0, 'nothing rebuilt from the orphaned block');
  const second = await scan();
  assert.not.ok(
    second.some((e) => e.type === 'TrustedReorgDetected'),
    'the next pass stores the new fork: no second trusted reorg',
  );
  await appendSync(second);
  assert.is(await buildAll(builder), 1, 'batch 9 built from the new fork');
  const closed = (await chainOf(node.store)).filter((e) => e.type === 'BatchClosed').at(-1)!;
  assert.is((closed.data as { batchNumber: string; batchL2Data: Hex }).batchNumber, '9');
  assert.is((closed.data as { batchL2Data: Hex }).batchL2Data, batch9.transactions);
});

test.run();
