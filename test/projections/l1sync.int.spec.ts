/**
 * The L1 read models from real `l1-sync` events (decided by the stream's decider from L1 facts, appended to the real
 * Postgres store) beside a trusted chain from real `l2` events: L1 blocks, virtual and verified batches and the
 * status columns of `batches`, forced batches, exit roots, reorgs undoing what orphaned blocks brought, trusted
 * divergences, a batch row created after L1 virtualized it, and a rebuild reproducing every table.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  allProjections,
  createProjectionRunner,
  createReadModelDb,
  type ProjectionRunner,
  type ReadModelDb,
  rebuildReadModels,
} from '../../projections/index.ts';
import {
  getVerifiedBatch,
  getVirtualBatch,
  isBlockConsolidated,
  isBlockVirtualized,
  lastConsolidatedBlockNumber,
  lastVerifiedBatchNumber,
  lastVirtualBatchNumber,
  latestExitRoots,
  latestL1Block,
  listForcedBatches,
  listL1Reorgs,
  listTrustedReorgs,
} from '../../projections/l1sync/index.ts';
import { getBatch } from '../../projections/l2/index.ts';
import { accInputHash, batchHashData } from '../../src/batch/index.ts';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, type EventStore } from '../../src/eventstore/index.ts';
import { type Address, type Hash, type Hex, hexToBytes, keccak256Hex } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  decide as decideL1,
  evolve as evolveL1,
  initialState as initialL1,
  L1_SYNC_STREAM_ID,
  type L1BlockHeader,
  type L1Fact,
  type L1SyncCommand,
  type L1SyncEvent,
  type L1SyncState,
  type TrustedBatch,
} from '../../src/streams/l1sync/index.ts';
import { decide, foldL2, L2_STREAM_ID, type L2Command, type L2Event } from '../../src/streams/l2/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const h = (n: number | bigint) => `0x${BigInt(n).toString(16).padStart(64, '0')}` as Hash;
const ZERO = h(0);
const COINBASE = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as Address;
const SEQUENCER = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' as Address;
const AGGREGATOR = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc' as Address;
const FORCER = '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc' as Address;
const MAINNET = h(0xaa);
const ROLLUP = h(0xbb);
const GER = keccak256Hex(new Uint8Array([...hexToBytes(MAINNET), ...hexToBytes(ROLLUP)]));

let tdb: TestDatabase;
let pool: PgPool;
let store: EventStore;
let db: ReadModelDb;
let runner: ProjectionRunner;
let running: Promise<void>;
const l2: L2Event[] = [];
let l1: L1SyncState = initialL1();
let l1Revision = -1;

async function l2Command(c: L2Command) {
  const events = decide(c, foldL2(l2));
  const r = await store.append(
    L2_STREAM_ID,
    envelope(events, { actor: 'sequencer', at: new Date(0).toISOString() }),
    l2.length === 0 ? 'no_stream' : l2.length - 1,
  );
  l2.push(...events);
  await runner.waitFor(r.position);
}
const seal = (n: number, blob: Hex): L2Command => ({
  type: 'SealL2Block',
  data: {
    stateRoot: h(100 + n),
    transactionsRoot: h(200 + n),
    receiptsRoot: h(300 + n),
    logsBloom: `0x${'00'.repeat(256)}`,
    gasLimit: '30000000',
    gasUsed: '21000',
    tx: {
      hash: h(400 + n),
      from: COINBASE,
      nonce: String(n),
      gasPrice: '1000000000',
      gas: '21000',
      to: null,
      value: '0',
      data: '0x',
      chainId: '1001',
      v: '2037',
      r: h(5),
      s: h(6),
      batchBlob: blob,
    },
    receipt: {
      status: 1,
      gasUsed: '21000',
      cumulativeGasUsed: '21000',
      contractAddress: null,
      logs: [],
      logsBloom: `0x${'00'.repeat(256)}`,
      effectiveGasPrice: '1000000000',
    },
  },
});

/** Opens a batch at `ts` with `ger`, seals one block per blob and (unless `close` is false) closes it. */
async function batch(ts: bigint, blobs: Hex[], ger = ZERO, close = true) {
  await l2Command({ type: 'OpenBatch', data: { timestamp: ts, coinbase: COINBASE, globalExitRoot: ger } });
  const opened = foldL2(l2);
  const first = opened.status === 'open' ? Number(opened.tip.number) + 1 : 0;
  for (const [i, b] of blobs.entries()) await l2Command(seal(first + i, b));
  if (!close) return;
  const s = foldL2(l2);
  if (s.status !== 'open') throw new Error('no open batch');
  const data = `0x${blobs.map((b) => b.slice(2)).join('')}` as Hex;
  await l2Command({
    type: 'CloseBatch',
    data: {
      reason: 'timeout',
      batchL2Data: data,
      accInputHash: accInputHash({
        oldAccInputHash: s.batch.oldAccInputHash,
        batchL2Data: data,
        globalExitRoot: ger,
        timestamp: ts,
        coinbase: COINBASE,
      }),
    },
  });
}

/** The trusted view of the closed batches, as the synchronizer builds it from `l2`. */
function trusted(): Map<bigint, TrustedBatch> {
  const out = new Map<bigint, TrustedBatch>();
  for (const e of l2) {
    if (e.type !== 'BatchClosed') continue;
    const d = e.data;
    out.set(BigInt(d.batchNumber), {
      number: BigInt(d.batchNumber),
      batchHashData: batchHashData(d.batchL2Data),
      globalExitRoot: d.globalExitRoot,
      timestamp: BigInt(d.timestamp),
      coinbase: d.coinbase,
      accInputHash: d.accInputHash,
      stateRoot: d.stateRoot,
    });
  }
  return out;
}
function closed(n: number) {
  const e = l2.find((x) => x.type === 'BatchClosed' && x.data.batchNumber === String(n));
  if (e?.type !== 'BatchClosed') throw new Error(`batch ${n} is not closed`);
  return e.data;
}

const block = (n: bigint, fork = 0): L1BlockHeader => ({
  number: n,
  hash: h(0x1000000n * BigInt(fork + 1) + n),
  parentHash: h(0x1000000n * BigInt(fork + 1) + n - 1n),
  timestamp: 1_800_000_000n + n,
});

async function l1Command(c: L1SyncCommand): Promise<L1SyncEvent[]> {
  const events = decideL1(c, l1);
  if (events.length === 0) return events;
  const r = await store.append(
    L1_SYNC_STREAM_ID,
    envelope(events, { actor: 'synchronizer', at: '2030-01-01T00:00:00.000Z' }),
    l1Revision < 0 ? 'no_stream' : l1Revision,
  );
  l1Revision += events.length;
  l1 = events.reduce(evolveL1, l1);
  await runner.waitFor(r.position);
  return events;
}
const sync = (
  end: bigint,
  facts: [bigint, L1Fact[]][],
  mode: 'trusted' | 'permissionless' = 'trusted',
  fork = 0,
) =>
  l1Command({
    type: 'SyncL1Range',
    data: {
      blocks: facts.map(([n, f]) => ({ block: block(n, fork), facts: f })),
      end: block(end, fork),
      trusted: trusted(),
      mode,
    },
  });
function sequenceOf(from: number, to: number, txHash: Hash): Extract<L1Fact, { type: 'SequenceBatches' }> {
  const batches = [];
  for (let n = from; n <= to; n++) {
    const d = closed(n);
    batches.push({
      transactions: d.batchL2Data,
      globalExitRoot: d.globalExitRoot,
      timestamp: BigInt(d.timestamp),
      minForcedTimestamp: 0n,
    });
  }
  return {
    type: 'SequenceBatches',
    txHash,
    sender: SEQUENCER,
    numBatch: BigInt(to),
    l2Coinbase: COINBASE,
    batches,
  };
}

async function status(n: number) {
  const b = await getBatch(db.pool, BigInt(n));
  return b && { status: b.status, seq: b.sequenceTxHash, verify: b.verifyTxHash };
}

test.before(async () => {
  tdb = await createTestDatabase('l1sync');
  pool = createPgPool(tdb.url);
  store = await createPostgresEventStore({ pool });
  db = createReadModelDb(tdb.url);
  runner = createProjectionRunner({ store, db, projections: allProjections });
  running = runner.run();
  await runner.waitForCatchUp();
});
test.after(async () => {
  await runner.stop();
  await running;
  await db.close();
  await store.close();
  await pool.end();
  await tdb.drop();
});

test('the genesis batch is virtual and verified; nothing else is before L1 says so', async () => {
  await l2Command({ type: 'CreateGenesis', data: { stateRoot: h(1), timestamp: 1_700_000_000n } });
  await batch(1_700_000_010n, ['0xa1', '0xa2']); // batch 1: blocks 1-2
  await batch(1_700_000_020n, ['0xb1'], GER); // batch 2: block 3
  await batch(1_700_000_030n, ['0xc1']); // batch 3: block 4
  assert.equal(await status(0), { status: 'verified', seq: ZERO, verify: ZERO });
  assert.equal(await status(1), { status: 'trusted', seq: null, verify: null });
  assert.equal([await lastVirtualBatchNumber(db.pool), await lastVerifiedBatchNumber(db.pool)], [0n, 0n]);
  assert.equal([await isBlockVirtualized(db.pool, 0n), await isBlockConsolidated(db.pool, 0n)], [true, true]);
  assert.equal(
    [await isBlockVirtualized(db.pool, 1n), await isBlockConsolidated(db.pool, 1n)],
    [false, false],
  );
  assert.is(await isBlockVirtualized(db.pool, 99n), false);
  assert.is(await lastConsolidatedBlockNumber(db.pool), 0n);
  assert.is((await getVirtualBatch(db.pool, 0n))?.kind, 'genesis');
});

test('sequences, forced batches, exit roots and verifications from L1 blocks', async () => {
  const forced: L1Fact = {
    type: 'ForceBatch',
    txHash: h(0xf1),
    forceBatchNum: 1n,
    globalExitRoot: GER,
    sequencer: FORCER,
    transactions: '0xdd',
  };
  const exit: L1Fact = {
    type: 'UpdateGlobalExitRoot',
    txHash: h(0xe1),
    mainnetExitRoot: MAINNET,
    rollupExitRoot: ROLLUP,
  };
  const verify: L1Fact = {
    type: 'VerifyBatches',
    txHash: h(0x71),
    numBatch: 1n,
    stateRoot: closed(1).stateRoot,
    aggregator: AGGREGATOR,
  };
  await sync(105n, [
    [100n, [exit, sequenceOf(1, 2, h(0x51))]],
    [101n, [forced]],
    [103n, [verify]],
  ]);

  assert.equal(await status(1), { status: 'verified', seq: h(0x51), verify: h(0x71) });
  assert.equal(await status(2), { status: 'virtual', seq: h(0x51), verify: null });
  assert.equal(await status(3), { status: 'trusted', seq: null, verify: null });
  const v2 = await getVirtualBatch(db.pool, 2n);
  assert.equal(
    [v2?.l1BlockNumber, v2?.kind, v2?.sequencer, v2?.globalExitRoot, v2?.accInputHash, v2?.batchHashData],
    [100n, 'sequence', SEQUENCER, GER, closed(2).accInputHash, batchHashData(closed(2).batchL2Data)],
  );
  assert.equal((await getVerifiedBatch(db.pool, 1n))?.stateRoot, closed(1).stateRoot);
  assert.equal([await lastVirtualBatchNumber(db.pool), await lastVerifiedBatchNumber(db.pool)], [2n, 1n]);
  assert.equal(
    [await isBlockVirtualized(db.pool, 3n), await isBlockConsolidated(db.pool, 3n)],
    [true, false],
  );
  assert.is(await isBlockConsolidated(db.pool, 2n), true);
  assert.is(await lastConsolidatedBlockNumber(db.pool), 2n);
  assert.equal((await latestL1Block(db.pool))?.number, 105n);
  assert.equal(
    (await listForcedBatches(db.pool)).map((f) => [
      f.forcedBatchNumber,
      f.sequencer,
      f.transactions,
      f.batchNumber,
    ]),
    [[1n, FORCER, '0xdd', null]],
  );
  assert.equal(await latestExitRoots(db.pool), {
    globalExitRoot: GER,
    mainnetExitRoot: MAINNET,
    rollupExitRoot: ROLLUP,
    l1BlockNumber: 100n,
    timestamp: block(100n).timestamp,
  });
});

test('a reorg undoes what the orphaned blocks brought, to the common ancestor', async () => {
  // 105 → 101: the verification in 103 goes; the sequence in 100 and the forced batch in 101 stay
  await l1Command({
    type: 'RecordL1Reorg',
    data: { commonAncestor: { number: 101n, hash: block(101n).hash } },
  });
  assert.equal(await status(1), { status: 'virtual', seq: h(0x51), verify: null });
  assert.equal(
    [await lastVerifiedBatchNumber(db.pool), await lastConsolidatedBlockNumber(db.pool)],
    [0n, 0n],
  );
  assert.equal((await latestL1Block(db.pool))?.number, 101n);
  const [r] = await listL1Reorgs(db.pool);
  assert.equal(
    [r?.depth, r?.commonAncestor, r?.orphaned, r?.unvirtualized, r?.unverified, r?.detectedAt],
    [
      4n,
      { number: 101n, hash: block(101n).hash },
      [
        { number: '105', hash: block(105n).hash },
        { number: '103', hash: block(103n).hash },
      ],
      [],
      ['1'],
      '2030-01-01T00:00:00.000Z',
    ],
  );

  // everything stored: back to the block before the deployment block
  await l1Command({
    type: 'RecordL1Reorg',
    data: { commonAncestor: { number: 99n, hash: block(99n, 1).hash } },
  });
  assert.equal(await status(1), { status: 'trusted', seq: null, verify: null });
  assert.equal(await status(2), { status: 'trusted', seq: null, verify: null });
  assert.equal(await status(0), { status: 'verified', seq: ZERO, verify: ZERO });
  assert.equal(
    [await lastVirtualBatchNumber(db.pool), await listForcedBatches(db.pool), await latestExitRoots(db.pool)],
    [0n, [], null],
  );
  assert.is(await latestL1Block(db.pool), null);
  assert.equal(
    (await listL1Reorgs(db.pool)).map((x) => [x.depth, x.unvirtualized, x.droppedForcedBatches]),
    [
      [4n, [], []],
      [2n, ['1', '2'], ['1']],
    ],
  );

  // the new chain sequences 1-3 in one tx
  await sync(104n, [[102n, [sequenceOf(1, 3, h(0x52))]]], 'trusted', 1);
  assert.equal(await status(3), { status: 'virtual', seq: h(0x52), verify: null });
  assert.is(await lastVirtualBatchNumber(db.pool), 3n);
});

test('a divergence is recorded as a trusted reorg and changes no status', async () => {
  await batch(1_700_000_040n, ['0xd1']); // batch 4
  const bad: L1Fact = { ...sequenceOf(4, 4, h(0x54)), l2Coinbase: FORCER };
  const events = await sync(106n, [[106n, [bad]]], 'trusted', 1);
  assert.equal(
    events.map((e) => e.type),
    ['TrustedReorgDetected'],
  );
  const [t] = await listTrustedReorgs(db.pool);
  assert.equal(
    [t?.batchNumber, t?.field, t?.trusted, t?.l1, t?.l1BlockNumber, t?.txHash],
    [4n, 'coinbase', COINBASE, FORCER, 106n, h(0x54)],
  );
  assert.equal(await status(4), { status: 'trusted', seq: null, verify: null });
  assert.equal((await latestL1Block(db.pool))?.number, 104n);
});

test('L1 virtualizes a batch before the trusted chain opens it: the row takes the status when created', async () => {
  // permissionless: batches 4 and 5 as L1 has them; batch 5 is not in the trusted chain yet
  const seq: L1Fact = {
    type: 'SequenceBatches',
    txHash: h(0x55),
    sender: SEQUENCER,
    numBatch: 5n,
    l2Coinbase: COINBASE,
    batches: [
      {
        transactions: closed(4).batchL2Data,
        globalExitRoot: ZERO,
        timestamp: 1_700_000_040n,
        minForcedTimestamp: 0n,
      },
      { transactions: '0xe1', globalExitRoot: ZERO, timestamp: 1_700_000_050n, minForcedTimestamp: 0n },
    ],
  };
  await sync(107n, [[107n, [seq]]], 'permissionless', 1);
  assert.equal(await status(4), { status: 'virtual', seq: h(0x55), verify: null });
  assert.is(await status(5), null);
  assert.is(await lastVirtualBatchNumber(db.pool), 5n);
  await batch(1_700_000_050n, ['0xe1'], ZERO, false); // the trusted chain opens batch 5 afterwards
  assert.equal(await status(5), { status: 'virtual', seq: h(0x55), verify: null });
  assert.is(await isBlockVirtualized(db.pool, 6n), true);
});

test('a rebuild into a fresh schema reproduces every L1 table and the batch status', async () => {
  const fresh = createReadModelDb(tdb.url, { schema: 'l1sync_rebuild' });
  try {
    await rebuildReadModels({ store, db: fresh, projections: allProjections });
    const tables = ['l1_blocks', 'virtual_batches', 'verified_batches', 'l1_reorgs', 'trusted_reorgs'];
    for (const t of [...tables, 'forced_batches', 'exit_roots']) {
      const q = `select to_json(x)::text as row from ${t} x order by 1`;
      const [live, rebuilt] = await Promise.all([db.pool.query(q), fresh.pool.query(q)]);
      assert.equal(rebuilt.rows, live.rows, t);
      if (tables.includes(t)) assert.ok(live.rows.length > 0, `${t} has rows`);
    }
    const q = 'select number, status, sequence_tx_hash, verify_tx_hash from batches order by number';
    const [live, rebuilt] = await Promise.all([db.pool.query(q), fresh.pool.query(q)]);
    assert.equal(rebuilt.rows, live.rows);
  } finally {
    await fresh.close();
  }
});

test.run();
