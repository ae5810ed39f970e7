/** The trusted-chain read models (DESIGN §5): blocks, txs, receipts, logs, batches; projection and queries. */
export { l2Projection } from './projection.ts';
export {
  type BatchRow,
  type BlockRow,
  getBatch,
  getBlockByHash,
  getBlockByNumber,
  getBlocksOfBatch,
  getLatestBlock,
  getReceipt,
  getStateRootsInRange,
  getTxByHash,
  getTxsOfBatch,
  getTxsOfBlock,
  type LogRow,
  latestBatchNumber,
  latestBlockNumber,
  latestVerifiedBlockNumber,
  type ReceiptRow,
  type TxRow,
} from './queries.ts';
