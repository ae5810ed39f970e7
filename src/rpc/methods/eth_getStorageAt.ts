import { z } from 'zod';
import { defineMethod, type RpcContext } from '../method.ts';
import { address, blockTag } from '../params.ts';
import { stateBlock } from '../read/blocks.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { decodeStorageKey } from '../read/storage-key.ts';

/**
 * `eth_getStorageAt(address, key, block?)`: the 32-byte storage word at the block's state root (zeros when unset).
 * The key is read as geth does (hex of at most 32 bytes, 0x optional); a bad one: -32000
 * `unable to decode storage key: hex string invalid`. A block that does not exist: -32000 `header not found`.
 */
export const eth_getStorageAt = defineMethod({
  name: 'eth_getStorageAt',
  params: z.tuple([address, z.string(), blockTag.optional()]),
  handler: async ([addr, key, ref], ctx: RpcContext<ReadRpcDeps>) => {
    const { slot } = decodeStorageKey(key);
    const block = await stateBlock(ctx.deps.db.pool, ref, ctx.deps.head);
    const word = await ctx.deps.executor.getStorage(block.stateRoot, addr, slot);
    return `0x${word.toString(16).padStart(64, '0')}`;
  },
});
