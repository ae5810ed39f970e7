import type { LogWatcher } from './watcher.ts';

/** What the log, filter and subscription methods need: the process's log watcher. */
export type LogRpcDeps = { readonly logWatcher: LogWatcher };
