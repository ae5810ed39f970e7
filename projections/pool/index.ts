/** The pool read model (DESIGN §5): its projection, its queries and the in-memory view of the pending txs. */
export { createPendingPool, type PendingPool, pendingPoolTx } from './pending.ts';
export { poolProjection } from './projection.ts';
export {
  countPending,
  getAdmissionView,
  getHighestPendingNonce,
  getPoolTx,
  listPending,
  type PoolTx,
  type PoolTxStatus,
  pendingSnapshot,
} from './queries.ts';
