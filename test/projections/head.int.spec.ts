/**
 * The latest-block cache: one query per head change, a fresh read after the watched version moves or after a
 * read observed a newer block, failures not cached — over the real read models.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createReadModelDb, migrate, type ReadModelDb, type SqlClient } from '../../projections/index.ts';
import { createLatestBlockCache } from '../../projections/l2/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let tdb: TestDatabase;
let db: ReadModelDb;

test.before(async () => {
  tdb = await createTestDatabase();
  db = createReadModelDb(tdb.url);
  await migrate(db);
});
test.after(async () => {
  await db.close();
  await tdb.drop();
});

const h = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
async function insertBlock(n: number) {
  await db.pool.query(
    `insert into l2_blocks (number, hash, parent_hash, batch_number, timestamp, coinbase, state_root, transactions_root,
                            receipts_root, logs_bloom, gas_limit, gas_used, tx_hash, position)
     values ($1, $2, $3, 1, 1, $4, $2, $2, $2, $5, 30000000, 0, null, $1)`,
    [n, h(n + 1), h(n), `0x${'00'.repeat(20)}`, `0x${'00'.repeat(256)}`],
  );
}

/** A client that counts the queries passing through it. */
function counting(sql: SqlClient) {
  let n = 0;
  const client = {
    query: (...args: Parameters<SqlClient['query']>) => {
      n++;
      return sql.query(...args);
    },
  } as unknown as SqlClient;
  return { client, count: () => n };
}

test('one query per version; a new version or an observed newer block reads again', async () => {
  let version = 0;
  const cache = createLatestBlockCache({ version: () => version });
  const { client, count } = counting(db.pool);
  assert.is(await cache.latest(client), null, 'no block yet');
  await insertBlock(0);
  assert.is(await cache.latest(client), null, 'same version: the cached answer');
  assert.is(count(), 1);
  version++;
  assert.is((await cache.latest(client))?.number, 0n);
  assert.is((await cache.latest(client))?.number, 0n);
  assert.is(count(), 2);

  await insertBlock(1);
  cache.observe(0n);
  assert.is((await cache.latest(client))?.number, 0n, 'observing an older or equal block keeps the entry');
  assert.is(count(), 2);
  cache.observe(1n);
  assert.is((await cache.latest(client))?.number, 1n, 'observing a newer block drops it');
  assert.is(count(), 3);
});

test('a failed read is not cached', async () => {
  const cache = createLatestBlockCache({ version: () => 7 });
  const failing = { query: () => Promise.reject(new Error('connection lost')) } as unknown as SqlClient;
  try {
    await cache.latest(failing);
    assert.unreachable();
  } catch (err) {
    assert.match((err as Error).message, /connection lost/);
  }
  assert.ok((await cache.latest(db.pool)) !== undefined, 'the next read queries again');
});

test.run();
