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
  handler: async (
    [txHash],
    ctx: RpcContext<Pick<ReadRpcDeps, 'db' | 'head' | 'absentReceipts' | 'recentReceipts'>>,
  ) => {
    const absent = ctx.deps.absentReceipts;
    if (absent?.knownAbsent(txHash)) return null; // no block holding it was committed since it was last missing
    const token = absent?.token();
    const receipt = ctx.deps.recentReceipts?.get(txHash) ?? (await getReceipt(ctx.deps.db.pool, txHash));
    if (!receipt) {
      if (absent && token !== undefined) absent.markAbsent(txHash, token);
      return null;
    }
    ctx.deps.head?.observe(receipt.blockNumber); // a `latest` read after this sees at least this block
    return formatReceipt(receipt);
  },
});
