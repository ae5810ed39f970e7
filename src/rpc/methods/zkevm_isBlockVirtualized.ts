import { z } from 'zod';
import { isBlockVirtualized } from '../../../projections/l1sync/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { MAX_BLOCK_NUMBER, uint64Quantity } from '../params.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

/**
 * `zkevm_isBlockVirtualized(n)` → whether L2 block n's batch is sequenced on L1 (block 0: true, the genesis batch is
 * virtual); false for a block that does not exist, as the reference.
 */
export const zkevm_isBlockVirtualized = defineMethod({
  name: 'zkevm_isBlockVirtualized',
  params: z.tuple([uint64Quantity]),
  handler: async ([n], ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    n <= MAX_BLOCK_NUMBER && (await isBlockVirtualized(ctx.deps.db.pool, n)),
});
