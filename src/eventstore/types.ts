/**
 * The event store contract (DESIGN §4). Two backends implement it (Postgres, EventStoreDB) and one contract
 * suite (test/eventstore/contract.ts) checks both.
 */

/** JSON values as events carry them: bigints as decimal strings, bytes as 0x-hex (DESIGN §4). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * Position of an event in the global log. Postgres: 1, 2, 3, … gap-free in commit order. EventStoreDB: the
 * store's commit position (opaque, increasing). `0n` is "before the first event".
 */
export type GlobalPosition = bigint;
/** Revision of an event inside its stream: 0 for the first event. */
export type StreamRevision = number;

export type ExpectedRevision =
  /** No check. */
  | 'any'
  /** The stream must not exist yet. */
  | 'no_stream'
  /** The stream must exist. */
  | 'stream_exists'
  /** The revision of the stream's last event. */
  | StreamRevision;

export type EventMetadata = {
  /** ISO-8601 time the event was decided. */
  at: string;
  /** The actor (role) that appended it. */
  actor: string;
  causationId?: string;
  correlationId?: string;
};

/** An event as a domain module defines it: a past-tense PascalCase type and JSON data. */
export type Event<Type extends string = string, Data extends JsonObject = JsonObject> = {
  type: Type;
  data: Data;
};

/** An event ready to append: the domain event plus its unique id, schema version and metadata. */
export type NewEvent<E extends Event = Event> = E & {
  /** Unique id (UUID). Re-appending the same id is a no-op (idempotent appends). */
  id: string;
  /** Schema version of `data`. @default 1 */
  version?: number;
  metadata: EventMetadata;
};

/** An event as read back from the store. */
export type RecordedEvent<E extends Event = Event> = E & {
  id: string;
  /** Schema version after upcasting (the current one for its type). */
  version: number;
  metadata: EventMetadata;
  streamId: string;
  revision: StreamRevision;
  position: GlobalPosition;
};

export type AppendResult = {
  /** Global position of the last event of this append (of the earlier append when it was a no-op). */
  position: GlobalPosition;
  /** Stream revision after the append. */
  revision: StreamRevision;
};

export type ReadStreamOptions = {
  /** First revision to read (inclusive). Forwards @default 0; backwards @default the last one. */
  from?: StreamRevision;
  /** @default 'forwards' */
  direction?: 'forwards' | 'backwards';
  /** @default unlimited */
  limit?: number;
};

export type ReadAllOptions = {
  /** Read events strictly after this position. @default 0n (from the first event) */
  fromPosition?: GlobalPosition;
  /** Page size. @default 1000 */
  limit?: number;
  filter?: EventFilter;
};

export type EventFilter = {
  /** Stream id prefixes; an event matches when its stream starts with any of them. */
  streamPrefixes?: string[];
  /** Event types; an event matches when its type is one of them. */
  types?: string[];
};

export type ReadAllPage = {
  events: RecordedEvent[];
  /** Position of the last event scanned (filtered-out events included); pass it as the next `fromPosition`. */
  position: GlobalPosition;
  /** Whether this page reached the end of the log at the time of reading. */
  isEnd: boolean;
};

export type SubscribeOptions = {
  /** Deliver events strictly after this position. @default 0n */
  fromPosition?: GlobalPosition;
  filter?: EventFilter;
  /** Largest batch delivered at once. @default 500 */
  maxBatchSize?: number;
  signal?: AbortSignal;
};

export type SubscriptionMessage =
  /** Events in log order; `position` is the last scanned position (may be past the last delivered event). */
  | { kind: 'events'; events: RecordedEvent[]; position: GlobalPosition }
  /** Sent once when catch-up reaches the end of the log; live delivery follows. */
  | { kind: 'caughtUp'; position: GlobalPosition };

/**
 * A catch-up subscription: all events after `fromPosition` in log order, then live ones, never skipping,
 * duplicating or reordering. Iterate it; `close()` (or the abort signal) ends the iteration.
 */
export type Subscription = AsyncIterable<SubscriptionMessage> & {
  close(): Promise<void>;
};

/** One stream's part of {@link EventStore.appendMany}. */
export type StreamAppend = {
  streamId: string;
  events: NewEvent[];
  /** @default 'any' */
  expectedRevision?: ExpectedRevision;
};

export type EventStore = {
  readonly kind: 'postgres' | 'eventstoredb';
  /**
   * Appends `events` to `streamId` atomically.
   * @throws {ExpectedRevisionConflictError} when the stream's revision is not `expectedRevision`.
   * Re-appending events whose ids are already stored in that stream is a no-op returning the earlier result.
   */
  append(streamId: string, events: NewEvent[], expectedRevision?: ExpectedRevision): Promise<AppendResult>;
  /**
   * Appends to several streams, in order, with each append's own rules (revision check, idempotency); results
   * in the same order. Postgres: one transaction — all or nothing, one commit, positions contiguous. EventStoreDB
   * has no multi-stream transactions: one append per stream in order, so a failure can leave the earlier ones
   * stored; since appends are idempotent by event id, retrying the same call completes it.
   * @throws {ExpectedRevisionConflictError} when a stream's revision is not its `expectedRevision`.
   */
  appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /** Events of one stream; `[]` when it does not exist. */
  readStream(streamId: string, opts?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** One page of the global log. */
  readAll(opts?: ReadAllOptions): Promise<ReadAllPage>;
  /** Position of the last event in the log (`0n` when empty). */
  headPosition(): Promise<GlobalPosition>;
  subscribeAll(opts?: SubscribeOptions): Subscription;
  /** Closes connections; subscriptions end. */
  close(): Promise<void>;
};
