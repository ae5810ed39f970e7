import { z } from 'zod';
import { lastVirtualBatchNumber } from '../../../projections/l1sync/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

/** `zkevm_virtualBatchNumber` → the last batch sequenced on L1 (`0x0`: the genesis batch, virtual from the start). */
export const zkevm_virtualBatchNumber = defineMethod({
  name: 'zkevm_virtualBatchNumber',
  params: z.tuple([]),
  handler: async (_params, ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    toQuantity(await lastVirtualBatchNumber(ctx.deps.db.pool)),
});
