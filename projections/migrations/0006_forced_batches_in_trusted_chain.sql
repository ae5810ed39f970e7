-- Trusted batches that are batches forced on L1: the forced batch's number and minForcedTimestamp (the sequence
-- sender passes it to sequenceBatches so the rollup matches the forced batch). Null for sequencer batches.
alter table batches add column forced_batch_number bigint;
alter table batches add column min_forced_timestamp bigint;
