import { z } from 'zod';
import { getTxByHash } from '../../../projections/l2/index.ts';
import { getPoolTx } from '../../../projections/pool/index.ts';
import type { Hash } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { boolean, hash } from '../params.ts';
import type { PoolRpcDeps } from '../pool/deps.ts';
import { formatPendingTx } from '../pool/format.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { formatTx, type RpcTx } from '../read/format.ts';

/** The mined tx with this hash, formatted, or null. */
async function findMined(
  deps: Pick<PoolRpcDeps, 'db'> & Pick<ReadRpcDeps, 'head'>,
  txHash: Hash,
): Promise<RpcTx | null> {
  const mined = await getTxByHash(deps.db.pool, txHash);
  if (!mined) return null;
  deps.head?.observe(mined.blockNumber); // a `latest` read after this sees at least this block
  return formatTx(mined);
}

/**
 * A tx by hash: a mined tx from the trusted chain (`TransactionInfo`, with its block), else a pending pool tx (block
 * fields null), else null. The optional second param is the reference node's `includeExtraInfo` flag (accepted; it
 * adds nothing at fork 5).
 */
export const eth_getTransactionByHash = defineMethod({
  name: 'eth_getTransactionByHash',
  params: z.tuple([hash, boolean.optional()]),
  handler: async ([txHash], ctx: RpcContext<Pick<PoolRpcDeps, 'db'> & Pick<ReadRpcDeps, 'head'>>) => {
    const mined = await findMined(ctx.deps, txHash);
    if (mined) return mined;
    const tx = await getPoolTx(ctx.deps.db.pool, txHash);
    if (tx?.status === 'pending') return formatPendingTx(tx);
    // Included: the block holding it was committed after the chain read above (the runner marks the pool row in the
    // transaction that writes the block, or after it) — read the chain again rather than answer null.
    return tx?.status === 'included' ? findMined(ctx.deps, txHash) : null;
  },
});
