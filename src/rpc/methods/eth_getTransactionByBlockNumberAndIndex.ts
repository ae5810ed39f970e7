import { z } from 'zod';
import { getTxsOfBlock } from '../../../projections/l2/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { type BlockRef, blockNumberOrTag, uint64Quantity } from '../params.ts';
import { findBlock, readSnapshot } from '../read/blocks.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { formatTx, type RpcTx } from '../read/format.ts';

/** The tx at `index` of the block `ref` names (one snapshot), or null. */
export function readTxAt(deps: Pick<ReadRpcDeps, 'db'>, ref: BlockRef, index: bigint): Promise<RpcTx | null> {
  return readSnapshot(deps.db, async (sql) => {
    const block = await findBlock(sql, ref);
    if (!block) return null;
    const tx = (await getTxsOfBlock(sql, block.number)).find((t) => BigInt(t.index) === index);
    return tx ? formatTx(tx) : null;
  });
}

/** `eth_getTransactionByBlockNumberAndIndex(block, index)`: the tx, or null when block or index do not exist. */
export const eth_getTransactionByBlockNumberAndIndex = defineMethod({
  name: 'eth_getTransactionByBlockNumberAndIndex',
  params: z.tuple([blockNumberOrTag, uint64Quantity]),
  handler: ([ref, index], ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) => readTxAt(ctx.deps, ref, index),
});
