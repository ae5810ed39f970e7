/**
 * Decoding of raw transactions as the pool receives them (`eth_sendRawTransaction`). Only legacy (type 0) txs,
 * EIP-155 or pre-155, are accepted by the rules; typed txs are decoded just far enough to apply the rules in the
 * reference order (chain id is checked before the type). Pure.
 */
import { type Address, bytesToHex, type Hash, type Hex, keccak256 } from '../primitives/index.ts';
import {
  decodeRlpList,
  decodeSignedLegacyTx,
  decodeUint,
  encodeUnsignedLegacyTx,
  type LegacyTx,
  TxFormatError,
} from '../tx/index.ts';
import { PoolError } from './errors.ts';

/** A signed legacy tx as the pool admits it: its sender recovered, the bytes as received, its unsigned size. */
export type DecodedLegacyTx = LegacyTx & {
  type: 0;
  from: Address;
  /** The signed tx as received. */
  raw: Hex;
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
  if (first <= 0x7f) return decodeTyped(first, raw);
  let tx: LegacyTx;
  try {
    tx = decodeSignedLegacyTx(raw);
  } catch (err) {
    throw invalidInput(err);
  }
  if (tx.from === null) throw PoolError.invalidSender();
  return { ...tx, type: 0, from: tx.from, raw: bytesToHex(raw), size: encodeUnsignedLegacyTx(tx).length };
}

function decodeTyped(type: number, raw: Uint8Array): DecodedTypedTx {
  const hash = bytesToHex(keccak256(raw)) as Hash;
  try {
    const fields = decodeRlpList(raw.subarray(1));
    const chainIdB = fields[0];
    if (!(chainIdB instanceof Uint8Array))
      throw new InvalidTxInputError(`type ${type} tx without a chain id`);
    return { type, chainId: decodeUint(chainIdB, 'chainId'), hash, raw: bytesToHex(raw) };
  } catch (err) {
    throw invalidInput(err);
  }
}

/** Format errors of the tx codec are invalid input; RLP-level ones keep the `not RLP:` prefix they always had. */
function invalidInput(err: unknown): unknown {
  if (!(err instanceof TxFormatError)) return err;
  const rlpLevel = err.reason === 'truncated' || err.reason === 'malformed' || err.reason === 'non-canonical';
  const notRlp = rlpLevel && err.offset !== undefined;
  return new InvalidTxInputError(notRlp ? `not RLP: ${err.shortMessage}` : err.shortMessage, { cause: err });
}
