/**
 * Legacy (type 0) transactions, EIP-155 or pre-155: the unsigned RLP a signer signs, the signed RLP and its hash,
 * and sender recovery. Pure.
 */
import {
  type Address,
  bytesToHex,
  ecrecover,
  type Hash,
  type Hex,
  hexToBytes,
  keccak256,
} from '../primitives/index.ts';
import { TxFormatError } from './errors.ts';
import {
  decodeByteString,
  decodeRlpList,
  decodeTo,
  decodeUint,
  encodeRlpList,
  type RlpValue,
  uintToBytes,
  uintToFixedBytes,
} from './rlp.ts';

/** secp256k1 group order. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const SECP256K1_HALF_N = SECP256K1_N / 2n;

/** The fields a legacy tx's signer signs. */
export type UnsignedLegacyTx = {
  nonce: bigint;
  gasPrice: bigint;
  /** The gas limit. */
  gas: bigint;
  /** `null` for a contract creation. */
  to: Address | null;
  value: bigint;
  data: Hex;
  /** The EIP-155 chain id; `0n` for a pre-EIP-155 tx (signed over 6 fields, v ∈ {27, 28}). */
  chainId: bigint;
};

/** A legacy tx with its signature. */
export type SignedLegacyTx = UnsignedLegacyTx & {
  /** As in the signed RLP: `27 + yParity` pre-155, `chainId * 2 + 35 + yParity` for EIP-155. */
  v: bigint;
  r: bigint;
  s: bigint;
};

/** A signed legacy tx with what derives from it. */
export type LegacyTx = SignedLegacyTx & {
  /** keccak256 of the signed RLP: the hash `eth_getTransactionByHash` takes. */
  hash: Hash;
  /** The recovered sender; `null` when the signature recovers none (see {@link recoverLegacySender}). */
  from: Address | null;
};

/**
 * The RLP a signer signs: `[nonce, gasPrice, gas, to, value, data, chainId, 0, 0]` for EIP-155,
 * `[nonce, gasPrice, gas, to, value, data]` before it. Pure.
 *
 * @throws {TxFormatError} `invalid-field` for negative or oversized integers, a `to` that is not 20 bytes or
 *   data that is not hex.
 */
export function encodeUnsignedLegacyTx(tx: UnsignedLegacyTx): Uint8Array {
  const fields = baseFields(tx);
  if (tx.chainId !== 0n) fields.push(uintToBytes(tx.chainId, 'chainId'), new Uint8Array(), new Uint8Array());
  return encodeRlpList(fields);
}

/** keccak256 of {@link encodeUnsignedLegacyTx}: the hash the sender signed. Pure. */
export function legacySigningHash(tx: UnsignedLegacyTx): Uint8Array {
  return keccak256(encodeUnsignedLegacyTx(tx));
}

/**
 * The signed RLP `[nonce, gasPrice, gas, to, value, data, v, r, s]`, as `eth_sendRawTransaction` takes it. Pure.
 *
 * @throws {TxFormatError} `invalid-field` as {@link encodeUnsignedLegacyTx}.
 */
export function encodeSignedLegacyTx(tx: SignedLegacyTx): Uint8Array {
  return encodeRlpList([
    ...baseFields(tx),
    uintToBytes(tx.v, 'v'),
    uintToBytes(tx.r, 'r'),
    uintToBytes(tx.s, 's'),
  ]);
}

/** keccak256 of {@link encodeSignedLegacyTx}: the tx hash. Pure. */
export function legacyTxHash(tx: SignedLegacyTx): Hash {
  return bytesToHex(keccak256(encodeSignedLegacyTx(tx))) as Hash;
}

/** The `v` of a signature with parity `yParity` for `chainId` (`0n` = pre-155). Pure. */
export function legacyV(chainId: bigint, yParity: 0 | 1): bigint {
  return chainId === 0n ? 27n + BigInt(yParity) : chainId * 2n + 35n + BigInt(yParity);
}

/** The signature parity that `v` encodes for `chainId`, or `null` when `v` fits neither 0 nor 1. Pure. */
export function legacyYParity(tx: Pick<SignedLegacyTx, 'v' | 'chainId'>): 0 | 1 | null {
  const parity = tx.chainId === 0n ? tx.v - 27n : tx.v - (tx.chainId * 2n + 35n);
  return parity === 0n ? 0 : parity === 1n ? 1 : null;
}

/**
 * Recovers the sender of a signed legacy tx. Returns `null`, rather than throwing, when no sender recovers: `v` does
 * not match the chain id, `r` is not in [1, n−1], `s` is not in [1, n/2] (EIP-2), or the point does not exist.
 * Pure.
 *
 * @throws {TxFormatError} `invalid-field` when the unsigned fields cannot be encoded.
 */
export function recoverLegacySender(tx: SignedLegacyTx): Address | null {
  if (legacyYParity(tx) === null) return null;
  if (tx.r < 1n || tx.r >= SECP256K1_N || tx.s < 1n || tx.s > SECP256K1_HALF_N) return null;
  const signingHash = legacySigningHash(tx);
  try {
    const publicKey = ecrecover(
      signingHash,
      tx.v,
      uintToFixedBytes(tx.r, 32, 'r'),
      uintToFixedBytes(tx.s, 32, 's'),
      tx.chainId === 0n ? undefined : tx.chainId,
    );
    return bytesToHex(keccak256(publicKey).subarray(12)) as Address;
  } catch {
    return null;
  }
}

/**
 * Adds the derived `hash` and `from` to a signed legacy tx. Pure.
 *
 * @throws {TxFormatError} `invalid-field` when the tx cannot be encoded.
 */
export function deriveLegacyTx(tx: SignedLegacyTx): LegacyTx {
  return { ...pick(tx), v: tx.v, r: tx.r, s: tx.s, hash: legacyTxHash(tx), from: recoverLegacySender(tx) };
}

/**
 * Decodes a signed legacy tx (`eth_sendRawTransaction` bytes: the RLP list of 9 fields) and recovers its sender.
 * The chain id comes from `v` (27/28 → pre-155, ≥ 35 → `(v − 35) / 2`); for any other `v` it is `0n` and `from` is
 * `null`. `from` is also `null` when the signature recovers no sender. Strict RLP. Pure.
 *
 * @throws {TxFormatError} when the bytes are not a canonical 9-field RLP list with well-formed fields.
 */
export function decodeSignedLegacyTx(raw: Uint8Array): LegacyTx {
  const fields = decodeRlpList(raw);
  if (fields.length !== 9)
    throw new TxFormatError('field-count', `legacy tx has ${fields.length} fields, want 9`);
  const base = decodeBaseFields(fields);
  const v = decodeUint(fields[6], 'v');
  const r = decodeUint(fields[7], 'r');
  const s = decodeUint(fields[8], 's');
  const chainId = v >= 35n ? (v - 35n) / 2n : 0n;
  const tx: SignedLegacyTx = { ...base, chainId, v, r, s };
  return { ...tx, hash: bytesToHex(keccak256(raw)) as Hash, from: recoverLegacySender(tx) };
}

/**
 * Decodes an unsigned legacy tx RLP as a batch carries it: 9 fields `[…, chainId, 0, 0]` (EIP-155; the chain id
 * must not be 0) or 6 fields (pre-155, chain id `0n`). Strict RLP; offsets in messages are `base` + the position
 * in `rlp`. Pure.
 *
 * @throws {TxFormatError} when the bytes are not a canonical list of 6 or 9 well-formed fields.
 */
export function decodeUnsignedLegacyTx(rlp: Uint8Array, base = 0): UnsignedLegacyTx {
  const fields = decodeRlpList(rlp, base);
  if (fields.length !== 6 && fields.length !== 9)
    throw new TxFormatError(
      'field-count',
      `unsigned legacy tx has ${fields.length} fields, want 9 (EIP-155) or 6 (pre-155)`,
    );
  const common = decodeBaseFields(fields);
  if (fields.length === 6) return { ...common, chainId: 0n };
  const chainId = decodeUint(fields[6], 'chainId');
  if (chainId === 0n)
    throw new TxFormatError(
      'invalid-field',
      'chainId is 0 in a 9-field (EIP-155) tx; pre-155 txs have 6 fields',
    );
  if (
    decodeByteString(fields[7], 'field 8').length !== 0 ||
    decodeByteString(fields[8], 'field 9').length !== 0
  )
    throw new TxFormatError('invalid-field', 'the EIP-155 placeholder fields 8 and 9 must be empty (0)');
  return { ...common, chainId };
}

function decodeBaseFields(fields: RlpValue[]): Omit<UnsignedLegacyTx, 'chainId'> {
  return {
    nonce: decodeUint(fields[0], 'nonce'),
    gasPrice: decodeUint(fields[1], 'gasPrice'),
    gas: decodeUint(fields[2], 'gas'),
    to: decodeTo(fields[3]),
    value: decodeUint(fields[4], 'value'),
    data: bytesToHex(decodeByteString(fields[5], 'data')),
  };
}

function baseFields(tx: UnsignedLegacyTx): Uint8Array[] {
  let to: Uint8Array;
  let data: Uint8Array;
  try {
    to = tx.to === null ? new Uint8Array() : hexToBytes(tx.to);
    data = hexToBytes(tx.data);
  } catch (err) {
    throw new TxFormatError(
      'invalid-field',
      `to or data is not 0x-hex of whole bytes: ${(err as Error).message}`,
    );
  }
  if (to.length !== 0 && to.length !== 20)
    throw new TxFormatError('invalid-field', 'to is not a 20-byte address');
  return [
    uintToBytes(tx.nonce, 'nonce'),
    uintToBytes(tx.gasPrice, 'gasPrice'),
    uintToBytes(tx.gas, 'gas'),
    to,
    uintToBytes(tx.value, 'value'),
    data,
  ];
}

function pick(tx: UnsignedLegacyTx): UnsignedLegacyTx {
  return {
    nonce: tx.nonce,
    gasPrice: tx.gasPrice,
    gas: tx.gas,
    to: tx.to,
    value: tx.value,
    data: tx.data,
    chainId: tx.chainId,
  };
}
