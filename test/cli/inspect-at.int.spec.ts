/**
 * `lev inspect --at` on a log written as the node writes it, on the real Postgres store: a trusted chain built by the
 * executor and the `l2` decider, the tx streams' `TxReceived` before a round's blocks and its `TxIncluded` after
 * all of them (the sequencer's commit order), a trusted reset with blocks sealed again after it, and `l1-sync`
 * events decided from L1 ranges and a reorg. Checked: `l1:N` includes what block N brought, `l2:N` and `batch:N`
 * count the txs of blocks sealed by then as included, `block HASH` does not find a block a reset undid, `actors`
 * after a reset reports the batch it kept.
 */
import { HDNodeWallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { inspect } from '../../src/cli/inspect.ts';
import { DEV_COINBASE, DEV_MNEMONIC, devGenesis, loadConfig } from '../../src/config/index.ts';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, type EventStore, type RecordedEvent } from '../../src/eventstore/index.ts';
import { createExecutor, createTrieStore } from '../../src/execution/index.ts';
import { type Address, type Hash, type Hex, hexToBytes } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  decide as decideL1,
  foldL1Sync,
  L1_SYNC_STREAM_ID,
  type L1BlockHeader,
  type L1Fact,
  type L1SyncCommand,
  type L1SyncEvent,
} from '../../src/streams/l1sync/index.ts';
import type { BatchClosed, L2BlockSealed } from '../../src/streams/l2/index.ts';
import { toTxData, txStreamId } from '../../src/streams/tx/index.ts';
import { decodeSignedLegacyTx } from '../../src/tx/index.ts';
import { captureIo } from '../support/capture.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { createL2ChainWriter, type ExecutedTx, type L2ChainWriter } from '../support/l2-chain.ts';

const T0 = 1_700_000_000n;
const GWEI = 1_000_000_000n;
const ZERO = `0x${'00'.repeat(32)}` as Hash;
const wallet = (i: number) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
const alice = wallet(5);
const bob = wallet(6);
const meta = () => ({ actor: 'test', at: new Date().toISOString() });

let db: TestDatabase;
let pool: PgPool;
let store: EventStore;
let chain: L2ChainWriter;
let env: Record<string, string>;

test.before(async () => {
  db = await createTestDatabase('inspect_at');
  pool = createPgPool(db.url, { max: 4 });
  store = await createPostgresEventStore({ pool });
  const trie = await createTrieStore({ pool });
  const executor = await createExecutor({ store: trie, chainId: 1001n, genesis: devGenesis().accounts });
  await trie.flush();
  chain = createL2ChainWriter({ store, executor, trie });
  await chain.genesis(executor.genesisRoot!, T0);
  env = { LEV_DB_URL: db.url, LEV_NODE_DATA_DIR: '/nonexistent' };
});
test.after(async () => {
  await store.close();
  await pool.end();
  await db.drop();
});

type Run = { code: number; stdout: string; stderr: string };

async function run(subject: string, args: string[], at: string, json = true): Promise<Run> {
  const out = captureIo();
  const code = await inspect(subject, args, { at, json }, () => loadConfig({ env: { ...env } }), out.io);
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

async function answer<T>(subject: string, args: string[], at: string): Promise<T> {
  const r = await run(subject, args, at);
  assert.is(r.code, 0, `inspect --at ${at} ${subject} ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

async function log(): Promise<RecordedEvent[]> {
  return (await store.readAll({ fromPosition: 0n, limit: 10_000 })).events;
}

const nonces = new Map<string, number>();
async function signed(w: HDNodeWallet, value: bigint): Promise<Hex> {
  const nonce = nonces.get(w.address) ?? 0;
  nonces.set(w.address, nonce + 1);
  return (await w.signTransaction({
    type: 0,
    chainId: 1001n,
    nonce,
    gasPrice: GWEI,
    gasLimit: 21_000n,
    to: bob.address,
    value,
  })) as Hex;
}

/** The intake's append: the tx's stream starts with its `TxReceived`. */
async function receive(raw: Hex): Promise<Hash> {
  const tx = decodeSignedLegacyTx(hexToBytes(raw));
  await store.append(
    txStreamId(tx.hash),
    envelope(
      [{ type: 'TxReceived', data: { ...toTxData({ ...tx, from: tx.from! }), raw, ip: null } }],
      meta(),
    ),
    'no_stream',
  );
  return tx.hash;
}

/** The sequencer's `TxIncluded` events, after all the blocks of the round. */
async function included(done: readonly ExecutedTx[]): Promise<void> {
  await store.appendMany(
    done.map((d) => ({
      streamId: txStreamId(d.hash),
      events: envelope(
        [
          {
            type: 'TxIncluded',
            data: {
              hash: d.hash,
              blockNumber: d.blockNumber.toString(),
              blockHash: blockHash(d.blockNumber),
              batchNumber: sealedData(d.blockNumber).batchNumber,
              status: 'success',
            },
          },
        ],
        meta(),
      ),
    })),
  );
}

/** The newest `L2BlockSealed` of block `n` the chain appended. */
const sealedData = (n: bigint) =>
  (
    chain.history.findLast(
      (e) => e.type === 'L2BlockSealed' && e.data.number === n.toString(),
    ) as L2BlockSealed
  ).data;
const blockHash = (n: bigint): Hash => sealedData(n).hash;

type Tx = {
  status: string;
  inclusion?: { blockNumber: string; batchNumber: string; status: string };
  events: { stream: string; type: string }[];
};
type Pool = { pending: { hash: string }[] };

test('l2:N and batch:N: the txs of the blocks sealed by then are included, those sealed after are pending', async () => {
  const raw1 = await signed(alice, 1n);
  const h1 = await receive(raw1);
  const raw2 = await signed(alice, 2n);
  const h2 = await receive(raw2);
  const receivedAt = (await log()).at(-1)!.position;
  // One round: blocks 1 and 2 in batch 1, the batch closed, then the round's TxIncluded events.
  await chain.openBatch(T0 + 1n, DEV_COINBASE as Address);
  const d1 = await chain.execute(raw1);
  const d2 = await chain.execute(raw2);
  await chain.closeBatch();
  await included([d1, d2]);

  assert.equal(
    (await answer<Pool>('pool', [], String(receivedAt))).pending.map((t) => t.hash),
    [h1, h2],
  );
  const t1 = await answer<Tx>('tx', [h1], 'l2:1');
  assert.is(t1.status, 'included');
  assert.equal(t1.inclusion, {
    blockNumber: '1',
    blockHash: blockHash(1n),
    batchNumber: '1',
    status: 'success',
  });
  assert.equal(
    t1.events.map((e) => [e.stream, e.type]),
    [
      [txStreamId(h1), 'TxReceived'],
      ['l2', 'L2BlockSealed'],
    ],
  );
  // Block 2 is sealed after l2:1: its tx is still pending there.
  assert.is((await answer<Tx>('tx', [h2], 'l2:1')).status, 'pending');
  assert.equal(
    (await answer<Pool>('pool', [], 'l2:1')).pending.map((t) => t.hash),
    [h2],
  );
  // batch:1 (its BatchClosed, before the TxIncluded events): both included, the pool empty.
  for (const h of [h1, h2]) assert.is((await answer<Tx>('tx', [h], 'batch:1')).status, 'included');
  assert.equal((await answer<Pool>('pool', [], 'batch:1')).pending, []);
  // At the head, the seal and the TxIncluded both say it.
  const head = await answer<Tx>('tx', [h2], String((await log()).at(-1)!.position));
  assert.is(head.status, 'included');
  assert.equal(
    head.events.map((e) => e.type),
    ['TxReceived', 'L2BlockSealed', 'TxIncluded'],
  );
  const text = await run('tx', [h1], 'l2:1', false);
  assert.match(text.stdout, /included in L2 block 1 \(batch 1\), success/);
  assert.match(text.stdout, /L2BlockSealed on l2/);
});

let resetPosition = 0n;
let headAfterReset = '';

test('block HASH after a trusted reset: a block the reset undid is not found, the block sealed again is', async () => {
  // Batch 2: block 3, closed. Batch 3: blocks 4 and 5, left open, then reset to batch 2.
  await chain.openBatch(T0 + 2n, DEV_COINBASE as Address);
  await chain.execute(await signed(alice, 3n));
  await chain.closeBatch();
  await chain.openBatch(T0 + 3n, DEV_COINBASE as Address);
  await chain.execute(await signed(alice, 4n));
  const old4 = blockHash(4n);
  const sealed4 = (await log()).at(-1)!.position;
  await chain.execute(await signed(alice, 5n));
  await chain.resetTo(2n);
  const reset = (await log()).at(-1)!.position;
  // Block 4' in batch 3', a different tx.
  await chain.openBatch(T0 + 4n, DEV_COINBASE as Address);
  await chain.execute(await signed(bob, 6n));
  const new4 = blockHash(4n);
  assert.is.not(new4, old4);
  await chain.closeBatch();
  const head = String((await log()).at(-1)!.position);

  type Block = { number: string; hash: string };
  assert.is((await answer<Block>('block', [old4], String(sealed4))).hash, old4);
  for (const at of [String(reset), head]) {
    const r = await run('block', [old4], at);
    assert.is(r.code, 1, `block ${old4} at ${at}: ${r.stdout}`);
    assert.match(r.stderr, /no such L2 block/);
  }
  assert.equal(await answer<Block>('block', [new4], head), await answer<Block>('block', ['4'], head));
  assert.is((await answer<Block>('block', [new4], head)).hash, new4);
  resetPosition = reset;
  headAfterReset = head;
});

test('actors after a trusted reset: the batch it kept is the last closed one, none open', async () => {
  const reset = resetPosition;
  const head = headAfterReset;

  type Actors = {
    sequencer: {
      tip: { number: string };
      batch: { number: string; status: string };
      lastClosedBatch: { number: string; stateRoot: string };
      openBatch: unknown;
    };
  };
  const closed2 = chain.history.find(
    (e) => e.type === 'BatchClosed' && e.data.batchNumber === '2',
  ) as BatchClosed;
  const a = await answer<Actors>('actors', [], String(reset));
  assert.is(a.sequencer.tip.number, '3');
  assert.equal(a.sequencer.batch, { number: '2', status: 'closed' });
  assert.is(a.sequencer.lastClosedBatch.number, '2');
  assert.is(a.sequencer.lastClosedBatch.stateRoot, closed2.data.stateRoot);
  assert.is(a.sequencer.openBatch, null);
  // Batch 3' opened after the reset: open, one block.
  const reopened = await answer<Actors & { sequencer: { openBatch: { blocks: string } } }>(
    'actors',
    [],
    String(reset + 1n),
  );
  assert.equal(reopened.sequencer.batch, { number: '3', status: 'open' });
  assert.is(reopened.sequencer.openBatch.blocks, '0');
  assert.is(reopened.sequencer.lastClosedBatch.number, '2');
  assert.equal((await answer<Actors>('actors', [], head)).sequencer.batch, { number: '3', status: 'closed' });
});

/** Appends the events `command` decides on the l1-sync stream as folded so far. */
async function l1(command: L1SyncCommand): Promise<L1SyncEvent[]> {
  const stored = (await log()).filter((e) => e.streamId === L1_SYNC_STREAM_ID);
  const events = decideL1(command, foldL1Sync(stored as unknown as L1SyncEvent[]));
  await store.append(
    L1_SYNC_STREAM_ID,
    envelope(events, meta()),
    stored.length === 0 ? 'no_stream' : stored.length - 1,
  );
  return events;
}

const header = (n: bigint, fork = 0): L1BlockHeader => ({
  number: n,
  hash: `0x${(fork * 0x1000 + Number(n)).toString(16).padStart(64, '0')}` as Hash,
  parentHash: `0x${(n - 1n).toString(16).padStart(64, '0')}` as Hash, // forks only after block 5
  timestamp: T0 + n,
});

const range = (blocks: { block: L1BlockHeader; facts: L1Fact[] }[], end: L1BlockHeader): L1SyncCommand => ({
  type: 'SyncL1Range',
  data: { blocks, end, trusted: new Map(), mode: 'permissionless' },
});

type Sync = {
  l1Block: { number: string; hash: string } | null;
  lastVirtualBatch: string;
  lastVerifiedBatch: string;
};

test('l1:N: the state after what L1 block N brought, not before it', async () => {
  await l1(range([], header(5n)));
  const sequence: L1Fact = {
    type: 'SequenceBatches',
    txHash: `0x${'ab'.repeat(32)}` as Hash,
    sender: bob.address.toLowerCase() as Address,
    numBatch: 1n,
    l2Coinbase: DEV_COINBASE as Address,
    batches: [{ transactions: '0x', globalExitRoot: ZERO, timestamp: T0 + 1n, minForcedTimestamp: 0n }],
  };
  const decided = await l1(range([{ block: header(6n), facts: [sequence] }], header(7n)));
  assert.equal(
    decided.map((e) => e.type),
    ['L1BlockSynced', 'BatchesVirtualized', 'L1BlockSynced'],
    'the block first, then its facts',
  );
  assert.equal(await answer<Sync>('sync', [], 'l1:5'), {
    l1Block: { number: '5', hash: header(5n).hash },
    lastVirtualBatch: '0',
    lastVerifiedBatch: '0',
    lastForcedBatch: '0',
  } as Sync);
  const at6 = await answer<Sync>('sync', [], 'l1:6');
  assert.equal(at6.l1Block, { number: '6', hash: header(6n).hash });
  assert.is(at6.lastVirtualBatch, '1');
  assert.is((await answer<{ status: string }>('batch', ['1'], 'l1:6')).status, 'virtual');
  // A reorg back to block 5: l1:7 stops before it, l1:6 then names the block synced again.
  await l1({ type: 'RecordL1Reorg', data: { commonAncestor: { number: 5n, hash: header(5n).hash } } });
  const at7 = await answer<Sync>('sync', [], 'l1:7');
  assert.equal([at7.l1Block?.number, at7.lastVirtualBatch], ['7', '1']);
  const reorgAt = String((await log()).at(-1)!.position);
  assert.is((await answer<Sync>('sync', [], reorgAt)).lastVirtualBatch, '0');
  await l1(range([], header(6n, 1)));
  const again = await answer<Sync>('sync', [], 'l1:6');
  assert.equal([again.l1Block?.hash, again.lastVirtualBatch], [header(6n, 1).hash, '0']);
  const r = await run('sync', [], 'l1:4');
  assert.is(r.code, 2);
  assert.match(r.stderr, /no L1 block at or before 4 was synced/);
});

test.run();
