/**
 * The Postgres event store (DESIGN §4), the default backend.
 *
 * Invariants:
 * - the global position is 1, 2, 3, … gap-free IN COMMIT ORDER: every append runs as one statement (a plpgsql
 *   function, one round trip) that takes a transaction-scoped advisory lock, checks idempotency and the expected
 *   revision, allocates positions after the current head and inserts; the lock is held until the commit is
 *   visible, so a reader that sees position N sees every position below N;
 * - appends are idempotent by event id: re-appending ids already stored, in the same stream and order, is a
 *   no-op returning the original position and revision; an id stored in another stream, or an append of which
 *   only some ids are stored, is refused;
 * - `data` and `metadata` are stored as `json` (the exact text of `JSON.stringify`), so they read back exactly:
 *   key order, decimal strings of huge bigints, 0x-hex, unicode;
 * - subscriptions catch up by paging, then follow live through LISTEN/NOTIFY on one dedicated connection (the
 *   NOTIFY is sent inside the append's transaction), with a slow poll as a safety net; since positions are
 *   gap-free in commit order, reading `position > last` never skips, duplicates or reorders. A read that fails
 *   (server restart, lost connection) ends the iteration with an `EVENT_STORE_BACKEND` error (temporary):
 *   subscribe again from the last position handled;
 * - `close()` refuses new appends, waits for in-flight ones, then ends subscriptions and the listener. The pool
 *   belongs to the caller and is not ended.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { PgPool } from '../db/index.ts';
import { backendError, EventStoreError, ExpectedRevisionConflictError } from './errors.ts';
import type {
  AppendResult,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  GlobalPosition,
  JsonObject,
  NewEvent,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
  Subscription,
  SubscriptionMessage,
} from './types.ts';
import { createUpcasters, type Upcasters } from './upcast.ts';
import {
  type CheckedFilter,
  checkFilter,
  checkPosition,
  checkReadAllOptions,
  checkReadStreamOptions,
  type PreparedEvent,
  prepareAppend,
} from './validate.ts';

export type PostgresEventStoreOptions = {
  /** A pool on the database to use; it stays the caller's (not ended by `close()`). */
  pool: PgPool;
  /** Schema holding the tables; created when missing. Lowercase letters, digits, `_`. @default 'lev_es' */
  schema?: string;
  /** Schema versions and upcasters of event types. @default none (every type at version 1) */
  upcasters?: Upcasters;
  /** How often a live subscription polls when no notification arrives (the safety net). @default 1000 */
  pollIntervalMs?: number;
  /** This process's last appended events kept for its live subscriptions (read instead of the log). @default 4096 */
  ownEventsKept?: number;
};

export type PostgresEventStore = EventStore & {
  readonly kind: 'postgres';
  /** The schema holding `events` (columns: position, stream_id, revision, id, type, version, data, metadata). */
  readonly schema: string;
};

/** The highest stream revision the `events.revision` column (`integer`) holds. */
const MAX_REVISION = 2_147_483_647;

/** How long a live subscription waits for this process's appends in flight before reading the log instead. */
const OWN_APPEND_WAIT_MS = 20;

const STATUS_APPENDED = 0;
const STATUS_DUPLICATE = 1;
const STATUS_CONFLICT = 2;
const STATUS_ID_CONFLICT = 3;
/** The SQLSTATE `append_many` raises when one of its appends does not append (a class of our own). */
const APPEND_MANY_REFUSED = 'LV409';

const EXPECTED_CODE: Record<'any' | 'no_stream' | 'stream_exists', number> = {
  any: -1,
  no_stream: -2,
  stream_exists: -3,
};

type EventRow = {
  position: string;
  stream_id: string;
  revision: number;
  id: string;
  type: string;
  version: number;
  data: string;
  metadata: string;
};

type PageRow = { head: string } & { [K in keyof EventRow]: EventRow[K] | null };

type AppendRow = {
  o_status: number;
  o_position: string | null;
  o_revision: number | null;
  o_conflict_id: string | null;
  o_conflict_stream: string | null;
};

type SubscriptionState = {
  closed: boolean;
  /** Wakes the subscription when it waits for new events. */
  wake: (() => void) | undefined;
  /** The read it is running, if any: `close()` waits for it. */
  reading: Promise<unknown> | undefined;
  close(): Promise<void>;
};

/**
 * Opens the Postgres event store on `pool`, creating its schema, table and append function when missing (safe
 * when several processes start at once: the setup runs under an advisory lock).
 *
 * @throws {EventStoreError} `EVENT_STORE_INVALID_INPUT` for a bad schema name; `EVENT_STORE_BACKEND` when the
 *   setup fails.
 */
export async function createPostgresEventStore(opts: PostgresEventStoreOptions): Promise<PostgresEventStore> {
  const pool = opts.pool;
  const schema = opts.schema ?? 'lev_es';
  if (!/^[a-z_][a-z0-9_]{0,47}$/.test(schema)) {
    throw new EventStoreError(
      `event store schema must match [a-z_][a-z0-9_]*, got ${JSON.stringify(schema)}`,
      {
        code: 'EVENT_STORE_INVALID_INPUT',
      },
    );
  }
  const upcasters = opts.upcasters ?? createUpcasters();
  const pollIntervalMs = opts.pollIntervalMs ?? 1000;
  if (!(Number.isFinite(pollIntervalMs) && pollIntervalMs > 0)) {
    throw new EventStoreError(`pollIntervalMs must be a positive number, got ${String(pollIntervalMs)}`, {
      code: 'EVENT_STORE_INVALID_INPUT',
    });
  }
  const channel = `${schema}_events`;
  const S = pg.escapeIdentifier(schema);

  const ownEventsKept = opts.ownEventsKept ?? 4096;
  await setUp(pool, schema, channel).catch((cause: unknown) => {
    throw backendError(`cannot set up the event store schema ${schema}`, cause);
  });

  // ---- lifecycle
  let closing = false;
  let closed = false;
  let closePromise: Promise<void> | undefined;
  const appendsInFlight = new Set<Promise<unknown>>();
  const subscriptions = new Set<SubscriptionState>();

  // ---- live wake-ups: a counter bumped by notifications, local appends and listener changes
  let liveSeq = 0;
  const waiters = new Set<() => void>();
  const wakeAll = () => {
    liveSeq++;
    for (const w of [...waiters]) w();
  };
  /** The highest position known committed, from notifications and this process's appends. */
  let headSeen: GlobalPosition = 0n;
  const sawHead = (position: GlobalPosition) => {
    if (position > headSeen) headSeen = position;
  };
  /** Bumped when notifications may have been missed (the listener changed): subscriptions read the log again. */
  let resyncSeq = 0;

  // ---- this process's committed appends, by position: live subscriptions take their next events from here when
  // they are all there, instead of reading them back (see `localPage`)
  type LocalEvent = Omit<EventRow, 'position'> & { position: GlobalPosition };
  const local = new Map<GlobalPosition, LocalEvent>();
  const remember = (
    streamId: string,
    prepared: readonly PreparedEvent[],
    lastPosition: bigint,
    lastRevision: number,
  ) => {
    const n = prepared.length;
    for (const [i, e] of prepared.entries()) {
      const position = lastPosition - BigInt(n - 1 - i);
      local.set(position, {
        position,
        stream_id: streamId,
        revision: lastRevision - (n - 1 - i),
        id: e.id,
        type: e.type,
        version: e.version,
        data: e.dataJson,
        metadata: e.metadataJson,
      });
    }
    sawHead(lastPosition);
    // The first remembered go first (a Map keeps insertion order): another process's events between ours cost nothing.
    while (local.size > ownEventsKept) local.delete(local.keys().next().value as GlobalPosition);
  };

  let listener: pg.Client | undefined;
  let listenerStarting: Promise<void> | undefined;
  let lastListenAttempt = 0;
  const ensureListener = (): Promise<void> => {
    if (listener || closed || closing) return Promise.resolve();
    if (listenerStarting) return listenerStarting;
    if (Date.now() - lastListenAttempt < pollIntervalMs) return Promise.resolve();
    lastListenAttempt = Date.now();
    const client = new pg.Client({ ...pool.options, application_name: `${schema}-listener` });
    const drop = () => {
      if (listener === client) listener = undefined;
      client.end().catch(() => {});
      resyncSeq++;
      wakeAll(); // re-read now; waits fall back to polling until a new listener is up
    };
    client.on('error', drop);
    client.on('end', () => {
      if (listener === client) drop();
    });
    client.on('notification', (msg) => {
      if (msg.channel !== channel) return;
      if (msg.payload && /^\d+$/.test(msg.payload)) sawHead(BigInt(msg.payload));
      wakeAll();
    });
    listenerStarting = (async () => {
      try {
        await client.connect();
        await client.query(`listen ${pg.escapeIdentifier(channel)}`);
        if (closing || closed) {
          await client.end();
          return;
        }
        listener = client;
        resyncSeq++;
        wakeAll(); // anything committed before LISTEN took effect is picked up by a re-read
      } catch {
        await client.end().catch(() => {});
      } finally {
        listenerStarting = undefined;
      }
    })();
    return listenerStarting;
  };

  const ensureOpen = (op: string) => {
    if (closed) throw new EventStoreError(`${op}: the event store is closed`, { code: 'EVENT_STORE_CLOSED' });
  };

  // ---- queries
  const appendSql = {
    name: `lev_es_append:${schema}`,
    text: `select o_status, o_position::text as o_position, o_revision, o_conflict_id, o_conflict_stream
           from ${S}.append($1, $2, $3, $4, $5, $6, $7)`,
  };
  const appendManySql = {
    name: `lev_es_append_many:${schema}`,
    text: `select o_status, o_position::text as o_position, o_revision, o_conflict_id, o_conflict_stream
           from ${S}.append_many($1, $2, $3, $4, $5, $6, $7, $8)`,
  };
  const columns = `position::text as position, stream_id, revision, id, type, version, data::text as data,
                   metadata::text as metadata`;

  const toRecorded = (row: EventRow | LocalEvent): RecordedEvent => {
    const { version, data } = upcasters.upcast(row.type, row.version, JSON.parse(row.data) as JsonObject);
    return {
      id: row.id,
      streamId: row.stream_id,
      revision: row.revision,
      position: typeof row.position === 'bigint' ? row.position : BigInt(row.position),
      type: row.type,
      version,
      data,
      metadata: JSON.parse(row.metadata) as EventMetadata,
    };
  };

  const readPage = async (
    fromPosition: GlobalPosition,
    limit: number,
    filter: CheckedFilter,
  ): Promise<ReadAllPage> => {
    const values: unknown[] = [fromPosition.toString(), limit];
    const where = ['e.position > $1'];
    let variant = 'all';
    if (filter.streamPrefixes) {
      values.push(filter.streamPrefixes.map((p) => `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
      where.push(`e.stream_id like any($${values.length}::text[])`);
      variant += ':prefix';
    }
    if (filter.types) {
      values.push(filter.types);
      where.push(`e.type = any($${values.length}::text[])`);
      variant += ':type';
    }
    // One statement, one snapshot: the page and the head it was read against.
    const { rows } = await pool
      .query<PageRow>({
        name: `lev_es_page:${schema}:${variant}`,
        text: `with h as (select coalesce(max(position), 0) as head from ${S}.events),
               p as (select e.* from ${S}.events e where ${where.join(' and ')} order by e.position limit $2)
               select h.head::text as head, ${columns} from h left join p on true order by p.position`,
        values,
      })
      .catch((cause: unknown) => {
        throw backendError('readAll failed', cause);
      });
    const head = BigInt(rows[0]?.head ?? '0');
    const events: RecordedEvent[] = [];
    for (const row of rows) if (row.position !== null) events.push(toRecorded(row as EventRow));
    const last = events.at(-1);
    if (last && events.length >= limit)
      return { events, position: last.position, isEnd: last.position >= head };
    return { events, position: head > fromPosition ? head : fromPosition, isEnd: true };
  };

  /**
   * The page after `fromPosition` from this process's own appends, when the next event is one of them: the events
   * that follow it without a gap (another process's event ends the run), filtered as `readPage` does. Null when
   * the next event is not known here (read it). Positions are gap-free in commit order and an append holds the
   * lock until it commits, so an event known here is committed, and so is everything before it.
   */
  const localPage = (
    fromPosition: GlobalPosition,
    limit: number,
    filter: CheckedFilter,
  ): ReadAllPage | null => {
    let position = fromPosition;
    const events: RecordedEvent[] = [];
    for (let e = local.get(position + 1n); e && events.length < limit; e = local.get(position + 1n)) {
      position = e.position;
      if (filter.types && !filter.types.includes(e.type)) continue;
      if (filter.streamPrefixes && !filter.streamPrefixes.some((p) => e.stream_id.startsWith(p))) continue;
      events.push(toRecorded(e));
    }
    if (position === fromPosition) return null;
    return { events, position, isEnd: !local.has(position + 1n) };
  };

  // ---- the store
  const appendValues = (streamId: string, events: NewEvent[], expectedRevision: ExpectedRevision) => {
    const prepared = prepareAppend(streamId, events, expectedRevision, upcasters);
    const expected =
      typeof expectedRevision === 'number' ? expectedRevision : EXPECTED_CODE[expectedRevision];
    return {
      count: prepared.length,
      prepared,
      values: [
        streamId,
        expected,
        prepared.map((e) => e.id),
        prepared.map((e) => e.type),
        prepared.map((e) => e.version),
        prepared.map((e) => e.dataJson),
        prepared.map((e) => e.metadataJson),
      ],
    };
  };

  /** The result of one append call, or the error it stands for. */
  const appendOutcome = (
    streamId: string,
    expectedRevision: ExpectedRevision,
    row: AppendRow | undefined,
  ): AppendResult => {
    if (!row) throw backendError(`append to ${streamId} returned nothing`, undefined);
    switch (row.o_status) {
      case STATUS_APPENDED:
      case STATUS_DUPLICATE:
        return { position: BigInt(row.o_position ?? '0'), revision: row.o_revision ?? -1 };
      case STATUS_CONFLICT:
        throw new ExpectedRevisionConflictError(streamId, expectedRevision, row.o_revision ?? 'no_stream');
      case STATUS_ID_CONFLICT:
        throw new EventStoreError(
          row.o_conflict_stream === streamId
            ? `append to ${streamId}: some of its event ids are already stored (id ${row.o_conflict_id}), others not, or in another order`
            : `append to ${streamId}: event id ${row.o_conflict_id} is already stored in stream ${row.o_conflict_stream}`,
          {
            code: 'EVENT_STORE_ID_CONFLICT',
            details: 'an append is a no-op only when all its ids are stored, in the same stream and order',
          },
        );
      default:
        throw backendError(`append to ${streamId}: unexpected status ${row.o_status}`, undefined);
    }
  };

  const refuseWhenClosing = (what: string) => {
    if (closing) {
      throw new EventStoreError(`${what}: the event store is closed`, { code: 'EVENT_STORE_CLOSED' });
    }
  };

  const append = async (
    streamId: string,
    events: NewEvent[],
    expectedRevision: ExpectedRevision = 'any',
  ): Promise<AppendResult> => {
    refuseWhenClosing(`append to ${streamId}`);
    const { count, prepared, values } = appendValues(streamId, events, expectedRevision);
    const run = (async () => {
      let row: AppendRow | undefined;
      try {
        row = (await pool.query<AppendRow>({ ...appendSql, values })).rows[0];
      } catch (cause) {
        throw backendError(`append to ${streamId} failed`, cause);
      }
      const result = appendOutcome(streamId, expectedRevision, row);
      if (row?.o_status === STATUS_APPENDED && count > 0) {
        remember(streamId, prepared, result.position, result.revision);
        wakeAll();
      }
      return result;
    })();
    appendsInFlight.add(run);
    try {
      return await run;
    } finally {
      appendsInFlight.delete(run);
    }
  };

  const appendMany = async (appends: readonly StreamAppend[]): Promise<AppendResult[]> => {
    refuseWhenClosing('appendMany');
    // Validate every append before the transaction starts: bad input never opens one.
    const calls = appends.map((a) => ({
      ...a,
      expected: a.expectedRevision ?? 'any',
      ...appendValues(a.streamId, a.events, a.expectedRevision ?? 'any'),
    }));
    if (calls.length === 0) return [];
    const flat = <T>(pick: (v: unknown[]) => T[]) => calls.flatMap((c) => pick(c.values));
    const values = [
      calls.map((c) => c.streamId),
      calls.map((c) => c.values[1]),
      calls.map((c) => c.count),
      flat((v) => v[2] as string[]),
      flat((v) => v[3] as string[]),
      flat((v) => v[4] as number[]),
      flat((v) => v[5] as string[]),
      flat((v) => v[6] as string[]),
    ];
    const run = (async () => {
      let rows: AppendRow[];
      try {
        // One statement on its own: all of it commits, or (any append refused, any failure) none of it.
        ({ rows } = await pool.query<AppendRow>({ ...appendManySql, values }));
      } catch (err) {
        const refused = refusedAppend(err);
        if (refused) {
          const call = calls[refused.index];
          if (!call)
            throw backendError(`appendMany: refusal of append ${refused.index} of ${calls.length}`, err);
          appendOutcome(call.streamId, call.expected, refused.row); // throws the refusal's error
        }
        throw backendError('appendMany failed', err);
      }
      const results = calls.map((c, i) => appendOutcome(c.streamId, c.expected, rows[i]));
      let appended = false;
      for (const [i, c] of calls.entries()) {
        if (rows[i]?.o_status !== STATUS_APPENDED || c.count === 0) continue;
        remember(c.streamId, c.prepared, results[i]!.position, results[i]!.revision);
        appended = true;
      }
      if (appended) wakeAll();
      return results;
    })();
    appendsInFlight.add(run);
    try {
      return await run;
    } finally {
      appendsInFlight.delete(run);
    }
  };

  const readStream = async (streamId: string, opts: ReadStreamOptions = {}): Promise<RecordedEvent[]> => {
    ensureOpen('readStream');
    const o = checkReadStreamOptions(streamId, opts);
    const forwards = o.direction === 'forwards';
    // Revisions are `integer`s: none is past MAX_REVISION, so a later start reads nothing forwards and the whole
    // stream backwards (rather than a type error from the server).
    if (forwards && o.from !== undefined && o.from > MAX_REVISION) return [];
    const from = Math.min(o.from ?? (forwards ? 0 : MAX_REVISION), MAX_REVISION);
    const { rows } = await pool
      .query<EventRow>({
        name: `lev_es_stream:${schema}:${o.direction}`,
        text: `select ${columns} from ${S}.events
               where stream_id = $1 and revision ${forwards ? '>=' : '<='} $2
               order by revision ${forwards ? 'asc' : 'desc'} limit $3`,
        values: [streamId, from, o.limit ?? null],
      })
      .catch((cause: unknown) => {
        throw backendError(`readStream ${streamId} failed`, cause);
      });
    return rows.map(toRecorded);
  };

  const readAll = async (opts: ReadAllOptions = {}): Promise<ReadAllPage> => {
    ensureOpen('readAll');
    const o = checkReadAllOptions(opts);
    return readPage(o.fromPosition, o.limit, o.filter);
  };

  const headPosition = async (): Promise<GlobalPosition> => {
    ensureOpen('headPosition');
    const { rows } = await pool
      .query<{ head: string }>({
        name: `lev_es_head:${schema}`,
        text: `select coalesce(max(position), 0)::text as head from ${S}.events`,
      })
      .catch((cause: unknown) => {
        throw backendError('headPosition failed', cause);
      });
    return BigInt(rows[0]?.head ?? '0');
  };

  const subscribeAll = (opts: SubscribeOptions = {}): Subscription => {
    if (closing) {
      throw new EventStoreError('subscribeAll: the event store is closed', { code: 'EVENT_STORE_CLOSED' });
    }
    const fromPosition = checkPosition('subscribeAll', opts.fromPosition);
    const filter = checkFilter('subscribeAll', opts.filter);
    const maxBatchSize = opts.maxBatchSize ?? 500;
    if (!(Number.isSafeInteger(maxBatchSize) && maxBatchSize >= 1)) {
      throw new EventStoreError(
        `subscribeAll: maxBatchSize must be an integer ≥ 1, got ${String(maxBatchSize)}`,
        {
          code: 'EVENT_STORE_INVALID_INPUT',
        },
      );
    }
    const signal = opts.signal;

    const state: SubscriptionState = {
      closed: false,
      wake: undefined,
      reading: undefined,
      close: async () => {
        state.closed = true;
        state.wake?.();
        subscriptions.delete(state);
        signal?.removeEventListener('abort', onAbort);
        await state.reading?.catch(() => {});
      },
    };
    const onAbort = () => {
      void state.close();
    };
    subscriptions.add(state);
    if (signal?.aborted) state.closed = true;
    else signal?.addEventListener('abort', onAbort, { once: true });

    /** Resolves on news, on close, or after the poll interval (then with true). */
    const waitForNews = (seen: number) =>
      new Promise<boolean>((resolve) => {
        if (liveSeq !== seen || state.closed) return resolve(false);
        const done = (timedOut: boolean) => {
          clearTimeout(timer);
          waiters.delete(wake);
          state.wake = undefined;
          resolve(timedOut);
        };
        const wake = () => done(false);
        const timer = setTimeout(() => done(true), pollIntervalMs);
        waiters.add(wake);
        state.wake = wake;
      });

    /**
     * Once live: the next page from this process's own appends when they hold it, after waiting (briefly) for
     * appends still in flight, whose notification can arrive before their answer; an empty page when nothing past
     * `position` is known to exist; null when the log must be read.
     */
    const livePage = async (position: GlobalPosition, mustRead: boolean): Promise<ReadAllPage | null> => {
      let page = localPage(position, maxBatchSize, filter);
      if (!page && appendsInFlight.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...appendsInFlight]),
          new Promise((r) => {
            timer = setTimeout(r, OWN_APPEND_WAIT_MS);
          }),
        ]);
        clearTimeout(timer);
        page = localPage(position, maxBatchSize, filter);
      }
      if (!page && !mustRead && position >= headSeen) return { events: [], position, isEnd: true };
      // Own events up to a gap, and a later position known committed (another process's notification came while
      // the consumer was busy): not the end — the next page reads the gap from the log instead of waiting.
      if (page?.isEnd && page.position < headSeen) return { ...page, isEnd: false };
      return page;
    };

    async function* run(): AsyncGenerator<SubscriptionMessage, void, undefined> {
      try {
        let position = fromPosition;
        let caughtUp = false;
        let mustRead = true;
        let resyncSeen = resyncSeq;
        await ensureListener();
        while (!state.closed) {
          const seen = liveSeq;
          const reading = (async () => {
            const live = caughtUp ? await livePage(position, mustRead || resyncSeen !== resyncSeq) : null;
            if (live) return live;
            resyncSeen = resyncSeq;
            mustRead = false;
            return readPage(position, maxBatchSize, filter);
          })();
          state.reading = reading;
          const page = await reading;
          state.reading = undefined;
          if (state.closed) return;
          if (page.position > position) position = page.position;
          if (page.events.length > 0) yield { kind: 'events', events: page.events, position: page.position };
          if (!page.isEnd || state.closed) continue;
          if (!caughtUp) {
            caughtUp = true;
            yield { kind: 'caughtUp', position };
            continue; // re-check: events may have arrived while the consumer handled `caughtUp`
          }
          if (liveSeq === seen) {
            void ensureListener();
            mustRead = await waitForNews(seen);
          }
        }
      } finally {
        state.reading = undefined;
        await state.close();
      }
    }

    let iterated = false;
    return {
      [Symbol.asyncIterator]() {
        if (iterated) {
          throw new EventStoreError('subscribeAll: a subscription can be iterated once', {
            code: 'EVENT_STORE_INVALID_INPUT',
          });
        }
        iterated = true;
        return run();
      },
      close: () => state.close(),
    };
  };

  const close = (): Promise<void> => {
    closePromise ??= (async () => {
      closing = true;
      while (appendsInFlight.size > 0) await Promise.allSettled([...appendsInFlight]);
      await Promise.all([...subscriptions].map((s) => s.close()));
      closed = true;
      wakeAll();
      await listenerStarting;
      const l = listener;
      listener = undefined;
      await l?.end().catch(() => {});
    })();
    return closePromise;
  };

  return {
    kind: 'postgres',
    schema,
    append,
    appendMany,
    readStream,
    readAll,
    headPosition,
    subscribeAll,
    close,
  };
}

/** An advisory-lock key for `name`: the first 8 bytes of its SHA-256 as a signed 64-bit integer. Pure. */
function lockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/** The refused append that `append_many` raised (its index in the call and its row), or null for any other error. */
function refusedAppend(err: unknown): { index: number; row: AppendRow } | null {
  const e = err as { code?: unknown; message?: unknown };
  if (e?.code !== APPEND_MANY_REFUSED || typeof e.message !== 'string') return null;
  const r = JSON.parse(e.message) as {
    index: number;
    status: number;
    revision: number | null;
    conflictId: string | null;
    conflictStream: string | null;
  };
  return {
    index: r.index,
    row: {
      o_status: r.status,
      o_position: null,
      o_revision: r.revision,
      o_conflict_id: r.conflictId,
      o_conflict_stream: r.conflictStream,
    },
  };
}

async function setUp(pool: PgPool, schema: string, channel: string): Promise<void> {
  const S = pg.escapeIdentifier(schema);
  const client = await pool.connect();
  try {
    await client.query('begin');
    // Several processes may start at once: one sets up, the others wait and then find everything in place.
    await client.query(`select pg_advisory_xact_lock(${lockKey('lev.eventstore.setup')})`);
    await client.query(`create schema if not exists ${S}`);
    await client.query(`
      create table if not exists ${S}.events (
        position bigint not null primary key,
        stream_id text not null,
        revision integer not null,
        id text not null,
        type text not null,
        version integer not null,
        data json not null,
        metadata json not null,
        constraint events_stream_revision_key unique (stream_id, revision),
        constraint events_id_key unique (id)
      )`);
    await client.query(appendFunctionSql(schema, channel));
    await client.query(appendManyFunctionSql(schema, channel));
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/*
 * plpgsql pieces `append` and `append_many` share: one revision rule, one answer for an empty append, one insert.
 * `S` is the escaped schema; the other arguments name plpgsql variables or expressions.
 */

/** The parameters holding an append's events, column by column (as `insertEventsSql` takes them). */
const EVENT_ARRAYS = ['p_ids', 'p_types', 'p_versions', 'p_data', 'p_metadata'];

/** `into` := the stream's current revision (null: no stream). */
const currentRevisionSql = (S: string, stream: string, into: string) =>
  `select e.revision into ${into} from ${S}.events e where e.stream_id = ${stream} order by e.revision desc limit 1;`;

/** True when the expected revision code (≥0 a revision, -1 any, -2 no stream, -3 stream exists) refuses `current`. */
const refusesRevisionSql = (expected: string, current: string) =>
  `((${expected} = -2 and ${current} is not null) or (${expected} = -3 and ${current} is null)
     or (${expected} >= 0 and ${current} is distinct from ${expected}))`;

/** `into` := the position of the stream's event at revision `current` (0: no stream). */
const lastPositionSql = (S: string, stream: string, current: string, into: string) =>
  `select e.position into ${into} from ${S}.events e where e.stream_id = ${stream} and e.revision = ${current};
    ${into} := coalesce(${into}, 0);`;

/** `into` := the log's head position (0: empty). */
const headSql = (S: string, into: string) =>
  `select e.position into ${into} from ${S}.events e order by e.position desc limit 1;
  ${into} := coalesce(${into}, 0);`;

/** Inserts the events of `arrays` (ids, types, versions, data, metadata) after `head`, revisions after `current`. */
const insertEventsSql = (
  S: string,
  stream: string,
  current: string,
  head: string,
  arrays: readonly string[],
) =>
  `insert into ${S}.events (position, stream_id, revision, id, type, version, data, metadata)
    select ${head} + u.ord, ${stream}, coalesce(${current}, -1) + u.ord::integer, u.id, u.type, u.version,
           u.data::json, u.metadata::json
      from unnest(${arrays.join(', ')}) with ordinality as u(id, type, version, data, metadata, ord);`;

/**
 * The append function: the whole append in one statement (one round trip), under a transaction-scoped advisory
 * lock that serialises appends until they commit. Statuses: 0 appended, 1 already stored (no-op), 2 expected
 * revision conflict (o_revision = actual, null = no stream), 3 id conflict. Expected: ≥0 revision, -1 any,
 * -2 no stream, -3 stream exists.
 */
function appendFunctionSql(schema: string, channel: string): string {
  const S = pg.escapeIdentifier(schema);
  return `
create or replace function ${S}.append(
  p_stream text,
  p_expected bigint,
  p_ids text[],
  p_types text[],
  p_versions integer[],
  p_data text[],
  p_metadata text[],
  out o_status integer,
  out o_position bigint,
  out o_revision integer,
  out o_conflict_id text,
  out o_conflict_stream text
) language plpgsql as $fn$
declare
  v_n integer := coalesce(cardinality(p_ids), 0);
  v_found integer;
  v_first integer;
  v_in_order boolean;
  v_current integer;
  v_head bigint;
begin
  perform pg_advisory_xact_lock(${lockKey(`lev.eventstore.append:${schema}`)});

  -- Idempotency: ids already stored make the append a no-op (all of them, same stream, same order) or an error.
  if v_n > 0 then
    select count(*)::integer into v_found from ${S}.events e where e.id = any(p_ids);
    if v_found > 0 then
      select e.id, e.stream_id into o_conflict_id, o_conflict_stream
        from ${S}.events e where e.id = any(p_ids) and e.stream_id <> p_stream limit 1;
      if o_conflict_id is null and v_found = v_n then
        select e.revision into v_first from ${S}.events e where e.id = p_ids[1];
        select bool_and(e.revision = v_first + (u.ord - 1)::integer), max(e.position)
          into v_in_order, o_position
          from unnest(p_ids) with ordinality as u(id, ord) join ${S}.events e on e.id = u.id;
        if v_in_order then
          o_status := 1;
          o_revision := v_first + v_n - 1;
          return;
        end if;
      end if;
      if o_conflict_id is null then
        select e.id, e.stream_id into o_conflict_id, o_conflict_stream
          from ${S}.events e where e.id = any(p_ids) limit 1;
      end if;
      o_status := 3;
      o_position := null;
      return;
    end if;
  end if;

  ${currentRevisionSql(S, 'p_stream', 'v_current')}
  if ${refusesRevisionSql('p_expected', 'v_current')} then
    o_status := 2;
    o_revision := v_current;
    return;
  end if;

  if v_n = 0 then
    o_status := 0;
    o_revision := coalesce(v_current, -1);
    ${lastPositionSql(S, 'p_stream', 'v_current', 'o_position')}
    return;
  end if;

  ${headSql(S, 'v_head')}
  ${insertEventsSql(S, 'p_stream', 'v_current', 'v_head', EVENT_ARRAYS)}
  o_status := 0;
  o_position := v_head + v_n;
  o_revision := coalesce(v_current, -1) + v_n;
  perform pg_notify(${pg.escapeLiteral(channel)}, o_position::text);
end
$fn$`;
}

/**
 * Several appends in one statement, one row per stream (`p_counts[i]` events for stream i, sliced from flat
 * arrays). The first that does not append (status ≥ 2) raises {@link APPEND_MANY_REFUSED} with that row as JSON
 * (its 0-based index, status, revision, conflicting id and stream): the statement, and so every append of the
 * call, rolls back. One statement, run on its own (no begin/commit): one round trip for any number of streams.
 *
 * The common call — none of its ids stored yet, none twice — takes the lock, reads the head and notifies once
 * for the whole call, and per stream only checks its revision and inserts. Any other call (a re-sent one, an
 * id conflict) goes through `append` stream by stream, which sorts out no-ops from conflicts.
 */
function appendManyFunctionSql(schema: string, channel: string): string {
  const S = pg.escapeIdentifier(schema);
  return `
create or replace function ${S}.append_many(
  p_streams text[],
  p_expected bigint[],
  p_counts integer[],
  p_ids text[],
  p_types text[],
  p_versions integer[],
  p_data text[],
  p_metadata text[]
) returns table (
  o_status integer,
  o_position bigint,
  o_revision integer,
  o_conflict_id text,
  o_conflict_stream text
) language plpgsql as $fn$
declare
  v_streams integer := coalesce(cardinality(p_streams), 0);
  v_n integer := coalesce(cardinality(p_ids), 0);
  v_off integer := 0;
  v_to integer;
  v_count integer;
  v_current integer;
  v_head bigint;
  v_appended boolean := false;
  v_found integer := 0;
  r record;
begin
  perform pg_advisory_xact_lock(${lockKey(`lev.eventstore.append:${schema}`)});

  if v_n > 0 then
    select count(*)::integer into v_found from ${S}.events e where e.id = any(p_ids);
    if v_found = 0 then
      select count(distinct u.id)::integer into v_found from unnest(p_ids) as u(id);
      v_found := v_n - v_found;
    end if;
  end if;
  if v_found > 0 then
    for i in 1 .. v_streams loop
      v_to := v_off + p_counts[i];
      select * into r from ${S}.append(p_streams[i], p_expected[i], p_ids[v_off + 1 : v_to],
        p_types[v_off + 1 : v_to], p_versions[v_off + 1 : v_to], p_data[v_off + 1 : v_to],
        p_metadata[v_off + 1 : v_to]);
      o_status := r.o_status;
      o_position := r.o_position;
      o_revision := r.o_revision;
      o_conflict_id := r.o_conflict_id;
      o_conflict_stream := r.o_conflict_stream;
      if r.o_status >= 2 then
        raise exception using errcode = '${APPEND_MANY_REFUSED}', message = json_build_object('index', i - 1,
          'status', r.o_status, 'revision', r.o_revision, 'conflictId', r.o_conflict_id,
          'conflictStream', r.o_conflict_stream)::text;
      end if;
      return next;
      v_off := v_to;
    end loop;
    return;
  end if;

  ${headSql(S, 'v_head')}
  o_conflict_id := null;
  o_conflict_stream := null;
  for i in 1 .. v_streams loop
    v_count := p_counts[i];
    v_to := v_off + v_count;
    ${currentRevisionSql(S, 'p_streams[i]', 'v_current')}
    if ${refusesRevisionSql('p_expected[i]', 'v_current')} then
      raise exception using errcode = '${APPEND_MANY_REFUSED}', message = json_build_object('index', i - 1,
        'status', 2, 'revision', v_current, 'conflictId', null, 'conflictStream', null)::text;
    end if;
    if v_count = 0 then
      ${lastPositionSql(S, 'p_streams[i]', 'v_current', 'o_position')}
    else
      ${insertEventsSql(
        S,
        'p_streams[i]',
        'v_current',
        'v_head',
        EVENT_ARRAYS.map((a) => `${a}[v_off + 1 : v_to]`),
      )}
      v_head := v_head + v_count;
      o_position := v_head;
      v_appended := true;
    end if;
    o_status := 0;
    o_revision := coalesce(v_current, -1) + v_count;
    return next;
    v_off := v_to;
  end loop;
  if v_appended then
    perform pg_notify(${pg.escapeLiteral(channel)}, v_head::text);
  end if;
end
$fn$`;
}
