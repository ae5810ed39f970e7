import { z } from 'zod';
import { InvalidParamsRpcError, ServerRpcError } from '../errors.ts';
import type { LogRpcDeps } from '../logs/deps.ts';
import { logFilter } from '../logs/filter.ts';
import { defineMethod, type RpcContext } from '../method.ts';

/** The reference's answer over HTTP. */
export const NOTIFICATIONS_NOT_SUPPORTED = 'notifications not supported';

const NOT_YET = new Set(['newPendingTransactions', 'pendingTransactions', 'syncing']);

/**
 * `eth_subscribe(name, filter?)` over WebSocket: `newHeads` (headers) and `logs` (optionally filtered); returns
 * the subscription id. `newPendingTransactions`, `pendingTransactions`, `syncing` → -32000 `not supported yet`;
 * any other name → -32000 `invalid filter name` (the reference's default code); over HTTP → -32000
 * `notifications not supported`. A `logs` filter with `blockHash` or ranges only narrows which new logs notify.
 */
export const eth_subscribe = defineMethod({
  name: 'eth_subscribe',
  params: z.tuple([z.string(), logFilter.optional()]),
  handler: async ([name, filter], ctx: RpcContext<LogRpcDeps>) => {
    if (!ctx.connection) throw new ServerRpcError(NOTIFICATIONS_NOT_SUPPORTED);
    if (name === 'newHeads') {
      if (filter) throw new InvalidParamsRpcError('too many arguments, want at most 1');
      return ctx.deps.logWatcher.subscribe(ctx.connection, 'newHeads');
    }
    if (name === 'logs') return ctx.deps.logWatcher.subscribe(ctx.connection, 'logs', filter);
    if (NOT_YET.has(name)) throw new ServerRpcError('not supported yet');
    throw new ServerRpcError('invalid filter name');
  },
});
