/**
 * The event store (DESIGN §4): one interface, two backends (Postgres, the default; EventStoreDB), one contract
 * test suite both pass (test/eventstore/contract.ts).
 *
 * Invariants (both backends):
 * - `append` is atomic, checks the expected revision (a typed, temporary `ExpectedRevisionConflictError`), and
 *   is idempotent by event id; events carry a schema `version`, stamped on append and upcast on read;
 * - `data` reads back exactly as appended (bigints as decimal strings, bytes as 0x-hex, key order, unicode);
 * - `subscribeAll` delivers every event after its start position once, in log order, catch-up then live;
 * - `close()` waits for in-flight appends, then ends subscriptions.
 * Postgres positions are 1, 2, 3, … gap-free in commit order; EventStoreDB's are its commit positions.
 */
import type { PgPool } from '../db/index.ts';
import type { EventStoreDbEventStore, EventStoreDbEventStoreOptions } from './eventstoredb.ts';
import { createPostgresEventStore } from './postgres.ts';
import type { EventStore } from './types.ts';
import type { Upcasters } from './upcast.ts';

export { type AppendBatcher, createAppendBatcher } from './batcher.ts';
export {
  EventStoreError,
  type EventStoreErrorCode,
  type EventStoreErrorType,
  ExpectedRevisionConflictError,
} from './errors.ts';
export type { EventStoreDbEventStore, EventStoreDbEventStoreOptions } from './eventstoredb.ts';

/**
 * The EventStoreDB backend, loaded on first use: its gRPC client costs every command ~0.1 s of start-up, and
 * only nodes configured with `store.kind = eventstoredb` need it.
 * @throws {EventStoreError} when the connection string is invalid.
 */
export async function createEventStoreDbEventStore(
  opts: EventStoreDbEventStoreOptions,
): Promise<EventStoreDbEventStore> {
  const { createEventStoreDbEventStore: create } = await import('./eventstoredb.ts');
  return create(opts);
}
export {
  createPostgresEventStore,
  type PostgresEventStore,
  type PostgresEventStoreOptions,
} from './postgres.ts';
export type {
  AppendResult,
  Event,
  EventFilter,
  EventMetadata,
  EventStore,
  ExpectedRevision,
  GlobalPosition,
  JsonObject,
  JsonValue,
  NewEvent,
  ReadAllOptions,
  ReadAllPage,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamRevision,
  SubscribeOptions,
  Subscription,
  SubscriptionMessage,
} from './types.ts';
export { createUpcasters, type UpcasterSpec, type Upcasters, type UpcastStep } from './upcast.ts';

export type EventStoreConfig =
  | { kind: 'postgres'; pool: PgPool }
  | {
      kind: 'eventstoredb';
      /** EventStoreDB connection string (`esdb://host:2113?tls=false`). */
      url: string;
    };

export type CreateEventStoreOptions = {
  upcasters?: Upcasters;
  /** Postgres only: the schema holding the tables. @default 'lev_es' */
  schema?: string;
  /** Postgres only: the live subscriptions' safety-net poll. @default 1000 */
  pollIntervalMs?: number;
};

/**
 * Opens the configured event store.
 * @throws {EventStoreError} when the options are invalid or the backend cannot be set up.
 */
export async function createEventStore(
  cfg: EventStoreConfig,
  opts: CreateEventStoreOptions = {},
): Promise<EventStore> {
  const upcasters = opts.upcasters === undefined ? {} : { upcasters: opts.upcasters };
  if (cfg.kind === 'postgres') {
    return createPostgresEventStore({
      pool: cfg.pool,
      ...upcasters,
      ...(opts.schema === undefined ? {} : { schema: opts.schema }),
      ...(opts.pollIntervalMs === undefined ? {} : { pollIntervalMs: opts.pollIntervalMs }),
    });
  }
  return createEventStoreDbEventStore({ connectionString: cfg.url, ...upcasters });
}
