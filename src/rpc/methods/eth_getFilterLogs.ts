import { z } from 'zod';
import type { LogRpcDeps } from '../logs/deps.ts';
import { defineMethod, type RpcContext } from '../method.ts';

/** `eth_getFilterLogs(id)`: every log a log filter names now. -32000 `filter not found` otherwise. */
export const eth_getFilterLogs = defineMethod({
  name: 'eth_getFilterLogs',
  params: z.tuple([z.string()]),
  handler: ([id], ctx: RpcContext<LogRpcDeps>) => ctx.deps.logWatcher.getFilterLogs(id),
});
