import { z } from 'zod';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { address, blockTag } from '../params.ts';
import { stateBlock } from '../read/blocks.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

/**
 * `eth_getBalance(address, block?)`: the balance at the block's state root (`latest` when absent; 0 for an
 * unknown account). A block that does not exist: -32000 `header not found`.
 */
export const eth_getBalance = defineMethod({
  name: 'eth_getBalance',
  params: z.tuple([address, blockTag.optional()]),
  handler: async ([addr, ref], ctx: RpcContext<ReadRpcDeps>) => {
    const block = await stateBlock(ctx.deps.db.pool, ref, ctx.deps.head);
    return toQuantity((await ctx.deps.executor.getAccount(block.stateRoot, addr)).balance);
  },
});
