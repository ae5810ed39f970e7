import { z } from 'zod';
import { getPoolTx } from '../../../projections/pool/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { boolean, hash } from '../params.ts';
import type { PoolRpcDeps } from '../pool/deps.ts';
import { formatPendingTx } from '../pool/format.ts';

/**
 * A tx by hash. Until blocks exist (the executor's issue) this answers pending pool txs (block fields null) and
 * null for anything else. The optional second param is the reference node's `includeExtraInfo` flag.
 */
export const eth_getTransactionByHash = defineMethod({
  name: 'eth_getTransactionByHash',
  params: z.tuple([hash, boolean.optional()]),
  handler: async ([txHash], ctx: RpcContext<PoolRpcDeps>) => {
    const tx = await getPoolTx(ctx.deps.db.pool, txHash);
    return tx && tx.status === 'pending' ? formatPendingTx(tx) : null;
  },
});
