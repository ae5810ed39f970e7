import { z } from 'zod';
import { getTxByHash } from '../../../projections/l2/index.ts';
import { getPoolTx } from '../../../projections/pool/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { boolean, hash } from '../params.ts';
import type { PoolRpcDeps } from '../pool/deps.ts';
import { formatPendingTx } from '../pool/format.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { formatTx } from '../read/format.ts';

/**
 * A tx by hash: a mined tx from the trusted chain (`TransactionInfo`, with its block), else a pending pool tx (block
 * fields null), else null. The optional second param is the reference node's `includeExtraInfo` flag (accepted; it
 * adds nothing at fork 5).
 */
export const eth_getTransactionByHash = defineMethod({
  name: 'eth_getTransactionByHash',
  params: z.tuple([hash, boolean.optional()]),
  handler: async ([txHash], ctx: RpcContext<Pick<PoolRpcDeps, 'db'> & Pick<ReadRpcDeps, 'head'>>) => {
    const mined = await getTxByHash(ctx.deps.db.pool, txHash);
    if (mined) {
      ctx.deps.head?.observe(mined.blockNumber); // a `latest` read after this sees at least this block
      return formatTx(mined);
    }
    const tx = await getPoolTx(ctx.deps.db.pool, txHash);
    return tx && tx.status === 'pending' ? formatPendingTx(tx) : null;
  },
});
