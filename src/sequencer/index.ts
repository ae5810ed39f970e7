/**
 * The sequencer's pure decisions (DESIGN §6): ready-tx ordering and batch closing. The sequencer actor (the
 * I/O around them) builds on these.
 */
export {
  type BatchLimits,
  type Candidate,
  closeReason,
  type OpenBatchView,
  orderReadyTxs,
  type PoolCandidate,
} from './policy.ts';
