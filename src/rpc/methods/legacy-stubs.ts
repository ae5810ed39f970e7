/**
 * Methods of Ethereum's API that mean nothing on this chain and that the reference answers with fixed values, so
 * clients probing for them get an answer rather than `method not found`: no compilers, protocol version 0, and no
 * uncles (every block's `uncles` is empty). The params are checked as the methods define them.
 */
import { z } from 'zod';
import { defineMethod } from '../method.ts';
import { blockNumberOrTag, hash, uint64Quantity } from '../params.ts';

/** `eth_getCompilers` → `[]`. */
export const eth_getCompilers = defineMethod({
  name: 'eth_getCompilers',
  params: z.tuple([]),
  handler: () => [],
});

/** `eth_protocolVersion` → `0x0`. */
export const eth_protocolVersion = defineMethod({
  name: 'eth_protocolVersion',
  params: z.tuple([]),
  handler: () => '0x0',
});

/** `eth_getUncleByBlockHashAndIndex(hash, index)` → null. */
export const eth_getUncleByBlockHashAndIndex = defineMethod({
  name: 'eth_getUncleByBlockHashAndIndex',
  params: z.tuple([hash, uint64Quantity]),
  handler: () => null,
});

/** `eth_getUncleByBlockNumberAndIndex(block, index)` → null. */
export const eth_getUncleByBlockNumberAndIndex = defineMethod({
  name: 'eth_getUncleByBlockNumberAndIndex',
  params: z.tuple([blockNumberOrTag, uint64Quantity]),
  handler: () => null,
});

/** `eth_getUncleCountByBlockHash(hash)` → `0x0`. */
export const eth_getUncleCountByBlockHash = defineMethod({
  name: 'eth_getUncleCountByBlockHash',
  params: z.tuple([hash]),
  handler: () => '0x0',
});

/** `eth_getUncleCountByBlockNumber(block)` → `0x0`. */
export const eth_getUncleCountByBlockNumber = defineMethod({
  name: 'eth_getUncleCountByBlockNumber',
  params: z.tuple([blockNumberOrTag]),
  handler: () => '0x0',
});
