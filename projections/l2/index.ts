/** The trusted-chain read models (DESIGN §5): blocks, txs, receipts, logs, batches; projection and queries. */
export { type AbsentReceipts, createAbsentReceipts } from './absent-receipts.ts';
export { createLatestBlockCache, L2_HEAD_EVENT_TYPES, type LatestBlockCache } from './head.ts';
export { l2Projection } from './projection.ts';
export {
  type BatchRow,
  type BlockRow,
  getBatch,
  getBlockByHash,
  getBlockByNumber,
  getBlockHashes,
  getBlockIdsInRange,
  getBlocksInRange,
  getBlocksOfBatch,
  getLatestBlock,
  getLogs,
  getReceipt,
  getReceiptsOfBatch,
  getStateRootsInRange,
  getTxByHash,
  getTxsOfBatch,
  getTxsOfBlock,
  type LogBlocks,
  type LogQuery,
  type LogRow,
  latestBatchGlobalExitRoot,
  latestBatchNumber,
  latestBlockId,
  latestBlockNumber,
  latestVerifiedBlockNumber,
  type ReceiptRow,
  type TxRow,
} from './queries.ts';
export {
  createRecentReceipts,
  RECENT_RECEIPTS_EVENT_TYPES,
  type RecentReceipts,
  receiptFromSealed,
} from './recent-receipts.ts';
