/**
 * The read-model runner against the real Postgres event store: catch-up then live, read-your-writes, exactly-once
 * across a kill -9 mid-catch-up and across two concurrent runners, rebuild from 0, versioned migrations.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createProjectionRunner,
  createReadModelDb,
  loadMigrations,
  migrate,
  type Projection,
  type ReadModelDb,
  rebuildReadModels,
} from '../../projections/index.ts';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, type EventStore, type NewEvent } from '../../src/eventstore/index.ts';
import { countingProjection } from '../support/counting-projection.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let tdb: TestDatabase;
let pool: PgPool;
let store: EventStore;
const dbs: ReadModelDb[] = [];

const counted = (i: number): NewEvent => ({
  id: randomUUID(),
  type: 'Counted',
  data: { i },
  metadata: { at: new Date(0).toISOString(), actor: 'test' },
});

async function appendMany(streams: number, perStream: number): Promise<bigint> {
  let last = 0n;
  for (let s = 0; s < streams; s++) {
    const events = Array.from({ length: perStream }, (_, i) => counted(i));
    for (let i = 0; i < events.length; i += 100) {
      ({ position: last } = await store.append(`count-${s}`, events.slice(i, i + 100), 'any'));
    }
  }
  return last;
}

function readModelDb(schema: string): ReadModelDb {
  const db = createReadModelDb(tdb.url, { schema });
  dbs.push(db);
  return db;
}

async function totals(db: ReadModelDb) {
  const rows = await db.pool.query<{ rows: number; sum: string; distinct: number }>(
    'select (select count(*)::int from counted) as rows, (select coalesce(sum(n), 0)::text from counts) as sum, (select count(distinct position)::int from counted) as distinct',
  );
  const cp = await db.pool.query<{ position: string }>(
    `select position::text from checkpoints where name = 'counting'`,
  );
  return { ...rows.rows[0]!, checkpoint: BigInt(cp.rows[0]?.position ?? '0') };
}

test.before(async () => {
  tdb = await createTestDatabase('rm');
  pool = createPgPool(tdb.url);
  store = await createPostgresEventStore({ pool });
});

test.after(async () => {
  for (const db of dbs) await db.close();
  await store.close();
  await pool.end();
  await tdb.drop();
});

test('migrations are versioned and applied once', async () => {
  const db = readModelDb('mig_once');
  const first = await migrate(db);
  assert.equal(
    first,
    loadMigrations().map((m) => m.id),
  );
  assert.equal(await migrate(db), []);
  const { rows } = await db.pool.query('select id from schema_migrations order by id');
  assert.is(rows.length, first.length);
});

test('catch-up then live; waitFor gives read-your-writes', async () => {
  const head = await appendMany(3, 40);
  const db = readModelDb('live');
  const runner = createProjectionRunner({ store, db, projections: [countingProjection()] });
  const running = runner.run();
  await runner.waitFor(head);
  let t = await totals(db);
  assert.is(t.rows, 120);
  assert.is(t.sum, '120');
  const { position } = await store.append('count-live', [counted(1), counted(2)], 'no_stream');
  await runner.waitFor(position);
  t = await totals(db);
  assert.is(t.rows, 122);
  assert.ok(t.checkpoint >= position);
  await runner.stop();
  await running;
});

test('a runner killed -9 mid-catch-up resumes with nothing lost or applied twice', async () => {
  const head = await appendMany(4, 250);
  const schema = 'crash';
  const db = readModelDb(schema);
  await migrate(db);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('../support/run-projector.ts', import.meta.url).pathname],
    {
      env: { ...process.env, LEV_TEST_RUNNER_DB: tdb.url, LEV_TEST_RUNNER_SCHEMA: schema },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise((r) => child.on('exit', r));
  // Kill it once it has committed some batches but is far from done.
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const cp = await db.pool
      .query<{ position: string }>(`select position::text from checkpoints where name = 'counting'`)
      .then(
        (r) => BigInt(r.rows[0]?.position ?? '0'),
        () => 0n,
      );
    if (cp > 100n) break;
  }
  child.kill('SIGKILL');
  await exited;
  const mid = await totals(db);
  assert.ok(mid.checkpoint < head, `killed too late: ${mid.checkpoint} of ${head}`);
  assert.is(mid.rows, mid.distinct);

  const runner = createProjectionRunner({ store, db, projections: [countingProjection()] });
  const running = runner.run();
  await runner.waitFor(head);
  await runner.stop();
  await running;
  const end = await totals(db);
  const all = await db.pool.query<{ n: number }>(`select count(*)::int as n from counted`);
  const expected = await pool.query<{ n: number }>(
    `select count(*)::int as n from lev_es.events where type = 'Counted' and position <= $1`,
    [head.toString()],
  );
  assert.is(all.rows[0]!.n, expected.rows[0]!.n);
  assert.is(end.sum, String(expected.rows[0]!.n));
  assert.is(end.checkpoint, head);
});

test('two runners on one schema apply every event exactly once', async () => {
  const head = await appendMany(2, 150);
  const db1 = readModelDb('shared');
  const db2 = readModelDb('shared');
  const a = createProjectionRunner({ store, db: db1, projections: [countingProjection()], batchSize: 20 });
  const b = createProjectionRunner({ store, db: db2, projections: [countingProjection()], batchSize: 7 });
  const runs = [a.run(), b.run()];
  await Promise.all([a.waitFor(head), b.waitFor(head)]);
  await Promise.all([a.stop(), b.stop()]);
  await Promise.all(runs);
  const t = await totals(db1);
  const expected = await pool.query<{ n: number }>(
    `select count(*)::int as n from lev_es.events where type = 'Counted' and position <= $1`,
    [head.toString()],
  );
  assert.is(t.rows, expected.rows[0]!.n);
  assert.is(t.sum, String(expected.rows[0]!.n));
});

test('runners lock the checkpoint rows in name order, whatever order the table holds them in: two runners cannot deadlock', async () => {
  const db = readModelDb('lockorder');
  const idle = (name: string): Projection => ({ name, canHandle: ['Counted'], handle: async () => {} });
  const runner = createProjectionRunner({
    store,
    db,
    projections: [idle('alpha'), idle('zeta')],
    batchSize: 5,
  });
  const running = runner.run();
  const holder = await db.pool.connect();
  const prober = await db.pool.connect();
  try {
    await runner.waitFor(await appendMany(1, 1));
    // The table holds zeta before alpha (an update moves a row to the end), and with statistics the planner scans it
    // in that order, as it does in a long-running node once autovacuum has analyzed it.
    await db.pool.query(`update checkpoints set updated_at = now() where name = 'alpha'`);
    await db.pool.query('analyze checkpoints');
    await holder.query('begin');
    await holder.query(`select name from checkpoints where name = 'zeta' for update`);
    const head = await appendMany(1, 1);
    // The runner's next batch waits for zeta: it must hold alpha by then (the order any other runner locks in).
    for (let i = 0; ; i++) {
      const { rows } = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
      );
      if (rows[0]!.n > 0) break;
      if (i > 200) assert.unreachable('the runner never waited for the zeta row');
      await new Promise((r) => setTimeout(r, 25));
    }
    await prober.query('begin');
    const probe = await prober
      .query(`select name from checkpoints where name = 'alpha' for update nowait`)
      .then(
        () => 'free',
        (err: { code?: string }) => err.code,
      );
    await prober.query('rollback');
    assert.is(probe, '55P03', 'alpha is locked by the runner waiting for zeta');
    await holder.query('rollback');
    await runner.waitFor(head);
  } finally {
    await holder.query('rollback').catch(() => {});
    holder.release();
    prober.release();
    await runner.stop();
    await running;
  }
});

test('rebuild from position 0 into a fresh schema reproduces the live read model', async () => {
  const head = await store.headPosition();
  const live = readModelDb('live');
  const fresh = readModelDb(`rebuild_${Date.now().toString(36)}`);
  const at = await rebuildReadModels({ store, db: fresh, projections: [countingProjection()] });
  assert.is(at, head);
  const liveRunner = createProjectionRunner({ store, db: live, projections: [countingProjection()] });
  const running = liveRunner.run();
  await liveRunner.waitFor(head);
  await liveRunner.stop();
  await running;
  const a = await live.pool.query('select position, stream_id from counted order by position');
  const b = await fresh.pool.query('select position, stream_id from counted order by position');
  assert.equal(b.rows, a.rows);
  // --to: stop at an earlier position
  const partial = readModelDb(`rebuild_to_${Date.now().toString(36)}`);
  const to = head / 2n;
  assert.is(
    await rebuildReadModels({ store, db: partial, projections: [countingProjection()], toPosition: to }),
    to,
  );
  const { rows } = await partial.pool.query<{ max: string }>(
    'select max(position)::text as max from counted',
  );
  assert.ok(BigInt(rows[0]!.max) <= to);
});

test.run();
