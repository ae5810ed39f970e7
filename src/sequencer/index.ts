/**
 * The sequencer's pure decisions (DESIGN §6): ready-tx ordering and batch closing. The sequencer actor (the
 * I/O around them) builds on these. Also the hand-off between a pool intake and a sequencer in one process
 * (direct inclusion): in-memory bookkeeping, no I/O.
 */

export {
  createInclusionHandoff,
  type HandedTx,
  type HandoffOutcome,
  type InclusionHandoff,
} from './handoff.ts';
export {
  type BatchLimits,
  type Candidate,
  closeReason,
  fitsNoBatch,
  type OpenBatchView,
  orderReadyTxs,
  type PoolCandidate,
} from './policy.ts';
