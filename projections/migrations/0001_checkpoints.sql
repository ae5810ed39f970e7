-- Each projection's position in the global log, committed in the same transaction as its writes (DESIGN §5).
create table checkpoints (
  name text primary key,
  position bigint not null default 0,
  updated_at timestamptz not null default now()
);
