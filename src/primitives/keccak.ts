/**
 * keccak-256 on WebAssembly (`hash-wasm`): 1.2 µs for 32 bytes and 5.5 µs for a 532-byte trie branch here,
 * against 10 and 44 µs for @noble/hashes' pure JS. The state trie hashes every node it writes and the EVM, tx
 * and block code hash everything else, so this is the node's most called function (`npm run bench -- e2e`).
 * @noble/hashes is the fallback where WebAssembly cannot be instantiated. Pure.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { createKeccak } from 'hash-wasm';

/** One hasher, used synchronously (init, update, digest in one call): JS never interleaves inside it. */
const hasher = await createKeccak(256).catch(() => null);

/** Which implementation hashes in this process (benchmarks and tests). */
export const keccakBackend: 'wasm' | 'js' = hasher ? 'wasm' : 'js';

export const keccak256: (data: Uint8Array) => Uint8Array = hasher
  ? (data) => {
      hasher.init();
      hasher.update(data);
      return hasher.digest('binary');
    }
  : (data) => keccak_256(data);
