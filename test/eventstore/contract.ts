/**
 * The event store contract (DESIGN §4): one suite both backends must pass. Every store `makeStore` opens must
 * see the same log (one database / one server), since some tests open several stores over it; tests keep to
 * their own stream ids, so the log may also hold other events.
 *
 * Postgres-only assertions (positions 1, 2, 3, … without gaps) are keyed on `store.kind`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createUpcasters,
  type EventStore,
  EventStoreError,
  ExpectedRevisionConflictError,
  type GlobalPosition,
  type JsonObject,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
  type SubscriptionMessage,
  type Upcasters,
} from '../../src/eventstore/index.ts';
import { bytesToHex } from '../../src/primitives/index.ts';

export type MakeStore = (opts?: {
  upcasters?: Upcasters;
}) => Promise<{ store: EventStore; cleanup(): Promise<void> }>;

/** How long a subscription test waits for its events before giving up (a hang guard, not a speed check). */
const WATCHDOG_MS = 60_000;
const AT = '2024-05-01T12:00:00.000Z';

export function ev(type: string, data: JsonObject, extra: Partial<NewEvent> = {}): NewEvent {
  return { id: randomUUID(), type, data, metadata: { at: AT, actor: 'contract-test' }, ...extra };
}

export function uniqueStream(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Runs `fn` with a store; always cleans up. */
async function withStore<T>(
  makeStore: MakeStore,
  fn: (store: EventStore) => Promise<T>,
  opts?: { upcasters?: Upcasters },
): Promise<T> {
  const { store, cleanup } = await makeStore(opts);
  try {
    return await fn(store);
  } finally {
    await store.close();
    await cleanup();
  }
}

async function rejects(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.unreachable('expected a rejection');
  throw new Error('unreachable');
}

/**
 * Iterates `sub` in the background until `done(messages)` holds (then closes it) or the watchdog fires. Resolves
 * with every message received.
 */
export function collect(
  sub: Subscription,
  done: (messages: SubscriptionMessage[]) => boolean,
): { messages: SubscriptionMessage[]; finished: Promise<{ timedOut: boolean }> } {
  const messages: SubscriptionMessage[] = [];
  let timedOut = false;
  const watchdog = setTimeout(() => {
    timedOut = true;
    void sub.close();
  }, WATCHDOG_MS);
  const finished = (async () => {
    try {
      for await (const m of sub) {
        messages.push(m);
        if (done(messages)) break;
      }
    } finally {
      clearTimeout(watchdog);
      await sub.close();
    }
    return { timedOut };
  })();
  return { messages, finished };
}

export const eventsOf = (messages: SubscriptionMessage[]): RecordedEvent[] =>
  messages.flatMap((m) => (m.kind === 'events' ? m.events : []));

/** Registers the contract tests for one backend on uvu's default suite. */
export function eventStoreContract(name: string, makeStore: MakeStore): void {
  const t = (title: string, fn: () => Promise<void>) => test(`${name}: ${title}`, fn);

  t('append returns the last position and revision; readStream reads the events back', () =>
    withStore(makeStore, async (store) => {
      const stream = uniqueStream('c-basic');
      const events = [
        ev('ThingHappened', { n: 1 }),
        ev('ThingHappened', { n: 2 }),
        ev('OtherHappened', { n: 3 }),
      ];
      const before = await store.headPosition();
      const r = await store.append(stream, events, 'no_stream');
      assert.is(r.revision, 2);
      assert.ok(r.position > before, 'the position grows');
      assert.is(await store.headPosition(), r.position, 'the head is the last appended event');
      const read = await store.readStream(stream);
      assert.equal(
        read.map((e) => [e.id, e.type, e.revision, e.streamId, e.version]),
        events.map((e, i) => [e.id, e.type, i, stream, 1]),
      );
      assert.equal(
        read.map((e) => e.data),
        events.map((e) => e.data),
      );
      assert.equal(read[0]!.metadata, { at: AT, actor: 'contract-test' });
      assert.is(read[2]!.position, r.position, 'the result names the last event');
      assert.ok(read[0]!.position < read[1]!.position && read[1]!.position < read[2]!.position);
      if (store.kind === 'postgres')
        assert.is(read[2]!.position - read[0]!.position, 2n, 'one append, gap-free');

      const r2 = await store.append(
        stream,
        [
          ev(
            'ThingHappened',
            { n: 4 },
            { metadata: { at: AT, actor: 'x', causationId: 'c1', correlationId: 'k1' } },
          ),
        ],
        2,
      );
      assert.is(r2.revision, 3);
      const [last] = await store.readStream(stream, { direction: 'backwards', limit: 1 });
      assert.equal(last!.metadata, { at: AT, actor: 'x', causationId: 'c1', correlationId: 'k1' });
    }),
  );

  t('appendMany appends to several streams in order, each with its own revision check and idempotency', () =>
    withStore(makeStore, async (store) => {
      const a = uniqueStream('c-many-a');
      const b = uniqueStream('c-many-b');
      await store.append(a, [ev('A', { n: 0 })], 'no_stream');
      const batch = [
        { streamId: a, events: [ev('A', { n: 1 }), ev('A', { n: 2 })], expectedRevision: 0 },
        { streamId: b, events: [ev('B', { n: 1 })], expectedRevision: 'no_stream' as const },
        { streamId: a, events: [ev('A', { n: 3 })] },
      ];
      const results = await store.appendMany(batch);
      assert.equal(
        results.map((r) => r.revision),
        [2, 0, 3],
      );
      assert.ok(results[0]!.position < results[1]!.position && results[1]!.position < results[2]!.position);
      if (store.kind === 'postgres')
        assert.is(results[2]!.position - results[0]!.position, 2n, 'one transaction, contiguous positions');
      assert.equal(
        (await store.readStream(a)).map((e) => e.data['n']),
        [0, 1, 2, 3],
      );
      assert.equal(
        (await store.readStream(b)).map((e) => e.data['n']),
        [1],
      );
      // re-sending the same call is a no-op with the same results
      assert.equal(await store.appendMany(batch), results);
      assert.equal(await store.appendMany([]), []);
    }),
  );

  t(
    "appendMany over distinct streams (a node's every call): revisions, contiguous positions, an empty append",
    () =>
      withStore(makeStore, async (store) => {
        const a = uniqueStream('c-many-d-a');
        const b = uniqueStream('c-many-d-b');
        const c = uniqueStream('c-many-d-c');
        const d = uniqueStream('c-many-d-d');
        await store.append(a, [ev('A', { n: 0 }), ev('A', { n: 1 })], 'no_stream');
        const dLast = await store.append(d, [ev('D', { n: 0 })], 'no_stream');
        const head = await store.headPosition();
        const batch = [
          { streamId: a, events: [ev('A', { n: 2 }), ev('A', { n: 3 })], expectedRevision: 1 },
          { streamId: b, events: [ev('B', { n: 0 })], expectedRevision: 'no_stream' as const },
          { streamId: d, events: [], expectedRevision: 'stream_exists' as const },
          { streamId: c, events: [ev('C', { n: 0 }), ev('C', { n: 1 }), ev('C', { n: 2 })] },
        ];
        const results = await store.appendMany(batch);
        assert.equal(
          results.map((r) => r.revision),
          [3, 0, 0, 2],
        );
        assert.equal(results[2], dLast, "an empty append answers the stream's last event");
        if (store.kind === 'postgres') {
          assert.equal(
            results.map((r) => r.position),
            [head + 2n, head + 3n, dLast.position, head + 6n],
            'one gap-free run of positions in call order',
          );
          assert.is(await store.headPosition(), head + 6n);
        }
        assert.equal(
          (await store.readStream(a)).map((e) => [e.revision, e.data['n']]),
          [
            [0, 0],
            [1, 1],
            [2, 2],
            [3, 3],
          ],
        );
        assert.equal(
          (await store.readStream(c)).map((e) => [e.revision, e.data['n']]),
          [
            [0, 0],
            [1, 1],
            [2, 2],
          ],
        );
        // re-sent, it is a no-op answering the same (its ids are stored now)
        assert.equal(await store.appendMany(batch), results);
        if (store.kind === 'postgres') assert.is(await store.headPosition(), head + 6n);
      }),
  );

  t(
    'appendMany: a conflict in a later stream throws the typed error; on Postgres nothing of the call is stored',
    () =>
      withStore(makeStore, async (store) => {
        const a = uniqueStream('c-many-atomic-a');
        const b = uniqueStream('c-many-atomic-b');
        await store.append(b, [ev('B', {})], 'no_stream');
        const head = await store.headPosition();
        const err = await rejects(
          store.appendMany([
            { streamId: a, events: [ev('A', {})], expectedRevision: 'no_stream' },
            { streamId: b, events: [ev('B', {})], expectedRevision: 'no_stream' },
          ]),
        );
        assert.instance(err, ExpectedRevisionConflictError);
        assert.is((err as ExpectedRevisionConflictError).streamId, b);
        assert.is((err as ExpectedRevisionConflictError).expected, 'no_stream');
        assert.is((err as ExpectedRevisionConflictError).actual, 0, 'the revision the store has');
        assert.is((await store.readStream(b)).length, 1, 'the conflicting stream is unchanged');
        if (store.kind === 'postgres') {
          assert.equal(await store.readStream(a), [], 'the earlier append of the call was rolled back');
          assert.is(await store.headPosition(), head);
          // and the store goes on: positions stay gap-free after a rolled-back call
          const r = await store.append(a, [ev('A', {})], 'no_stream');
          assert.is(r.position, head + 1n);
        }
      }),
  );

  t(
    'appendMany: an event id stored in another stream throws the id conflict; nothing of the call is stored',
    () =>
      withStore(makeStore, async (store) => {
        const a = uniqueStream('c-many-id-a');
        const b = uniqueStream('c-many-id-b');
        const c = uniqueStream('c-many-id-c');
        const taken = ev('B', {});
        await store.append(b, [taken], 'no_stream');
        const err = await rejects(
          store.appendMany([
            { streamId: a, events: [ev('A', {})] },
            { streamId: c, events: [{ ...taken }] },
          ]),
        );
        assert.instance(err, EventStoreError);
        assert.match((err as Error).message, taken.id);
        if (store.kind === 'postgres') {
          assert.match((err as Error).message, `already stored in stream ${b}`);
          assert.equal(await store.readStream(a), [], 'the earlier append of the call was rolled back');
        }
        assert.equal(await store.readStream(c), []);
      }),
  );

  t('appendMany: one event id twice in the call throws the id conflict; nothing of the call is stored', () =>
    withStore(makeStore, async (store) => {
      const a = uniqueStream('c-many-twice-a');
      const b = uniqueStream('c-many-twice-b');
      const twice = ev('A', {});
      const head = await store.headPosition();
      const err = await rejects(
        store.appendMany([
          { streamId: a, events: [twice] },
          { streamId: b, events: [ev('B', {}), { ...twice }] },
        ]),
      );
      assert.instance(err, EventStoreError);
      assert.match((err as Error).message, twice.id);
      assert.equal(await store.readStream(a), []);
      assert.equal(await store.readStream(b), []);
      if (store.kind === 'postgres') assert.is(await store.headPosition(), head);
    }),
  );

  t('appendMany refuses invalid input before writing anything', () =>
    withStore(makeStore, async (store) => {
      const a = uniqueStream('c-many-invalid');
      const err = await rejects(
        store.appendMany([
          { streamId: a, events: [ev('A', {})] },
          { streamId: '', events: [ev('A', {})] },
        ]),
      );
      assert.instance(err, EventStoreError);
      assert.equal(await store.readStream(a), []);
    }),
  );

  t('every kind of expected revision is checked, with a typed conflict error and nothing stored', () =>
    withStore(makeStore, async (store) => {
      const stream = uniqueStream('c-conflict');
      const missing = uniqueStream('c-missing');
      const conflict = async (p: Promise<unknown>, expected: unknown, actual: unknown) => {
        const err = await rejects(p);
        assert.instance(err, ExpectedRevisionConflictError);
        const e = err as ExpectedRevisionConflictError;
        assert.is(e.code, 'EXPECTED_REVISION_CONFLICT');
        assert.is(e.severity, 'temporary');
        assert.is(e.expected, expected);
        assert.is(e.actual, actual);
        return e;
      };
      // no_stream: ok on a new stream, refused on an existing one
      assert.is((await store.append(stream, [ev('A', {})], 'no_stream')).revision, 0);
      const e1 = await conflict(store.append(stream, [ev('A', {})], 'no_stream'), 'no_stream', 0);
      assert.is(e1.streamId, stream);
      // stream_exists: refused on a missing stream, ok on an existing one
      await conflict(store.append(missing, [ev('A', {})], 'stream_exists'), 'stream_exists', 'no_stream');
      assert.is((await store.append(stream, [ev('A', {})], 'stream_exists')).revision, 1);
      // a revision: refused when stale or ahead, and on a missing stream; ok when it is the last revision
      await conflict(store.append(stream, [ev('A', {})], 0), 0, 1);
      await conflict(store.append(stream, [ev('A', {})], 5), 5, 1);
      await conflict(store.append(missing, [ev('A', {})], 0), 0, 'no_stream');
      assert.is((await store.append(stream, [ev('A', {}), ev('A', {})], 1)).revision, 3);
      // any: always accepted
      assert.is((await store.append(stream, [ev('A', {})], 'any')).revision, 4);
      assert.is((await store.append(stream, [ev('A', {})])).revision, 5, "the default is 'any'");
      assert.is((await store.readStream(stream)).length, 6, 'refused appends stored nothing');
      assert.equal(await store.readStream(missing), []);
    }),
  );

  t('concurrent appends at the same expected revision: exactly one wins, the others conflict', () =>
    withStore(makeStore, async (store) => {
      const stream = uniqueStream('c-race');
      await store.append(stream, [ev('A', {})], 'no_stream');
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => store.append(stream, [ev('B', { i }), ev('B', { i, j: 1 })], 0)),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      assert.is(won.length, 1, 'one append wins');
      for (const o of lost) {
        assert.instance(o.reason, ExpectedRevisionConflictError);
        assert.is((o.reason as ExpectedRevisionConflictError).actual, 2);
      }
      const read = await store.readStream(stream);
      assert.is(read.length, 3, 'only the winner is stored');
      assert.is(read[1]!.data['i'], read[2]!.data['i']);
    }),
  );

  t('re-appending the same event ids is a no-op returning the original result', () =>
    withStore(makeStore, async (store) => {
      const stream = uniqueStream('c-idem');
      const events = [ev('A', { i: 1 }), ev('A', { i: 2 })];
      const first = await store.append(stream, events, 'no_stream');
      const head = await store.headPosition();
      assert.equal(await store.append(stream, events, 'no_stream'), first, 'same expected revision');
      assert.equal(await store.append(stream, events, 'any'), first, 'any');
      const more = await store.append(stream, [ev('A', { i: 3 })], 1);
      assert.equal(await store.append(stream, events, 'no_stream'), first, 'after further appends');
      assert.is((await store.readStream(stream)).length, 3);
      assert.is(await store.headPosition(), more.position);
      assert.ok(more.position > head);
    }),
  );

  t('readStream reads forwards and backwards, from a revision, with a limit', () =>
    withStore(makeStore, async (store) => {
      const stream = uniqueStream('c-read');
      await store.append(
        stream,
        [0, 1, 2, 3, 4].map((i) => ev('A', { i })),
        'no_stream',
      );
      const revs = (events: RecordedEvent[]) => events.map((e) => e.revision);
      assert.equal(revs(await store.readStream(stream)), [0, 1, 2, 3, 4]);
      assert.equal(revs(await store.readStream(stream, { from: 2 })), [2, 3, 4]);
      assert.equal(revs(await store.readStream(stream, { limit: 2 })), [0, 1]);
      assert.equal(revs(await store.readStream(stream, { from: 1, limit: 3 })), [1, 2, 3]);
      assert.equal(revs(await store.readStream(stream, { direction: 'backwards' })), [4, 3, 2, 1, 0]);
      assert.equal(
        revs(await store.readStream(stream, { direction: 'backwards', from: 3, limit: 2 })),
        [3, 2],
      );
      assert.equal(revs(await store.readStream(stream, { direction: 'backwards', limit: 1 })), [4]);
      assert.equal(revs(await store.readStream(stream, { from: 9 })), []);
      // Starts past any revision a store holds: nothing forwards, the whole stream backwards.
      assert.equal(revs(await store.readStream(stream, { from: 2 ** 31 })), []);
      assert.equal(
        revs(await store.readStream(stream, { from: 2 ** 40, direction: 'backwards' })),
        [4, 3, 2, 1, 0],
      );
      assert.equal(revs(await store.readStream(stream, { limit: 0 })), []);
      assert.equal(await store.readStream(uniqueStream('c-none')), []);
      assert.equal(
        (await store.readStream(stream, { from: 3 })).map((e) => e.data),
        [{ i: 3 }, { i: 4 }],
      );
    }),
  );

  t('readAll pages through the log in position order', () =>
    withStore(makeStore, async (store) => {
      const prefix = uniqueStream('c-all');
      const start = await store.headPosition();
      const ids: string[] = [];
      for (let s = 0; s < 3; s++) {
        const events = [0, 1, 2].map((i) => ev('A', { s, i }));
        ids.push(...events.map((e) => e.id));
        await store.append(`${prefix}-${s}`, events, 'no_stream');
      }
      const seen: RecordedEvent[] = [];
      let position = start;
      let pages = 0;
      for (;;) {
        const page = await store.readAll({ fromPosition: position, limit: 2 });
        pages++;
        assert.ok(page.events.length <= 2);
        for (const e of page.events) assert.ok(e.position > position, 'strictly after fromPosition');
        if (page.events.length === 2) assert.is(page.position, page.events[1]!.position);
        assert.ok(page.position >= position);
        seen.push(...page.events);
        position = page.position;
        if (page.isEnd) break;
        assert.ok(pages < 1000, 'paging ends');
      }
      const ours = seen.filter((e) => e.streamId.startsWith(prefix));
      assert.equal(
        ours.map((e) => e.id),
        ids,
      );
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.position > seen[i - 1]!.position);
      if (store.kind === 'postgres') {
        assert.equal(
          seen.map((e) => e.position),
          ids.map((_, i) => start + BigInt(i + 1)),
          'positions are 1, 2, 3, … after the start',
        );
      }
      const end = await store.readAll({ fromPosition: position });
      assert.equal(end.events, []);
      assert.ok(end.isEnd);
      assert.is(end.position, position);
      const everything = await store.readAll({ limit: 100_000 });
      assert.ok(everything.events.some((e) => e.id === ids[0]));
    }),
  );

  t('readAll filters by stream prefix and by type; position is the last scanned', () =>
    withStore(makeStore, async (store) => {
      const prefix = uniqueStream('c-filter');
      const start = await store.headPosition();
      await store.append(`${prefix}-a-1`, [ev('X', { k: 1 }), ev('Y', { k: 2 })]);
      await store.append(`${prefix}-b-1`, [ev('X', { k: 3 }), ev('Y', { k: 4 })]);
      await store.append(`${prefix}-a-2`, [ev('Z', { k: 5 })]);
      const head = await store.headPosition();
      const keys = (events: RecordedEvent[]) => events.map((e) => e.data['k']);

      const byPrefix = await store.readAll({
        fromPosition: start,
        filter: { streamPrefixes: [`${prefix}-a-`] },
      });
      assert.equal(keys(byPrefix.events), [1, 2, 5]);
      assert.ok(byPrefix.isEnd);
      assert.is(byPrefix.position, head, 'scanned to the head');

      const twoPrefixes = await store.readAll({
        fromPosition: start,
        filter: { streamPrefixes: [`${prefix}-b-`, `${prefix}-a-2`] },
      });
      assert.equal(keys(twoPrefixes.events), [3, 4, 5]);

      const byType = await store.readAll({ fromPosition: start, filter: { types: ['Y', 'Z'] } });
      assert.equal(keys(byType.events.filter((e) => e.streamId.startsWith(prefix))), [2, 4, 5]);

      const both = await store.readAll({
        fromPosition: start,
        filter: { streamPrefixes: [`${prefix}-a-`], types: ['X'] },
      });
      assert.equal(keys(both.events), [1]);

      const small = await store.readAll({ fromPosition: start, limit: 1, filter: { types: ['Z'] } });
      assert.ok(small.events.length <= 1);
      assert.ok(small.position > start, 'a page of filtered-out events still advances');

      const after = await store.readAll({
        fromPosition: byPrefix.position,
        filter: { streamPrefixes: [prefix] },
      });
      assert.equal(after.events, []);
      assert.equal(
        (await store.readAll({ fromPosition: start, filter: { streamPrefixes: [] } })).events,
        [],
        'an empty prefix list matches nothing',
      );
      if (store.kind === 'postgres') {
        const underscore = await store.readAll({
          fromPosition: start,
          filter: { streamPrefixes: ['c_filter'] },
        });
        assert.equal(underscore.events, [], 'prefixes are literal, not LIKE patterns');
      }
    }),
  );

  t('subscribeAll catches up, then follows 4 concurrent writers live: no gap, duplicate or reorder', () =>
    withStore(makeStore, async (store) => {
      const prefix = uniqueStream('c-sub');
      const start = await store.headPosition();
      const expected = new Set<string>();
      // Catch-up part: already in the log when the subscription starts.
      for (let i = 0; i < 40; i++) {
        const events = [ev('Before', { i }), ev('Before', { i, j: 1 })];
        for (const e of events) expected.add(e.id);
        await store.append(`${prefix}-pre-${i % 3}`, events);
      }
      const sub = store.subscribeAll({ fromPosition: start, maxBatchSize: 7 });
      const total = 40 * 2 + 4 * 15 * 2 + 4 * 10 * 2;
      const ours = (ms: SubscriptionMessage[]) => eventsOf(ms).filter((e) => e.streamId.startsWith(prefix));
      const isCaughtUp = (ms: SubscriptionMessage[]) => ms.some((m) => m.kind === 'caughtUp');
      const { messages, finished } = collect(sub, (ms) => isCaughtUp(ms) && ours(ms).length >= total);
      let ended = false;
      void finished.then(() => {
        ended = true;
      });
      const liveIds = new Set<string>();
      // 4 writers, each `n` appends of 2 events to its own streams.
      const writers = (tag: string, n: number) =>
        Promise.all(
          Array.from({ length: 4 }, async (_, w) => {
            for (let i = 0; i < n; i++) {
              const events = [ev(tag, { w, i }), ev(tag, { w, i, j: 1 })];
              for (const e of events) {
                expected.add(e.id);
                if (tag === 'Live') liveIds.add(e.id);
              }
              await store.append(`${prefix}-w${w}-${i % 2}`, events);
            }
          }),
        );
      // While the subscription catches up, then (once it has caught up) live.
      await writers('During', 15);
      while (!isCaughtUp(messages) && !ended) await new Promise((r) => setTimeout(r, 5));
      await writers('Live', 10);
      const { timedOut } = await finished;
      assert.not.ok(timedOut, 'all events arrived');

      const delivered = ours(messages);
      assert.is(delivered.length, total);
      assert.is(new Set(delivered.map((e) => e.id)).size, total, 'no duplicate');
      for (const e of delivered) assert.ok(expected.has(e.id), 'only appended events');
      const all = eventsOf(messages);
      for (let i = 1; i < all.length; i++) assert.ok(all[i]!.position > all[i - 1]!.position, 'in log order');
      if (store.kind === 'postgres') {
        assert.equal(
          all.map((e) => e.position),
          all.map((_, i) => start + BigInt(i + 1)),
          'contiguous positions from the start',
        );
      }
      for (const m of messages) {
        if (m.kind === 'events') {
          assert.ok(m.events.length >= 1 && m.events.length <= 7, 'batches respect maxBatchSize');
          assert.ok(m.position >= m.events.at(-1)!.position);
        }
      }
      const caughtUp = messages.filter((m) => m.kind === 'caughtUp');
      assert.is(caughtUp.length, 1, 'caughtUp once');
      const cu = messages.findIndex((m) => m.kind === 'caughtUp');
      const beforeCu = eventsOf(messages.slice(0, cu));
      assert.ok(beforeCu.length >= 80, 'the catch-up part comes before caughtUp');
      const afterCu = eventsOf(messages.slice(cu + 1)).filter((e) => liveIds.has(e.id));
      assert.is(afterCu.length, liveIds.size, 'events appended after caughtUp arrive live');
      // per-stream revisions come in order too
      const lastRevision = new Map<string, number>();
      for (const e of delivered) {
        assert.is(
          e.revision,
          (lastRevision.get(e.streamId) ?? -1) + 1,
          `revisions of ${e.streamId} in order`,
        );
        lastRevision.set(e.streamId, e.revision);
      }
    }),
  );

  t('subscribeAll filters by stream prefix and by type', () =>
    withStore(makeStore, async (store) => {
      const prefix = uniqueStream('c-subf');
      const start = await store.headPosition();
      await store.append(`${prefix}-a-0`, [ev('X', { k: 1 }), ev('Y', { k: 2 })]);
      await store.append(`${prefix}-b-0`, [ev('X', { k: 3 }), ev('Y', { k: 4 })]);
      const byPrefix = collect(
        store.subscribeAll({ fromPosition: start, filter: { streamPrefixes: [`${prefix}-a-`] } }),
        (ms) => eventsOf(ms).some((e) => e.data['k'] === 99) && ms.some((m) => m.kind === 'caughtUp'),
      );
      const byType = collect(
        store.subscribeAll({ fromPosition: start, filter: { types: ['Y', 'End'] } }),
        (ms) => eventsOf(ms).some((e) => e.data['k'] === 99),
      );
      await store.append(`${prefix}-b-1`, [ev('X', { k: 5 }), ev('Y', { k: 6 })]);
      await store.append(`${prefix}-a-1`, [ev('X', { k: 7 }), ev('Y', { k: 8 })]);
      await store.append(`${prefix}-a-2`, [ev('End', { k: 99 })]);
      const [p, t2] = await Promise.all([byPrefix.finished, byType.finished]);
      assert.not.ok(p.timedOut || t2.timedOut, 'the last event arrived');
      const keys = (ms: SubscriptionMessage[]) =>
        eventsOf(ms)
          .filter((e) => e.streamId.startsWith(prefix))
          .map((e) => e.data['k']);
      assert.equal(keys(byPrefix.messages), [1, 2, 7, 8, 99]);
      assert.equal(keys(byType.messages), [2, 4, 6, 8, 99]);
      assert.ok(byPrefix.messages.some((m) => m.kind === 'caughtUp'));
    }),
  );

  t('bigints, binary, key order and unicode round-trip exactly', () =>
    withStore(makeStore, async (store) => {
      const stream = uniqueStream('c-exact');
      const data: JsonObject = {
        uint256Max: ((1n << 256n) - 1n).toString(),
        negative: (-(1n << 200n)).toString(),
        wei: '10000000000000000000000',
        bytes: bytesToHex(new Uint8Array(randomBytes(2048))),
        empty: '0x',
        zeros: '0x0000000000000000000000000000000000000000',
        floats: [0.1, 1e21, 5e-324, 1.7976931348623157e308, -0.5, 123456789.123456],
        ints: [0, 1, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
        order: { zeta: 1, alpha: 2, mid: { b: 1, a: 2 }, '2': 'two', '10': 'ten' },
        unicode: 'héllo wörld ✓ 🚀 中文 עברית \u0000 \u2028\u2029 \ud800 "quoted" \\back\\ \n\t',
        'key with spaces "and quotes"': null,
        nested: [[[]], {}, [{ x: [true, false, null] }]],
      };
      const appended = ev('Exact', data);
      const r = await store.append(stream, [appended]);
      const expectedText = JSON.stringify(data);
      const check = (e: RecordedEvent | undefined, where: string) => {
        assert.ok(e, where);
        assert.equal(e.data, data, where);
        assert.is(JSON.stringify(e.data), expectedText, `${where}: same text, same key order`);
      };
      check((await store.readStream(stream))[0], 'readStream');
      check(
        (await store.readAll({ fromPosition: r.position - 1n, limit: 1 })).events.find(
          (e) => e.id === appended.id,
        ),
        'readAll',
      );
      const sub = collect(store.subscribeAll({ fromPosition: r.position - 1n }), (ms) =>
        eventsOf(ms).some((e) => e.id === appended.id),
      );
      await sub.finished;
      check(
        eventsOf(sub.messages).find((e) => e.id === appended.id),
        'subscribeAll',
      );
    }),
  );

  t('schema versions are stamped on append and upcast along the path on read', async () => {
    const upcasters3 = createUpcasters({
      ThingHappened: {
        currentVersion: 3,
        upcast: {
          1: (d) => ({ ...d, b: 'added in v2' }),
          2: (d) => ({ total: Number(d['a']) * 10, b: d['b'] ?? null }),
        },
      },
    });
    const upcasters2 = createUpcasters({
      ThingHappened: { currentVersion: 2, upcast: { 1: (d) => ({ ...d, b: 'added in v2' }) } },
    });
    const stream = uniqueStream('c-version');
    await withStore(makeStore, async (plain) => {
      await plain.append(stream, [ev('ThingHappened', { a: 1 })]);
      await plain.append(stream, [ev('ThingHappened', { a: 2, b: 'kept' }, { version: 2 })]);
      await plain.append(stream, [ev('OtherHappened', { z: 1 })]);
      const raw = await plain.readStream(stream);
      assert.equal(
        raw.map((e) => e.version),
        [1, 2, 1],
        'version 1 by default, as given otherwise',
      );
    });
    let position: GlobalPosition = 0n;
    await withStore(
      makeStore,
      async (v3) => {
        const read = await v3.readStream(stream);
        assert.equal(
          read.map((e) => [e.version, e.data]),
          [
            [3, { total: 10, b: 'added in v2' }],
            [3, { total: 20, b: 'kept' }],
            [1, { z: 1 }],
          ],
        );
        const r = await v3.append(stream, [ev('ThingHappened', { total: 30, b: 'new' })]);
        position = r.position;
        const [latest] = await v3.readStream(stream, { direction: 'backwards', limit: 1 });
        assert.is(latest!.version, 3, 'appends stamp the current version');
        const err = await rejects(v3.append(stream, [ev('ThingHappened', { a: 1 }, { version: 4 })]));
        assert.instance(err, EventStoreError);
        assert.match((err as Error).message, /version 4/);
        const page = await v3.readAll({ fromPosition: position - 1n, limit: 1 });
        assert.is(page.events[0]?.version, 3);
      },
      { upcasters: upcasters3 },
    );
    await withStore(
      makeStore,
      async (v2) => {
        const err = await rejects(v2.readStream(stream));
        assert.instance(err, EventStoreError);
        assert.is((err as EventStoreError).code, 'EVENT_STORE_UNKNOWN_VERSION');
        assert.match((err as Error).message, /ThingHappened/);
        assert.match((err as Error).message, /version 3/);
        const first = await v2.readStream(stream, { limit: 2 });
        assert.equal(
          first.map((e) => [e.version, e.data]),
          [
            [2, { a: 1, b: 'added in v2' }],
            [2, { a: 2, b: 'kept' }],
          ],
        );
      },
      { upcasters: upcasters2 },
    );
    assert.throws(
      () => createUpcasters({ T: { currentVersion: 3, upcast: { 1: (d) => d } } }),
      /from version 2 to 3/,
    );
  });

  t('bad events are refused with a clear error, and nothing of the append is stored', () =>
    withStore(makeStore, async (store) => {
      const stream = uniqueStream('c-bad');
      const ok = ev('A', { fine: true });
      const refused = async (events: NewEvent[], pattern: RegExp) => {
        const err = await rejects(store.append(stream, events));
        assert.instance(err, EventStoreError);
        assert.is((err as EventStoreError).code, 'EVENT_STORE_INVALID_INPUT');
        assert.match((err as Error).message, pattern);
      };
      await refused([ok, { ...ev('A', {}), id: '' }], /event #1: id must be a non-empty string/);
      await refused(
        [ok, { ...ev('A', {}), data: undefined as unknown as JsonObject }],
        /event #1.*data must be/,
      );
      await refused([ok, ev('A', { n: 1n as unknown as string })], /data\.n is a bigint/);
      await refused([ok, ev('A', { b: new Uint8Array(2) as unknown as string })], /data\.b is binary/);
      await refused(
        [ok, ev('A', { deep: [{ u: undefined as unknown as string }] })],
        /data\.deep\[0\]\.u is undefined/,
      );
      // Nested deeper than the check's fast walk goes: still checked to the bottom, a cycle named where it closes.
      const deep = (tail: unknown): JsonObject => {
        let v: JsonObject = { tail: tail as string };
        for (let i = 0; i < 70; i++) v = { v };
        return v;
      };
      await refused([ok, ev('A', deep(1n))], /data(\.v){70}\.tail is a bigint/);
      const cycle = deep(null);
      let bottom = cycle;
      for (let i = 0; i < 70; i++) bottom = bottom['v'] as JsonObject;
      bottom['tail'] = cycle;
      await refused([ok, ev('A', cycle)], /data(\.v){70}\.tail refers back to itself/);
      await refused([ok, ev('', {})], /type must be a non-empty string/);
      await refused([ok, { ...ok }], /appears twice/);
      await refused(
        [ok, { ...ev('A', {}), metadata: { actor: 'x' } as unknown as NewEvent['metadata'] }],
        /metadata\.at/,
      );
      const err = await rejects(store.append('', [ok]));
      assert.match((err as Error).message, /stream id/);
      assert.equal(await store.readStream(stream), [], 'nothing stored');
      await store.append(stream, [ev('A', deep('end'))]);
      assert.equal((await store.readStream(stream))[0]?.data, deep('end'), 'deep JSON is stored as it was');
    }),
  );

  t('close waits for in-flight appends, ends subscriptions, refuses new appends', async () => {
    const stream = uniqueStream('c-close');
    const { store, cleanup } = await makeStore();
    try {
      const start = await store.headPosition();
      const sub = collect(store.subscribeAll({ fromPosition: start }), () => false);
      const controller = new AbortController();
      const aborted = collect(
        store.subscribeAll({ fromPosition: start, signal: controller.signal }),
        () => false,
      );
      const pending = Array.from({ length: 10 }, (_, i) => store.append(stream, [ev('A', { i })]));
      controller.abort();
      assert.not.ok((await aborted.finished).timedOut, 'an aborted subscription ends');
      await store.close();
      const settled = await Promise.allSettled(pending);
      assert.ok(
        settled.every((s) => s.status === 'fulfilled'),
        'every append started before close() completed',
      );
      assert.not.ok((await sub.finished).timedOut, 'close() ended the subscription');
      const err = await rejects(store.append(stream, [ev('A', {})]));
      assert.instance(err, EventStoreError);
      assert.is((err as EventStoreError).code, 'EVENT_STORE_CLOSED');
    } finally {
      await store.close();
      await cleanup();
    }
    await withStore(makeStore, async (store2) => {
      assert.is((await store2.readStream(stream)).length, 10, 'the appends are stored');
      const sub = store2.subscribeAll();
      const iterated = (async () => {
        for await (const _ of sub) {
          /* drain until closed */
        }
      })();
      await sub.close();
      await iterated;
    });
  });
}
