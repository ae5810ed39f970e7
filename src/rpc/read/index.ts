/**
 * The JSON-RPC read API over the trusted chain (DESIGN §5, zkevm-node-spec §2): blocks, txs, receipts and batches
 * from the `l2` read models, account state from the executor's archive trie at the state root of the block a
 * request names. Invariants: every answer comes from read models and the trie (no stream is folded on a request
 * path); an answer that needs several queries reads one snapshot; block tags resolve in one place
 * (`blocks.ts`); block getters answer null for a missing block, state reads -32000 `header not found`.
 *
 * `eth_getTransactionByHash` (mined, else pending) and `eth_getTransactionCount` (state nonce at the block, via the
 * executor when the deps hold one) are served by the pool's method list (`poolMethods`), not this one.
 */

import {
  debug_traceBatchByNumber,
  debug_traceBlockByHash,
  debug_traceBlockByNumber,
} from '../methods/debug_traceBlock.ts';
import { debug_traceTransaction } from '../methods/debug_traceTransaction.ts';
import { eth_blockNumber } from '../methods/eth_blockNumber.ts';
import { eth_call } from '../methods/eth_call.ts';
import { eth_estimateGas } from '../methods/eth_estimateGas.ts';
import { eth_getBalance } from '../methods/eth_getBalance.ts';
import { eth_getBlockByHash } from '../methods/eth_getBlockByHash.ts';
import { eth_getBlockByNumber } from '../methods/eth_getBlockByNumber.ts';
import { eth_getBlockTransactionCountByHash } from '../methods/eth_getBlockTransactionCountByHash.ts';
import { eth_getBlockTransactionCountByNumber } from '../methods/eth_getBlockTransactionCountByNumber.ts';
import { eth_getCode } from '../methods/eth_getCode.ts';
import { eth_getProof } from '../methods/eth_getProof.ts';
import { eth_getStorageAt } from '../methods/eth_getStorageAt.ts';
import { eth_getTransactionByBlockHashAndIndex } from '../methods/eth_getTransactionByBlockHashAndIndex.ts';
import { eth_getTransactionByBlockNumberAndIndex } from '../methods/eth_getTransactionByBlockNumberAndIndex.ts';
import { eth_getTransactionReceipt } from '../methods/eth_getTransactionReceipt.ts';
import { eth_syncing } from '../methods/eth_syncing.ts';
import { zkevm_batchNumber } from '../methods/zkevm_batchNumber.ts';
import { zkevm_batchNumberByBlockNumber } from '../methods/zkevm_batchNumberByBlockNumber.ts';
import { zkevm_consolidatedBlockNumber } from '../methods/zkevm_consolidatedBlockNumber.ts';
import { zkevm_estimateFee } from '../methods/zkevm_estimateFee.ts';
import { zkevm_getBatchByNumber } from '../methods/zkevm_getBatchByNumber.ts';
import { zkevm_getExitRootsByGER } from '../methods/zkevm_getExitRootsByGER.ts';
import { zkevm_getFullBlockByHash } from '../methods/zkevm_getFullBlockByHash.ts';
import { zkevm_getFullBlockByNumber } from '../methods/zkevm_getFullBlockByNumber.ts';
import { zkevm_getLatestGlobalExitRoot } from '../methods/zkevm_getLatestGlobalExitRoot.ts';
import { zkevm_getNativeBlockHashesInRange } from '../methods/zkevm_getNativeBlockHashesInRange.ts';
import { zkevm_isBlockConsolidated } from '../methods/zkevm_isBlockConsolidated.ts';
import { zkevm_isBlockVirtualized } from '../methods/zkevm_isBlockVirtualized.ts';
import { zkevm_verifiedBatchNumber } from '../methods/zkevm_verifiedBatchNumber.ts';
import { zkevm_virtualBatchNumber } from '../methods/zkevm_virtualBatchNumber.ts';

export {
  findBlock,
  headerNotFound,
  LATEST,
  readSnapshot,
  type StateBlock,
  stateBlock,
  tagBatchNumber,
  tagBlockNumber,
} from './blocks.ts';
export {
  type CallDeps,
  type CallOptions,
  callAt,
  callObject,
  estimateGas,
  revertReason,
  stateOverrides,
} from './call.ts';
export {
  CALL_TIMEOUT_MS,
  type CallPool,
  createCallPool,
  DEFAULT_CALL_WORKERS,
} from './call-pool.ts';
export type { ReadRpcDeps, StateReads } from './deps.ts';
export {
  blockSize,
  formatBlock,
  formatLog,
  formatReceipt,
  formatTx,
  type RpcBlock,
  type RpcLog,
  type RpcReceipt,
  type RpcTx,
  signedTxOf,
} from './format.ts';
export { formatFullBlock, type RpcFullBlock, type RpcTxWithReceipt, readFullBlock } from './full-block.ts';
export { decodeStorageKey } from './storage-key.ts';

/**
 * Every read method, for `createRpcServer({ methods: [...simpleMethods, ...poolMethods, ...readMethods] })` with deps
 * that include {@link ReadRpcDeps} and `minGasPrice: bigint` (`zkevm_estimateFee`), and `tracing` (the call pool, or
 * `inProcessTracing`: `debug_trace*`).
 */
export const readMethods = [
  eth_call,
  eth_estimateGas,
  eth_blockNumber,
  eth_getBlockByNumber,
  eth_getBlockByHash,
  eth_getBlockTransactionCountByNumber,
  eth_getBlockTransactionCountByHash,
  eth_getTransactionByBlockHashAndIndex,
  eth_getTransactionByBlockNumberAndIndex,
  eth_getTransactionReceipt,
  eth_getBalance,
  eth_getCode,
  eth_getStorageAt,
  eth_getProof,
  eth_syncing,
  zkevm_batchNumber,
  zkevm_batchNumberByBlockNumber,
  zkevm_getBatchByNumber,
  zkevm_getNativeBlockHashesInRange,
  zkevm_getFullBlockByNumber,
  zkevm_getFullBlockByHash,
  zkevm_estimateFee,
  zkevm_virtualBatchNumber,
  zkevm_verifiedBatchNumber,
  zkevm_isBlockVirtualized,
  zkevm_isBlockConsolidated,
  zkevm_consolidatedBlockNumber,
  zkevm_getExitRootsByGER,
  zkevm_getLatestGlobalExitRoot,
  debug_traceTransaction,
  debug_traceBlockByNumber,
  debug_traceBlockByHash,
  debug_traceBatchByNumber,
] as const;
