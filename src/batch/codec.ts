/**
 * `batchL2Data` (fork 5, DESIGN §6): the concatenation of tx blobs
 * `unsignedRLP ‖ r (32 B) ‖ s (32 B) ‖ v (1 B, 27 + parity) ‖ effectivePercentage (1 B)`. Pure.
 */
import { bytesToHex, type Hex, hexToBytes } from '../primitives/index.ts';
import {
  decodeUnsignedLegacyTx,
  deriveLegacyTx,
  encodeUnsignedLegacyTx,
  type LegacyTx,
  readRlpHeader,
  type SignedLegacyTx,
  TxFormatError,
  type TxFormatReason,
  uintToFixedBytes,
} from '../tx/index.ts';
import { BatchDecodeError, type BatchDecodeReason, BatchInputError } from './errors.ts';

/** `effectivePercentage` when a tx pays its full gas price. */
export const FULL_EFFECTIVE_PERCENTAGE = 255;

/**
 * The gas price a tx with `effectivePercentage` pays per gas (the ROM's `txGasPrice`):
 * `floor(gasPrice * (effectivePercentage + 1) / 256)` — the full `gasPrice` at 255. Its upfront cost, its refund,
 * the sequencer's fee and the `GASPRICE` opcode all use it.
 */
export function effectiveGasPrice(gasPrice: bigint, effectivePercentage: number): bigint {
  return (gasPrice * BigInt(effectivePercentage + 1)) / 256n;
}

/** Bytes after each tx's RLP: r (32) ‖ s (32) ‖ v (1) ‖ effectivePercentage (1). */
const SIGNATURE_SUFFIX_LENGTH = 66;

/** A tx to put in a batch: a signed legacy tx and the share of its gas price it pays. */
export type BatchTxInput = SignedLegacyTx & {
  /**
   * The gas price share the tx pays, `(effectivePercentage + 1) / 256` of its gas price; 0..255.
   * @default 255 (full price)
   */
  effectivePercentage?: number;
};

/**
 * A tx as decoded from a batch: what `eth_getTransactionByHash` would show (`v` is canonical —
 * `chainId * 2 + 35 + parity` for EIP-155, 27/28 pre-155 — and `hash` is keccak256 of the signed RLP with that `v`),
 * plus its effective percentage.
 *
 * `from` is `null` when the signature recovers no sender (`r`/`s` out of range, high `s`, a `v` byte other than
 * 27/28, no curve point). Such txs are part of the batch — the reference sequences them, and the executor skips
 * them as invalid — so they decode, and re-encode to the same bytes.
 */
export type BatchTx = LegacyTx & {
  /** 0..255; 255 pays the full gas price. */
  effectivePercentage: number;
};

/**
 * Encodes txs as `batchL2Data`: per tx, its unsigned RLP (9 fields for EIP-155, 6 for pre-155) ‖ r ‖ s (32 bytes
 * each, left-padded) ‖ `v` as one byte (27 + parity, for EIP-155 txs too) ‖ effectivePercentage. The `v` byte is
 * `v − (chainId * 2 + 8)` for EIP-155 and `v` pre-155, so any byte a decoded batch carried re-encodes as it was.
 * Pure.
 *
 * @throws {BatchInputError} when a tx cannot be encoded: its `v` does not map to one byte, `r`/`s` do not fit 32
 *   bytes, `effectivePercentage` is not an integer in 0..255, or a field is out of range.
 */
export function encodeBatchL2Data(txs: readonly BatchTxInput[]): Uint8Array {
  const blobs = txs.map((tx, index) => {
    try {
      return encodeTxBlob(tx);
    } catch (err) {
      if (err instanceof TxFormatError || err instanceof BatchInputError)
        throw new BatchInputError(`batch tx ${index}: ${err.shortMessage}`, err);
      throw err;
    }
  });
  const out = new Uint8Array(blobs.reduce((n, b) => n + b.length, 0));
  let pos = 0;
  for (const blob of blobs) {
    out.set(blob, pos);
    pos += blob.length;
  }
  return out;
}

function encodeTxBlob(tx: BatchTxInput): Uint8Array {
  const pct = tx.effectivePercentage ?? FULL_EFFECTIVE_PERCENTAGE;
  if (!Number.isInteger(pct) || pct < 0 || pct > 255)
    throw new BatchInputError(`effectivePercentage ${pct} is not an integer in 0..255`);
  const vByte = tx.v - vOffset(tx.chainId);
  if (vByte < 0n || vByte > 255n)
    throw new BatchInputError(
      `v ${tx.v} does not fit the batch's one v byte for chain id ${tx.chainId} (want ${tx.chainId === 0n ? '27 or 28' : `${tx.chainId * 2n + 35n} or ${tx.chainId * 2n + 36n}`})`,
    );
  const rlp = encodeUnsignedLegacyTx(tx);
  const blob = new Uint8Array(rlp.length + SIGNATURE_SUFFIX_LENGTH);
  blob.set(rlp, 0);
  blob.set(uintToFixedBytes(tx.r, 32, 'r'), rlp.length);
  blob.set(uintToFixedBytes(tx.s, 32, 's'), rlp.length + 32);
  blob[rlp.length + 64] = Number(vByte);
  blob[rlp.length + 65] = pct;
  return blob;
}

/**
 * Decodes `batchL2Data` into its txs, recovering each sender. Each tx's length comes from its RLP list header
 * (short list 0xc0–0xf7, long list 0xf8–0xff), then the 66 signature bytes follow. 9 fields → EIP-155 with that
 * chain id (its `v` = `chainId * 2 + 8 + vByte`); 6 fields → pre-155 (`v` = the byte). Strict: whatever decodes
 * re-encodes byte for byte with {@link encodeBatchL2Data}. A signature that recovers no sender gives
 * `from: null`, not an error (see {@link BatchTx}). Empty data is an empty batch. Pure.
 *
 * @param data the bytes, or them as 0x-hex.
 * @throws {BatchDecodeError} naming the tx index and offset: truncated RLP or signature, a non-list item, trailing
 *   bytes, a wrong field count, non-canonical RLP, a malformed field.
 * @throws {BatchInputError} when `data` is a string that is not 0x-hex of whole bytes.
 */
export function decodeBatchL2Data(data: Uint8Array | Hex): BatchTx[] {
  const bytes = toBytes(data, 'batchL2Data');
  const txs: BatchTx[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const index = txs.length;
    const first = bytes[pos]!;
    if (first < 0xc0) {
      const byte = `0x${first.toString(16).padStart(2, '0')}`;
      if (index === 0)
        throw new BatchDecodeError(
          'not-a-list',
          `batchL2Data tx 0 at offset 0: ${byte} is not an RLP list header (0xc0–0xff)`,
          { txIndex: 0, offset: 0 },
        );
      throw new BatchDecodeError(
        'trailing-bytes',
        `batchL2Data has ${plural(bytes.length - pos, 'trailing byte')} at offset ${pos} after tx ${index - 1}: ${byte} is not an RLP list header (0xc0–0xff)`,
        { txIndex: index, offset: pos },
      );
    }
    let rlpEnd: number;
    try {
      rlpEnd = readRlpHeader(bytes, pos).end;
    } catch (err) {
      throw wrapFormatError(err, index, pos);
    }
    const end = rlpEnd + SIGNATURE_SUFFIX_LENGTH;
    if (end > bytes.length)
      throw new BatchDecodeError(
        'truncated-signature',
        `batchL2Data tx ${index} at offset ${pos}: truncated signature: ${SIGNATURE_SUFFIX_LENGTH} bytes (r, s, v, effectivePercentage) must follow its RLP at offset ${rlpEnd}, ${bytes.length - rlpEnd} remain`,
        { txIndex: index, offset: rlpEnd },
      );
    let unsigned: ReturnType<typeof decodeUnsignedLegacyTx>;
    try {
      unsigned = decodeUnsignedLegacyTx(bytes.subarray(pos, rlpEnd), pos);
    } catch (err) {
      throw wrapFormatError(err, index, pos);
    }
    const r = BigInt(bytesToHex(bytes.subarray(rlpEnd, rlpEnd + 32)));
    const s = BigInt(bytesToHex(bytes.subarray(rlpEnd + 32, rlpEnd + 64)));
    const v = BigInt(bytes[rlpEnd + 64]!) + vOffset(unsigned.chainId);
    txs.push({ ...deriveLegacyTx({ ...unsigned, v, r, s }), effectivePercentage: bytes[rlpEnd + 65]! });
    pos = end;
  }
  return txs;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What a batch's one v byte adds up to in a tx's `v`: `v = byte + offset`. */
function vOffset(chainId: bigint): bigint {
  return chainId === 0n ? 0n : chainId * 2n + 8n;
}

const REASONS: Record<TxFormatReason, BatchDecodeReason> = {
  truncated: 'truncated-rlp',
  malformed: 'malformed-rlp',
  'non-canonical': 'non-canonical',
  'not-a-list': 'not-a-list',
  'field-count': 'field-count',
  'invalid-field': 'invalid-field',
};

function wrapFormatError(err: unknown, txIndex: number, txOffset: number): unknown {
  if (!(err instanceof TxFormatError)) return err;
  const reason = REASONS[err.reason];
  const what = reason === 'truncated-rlp' ? 'truncated RLP: ' : '';
  return new BatchDecodeError(
    reason,
    `batchL2Data tx ${txIndex} at offset ${txOffset}: ${what}${err.shortMessage}`,
    {
      txIndex,
      offset: err.offset ?? txOffset,
      cause: err,
    },
  );
}

/** @throws {BatchInputError} when a string is not 0x-hex of whole bytes. */
export function toBytes(data: Uint8Array | Hex, what: string): Uint8Array {
  if (typeof data !== 'string') return data;
  try {
    return hexToBytes(data);
  } catch (err) {
    throw new BatchInputError(`${what} is not 0x-hex of whole bytes`, err);
  }
}
