import { z } from 'zod';
import { getReceipt } from '../../../projections/l2/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { hash } from '../params.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { formatReceipt } from '../read/format.ts';

/**
 * `eth_getTransactionReceipt(hash)`: the receipt of a mined tx, with the post-state `root` as the reference
 * (fork ≤ 7) and `status`; null for a tx not in a block (pending or unknown).
 */
export const eth_getTransactionReceipt = defineMethod({
  name: 'eth_getTransactionReceipt',
  params: z.tuple([hash]),
  handler: async ([txHash], ctx: RpcContext<Pick<ReadRpcDeps, 'db' | 'head'>>) => {
    const head = ctx.deps.head;
    if (head?.knownAbsent(`receipt:${txHash}`)) return null; // no block since it was last looked up: still none
    const version = head?.version();
    const receipt = await getReceipt(ctx.deps.db.pool, txHash);
    if (!receipt) {
      if (head && version !== undefined) head.markAbsent(`receipt:${txHash}`, version);
      return null;
    }
    ctx.deps.head?.observe(receipt.blockNumber); // a `latest` read after this sees at least this block
    return formatReceipt(receipt);
  },
});
