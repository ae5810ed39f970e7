import { z } from 'zod';
import { latestBatchGlobalExitRoot } from '../../../projections/l2/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

const ZERO_HASH = `0x${'00'.repeat(32)}`;

/**
 * `zkevm_getLatestGlobalExitRoot` → the last global exit root the L2 used: that of the newest trusted batch carrying
 * one (the reference's answer; a root L1 announced that no batch carries yet is not it), zero before any.
 */
export const zkevm_getLatestGlobalExitRoot = defineMethod({
  name: 'zkevm_getLatestGlobalExitRoot',
  params: z.tuple([]),
  handler: async (_params, ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    (await latestBatchGlobalExitRoot(ctx.deps.db.pool)) ?? ZERO_HASH,
});
