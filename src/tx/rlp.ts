/**
 * A strict RLP reader and the few encoders the legacy tx needs. Strict means canonical: every input it accepts
 * re-encodes to the same bytes, which the batch round trip relies on. Pure.
 */
import { RLP } from '@ethereumjs/rlp';
import { type Address, bytesToHex } from '../primitives/index.ts';
import { TxFormatError } from './errors.ts';

/** A decoded RLP value: a byte string or a list of values. */
export type RlpValue = Uint8Array | RlpValue[];

/** Where an RLP item sits in its input. */
export type RlpHeader = {
  /** `true` for a list (first byte 0xc0–0xff). */
  isList: boolean;
  /** Offset of the payload (after the header). */
  payloadOffset: number;
  payloadLength: number;
  /** Offset just past the item. */
  end: number;
};

const UINT256_MAX = (1n << 256n) - 1n;

/**
 * Reads the header of the RLP item at `offset`, which must end at or before `limit` (default: the input's end).
 * Does not look inside the payload. Offsets in messages and in the error are `base + position` (for a caller
 * reading a slice of something larger). Pure.
 *
 * @throws {TxFormatError} `truncated` when the header or payload passes `limit`; `non-canonical` for a long form
 *   with a length under 56, a length with leading zero bytes, or a single byte below 0x80 written with a prefix.
 */
export function readRlpHeader(bytes: Uint8Array, offset: number, limit = bytes.length, base = 0): RlpHeader {
  const at = base + offset;
  if (offset >= limit) throw new TxFormatError('truncated', `no RLP item at offset ${at}: input ends`, at);
  const first = bytes[offset]!;
  if (first < 0x80) return { isList: false, payloadOffset: offset, payloadLength: 1, end: offset + 1 };
  const isList = first >= 0xc0;
  const prefix = isList ? 0xc0 : 0x80;
  const kind = isList ? 'list' : 'string';
  let payloadOffset: number;
  let payloadLength: number;
  if (first - prefix <= 55) {
    payloadOffset = offset + 1;
    payloadLength = first - prefix;
  } else {
    const lengthOfLength = first - prefix - 55;
    payloadOffset = offset + 1 + lengthOfLength;
    if (payloadOffset > limit)
      throw new TxFormatError(
        'truncated',
        `RLP ${kind} header at offset ${at} needs ${lengthOfLength} length bytes, ${limit - offset - 1} remain`,
        at,
      );
    if (bytes[offset + 1] === 0)
      throw new TxFormatError(
        'non-canonical',
        `RLP ${kind} length at offset ${at} has leading zero bytes`,
        at,
      );
    let length = 0;
    for (let i = offset + 1; i < payloadOffset; i++) length = length * 256 + bytes[i]!;
    if (length <= 55)
      throw new TxFormatError(
        'non-canonical',
        `RLP ${kind} at offset ${at} uses the long form for ${plural(length, 'byte')} (short form is canonical)`,
        at,
      );
    payloadLength = length;
  }
  const end = payloadOffset + payloadLength;
  if (end > limit)
    throw new TxFormatError(
      'truncated',
      `RLP ${kind} at offset ${at} declares ${payloadLength} payload bytes, ${Math.max(0, limit - payloadOffset)} remain`,
      at,
    );
  if (!isList && payloadLength === 1 && bytes[payloadOffset]! < 0x80)
    throw new TxFormatError(
      'non-canonical',
      `RLP string at offset ${at} wraps the single byte 0x${bytes[payloadOffset]!.toString(16).padStart(2, '0')} in a prefix`,
      at,
    );
  return { isList, payloadOffset, payloadLength, end };
}

/**
 * Decodes one RLP item that must fill `bytes` exactly. Strict (see {@link readRlpHeader}); offsets in messages are
 * `base` + the position in `bytes`. Pure.
 *
 * @throws {TxFormatError} `truncated` (the item runs past the input), `non-canonical`, or `malformed` (bytes after
 *   the item, or an item running past its enclosing list).
 */
export function decodeRlp(bytes: Uint8Array, base = 0): RlpValue {
  const { value, end } = readItem(bytes, 0, bytes.length, base, false);
  if (end !== bytes.length)
    throw new TxFormatError(
      'malformed',
      `${plural(bytes.length - end, 'byte')} after the RLP item ending at offset ${base + end}`,
      base + end,
    );
  return value;
}

function readItem(
  bytes: Uint8Array,
  offset: number,
  limit: number,
  base: number,
  nested: boolean,
): { value: RlpValue; end: number } {
  let header: RlpHeader;
  try {
    header = readRlpHeader(bytes, offset, limit, base);
  } catch (err) {
    if (nested && err instanceof TxFormatError && err.reason === 'truncated')
      throw new TxFormatError(
        'malformed',
        `RLP item at offset ${base + offset} overruns its list, which ends at offset ${base + limit}`,
        base + offset,
      );
    throw err;
  }
  if (!header.isList) return { value: bytes.slice(header.payloadOffset, header.end), end: header.end };
  const items: RlpValue[] = [];
  let pos = header.payloadOffset;
  while (pos < header.end) {
    const child = readItem(bytes, pos, header.end, base, true);
    items.push(child.value);
    pos = child.end;
  }
  return { value: items, end: header.end };
}

/**
 * Decodes `bytes` as one RLP list of values (`base` as in {@link decodeRlp}). Pure.
 *
 * @throws {TxFormatError} as {@link decodeRlp}, or `not-a-list` when the item is a byte string.
 */
export function decodeRlpList(bytes: Uint8Array, base = 0): RlpValue[] {
  const value = decodeRlp(bytes, base);
  if (!Array.isArray(value)) throw new TxFormatError('not-a-list', 'transaction is not an RLP list', base);
  return value;
}

/**
 * Reads a canonical unsigned integer field (no leading zero bytes, at most 32 bytes; empty = 0). Pure.
 *
 * @throws {TxFormatError} `non-canonical` for leading zeros; `invalid-field` for a list or more than 32 bytes.
 */
export function decodeUint(value: RlpValue | undefined, field: string): bigint {
  const bytes = decodeByteString(value, field);
  if (bytes.length > 0 && bytes[0] === 0)
    throw new TxFormatError('non-canonical', `${field} has leading zero bytes`);
  if (bytes.length > 32) throw new TxFormatError('invalid-field', `${field} is longer than 32 bytes`);
  return bytes.length === 0 ? 0n : BigInt(bytesToHex(bytes));
}

/**
 * Reads a byte-string field. Pure.
 *
 * @throws {TxFormatError} `invalid-field` when the value is a list (or missing).
 */
export function decodeByteString(value: RlpValue | undefined, field: string): Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new TxFormatError('invalid-field', `${field} is a list, want a byte string`);
  return value;
}

/**
 * Reads the `to` field: empty for a contract creation, else 20 bytes. Pure.
 *
 * @throws {TxFormatError} `invalid-field` for any other length, or a list.
 */
export function decodeTo(value: RlpValue | undefined): Address | null {
  if (!(value instanceof Uint8Array) || (value.length !== 0 && value.length !== 20))
    throw new TxFormatError('invalid-field', 'to is not a 20-byte address');
  return value.length === 0 ? null : (bytesToHex(value) as Address);
}

/**
 * The minimal big-endian bytes of an unsigned integer (empty for 0), as RLP integers are written. Pure.
 *
 * @throws {TxFormatError} `invalid-field` when `value` is negative or above 2^256 − 1.
 */
export function uintToBytes(value: bigint, field = 'value'): Uint8Array {
  if (value < 0n || value > UINT256_MAX)
    throw new TxFormatError('invalid-field', `${field} ${value} is not an unsigned 256-bit integer`);
  if (value === 0n) return new Uint8Array();
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/**
 * An unsigned integer as exactly `size` big-endian bytes, left-padded (r and s in a batch are 32 bytes). Pure.
 *
 * @throws {TxFormatError} `invalid-field` when it does not fit.
 */
export function uintToFixedBytes(value: bigint, size: number, field = 'value'): Uint8Array {
  if (value < 0n || value >= 1n << BigInt(size * 8))
    throw new TxFormatError('invalid-field', `${field} ${value} does not fit in ${size} bytes`);
  return new Uint8Array(Buffer.from(value.toString(16).padStart(size * 2, '0'), 'hex'));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** RLP-encodes a list of byte strings (flat). Pure. */
export function encodeRlpList(items: Uint8Array[]): Uint8Array {
  return RLP.encode(items);
}
