import { z } from 'zod';
import { InvalidTxInputError, PoolError } from '../../pool/index.ts';
import { hexToBytes } from '../../primitives/index.ts';
import { InvalidParamsRpcError, ServerRpcError } from '../errors.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { hexData } from '../params.ts';
import type { PoolRpcDeps } from '../pool/deps.ts';

/**
 * Admits a signed legacy tx to the pool and returns its hash once the pool read model shows it, so the client's
 * next call sees it. Pool rejections: -32000 with the reference message (zkevm-node-spec §3); bytes that are not
 * a transaction: -32602 `invalid tx input` with the reason in `data`.
 */
export const eth_sendRawTransaction = defineMethod({
  name: 'eth_sendRawTransaction',
  params: z.tuple([hexData]),
  handler: async ([raw], ctx: RpcContext<PoolRpcDeps>) => {
    try {
      return await ctx.deps.intake.submit(hexToBytes(raw), ctx.ip);
    } catch (err) {
      if (err instanceof PoolError) throw new ServerRpcError(err.shortMessage, { cause: err });
      if (err instanceof InvalidTxInputError)
        throw new InvalidParamsRpcError('invalid tx input', { data: err.message });
      throw err;
    }
  },
});
