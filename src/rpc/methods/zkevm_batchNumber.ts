import { z } from 'zod';
import { latestBatchNumber } from '../../../projections/l2/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

/** `zkevm_batchNumber` → the latest trusted batch, the open one included (`0x0` before the genesis). */
export const zkevm_batchNumber = defineMethod({
  name: 'zkevm_batchNumber',
  params: z.tuple([]),
  handler: async (_params, ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    toQuantity((await latestBatchNumber(ctx.deps.db.pool, 'any')) ?? 0n),
});
