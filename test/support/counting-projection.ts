/**
 * A projection that makes double or missing applications visible: one row per event (a duplicate would violate
 * the primary key) and a running count per stream (a duplicate would over-count even without the key). Slow on
 * purpose when `delayMs` is set, so a test can kill its runner mid-catch-up.
 */
import type { Projection, SqlClient } from '../../projections/index.ts';
import type { RecordedEvent } from '../../src/eventstore/index.ts';

export const COUNTING_SQL = `
  create table if not exists counted (position bigint primary key, stream_id text not null);
  create table if not exists counts (stream_id text primary key, n bigint not null);
`;

export function countingProjection(delayMs = 0): Projection {
  return {
    name: 'counting',
    canHandle: ['Counted'],
    async handle(sql: SqlClient, events: readonly RecordedEvent[]) {
      await sql.query(COUNTING_SQL);
      for (const e of events) {
        await sql.query('insert into counted (position, stream_id) values ($1, $2)', [
          e.position.toString(),
          e.streamId,
        ]);
        await sql.query(
          'insert into counts (stream_id, n) values ($1, 1) on conflict (stream_id) do update set n = counts.n + 1',
          [e.streamId],
        );
      }
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
    },
  };
}
