-- What the synchronizer learned from L1 (projections/l1sync), from the `l1-sync` stream: the stored L1 blocks,
-- virtual and verified batches with their L1 txs, forced batches, global exit roots, L1 reorgs and trusted-chain
-- divergences. Batch 0 (the genesis) is virtual and verified from the start, as in the reference. The status
-- columns of `batches` (projections/l2) follow virtual_batches and verified_batches.

create table l1_blocks (
  number bigint primary key,
  hash text not null,
  parent_hash text not null,
  timestamp bigint not null,
  position bigint not null
);

create table virtual_batches (
  batch_number bigint primary key,
  -- null for the genesis batch
  l1_block_number bigint,
  l1_block_hash text,
  -- the sequencing tx (zero hash for the genesis batch)
  tx_hash text not null,
  -- sequence | forced | genesis
  kind text not null,
  sequencer text not null,
  coinbase text not null,
  timestamp bigint not null,
  global_exit_root text not null,
  batch_hash_data text not null,
  acc_input_hash text not null,
  forced_batch_number bigint,
  position bigint not null
);
create index virtual_batches_l1_block on virtual_batches (l1_block_number);

create table verified_batches (
  batch_number bigint primary key,
  l1_block_number bigint,
  l1_block_hash text,
  tx_hash text not null,
  aggregator text not null,
  -- the state root after the last batch of the verification (`final_batch`)
  state_root text not null,
  final_batch bigint not null,
  position bigint not null
);
create index verified_batches_l1_block on verified_batches (l1_block_number);

create table forced_batches (
  forced_batch_number bigint primary key,
  l1_block_number bigint not null,
  l1_block_hash text not null,
  tx_hash text not null,
  global_exit_root text not null,
  sequencer text not null,
  transactions text not null,
  timestamp bigint not null,
  -- the batch that consumed it, once sequenced
  batch_number bigint,
  position bigint not null
);
create index forced_batches_l1_block on forced_batches (l1_block_number);

create table exit_roots (
  global_exit_root text primary key,
  mainnet_exit_root text not null,
  rollup_exit_root text not null,
  l1_block_number bigint not null,
  l1_block_hash text not null,
  tx_hash text not null,
  timestamp bigint not null,
  position bigint not null
);
create index exit_roots_l1_block on exit_roots (l1_block_number);

create table l1_reorgs (
  position bigint primary key,
  -- the event's metadata time
  detected_at text not null,
  depth bigint not null,
  common_ancestor_number bigint not null,
  common_ancestor_hash text not null,
  orphaned json not null,
  unvirtualized json not null,
  unverified json not null,
  dropped_forced_batches json not null
);

create table trusted_reorgs (
  position bigint primary key,
  detected_at text not null,
  batch_number bigint not null,
  field text not null,
  trusted text,
  l1 text not null,
  l1_block_number bigint not null,
  l1_block_hash text not null,
  tx_hash text not null
);
