import { createHash } from 'node:crypto';
import pg from 'pg';

export type PgPool = pg.Pool;

/** Distinct statement texts named per process at most; any further text runs unnamed (parsed each time). */
const MAX_NAMED_STATEMENTS = 512;
const statementNames = new Map<string, string>();

/** The server-side name of a parameterised statement's text, or undefined once the names are all given out. */
function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) {
    name = `lev_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * A client that runs every parameterised statement as a named prepared statement: Postgres parses and plans
 * each text once per connection, then only binds and executes it. The node's SQL is a fixed set of texts run
 * thousands of times a second, and parsing and planning them was about half of Postgres's CPU under load
 * (`npm run bench -- e2e`). Unparameterised text (migrations, `begin`, multi-statement scripts) goes as it was.
 */
class PreparingClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's `query` overloads cannot be re-declared one by one here.
  override query(config: any, values?: any, callback?: any): any {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = statementName(config);
      if (name !== undefined) return super.query({ name, text: config, values }, callback);
    }
    return super.query(config, values, callback);
  }
}

/** A `pg` pool whose idle-client errors (server restarts, network drops) are reported, never thrown. */
export function createPgPool(
  url: string,
  opts: {
    max?: number;
    applicationName?: string;
    /** Schema search path set on every connection (`-c search_path=...` at connect time). */
    searchPath?: string;
    onError?: (err: Error) => void;
  } = {},
): PgPool {
  const pool = new pg.Pool({
    Client: PreparingClient,
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'lev',
    ...(opts.searchPath ? { options: `-c search_path=${opts.searchPath}` } : {}),
  });
  pool.on('error', (err) => opts.onError?.(err));
  return pool;
}

/** Runs `fn` inside one transaction on one client; commits on success, rolls back on any error. */
export async function withTransaction<T>(
  pool: PgPool,
  fn: (client: pg.PoolClient) => Promise<T>,
  /** What follows BEGIN, e.g. `isolation level repeatable read read only`. */
  mode?: string,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(mode ? `begin transaction ${mode}` : 'begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
