/** The L1-tx read model (DESIGN §5): `l1_txs` and `l1_tx_attempts`, their projection and queries. */
export { L1TX_PROJECTION, l1TxProjection } from './projection.ts';
export {
  getL1Tx,
  getL1TxAttempts,
  getL1TxByHash,
  type L1TxAttemptRow,
  type L1TxRow,
  type L1TxSnapshot,
  type L1TxStatus,
  listL1Txs,
  readL1TxSnapshot,
} from './queries.ts';
