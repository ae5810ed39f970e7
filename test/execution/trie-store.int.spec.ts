import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import { createTrieStore, STATE_SCHEMA, TrieStoreError } from '../../src/execution/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const test = suite('execution/trie-store');

let db: TestDatabase;
let pool: PgPool;
const pools: PgPool[] = [];

const countRows = async (p: PgPool = pool) =>
  Number((await p.query(`select count(*)::int as n from ${STATE_SCHEMA}.trie_nodes`)).rows[0].n);

test.before(async () => {
  db = await createTestDatabase('trie');
  pool = createPgPool(db.url);
  pools.push(pool);
});

test.after(async () => {
  for (const p of pools) await p.end();
  await db.drop();
});

test('schema creation is idempotent, also when concurrent', async () => {
  await Promise.all([createTrieStore({ pool }), createTrieStore({ pool }), createTrieStore({ pool })]);
  await createTrieStore({ pool });
  assert.is(await countRows(), 0);
});

test('writes are buffered, readable at once, and reach Postgres only on flush, in one go', async () => {
  const store = await createTrieStore({ pool });
  await store.put('aa01', new Uint8Array([1, 2, 3]));
  await store.batch([
    { type: 'put', key: 'aa02', value: 'c0ffee' },
    { type: 'put', key: 'AA03', value: new Uint8Array([]) },
  ]);
  assert.equal(await store.get('aa01'), new Uint8Array([1, 2, 3]));
  assert.is(await store.get('aa02'), 'c0ffee');
  assert.equal(await store.get('aa03'), new Uint8Array([]));
  assert.is(await countRows(), 0, 'nothing written before flush');
  assert.is(store.stats().pendingNodes, 3);
  const flushed = await store.flush();
  assert.is(flushed.nodes, 3);
  assert.ok(flushed.bytes > 0);
  assert.is(await countRows(), 3);
  assert.is(store.stats().pendingNodes, 0);
  assert.equal(await store.flush(), { nodes: 0, bytes: 0 }, 'an empty flush is a no-op');
});

test('values keep their type (string or bytes) through Postgres; unknown keys read as undefined', async () => {
  const writer = await createTrieStore({ pool });
  await writer.put('bb01', 'deadbeef');
  await writer.put('bb02', new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
  await writer.put('bb03', '');
  await writer.flush();
  const reader = await createTrieStore({ pool });
  const s = await reader.get('bb01');
  const b = await reader.get('bb02');
  assert.type(s, 'string');
  assert.is(s, 'deadbeef');
  assert.ok(b instanceof Uint8Array && !(b instanceof Buffer), 'bytes come back as a plain Uint8Array');
  assert.equal(b, new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
  assert.is(await reader.get('bb03'), '');
  assert.is(await reader.get('bb04'), undefined);
  assert.is(reader.stats().dbReads, 4);
  await reader.get('bb01');
  assert.is(reader.stats().dbReads, 4, 'a node read once is served from the cache');
});

test('deletes are ignored (archive: nodes are shared between roots)', async () => {
  const store = await createTrieStore({ pool });
  await store.put('cc01', new Uint8Array([7]));
  await store.del('cc01');
  await store.batch([{ type: 'del', key: 'cc01' }]);
  assert.equal(await store.get('cc01'), new Uint8Array([7]));
  await store.flush();
  await store.del('cc01');
  const other = await createTrieStore({ pool });
  assert.equal(await other.get('cc01'), new Uint8Array([7]));
});

test('concurrent misses for one key share one query', async () => {
  const writer = await createTrieStore({ pool });
  await writer.put('dd01', new Uint8Array([1]));
  await writer.flush();
  const reader = await createTrieStore({ pool });
  const values = await Promise.all([reader.get('dd01'), reader.get('dd01'), reader.get('dd01')]);
  assert.equal(values, [new Uint8Array([1]), new Uint8Array([1]), new Uint8Array([1])]);
  assert.is(reader.stats().dbReads, 1);
});

test('the cache stays within its byte bound and evicted nodes are read back from Postgres', async () => {
  const store = await createTrieStore({ pool, cacheBytes: 4_000 });
  const key = (i: number) => `ee${i.toString(16).padStart(4, '0')}`;
  for (let i = 0; i < 100; i++) await store.put(key(i), new Uint8Array(100).fill(i));
  await store.flush();
  const stats = store.stats();
  assert.ok(stats.cachedBytes <= 4_000, `cached ${stats.cachedBytes} bytes`);
  assert.ok(stats.cachedNodes < 100 && stats.cachedNodes > 0);
  assert.equal(await store.get(key(0)), new Uint8Array(100).fill(0));
  assert.ok(store.stats().dbReads >= 1, 'the oldest node was evicted and read again');
});

test('a node read again and again stays cached while others come and go', async () => {
  const store = await createTrieStore({ pool, cacheBytes: 4_000 });
  const key = (i: number) => `ef${i.toString(16).padStart(4, '0')}`;
  await store.put(key(0), new Uint8Array(100));
  await store.flush();
  for (let i = 1; i < 200; i++) {
    await store.put(key(i), new Uint8Array(100).fill(i % 256));
    await store.flush();
    assert.equal(await store.get(key(0)), new Uint8Array(100));
  }
  assert.is(store.stats().dbReads, 0, 'the hot node never left the cache');
  assert.ok(store.stats().cachedBytes <= 4_000);
  await store.get(key(1));
  assert.is(store.stats().dbReads, 1, 'a cold one did');
});

test('a flush that fails keeps its nodes for the next one', async () => {
  const store = await createTrieStore({ pool });
  await store.put('ff01', new Uint8Array([1]));
  await pool.query(`alter table ${STATE_SCHEMA}.trie_nodes rename to trie_nodes_away`);
  try {
    const err = await store.flush().catch((e: unknown) => e);
    assert.instance(err, TrieStoreError);
    assert.is((err as TrieStoreError).severity, 'temporary');
    assert.is(store.stats().pendingNodes, 1);
    assert.equal(await store.get('ff01'), new Uint8Array([1]));
  } finally {
    await pool.query(`alter table ${STATE_SCHEMA}.trie_nodes_away rename to trie_nodes`);
  }
  await store.put('ff02', new Uint8Array([2]));
  assert.is((await store.flush()).nodes, 2);
  const other = await createTrieStore({ pool });
  assert.equal(await other.get('ff01'), new Uint8Array([1]));
  assert.equal(await other.get('ff02'), new Uint8Array([2]));
});

test('keys must be hex (the trie always gives unprefixed hex)', async () => {
  const store = await createTrieStore({ pool });
  await store.put('0a', new Uint8Array([1]));
  try {
    await store.put('not-hex', new Uint8Array([1]));
    assert.unreachable('accepted a non-hex key');
  } catch (err) {
    assert.instance(err, TypeError);
  }
});

test.run();
