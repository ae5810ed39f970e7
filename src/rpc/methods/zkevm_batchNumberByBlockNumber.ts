import { z } from 'zod';
import { getBlockByNumber } from '../../../projections/l2/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { MAX_BLOCK_NUMBER, uint64Quantity } from '../params.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

/** `zkevm_batchNumberByBlockNumber(n)` → the batch holding L2 block n, or null when the block does not exist. */
export const zkevm_batchNumberByBlockNumber = defineMethod({
  name: 'zkevm_batchNumberByBlockNumber',
  params: z.tuple([uint64Quantity]),
  handler: async ([n], ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) => {
    if (n > MAX_BLOCK_NUMBER) return null; // no such block
    const block = await getBlockByNumber(ctx.deps.db.pool, n);
    return block ? toQuantity(block.batchNumber) : null;
  },
});
