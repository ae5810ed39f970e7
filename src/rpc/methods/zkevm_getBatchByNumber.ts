import { z } from 'zod';
import { getExitRoots } from '../../../projections/l1sync/index.ts';
import {
  getBatch,
  getBlocksOfBatch,
  getReceiptsOfBatch,
  getTxsOfBatch,
  type ReceiptRow,
  type TxRow,
} from '../../../projections/l2/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { blockNumberOrTag, boolean } from '../params.ts';
import { readSnapshot, tagBatchNumber } from '../read/blocks.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { formatBlock, formatReceipt, formatTx, type RpcBlock } from '../read/format.ts';
import type { RpcTxWithReceipt } from '../read/full-block.ts';

const ZERO_HASH = `0x${'00'.repeat(32)}`;

export type RpcBatch = {
  number: string;
  /** A batch forced on L1: its forced batch number (absent otherwise, as the reference's `omitempty`). */
  forcedBatchNumber?: string;
  coinbase: string;
  stateRoot: string;
  globalExitRoot: string;
  mainnetExitRoot: string;
  rollupExitRoot: string;
  localExitRoot: string;
  accInputHash: string;
  timestamp: string;
  sendSequencesTxHash: string | null;
  verifyBatchTxHash: string | null;
  closed: boolean;
  blocks: string[] | RpcBlock[];
  transactions: string[] | RpcTxWithReceipt[];
  batchL2Data: string;
};

/**
 * `zkevm_getBatchByNumber(batch, fullTx)` in the reference's shape (zkevm-node-spec §2): block and tx hashes, or with
 * `fullTx` the blocks (with tx hashes) and the full txs, each carrying its receipt in `receipt` (the reference builds
 * them with `includeReceipts` set, as `zkevm_getFullBlockBy*` do). Batch tags: `latest` the last closed batch, `pending` the
 * last one (the open one included), `safe`/`finalized` the last verified, `earliest` 0. Null when there is no such
 * batch.
 *
 * An open batch shows zero `stateRoot` and `accInputHash` (as the reference's work-in-progress batch) and the
 * batchL2Data of its blocks so far. `mainnetExitRoot`/`rollupExitRoot` are those L1 announced for the batch's global
 * exit root, zero for one it did not (as the reference); `localExitRoot` is zero. `sendSequencesTxHash` and
 * `verifyBatchTxHash` are the L1 txs that sequenced and verified it (zero hashes for the genesis batch), else null.
 */
export const zkevm_getBatchByNumber = defineMethod({
  name: 'zkevm_getBatchByNumber',
  params: z.tuple([blockNumberOrTag, boolean]),
  handler: ([ref, fullTx], ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    readSnapshot(ctx.deps.db, async (sql): Promise<RpcBatch | null> => {
      const number = ref.kind === 'number' ? ref.number : await tagBatchNumber(sql, ref.tag);
      if (number === null) return null;
      const batch = await getBatch(sql, number);
      if (!batch) return null;
      // One client, one snapshot: its queries run one after another (pg queues them; pg 9 refuses them at once).
      const blocks = await getBlocksOfBatch(sql, number);
      const txs = await getTxsOfBatch(sql, number);
      const receipts = fullTx ? await getReceiptsOfBatch(sql, number) : [];
      const exitRoots = await getExitRoots(sql, batch.globalExitRoot);
      const txsByBlock = new Map<bigint, TxRow[]>();
      for (const tx of txs) {
        const list = txsByBlock.get(tx.blockNumber);
        if (list) list.push(tx);
        else txsByBlock.set(tx.blockNumber, [tx]);
      }
      const sequenced = batch.status !== 'trusted';
      return {
        number: toQuantity(batch.number),
        ...(batch.forcedBatchNumber === null
          ? {}
          : { forcedBatchNumber: toQuantity(batch.forcedBatchNumber) }),
        coinbase: batch.coinbase,
        stateRoot: batch.closed ? (batch.stateRoot ?? ZERO_HASH) : ZERO_HASH,
        globalExitRoot: batch.globalExitRoot,
        mainnetExitRoot: exitRoots?.mainnetExitRoot ?? ZERO_HASH,
        rollupExitRoot: exitRoots?.rollupExitRoot ?? ZERO_HASH,
        localExitRoot: ZERO_HASH,
        accInputHash: batch.closed ? (batch.accInputHash ?? ZERO_HASH) : ZERO_HASH,
        timestamp: toQuantity(batch.timestamp),
        sendSequencesTxHash: sequenced ? batch.sequenceTxHash : null,
        verifyBatchTxHash: batch.status === 'verified' ? batch.verifyTxHash : null,
        closed: batch.closed,
        blocks: fullTx
          ? blocks.map((b) => formatBlock(b, txsByBlock.get(b.number) ?? [], { fullTx: false }))
          : blocks.map((b) => b.hash),
        transactions: fullTx ? txs.map((tx, i) => withReceipt(tx, receipts[i])) : txs.map((t) => t.hash),
        batchL2Data:
          batch.closed && batch.batchL2Data !== null
            ? batch.batchL2Data
            : `0x${txs.map((t) => t.batchBlob.slice(2)).join('')}`,
      };
    }),
});

/**
 * A batch's tx with its receipt (same chain order, read in one snapshot).
 * @throws {TypeError} when the receipt is not the tx's (the read models are inconsistent).
 */
function withReceipt(tx: TxRow, receipt: ReceiptRow | undefined): RpcTxWithReceipt {
  if (receipt?.txHash !== tx.hash) throw new TypeError(`tx ${tx.hash} of batch has no receipt`);
  return { ...formatTx(tx), receipt: formatReceipt(receipt) };
}
