-- The event log mirrored into the read-model database, for stores that cannot be queried with SQL
-- (EventStoreDB): `lev inspect` answers from it with the same indexed queries it runs on `lev_es.events` when
-- the store is Postgres. Filled only when the configured store is not Postgres (`projectionsFor`).
create table event_log (
  position bigint primary key,
  stream_id text not null,
  revision integer not null,
  id text not null,
  type text not null,
  version integer not null,
  data json not null,
  metadata json not null,
  unique (stream_id, revision)
);
