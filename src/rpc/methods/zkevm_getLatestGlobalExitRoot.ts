import { z } from 'zod';
import { latestExitRoots } from '../../../projections/l1sync/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

const ZERO_HASH = `0x${'00'.repeat(32)}`;

/** `zkevm_getLatestGlobalExitRoot` → the newest global exit root L1 announced (zero before any). */
export const zkevm_getLatestGlobalExitRoot = defineMethod({
  name: 'zkevm_getLatestGlobalExitRoot',
  params: z.tuple([]),
  handler: async (_params, ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    (await latestExitRoots(ctx.deps.db.pool))?.globalExitRoot ?? ZERO_HASH,
});
