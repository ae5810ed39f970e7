import { NodeError } from '../errors/index.ts';

/**
 * Why `batchL2Data` does not decode:
 * - `truncated-rlp`: a tx's RLP list header, or the list it declares, runs past the end of the data;
 * - `truncated-signature`: fewer than the 66 bytes r ‖ s ‖ v ‖ effectivePercentage follow a tx's RLP;
 * - `not-a-list`: the data does not start with an RLP list header (0xc0–0xff);
 * - `trailing-bytes`: after at least one whole tx, the remaining bytes do not start another one;
 * - `field-count`: a tx's RLP list has neither 9 (EIP-155) nor 6 (pre-155) fields;
 * - `non-canonical`: RLP a strict decoder refuses (integers or lengths with leading zeros, long forms for short
 *   lengths, a single byte below 0x80 behind a prefix): it would not re-encode to the same bytes;
 * - `malformed-rlp`: an item inside a tx's list runs past the list's end;
 * - `invalid-field`: a field has the wrong shape (a nested list, a `to` that is not 20 bytes, an integer over 32
 *   bytes, chain id 0 in a 9-field tx, non-empty EIP-155 placeholders).
 */
export type BatchDecodeReason =
  | 'truncated-rlp'
  | 'truncated-signature'
  | 'not-a-list'
  | 'trailing-bytes'
  | 'field-count'
  | 'non-canonical'
  | 'malformed-rlp'
  | 'invalid-field';

/**
 * `batchL2Data` that is not a concatenation of tx blobs. The message names the tx index and the byte offset where
 * the problem is. Deterministic for given bytes, so retrying does not help (severity `critical`); whoever decodes
 * untrusted data (a forced batch from L1) catches it and decides what the batch means.
 */
export class BatchDecodeError extends NodeError<'BatchDecodeError'> {
  override name = 'BatchDecodeError' as const;
  readonly reason: BatchDecodeReason;
  /** Index of the tx being decoded (the number of whole txs before it). */
  readonly txIndex: number;
  /** Byte offset in `batchL2Data` of the problem (for field errors: of the tx). */
  readonly offset: number;

  constructor(
    reason: BatchDecodeReason,
    message: string,
    at: { txIndex: number; offset: number; cause?: unknown },
  ) {
    super(message, {
      code: `BATCH_${reason.toUpperCase().replaceAll('-', '_')}`,
      severity: 'critical',
      ...(at.cause === undefined ? {} : { cause: at.cause }),
    });
    this.reason = reason;
    this.txIndex = at.txIndex;
    this.offset = at.offset;
  }
}

/** Values that cannot be encoded into a batch or hashed (a `v` that does not fit one byte, a bad hash length…). */
export class BatchInputError extends NodeError<'BatchInputError'> {
  override name = 'BatchInputError' as const;

  constructor(message: string, cause?: unknown) {
    super(message, { code: 'BATCH_INPUT', severity: 'critical', ...(cause === undefined ? {} : { cause }) });
  }
}
