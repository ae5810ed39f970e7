/**
 * The EventStoreDB event store (DESIGN §4) over `@eventstore/db-client` 6 (gRPC). No server runs on the build
 * machines: the contract suite runs against it when `LEV_TEST_EVENTSTORE_URL` is set.
 *
 * Mapping and invariants:
 * - positions are the server's **commit position** as a bigint. On EventStoreDB 20+ every event is its own log
 *   record (commit == prepare), so the commit position alone names an event and increases along `$all`; a
 *   position we hand out is always the position of an actual event, and we rebuild `{commit, prepare}` from it
 *   as `{p, p}` to read or subscribe from there. Positions are opaque: not dense, not 1, 2, 3;
 * - expected revisions map to the client's `any` / `no_stream` / `stream_exists` / bigint, and
 *   `WrongExpectedVersionError` becomes our `ExpectedRevisionConflictError`;
 * - idempotency is the server's own: it deduplicates re-appended event ids (the ids must be UUIDs: an id that is
 *   not a lowercase UUID is mapped to a name-based UUID and the original kept in metadata `lev.id`). Unlike the
 *   Postgres store it does not refuse an id already used in another stream;
 * - the schema version travels in metadata `lev.version`; causation and correlation ids are also written as
 *   `$causationId` / `$correlationId` for the server's own projections; both are stripped on read;
 * - system streams and events (`$…`) are never returned;
 * - `readAll` filters on the client (the v6 client's `readAll` has no filter option); `subscribeAll` filters on
 *   the server (stream prefixes, else an exact-type regex, else "no system events") and again on the client;
 * - `caughtUp` comes from the server's caught-up signal (v23.10+); on older servers it is sent once an event or
 *   checkpoint at or past the head position seen at subscription time arrives.
 */
import { createHash } from 'node:crypto';
import {
  type AllStreamSubscription,
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  eventTypeFilter,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  type Position,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  streamNameFilter,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
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
  matchesFilter,
  prepareAppend,
} from './validate.ts';

export type EventStoreDbEventStoreOptions = {
  /** `esdb://host:2113?tls=false` and the like. */
  connectionString: string;
  /** Schema versions and upcasters of event types. @default none (every type at version 1) */
  upcasters?: Upcasters;
};

export type EventStoreDbEventStore = EventStore & { readonly kind: 'eventstoredb' };

const META_VERSION = 'lev.version';
const META_ID = 'lev.id';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Namespace of the name-based UUIDs made from ids that are not UUIDs. */
const ID_NAMESPACE = Buffer.from('6c657669746174696f6e2d6576656e74', 'hex');
const MAX_COMMIT = (1n << 63n) - 1n;

/** The shape of a recorded event as the client hands it out (JSON or binary, from a stream or `$all`). */
type EsdbRecorded = {
  streamId: string;
  id: string;
  isJson: boolean;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  position?: Position;
};

/**
 * Connects to EventStoreDB (lazily: the first call opens the connection).
 * @throws {EventStoreError} `EVENT_STORE_INVALID_INPUT` when the connection string cannot be parsed.
 */
export async function createEventStoreDbEventStore(
  opts: EventStoreDbEventStoreOptions,
): Promise<EventStoreDbEventStore> {
  const upcasters = opts.upcasters ?? createUpcasters();
  let client: EventStoreDBClient;
  try {
    client = EventStoreDBClient.connectionString(opts.connectionString);
  } catch (cause) {
    throw new EventStoreError('cannot parse the EventStoreDB connection string', {
      code: 'EVENT_STORE_INVALID_INPUT',
      cause,
      details: cause instanceof Error ? cause.message : String(cause),
    });
  }

  let closing = false;
  let closed = false;
  let closePromise: Promise<void> | undefined;
  const appendsInFlight = new Set<Promise<unknown>>();
  const subscriptions = new Set<{ close(): Promise<void> }>();

  const ensureOpen = (op: string) => {
    if (closed) throw new EventStoreError(`${op}: the event store is closed`, { code: 'EVENT_STORE_CLOSED' });
  };

  const toRecorded = (ev: EsdbRecorded, fallbackPosition?: bigint): RecordedEvent => {
    if (!ev.isJson || typeof ev.data !== 'object' || ev.data === null || Array.isArray(ev.data)) {
      throw new EventStoreError(`event ${ev.id} in ${ev.streamId} is not a JSON object event`, {
        code: 'EVENT_STORE_INVALID_INPUT',
        details: 'the stream holds events not written by this store',
      });
    }
    const stored = (isObject(ev.metadata) ? ev.metadata : {}) as Record<string, unknown>;
    const {
      [META_VERSION]: storedVersion,
      [META_ID]: storedId,
      $causationId,
      $correlationId,
      ...metadata
    } = stored;
    void $causationId;
    void $correlationId;
    const { version, data } = upcasters.upcast(
      ev.type,
      typeof storedVersion === 'number' ? storedVersion : 1,
      ev.data as JsonObject,
    );
    return {
      id: typeof storedId === 'string' ? storedId : ev.id,
      streamId: ev.streamId,
      revision: Number(ev.revision),
      position: ev.position?.commit ?? fallbackPosition ?? 0n,
      type: ev.type,
      version,
      data,
      metadata: metadata as EventMetadata,
    };
  };

  const append = async (
    streamId: string,
    events: NewEvent[],
    expectedRevision: ExpectedRevision = 'any',
  ): Promise<AppendResult> => {
    if (closing) {
      throw new EventStoreError(`append to ${streamId}: the event store is closed`, {
        code: 'EVENT_STORE_CLOSED',
      });
    }
    const prepared = prepareAppend(streamId, events, expectedRevision, upcasters);
    const payload = prepared.map((e) => {
      const uuid = UUID.test(e.id) ? e.id : nameUuid(e.id);
      const metadata: Record<string, unknown> = { ...e.metadata, [META_VERSION]: e.version };
      if (uuid !== e.id) metadata[META_ID] = e.id;
      if (typeof e.metadata['causationId'] === 'string') metadata['$causationId'] = e.metadata['causationId'];
      if (typeof e.metadata['correlationId'] === 'string')
        metadata['$correlationId'] = e.metadata['correlationId'];
      return jsonEvent({ id: uuid, type: e.type, data: e.data, metadata });
    });
    const run = (async (): Promise<AppendResult> => {
      const result = await client.appendToStream(streamId, payload, {
        expectedRevision: toEsdbExpected(expectedRevision),
      });
      const revision = Number(result.nextExpectedRevision);
      const commit = result.position?.commit;
      // A fresh single-event append reports that event's position. Batches (whose reported position need not be
      // the last event's) and no-op re-appends (reported without a position) read the last event back.
      if (prepared.length === 1 && commit !== undefined && commit >= 0n && commit < MAX_COMMIT) {
        return { position: commit, revision };
      }
      if (revision < 0) return { position: 0n, revision };
      for await (const resolved of client.readStream(streamId, {
        fromRevision: BigInt(revision),
        maxCount: 1,
      })) {
        const position = resolved.event?.position?.commit ?? resolved.commitPosition;
        if (position !== undefined) return { position, revision };
      }
      if (commit !== undefined && commit >= 0n && commit < MAX_COMMIT) return { position: commit, revision };
      throw new EventStoreError(`append to ${streamId}: the server reported no position`, {
        code: 'EVENT_STORE_BACKEND',
      });
    })();
    appendsInFlight.add(run);
    try {
      return await run;
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) {
        const actual = err.actualVersion;
        throw new ExpectedRevisionConflictError(
          streamId,
          expectedRevision,
          actual === 'no_stream' ? 'no_stream' : Number(actual),
        );
      }
      if (err instanceof EventStoreError) throw err;
      throw backendError(`append to ${streamId} failed`, err);
    } finally {
      appendsInFlight.delete(run);
    }
  };

  const readStream = async (streamId: string, opts: ReadStreamOptions = {}): Promise<RecordedEvent[]> => {
    ensureOpen('readStream');
    const o = checkReadStreamOptions(streamId, opts);
    if (o.limit === 0) return [];
    const forwards = o.direction === 'forwards';
    const out: RecordedEvent[] = [];
    try {
      const read = client.readStream(streamId, {
        direction: forwards ? FORWARDS : BACKWARDS,
        fromRevision: o.from !== undefined ? BigInt(o.from) : forwards ? START : END,
        maxCount: o.limit ?? Number.MAX_SAFE_INTEGER,
      });
      for await (const resolved of read) {
        if (resolved.event) out.push(toRecorded(resolved.event as EsdbRecorded, resolved.commitPosition));
      }
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      if (err instanceof EventStoreError) throw err;
      throw backendError(`readStream ${streamId} failed`, err);
    }
    return out;
  };

  /** One page of `$all` after `fromPosition`, `limit` events scanned (system ones included). */
  const readPage = async (
    fromPosition: bigint,
    limit: number,
    filter: CheckedFilter,
  ): Promise<ReadAllPage> => {
    const events: RecordedEvent[] = [];
    let position = fromPosition;
    let scanned = 0;
    try {
      // The server's start position is inclusive: one more than the page, and skip what is not after it.
      const read = client.readAll({
        direction: FORWARDS,
        fromPosition: fromPosition === 0n ? START : { commit: fromPosition, prepare: fromPosition },
        maxCount: limit + 1,
      });
      for await (const resolved of read) {
        const ev = resolved.event as EsdbRecorded | undefined;
        const at = ev?.position?.commit ?? resolved.commitPosition;
        if (!ev || at === undefined || at <= fromPosition || scanned >= limit) continue;
        scanned++;
        position = at;
        if (isSystem(ev) || !matchesFilter(filter, ev.streamId, ev.type)) continue;
        events.push(toRecorded(ev, at));
      }
    } catch (err) {
      if (err instanceof EventStoreError) throw err;
      throw backendError('readAll failed', err);
    }
    return { events, position, isEnd: scanned < limit };
  };

  const readAll = async (opts: ReadAllOptions = {}): Promise<ReadAllPage> => {
    ensureOpen('readAll');
    const o = checkReadAllOptions(opts);
    return readPage(o.fromPosition, o.limit, o.filter);
  };

  const headPosition = async (): Promise<GlobalPosition> => {
    ensureOpen('headPosition');
    try {
      // The last event that is not a system event (stats and metadata records come and go at the end).
      let from: Position | typeof END = END;
      for (;;) {
        let seen = 0;
        let last: Position | undefined;
        for await (const resolved of client.readAll({
          direction: BACKWARDS,
          fromPosition: from,
          maxCount: 256,
        })) {
          const ev = resolved.event as EsdbRecorded | undefined;
          seen++;
          if (ev?.position) last = ev.position;
          if (ev && !isSystem(ev)) return ev.position?.commit ?? resolved.commitPosition ?? 0n;
        }
        if (seen < 256 || !last) return 0n;
        from = last;
      }
    } catch (err) {
      throw backendError('headPosition failed', err);
    }
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

    type Item =
      | { kind: 'event'; event: RecordedEvent }
      | { kind: 'caughtUp' }
      | { kind: 'error'; error: unknown };
    const queue: Item[] = [];
    let ended = false;
    let notify: (() => void) | undefined;
    const push = (item: Item) => {
      queue.push(item);
      notify?.();
    };

    let esdbSub: AllStreamSubscription | undefined;
    let lastQueued = fromPosition;
    let caughtUpQueued = false;
    let caughtUpPending = false;
    let headAtStart: bigint | undefined;
    const queueCaughtUp = () => {
      if (caughtUpQueued) return;
      caughtUpQueued = true;
      caughtUpPending = false;
      push({ kind: 'caughtUp' });
    };
    // The server's signals overtake events still buffered in the stream: ours goes after them.
    const signalCaughtUp = () => {
      if (!esdbSub || esdbSub.readableLength === 0) queueCaughtUp();
      else caughtUpPending = true;
    };
    const reached = (position: bigint) => {
      if (!caughtUpQueued && headAtStart !== undefined && position >= headAtStart) signalCaughtUp();
    };

    const start = () => {
      const serverFilter = filter.streamPrefixes
        ? streamNameFilter({
            prefixes: filter.streamPrefixes,
            checkpointReached: (_s, p) => reached(p.commit),
          })
        : filter.types
          ? eventTypeFilter({
              regex: `^(?:${filter.types.map(escapeRegex).join('|')})$`,
              checkpointReached: (_s, p) => reached(p.commit),
            })
          : excludeSystemEvents({ checkpointReached: (_s, p) => reached(p.commit) });
      const sub = client.subscribeToAll({
        fromPosition: fromPosition === 0n ? START : { commit: fromPosition, prepare: fromPosition },
        filter: serverFilter,
      });
      esdbSub = sub;
      sub.on('data', (resolved) => {
        const ev = resolved.event as EsdbRecorded | undefined;
        const at = ev?.position?.commit ?? resolved.commitPosition;
        if (ev && at !== undefined && at > lastQueued) {
          lastQueued = at;
          if (!isSystem(ev) && matchesFilter(filter, ev.streamId, ev.type)) {
            try {
              push({ kind: 'event', event: toRecorded(ev, at) });
            } catch (error) {
              push({ kind: 'error', error });
            }
          }
          reached(at);
        }
        if (caughtUpPending && sub.readableLength === 0) queueCaughtUp();
        if (queue.length >= maxBatchSize * 2) sub.pause();
      });
      sub.on('caughtUp', signalCaughtUp);
      sub.on('error', (error) => {
        if (!ended) push({ kind: 'error', error });
      });
      sub.on('close', () => {
        if (!ended) push({ kind: 'error', error: new Error('the server ended the subscription') });
      });
      // Servers before 23.10 send no caught-up signal: compare with the head seen now.
      headPosition().then(
        (head) => {
          headAtStart = head;
          if (head <= lastQueued) signalCaughtUp();
        },
        () => {},
      );
    };

    const close = async () => {
      if (ended) return;
      ended = true;
      notify?.();
      subscriptions.delete(handle);
      signal?.removeEventListener('abort', onAbort);
      await esdbSub?.unsubscribe().catch(() => {});
    };
    const handle = { close };
    const onAbort = () => {
      void close();
    };
    subscriptions.add(handle);
    if (signal?.aborted) ended = true;
    else signal?.addEventListener('abort', onAbort, { once: true });

    async function* run(): AsyncGenerator<SubscriptionMessage, void, undefined> {
      try {
        if (ended) return;
        start();
        let delivered = fromPosition;
        while (!ended) {
          if (queue.length === 0) {
            if (esdbSub?.isPaused()) esdbSub.resume();
            await new Promise<void>((resolve) => {
              notify = resolve;
            });
            notify = undefined;
            continue;
          }
          const first = queue[0]!;
          if (first.kind === 'error') {
            throw backendError('the EventStoreDB subscription failed', first.error);
          }
          if (first.kind === 'caughtUp') {
            queue.shift();
            yield { kind: 'caughtUp', position: delivered };
            continue;
          }
          const events: RecordedEvent[] = [];
          while (events.length < maxBatchSize && queue[0]?.kind === 'event') {
            const item = queue.shift() as { kind: 'event'; event: RecordedEvent };
            if (item.event.position > delivered) events.push(item.event);
          }
          if (queue.length < maxBatchSize && esdbSub?.isPaused()) esdbSub.resume();
          const last = events.at(-1);
          if (!last) continue;
          delivered = last.position;
          yield { kind: 'events', events, position: delivered };
        }
      } finally {
        await close();
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
      close,
    };
  };

  const close = (): Promise<void> => {
    closePromise ??= (async () => {
      closing = true;
      while (appendsInFlight.size > 0) await Promise.allSettled([...appendsInFlight]);
      await Promise.all([...subscriptions].map((s) => s.close()));
      closed = true;
      await client.dispose().catch(() => {});
    })();
    return closePromise;
  };

  /** No multi-stream transactions on the server: one append per stream, in order (see EventStore.appendMany). */
  const appendMany = async (appends: readonly StreamAppend[]): Promise<AppendResult[]> => {
    const results: AppendResult[] = [];
    for (const a of appends) results.push(await append(a.streamId, a.events, a.expectedRevision ?? 'any'));
    return results;
  };

  return { kind: 'eventstoredb', append, appendMany, readStream, readAll, headPosition, subscribeAll, close };
}

function toEsdbExpected(
  expected: ExpectedRevision,
): typeof ANY | typeof NO_STREAM | typeof STREAM_EXISTS | bigint {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/** A name-based (version 5 layout) UUID for an id that is not one. Pure. */
function nameUuid(name: string): string {
  const b = createHash('sha1').update(ID_NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function isSystem(ev: { streamId: string; type: string }): boolean {
  return ev.streamId.startsWith('$') || ev.type.startsWith('$');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
