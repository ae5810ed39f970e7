/**
 * Read models (DESIGN §5): Postgres tables built only from events, each projection's checkpoint committed in the
 * same transaction as its writes, rebuildable from the first event. JSON-RPC reads these tables and never folds
 * streams on a request path.
 */
import { l1SyncProjection } from './l1sync/index.ts';
import { l1TxProjection } from './l1tx/index.ts';
import { l2Projection } from './l2/index.ts';
import { logMirrorProjection } from './log/index.ts';
import { poolProjection } from './pool/index.ts';
import type { Projection } from './runner.ts';

export {
  assertSchemaName,
  createReadModelDb,
  DEFAULT_READ_MODEL_SCHEMA,
  loadMigrations,
  type Migration,
  migrate,
  type ReadModelDb,
  type SqlClient,
} from './db.ts';
export {
  type ChangeWatch,
  createProjectionRunner,
  type Projection,
  type ProjectionRunner,
  type ProjectionRunnerOptions,
  ReadModelTimeoutError,
  readBetweenChanges,
  rebuildReadModels,
} from './runner.ts';
export { readSnapshot, type StreamSnapshot, writeSnapshot } from './snapshots.ts';

/** Every read model of the node, in the order they are applied within a batch. */
export const allProjections: readonly Projection[] = [
  poolProjection,
  l2Projection,
  l1TxProjection,
  l1SyncProjection,
];

export { l1SyncProjection, logMirrorProjection };

/**
 * The read models a node keeps for its event store: every one of {@link allProjections}, plus the log mirror
 * (`event_log`) when the store is not Postgres — `lev inspect` queries the log with SQL, which the Postgres
 * store's own table answers and EventStoreDB cannot.
 */
export function projectionsFor(storeKind: 'postgres' | 'eventstoredb'): readonly Projection[] {
  return storeKind === 'postgres' ? allProjections : [...allProjections, logMirrorProjection];
}
