import { z } from 'zod';
import { isBlockConsolidated } from '../../../projections/l1sync/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { MAX_BLOCK_NUMBER, uint64Quantity } from '../params.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

/**
 * `zkevm_isBlockConsolidated(n)` → whether L2 block n's batch is verified on L1 (block 0: true, the genesis batch is
 * verified); false for a block that does not exist, as the reference.
 */
export const zkevm_isBlockConsolidated = defineMethod({
  name: 'zkevm_isBlockConsolidated',
  params: z.tuple([uint64Quantity]),
  handler: async ([n], ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    n <= MAX_BLOCK_NUMBER && (await isBlockConsolidated(ctx.deps.db.pool, n)),
});
