/**
 * The node's `pg` pool (src/db/pool.ts): parameterised statements run as named prepared statements, parsed once
 * per connection; text without parameters (scripts of several statements) runs as it is.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPgPool, type PgPool, withTransaction } from '../../src/db/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let db: TestDatabase;
let pool: PgPool;

test.before(async () => {
  db = await createTestDatabase('pool');
  pool = createPgPool(db.url, { max: 1 }); // one connection: the prepared statements are all on it
});

test.after(async () => {
  await pool.end();
  await db.drop();
});

const prepared = async () =>
  (
    await pool.query<{ statement: string }>('select statement from pg_prepared_statements order by statement')
  ).rows.map((r) => r.statement);

test('a parameterised statement is prepared once and reused; its results are the plain ones', async () => {
  await pool.query(
    'create table kv (k int primary key, v text); insert into kv values (1, $$a$$), (2, $$b$$)',
  );
  const text = 'select v from kv where k = $1';
  assert.equal((await pool.query(text, [1])).rows, [{ v: 'a' }]);
  assert.equal((await pool.query(text, [2])).rows, [{ v: 'b' }]);
  assert.equal((await pool.query(text, [3])).rows, []);
  assert.equal(
    await prepared(),
    [text],
    'one prepared statement for the three calls; scripts are not prepared',
  );
  // inside a transaction on a pool client too
  const got = await withTransaction(pool, async (c) => {
    await c.query('insert into kv values ($1, $2)', [3, 'c']);
    return (await c.query(text, [3])).rows;
  });
  assert.equal(got, [{ v: 'c' }]);
  assert.equal((await prepared()).length, 2);
});

test("an error in a prepared statement is the server's, and the statement still works after it", async () => {
  const text = 'insert into kv values ($1, $2)';
  const err = await pool.query(text, [1, 'dup']).then(
    () => null,
    (e: Error) => e,
  );
  assert.match(String(err?.message), 'duplicate key value violates unique constraint');
  await pool.query(text, [4, 'd']);
  assert.equal((await pool.query('select v from kv where k = $1', [4])).rows, [{ v: 'd' }]);
});

test.run();
