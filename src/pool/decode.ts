/**
 * Decoding of raw transactions as the pool receives them (`eth_sendRawTransaction`). Only legacy (type 0) txs,
 * EIP-155 or pre-155, are accepted by the rules; typed txs are decoded just far enough to apply the rules in the
 * reference order (chain id is checked before the type). Pure.
 */
import { RLP } from '@ethereumjs/rlp';
import { ecrecover } from '@ethereumjs/util';
import { type Address, bytesToHex, type Hash, type Hex, keccak256 } from '../primitives/index.ts';
import { PoolError } from './errors.ts';

/** secp256k1 group order. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const SECP256K1_HALF_N = SECP256K1_N / 2n;

export type DecodedLegacyTx = {
  type: 0;
  hash: Hash;
  /** The signed tx as received. */
  raw: Hex;
  from: Address;
  nonce: bigint;
  gasPrice: bigint;
  gas: bigint;
  /** `null` for contract creation. */
  to: Address | null;
  value: bigint;
  data: Hex;
  /** `0n` for pre-EIP-155 txs. */
  chainId: bigint;
  v: bigint;
  r: bigint;
  s: bigint;
  /** Length of the unsigned RLP (needed by the batch encoding). */
  size: number;
};

/** A typed (EIP-2718) tx: decoded only for its chain id, then refused. */
export type DecodedTypedTx = { type: number; chainId: bigint; hash: Hash; raw: Hex };

export type DecodedTx = DecodedLegacyTx | DecodedTypedTx;

/** Thrown when the bytes are not a transaction at all (JSON-RPC answers -32602 "invalid tx input"). */
export class InvalidTxInputError extends Error {
  override name = 'InvalidTxInputError' as const;
}

/**
 * Decodes a signed raw tx and recovers its sender.
 *
 * @throws {InvalidTxInputError} when the bytes are not an RLP transaction.
 * @throws {PoolError} `invalid sender` when the signature does not recover a sender.
 */
export function decodeRawTx(raw: Uint8Array): DecodedTx {
  if (raw.length === 0) throw new InvalidTxInputError('empty transaction');
  const first = raw[0]!;
  const hash = bytesToHex(keccak256(raw)) as Hash;
  if (first <= 0x7f) return decodeTyped(first, raw, hash);
  const fields = decodeList(raw);
  if (fields.length !== 9) throw new InvalidTxInputError(`legacy tx has ${fields.length} fields, want 9`);
  const [nonceB, gasPriceB, gasB, toB, valueB, dataB, vB, rB, sB] = fields as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  if (toB.length !== 0 && toB.length !== 20) throw new InvalidTxInputError('to is not a 20-byte address');
  const v = uint(vB, 'v');
  const r = uint(rB, 'r');
  const s = uint(sB, 's');
  const unsignedFields: Uint8Array[] = [nonceB, gasPriceB, gasB, toB, valueB, dataB];
  let chainId: bigint;
  if (v === 27n || v === 28n) {
    chainId = 0n;
  } else if (v >= 35n) {
    chainId = (v - 35n) / 2n;
    unsignedFields.push(bigintBytes(chainId), new Uint8Array(), new Uint8Array());
  } else {
    throw PoolError.invalidSender();
  }
  const unsigned = RLP.encode(unsignedFields);
  if (r === 0n || r >= SECP256K1_N || s === 0n || s > SECP256K1_HALF_N) throw PoolError.invalidSender();
  let from: Address;
  try {
    const publicKey = ecrecover(keccak256(unsigned), v, rB, sB, chainId === 0n ? undefined : chainId);
    from = bytesToHex(keccak256(publicKey).subarray(12)) as Address;
  } catch {
    throw PoolError.invalidSender();
  }
  return {
    type: 0,
    hash,
    raw: bytesToHex(raw),
    from,
    nonce: uint(nonceB, 'nonce'),
    gasPrice: uint(gasPriceB, 'gasPrice'),
    gas: uint(gasB, 'gas'),
    to: toB.length === 0 ? null : (bytesToHex(toB) as Address),
    value: uint(valueB, 'value'),
    data: bytesToHex(dataB),
    chainId,
    v,
    r,
    s,
    size: unsigned.length,
  };
}

function decodeTyped(type: number, raw: Uint8Array, hash: Hash): DecodedTypedTx {
  const fields = decodeList(raw.subarray(1));
  const chainIdB = fields[0];
  if (!(chainIdB instanceof Uint8Array)) throw new InvalidTxInputError(`type ${type} tx without a chain id`);
  return { type, chainId: uint(chainIdB, 'chainId'), hash, raw: bytesToHex(raw) };
}

function decodeList(bytes: Uint8Array): (Uint8Array | unknown[])[] {
  let decoded: unknown;
  try {
    decoded = RLP.decode(bytes);
  } catch (err) {
    throw new InvalidTxInputError(`not RLP: ${(err as Error).message}`);
  }
  if (!Array.isArray(decoded)) throw new InvalidTxInputError('transaction is not an RLP list');
  return decoded as (Uint8Array | unknown[])[];
}

function uint(bytes: Uint8Array | unknown[], field: string): bigint {
  if (!(bytes instanceof Uint8Array)) throw new InvalidTxInputError(`${field} is a list, want a byte string`);
  if (bytes.length > 0 && bytes[0] === 0) throw new InvalidTxInputError(`${field} has leading zero bytes`);
  if (bytes.length > 32) throw new InvalidTxInputError(`${field} is longer than 32 bytes`);
  return bytes.length === 0 ? 0n : BigInt(bytesToHex(bytes));
}

function bigintBytes(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array();
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
