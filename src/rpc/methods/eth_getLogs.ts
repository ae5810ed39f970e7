import { z } from 'zod';
import type { LogRpcDeps } from '../logs/deps.ts';
import { logFilter } from '../logs/filter.ts';
import { defineMethod, type RpcContext } from '../method.ts';

/**
 * `eth_getLogs(filter)`: the logs matching `{fromBlock?, toBlock?, address?, topics?}` or `{blockHash, …}` in
 * (block, log index) order. -32602 over 10000 blocks (`logs are limited to a 10000 block range`) or 10000 results
 * (`query returned more than 10000 results`), as the reference.
 */
export const eth_getLogs = defineMethod({
  name: 'eth_getLogs',
  params: z.tuple([logFilter]),
  handler: ([filter], ctx: RpcContext<LogRpcDeps>) => ctx.deps.logWatcher.getLogs(filter),
});
