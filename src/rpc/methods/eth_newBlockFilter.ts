import { z } from 'zod';
import type { LogRpcDeps } from '../logs/deps.ts';
import { defineMethod, type RpcContext } from '../method.ts';

/** `eth_newBlockFilter()`: installs a filter of new block hashes in this RPC process; returns its id. */
export const eth_newBlockFilter = defineMethod({
  name: 'eth_newBlockFilter',
  params: z.tuple([]),
  handler: (_params, ctx: RpcContext<LogRpcDeps>) => ctx.deps.logWatcher.newBlockFilter(ctx.ip),
});
