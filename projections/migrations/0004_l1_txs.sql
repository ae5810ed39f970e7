-- L1 transactions the node sends through the eth-tx-manager (projections/l1tx): one row per `l1tx-<id>` stream with
-- its current status, and one row per signed attempt.
create table l1_txs (
  id text primary key,
  owner text,
  -- queued | sent | mined | confirmed | failed
  status text not null,
  from_addr text not null,
  to_addr text,
  data text not null,
  value numeric(78, 0) not null,
  -- the requested gas limit (null: estimated), then the live attempt's
  gas_limit numeric(78, 0),
  -- the live attempt's nonce and fees
  nonce numeric(78, 0),
  tx_type text,
  gas_price numeric(78, 0),
  max_fee_per_gas numeric(78, 0),
  max_priority_fee_per_gas numeric(78, 0),
  attempts integer not null default 0,
  -- every attempt's hash, in order; tx_hash is the live one (or the mined one)
  hashes text[] not null default '{}',
  tx_hash text,
  -- the receipt (null unless mined; cleared again by a reorg)
  mined_hash text,
  block_number numeric(78, 0),
  block_hash text,
  receipt_status text,
  gas_used numeric(78, 0),
  effective_gas_price numeric(78, 0),
  -- the confirmations reached when it was confirmed
  confirmations integer,
  reorgs integer not null default 0,
  failure_code text,
  failure_reason text,
  queued_at timestamptz not null,
  first_sent_at timestamptz,
  last_sent_at timestamptz,
  updated_at timestamptz not null,
  queued_position bigint not null,
  position bigint not null
);
create index l1_txs_open on l1_txs (queued_position) where status in ('queued', 'sent', 'mined');
create index l1_txs_by_sender_nonce on l1_txs (from_addr, nonce);
create index l1_txs_by_owner on l1_txs (owner, queued_position);

create table l1_tx_attempts (
  hash text primary key,
  id text not null references l1_txs (id),
  attempt integer not null,
  -- initial | bump | resign
  reason text not null,
  nonce numeric(78, 0) not null,
  gas_limit numeric(78, 0) not null,
  tx_type text not null,
  gas_price numeric(78, 0),
  max_fee_per_gas numeric(78, 0),
  max_priority_fee_per_gas numeric(78, 0),
  sent_at timestamptz not null,
  position bigint not null,
  unique (id, attempt)
);
