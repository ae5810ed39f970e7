/**
 * Logs, filters and subscriptions over the `l2_logs`/`l2_blocks` read models (zkevm-node-spec §2): `eth_getLogs`
 * with the reference's limits, the poll filters and `eth_subscribe` (`newHeads`, `logs`) over WebSocket.
 * Invariants: one SQL statement per log query, results in (block, log index) order and formatted by `formatLog`;
 * filters and subscriptions live in the memory of the RPC process that created them (a filter id is unknown to
 * other instances); one poller per process (200 ms) detects new blocks for all subscriptions, running only while
 * subscriptions exist.
 *
 * Wiring: `const logWatcher = createLogWatcher({ db })`, `createRpcServer({ methods: [..., ...logMethods],
 * deps: { ..., logWatcher } })`, and `await logWatcher.close()` on shutdown (after the server closes).
 */
import { eth_getFilterChanges } from '../methods/eth_getFilterChanges.ts';
import { eth_getFilterLogs } from '../methods/eth_getFilterLogs.ts';
import { eth_getLogs } from '../methods/eth_getLogs.ts';
import { eth_newBlockFilter } from '../methods/eth_newBlockFilter.ts';
import { eth_newFilter } from '../methods/eth_newFilter.ts';
import { eth_newPendingTransactionFilter } from '../methods/eth_newPendingTransactionFilter.ts';
import { eth_subscribe, NOTIFICATIONS_NOT_SUPPORTED } from '../methods/eth_subscribe.ts';
import { eth_uninstallFilter } from '../methods/eth_uninstallFilter.ts';
import { eth_unsubscribe } from '../methods/eth_unsubscribe.ts';

export type { LogRpcDeps } from './deps.ts';
export {
  BLOCK_HASH_AND_RANGE_MESSAGE,
  boundBlockNumber,
  type LogFilter,
  logFilter,
  MAX_TOPICS,
  matchesLog,
  resolveLogBlocks,
} from './filter.ts';
export {
  createLogWatcher,
  DEFAULT_FILTER_TTL_MS,
  DEFAULT_MAX_BLOCK_RANGE,
  DEFAULT_MAX_FILTERS,
  DEFAULT_MAX_FILTERS_PER_CLIENT,
  DEFAULT_MAX_LOGS,
  DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_SWEEP_INTERVAL_MS,
  formatHeader,
  type LogWatcher,
  type LogWatcherOptions,
  type RpcHeader,
  type SubscriptionKind,
} from './watcher.ts';
export {
  eth_getFilterChanges,
  eth_getFilterLogs,
  eth_getLogs,
  eth_newBlockFilter,
  eth_newFilter,
  eth_newPendingTransactionFilter,
  eth_subscribe,
  eth_uninstallFilter,
  eth_unsubscribe,
  NOTIFICATIONS_NOT_SUPPORTED,
};

/** Every log, filter and subscription method, for a server whose deps include `LogRpcDeps`. */
export const logMethods = [
  eth_getLogs,
  eth_newFilter,
  eth_newBlockFilter,
  eth_newPendingTransactionFilter,
  eth_getFilterChanges,
  eth_getFilterLogs,
  eth_uninstallFilter,
  eth_subscribe,
  eth_unsubscribe,
] as const;
