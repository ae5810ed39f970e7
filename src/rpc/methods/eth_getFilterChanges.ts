import { z } from 'zod';
import type { LogRpcDeps } from '../logs/deps.ts';
import { defineMethod, type RpcContext } from '../method.ts';

/**
 * `eth_getFilterChanges(id)`: new block hashes (block filter) or logs (log filter) since the last poll.
 * -32000 `filter not found` for an unknown or expired id.
 */
export const eth_getFilterChanges = defineMethod({
  name: 'eth_getFilterChanges',
  params: z.tuple([z.string()]),
  handler: ([id], ctx: RpcContext<LogRpcDeps>) => ctx.deps.logWatcher.getFilterChanges(id),
});
