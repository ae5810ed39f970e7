-- Snapshots of a writer's fold of its stream (the sequencer's `l2`): a cache, never a source of truth. A writer
-- restarting takes the newest one it can read (same `format`) and folds only the events after `revision`; without
-- one it folds the whole stream. Rebuilt schemas start without any.
create table stream_snapshots (
  stream_id text primary key,
  revision bigint not null,
  format integer not null,
  state json not null,
  updated_at timestamptz not null default now()
);
