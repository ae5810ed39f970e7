/**
 * The Postgres event store: the contract suite on a fresh database, plus what only Postgres promises
 * (positions gap-free in commit order, ids unique across streams, the exact stored text, LISTEN/NOTIFY).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import {
  createEventStore,
  createPostgresEventStore,
  type EventStore,
  EventStoreError,
  type NewEvent,
  type RecordedEvent,
} from '../../src/eventstore/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { collect, ev, eventStoreContract, eventsOf, uniqueStream } from './contract.ts';

let db: TestDatabase;
const pools: PgPool[] = [];

test.before(async () => {
  db = await createTestDatabase('es');
});
test.after(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await db.drop();
});

const newPool = (max = 10) => {
  const pool = createPgPool(db.url, { max });
  pools.push(pool);
  return pool;
};

eventStoreContract('postgres', async (opts = {}) => {
  const pool = createPgPool(db.url, { max: 10 });
  const store = await createPostgresEventStore({ pool, ...opts });
  return { store, cleanup: () => pool.end() };
});

test('postgres: positions are gap-free in commit order while 8 writers append concurrently', async () => {
  const pool = newPool(12);
  const store = await createPostgresEventStore({ pool, schema: 'gapfree' });
  const writersDone = { value: false };
  // A watcher checks, in single statements, that what is visible is always exactly 1..max (a prefix).
  const observations: { count: number; max: number }[] = [];
  const watcher = (async () => {
    while (!writersDone.value) {
      const { rows } = await pool.query<{ count: string; max: string | null }>(
        'select count(*)::text as count, max(position)::text as max from gapfree.events',
      );
      observations.push({ count: Number(rows[0]!.count), max: Number(rows[0]!.max ?? 0) });
    }
  })();
  // A follower reads like a subscriber: every page must start right after the previous one.
  const followed: bigint[] = [];
  const follower = (async () => {
    let position = 0n;
    for (;;) {
      const done = writersDone.value;
      const page = await store.readAll({ fromPosition: position, limit: 50 });
      followed.push(...page.events.map((e) => e.position));
      position = page.position;
      if (done && page.isEnd) break;
    }
  })();
  const results: { stream: string; ids: string[]; position: bigint; revision: number }[] = [];
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 25; i++) {
        const stream = `gap-${i % 3}`; // shared streams: writers also race on revisions
        const events = Array.from({ length: 1 + ((w + i) % 3) }, (_, j) => ev('Tick', { w, i, j }));
        const r = await store.append(stream, events, 'any');
        results.push({ stream, ids: events.map((e) => e.id), ...r });
      }
    }),
  );
  writersDone.value = true;
  await Promise.all([watcher, follower]);

  const total = results.reduce((n, r) => n + r.ids.length, 0);
  const page = await store.readAll({ limit: 10_000 });
  assert.equal(
    page.events.map((e) => e.position),
    Array.from({ length: total }, (_, i) => BigInt(i + 1)),
  );
  assert.equal(
    followed,
    page.events.map((e) => e.position),
    'the follower saw every position once, in order',
  );
  assert.ok(observations.length > 0);
  for (const o of observations) assert.is(o.count, o.max, 'the visible positions are always 1..max');
  const byId = new Map<string, RecordedEvent>(page.events.map((e) => [e.id, e]));
  for (const r of results) {
    const stored = r.ids.map((id) => byId.get(id)!);
    assert.is(stored.at(-1)!.position, r.position, 'the result names the last event of the append');
    assert.is(stored.at(-1)!.revision, r.revision);
    for (let i = 1; i < stored.length; i++) {
      assert.is(stored[i]!.position, stored[i - 1]!.position + 1n, 'an append is contiguous');
      assert.is(stored[i]!.revision, stored[i - 1]!.revision + 1);
    }
  }
  for (const s of ['gap-0', 'gap-1', 'gap-2']) {
    const revisions = (await store.readStream(s)).map((e) => e.revision);
    assert.equal(
      revisions,
      revisions.map((_, i) => i),
      `${s}: revisions 0..n`,
    );
  }
  await store.close();
});

test('postgres: a bad event is refused with a clear error and nothing of that append is stored', async () => {
  const pool = newPool(2);
  const store = await createPostgresEventStore({ pool, schema: 'bad' });
  const stream = uniqueStream('bad');
  const count = async () =>
    Number((await pool.query<{ n: string }>('select count(*)::text as n from bad.events')).rows[0]!.n);
  const cases: [NewEvent[], RegExp][] = [
    [
      [ev('A', { ok: 1 }), { ...ev('A', {}), id: '' }],
      /event #1: id must be a non-empty string, got an empty string/,
    ],
    [
      [ev('A', { ok: 1 }), { ...ev('A', {}), data: undefined as never }],
      /data must be a JSON object, got undefined/,
    ],
  ];
  for (const [events, message] of cases) {
    const err = await store.append(stream, events).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(err, EventStoreError);
    assert.match((err as Error).message, message);
    assert.match((err as Error).message, new RegExp(stream), 'the message names the stream');
  }
  assert.is(await count(), 0, 'no row stored');
  await store.append(stream, [ev('A', { ok: 1 })]);
  assert.is(await count(), 1);
  await store.close();
});

test('postgres: an id stored in another stream, or a partial re-append, is refused', async () => {
  const pool = newPool(2);
  const store = await createPostgresEventStore({ pool, schema: 'ids' });
  const a = uniqueStream('ids-a');
  const b = uniqueStream('ids-b');
  const e1 = ev('A', {});
  const e2 = ev('A', {});
  const r = await store.append(a, [e1, e2]);
  const code = async (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: unknown) => (e instanceof EventStoreError ? e.code : String(e)),
    );
  assert.is(await code(store.append(b, [e1])), 'EVENT_STORE_ID_CONFLICT', 'same id, another stream');
  assert.is(await code(store.append(a, [e1, ev('A', {})])), 'EVENT_STORE_ID_CONFLICT', 'partial overlap');
  assert.is(await code(store.append(a, [e2, e1])), 'EVENT_STORE_ID_CONFLICT', 'another order');
  assert.equal(
    await store.append(a, [e2]),
    { position: r.position, revision: 1 },
    'a stored suffix is a no-op',
  );
  assert.equal(
    await store.append(a, [e1]),
    { position: r.position - 1n, revision: 0 },
    'a stored prefix too',
  );
  const err = await store.append(b, [e1]).catch((e: unknown) => e);
  assert.match((err as Error).message, new RegExp(`already stored in stream ${a}`));
  assert.is((await store.readAll()).events.length, 2, 'nothing else stored');
  assert.equal(await store.readStream(b), []);
  await store.close();
});

test('postgres: data is stored as the exact JSON text; empty appends check the revision only', async () => {
  const pool = newPool(2);
  const store = await createPostgresEventStore({ pool, schema: 'exact' });
  const data = {
    z: '115792089237316195423570985008687907853269984665640564039457584007913129639935',
    a: '0xff',
  };
  const r = await store.append('exact-1', [ev('A', data)]);
  const { rows } = await pool.query<{ t: string; ty: string }>(
    `select data::text as t, pg_typeof(data)::text as ty from exact.events`,
  );
  assert.is(rows[0]!.t, JSON.stringify(data));
  assert.is(rows[0]!.ty, 'json');
  assert.equal(await store.append('exact-1', [], 0), r, 'empty append at the right revision');
  assert.equal(await store.append('exact-2', [], 'no_stream'), { position: 0n, revision: -1 });
  const conflict = await store.append('exact-1', [], 'no_stream').catch((e: unknown) => e);
  assert.is((conflict as EventStoreError).code, 'EXPECTED_REVISION_CONFLICT');
  assert.is(await store.headPosition(), r.position);
  await store.close();
});

test('postgres: several stores set up the same schema at once', async () => {
  const pools4 = [newPool(2), newPool(2), newPool(2), newPool(2)];
  const stores = await Promise.all(
    pools4.map((pool) => createPostgresEventStore({ pool, schema: 'racing' })),
  );
  const results = await Promise.all(stores.map((s, i) => s.append(`race-${i}`, [ev('A', { i })])));
  assert.equal(results.map((r) => r.position).sort(), [1n, 2n, 3n, 4n]);
  await Promise.all(stores.map((s) => s.close()));
});

test('postgres: live delivery across stores comes through NOTIFY (the poll is 10 minutes)', async () => {
  const writer = await createPostgresEventStore({ pool: newPool(2), schema: 'notify' });
  const reader = await createPostgresEventStore({
    pool: newPool(2),
    schema: 'notify',
    pollIntervalMs: 600_000,
  });
  const messages: string[] = [];
  const sub = collect(reader.subscribeAll(), (ms) => {
    for (const m of ms.slice(messages.length)) messages.push(m.kind);
    return eventsOf(ms).length >= 3;
  });
  // wait until the subscription is live, then append from the other store
  let ended = false;
  void sub.finished.then(() => {
    ended = true;
  });
  while (!messages.includes('caughtUp') && !ended) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 3; i++) await writer.append('notify-1', [ev('A', { i })]);
  const { timedOut } = await sub.finished;
  assert.not.ok(timedOut, 'the notifications woke the subscription');
  assert.equal(
    eventsOf(sub.messages).map((e) => e.data['i']),
    [0, 1, 2],
  );
  await Promise.all([writer.close(), reader.close()]);
});

test("postgres: a live subscription takes its own store's appends without reading them back", async () => {
  const pool = newPool(3);
  const pages: string[] = [];
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const q = args[0] as { name?: string } | string;
    if (typeof q === 'object' && q.name?.startsWith('lev_es_page:')) pages.push(q.name);
    return query(...args);
  };
  const store = await createPostgresEventStore({ pool, schema: 'own', pollIntervalMs: 600_000 });
  await store.append('own-0', [ev('A', { i: 0 })]);
  const kinds: string[] = [];
  const sub = collect(store.subscribeAll({ filter: { types: ['A'] } }), (ms) => {
    for (const m of ms.slice(kinds.length)) kinds.push(m.kind);
    return eventsOf(ms).length >= 5;
  });
  while (!kinds.includes('caughtUp')) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 100)); // its re-check after `caughtUp`; then it waits for news
  const readsBefore = pages.length;
  await store.append('own-1', [ev('A', { i: 1 }), ev('B', { i: -1 })]);
  await store.appendMany([
    { streamId: 'own-2', events: [ev('A', { i: 2 })] },
    { streamId: 'own-3', events: [ev('B', { i: -2 }), ev('A', { i: 3 })] },
  ]);
  await store.append('own-1', [ev('A', { i: 4 })], 1);
  const { timedOut } = await sub.finished;
  assert.not.ok(timedOut);
  const got = eventsOf(sub.messages);
  assert.equal(
    got.map((e) => e.data['i']),
    [0, 1, 2, 3, 4],
    'in order, filtered as a read would be',
  );
  assert.equal(
    got.slice(1).map((e) => [e.streamId, e.revision, e.position]),
    [
      ['own-1', 0, 2n],
      ['own-2', 0, 4n],
      ['own-3', 1, 6n],
      ['own-1', 2, 7n],
    ],
  );
  assert.is(pages.length, readsBefore, 'no page was read for them');
  const [read] = await store.readAll({ fromPosition: 1n, limit: 1 }).then((p) => p.events);
  assert.equal(got[1], read, 'the same event a read gives');
  await store.close();
});

test("postgres: a live subscription fills the gaps between its store's appends from the log", async () => {
  const mine = await createPostgresEventStore({ pool: newPool(3), schema: 'gaps', pollIntervalMs: 600_000 });
  const other = await createPostgresEventStore({ pool: newPool(2), schema: 'gaps' });
  const kinds: string[] = [];
  const sub = collect(mine.subscribeAll(), (ms) => {
    for (const m of ms.slice(kinds.length)) kinds.push(m.kind);
    return eventsOf(ms).length >= 40;
  });
  while (!kinds.includes('caughtUp')) await new Promise((r) => setTimeout(r, 5));
  // Two writers, interleaved and concurrent: the subscription's own store knows only its own events.
  await Promise.all([
    (async () => {
      for (let i = 0; i < 20; i++) await mine.append(`gaps-m${i % 3}`, [ev('M', { i })]);
    })(),
    (async () => {
      for (let i = 0; i < 20; i++) await other.append(`gaps-o${i % 3}`, [ev('O', { i })]);
    })(),
  ]);
  const { timedOut } = await sub.finished;
  assert.not.ok(timedOut);
  const got = eventsOf(sub.messages);
  assert.equal(
    got.map((e) => e.position),
    Array.from({ length: 40 }, (_, i) => BigInt(i + 1)),
    'every position once, in order',
  );
  assert.equal(got, (await mine.readAll({ fromPosition: 0n, limit: 100 })).events);
  await Promise.all([mine.close(), other.close()]);
});

test("postgres: another store's event notified while the consumer was busy is read at once, not at the next poll", async () => {
  const mine = await createPostgresEventStore({ pool: newPool(3), schema: 'busy', pollIntervalMs: 600_000 });
  const other = await createPostgresEventStore({ pool: newPool(2), schema: 'busy' });
  const sub = mine.subscribeAll();
  const it = sub[Symbol.asyncIterator]();
  try {
    assert.is((await it.next()).value?.kind, 'caughtUp');
    const first = it.next();
    await mine.append('busy-m', [ev('M', {})]);
    assert.is((await first).value?.kind, 'events');
    // The consumer does not pull while its store appends position 2 and another store position 3.
    await mine.append('busy-m', [ev('M', {})]);
    await other.append('busy-o', [ev('O', {})]);
    await new Promise((r) => setTimeout(r, 200)); // position 3's notification reaches this store
    const second = (await it.next()).value;
    assert.equal(second?.kind === 'events' ? second.events.map((e: RecordedEvent) => e.position) : second, [
      2n,
    ]);
    const third = await Promise.race([
      it.next(),
      new Promise<'stalled'>((r) => setTimeout(() => r('stalled'), 5_000)),
    ]);
    assert.ok(third !== 'stalled', 'position 3 waited for the poll (10 minutes)');
    assert.equal(
      third.value?.kind === 'events' ? third.value.events.map((e: RecordedEvent) => e.position) : third.value,
      [3n],
    );
  } finally {
    await sub.close();
    await Promise.all([mine.close(), other.close()]);
  }
});

test('postgres: own events no longer kept are read from the log, none lost', async () => {
  const store = await createPostgresEventStore({
    pool: newPool(3),
    schema: 'evicted',
    pollIntervalMs: 600_000,
    ownEventsKept: 2,
  });
  const sub = store.subscribeAll();
  const it = sub[Symbol.asyncIterator]();
  assert.is((await it.next()).value?.kind, 'caughtUp');
  // The consumer does not pull while five events are appended: only the last two stay in memory.
  for (let i = 0; i < 5; i++) await store.append('evicted-1', [ev('A', { i })]);
  const got: unknown[] = [];
  while (got.length < 5) {
    const { value } = await it.next();
    if (value?.kind === 'events') got.push(...value.events.map((e: RecordedEvent) => e.data['i']));
  }
  assert.equal(got, [0, 1, 2, 3, 4]);
  await sub.close();
  await store.close();
});

test('postgres: subscriptions survive losing the LISTEN connection', async () => {
  const pool = newPool(3);
  const store = await createPostgresEventStore({ pool, schema: 'relisten', pollIntervalMs: 100 });
  const other = await createPostgresEventStore({ pool: newPool(2), schema: 'relisten' });
  let live = false;
  const sub = collect(store.subscribeAll(), (ms) => {
    live ||= ms.some((m) => m.kind === 'caughtUp');
    return eventsOf(ms).length >= 10;
  });
  let ended = false;
  void sub.finished.then(() => {
    ended = true;
  });
  while (!live && !ended) await new Promise((r) => setTimeout(r, 10));
  for (let i = 0; i < 10; i++) {
    if (i % 3 === 0) {
      await pool.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'relisten-listener'`,
      );
    }
    await other.append('relisten-1', [ev('A', { i })]);
  }
  const { timedOut } = await sub.finished;
  assert.not.ok(timedOut);
  assert.equal(
    eventsOf(sub.messages).map((e) => e.data['i']),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  await Promise.all([store.close(), other.close()]);
});

test('postgres: createEventStore builds the configured backend; bad options are refused', async () => {
  const pool = newPool(2);
  const store: EventStore = await createEventStore({ kind: 'postgres', pool }, { schema: 'factory' });
  assert.is(store.kind, 'postgres');
  assert.is((await store.append('f-1', [ev('A', {})])).position, 1n);
  await store.close();
  const err = await createPostgresEventStore({ pool, schema: 'Bad-Name' }).catch((e: unknown) => e);
  assert.instance(err, EventStoreError);
  assert.match((err as Error).message, /schema/);
});

test.run();
