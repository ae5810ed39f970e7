/**
 * secp256k1 public-key recovery on libsecp256k1 compiled to WebAssembly (`tiny-secp256k1`): about 5× the
 * pure-JS recovery of @noble/curves on these machines (`npm run bench -- execution`), and recovery is the
 * largest single cost of admitting and executing a transfer. Pure.
 */
import { recover } from 'tiny-secp256k1';

/** Thrown when a signature recovers no public key (invalid `v`, `r`/`s` out of range, no such point). */
export class SignatureRecoveryError extends Error {
  override name = 'SignatureRecoveryError' as const;
}

const recoveryOf = (v: bigint, chainId?: bigint): 0 | 1 => {
  const id = v === 0n || v === 1n ? v : chainId === undefined ? v - 27n : v - (chainId * 2n + 35n);
  if (id !== 0n && id !== 1n) throw new SignatureRecoveryError(`invalid signature v value ${v}`);
  return id === 0n ? 0 : 1;
};

const leftPad32 = (b: Uint8Array): Uint8Array => {
  if (b.length === 32) return b;
  if (b.length > 32) throw new SignatureRecoveryError(`signature component of ${b.length} bytes`);
  const out = new Uint8Array(32);
  out.set(b, 32 - b.length);
  return out;
};

/**
 * Recovers the 64-byte uncompressed public key (no 0x04 prefix) that signed `msgHash` — the signature and
 * result of @ethereumjs/util's `ecrecover`, so it also serves as the EVM's `customCrypto.ecrecover`. `v` is
 * 0/1, 27/28, or EIP-155 (`chainId` given). Accepts high `s` (the ECRECOVER precompile does; tx rules check
 * EIP-2 themselves).
 *
 * @throws {SignatureRecoveryError} when no key recovers.
 */
export function ecrecover(
  msgHash: Uint8Array,
  v: bigint,
  r: Uint8Array,
  s: Uint8Array,
  chainId?: bigint,
): Uint8Array {
  const recoveryId = recoveryOf(v, chainId);
  const signature = new Uint8Array(64);
  signature.set(leftPad32(r), 0);
  signature.set(leftPad32(s), 32);
  let key: Uint8Array | null;
  try {
    key = recover(msgHash, signature, recoveryId, false);
  } catch (err) {
    throw new SignatureRecoveryError(`signature recovers no key: ${(err as Error).message}`, { cause: err });
  }
  if (key === null) throw new SignatureRecoveryError('signature recovers no key');
  return key.subarray(1);
}
