/**
 * The pool projection (projections/pool/projection.ts) on a real read-model database: a tx received and included in
 * the same batch (direct inclusion) is inserted included, and whatever the batch boundaries, the rows are those of
 * applying the events one at a time.
 */
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createReadModelDb, migrate } from '../../projections/index.ts';
import { poolProjection } from '../../projections/pool/index.ts';
import { withTransaction } from '../../src/db/index.ts';
import type { RecordedEvent } from '../../src/eventstore/index.ts';
import type { Hash } from '../../src/primitives/index.ts';
import { createTestDatabase } from '../support/db.ts';

const FROM = '0x00000000000000000000000000000000000a11ce';
const hex32 = () => `0x${randomBytes(32).toString('hex')}` as Hash;

/** A log of tx events (and blocks) in order, with positions; `handle` reads nothing else. */
function log(steps: [type: string, hash: Hash, reason?: string][]): RecordedEvent[] {
  return steps.map(([type, hash, reason], i) => {
    const data =
      type === 'TxReceived'
        ? {
            hash,
            from: FROM,
            nonce: String(i),
            gasPrice: '1000000000',
            gas: '21000',
            to: FROM,
            value: '1',
            data: '0x',
            chainId: '1001',
            v: '2037',
            r: hex32(),
            s: hex32(),
            raw: '0xf86c',
            ip: null,
          }
        : type === 'L2BlockSealed'
          ? { tx: { hash } }
          : { hash, ...(reason ? { reason } : {}) };
    return {
      type,
      data,
      id: `e${i}`,
      version: 1,
      metadata: { at: '2026-11-26T00:00:00.000Z', actor: 'test' },
      streamId: type === 'L2BlockSealed' ? 'l2' : `tx-${hash}`,
      revision: 0,
      position: BigInt(i + 1),
    } as unknown as RecordedEvent;
  });
}

test('received and included in one batch: inserted included; every batching leaves the rows of one by one', async () => {
  const tdb = await createTestDatabase('poolproj');
  const db = createReadModelDb(tdb.url);
  try {
    await migrate(db);
    const [a, b, c, d, e] = [hex32(), hex32(), hex32(), hex32(), hex32()];
    const events = log([
      ['TxReceived', a],
      ['TxReceived', b],
      ['TxReceived', c],
      ['L2BlockSealed', e], // sealed in a forced batch before the pool got it: stays pending
      ['TxReceived', d],
      ['TxReceived', e],
      ['L2BlockSealed', a],
      ['TxFailed', b, 'nonce too low'],
      ['TxFailed', c, 'x'],
      ['L2BlockSealed', c], // inclusion is final, the reason stays
      ['TxIncluded', a],
      ['TxIncluded', c],
    ]);
    const rows = async () =>
      (
        await db.pool.query(
          'select hash, status, status_reason, position::text from pool_txs order by position',
        )
      ).rows;
    const apply = async (batches: RecordedEvent[][]) => {
      await db.pool.query('truncate pool_txs');
      for (const batch of batches) await withTransaction(db.pool, (sql) => poolProjection.handle(sql, batch));
      return rows();
    };

    const oneByOne = await apply(events.map((ev) => [ev]));
    assert.equal(
      oneByOne.map((r) => [r.hash, r.status, r.status_reason]),
      [
        [a, 'included', null],
        [b, 'failed', 'nonce too low'],
        [c, 'included', 'x'],
        [d, 'pending', null],
        [e, 'pending', null],
      ],
    );
    assert.equal(await apply([events]), oneByOne, 'one batch');
    for (let cut = 1; cut < events.length; cut++)
      assert.equal(await apply([events.slice(0, cut), events.slice(cut)]), oneByOne, `two batches at ${cut}`);

    // The batch of a direct inclusion writes the row once: no second version of it (its first slot on the page).
    await db.pool.query('truncate pool_txs');
    const direct = log([
      ['TxReceived', a],
      ['L2BlockSealed', a],
      ['TxIncluded', a],
    ]);
    await withTransaction(db.pool, (sql) => poolProjection.handle(sql, direct));
    const { rows: slot } = await db.pool.query<{ ctid: string; status: string }>(
      'select ctid::text, status from pool_txs',
    );
    assert.equal(slot, [{ ctid: '(0,1)', status: 'included' }]);
  } finally {
    await db.close();
    await tdb.drop();
  }
});

test('a tx received again after it was replaced, failed or invalidated: its row is pending again, as of then', async () => {
  const tdb = await createTestDatabase('poolproj');
  const db = createReadModelDb(tdb.url);
  try {
    await migrate(db);
    const [a, b, c] = [hex32(), hex32(), hex32()];
    // `log` numbers nonces by index: the same tx's TxReceived must carry the same data, so copy the first.
    const events = log([
      ['TxReceived', a],
      ['TxReceived', b],
      ['TxReceived', c],
      ['TxReplaced', a],
      ['TxFailed', b, 'nonce too low'],
      ['TxInvalidated', c, 'insufficient balance'],
      ['TxReceived', a],
      ['TxReceived', b],
      ['TxReceived', c],
      ['L2BlockSealed', c],
      ['TxIncluded', c],
    ]).map((e, i, all) => {
      if (e.type !== 'TxReceived' || i < 3) return e;
      const first = all.find((f) => f.type === 'TxReceived' && f.data['hash'] === e.data['hash'])!;
      return { ...e, data: first.data, metadata: { ...e.metadata, at: '2026-11-27T00:00:00.000Z' } };
    });
    (events[3]!.data as Record<string, unknown>)['replacedBy'] = b;
    const rows = async () =>
      (
        await db.pool.query(
          `select hash, status, status_reason, replaced_by, position::text, received_at::text from pool_txs
            order by hash`,
        )
      ).rows;
    const apply = async (batches: RecordedEvent[][]) => {
      await db.pool.query('truncate pool_txs');
      for (const batch of batches) await withTransaction(db.pool, (sql) => poolProjection.handle(sql, batch));
      return rows();
    };
    const oneByOne = await apply(events.map((ev) => [ev]));
    const byHash = new Map(oneByOne.map((r) => [r.hash, r]));
    assert.equal(
      [a, b].map((h) => [byHash.get(h)?.status, byHash.get(h)?.status_reason, byHash.get(h)?.replaced_by]),
      [
        ['pending', null, null],
        ['pending', null, null],
      ],
    );
    assert.equal(
      [byHash.get(a)?.position, byHash.get(b)?.position],
      ['7', '8'],
      'as of the TxReceived again',
    );
    assert.ok(String(byHash.get(a)?.received_at).startsWith('2026-11-27'));
    assert.equal([byHash.get(c)?.status, byHash.get(c)?.position], ['included', '9']);
    assert.equal(await apply([events]), oneByOne, 'one batch');
    for (let cut = 1; cut < events.length; cut++)
      assert.equal(await apply([events.slice(0, cut), events.slice(cut)]), oneByOne, `two batches at ${cut}`);
  } finally {
    await db.close();
    await tdb.drop();
  }
});

test.run();
