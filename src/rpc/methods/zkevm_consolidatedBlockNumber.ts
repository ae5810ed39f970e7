import { z } from 'zod';
import { lastConsolidatedBlockNumber } from '../../../projections/l1sync/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

/**
 * `zkevm_consolidatedBlockNumber` → the last L2 block of the last verified batch (`0x0` while only the genesis is,
 * and before the genesis).
 */
export const zkevm_consolidatedBlockNumber = defineMethod({
  name: 'zkevm_consolidatedBlockNumber',
  params: z.tuple([]),
  handler: async (_params, ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    toQuantity((await lastConsolidatedBlockNumber(ctx.deps.db.pool)) ?? 0n),
});
