/**
 * The L1-tx read model from real `l1tx-<id>` events (decided by the stream's decider, appended to the real
 * Postgres store): status, live attempt, every attempt's hash, receipt, reorgs, outcome; and the snapshot the
 * eth-tx-manager starts from.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createProjectionRunner, createReadModelDb, type ReadModelDb } from '../../projections/index.ts';
import {
  getL1Tx,
  getL1TxAttempts,
  getL1TxByHash,
  l1TxProjection,
  listL1Txs,
  readL1TxSnapshot,
} from '../../projections/l1tx/index.ts';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, type EventStore } from '../../src/eventstore/index.ts';
import type { Address, Hash } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  decide,
  feeFields,
  foldL1Tx,
  type L1TxCommand,
  type L1TxEvent,
  l1TxStreamId,
} from '../../src/streams/l1tx/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const h = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hash;
const A = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' as Address;
const B = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc' as Address;
const TO = '0x0000000000000000000000000000000000000001' as Address;

let tdb: TestDatabase;
let pool: PgPool;
let store: EventStore;
let db: ReadModelDb;
const histories = new Map<string, L1TxEvent[]>();

async function command(id: string, c: L1TxCommand, at = '2024-01-01T00:00:00.000Z') {
  const history = histories.get(id) ?? [];
  const events = decide(c, foldL1Tx(history));
  await store.append(
    l1TxStreamId(id),
    envelope(events, { actor: 'eth-tx-manager', at }),
    history.length === 0 ? 'no_stream' : history.length - 1,
  );
  histories.set(id, [...history, ...events]);
}
const queue = (id: string, from: Address, owner = 'sequence-sender'): L1TxCommand => ({
  type: 'QueueL1Tx',
  data: { id, owner, from, to: TO, data: '0xab', value: '5', gasLimit: id === 'q' ? '90000' : null },
});
const send = (
  id: string,
  attempt: number,
  reason: 'initial' | 'bump' | 'resign',
  nonce: number,
  fee: bigint,
  hash: Hash,
): L1TxCommand => ({
  type: 'SendL1Tx',
  data: {
    id,
    attempt,
    reason,
    nonce: String(nonce),
    gasLimit: '100000',
    ...feeFields({ type: 'eip1559', maxFeePerGas: fee, maxPriorityFeePerGas: fee / 2n }),
    hash,
    raw: '0x02f8',
    sentAt: `2024-01-01T00:00:0${attempt}.000Z`,
  },
});
const mine = (
  id: string,
  hash: Hash,
  block: number,
  status: 'success' | 'reverted' = 'success',
): L1TxCommand => ({
  type: 'RecordL1TxMined',
  data: {
    id,
    hash,
    blockNumber: String(block),
    blockHash: h(block),
    status,
    gasUsed: '60000',
    effectiveGasPrice: '1500000000',
  },
});

test.before(async () => {
  tdb = await createTestDatabase('l1tx');
  pool = createPgPool(tdb.url);
  store = await createPostgresEventStore({ pool });
  db = createReadModelDb(tdb.url);
});
test.after(async () => {
  await db.close();
  await store.close();
  await pool.end();
  await tdb.drop();
});

test('rows follow each tx from queued to confirmed or failed; the snapshot lists the open ones', async () => {
  // a: bumped once, mined, reorged, mined again in another block, confirmed
  await command('a', queue('a', A));
  await command('a', send('a', 1, 'initial', 0, 2_000_000_000n, h(0xa1)));
  await command('a', send('a', 2, 'bump', 0, 2_400_000_000n, h(0xa2)));
  await command('a', mine('a', h(0xa2), 10));
  await command('a', {
    type: 'RecordL1TxReorged',
    data: { id: 'a', hash: h(0xa2), blockNumber: '10', blockHash: h(10) },
  });
  // b (another sender): sent, mined with a reverted receipt, failed
  await command('b', queue('b', B, 'aggregator'));
  await command('b', send('b', 1, 'initial', 3, 2_000_000_000n, h(0xb1)));
  await command('b', mine('b', h(0xb1), 11, 'reverted'));
  await command('b', {
    type: 'FailL1Tx',
    data: { id: 'b', code: 'reverted', reason: 'nope', hash: h(0xb1), blockNumber: '11', blockHash: h(11) },
  });
  // q: queued only
  await command('q', queue('q', A));

  const runner = createProjectionRunner({ store, db, projections: [l1TxProjection] });
  const running = runner.run();
  await runner.waitForCatchUp();

  const a = await getL1Tx(db.pool, 'a');
  assert.equal(
    {
      status: a?.status,
      nonce: a?.nonce,
      attempts: a?.attempts,
      hashes: a?.hashes,
      txHash: a?.txHash,
      block: a?.blockNumber,
      reorgs: a?.reorgs,
      maxFee: a?.maxFeePerGas,
      type: a?.txType,
    },
    {
      status: 'sent',
      nonce: 0n,
      attempts: 2,
      hashes: [h(0xa1), h(0xa2)],
      txHash: h(0xa2),
      block: null,
      reorgs: 1,
      maxFee: 2_400_000_000n,
      type: 'eip1559',
    },
  );
  assert.is(a?.firstSentAt?.toISOString(), '2024-01-01T00:00:01.000Z');
  assert.is(a?.lastSentAt?.toISOString(), '2024-01-01T00:00:02.000Z');

  let snap = await readL1TxSnapshot(db);
  assert.equal(snap?.openIds, ['a', 'q']);
  assert.is(snap?.position, await store.headPosition());
  assert.equal([...(snap?.finalNonces ?? [])], [[B, 3n]]);

  await command('a', mine('a', h(0xa2), 12));
  await command('a', {
    type: 'ConfirmL1Tx',
    data: { id: 'a', hash: h(0xa2), blockNumber: '12', blockHash: h(12), confirmations: 2 },
  });
  await runner.waitForCatchUp();

  const a2 = await getL1Tx(db.pool, 'a');
  assert.equal(
    {
      status: a2?.status,
      block: a2?.blockNumber,
      blockHash: a2?.blockHash,
      mined: a2?.minedHash,
      receipt: a2?.receiptStatus,
      gasUsed: a2?.gasUsed,
      price: a2?.effectiveGasPrice,
      confirmations: a2?.confirmations,
    },
    {
      status: 'confirmed',
      block: 12n,
      blockHash: h(12),
      mined: h(0xa2),
      receipt: 'success',
      gasUsed: 60000n,
      price: 1_500_000_000n,
      confirmations: 2,
    },
  );
  const b = await getL1Tx(db.pool, 'b');
  assert.equal(
    {
      status: b?.status,
      code: b?.failureCode,
      reason: b?.failureReason,
      owner: b?.owner,
      receipt: b?.receiptStatus,
    },
    { status: 'failed', code: 'reverted', reason: 'nope', owner: 'aggregator', receipt: 'reverted' },
  );
  const q = await getL1Tx(db.pool, 'q');
  assert.equal(
    { status: q?.status, gasLimit: q?.gasLimit, value: q?.value, nonce: q?.nonce, hashes: q?.hashes },
    { status: 'queued', gasLimit: 90000n, value: 5n, nonce: null, hashes: [] },
  );

  const attempts = await getL1TxAttempts(db.pool, 'a');
  assert.equal(
    attempts.map((x) => [x.attempt, x.reason, x.nonce, x.hash, x.maxPriorityFeePerGas]),
    [
      [1, 'initial', 0n, h(0xa1), 1_000_000_000n],
      [2, 'bump', 0n, h(0xa2), 1_200_000_000n],
    ],
  );
  assert.is((await getL1TxByHash(db.pool, h(0xa1)))?.id, 'a');
  assert.is(await getL1TxByHash(db.pool, h(0xee)), null);
  assert.equal(
    (await listL1Txs(db.pool, { status: ['queued', 'sent', 'mined'] })).map((r) => r.id),
    ['q'],
  );
  assert.equal(
    (await listL1Txs(db.pool, { owner: 'sequence-sender' })).map((r) => r.id),
    ['a', 'q'],
  );

  snap = await readL1TxSnapshot(db);
  assert.equal(snap?.openIds, ['q']);
  assert.equal(
    [...(snap?.finalNonces ?? [])].sort(),
    [
      [A, 0n],
      [B, 3n],
    ].sort(),
  );

  await runner.stop();
  await running;
});

test('without the read model (never migrated), the snapshot is null', async () => {
  const fresh = createReadModelDb(tdb.url, { schema: 'lev_rm_empty' });
  try {
    assert.is(await readL1TxSnapshot(fresh), null);
  } finally {
    await fresh.close();
  }
});

test.run();
