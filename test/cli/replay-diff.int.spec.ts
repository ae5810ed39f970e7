/**
 * `lev replay --diff`'s comparison on real Postgres: identical schemas (write times aside) compare equal; a changed
 * value (json, numeric, composite key), a missing row, duplicate rows of a table without a primary key, a table or
 * a column on one side only are each reported, by key, in key order, with the count of differing rows.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diffSchemas, formatSchemaDiff } from '../../src/cli/replay-diff.ts';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let db: TestDatabase;
let pool: PgPool;

const SETUP = (s: string) => `
  create schema ${s};
  create table ${s}.checkpoints (name text primary key, position bigint not null, updated_at timestamptz not null default now());
  create table ${s}.items (x int, y text, v json not null, n numeric(78,0) not null, primary key (x, y));
  create table ${s}.bag (k int not null, label text);
  insert into ${s}.checkpoints (name, position) values ('a', 7), ('b', 7);
  insert into ${s}.items values
    (1, 'a', '{"k":[1,2]}', 123456789012345678901234567890),
    (1, 'b', '{"k":null}', 0),
    (2, 'a', '[]', 5);
  insert into ${s}.bag values (1, 'one'), (1, 'one'), (2, 'two');
`;

test.before(async () => {
  db = await createTestDatabase();
  pool = createPgPool(db.url, { max: 2 });
  await pool.query(SETUP('left_s'));
  await pool.query(SETUP('right_s'));
  // Write times differ between a live schema and a rebuild: not compared.
  await pool.query("update right_s.checkpoints set updated_at = now() - interval '1 day'");
});
test.after(async () => {
  await pool.end();
  await db.drop();
});

test('identical content: no difference', async () => {
  const d = await diffSchemas(pool, 'left_s', 'right_s');
  assert.not.ok(d.different);
  assert.equal(d.positions, { left: '7', right: '7' });
  assert.equal(
    d.tables.map((t) => [t.table, t.rows.left, t.rows.right, t.differing]),
    [
      ['bag', 3, 3, 0],
      ['checkpoints', 2, 2, 0],
      ['items', 3, 3, 0],
    ],
  );
  assert.is(formatSchemaDiff(d).split('\n').at(-1), 'no difference (3 tables, 8 rows)');
});

test('every kind of difference, by key and in key order', async () => {
  await pool.query(`
    update right_s.items set v = '{"k":[1,3]}' where x = 1 and y = 'a';
    update right_s.items set n = 123456789012345678901234567891 where x = 1 and y = 'b';
    delete from right_s.items where x = 2;
    insert into right_s.items values (0, 'z', '{}', 1);
    delete from right_s.bag where ctid = (select min(ctid) from right_s.bag where k = 1);
    insert into right_s.bag values (2, 'two');
    create table left_s.extra (id int primary key);
    insert into left_s.extra values (1), (2);
    alter table right_s.checkpoints add column note text;
  `);
  const d = await diffSchemas(pool, 'left_s', 'right_s', { maxRowsPerTable: 3 });
  assert.ok(d.different);
  const items = d.tables.find((t) => t.table === 'items')!;
  assert.is(items.differing, 4);
  assert.equal(items.first, [
    { kind: 'only', in: 'right_s', key: { x: '0', y: 'z' } },
    {
      kind: 'changed',
      key: { x: '1', y: 'a' },
      columns: [{ column: 'v', left: '{"k":[1,2]}', right: '{"k":[1,3]}' }],
    },
    {
      kind: 'changed',
      key: { x: '1', y: 'b' },
      columns: [{ column: 'n', left: '0', right: '123456789012345678901234567891' }],
    },
  ]);
  const bag = d.tables.find((t) => t.table === 'bag')!;
  assert.is(bag.differing, 2);
  assert.equal(
    bag.first.map((r) => [r.kind, r.kind === 'only' ? r.in : '', r.key]),
    [
      ['only', 'left_s', { k: '1', label: 'one' }],
      ['only', 'right_s', { k: '2', label: 'two' }],
    ],
  );
  const extra = d.tables.find((t) => t.table === 'extra')!;
  assert.equal([extra.onlyIn, extra.differing], ['left_s', 2]);
  const cps = d.tables.find((t) => t.table === 'checkpoints')!;
  assert.equal([cps.columnsOnlyIn, cps.differing], [[{ schema: 'right_s', columns: ['note'] }], 0]);

  const text = formatSchemaDiff(d).split('\n');
  assert.ok(text.includes('items: 4 rows differ (left_s 3 rows, right_s 3 rows)'), text.join('\n'));
  assert.ok(
    text.includes('  items x=1 y=a: v: left_s "{\\"k\\":[1,2]}" ≠ right_s "{\\"k\\":[1,3]}"'),
    text.join('\n'),
  );
  assert.ok(text.includes('  items x=0 y=z: only in right_s'));
  assert.ok(text.includes('  … 1 more in items'));
  assert.ok(text.includes('extra: only in left_s (2 rows)'));
  assert.ok(text.includes('checkpoints: columns only in right_s: note'));
  assert.not.ok(text.some((l) => l.startsWith('no difference')));
});

test.run();
