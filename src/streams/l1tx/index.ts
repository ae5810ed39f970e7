/**
 * The `l1tx-<id>` stream (DESIGN §4): one L1 transaction from queued to confirmed or failed, its pure
 * `decide`/`evolve`, its stream-id helper, and the fee rules (replacement minimum, gas bump) its decider enforces.
 *
 * Invariants: an attempt (`L1TxSent`) is decided — and appended — before its broadcast; a bump keeps the nonce and
 * raises every fee by ≥ 10%; a re-sign takes another nonce than the live one; nothing follows `L1TxConfirmed` or `L1TxFailed`.
 */
export {
  bumpFees,
  capFees,
  feeCap,
  isValidReplacement,
  MIN_REPLACEMENT_BUMP_PERCENT,
  raiseByPercent,
} from './fees.ts';
export {
  type ConfirmL1Tx,
  decide,
  evolve,
  type FailL1Tx,
  feeFields,
  feesOf,
  foldL1Tx,
  initialState,
  isL1TxId,
  isTerminal,
  L1TX_EVENT_TYPES,
  L1TX_STREAM_PREFIX,
  type L1TxAttempt,
  type L1TxCommand,
  type L1TxConfirmed,
  type L1TxEvent,
  type L1TxFailed,
  type L1TxFailureCode,
  type L1TxFees,
  type L1TxMined,
  type L1TxMinedInfo,
  type L1TxQueued,
  type L1TxReorged,
  type L1TxRequest,
  type L1TxSendReason,
  type L1TxSent,
  type L1TxState,
  l1TxIdOf,
  l1TxStreamId,
  lastAttempt,
  type QueueL1Tx,
  type RecordL1TxMined,
  type RecordL1TxReorged,
  type SendL1Tx,
} from './l1tx.ts';
