import { z } from 'zod';
import { lastVerifiedBatchNumber } from '../../../projections/l1sync/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

/** `zkevm_verifiedBatchNumber` → the last batch verified on L1 (`0x0`: the genesis batch, verified from the start). */
export const zkevm_verifiedBatchNumber = defineMethod({
  name: 'zkevm_verifiedBatchNumber',
  params: z.tuple([]),
  handler: async (_params, ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    toQuantity(await lastVerifiedBatchNumber(ctx.deps.db.pool)),
});
