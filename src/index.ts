/**
 * The package entry point (`levitation-node`): the libraries other programs can use without running a node.
 * Explicit named exports only.
 */

// ---- For users ------------------------------------------------------------------------------------------------
// The batch codec (DESIGN §6): batchL2Data as fork-5 tx blobs, batchHashData and the L1 accInputHash.
export {
  type AccInputHashParams,
  accInputHash,
  BatchDecodeError,
  type BatchDecodeReason,
  BatchInputError,
  type BatchTx,
  type BatchTxInput,
  batchHashData,
  decodeBatchL2Data,
  effectiveGasPrice,
  encodeBatchL2Data,
  FULL_EFFECTIVE_PERCENTAGE,
} from './batch/index.ts';
export { NodeError, type Severity } from './errors/index.ts';
export type { Address, Hash, Hex } from './primitives/index.ts';
// The legacy transactions batches carry.
export type { LegacyTx, SignedLegacyTx, UnsignedLegacyTx } from './tx/index.ts';
// ---- Internals: building blocks for other libraries (no stability promise) ------------------------------------
export {
  decodeSignedLegacyTx,
  decodeUnsignedLegacyTx,
  deriveLegacyTx,
  encodeSignedLegacyTx,
  encodeUnsignedLegacyTx,
  legacySigningHash,
  legacyTxHash,
  legacyV,
  legacyYParity,
  recoverLegacySender,
  TxFormatError,
  type TxFormatReason,
} from './tx/index.ts';
