/**
 * The read-model database: a `pg` pool whose connections have `search_path` set to one schema, so projections,
 * migrations and queries use unqualified table names and a rebuild can target a fresh schema.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { createPgPool, type PgPool, withTransaction } from '../src/db/index.ts';
import { ValidationError } from '../src/errors/index.ts';

/** The schema the live read models use. */
export const DEFAULT_READ_MODEL_SCHEMA = 'lev_rm';

export type ReadModelDb = {
  pool: PgPool;
  schema: string;
  close(): Promise<void>;
};

export type SqlClient = Pick<pg.PoolClient, 'query'>;

const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;

/** @throws {ValidationError} when `schema` is not a plain lowercase SQL identifier. */
export function assertSchemaName(schema: string): void {
  if (!SCHEMA_RE.test(schema)) {
    throw new ValidationError(
      `invalid schema name "${schema}": use lowercase letters, digits and _ (max 63)`,
    );
  }
}

export function createReadModelDb(
  url: string,
  opts: { schema?: string; max?: number; onError?: (err: Error) => void } = {},
): ReadModelDb {
  const schema = opts.schema ?? DEFAULT_READ_MODEL_SCHEMA;
  assertSchemaName(schema);
  const pool = createPgPool(url, {
    max: opts.max ?? 10,
    applicationName: `lev-rm-${schema}`,
    // Every connection of this pool resolves unqualified names in the read-model schema.
    searchPath: schema,
    ...(opts.onError ? { onError: opts.onError } : {}),
  });
  return { pool, schema, close: () => pool.end() };
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url).pathname;

export type Migration = { id: string; sql: string };

/** The versioned SQL migrations, in order (`projections/migrations/NNNN_name.sql`). */
export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ id: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * Creates the schema if needed and applies every migration not applied yet, each in its own transaction, under an
 * advisory lock so concurrent starters apply each migration once. Returns the ids applied now.
 */
export async function migrate(db: ReadModelDb, migrations = loadMigrations()): Promise<string[]> {
  const applied: string[] = [];
  await withTransaction(db.pool, async (client) => {
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`lev-migrate:${db.schema}`]);
    await client.query(`create schema if not exists ${db.schema}`);
    await client.query(`set local search_path to ${db.schema}`);
    await client.query(
      'create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())',
    );
    const { rows } = await client.query<{ id: string }>('select id from schema_migrations');
    const done = new Set(rows.map((r) => r.id));
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await client.query(m.sql);
      await client.query('insert into schema_migrations (id) values ($1)', [m.id]);
      applied.push(m.id);
    }
  });
  return applied;
}
