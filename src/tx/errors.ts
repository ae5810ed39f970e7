import { NodeError } from '../errors/index.ts';

/**
 * Why bytes or values are not a legacy transaction:
 * - `truncated`: an RLP header or payload runs past the end of the input;
 * - `malformed`: bytes left after the item, or an item overrunning its list;
 * - `non-canonical`: RLP that a strict decoder refuses (a long form for a short length, a length or integer with
 *   leading zero bytes, a single byte below 0x80 written with a prefix);
 * - `not-a-list`: the transaction is not an RLP list;
 * - `field-count`: the list has the wrong number of fields;
 * - `invalid-field`: a field has the wrong shape or value (a list where bytes are wanted, a `to` that is not
 *   20 bytes, an integer over 32 bytes, non-zero EIP-155 placeholders, a negative value to encode).
 */
export type TxFormatReason =
  | 'truncated'
  | 'malformed'
  | 'non-canonical'
  | 'not-a-list'
  | 'field-count'
  | 'invalid-field';

/**
 * Bytes that are not a legacy transaction, or values that cannot be encoded as one. Deterministic, so retrying
 * does not help (severity `critical`); callers that expect untrusted input catch it and wrap it in their own error.
 * `offset` is the byte position in the decoded input (relative to its start) when known.
 */
export class TxFormatError extends NodeError<'TxFormatError'> {
  override name = 'TxFormatError' as const;
  readonly reason: TxFormatReason;
  readonly offset: number | undefined;

  constructor(reason: TxFormatReason, message: string, offset?: number) {
    super(message, { code: `TX_${reason.toUpperCase().replaceAll('-', '_')}`, severity: 'critical' });
    this.reason = reason;
    this.offset = offset;
  }
}
