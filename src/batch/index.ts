/**
 * The batch codec (DESIGN §6, fork 5): `batchL2Data` as concatenated tx blobs
 * (unsigned RLP ‖ r ‖ s ‖ v ‖ effectivePercentage), `batchHashData` and the L1 `accInputHash`.
 * Invariants: decoding is strict, so decode → encode gives back the same bytes; a tx whose signature recovers no
 * sender decodes with `from: null` (the executor skips it), only undecodable bytes are errors. Pure.
 */
export {
  type BatchTx,
  type BatchTxInput,
  decodeBatchL2Data,
  effectiveGasPrice,
  encodeBatchL2Data,
  FULL_EFFECTIVE_PERCENTAGE,
} from './codec.ts';
export { BatchDecodeError, type BatchDecodeReason, BatchInputError } from './errors.ts';
export { type AccInputHashParams, accInputHash, batchHashData } from './hash.ts';
