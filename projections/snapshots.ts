/**
 * Snapshots of a stream writer's folded state (`stream_snapshots`, DESIGN §3: machine snapshots are caches only).
 * The writer serialises its own state; this module stores and loads it. A snapshot only moves forward: writing one
 * at or below the stored revision changes nothing.
 */
import type { SqlClient } from './db.ts';

export type StreamSnapshot = {
  /** The stream revision the state includes (the last event folded into it). */
  revision: number;
  /** The serialisation format the writer used; a writer ignores a snapshot of another format. */
  format: number;
  state: unknown;
};

/** The stored snapshot of `streamId`, or null. */
export async function readSnapshot(sql: SqlClient, streamId: string): Promise<StreamSnapshot | null> {
  const { rows } = await sql.query<{ revision: string; format: number; state: unknown }>(
    'select revision::text, format, state from stream_snapshots where stream_id = $1',
    [streamId],
  );
  const row = rows[0];
  return row ? { revision: Number(row.revision), format: row.format, state: row.state } : null;
}

/**
 * Stores a snapshot of `streamId` unless one at the same or a later revision is stored already — or, with
 * `replace`, whatever is stored: the writer found it unusable (another log's, another format), and a later revision
 * would otherwise keep it there, ignored at every start.
 */
export async function writeSnapshot(
  sql: SqlClient,
  streamId: string,
  snapshot: StreamSnapshot,
  opts: { replace?: boolean } = {},
): Promise<void> {
  await sql.query(
    `insert into stream_snapshots (stream_id, revision, format, state) values ($1, $2, $3, $4)
     on conflict (stream_id) do update set revision = excluded.revision, format = excluded.format,
                                           state = excluded.state, updated_at = now()
      where $5 or stream_snapshots.revision < excluded.revision`,
    [streamId, snapshot.revision, snapshot.format, JSON.stringify(snapshot.state), opts.replace === true],
  );
}
