import { z } from 'zod';
import { ServerRpcError } from '../errors.ts';
import type { LogRpcDeps } from '../logs/deps.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { NOTIFICATIONS_NOT_SUPPORTED } from './eth_subscribe.ts';

/** `eth_unsubscribe(id)` over WebSocket: true when this connection had that subscription, else false. */
export const eth_unsubscribe = defineMethod({
  name: 'eth_unsubscribe',
  params: z.tuple([z.string()]),
  handler: ([id], ctx: RpcContext<LogRpcDeps>) => {
    if (!ctx.connection) throw new ServerRpcError(NOTIFICATIONS_NOT_SUPPORTED);
    return ctx.deps.logWatcher.unsubscribe(ctx.connection, id);
  },
});
