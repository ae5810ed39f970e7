/**
 * The eth-tx-manager's I/O (DESIGN §3, §4; reference ethtxmanager): fold the `l1tx-*` streams, then in rounds
 * sign, send and monitor every open L1 tx. Decisions on a stream are the pure decider's (src/streams/l1tx); this
 * module reads the L1 and the log, signs, appends and broadcasts.
 *
 * Durability: every attempt is appended (`L1TxSent`, with the signed raw tx) BEFORE it is broadcast. A crash in
 * between leaves an attempt the L1 never saw; the next round finds it unknown to the node and broadcasts the same
 * raw tx. So a restart never signs a second, different tx for a nonce the first might still take.
 *
 * Nonces: a fresh nonce for `from` is the highest of the L1's pending count and one past the highest nonce of
 * the manager's own open txs (queued txs get no nonce; sent and mined ones hold theirs). Final txs (confirmed, or
 * failed after mining) are on the L1 at confirmed depth, so the pending count covers them; should the L1 no longer
 * hold one (a reorg deeper than the confirmations, a devnet restarted from genesis), the count is lower and the
 * manager follows the L1 (logging it) instead of waiting forever for a nonce gap to fill.
 *
 * Nonce gaps: open txs whose nonces are above the first nonce from L1's pending count up that none of our open
 * txs holds (so L1's latest and pending counts are below them) cannot be mined until a tx that is not ours takes
 * that nonce — after a devnet restart or a deep reorg, never. They are not broadcast (a node would refuse or only
 * park them). A real node can show such a gap for a moment (a reorg's txs not yet back in its pool, a load-balanced
 * endpoint behind the others), so only one that lasts the bump delay (`gasBump.afterMs`) counts; then, if the L1
 * knows none of their attempts (`eth_getTransactionByHash`: neither mined nor pooled — one it still holds could be
 * mined at its old nonce, executing the request twice), they are re-signed from L1's nonce in queue order
 * (`L1TxSent`, resign, a lower nonce), and left out of a fresh nonce's "one past our open txs" until they are.
 * A tx a node merely lacks (never propagated, dropped from its pool) holds its nonce, so it never opens a gap.
 *
 * Per round and open tx, in queue order:
 * - queued: no key for `from` → `L1TxFailed` (no_key); the gas limit (given, else the estimate plus a margin; an
 *   estimate that reverts → `L1TxFailed` (estimate_reverted) with the reason); fees from the node (EIP-1559 when
 *   the L1 has a base fee: 2 × base fee + `eth_maxPriorityFeePerGas`; else `eth_gasPrice`), capped; a nonce;
 *   sign → append `L1TxSent` → broadcast.
 * - sent: once the L1 account's nonce is past the tx's, look up every attempt's receipt → `L1TxMined`. None of
 *   ours mined and the nonce taken at confirmed depth → a tx that is not ours took it: re-sign with a fresh
 *   nonce (`L1TxSent`, resign) — only then, since none of our attempts can still be mined. The next nonce to be
 *   mined and unmined for `afterMs` → gas bump (same nonce, fees × (1 + percent), ≥ +10%, capped at
 *   `maxGasPrice`). Above a nonce gap that lasted (see above) → re-sign from L1's nonce. Otherwise make sure the
 *   node knows the live attempt (re-broadcast it if not, unless above a nonce gap).
 * - mined: the receipt gone or in another block → `L1TxReorged` (and `L1TxMined` again if it is in another block,
 *   else the mined raw tx is re-broadcast); `confirmations` blocks deep (the mining block counts as one) and its
 *   block still canonical → `L1TxConfirmed`, or for a reverted receipt `L1TxFailed` (reverted) with the reason
 *   from an `eth_call` replay at that block. A reorg after confirmation is the synchronizer's business: the
 *   owner sees its effect (a sequence no longer on L1) there and queues a new tx.
 */
import type { TransactionRequest } from 'ethers';
import type { ChangeWatch, ReadModelDb } from '../../projections/index.ts';
import { readL1TxSnapshot } from '../../projections/l1tx/index.ts';
import { errorToObject, severityOf } from '../../src/errors/index.ts';
import {
  type EventStore,
  ExpectedRevisionConflictError,
  type GlobalPosition,
  type RecordedEvent,
} from '../../src/eventstore/index.ts';
import {
  type Address,
  type Hash,
  type Hex,
  hexToBytes,
  isAddress,
  keccak256Hex,
  toAddress,
  toQuantity,
} from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  bumpFees,
  capFees,
  decide,
  evolve,
  feeFields,
  foldL1Tx,
  isTerminal,
  L1TX_STREAM_PREFIX,
  type L1TxAttempt,
  type L1TxCommand,
  type L1TxEvent,
  type L1TxFees,
  type L1TxRequest,
  type L1TxSendReason,
  type L1TxSent,
  type L1TxState,
  l1TxIdOf,
  l1TxStreamId,
  lastAttempt,
  MIN_REPLACEMENT_BUMP_PERCENT,
  raiseByPercent,
} from '../../src/streams/l1tx/index.ts';
import {
  EthTxManagerConfigError,
  EthTxManagerFencedError,
  L1ChainMismatchError,
  L1InsufficientFundsError,
  L1RpcError,
} from './errors.ts';
import { classifySendError, createL1Client, isRevert, type L1Client, revertReason } from './l1.ts';

/** What signs L1 txs: an ethers `Wallet` will do. Its key never leaves it (and is never logged). */
export type L1Signer = {
  readonly address: string;
  signTransaction(tx: TransactionRequest): Promise<string>;
};

/** When and how much to raise the fees of a tx that is not mined. */
export type GasBumpPolicy = {
  /** Bump an attempt not mined this long after it was sent. */
  afterMs: number;
  /** Raise every fee by this percent; at least 10 (nodes refuse smaller replacements). */
  percent: number;
  /** Never pay more per gas than this (wei); at the cap the tx waits at its price. */
  maxGasPrice: bigint;
};

/** A log line; `level` defaults to info. Fields never hold keys or signers. */
export type EthTxLog = (msg: string, fields?: Record<string, unknown>, level?: 'info' | 'warn') => void;

export type EthTxManagerDeps = {
  store: EventStore;
  /** The read models: the manager starts from the `l1_txs` snapshot and folds the log after it. */
  db: ReadModelDb;
  /** The key(s) the manager signs with; a queued tx whose `from` has none fails (`no_key`). */
  signer: L1Signer | readonly L1Signer[];
  l1Url: string;
  chainId: number | bigint;
  /** Blocks (the mining block included) before a tx is final; ≥ 1. */
  confirmations: number;
  gasBump: GasBumpPolicy;
  /** Idle poll interval of the machine. @default 1000 */
  pollMs?: number;
  /** Fee style: EIP-1559 when the L1 reports a base fee (`auto`), or forced. @default 'auto' */
  feeMode?: 'auto' | 'legacy' | 'eip1559';
  /** Margin added to gas estimates, in percent. @default 20 */
  gasMarginPercent?: number;
  /** Timeout of one L1 call. @default 10_000 */
  rpcTimeoutMs?: number;
  /** Wakes the idle machine when `l1tx` events are projected (e.g. `runner.watch(['L1TxQueued'])`). */
  wake?: ChangeWatch;
  log?: EthTxLog;
  /** Test seams: called between the append of an attempt and its broadcast (e.g. to simulate a crash there). */
  hooks?: { beforeBroadcast?: (attempt: L1TxSent['data']) => Promise<void> | void };
};

/** One open L1 tx: its folded state, its stream's revision and where it was queued in the log. */
export type TrackedL1Tx = { id: string; state: L1TxState; revision: number; queuedPosition: GlobalPosition };

/** The manager's view, rebuilt on every (re)start by folding; plain data. */
export type EthTxManagerState = {
  /** The log is folded up to here. */
  cursor: GlobalPosition;
  /** Open txs (queued, sent, mined) in queue order. */
  open: TrackedL1Tx[];
  /** Per sender, the highest nonce of its txs that were mined and are final. */
  finalNonces: Record<string, bigint>;
  /**
   * Per sender, since when (ms) open txs of its have been above a nonce gap none of ours fills (L1's nonce below
   * them): once that lasts the bump delay they are re-signed from L1's nonce.
   */
  gapSince: Record<string, number>;
};

export type EthTxManagerEffects = {
  /** Checks the L1 chain id and folds the open txs (read-model snapshot, then the log after it). */
  load(nowMs: number): Promise<EthTxManagerState>;
  /** One round over the open txs at `nowMs`; `worked` = something was appended (then run again at once). */
  tick(state: EthTxManagerState, nowMs: number): Promise<{ state: EthTxManagerState; worked: boolean }>;
  /** Resolves when the wake watch moved since the last tick (never without one). */
  changed(signal: AbortSignal): Promise<void>;
};

const ACTOR = 'eth-tx-manager';
const PAGE = 500;

type RpcBlock = { number: Hex; hash: Hash; baseFeePerGas?: Hex } | null;
type RpcReceipt = {
  transactionHash: Hash;
  blockNumber: Hex;
  blockHash: Hash;
  status: Hex;
  gasUsed: Hex;
  effectiveGasPrice?: Hex;
} | null;

/**
 * Per-round cache of L1 reads (`latest`, `pending`: the account nonce counts), and per sender the open txs to
 * re-sign from L1's nonce this round (removed as they are re-signed).
 */
type Round = {
  head: bigint;
  latest: Map<Address, bigint>;
  pending: Map<Address, bigint>;
  resign: Map<Address, Set<string>>;
};

/**
 * Checks the role's dependencies.
 * @throws {EthTxManagerConfigError} naming the first bad setting.
 */
export function validateEthTxManagerDeps(deps: EthTxManagerDeps): void {
  const bad = (msg: string): never => {
    throw new EthTxManagerConfigError(msg);
  };
  if (!Number.isInteger(deps.confirmations) || deps.confirmations < 1) {
    bad(
      `confirmations must be an integer ≥ 1 (nothing waits on zero confirmations), got ${deps.confirmations}`,
    );
  }
  const id = deps.chainId;
  if ((typeof id === 'number' && !Number.isSafeInteger(id)) || BigInt(id) <= 0n) {
    bad(`chainId must be a positive integer, got ${String(id)}`);
  }
  const g = deps.gasBump;
  if (!Number.isFinite(g.afterMs) || g.afterMs <= 0) bad(`gasBump.afterMs must be > 0, got ${g.afterMs}`);
  if (!Number.isInteger(g.percent) || g.percent < MIN_REPLACEMENT_BUMP_PERCENT) {
    bad(
      `gasBump.percent must be an integer ≥ ${MIN_REPLACEMENT_BUMP_PERCENT} (nodes refuse smaller replacements), got ${g.percent}`,
    );
  }
  if (typeof g.maxGasPrice !== 'bigint' || g.maxGasPrice <= 0n) {
    bad(`gasBump.maxGasPrice must be a positive bigint (wei), got ${String(g.maxGasPrice)}`);
  }
  if (deps.pollMs !== undefined && !(deps.pollMs > 0)) bad(`pollMs must be > 0, got ${deps.pollMs}`);
  const margin = deps.gasMarginPercent;
  if (margin !== undefined && (!Number.isInteger(margin) || margin < 0)) {
    bad(`gasMarginPercent must be an integer ≥ 0, got ${margin}`);
  }
  const signers = Array.isArray(deps.signer) ? deps.signer : [deps.signer];
  if (signers.length === 0) bad('no signer given');
  for (const s of signers as L1Signer[]) {
    if (!isAddress(s.address)) bad(`a signer has an invalid address ${String(s.address)}`);
  }
  try {
    new URL(deps.l1Url);
  } catch {
    bad('l1Url is not a URL');
  }
}

const minedAttemptNonce = (state: L1TxState): bigint | null => {
  if (state.status !== 'confirmed' && state.status !== 'failed') return null;
  const mined = state.mined;
  if (!mined) return null;
  return state.attempts.find((a) => a.hash === mined.hash)?.nonce ?? null;
};

export function createEthTxManagerEffects(deps: EthTxManagerDeps): EthTxManagerEffects {
  validateEthTxManagerDeps(deps);
  const { store } = deps;
  const log: EthTxLog = deps.log ?? (() => {});
  const l1: L1Client = createL1Client(deps.l1Url, { timeoutMs: deps.rpcTimeoutMs ?? 10_000 });
  const chainId = BigInt(deps.chainId);
  const confirmations = BigInt(deps.confirmations);
  const margin = deps.gasMarginPercent ?? 20;
  const signers = new Map<Address, L1Signer>(
    (Array.isArray(deps.signer) ? deps.signer : [deps.signer]).map((s: L1Signer) => [
      toAddress(s.address),
      s,
    ]),
  );
  /** Warnings given once per subject, so a stuck tx does not flood the log every round. */
  const warned = new Set<string>();
  const warnOnce = (key: string, msg: string, fields: Record<string, unknown>) => {
    if (warned.has(key)) return;
    warned.add(key);
    log(msg, fields, 'warn');
  };
  let wakeSeen = deps.wake?.version() ?? 0;

  const at = (nowMs: number) => new Date(nowMs).toISOString();

  //////// Folding

  function noteFinal(state: EthTxManagerState, t: TrackedL1Tx): void {
    const nonce = minedAttemptNonce(t.state);
    if (nonce === null || t.state.status === 'unknown') return;
    const from = t.state.request.from;
    const prev = state.finalNonces[from];
    if (prev === undefined || nonce > prev) state.finalNonces[from] = nonce;
  }

  /** Drops final txs from the open set (noting their nonces). */
  function prune(state: EthTxManagerState): void {
    const open: TrackedL1Tx[] = [];
    for (const t of state.open) {
      if (isTerminal(t.state)) noteFinal(state, t);
      else if (t.state.status !== 'unknown') open.push(t);
    }
    state.open = open;
  }

  async function readTracked(id: string): Promise<TrackedL1Tx | null> {
    const events = (await store.readStream(l1TxStreamId(id))) as RecordedEvent<L1TxEvent>[];
    const first = events[0];
    if (!first) return null;
    return { id, state: foldL1Tx(events), revision: events.length - 1, queuedPosition: first.position };
  }

  /** Folds the `l1tx-*` events after the cursor: new queues, and anything not appended by this instance. */
  async function catchUp(state: EthTxManagerState): Promise<void> {
    for (;;) {
      const from = state.cursor;
      const page = await store.readAll({
        fromPosition: from,
        limit: PAGE,
        filter: { streamPrefixes: [L1TX_STREAM_PREFIX] },
      });
      for (const e of page.events as RecordedEvent<L1TxEvent>[]) {
        const id = l1TxIdOf(e.streamId);
        if (id === null) continue;
        const t = state.open.find((x) => x.id === id);
        if (t) {
          if (e.revision <= t.revision) continue; // already folded (our own append)
          if (e.revision === t.revision + 1) {
            t.state = evolve(t.state, e);
            t.revision = e.revision;
            continue;
          }
        } else if (e.revision === 0) {
          state.open.push({ id, state: evolve(foldL1Tx([]), e), revision: 0, queuedPosition: e.position });
          continue;
        }
        // A gap (or a stream closed before the snapshot): take the stream as it is now.
        const fresh = await readTracked(id);
        if (!fresh) continue;
        if (t) Object.assign(t, fresh);
        else if (!isTerminal(fresh.state)) state.open.push(fresh);
      }
      if (page.position > state.cursor) state.cursor = page.position;
      if (page.isEnd || state.cursor === from) break;
    }
    state.open.sort((a, b) => (a.queuedPosition < b.queuedPosition ? -1 : 1));
    prune(state);
  }

  //////// Appending

  /** Decides `commands` on the tx's state and appends the events with the stream's expected revision. */
  async function append(t: TrackedL1Tx, commands: readonly L1TxCommand[], nowMs: number): Promise<void> {
    let next = t.state;
    const events: L1TxEvent[] = [];
    for (const c of commands) {
      const decided = decide(c, next);
      next = decided.reduce(evolve, next);
      events.push(...decided);
    }
    const streamId = l1TxStreamId(t.id);
    try {
      await store.append(
        streamId,
        envelope(events, { actor: ACTOR, at: at(nowMs), correlationId: t.id }),
        t.revision,
      );
    } catch (err) {
      if (err instanceof ExpectedRevisionConflictError) throw new EthTxManagerFencedError(streamId, err);
      throw err;
    }
    t.state = next;
    t.revision += events.length;
  }

  //////// L1 reads

  async function head(): Promise<bigint> {
    return BigInt(await l1.request<Hex>('eth_blockNumber'));
  }

  async function latestNonce(round: Round, from: Address): Promise<bigint> {
    const hit = round.latest.get(from);
    if (hit !== undefined) return hit;
    const n = BigInt(await l1.request<Hex>('eth_getTransactionCount', [from, 'latest']));
    round.latest.set(from, n);
    return n;
  }

  async function pendingNonce(round: Round, from: Address): Promise<bigint> {
    const hit = round.pending.get(from);
    if (hit !== undefined) return hit;
    const n = await l1PendingNonce(from);
    round.pending.set(from, n);
    return n;
  }

  const l1PendingNonce = async (from: Address) =>
    BigInt(await l1.request<Hex>('eth_getTransactionCount', [from, 'pending']));

  const receipt = (hash: Hash) => l1.request<RpcReceipt>('eth_getTransactionReceipt', [hash]);
  const blockAt = (n: bigint) => l1.request<RpcBlock>('eth_getBlockByNumber', [toQuantity(n), false]);

  /** The node's fee suggestion now, in the configured style, not capped. */
  async function suggestFees(): Promise<L1TxFees> {
    const mode = deps.feeMode ?? 'auto';
    if (mode !== 'legacy') {
      const latest = await l1.request<RpcBlock>('eth_getBlockByNumber', ['latest', false]);
      const base = latest?.baseFeePerGas;
      if (base !== undefined) {
        let tip: bigint;
        try {
          tip = BigInt(await l1.request<Hex>('eth_maxPriorityFeePerGas'));
        } catch (err) {
          if (!(err instanceof L1RpcError)) throw err;
          tip = 1_000_000_000n; // nodes without the method: 1 gwei, geth's default suggestion floor
        }
        return { type: 'eip1559', maxFeePerGas: 2n * BigInt(base) + tip, maxPriorityFeePerGas: tip };
      }
      if (mode === 'eip1559') {
        throw new EthTxManagerConfigError(
          'feeMode is eip1559 but the L1 reports no base fee (pre-London chain)',
        );
      }
    }
    return { type: 'legacy', gasPrice: BigInt(await l1.request<Hex>('eth_gasPrice')) };
  }

  /**
   * A fresh nonce for `from`: the L1's pending count or one past our highest open nonce, whichever is higher. Txs
   * being re-signed from L1's nonce this round do not count (their nonces are the ones L1 lost). Also returns the
   * pending count it read (for the broadcast's gap check, so no L1 call sits between the append and the broadcast).
   */
  async function freshNonce(
    state: EthTxManagerState,
    round: Round,
    from: Address,
  ): Promise<{ nonce: bigint; pending: bigint }> {
    const pending = await l1PendingNonce(from);
    const resigning = round.resign.get(from);
    let next = pending;
    for (const t of state.open) {
      if (t.state.status === 'unknown' || t.state.request.from !== from || resigning?.has(t.id)) continue;
      const a = lastAttempt(t.state);
      if (a && a.nonce + 1n > next) next = a.nonce + 1n;
    }
    const final = state.finalNonces[from];
    if (final !== undefined && pending <= final) {
      warnOnce(
        `lost:${from}:${final}`,
        'the L1 no longer holds txs the manager saw confirmed (a reorg deeper than the confirmations, or a restarted L1): following its nonces',
        { from, l1PendingNonce: pending.toString(), highestFinalNonce: final.toString() },
      );
    }
    return { nonce: next, pending };
  }

  //////// Nonce gaps

  /**
   * The lowest nonce from L1's pending count up that no open tx of ours (sent or mined) holds: the first one
   * nothing of ours fills. Open txs above it cannot be mined until a tx that is not ours takes it.
   */
  function firstUnfilled(state: EthTxManagerState, from: Address, pending: bigint): bigint {
    const held = new Set<bigint>();
    for (const t of state.open) {
      if (t.state.status !== 'sent' && t.state.status !== 'mined') continue;
      if (t.state.request.from !== from) continue;
      const a = lastAttempt(t.state);
      if (a) held.add(a.nonce);
    }
    let k = pending;
    while (held.has(k)) k++;
    return k;
  }

  /**
   * Watches, per sender with sent or mined txs, whether open txs sit above a nonce gap none of ours fills (L1's
   * latest and pending counts below them: a devnet restarted from genesis, a reorg deeper than the confirmations,
   * a foreign pending tx dropped). That can be transient on a real node (a reorg's txs not yet back in its pool, a
   * load-balanced endpoint behind the others), so only a gap that lasts the bump delay counts; then, when every
   * tx above it is sent and the L1 knows none of their attempts (mined or pooled — one it still holds could be mined
   * at its old nonce later, executing the request twice), they are marked to be re-signed from L1's nonce this
   * round, in queue order.
   */
  async function watchGaps(state: EthTxManagerState, round: Round, nowMs: number): Promise<void> {
    const senders = new Set<Address>();
    for (const t of state.open) {
      if (t.state.status === 'sent' || t.state.status === 'mined') senders.add(t.state.request.from);
    }
    for (const from of Object.keys(state.gapSince)) {
      if (!senders.has(from as Address)) delete state.gapSince[from];
    }
    for (const from of senders) {
      const pending = await pendingNonce(round, from);
      const latest = await latestNonce(round, from);
      const gap = firstUnfilled(state, from, pending);
      const above = state.open.filter((t) => {
        if (t.state.status !== 'sent' && t.state.status !== 'mined') return false;
        return t.state.request.from === from && (lastAttempt(t.state)?.nonce ?? -1n) > gap;
      });
      if (above.length === 0 || latest > gap) {
        delete state.gapSince[from];
        continue;
      }
      const since = state.gapSince[from] ?? nowMs;
      state.gapSince[from] = since;
      const fields = {
        from,
        l1Nonce: latest.toString(),
        l1PendingNonce: pending.toString(),
        unfilledNonce: gap.toString(),
        txs: above.map((t) => t.id),
      };
      warnOnce(
        `gap:${from}:${gap}`,
        'open l1 txs are above a nonce none of ours fills (the L1 lost nonces): holding their broadcasts',
        fields,
      );
      if (nowMs - since < deps.gasBump.afterMs) continue;
      if (above.some((t) => t.state.status !== 'sent')) continue; // a mined one's reorg is recorded first
      let known: Hash | null = null;
      for (const t of above) {
        if (t.state.status !== 'sent') continue;
        for (const a of t.state.attempts) {
          if ((await l1.request<unknown>('eth_getTransactionByHash', [a.hash])) !== null) known = a.hash;
          if (known) break;
        }
        if (known) break;
      }
      if (known) {
        warnOnce(
          `gap-known:${from}:${gap}:${known}`,
          'open l1 txs are above a nonce gap, but the L1 still holds one of their attempts: waiting',
          { ...fields, hash: known },
        );
        continue;
      }
      log(
        'the L1 lost the nonces below open l1 txs: re-signing them from its nonce in queue order',
        fields,
        'warn',
      );
      round.resign.set(from, new Set(above.map((t) => t.id)));
    }
  }

  /** Whether `nonce` of `from` is above a nonce gap none of ours fills: broadcasting it would only park it. */
  const aboveGap = (state: EthTxManagerState, from: Address, nonce: bigint, pending: bigint) =>
    firstUnfilled(state, from, pending) < nonce;

  //////// Signing and sending

  async function sign(
    request: L1TxRequest,
    nonce: bigint,
    gasLimit: bigint,
    fees: L1TxFees,
  ): Promise<{ raw: Hex; hash: Hash }> {
    const signer = signers.get(request.from);
    if (!signer) throw new EthTxManagerConfigError(`no key for ${request.from}`);
    const tx: TransactionRequest = {
      type: fees.type === 'legacy' ? 0 : 2,
      chainId,
      nonce: Number(nonce),
      to: request.to,
      data: request.data,
      value: request.value,
      gasLimit,
      ...(fees.type === 'legacy'
        ? { gasPrice: fees.gasPrice }
        : { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }),
    };
    const raw = (await signer.signTransaction(tx)) as Hex;
    return { raw, hash: keccak256Hex(hexToBytes(raw)) };
  }

  /**
   * Signs an attempt, appends its `L1TxSent` (the commit point), then broadcasts it — unless it is above a nonce gap
   * none of ours fills, judged by L1's pending count `pending` (null for a bump: its nonce is L1's latest count).
   */
  async function sendAttempt(
    state: EthTxManagerState,
    t: TrackedL1Tx,
    reason: L1TxSendReason,
    nonce: bigint,
    gasLimit: bigint,
    fees: L1TxFees,
    nowMs: number,
    pending: bigint | null,
  ): Promise<void> {
    if (t.state.status === 'unknown') return;
    const request = t.state.request;
    const { raw, hash } = await sign(request, nonce, gasLimit, fees);
    const prev = lastAttempt(t.state);
    const data: L1TxSent['data'] = {
      id: t.id,
      attempt: (prev?.attempt ?? 0) + 1,
      reason,
      nonce: nonce.toString(),
      gasLimit: gasLimit.toString(),
      ...feeFields(fees),
      hash,
      raw,
      sentAt: at(nowMs),
    };
    await append(t, [{ type: 'SendL1Tx', data }], nowMs);
    log(reason === 'bump' ? 'l1 tx gas bumped' : 'l1 tx signed', {
      id: t.id,
      from: request.from,
      nonce: data.nonce,
      attempt: data.attempt,
      reason,
      hash,
      gasLimit: data.gasLimit,
      ...(fees.type === 'legacy'
        ? { gasPrice: data.gasPrice }
        : { maxFeePerGas: data.maxFeePerGas, maxPriorityFeePerGas: data.maxPriorityFeePerGas }),
    });
    await deps.hooks?.beforeBroadcast?.(data);
    const last = lastAttempt(t.state);
    if (!last) return;
    if (pending === null) await broadcast(t, last);
    else await broadcastUnlessAboveGap(state, t, last, pending);
  }

  /** Broadcasts an attempt unless it is above a nonce gap none of ours fills (the next rounds handle it). */
  async function broadcastUnlessAboveGap(
    state: EthTxManagerState,
    t: TrackedL1Tx,
    a: L1TxAttempt,
    pending: bigint,
  ): Promise<void> {
    if (t.state.status === 'unknown') return;
    if (aboveGap(state, t.state.request.from, a.nonce, pending)) {
      warnOnce(`held:${t.id}:${a.hash}`, 'l1 tx above a nonce gap none of ours fills: not broadcast', {
        id: t.id,
        from: t.state.request.from,
        nonce: a.nonce.toString(),
        l1PendingNonce: pending.toString(),
        hash: a.hash,
      });
      return;
    }
    await broadcast(t, a);
  }

  /**
   * Broadcasts an attempt. A node that already has it, a nonce already used (the next round finds out by whom),
   * an underpriced replacement or any other refusal are logged and left to the next round; an unreachable node
   * fails the round (temporary); insufficient funds stop the node (critical).
   */
  async function broadcast(t: TrackedL1Tx, a: L1TxAttempt): Promise<void> {
    if (t.state.status === 'unknown') return;
    const fields = { id: t.id, from: t.state.request.from, nonce: a.nonce.toString(), hash: a.hash };
    try {
      await l1.request<Hash>('eth_sendRawTransaction', [a.raw]);
      log('l1 tx broadcast', fields);
    } catch (err) {
      if (!(err instanceof L1RpcError)) throw err;
      const kind = classifySendError(err.rpcMessage);
      switch (kind) {
        case 'known':
          return;
        case 'insufficient_funds':
          throw new L1InsufficientFundsError(t.state.request.from, t.id, err);
        case 'nonce_too_low':
          log(
            'l1 tx nonce too low: re-syncing with the L1 account nonce',
            { ...fields, error: err.rpcMessage },
            'warn',
          );
          return;
        default:
          log('the L1 node refused an l1 tx', { ...fields, kind, error: err.rpcMessage }, 'warn');
      }
    }
  }

  //////// Steps

  async function stepQueued(
    state: EthTxManagerState,
    t: TrackedL1Tx,
    round: Round,
    nowMs: number,
  ): Promise<boolean> {
    if (t.state.status !== 'queued') return false;
    const request = t.state.request;
    const fail = async (code: 'no_key' | 'estimate_reverted', reason: string) => {
      await append(
        t,
        [
          {
            type: 'FailL1Tx',
            data: { id: t.id, code, reason, hash: null, blockNumber: null, blockHash: null },
          },
        ],
        nowMs,
      );
      log('l1 tx failed', { id: t.id, from: request.from, code, reason }, 'warn');
      return true;
    };
    if (!signers.has(request.from))
      return fail('no_key', `the eth-tx-manager holds no key for ${request.from}`);
    let gasLimit = request.gasLimit;
    if (gasLimit === null) {
      try {
        const estimate = await l1.request<Hex>('eth_estimateGas', [
          {
            from: request.from,
            ...(request.to === null ? {} : { to: request.to }),
            data: request.data,
            value: toQuantity(request.value),
          },
        ]);
        gasLimit = raiseByPercent(BigInt(estimate), margin);
      } catch (err) {
        if (!(err instanceof L1RpcError)) throw err;
        if (classifySendError(err.rpcMessage) === 'insufficient_funds') {
          throw new L1InsufficientFundsError(request.from, t.id, err);
        }
        if (!isRevert(err)) throw err;
        return fail('estimate_reverted', revertReason(err));
      }
    }
    const fees = capFees(await suggestFees(), deps.gasBump.maxGasPrice);
    const { nonce, pending } = await freshNonce(state, round, request.from);
    await sendAttempt(state, t, 'initial', nonce, gasLimit, fees, nowMs, pending);
    return true;
  }

  async function recordReceipt(
    t: TrackedL1Tx,
    r: NonNullable<RpcReceipt>,
    nowMs: number,
    extra: L1TxCommand[],
  ) {
    const data = {
      id: t.id,
      hash: r.transactionHash,
      blockNumber: BigInt(r.blockNumber).toString(),
      blockHash: r.blockHash,
      status: BigInt(r.status) === 1n ? ('success' as const) : ('reverted' as const),
      gasUsed: BigInt(r.gasUsed).toString(),
      effectiveGasPrice: r.effectiveGasPrice === undefined ? null : BigInt(r.effectiveGasPrice).toString(),
    };
    await append(t, [...extra, { type: 'RecordL1TxMined', data }], nowMs);
    log('l1 tx mined', { id: t.id, hash: data.hash, blockNumber: data.blockNumber, status: data.status });
  }

  async function stepSent(
    state: EthTxManagerState,
    t: TrackedL1Tx,
    round: Round,
    nowMs: number,
  ): Promise<boolean> {
    if (t.state.status !== 'sent') return false;
    const { request, attempts } = t.state;
    const live = attempts[attempts.length - 1]!;
    const latest = await latestNonce(round, request.from);
    if (latest > live.nonce) {
      // Someone's tx with this nonce is mined. Read the count at confirmed depth first, then our receipts: a receipt
      // of ours mined in between is then still seen.
      const depthBlock = round.head - confirmations + 1n;
      const atDepth =
        depthBlock < 0n
          ? 0n
          : BigInt(await l1.request<Hex>('eth_getTransactionCount', [request.from, toQuantity(depthBlock)]));
      for (const a of [...attempts].reverse()) {
        const r = await receipt(a.hash);
        if (r) {
          await recordReceipt(t, r, nowMs, []);
          return true;
        }
      }
      if (atDepth > live.nonce) {
        const { nonce, pending } = await freshNonce(state, round, request.from);
        log(
          'l1 tx nonce taken by a tx that is not ours: re-signing with a fresh nonce',
          { id: t.id, from: request.from, takenNonce: live.nonce.toString(), nonce: nonce.toString() },
          'warn',
        );
        const fees = capFees(await suggestFees(), deps.gasBump.maxGasPrice);
        await sendAttempt(state, t, 'resign', nonce, live.gasLimit, fees, nowMs, pending);
        return true;
      }
      warnOnce(
        `taken:${t.id}:${live.nonce}`,
        'l1 tx nonce taken by another tx: waiting for it to be confirmed',
        {
          id: t.id,
          from: request.from,
          nonce: live.nonce.toString(),
        },
      );
      return false;
    }
    const resigning = round.resign.get(request.from);
    if (resigning?.has(t.id)) {
      // The L1 lost the nonces below this tx (watchGaps): re-sign it from L1's nonce, after the txs queued before it.
      const { nonce, pending } = await freshNonce(state, round, request.from);
      resigning.delete(t.id);
      if (nonce !== live.nonce) {
        log(
          'l1 tx above nonces the L1 lost: re-signing it with the nonce the L1 expects',
          { id: t.id, from: request.from, lostNonce: live.nonce.toString(), nonce: nonce.toString() },
          'warn',
        );
        const fees = capFees(await suggestFees(), deps.gasBump.maxGasPrice);
        await sendAttempt(state, t, 'resign', nonce, live.gasLimit, fees, nowMs, pending);
        return true;
      }
    }
    if (latest === live.nonce && nowMs - live.sentAtMs >= deps.gasBump.afterMs) {
      const fees = bumpFees(live.fees, await suggestFees(), deps.gasBump);
      if (fees) {
        await sendAttempt(state, t, 'bump', live.nonce, live.gasLimit, fees, nowMs, null);
        return true;
      }
      warnOnce(`cap:${t.id}:${live.attempt}`, 'l1 tx at the gas price cap: waiting at its price', {
        id: t.id,
        hash: live.hash,
        maxGasPrice: deps.gasBump.maxGasPrice.toString(),
      });
    }
    // Make sure the node has the live attempt: it may never have seen it (a crash before the broadcast, a node
    // restart, a reorg that dropped its pool).
    // Not above a nonce gap none of ours fills, though: there it would only be parked (or refused).
    if (aboveGap(state, request.from, live.nonce, await pendingNonce(round, request.from))) return false;
    const known = await l1.request<unknown>('eth_getTransactionByHash', [live.hash]);
    if (known === null) {
      log('l1 tx unknown to the node: broadcasting it again', { id: t.id, hash: live.hash });
      await broadcast(t, live);
    }
    return false;
  }

  async function stepMined(
    state: EthTxManagerState,
    t: TrackedL1Tx,
    round: Round,
    nowMs: number,
  ): Promise<boolean> {
    if (t.state.status !== 'mined') return false;
    const mined = t.state.mined;
    const reorged: L1TxCommand = {
      type: 'RecordL1TxReorged',
      data: {
        id: t.id,
        hash: mined.hash,
        blockNumber: mined.blockNumber.toString(),
        blockHash: mined.blockHash,
      },
    };
    const onReorg = async (r: RpcReceipt) => {
      log(
        'l1 tx reorged: its block is no longer canonical',
        { id: t.id, hash: mined.hash, blockNumber: mined.blockNumber.toString(), blockHash: mined.blockHash },
        'warn',
      );
      if (r && r.blockHash !== mined.blockHash) {
        await recordReceipt(t, r, nowMs, [reorged]);
        return true;
      }
      const minedAttempt =
        t.state.status === 'mined' ? t.state.attempts.find((a) => a.hash === mined.hash) : null;
      await append(t, [reorged], nowMs);
      if (minedAttempt && t.state.status !== 'unknown') {
        const pending = await l1PendingNonce(t.state.request.from);
        await broadcastUnlessAboveGap(state, t, minedAttempt, pending);
      }
      return true;
    };
    const r = await receipt(mined.hash);
    if (!r || r.blockHash !== mined.blockHash) return onReorg(r);
    if (round.head < mined.blockNumber + confirmations - 1n) return false;
    const block = await blockAt(mined.blockNumber);
    if (!block || block.hash !== mined.blockHash) return onReorg(null);
    if (mined.status === 'success') {
      await append(
        t,
        [
          {
            type: 'ConfirmL1Tx',
            data: {
              id: t.id,
              hash: mined.hash,
              blockNumber: mined.blockNumber.toString(),
              blockHash: mined.blockHash,
              confirmations: deps.confirmations,
            },
          },
        ],
        nowMs,
      );
      log('l1 tx confirmed', { id: t.id, hash: mined.hash, blockNumber: mined.blockNumber.toString() });
      return true;
    }
    const reason = await replayRevert(t.state.request, mined.blockNumber, t.state.attempts, mined.hash);
    await append(
      t,
      [
        {
          type: 'FailL1Tx',
          data: {
            id: t.id,
            code: 'reverted',
            reason,
            hash: mined.hash,
            blockNumber: mined.blockNumber.toString(),
            blockHash: mined.blockHash,
          },
        },
      ],
      nowMs,
    );
    log('l1 tx failed', { id: t.id, code: 'reverted', reason, hash: mined.hash }, 'warn');
    return true;
  }

  /** The revert reason of a mined tx, by replaying its call with `eth_call` at its block. */
  async function replayRevert(
    request: L1TxRequest,
    blockNumber: bigint,
    attempts: readonly L1TxAttempt[],
    hash: Hash,
  ): Promise<string> {
    const gas = attempts.find((a) => a.hash === hash)?.gasLimit;
    try {
      await l1.request('eth_call', [
        {
          from: request.from,
          ...(request.to === null ? {} : { to: request.to }),
          data: request.data,
          value: toQuantity(request.value),
          ...(gas === undefined ? {} : { gas: toQuantity(gas) }),
        },
        toQuantity(blockNumber),
      ]);
      return `reverted in block ${blockNumber} (no reason: the call succeeds when replayed)`;
    } catch (err) {
      if (!(err instanceof L1RpcError)) throw err;
      return revertReason(err);
    }
  }

  return {
    async load() {
      try {
        const actual = BigInt(await l1.request<Hex>('eth_chainId'));
        if (actual !== chainId) throw new L1ChainMismatchError(l1.endpoint, chainId, actual);
        const snapshot = await readL1TxSnapshot(deps.db);
        const state: EthTxManagerState = {
          cursor: snapshot?.position ?? 0n,
          open: [],
          finalNonces: Object.fromEntries(snapshot?.finalNonces ?? []),
          gapSince: {},
        };
        for (const id of snapshot?.openIds ?? []) {
          const t = await readTracked(id);
          if (t) state.open.push(t);
        }
        await catchUp(state);
        log('eth-tx-manager loaded', {
          l1: l1.endpoint,
          open: state.open.length,
          fromPosition: (snapshot?.position ?? 0n).toString(),
          signers: [...signers.keys()],
        });
        return state;
      } catch (err) {
        if (severityOf(err) === 'temporary') {
          log('eth-tx-manager load failed: retrying with backoff', { error: errorToObject(err) }, 'warn');
        }
        throw err;
      }
    },

    async tick(input, nowMs) {
      // The input is the machine's context: work on copies (a tx's folded state itself is never mutated).
      const state: EthTxManagerState = {
        cursor: input.cursor,
        open: input.open.map((t) => ({ ...t })),
        finalNonces: { ...input.finalNonces },
        gapSince: { ...input.gapSince },
      };
      wakeSeen = deps.wake?.version() ?? 0;
      try {
        await catchUp(state);
        if (state.open.length === 0) return { state, worked: false };
        const round: Round = { head: await head(), latest: new Map(), pending: new Map(), resign: new Map() };
        await watchGaps(state, round, nowMs);
        let worked = false;
        for (const t of [...state.open]) {
          let did = false;
          if (t.state.status === 'queued') did = await stepQueued(state, t, round, nowMs);
          else if (t.state.status === 'sent') did = await stepSent(state, t, round, nowMs);
          else if (t.state.status === 'mined') did = await stepMined(state, t, round, nowMs);
          if (did && t.state.status !== 'unknown') {
            round.latest.delete(t.state.request.from);
            round.pending.delete(t.state.request.from);
          }
          worked ||= did;
        }
        prune(state);
        return { state, worked };
      } catch (err) {
        if (severityOf(err) === 'temporary') {
          log('eth-tx-manager round failed: retrying with backoff', { error: errorToObject(err) }, 'warn');
        }
        throw err;
      }
    },

    changed(signal) {
      if (!deps.wake) return new Promise(() => {});
      return deps.wake.changedSince(wakeSeen, signal);
    },
  };
}
