import { z } from 'zod';
import type { LogRpcDeps } from '../logs/deps.ts';
import { defineMethod, type RpcContext } from '../method.ts';

/** `eth_uninstallFilter(id)`: true when the filter existed and is now removed, else false (geth). */
export const eth_uninstallFilter = defineMethod({
  name: 'eth_uninstallFilter',
  params: z.tuple([z.string()]),
  handler: ([id], ctx: RpcContext<LogRpcDeps>) => ctx.deps.logWatcher.uninstallFilter(id),
});
