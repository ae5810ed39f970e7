/**
 * The zkevm full block (`zkevm_getFullBlockByNumber/ByHash`, zkevm-node-spec §2): the block with the extra info
 * of `eth_getBlockBy*(…, includeExtraInfo)` (the batch's `globalExitRoot`) and, with full txs, each tx object
 * carrying its receipt in `receipt`, as the reference's `types.Transaction.Receipt`.
 */
import {
  getBatch,
  getReceipt,
  getTxsOfBlock,
  type ReceiptRow,
  type TxRow,
} from '../../../projections/l2/index.ts';
import type { BlockRef } from '../params.ts';
import { findBlock, readSnapshot } from './blocks.ts';
import type { ReadRpcDeps } from './deps.ts';
import {
  formatBlock,
  formatReceipt,
  formatTx,
  type RpcBlock,
  type RpcReceipt,
  type RpcTx,
} from './format.ts';

/** A mined tx with its receipt. */
export type RpcTxWithReceipt = RpcTx & { receipt: RpcReceipt };

/** A full block: tx hashes, or txs with their receipts. */
export type RpcFullBlock = Omit<RpcBlock, 'transactions'> & { transactions: string[] | RpcTxWithReceipt[] };

/**
 * Formats a full block. `receipts` holds the receipt of each tx of `txs` (same order); `globalExitRoot` is added
 * when given. Pure.
 * @throws {TypeError} when a tx has no receipt (the read models are inconsistent).
 */
export function formatFullBlock(
  block: Parameters<typeof formatBlock>[0],
  txs: readonly TxRow[],
  receipts: readonly ReceiptRow[],
  opts: { fullTx: boolean; globalExitRoot?: string },
): RpcFullBlock {
  const base = formatBlock(block, txs, { ...opts, fullTx: false });
  if (!opts.fullTx) return base as RpcFullBlock;
  const byHash = new Map(receipts.map((r) => [r.txHash, r]));
  return {
    ...base,
    transactions: txs.map((tx) => {
      const receipt = byHash.get(tx.hash);
      if (!receipt) throw new TypeError(`tx ${tx.hash} of block ${block.number} has no receipt`);
      return { ...formatTx(tx), receipt: formatReceipt(receipt) };
    }),
  };
}

/** Reads a block with its batch's extra info (and txs with receipts when `fullTx`) in one snapshot; null when none. */
export function readFullBlock(
  deps: Pick<ReadRpcDeps, 'db'>,
  ref: BlockRef,
  fullTx: boolean,
): Promise<RpcFullBlock | null> {
  return readSnapshot(deps.db, async (sql) => {
    const block = await findBlock(sql, ref);
    if (!block) return null;
    const txs = await getTxsOfBlock(sql, block.number);
    const batch = await getBatch(sql, block.batchNumber);
    const receipts: ReceiptRow[] = [];
    if (fullTx) {
      for (const tx of txs) {
        const r = await getReceipt(sql, tx.hash);
        if (r) receipts.push(r);
      }
    }
    return formatFullBlock(block, txs, receipts, {
      fullTx,
      ...(batch ? { globalExitRoot: batch.globalExitRoot } : {}),
    });
  });
}
