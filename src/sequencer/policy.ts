/**
 * The sequencer's decisions that need no I/O (DESIGN §6): which pool txs are ready and in what order, and when a
 * batch closes. Pure: the pool view, the senders' nonces and the clock arrive as arguments.
 */
import type { BatchCloseReason } from '../streams/l2/index.ts';

export type BatchLimits = {
  /** Close after this many txs. Dev default 100. */
  maxTxs: number;
  /** batchL2Data may not exceed this many bytes (reference 120000). */
  maxBytes: number;
  /** Cumulative gas of the batch's txs (DESIGN §6: 30,000,000). */
  maxGas: bigint;
  /** Close this long after the batch opened. Dev default 2 s. */
  timeoutMs: number;
};

/** What the sequencer knows of the open batch. */
export type OpenBatchView = {
  txCount: number;
  bytes: number;
  gasUsed: bigint;
  /** When it opened, in ms (the clock the sequencer reads, passed in). */
  openedAtMs: number;
  globalExitRoot: string;
};

/** The next tx the sequencer wants to add: its blob size and its gas limit (an upper bound of its gas use). */
export type Candidate = { bytes: number; gas: bigint };

/**
 * Why `next` fits no batch, not even an empty one (its gas above the batch gas, its blob above the batch bytes):
 * such a tx is never sealed. `null` when an empty batch takes it. Pure.
 */
export function fitsNoBatch(
  next: Candidate,
  limits: BatchLimits,
): 'exceeds block gas limit' | 'oversized data' | null {
  if (next.gas > limits.maxGas) return 'exceeds block gas limit';
  if (next.bytes > limits.maxBytes) return 'oversized data';
  return null;
}

/**
 * Whether the open batch must close now, and why; `null` to keep it open. Checked before each tx is added
 * (`next`) and on every tick without one. Order: time, then GER change, then fullness (txs, bytes, gas).
 */
export function closeReason(
  batch: OpenBatchView,
  limits: BatchLimits,
  ctx: { nowMs: number; globalExitRoot?: string; forcedDeadlineMs?: number },
  next?: Candidate,
): BatchCloseReason | null {
  if (batch.txCount > 0 && ctx.nowMs - batch.openedAtMs >= limits.timeoutMs) return 'timeout';
  if (ctx.forcedDeadlineMs !== undefined && ctx.nowMs >= ctx.forcedDeadlineMs) return 'forced_deadline';
  if (ctx.globalExitRoot !== undefined && ctx.globalExitRoot !== batch.globalExitRoot) return 'ger_changed';
  if (batch.txCount >= limits.maxTxs) return 'full_txs';
  if (next) {
    if (batch.bytes + next.bytes > limits.maxBytes) return batch.txCount > 0 ? 'full_bytes' : null;
    if (batch.gasUsed + next.gas > limits.maxGas) return batch.txCount > 0 ? 'full_gas' : null;
  }
  return null;
}

export type PoolCandidate = {
  hash: string;
  from: string;
  nonce: bigint;
  gasPrice: bigint;
  /**
   * Log position of its `TxReceived`: the tie-breaker — across senders first come, first served; at one sender's
   * nonce the later replaces the earlier.
   */
  position: bigint;
};

/**
 * Orders pending pool txs for execution: each sender's txs strictly in nonce order starting at its state nonce
 * (txs behind a gap wait), and across senders the highest gas price first, ties by arrival. Of two txs of one
 * sender and nonce (two intakes raced), the one with the higher gas price runs, on a tie the later one: it replaces
 * the earlier as in the reference's worker. Txs below the state nonce are returned in `stale` (the sequencer
 * fails them). Pure.
 */
export function orderReadyTxs<T extends PoolCandidate>(
  pending: readonly T[],
  stateNonce: (sender: string) => bigint,
): { ready: T[]; stale: T[] } {
  const bySender = new Map<string, T[]>();
  const stale: T[] = [];
  for (const tx of pending) {
    if (tx.nonce < stateNonce(tx.from)) {
      stale.push(tx);
      continue;
    }
    const list = bySender.get(tx.from);
    if (list) list.push(tx);
    else bySender.set(tx.from, [tx]);
  }
  // Per sender: nonce order; for a duplicated nonce, the better price, then the later (a replacement: "same nonce
  // with gasPrice ≥ current replaces it", zkevm-node-spec §3) goes first.
  const queues = [...bySender.entries()].map(([from, txs]) => {
    txs.sort((a, b) => cmp(a.nonce, b.nonce) || cmp(b.gasPrice, a.gasPrice) || cmp(b.position, a.position));
    return { next: stateNonce(from), txs, i: 0 };
  });
  const ready: T[] = [];
  const better = (a: T, b: T) =>
    a.gasPrice > b.gasPrice || (a.gasPrice === b.gasPrice && a.position < b.position);
  for (;;) {
    let best: (typeof queues)[number] | undefined;
    for (const q of queues) {
      // Skip same-nonce duplicates already superseded by the one taken.
      while (q.i < q.txs.length && q.txs[q.i]!.nonce < q.next) q.i++;
      const head = q.txs[q.i];
      if (!head || head.nonce !== q.next) continue;
      if (!best || better(head, best.txs[best.i]!)) best = q;
    }
    if (!best) break;
    ready.push(best.txs[best.i]!);
    best.i++;
    best.next++;
  }
  return { ready, stale };
}

const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
