import { z } from 'zod';
import { getBatch, getTxsOfBlock } from '../../../projections/l2/index.ts';
import { EMPTY_TRIE_ROOT } from '../../l2/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import type { BlockRef } from '../params.ts';
import { blockNumberOrTag, boolean } from '../params.ts';
import { findBlock, readSnapshot } from '../read/blocks.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { formatBlock, type RpcBlock } from '../read/format.ts';

/**
 * Formatted blocks by hash and `fullTx`: a block hash commits to the header and its txs, so an entry never goes
 * stale (whether the block is still in the chain is decided by the lookup that produced the hash). Bounded.
 */
const formatted = new Map<string, RpcBlock>();
const FORMATTED_MAX = 256;

function remember(key: string, block: RpcBlock): RpcBlock {
  if (formatted.size >= FORMATTED_MAX) formatted.delete(formatted.keys().next().value!);
  formatted.set(key, block);
  return block;
}

/**
 * Reads a block and its txs in one snapshot and formats it; null when `ref` names no block. With `extraInfo` (the
 * reference's `includeExtraInfo`), adds the batch's `globalExitRoot`. `latest`/`pending` without extra info come
 * from the head cache and the formatted-block cache when the node has them: no query while no block is sealed (and
 * from one snapshot when the cached head's block has just been replaced).
 */
export async function readBlock(
  deps: Pick<ReadRpcDeps, 'db' | 'head'>,
  ref: BlockRef,
  fullTx: boolean,
  extraInfo: boolean,
): Promise<RpcBlock | null> {
  if (deps.head && !extraInfo && ref.kind === 'tag' && (ref.tag === 'latest' || ref.tag === 'pending')) {
    const block = await deps.head.latest(deps.db.pool);
    if (!block) return null;
    const key = `${block.hash}:${fullTx}`;
    const hit = formatted.get(key);
    if (hit) return hit;
    // The txs of THIS block: the read models may already hold another at its number (a trusted reset re-sealed it
    // and the cache has not moved yet). Then none come back, and the block is read again below, whole.
    const txs = await getTxsOfBlock(deps.db.pool, block.number, block.hash);
    if (txs.length > 0 || block.transactionsRoot === EMPTY_TRIE_ROOT)
      return remember(key, formatBlock(block, txs, { fullTx }));
  }
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
  handler: ([ref, fullTx, extraInfo], ctx: RpcContext<Pick<ReadRpcDeps, 'db' | 'head'>>) =>
    readBlock(ctx.deps, ref, fullTx, extraInfo === true),
});
