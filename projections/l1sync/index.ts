/**
 * The L1 read models (DESIGN §5): stored L1 blocks, virtual and verified batches with their L1 txs, forced batches,
 * global exit roots, L1 reorgs and trusted-chain divergences; projection and queries. The L1 status columns of
 * `batches` (projections/l2) follow the virtual and verified rows.
 */
export { l1SyncProjection } from './projection.ts';
export {
  type ExitRootsRow,
  type ForcedBatchRow,
  getExitRoots,
  getL1Blocks,
  getVerifiedBatch,
  getVirtualBatch,
  isBlockConsolidated,
  isBlockVirtualized,
  type L1BlockRow,
  type L1ReorgRow,
  lastBatchOfSequence,
  lastConsolidatedBlockNumber,
  lastVerifiedBatchNumber,
  lastVirtualBatchNumber,
  latestExitRoots,
  latestL1Block,
  listForcedBatches,
  listL1Reorgs,
  listTrustedReorgs,
  type TrustedReorgRow,
  type VerifiedBatchRow,
  type VirtualBatchRow,
} from './queries.ts';
