/**
 * The `l1-sync` stream (DESIGN §4): L1 blocks stored, batches virtualized and verified, forced batches, global exit
 * roots, L1 reorgs and trusted-chain divergences — pure `decide`/`evolve` and the reorg walk-back.
 *
 * Invariants: the cursor is the newest `L1BlockSynced`; facts are stored only with the block they came from, so a
 * `ReorgDetected` to a common ancestor undoes exactly what the orphaned blocks brought; the block in which a
 * divergence was found is never stored, so a restart finds it again.
 */
export {
  L1ChainMismatchError,
  L1SyncConsistencyError,
  TrustedReorgError,
} from './errors.ts';
export {
  type BatchesVirtualized,
  cursorOf,
  decide,
  evolve,
  type ForcedBatchInput,
  type ForcedBatchObserved,
  foldL1Sync,
  type GlobalExitRootUpdated,
  initialState,
  L1_SYNC_EVENT_TYPES,
  L1_SYNC_STREAM_ID,
  type L1BlockFacts,
  type L1BlockHeader,
  type L1BlockRef,
  type L1BlockSynced,
  type L1Fact,
  type L1SyncCommand,
  type L1SyncEvent,
  type L1SyncState,
  type List,
  lastAccInputHash,
  lastForcedBatch,
  lastVerifiedBatch,
  lastVirtualBatch,
  listItems,
  nextBlockToScan,
  type ProofVerified,
  type RecordL1Reorg,
  type ReorgDetected,
  type SequencedBatchInput,
  type SyncL1Range,
  storedBlocks,
  type TrustedBatch,
  type TrustedReorgDetected,
  type TrustedReorgField,
  type VirtualizedBatch,
} from './l1sync.ts';
export { cursorMatches, findCommonAncestor } from './reorg.ts';
