/**
 * The log mirror: every event of the global log as one row of `event_log`, in the shape of the Postgres store's
 * `lev_es.events` (position, stream, revision, id, type, version, data, metadata). It exists for the stores
 * SQL cannot reach (EventStoreDB): `lev inspect` runs its indexed time-travel queries on it. Pure function of
 * events; `data` and `metadata` are written as `json`, key order kept.
 */
import type { RecordedEvent } from '../../src/eventstore/types.ts';
import type { SqlClient } from '../db.ts';
import type { Projection } from '../runner.ts';

/** Rows per INSERT (8 parameters each, far below Postgres' 65,535 bind limit because they go as arrays). */
const CHUNK = 1000;

export const logMirrorProjection: Projection = {
  name: 'event_log',
  canHandle: 'all',
  async handle(sql: SqlClient, events: readonly RecordedEvent[]) {
    for (let i = 0; i < events.length; i += CHUNK) {
      const chunk = events.slice(i, i + CHUNK);
      await sql.query(
        `insert into event_log (position, stream_id, revision, id, type, version, data, metadata)
         select * from unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[], $7::json[],
                              $8::json[])`,
        [
          chunk.map((e) => e.position.toString()),
          chunk.map((e) => e.streamId),
          chunk.map((e) => e.revision),
          chunk.map((e) => e.id),
          chunk.map((e) => e.type),
          chunk.map((e) => e.version),
          chunk.map((e) => JSON.stringify(e.data)),
          chunk.map((e) => JSON.stringify(e.metadata)),
        ],
      );
    }
  },
};
