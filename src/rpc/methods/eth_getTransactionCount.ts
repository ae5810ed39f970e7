import { z } from 'zod';
import { getHighestPendingNonce } from '../../../projections/pool/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { address, blockTag } from '../params.ts';
import type { PoolRpcDeps } from '../pool/deps.ts';

/**
 * The sender's nonce. `pending` = max(state nonce, highest pending pool nonce + 1), as the reference node
 * computes it; any other block reads the state (today the genesis: the executor's issue adds history).
 */
export const eth_getTransactionCount = defineMethod({
  name: 'eth_getTransactionCount',
  params: z.tuple([address, blockTag.optional()]),
  handler: async ([addr, block], ctx: RpcContext<PoolRpcDeps>) => {
    const { nonce } = await ctx.deps.accounts.getAccount(addr);
    if (block?.kind !== 'tag' || block.tag !== 'pending') return toQuantity(nonce);
    const highest = await getHighestPendingNonce(ctx.deps.db.pool, addr);
    return toQuantity(highest !== null && highest + 1n > nonce ? highest + 1n : nonce);
  },
});
