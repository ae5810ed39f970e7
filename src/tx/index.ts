/**
 * Legacy (type 0) transactions, neutral of who uses them (the pool decodes `eth_sendRawTransaction` bytes, the
 * batch codec the unsigned RLP of `batchL2Data`). Invariants: decoding is strict RLP, so whatever decodes
 * re-encodes to the same bytes; a signature that recovers no sender is not a format error (`from: null`), the
 * caller decides what that means. Pure.
 */
export { TxFormatError, type TxFormatReason } from './errors.ts';
export {
  decodeSignedLegacyTx,
  decodeUnsignedLegacyTx,
  deriveLegacyTx,
  encodeSignedLegacyTx,
  encodeUnsignedLegacyTx,
  type LegacyTx,
  legacySigningHash,
  legacyTxHash,
  legacyV,
  legacyYParity,
  recoverLegacySender,
  SECP256K1_N,
  type SignedLegacyTx,
  type UnsignedLegacyTx,
} from './legacy.ts';
export {
  decodeRlp,
  decodeRlpList,
  decodeUint,
  type RlpHeader,
  type RlpValue,
  readRlpHeader,
  uintToBytes,
  uintToFixedBytes,
} from './rlp.ts';
