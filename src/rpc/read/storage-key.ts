import type { Hash } from '../../primitives/index.ts';
import { ServerRpcError } from '../errors.ts';

/**
 * A storage key as geth reads it (`decodeHash`): optional 0x, odd length padded with a leading zero, at most 32
 * bytes, left-padded to 32. Returns the slot and how many bytes were given. Pure.
 * @throws {ServerRpcError} -32000 `unable to decode storage key: hex string invalid` (or `… too long …`).
 */
export function decodeStorageKey(key: string): { slot: Hash; inputBytes: number } {
  let hex = key.startsWith('0x') || key.startsWith('0X') ? key.slice(2) : key;
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (!/^[0-9a-fA-F]*$/.test(hex))
    throw new ServerRpcError('unable to decode storage key: hex string invalid');
  if (hex.length > 64)
    throw new ServerRpcError('unable to decode storage key: hex string too long, want at most 32 bytes');
  return { slot: `0x${hex.toLowerCase().padStart(64, '0')}` as Hash, inputBytes: hex.length / 2 };
}
