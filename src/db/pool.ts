import pg from 'pg';

export type PgPool = pg.Pool;

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
