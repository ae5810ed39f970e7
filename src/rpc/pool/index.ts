/**
 * The pool's JSON-RPC face: intake (`eth_sendRawTransaction`) and the pool queries (`eth_getTransactionByHash`
 * for pending txs, `eth_getTransactionCount` incl. `pending`, `txpool_*`).
 */
import { eth_getTransactionByHash } from '../methods/eth_getTransactionByHash.ts';
import { eth_getTransactionCount } from '../methods/eth_getTransactionCount.ts';
import { eth_sendRawTransaction } from '../methods/eth_sendRawTransaction.ts';
import { txpool_content, txpool_contentFrom, txpool_status } from '../methods/txpool.ts';

export type { PoolRpcDeps } from './deps.ts';
export { formatPendingTx, type RpcPendingTx, splitBySenderNonce } from './format.ts';
export { createPoolIntake, type PoolIntake, type PoolIntakeDeps } from './intake.ts';
export { createRefusingIntake, createRelayedCoinbase, createRelayIntake } from './relay.ts';

/** Every pool method, for `createRpcServer({ methods: [...simpleMethods, ...poolMethods] })`. */
export const poolMethods = [
  eth_sendRawTransaction,
  eth_getTransactionByHash,
  eth_getTransactionCount,
  txpool_content,
  txpool_contentFrom,
  txpool_status,
] as const;
