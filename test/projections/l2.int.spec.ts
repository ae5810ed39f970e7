/**
 * The trusted-chain read models from real `l2` events (decided by the stream's decider, appended to the real
 * Postgres store): blocks, txs, receipts, logs and batches, and a trusted-state reset; receipts built from the
 * events (served from memory) equal to what the tables give back.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createProjectionRunner, createReadModelDb, type ReadModelDb } from '../../projections/index.ts';
import {
  createRecentReceipts,
  getBatch,
  getBlockByHash,
  getBlockByNumber,
  getReceipt,
  l2Projection,
  latestBlockNumber,
  receiptFromSealed,
} from '../../projections/l2/index.ts';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, type EventStore, type RecordedEvent } from '../../src/eventstore/index.ts';
import type { Hash, Hex } from '../../src/primitives/index.ts';
import {
  foldL2,
  L2_STREAM_ID,
  type L2BlockSealed,
  type L2Command,
  type SealL2Block,
} from '../../src/streams/l2/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { createL2Commands, type L2Commands } from '../support/l2-chain.ts';

const h = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hash;
const COINBASE = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as const;

let tdb: TestDatabase;
let pool: PgPool;
let store: EventStore;
let db: ReadModelDb;
let l2: L2Commands;

const command = (c: L2Command) => l2.command(c);
/** A block sealing a contract creation with `logs` logs; `change` shapes its tx and receipt further. */
const seal = (n: number, blob: Hex, logs = 0, change: (d: SealL2Block['data']) => void = () => {}) => {
  const c = sealed(n, blob, logs);
  change(c.data);
  return c;
};
const sealed = (n: number, blob: Hex, logs: number): SealL2Block => ({
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
      contractAddress: COINBASE,
      logs: Array.from({ length: logs }, (_, i) => ({
        address: COINBASE,
        topics: [h(i)],
        data: '0x01' as Hex,
      })),
      logsBloom: `0x${'00'.repeat(256)}`,
      effectiveGasPrice: '1000000000',
    },
  },
});

test.before(async () => {
  tdb = await createTestDatabase('l2');
  pool = createPgPool(tdb.url);
  store = await createPostgresEventStore({ pool });
  l2 = createL2Commands(store);
  db = createReadModelDb(tdb.url);
});
test.after(async () => {
  await db.close();
  await store.close();
  await pool.end();
  await tdb.drop();
});

test('blocks, txs, receipts, logs and batches follow the l2 stream; a reset removes what it undoes', async () => {
  await command({ type: 'CreateGenesis', data: { stateRoot: h(1), timestamp: 0n } });
  await command({ type: 'OpenBatch', data: { timestamp: 1000n, coinbase: COINBASE, globalExitRoot: h(0) } });
  await command(seal(1, '0xaa', 2));
  await command(seal(2, '0xbb'));
  await command({
    type: 'CloseBatch',
    data: { reason: 'full_txs', batchL2Data: '0xaabb', accInputHash: h(9) },
  });
  await command({ type: 'OpenBatch', data: { timestamp: 1002n, coinbase: COINBASE, globalExitRoot: h(0) } });
  await command(seal(3, '0xcc'));

  const runner = createProjectionRunner({ store, db, projections: [l2Projection] });
  const running = runner.run();
  await runner.waitForCatchUp();

  assert.is(await latestBlockNumber(db.pool), 3n);
  const b0 = await getBlockByNumber(db.pool, 0n);
  assert.equal(
    { hash: b0?.hash, stateRoot: b0?.stateRoot, tx: b0?.txHash },
    { hash: (l2.history[0] as { data: { blockHash: string } }).data.blockHash, stateRoot: h(1), tx: null },
  );
  assert.is((await getBatch(db.pool, 0n))?.closed, true);
  assert.is((await getBlockByNumber(db.pool, 1n))?.parentHash, b0?.hash);
  const b2 = await getBlockByNumber(db.pool, 2n);
  assert.is(b2?.batchNumber, 1n);
  assert.is(b2?.timestamp, 1000n);
  assert.is((await getBlockByHash(db.pool, b2!.hash))?.number, 2n);
  assert.is(
    (await getBlockByNumber(db.pool, 3n))?.parentHash,
    (l2.history[3] as { data: { hash: string } }).data.hash,
  );
  const batch1 = await getBatch(db.pool, 1n);
  assert.equal(
    {
      closed: batch1?.closed,
      reason: batch1?.closeReason,
      first: batch1?.firstBlock,
      last: batch1?.lastBlock,
      data: batch1?.batchL2Data,
    },
    { closed: true, reason: 'full_txs', first: 1n, last: 2n, data: '0xaabb' },
  );
  assert.is((await getBatch(db.pool, 2n))?.closed, false);
  const logs = await db.pool.query('select log_index, topic0 from l2_logs order by block_number, log_index');
  assert.equal(logs.rows, [
    { log_index: 0, topic0: h(0) },
    { log_index: 1, topic0: h(1) },
  ]);
  const receipt = await db.pool.query<{ root: string; status: number }>(
    'select root, status from l2_receipts where tx_hash = $1',
    [h(401)],
  );
  assert.equal(receipt.rows[0], { root: h(101), status: 1 });

  // Undo batch 2 and block 3.
  const state = foldL2(l2.history);
  assert.is(state.status, 'open');
  if (state.status !== 'open') return;
  const block2 = l2.history.find((e) => e.type === 'L2BlockSealed' && e.data.number === '2') as L2BlockSealed;
  const { position } = await command({
    type: 'ResetTrustedState',
    data: {
      to: { batch: state.lastBatch, tip: { number: 2n, hash: block2.data.hash, stateRoot: h(102) } },
      reason: 'test',
    },
  });
  await runner.waitFor(position);
  assert.is(await latestBlockNumber(db.pool), 2n);
  assert.is(await getBatch(db.pool, 2n), null);
  const txs = await db.pool.query('select count(*)::int as n from l2_txs');
  assert.is(txs.rows[0].n, 2);
  await runner.stop();
  await running;
});

test('receiptFromSealed gives the receipt getReceipt reads back; recent receipts follow commits and resets', async () => {
  await command({ type: 'OpenBatch', data: { timestamp: 1003n, coinbase: COINBASE, globalExitRoot: h(0) } });
  await command(
    seal(5, '0xdd', 0, (d) => {
      d.tx.to = '0x00000000000000000000000000000000000000aa'; // a call, reverted
      d.receipt.contractAddress = null;
      d.receipt.status = 0;
      d.receipt.effectiveGasPrice = '7';
    }),
  );
  await command(
    seal(6, '0xee', 0, (d) => {
      d.receipt.gasUsed = d.receipt.cumulativeGasUsed = '153000';
      d.receipt.logs = [
        { address: COINBASE, topics: [], data: '0x' },
        { address: COINBASE, topics: [h(1), h(2), h(3), h(4)], data: '0xdeadbeef' },
        { address: '0x00000000000000000000000000000000000000bb', topics: [h(5)], data: '0x00' },
      ];
    }),
  );
  const runner = createProjectionRunner({ store, db, projections: [l2Projection] });
  const running = runner.run();
  await runner.waitForCatchUp();
  const all = await store.readStream(L2_STREAM_ID);
  const sealedEvents = all.filter((e): e is RecordedEvent<L2BlockSealed> => e.type === 'L2BlockSealed');
  const undone = sealedEvents[2]!; // block 3, undone by the reset
  const kept = sealedEvents.filter((e) => e !== undone);
  assert.equal(
    kept.map((e) => e.data.number),
    ['1', '2', '3', '4'],
  );
  for (const e of kept) {
    const row = await getReceipt(db.pool, e.data.tx.hash);
    assert.ok(row, `receipt of block ${e.data.number}`);
    assert.equal(receiptFromSealed(e.data), row, `block ${e.data.number}`);
  }
  assert.is(await getReceipt(db.pool, undone.data.tx.hash), null);
  await runner.stop();
  await running;

  const recent = createRecentReceipts(2);
  const through = (e: RecordedEvent) => all.indexOf(e) + 1;
  recent.committed(all.slice(0, through(sealedEvents[1]!))); // up to block 2
  assert.equal(recent.get(kept[0]!.data.tx.hash), receiptFromSealed(kept[0]!.data));
  assert.equal(
    recent.get(`0x${kept[1]!.data.tx.hash.slice(2).toUpperCase()}`),
    receiptFromSealed(kept[1]!.data),
    'any hex case',
  );
  recent.committed(all.slice(through(sealedEvents[1]!), through(undone))); // block 3: the oldest goes
  assert.is(recent.get(kept[0]!.data.tx.hash), undefined, 'at most 2 kept');
  assert.ok(recent.get(undone.data.tx.hash));
  recent.committed(all.slice(through(undone))); // the reset, then the blocks sealed after it
  assert.is(recent.get(undone.data.tx.hash), undefined, 'a reset empties it');
  assert.is(recent.get(kept[1]!.data.tx.hash), undefined);
  assert.equal(
    kept.slice(2).map((e) => recent.get(e.data.tx.hash)),
    kept.slice(2).map((e) => receiptFromSealed(e.data)),
  );
});

test.run();
