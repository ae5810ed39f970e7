-- The transaction pool: every tx the pool accepted, with its current status (projections/pool).
create table pool_txs (
  hash text primary key,
  from_addr text not null,
  nonce numeric(78, 0) not null,
  gas_price numeric(78, 0) not null,
  gas numeric(78, 0) not null,
  to_addr text,
  value numeric(78, 0) not null,
  input text not null,
  chain_id numeric(78, 0) not null,
  v numeric(78, 0) not null,
  r text not null,
  s text not null,
  raw text not null,
  ip text,
  -- pending | replaced | included | failed | invalidated
  status text not null,
  status_reason text,
  replaced_by text,
  received_at timestamptz not null,
  position bigint not null
);
create index pool_txs_pending_by_sender on pool_txs (from_addr, nonce) where status = 'pending';
create index pool_txs_pending_by_price on pool_txs (gas_price desc, position) where status = 'pending';
