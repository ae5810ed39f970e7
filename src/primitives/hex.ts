/**
 * Branded wire primitives (STYLE §17). Quantities are `bigint` inside the node; hex exists only at the wire and in
 * events (DESIGN §4: bigints as decimal strings, bytes as 0x-hex).
 */
import { keccak256 as keccak } from './keccak.ts';

export type Hex = `0x${string}`;
/** 20-byte address, lowercase 0x-hex. */
export type Address = `0x${string}` & { readonly __brand?: 'Address' };
/** 32-byte hash, lowercase 0x-hex. */
export type Hash = `0x${string}` & { readonly __brand?: 'Hash' };

const HEX_RE = /^0x[0-9a-fA-F]*$/;

export function isHex(value: unknown, opts: { strict?: boolean } = {}): value is Hex {
  return typeof value === 'string' && HEX_RE.test(value) && (!opts.strict || value.length % 2 === 0);
}

export function bytesToHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/** @throws {TypeError} when `hex` is not 0x-prefixed hex of even length. */
export function hexToBytes(hex: string): Uint8Array {
  if (!isHex(hex, { strict: true }))
    throw new TypeError(`not 0x-prefixed hex of whole bytes: ${hex.slice(0, 20)}`);
  return new Uint8Array(Buffer.from(hex.slice(2), 'hex'));
}

/** A quantity as JSON-RPC writes it: 0x-hex without leading zeros (`0x0` for zero). */
export function toQuantity(value: bigint | number): Hex {
  return `0x${value.toString(16)}`;
}

export function hexToBigInt(hex: string): bigint {
  return hex === '0x' ? 0n : BigInt(hex);
}

export const keccak256: (data: Uint8Array) => Uint8Array = keccak;

export function keccak256Hex(data: Uint8Array): Hash {
  return bytesToHex(keccak(data));
}

/** Lowercases an address; callers validate the shape first. */
export function toAddress(value: string): Address {
  return value.toLowerCase() as Address;
}

export function isAddress(value: unknown): value is Address {
  return typeof value === 'string' && /^0x[0-9a-fA-F]{40}$/.test(value);
}
