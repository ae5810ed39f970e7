import { z } from 'zod';
import { defineMethod, type RpcContext } from '../method.ts';
import { address, blockTag } from '../params.ts';
import { stateBlock } from '../read/blocks.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

/**
 * `eth_getCode(address, block?)`: the runtime code at the block's state root (`0x` for none). A block that does not
 * exist: -32000 `header not found`.
 */
export const eth_getCode = defineMethod({
  name: 'eth_getCode',
  params: z.tuple([address, blockTag.optional()]),
  handler: async ([addr, ref], ctx: RpcContext<ReadRpcDeps>) => {
    const block = await stateBlock(ctx.deps.db.pool, ref, ctx.deps.head);
    return ctx.deps.executor.getCode(block.stateRoot, addr);
  },
});
