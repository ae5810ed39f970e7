/**
 * An in-memory view of the pending pool, the sequencer's (which txs to take): the pool read model's pending txs as
 * of its checkpoint, then the tx streams' events that follow, folded as the subscription delivers them. A tx the
 * intake of this process appends is in the view right after its commit (the store's memory of its own appends),
 * not one projector transaction later; one appended by another process arrives through the store's notification
 * and a read, as the projector gets it.
 *
 * Same rule as the pool projection: `TxReceived` makes a tx pending; `TxReplaced`, `TxIncluded`, `TxFailed`,
 * `TxInvalidated` and the `L2BlockSealed` of a block holding it end it (a tx can be sealed without a `TxIncluded`:
 * in a batch forced on L1).
 */
import type { EventStore, GlobalPosition, RecordedEvent } from '../../src/eventstore/index.ts';
import type { Address } from '../../src/primitives/index.ts';
import type { L2BlockSealed } from '../../src/streams/l2/index.ts';
import type { TxEvent, TxReceived } from '../../src/streams/tx/index.ts';
import type { ReadModelDb } from '../db.ts';
import { createAppliedPosition, createChangeCounter } from '../progress.ts';
import { type PoolTx, pendingSnapshot } from './queries.ts';

export type PendingPool = {
  /**
   * Loads the read model's pending txs and follows the log from its checkpoint until `signal` aborts (a call
   * while one runs aborts that one first). Resolves once the view has caught up with the log: it holds every tx
   * event appended before the call.
   * @throws the subscription's error when it fails before that.
   */
  start(signal: AbortSignal): Promise<void>;
  /** The pending txs now, in the order received. @throws the subscription's error once it failed. */
  pending(): PoolTx[];
  /**
   * How far the view has applied the log: every event it takes up to here. (Only tx events and `L2BlockSealed` are
   * delivered to it: after other events it stays at the last of those before them.)
   */
  position(): GlobalPosition;
  /** A counter of delivered batches that added a pending tx. */
  version(): number;
  /** Resolves once `version()` is above `seen` (at once if it already is), or when `signal` aborts. */
  changedSince(seen: number, signal?: AbortSignal): Promise<void>;
  /**
   * Resolves once `position()` has reached `position` (that of an event the view takes).
   * @throws after `timeoutMs` (default 10 s).
   */
  waitFor(position: GlobalPosition, opts?: { timeoutMs?: number }): Promise<void>;
  /**
   * What the pool intake checks a tx against (as `getAdmissionView` reads it from the read model, but as of the log
   * this view has applied): how many txs are pending, and the sender's pending txs of that nonce in the order
   * received. Null while the view does not follow the log: not started or not caught up yet, stopped, failed.
   */
  admissionView(from: Address, nonce: bigint): { pendingCount: number; sameNonce: PoolTx[] } | null;
};

const TYPES = [
  'TxReceived',
  'TxReplaced',
  'TxIncluded',
  'TxFailed',
  'TxInvalidated',
  'L2BlockSealed',
] as const;

/**
 * The pool row a `TxReceived` makes (the pool projection's insert, in memory): its data, its metadata time and its
 * log position.
 */
export function pendingPoolTx(d: TxReceived['data'], at: string, position: GlobalPosition): PoolTx {
  return {
    hash: d.hash,
    from: d.from,
    nonce: BigInt(d.nonce),
    gasPrice: BigInt(d.gasPrice),
    gas: BigInt(d.gas),
    to: d.to,
    value: BigInt(d.value),
    input: d.data,
    chainId: BigInt(d.chainId),
    v: BigInt(d.v),
    r: d.r,
    s: d.s,
    raw: d.raw,
    status: 'pending',
    statusReason: null,
    replacedBy: null,
    receivedAt: new Date(at),
    position,
  };
}

export function createPendingPool(deps: { store: EventStore; db: ReadModelDb }): PendingPool {
  /** By hash, in the order received. */
  let txs = new Map<string, PoolTx>();
  /** The same txs by sender and nonce (`from:nonce`), each group in the order received. */
  let bySenderNonce = new Map<string, Map<string, PoolTx>>();
  /** Whether the view follows the log (caught up, not stopped, not failed): what `admissionView` answers from. */
  let live = false;
  let failed: { error: unknown } | null = null;
  let controller: AbortController | null = null;
  const changes = createChangeCounter();
  const applied = createAppliedPosition(
    0n,
    (position, timeoutMs, at) =>
      new Error(`the pending pool view did not reach position ${position} within ${timeoutMs} ms (at ${at})`),
  );

  const senderNonce = (from: string, nonce: bigint) => `${from}:${nonce}`;
  function add(tx: PoolTx): void {
    txs.set(tx.hash, tx);
    const key = senderNonce(tx.from, tx.nonce);
    let group = bySenderNonce.get(key);
    if (!group) {
      group = new Map();
      bySenderNonce.set(key, group);
    }
    group.set(tx.hash, tx);
  }
  function remove(hash: string): void {
    const tx = txs.get(hash);
    if (!tx) return;
    txs.delete(hash);
    const key = senderNonce(tx.from, tx.nonce);
    const group = bySenderNonce.get(key);
    group?.delete(hash);
    if (group?.size === 0) bySenderNonce.delete(key);
  }

  /** Folds delivered events in; true when one added a pending tx. */
  function apply(events: readonly RecordedEvent[]): boolean {
    let added = false;
    for (const e of events as readonly RecordedEvent<TxEvent | L2BlockSealed>[]) {
      if (e.type === 'TxReceived') {
        add(pendingPoolTx(e.data, e.metadata.at, e.position));
        added = true;
      } else if (e.type === 'L2BlockSealed') {
        remove(e.data.tx.hash);
      } else {
        remove(e.data.hash);
      }
    }
    return added;
  }

  async function follow(from: GlobalPosition, signal: AbortSignal, caughtUp: () => void): Promise<void> {
    const subscription = deps.store.subscribeAll({
      fromPosition: from,
      filter: { types: [...TYPES] },
      signal,
    });
    try {
      for await (const message of subscription) {
        if (signal.aborted) break;
        const added = message.kind === 'events' && apply(message.events);
        applied.advance(message.position);
        if (added) changes.bump();
        if (message.kind === 'caughtUp') caughtUp();
      }
    } finally {
      await subscription.close();
    }
  }

  const check = () => {
    if (failed) throw failed.error;
  };

  return {
    async start(signal) {
      controller?.abort();
      const ctl = new AbortController();
      controller = ctl;
      live = false;
      ctl.signal.addEventListener('abort', () => {
        if (controller === ctl) live = false;
      });
      if (signal.aborted) ctl.abort();
      else signal.addEventListener('abort', () => ctl.abort(), { once: true });
      const snapshot = await pendingSnapshot(deps.db.pool);
      if (controller !== ctl) return; // a later start took over meanwhile
      txs = new Map();
      bySenderNonce = new Map();
      for (const t of snapshot.txs) add(t);
      applied.reset(0n);
      failed = null;
      applied.advance(snapshot.position);
      changes.bump();
      await new Promise<void>((resolve, reject) => {
        const stopped = (err: unknown) => {
          if (controller === ctl) live = false;
          if (ctl.signal.aborted || controller !== ctl) return resolve();
          failed = { error: err };
          changes.bump(); // a waiting sequencer wakes and meets the failure
          reject(err);
        };
        const caughtUp = () => {
          if (controller === ctl && !ctl.signal.aborted) live = true;
          resolve();
        };
        follow(snapshot.position, ctl.signal, caughtUp).then(
          () => stopped(new Error('the pending pool view stopped following the log (the store closed)')),
          stopped,
        );
      });
    },
    pending() {
      check();
      return [...txs.values()];
    },
    admissionView(from, nonce) {
      if (!live || failed) return null;
      const group = bySenderNonce.get(senderNonce(from, nonce));
      return { pendingCount: txs.size, sameNonce: group ? [...group.values()] : [] };
    },
    position: applied.get,
    version: changes.version,
    changedSince: changes.changedSince,
    waitFor: applied.waitFor,
  };
}
