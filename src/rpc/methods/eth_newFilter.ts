import { z } from 'zod';
import type { LogRpcDeps } from '../logs/deps.ts';
import { logFilter } from '../logs/filter.ts';
import { defineMethod, type RpcContext } from '../method.ts';

/** `eth_newFilter(filter)`: installs a log filter in this RPC process (counted against the client IP's filter limit); returns its id. */
export const eth_newFilter = defineMethod({
  name: 'eth_newFilter',
  params: z.tuple([logFilter]),
  handler: ([filter], ctx: RpcContext<LogRpcDeps>) => ctx.deps.logWatcher.newLogFilter(filter, ctx.ip),
});
