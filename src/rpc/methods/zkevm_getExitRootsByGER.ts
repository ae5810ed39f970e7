import { z } from 'zod';
import { getExitRoots } from '../../../projections/l1sync/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { hash } from '../params.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

/**
 * `zkevm_getExitRootsByGER(ger)` → `{blockNumber, timestamp, mainnetExitRoot, rollupExitRoot}` of a global exit
 * root L1 announced (the L1 block that announced it and that block's time), or null for one it never did.
 */
export const zkevm_getExitRootsByGER = defineMethod({
  name: 'zkevm_getExitRootsByGER',
  params: z.tuple([hash]),
  handler: async ([ger], ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) => {
    const roots = await getExitRoots(ctx.deps.db.pool, ger);
    if (!roots) return null;
    return {
      blockNumber: toQuantity(roots.l1BlockNumber),
      timestamp: toQuantity(roots.timestamp),
      mainnetExitRoot: roots.mainnetExitRoot,
      rollupExitRoot: roots.rollupExitRoot,
    };
  },
});
