/**
 * Database access: `pg` pools and the embedded PostgreSQL server (DESIGN §4). One `pg` code path everywhere.
 */
export {
  EmbeddedPostgresError,
  type EmbeddedPostgresOptions,
  type EmbeddedPostgresServer,
  signalSpawnedPostgres,
  startEmbeddedPostgres,
} from './embedded.ts';
export { createPgPool, type PgPool, withTransaction } from './pool.ts';
