import { z } from 'zod';
import { getBlockByHash } from '../../../projections/l2/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { hash } from '../params.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { txCountOf } from './eth_getBlockTransactionCountByNumber.ts';

/** `eth_getBlockTransactionCountByHash(hash)`: the block's tx count, or null when no block has that hash. */
export const eth_getBlockTransactionCountByHash = defineMethod({
  name: 'eth_getBlockTransactionCountByHash',
  params: z.tuple([hash]),
  handler: async ([blockHash], ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    txCountOf(await getBlockByHash(ctx.deps.db.pool, blockHash)),
});
