/** The pool read model (DESIGN §5): its projection and its queries. */
export { poolProjection } from './projection.ts';
export {
  countPending,
  getAdmissionView,
  getHighestPendingNonce,
  getPendingBySenderNonce,
  getPoolTx,
  listPending,
  type PoolTx,
  type PoolTxStatus,
  pendingSnapshot,
} from './queries.ts';
