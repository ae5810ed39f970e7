import { z } from 'zod';
import { getBatch, getTxsOfBlock } from '../../../projections/l2/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import type { BlockRef } from '../params.ts';
import { blockNumberOrTag, boolean } from '../params.ts';
import { findBlock, readSnapshot } from '../read/blocks.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { formatBlock, type RpcBlock } from '../read/format.ts';

/**
 * Reads a block and its txs in one snapshot and formats it; null when `ref` names no block. With `extraInfo` (the
 * reference's `includeExtraInfo`), adds the batch's `globalExitRoot`.
 */
export function readBlock(
  deps: Pick<ReadRpcDeps, 'db'>,
  ref: BlockRef,
  fullTx: boolean,
  extraInfo: boolean,
): Promise<RpcBlock | null> {
  return readSnapshot(deps.db, async (sql) => {
    const block = await findBlock(sql, ref);
    if (!block) return null;
    const txs = await getTxsOfBlock(sql, block.number);
    const batch = extraInfo ? await getBatch(sql, block.batchNumber) : null;
    return formatBlock(block, txs, { fullTx, ...(batch ? { globalExitRoot: batch.globalExitRoot } : {}) });
  });
}

/**
 * `eth_getBlockByNumber(block, fullTx, includeExtraInfo?)`: the block (tx hashes, or full txs), or null when it
 * does not exist. `pending` is the latest block.
 */
export const eth_getBlockByNumber = defineMethod({
  name: 'eth_getBlockByNumber',
  params: z.tuple([blockNumberOrTag, boolean, boolean.optional()]),
  handler: ([ref, fullTx, extraInfo], ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    readBlock(ctx.deps, ref, fullTx, extraInfo === true),
});
