/**
 * The transaction pool's rules: decoding of raw txs and the admission rules of the reference node, in its order
 * and with its messages (`reference/zkevm-node-spec.md` §3). Pure: state and pool views arrive as arguments; the
 * pool's contents are a read model (projections/pool) built from `tx-<hash>` streams.
 */
export {
  type DecodedLegacyTx,
  type DecodedTx,
  type DecodedTypedTx,
  decodeRawTx,
  InvalidTxInputError,
} from './decode.ts';
export { PoolError, type PoolRule } from './errors.ts';
export {
  type Admission,
  checkStatefulRules,
  checkStatelessRules,
  intrinsicGas,
  type PoolLimits,
  type PoolView,
  REFERENCE_POOL_LIMITS,
  REFERENCE_TX_EXPIRY_CHECK_MS,
  REFERENCE_TX_LIFETIME_MS,
  TX_GAS,
  TX_GAS_CONTRACT_CREATION,
} from './validate.ts';
