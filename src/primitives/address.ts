/**
 * Addresses without an Ethereum library: the address of a private key, of a contract created with CREATE, and the
 * EIP-55 checksum. The configuration uses these so that loading it does not load ethers (a third of every command's
 * start-up). Pure.
 */
import { pointFromScalar } from 'tiny-secp256k1';
import { type Address, bytesToHex, type Hex, hexToBytes, keccak256 } from './hex.ts';

/**
 * The address of a secp256k1 private key (32 bytes of 0x-hex): the last 20 bytes of keccak256 of its public key.
 * @throws {RangeError} when the key is not a valid private key.
 */
export function privateKeyToAddress(privateKey: Hex): Address {
  const bytes = hexToBytes(privateKey);
  let point: Uint8Array | null = null;
  try {
    point = bytes.length === 32 ? pointFromScalar(bytes, false) : null;
  } catch {
    // tiny-secp256k1 throws for a scalar outside [1, n)
  }
  if (!point) throw new RangeError('not a valid secp256k1 private key');
  return bytesToHex(keccak256(point.subarray(1)).subarray(12)) as Address;
}

/** The address of the contract `from` creates with CREATE at `nonce`: keccak256(rlp([from, nonce]))[12:]. */
export function contractAddress(from: Address, nonce: bigint | number): Address {
  let n = BigInt(nonce);
  if (n < 0n) throw new RangeError(`negative nonce ${n}`);
  const nonceBytes: number[] = [];
  for (; n > 0n; n >>= 8n) nonceBytes.unshift(Number(n & 0xffn));
  const nonceItem =
    nonceBytes.length === 0
      ? [0x80]
      : nonceBytes.length === 1 && nonceBytes[0]! < 0x80
        ? nonceBytes
        : [0x80 + nonceBytes.length, ...nonceBytes];
  const payload = [0x94, ...hexToBytes(from.toLowerCase()), ...nonceItem];
  return bytesToHex(keccak256(new Uint8Array([0xc0 + payload.length, ...payload])).subarray(12)) as Address;
}

/** `address` with the EIP-55 mixed-case checksum. */
export function checksumAddress(address: string): Address {
  const lower = address.toLowerCase().slice(2);
  const hash = bytesToHex(keccak256(new TextEncoder().encode(lower))).slice(2);
  let out = '0x';
  for (let i = 0; i < 40; i++)
    out += Number.parseInt(hash[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i]!;
  return out as Address;
}
