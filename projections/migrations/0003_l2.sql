-- The trusted L2 chain (projections/l2): blocks, their one tx each, receipts, logs, and batches.
create table l2_blocks (
  number bigint primary key,
  hash text not null unique,
  parent_hash text not null,
  batch_number bigint not null,
  timestamp bigint not null,
  coinbase text not null,
  state_root text not null,
  transactions_root text not null,
  receipts_root text not null,
  logs_bloom text not null,
  gas_limit numeric(78, 0) not null,
  gas_used numeric(78, 0) not null,
  -- null for block 0 (genesis)
  tx_hash text,
  position bigint not null
);
create index l2_blocks_batch on l2_blocks (batch_number);

create table l2_txs (
  hash text primary key,
  block_number bigint not null references l2_blocks (number) on delete cascade,
  block_hash text not null,
  tx_index int not null,
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
  batch_blob text not null
);
create index l2_txs_block on l2_txs (block_number);
create index l2_txs_sender_nonce on l2_txs (from_addr, nonce);

create table l2_receipts (
  tx_hash text primary key references l2_txs (hash) on delete cascade,
  block_number bigint not null,
  status smallint not null,
  gas_used numeric(78, 0) not null,
  cumulative_gas_used numeric(78, 0) not null,
  contract_address text,
  logs_bloom text not null,
  effective_gas_price numeric(78, 0) not null,
  -- the post-state root (the reference's receipt `root`)
  root text not null
);

create table l2_logs (
  block_number bigint not null references l2_blocks (number) on delete cascade,
  log_index int not null,
  block_hash text not null,
  tx_hash text not null,
  tx_index int not null,
  address text not null,
  topic0 text,
  topic1 text,
  topic2 text,
  topic3 text,
  data text not null,
  primary key (block_number, log_index)
);
create index l2_logs_address on l2_logs (address, block_number);
create index l2_logs_topic0 on l2_logs (topic0, block_number);

create table batches (
  number bigint primary key,
  -- trusted | virtual | verified
  status text not null default 'trusted',
  closed boolean not null default false,
  close_reason text,
  timestamp bigint not null,
  coinbase text not null,
  global_exit_root text not null,
  old_state_root text not null,
  old_acc_input_hash text not null,
  state_root text,
  acc_input_hash text,
  batch_l2_data text,
  first_block bigint,
  last_block bigint,
  sequence_tx_hash text,
  verify_tx_hash text
);
