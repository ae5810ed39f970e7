/**
 * Direct inclusion: the hand-off between the pool intake and a sequencer running in the same process.
 *
 * Without it an admitted tx costs three commits in a row before its receipt can be read: the intake appends its
 * `TxReceived`, the sequencer sees it and appends the block, the projector writes both. With it the intake hands
 * the admitted tx (its `TxReceived`, built and checked as always) to the sequencer, whose next round appends that
 * `TxReceived` in its own commit — before the `l2` events, in the same `appendMany` — together with the tx's block
 * when the tx is ready (its sender's next nonce, room in the batch), or alone when it is not (it then waits in
 * the pool as any other). One commit instead of two, and `eth_sendRawTransaction` answers once the block is in
 * the read models: a client's first receipt poll finds it.
 *
 * What the intake gets from {@link InclusionHandoff.offer}: the position of the commit that appended the
 * `TxReceived` (and the block, if the tx was ready), or `null` — declined: no sequencer takes txs here now (none in
 * this process, stopping, restarting) or the round's commit failed (a tx's stream existed already: the same tx
 * admitted by another intake first, or sent again after it was replaced, failed or invalidated). The intake then
 * appends the same events itself, which sorts it out: a stream that exists is "already known" while its tx is
 * pending or included, else the tx is received again after its end; on EventStoreDB, a `TxReceived` the failed
 * round stored is a no-op (appends are idempotent by event id).
 *
 * Pure bookkeeping, no I/O: a round of the sequencer takes the whole queue once it reaches its txs (a round that
 * only creates the genesis, closes a batch or includes a forced one leaves it for the next) and settles every entry
 * it took, in every outcome.
 */
import type { GlobalPosition, NewEvent } from '../eventstore/index.ts';
import type { TxReceived } from '../streams/tx/index.ts';

/** How the sequencer settled a handed-off tx. */
export type HandoffOutcome = { kind: 'committed'; position: GlobalPosition } | { kind: 'declined' };

/** A tx handed to the sequencer: its `TxReceived`, the first event of its stream `tx-<hash>`. */
export type HandedTx = {
  received: NewEvent<TxReceived>;
  settle(outcome: HandoffOutcome): void;
};

export type InclusionHandoff = {
  /**
   * Hands an admitted tx to the sequencer. Resolves with the position of the commit that appended its events, or
   * `null` when declined (append them yourself).
   */
  offer(received: NewEvent<TxReceived>): Promise<GlobalPosition | null>;
  /** The sequencer takes txs from now on (its state is loaded). */
  open(): void;
  /** The sequencer stopped: offers are declined, and so are the txs it had not taken yet. */
  close(): void;
  /** Every tx offered since the last call, in the order offered; the caller must settle each. */
  take(): HandedTx[];
  /** Resolves once a tx waits to be taken (at once if one does), or when `signal` aborts. */
  offered(signal?: AbortSignal): Promise<void>;
};

/** A hand-off, closed until the sequencer opens it. One per process, shared by its intake and its sequencer. */
export function createInclusionHandoff(): InclusionHandoff {
  let accepting = false;
  let queue: HandedTx[] = [];
  let wakers: (() => void)[] = [];
  const take = (): HandedTx[] => {
    const taken = queue;
    queue = [];
    return taken;
  };

  return {
    offer(received) {
      if (!accepting) return Promise.resolve(null);
      return new Promise((resolve) => {
        queue.push({
          received,
          settle: (o) => resolve(o.kind === 'committed' ? o.position : null),
        });
        const woken = wakers;
        wakers = [];
        for (const w of woken) w();
      });
    },
    open() {
      accepting = true;
    },
    close() {
      accepting = false;
      for (const h of take()) h.settle({ kind: 'declined' });
    },
    take,
    offered(signal) {
      if (queue.length > 0 || signal?.aborted) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          signal?.removeEventListener('abort', done);
          wakers = wakers.filter((w) => w !== done);
          resolve();
        };
        wakers.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
  };
}
