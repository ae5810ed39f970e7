/**
 * The log watcher: `eth_getLogs` over the read models, the poll filters (`eth_newFilter`, `eth_newBlockFilter`,
 * `eth_getFilterChanges`, …) and the WebSocket subscriptions (`newHeads`, `logs`).
 *
 * Filters and subscriptions live in memory in the RPC process that created them (as in the reference): a filter id
 * is only known to that instance, so clients behind a load balancer need sticky sessions for filters. A filter not
 * polled for `filterTtlMs` expires (checked whenever any filter is touched, and every `sweepIntervalMs` by an unref'd
 * timer that runs while filters exist). At most `maxFilters` filters live, `maxFiltersPerClient` of one client IP. A
 * filter keeps only the last block it reported; the watcher keeps ONE bounded record of the recent blocks any reader
 * saw, with their parents, which is how a filter walks back after a `TrustedStateReset`. New blocks for subscriptions
 * are detected by ONE poller per watcher (every `pollIntervalMs`, 200 ms like the reference), started by the first
 * subscription and stopped when the last one goes away. A connection holds at most `maxSubscriptionsPerConnection`
 * subscriptions; the watcher registers one close hook per connection, which removes that connection's
 * subscriptions (and nothing else) when it closes.
 */
import { randomBytes } from 'node:crypto';
import type { ReadModelDb, SqlClient } from '../../../projections/index.ts';
import {
  type BlockRow,
  getBlockHashes,
  getBlockIdsInRange,
  getBlocksInRange,
  getLogs,
  type LogBlocks,
  type LogRow,
  latestBlockId,
} from '../../../projections/l2/index.ts';
import { type Hex, toQuantity } from '../../primitives/index.ts';
import { InvalidParamsRpcError, LimitExceededRpcError, ServerRpcError } from '../errors.ts';
import type { RpcConnection } from '../method.ts';
import { readSnapshot } from '../read/blocks.ts';
import { formatBlock, formatLog, type RpcBlock, type RpcLog } from '../read/format.ts';
import { type LogFilter, matchesLog, resolveLogBlocks } from './filter.ts';

/** The reference's `MaxLogsCount`. */
export const DEFAULT_MAX_LOGS = 10_000;
/** The reference's `MaxLogsBlockRange`. */
export const DEFAULT_MAX_BLOCK_RANGE = 10_000;
/** Idle time after which a poll filter is forgotten (geth's 5 minutes). */
export const DEFAULT_FILTER_TTL_MS = 5 * 60_000;
/** The reference's new-block polling interval for subscriptions. */
export const DEFAULT_POLL_INTERVAL_MS = 200;
/** Most live poll filters of one watcher. */
export const DEFAULT_MAX_FILTERS = 10_000;
/** Most live poll filters of one client IP. */
export const DEFAULT_MAX_FILTERS_PER_CLIENT = 1_000;
/** How often expired filters are swept when no filter call does it. */
export const DEFAULT_SWEEP_INTERVAL_MS = 30_000;
/** Most live subscriptions of one WebSocket connection. */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION = 1000;

export type LogWatcherOptions = {
  readonly db: ReadModelDb;
  /** More matching logs than this → -32602 `query returned more than N results`. Default 10000. */
  readonly maxLogs?: number;
  /** A range wider than this (to − from) → -32602 `logs are limited to a N block range`. Default 10000. */
  readonly maxBlockRange?: number;
  /** Default 5 minutes. */
  readonly filterTtlMs?: number;
  /** One more filter → -32005 `too many filters: limit is N`. Default {@link DEFAULT_MAX_FILTERS} (10000). */
  readonly maxFilters?: number;
  /**
   * One more filter from a client IP holding this many → -32005 `too many filters from this client: limit is N`.
   * Default {@link DEFAULT_MAX_FILTERS_PER_CLIENT} (1000).
   */
  readonly maxFiltersPerClient?: number;
  /** Period of the expiry sweep. Default 30 s. */
  readonly sweepIntervalMs?: number;
  /** Default 200 ms. */
  readonly pollIntervalMs?: number;
  /**
   * One more `eth_subscribe` on a connection holding this many → -32005 `too many subscriptions on this connection:
   * limit is N`. Default {@link DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION} (1000).
   */
  readonly maxSubscriptionsPerConnection?: number;
  /** The clock filter expiry reads (tests inject one). Default `Date.now`. */
  readonly now?: () => number;
  /** Called with an error of a poll tick (the poller keeps going). */
  readonly onError?: (err: unknown) => void;
};

/** A `newHeads` notification: the block header fields (`formatBlock` without txs, uncles and size). */
export type RpcHeader = Omit<RpcBlock, 'transactions' | 'uncles' | 'size'>;

export type SubscriptionKind = 'newHeads' | 'logs';

export interface LogWatcher {
  /**
   * The logs `filter` names now, in (block, log index) order; one snapshot.
   * @throws {InvalidParamsRpcError} -32602 when the range or the result count is over the limits.
   */
  getLogs(filter: LogFilter): Promise<RpcLog[]>;
  /**
   * Installs a log filter of `client` (its IP) whose changes start after the current head; returns its id.
   * @throws {LimitExceededRpcError} -32005 past `maxFilters` or `maxFiltersPerClient`.
   */
  newLogFilter(filter: LogFilter, client?: string): Promise<Hex>;
  /**
   * Installs a block filter of `client` (its IP) whose changes start after the current head; returns its id.
   * @throws {LimitExceededRpcError} -32005 past `maxFilters` or `maxFiltersPerClient`.
   */
  newBlockFilter(client?: string): Promise<Hex>;
  /**
   * New block hashes (block filter) or logs (log filter) since the last poll; resets the idle timer.
   * @throws {ServerRpcError} -32000 `filter not found` for an unknown or expired id.
   */
  getFilterChanges(id: string): Promise<Hex[] | RpcLog[]>;
  /**
   * All logs a log filter names now (as `getLogs`); resets the idle timer.
   * @throws {ServerRpcError} -32000 `filter not found` for an unknown or expired id or a block filter.
   */
  getFilterLogs(id: string): Promise<RpcLog[]>;
  /** Removes a filter; false when there was none. */
  uninstallFilter(id: string): boolean;
  /**
   * Subscribes `connection` to new heads or to logs matching `filter`; notifications are sent as
   * `{jsonrpc, method: 'eth_subscription', params: {subscription, result}}`. Resolves once the poller knows the
   * current head, so every block sealed afterwards is notified; when that fails nothing stays installed. Closing the
   * connection unsubscribes.
   * @throws {LimitExceededRpcError} -32005 when `connection` already holds `maxSubscriptionsPerConnection`.
   */
  subscribe(connection: RpcConnection, kind: SubscriptionKind, filter?: LogFilter): Promise<Hex>;
  /** Removes a subscription of `connection`; false when it has none with that id. */
  unsubscribe(connection: RpcConnection, id: string): boolean;
  /**
   * Number of installed filters and subscriptions, of connections with a close hook (open connections that ever
   * subscribed), and whether the poller runs (for tests and metrics).
   */
  stats(): { filters: number; subscriptions: number; connections: number; polling: boolean };
  /** Drops every subscription and filter and waits for a running poll tick to end. */
  close(): Promise<void>;
}

/** A block a reader of new blocks has seen: its number and hash. */
type Mark = { number: bigint; hash: string };
/**
 * The newest blocks a reader keeps marks of (in order): how deep a `TrustedStateReset` below its last poll can
 * reach and still be told exactly.
 */
const MAX_MARKS = 128;
/** Blocks the watcher's shared record of recent blocks holds (the first recorded are dropped first). */
const RECENT_BLOCKS = 8 * MAX_MARKS;

/** A poll filter: its last reported block (`last`, null when there was no block) is all it keeps of the chain. */
type Filter =
  | { kind: 'blocks'; last: Mark | null; client: string; touched: number; queue: Promise<unknown> }
  | {
      kind: 'logs';
      filter: LogFilter;
      last: Mark | null;
      client: string;
      touched: number;
      hashDone: boolean;
      queue: Promise<unknown>;
    };

type Subscription = {
  id: Hex;
  connection: RpcConnection;
  kind: SubscriptionKind;
  filter: LogFilter | undefined;
};

/** A 16-byte random id as a quantity. */
function newId(): Hex {
  return toQuantity(BigInt(`0x${randomBytes(16).toString('hex')}`));
}

const filterNotFound = () => new ServerRpcError('filter not found');

/** The header fields of a block as `newHeads` sends them. Pure. */
export function formatHeader(block: BlockRow): RpcHeader {
  const { transactions: _t, uncles: _u, size: _s, ...header } = formatBlock(block, [], { fullTx: false });
  return header;
}

/**
 * Creates the watcher of one RPC process. Holds memory and, while subscriptions exist, a poll timer: call
 * `close()` on shutdown.
 */
export function createLogWatcher(opts: LogWatcherOptions): LogWatcher {
  const { db } = opts;
  const maxLogs = opts.maxLogs ?? DEFAULT_MAX_LOGS;
  const maxBlockRange = opts.maxBlockRange ?? DEFAULT_MAX_BLOCK_RANGE;
  const ttl = opts.filterTtlMs ?? DEFAULT_FILTER_TTL_MS;
  const interval = opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const now = opts.now ?? Date.now;
  const maxFilters = opts.maxFilters ?? DEFAULT_MAX_FILTERS;
  const maxFiltersPerClient = opts.maxFiltersPerClient ?? DEFAULT_MAX_FILTERS_PER_CLIENT;
  const sweepInterval = opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  const maxPerConnection = opts.maxSubscriptionsPerConnection ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_CONNECTION;

  const filters = new Map<string, Filter>();
  /** Live filters per client IP. */
  const filtersOf = new Map<string, number>();
  let sweeper: NodeJS.Timeout | null = null;
  /**
   * The recent blocks any reader saw, by hash, with their parent's hash (null when not known): a filter whose last
   * block a reset replaced walks its ancestors here. Bounded to `RECENT_BLOCKS`, the first recorded dropped first.
   */
  const recent = new Map<string, { number: bigint; parent: string | null }>();
  const subscriptions = new Map<string, Subscription>();
  /** The subscription ids of each connection that has subscribed and not closed (its close hook is registered). */
  const byConnection = new Map<RpcConnection, Set<string>>();

  async function queryLogs(sql: SqlClient, filter: LogFilter): Promise<RpcLog[]> {
    const blocks = await resolveLogBlocks(sql, filter, maxBlockRange);
    return blocks ? limitedLogs(sql, filter, blocks) : [];
  }

  async function limitedLogs(sql: SqlClient, filter: LogFilter, blocks: LogBlocks): Promise<RpcLog[]> {
    const rows = await getLogs(sql, {
      blocks,
      addresses: filter.addresses,
      topics: filter.topics,
      limit: maxLogs + 1,
    });
    if (rows.length > maxLogs) throw new InvalidParamsRpcError(`query returned more than ${maxLogs} results`);
    return rows.map(formatLog);
  }

  /**
   * A log filter's new logs in `from`..`to`, within its numeric bounds; only the result count is limited. A tag bound
   * (`latest`, `pending`, …) bounds nothing here, as in geth: read at each poll, `latest` would skip every new block
   * but the newest.
   */
  async function newLogs(sql: SqlClient, filter: LogFilter, from: bigint, to: bigint): Promise<RpcLog[]> {
    if (filter.kind !== 'range') return [];
    const lo = filter.fromBlock?.kind === 'number' ? filter.fromBlock.number : null;
    const hi = filter.toBlock?.kind === 'number' ? filter.toBlock.number : null;
    const f = lo !== null && lo > from ? lo : from;
    const t = hi !== null && hi < to ? hi : to;
    return f > t ? [] : limitedLogs(sql, filter, { fromBlock: f, toBlock: t });
  }

  /** Forgets expired filters; returns the live one with `id`, its idle timer reset. */
  function touch(id: string): Filter {
    const t = now();
    sweep();
    const f = filters.get(id.toLowerCase());
    if (!f) throw filterNotFound();
    f.touched = t;
    return f;
  }

  function install(f: Filter): Hex {
    sweep();
    if (filters.size >= maxFilters)
      throw new LimitExceededRpcError(`too many filters: limit is ${maxFilters}`);
    const held = filtersOf.get(f.client) ?? 0;
    if (held >= maxFiltersPerClient)
      throw new LimitExceededRpcError(`too many filters from this client: limit is ${maxFiltersPerClient}`);
    const id = newId();
    filters.set(id, f);
    filtersOf.set(f.client, held + 1);
    if (!sweeper && !closed) {
      sweeper = setInterval(sweep, sweepInterval);
      sweeper.unref();
    }
    return id;
  }

  function remove(id: string): boolean {
    const f = filters.get(id);
    if (!f) return false;
    filters.delete(id);
    const held = (filtersOf.get(f.client) ?? 1) - 1;
    if (held > 0) filtersOf.set(f.client, held);
    else filtersOf.delete(f.client);
    if (filters.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = null;
    }
    return true;
  }

  function sweep(): void {
    const t = now();
    for (const [k, f] of filters) if (t - f.touched > ttl) remove(k);
  }

  /**
   * Records blocks a reader saw in one snapshot, in order. The parent of each is its `parentHash` when given, else
   * the block before it in `seen` when that is one number lower (the same snapshot: the same chain).
   */
  function record(seen: readonly { number: bigint; hash: string; parentHash?: string }[]): void {
    for (let i = 0; i < seen.length; i++) {
      const b = seen[i]!;
      const before = i > 0 ? seen[i - 1]! : undefined;
      const parent = b.parentHash ?? (before && before.number === b.number - 1n ? before.hash : null);
      const known = recent.get(b.hash);
      if (known) {
        if (known.parent === null) known.parent = parent;
        continue;
      }
      recent.set(b.hash, { number: b.number, parent });
      if (recent.size > RECENT_BLOCKS) recent.delete(recent.keys().next().value!);
    }
  }

  /** Whether `mark` is still in the chain whose head is `head`: no query when it is the head's number. */
  async function stillInChain(sql: SqlClient, mark: Mark, head: Mark): Promise<boolean> {
    if (mark.number === head.number) return mark.hash === head.hash;
    return (await getBlockHashes(sql, [mark.number])).get(mark.number) === mark.hash;
  }

  /**
   * The first block a filter reports next: the one after its last block, while that is still in the chain (no
   * query when it is the head, else one indexed read). After a `TrustedStateReset` replaced it, its ancestors (up to
   * `MAX_MARKS`, from the shared record) are checked in one read and it resumes after the newest still there, so the
   * blocks sealed anew at those numbers are reported too. None left (a deeper reset, or forgotten): the last
   * `maxBlockRange` blocks up to the head. No last block (none when it was made): from block 0.
   */
  async function filterResumeFrom(sql: SqlClient, last: Mark | null, head: Mark): Promise<bigint> {
    if (!last) return 0n;
    if (await stillInChain(sql, last, head)) return last.number + 1n;
    const ancestors: Mark[] = [];
    for (let at = recent.get(last.hash); at?.parent && ancestors.length < MAX_MARKS; ) {
      const mark = { number: at.number - 1n, hash: at.parent };
      ancestors.push(mark);
      at = recent.get(mark.hash);
    }
    if (ancestors.length > 0) {
      const inChain = await getBlockHashes(
        sql,
        ancestors.map((m) => m.number),
      );
      for (const m of ancestors) if (inChain.get(m.number) === m.hash) return m.number + 1n;
    }
    const cap = BigInt(maxBlockRange);
    return head.number >= cap ? head.number - cap + 1n : 0n;
  }

  /** The head now as a filter's first mark; its ancestors are recorded unless the head already is. */
  async function markAtHead(sql: SqlClient): Promise<Mark | null> {
    const head = await latestBlockId(sql);
    if (!head) return null;
    if (!recent.has(head.hash))
      record(await getBlockIdsInRange(sql, head.number - BigInt(MAX_MARKS) + 1n, head.number));
    return { number: head.number, hash: head.hash };
  }

  /**
   * The first block a reader reports next: the one after the newest block it saw that is still in the chain. As a
   * rule that is its last mark (no query when it is still the head, else one indexed read); after a
   * `TrustedStateReset` replaced blocks it saw, its marks are walked back to the newest one still there (dropping
   * the others), so the blocks sealed anew at those numbers are reported too. A reset deeper than every mark: the
   * last `maxBlockRange` blocks up to the head. No mark (no block when it was made): from block 0.
   */
  async function resumeFrom(sql: SqlClient, marks: Mark[], head: Mark): Promise<bigint> {
    const last = marks.at(-1);
    if (!last) return 0n;
    if (await stillInChain(sql, last, head)) return last.number + 1n;
    const now = await getBlockHashes(
      sql,
      marks.map((m) => m.number),
    );
    while (marks.length > 0) {
      const m = marks.at(-1)!;
      if (now.get(m.number) === m.hash) return m.number + 1n;
      marks.pop();
    }
    const cap = BigInt(maxBlockRange);
    return head.number >= cap ? head.number - cap + 1n : 0n;
  }

  /** Adds the blocks a reader has now seen (in order, after its last mark) to its marks; keeps the newest. */
  function remember(marks: Mark[], seen: readonly Mark[]): void {
    for (const m of seen.slice(-MAX_MARKS)) marks.push({ number: m.number, hash: m.hash });
    if (marks.length > MAX_MARKS) marks.splice(0, marks.length - MAX_MARKS);
  }

  /** The marks of a reader starting at the head now: the newest blocks. */
  async function marksAtHead(sql: SqlClient): Promise<Mark[]> {
    const head = await latestBlockId(sql);
    return head ? getBlockIdsInRange(sql, head.number - BigInt(MAX_MARKS) + 1n, head.number) : [];
  }

  //////// The subscription poller

  /** What the poller last told its subscriptions up to. */
  const polled: Mark[] = [];
  let timer: NodeJS.Timeout | null = null;
  let starting: Promise<void> | null = null;
  let tick: Promise<void> | null = null;
  let closed = false;

  function ensurePolling(): Promise<void> {
    if (timer || tick) return starting ?? Promise.resolve();
    starting ??= (async () => {
      const marks = await readSnapshot(db, marksAtHead);
      polled.length = 0;
      remember(polled, marks);
      if (subscriptions.size > 0 && !closed) schedule();
    })().finally(() => {
      starting = null;
    });
    return starting;
  }

  function schedule(): void {
    timer = setTimeout(() => {
      timer = null;
      tick = poll()
        .catch((err: unknown) => opts.onError?.(err))
        .finally(() => {
          tick = null;
          if (subscriptions.size > 0 && !closed) schedule();
        });
    }, interval);
  }

  function stopPolling(): void {
    if (timer) clearTimeout(timer);
    timer = null;
  }

  async function poll(): Promise<void> {
    const found = await readSnapshot(db, async (sql) => {
      const head = await latestBlockId(sql);
      if (head === null) return null;
      const from = await resumeFrom(sql, polled, head);
      if (from > head.number) return null;
      const latest = head.number;
      // Catch up at most `maxBlockRange` blocks per tick, so one tick's work stays bounded.
      const to = latest - from >= BigInt(maxBlockRange) ? from + BigInt(maxBlockRange) - 1n : latest;
      const blocks = await getBlocksInRange(sql, from, to);
      if (blocks.length === 0) return null;
      const wantLogs = [...subscriptions.values()].some((s) => s.kind === 'logs');
      const logs = wantLogs
        ? await getLogs(sql, {
            blocks: { fromBlock: from, toBlock: to },
            addresses: [],
            topics: [],
            limit: Number.MAX_SAFE_INTEGER,
          })
        : [];
      return { blocks, logs };
    });
    if (!found) return;
    remember(polled, found.blocks);
    for (const sub of [...subscriptions.values()]) {
      const notify = (result: unknown) =>
        sub.connection.send({
          jsonrpc: '2.0',
          method: 'eth_subscription',
          params: { subscription: sub.id, result },
        });
      if (sub.kind === 'newHeads') for (const b of found.blocks) notify(formatHeader(b));
      else for (const l of found.logs) if (matchesSubscription(sub, l)) notify(formatLog(l));
    }
  }

  function matchesSubscription(sub: Subscription, log: LogRow): boolean {
    const f = sub.filter;
    if (!f) return true;
    if (f.kind === 'hash') return f.blockHash === log.blockHash && matchesLog(f, log);
    if (f.fromBlock?.kind === 'number' && log.blockNumber < f.fromBlock.number) return false;
    if (f.toBlock?.kind === 'number' && log.blockNumber > f.toBlock.number) return false;
    return matchesLog(f, log);
  }

  async function changes(f: Filter): Promise<Hex[] | RpcLog[]> {
    if (f.kind === 'logs' && f.filter.kind === 'hash') {
      if (f.hashDone) return [];
      const logs = await readSnapshot(db, (sql) => queryLogs(sql, f.filter));
      f.hashDone = true;
      return logs;
    }
    return readSnapshot(db, async (sql) => {
      const head = await latestBlockId(sql);
      if (head === null) return [];
      const from = await filterResumeFrom(sql, f.last, head);
      if (from > head.number) return [];
      if (f.kind === 'blocks') {
        const blocks = await getBlocksInRange(sql, from, head.number);
        record(blocks);
        const newest = blocks.at(-1);
        if (newest) f.last = { number: newest.number, hash: newest.hash };
        return blocks.map((b) => b.hash as Hex);
      }
      const logs = await newLogs(sql, f.filter, from, head.number);
      // The blocks up to the head (with the one before `from`, their link to what was reported before).
      const deepest = head.number - BigInt(MAX_MARKS) + 1n;
      const start = from > deepest ? from : deepest;
      record(await getBlockIdsInRange(sql, start > 0n ? start - 1n : 0n, head.number));
      f.last = { number: head.number, hash: head.hash };
      return logs;
    });
  }

  function removeSubscription(id: string): void {
    const s = subscriptions.get(id);
    if (!s) return;
    subscriptions.delete(id);
    byConnection.get(s.connection)?.delete(id);
    if (subscriptions.size === 0) stopPolling();
  }

  /** The ids of `connection`'s subscriptions; the first call for a connection registers its one close hook. */
  function idsOf(connection: RpcConnection): Set<string> {
    let ids = byConnection.get(connection);
    if (ids) return ids;
    const mine = new Set<string>();
    ids = mine;
    byConnection.set(connection, mine);
    connection.onClose(() => {
      if (byConnection.get(connection) === mine) byConnection.delete(connection);
      for (const id of mine) subscriptions.delete(id);
      mine.clear();
      if (subscriptions.size === 0) stopPolling();
    });
    return ids;
  }

  return {
    getLogs: (filter) => readSnapshot(db, (sql) => queryLogs(sql, filter)),

    async newLogFilter(filter, client = '') {
      return install({
        kind: 'logs',
        filter,
        last: filter.kind === 'hash' ? null : await readSnapshot(db, markAtHead),
        client,
        touched: now(),
        hashDone: false,
        queue: Promise.resolve(),
      });
    },

    async newBlockFilter(client = '') {
      const last = await readSnapshot(db, markAtHead);
      return install({ kind: 'blocks', last, client, touched: now(), queue: Promise.resolve() });
    },

    async getFilterChanges(id) {
      const f = touch(id);
      // One poll of a filter at a time, so two concurrent polls never return the same changes twice.
      const next = f.queue.then(() => changes(f));
      f.queue = next.catch(() => {});
      return next;
    },

    async getFilterLogs(id) {
      const f = touch(id);
      if (f.kind !== 'logs') throw filterNotFound();
      return readSnapshot(db, (sql) => queryLogs(sql, f.filter));
    },

    uninstallFilter(id) {
      sweep();
      return remove(id.toLowerCase());
    },

    async subscribe(connection, kind, filter) {
      const ids = idsOf(connection);
      if (ids.size >= maxPerConnection)
        throw new LimitExceededRpcError(
          `too many subscriptions on this connection: limit is ${maxPerConnection}`,
        );
      const id = newId();
      subscriptions.set(id, { id, connection, kind, filter });
      ids.add(id);
      try {
        await ensurePolling();
      } catch (err) {
        removeSubscription(id); // the client gets an error, not this id: nothing may notify under it
        throw err;
      }
      if (!subscriptions.has(id)) return id; // the connection closed meanwhile
      if (!timer && !tick && !closed) schedule();
      return id;
    },

    unsubscribe(connection, id) {
      const s = subscriptions.get(id.toLowerCase());
      if (!s || s.connection !== connection) return false;
      removeSubscription(s.id);
      return true;
    },

    stats: () => ({
      filters: filters.size,
      subscriptions: subscriptions.size,
      connections: byConnection.size,
      polling: timer !== null || tick !== null,
    }),

    async close() {
      closed = true;
      subscriptions.clear();
      byConnection.clear();
      filters.clear();
      filtersOf.clear();
      recent.clear();
      if (sweeper) clearInterval(sweeper);
      sweeper = null;
      stopPolling();
      await starting?.catch(() => {});
      await tick;
    },
  };
}
