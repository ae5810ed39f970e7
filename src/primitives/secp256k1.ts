/**
 * secp256k1 public-key recovery on libsecp256k1: the native binding (`secp256k1`, prebuilt for linux-x64,
 * darwin-arm64 and win32-x64; about 77 µs a recovery here) where it loads, else the same library compiled to
 * WebAssembly (`tiny-secp256k1`, about 310 µs; itself about 5× the pure-JS @noble/curves). Recovery is the
 * largest single cost of admitting a transfer (`npm run bench -- execution`, `-- e2e`). Pure.
 */
import { createRequire } from 'node:module';
import { recover as wasmRecover } from 'tiny-secp256k1';

type Recover = (msgHash: Uint8Array, signature: Uint8Array, recoveryId: 0 | 1) => Uint8Array | null;

/**
 * The native binding, loaded directly (not the package's entry point, which falls back to the pure-JS
 * `elliptic` silently, slower than the WebAssembly build); null where no prebuilt binary loads.
 */
function loadNative(): Recover | null {
  try {
    const native = createRequire(import.meta.url)('secp256k1/bindings.js') as typeof import('secp256k1');
    return (msgHash, signature, recoveryId) => native.ecdsaRecover(signature, recoveryId, msgHash, false);
  } catch {
    return null;
  }
}

const nativeRecover = loadNative();

/** Which implementation recovers keys in this process (`lev info`, benchmarks). */
export const secp256k1Backend: 'native' | 'wasm' = nativeRecover ? 'native' : 'wasm';

const recover: Recover = nativeRecover ?? ((h, sig, id) => wasmRecover(h, sig, id, false));

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
    key = recover(msgHash, signature, recoveryId);
  } catch (err) {
    throw new SignatureRecoveryError(`signature recovers no key: ${(err as Error).message}`, { cause: err });
  }
  if (key === null) throw new SignatureRecoveryError('signature recovers no key');
  return key.subarray(1);
}
