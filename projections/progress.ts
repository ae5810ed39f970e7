/**
 * Progress signals of a fold that follows the log (the projection runner, the pending pool view): a counter of
 * changes one can wait on, and the position applied so far with waiters for a position. Single-threaded, no I/O.
 */
import type { GlobalPosition } from '../src/eventstore/types.ts';

/** A counter of changes. */
export type ChangeWatch = {
  version(): number;
  /** Resolves once `version()` is above `seen` (at once if it already is), or when `signal` aborts. */
  changedSince(seen: number, signal?: AbortSignal): Promise<void>;
};

/** A {@link ChangeWatch} and the `bump` that moves it (for its owner only). */
export function createChangeCounter(): ChangeWatch & { bump(): void } {
  let version = 0;
  let wakers: (() => void)[] = [];
  return {
    version: () => version,
    bump() {
      version++;
      const woken = wakers;
      wakers = [];
      for (const w of woken) w();
    },
    changedSince(seen, signal) {
      if (version > seen || signal?.aborted) return Promise.resolve();
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

/** The position a fold has applied, and promises of positions it will reach. */
export type AppliedPosition = {
  get(): GlobalPosition;
  /** Moves to `position` when it is past the current one; resolves the waiters it reaches. */
  advance(position: GlobalPosition): void;
  /** Sets the position (a restart); waiters are kept. */
  reset(position: GlobalPosition): void;
  /**
   * Resolves once the position has reached `position`.
   * @throws the error `timedOut` makes after `timeoutMs` (default 10 s).
   */
  waitFor(position: GlobalPosition, opts?: { timeoutMs?: number }): Promise<void>;
};

export function createAppliedPosition(
  initial: GlobalPosition,
  timedOut: (position: GlobalPosition, timeoutMs: number, at: GlobalPosition) => Error,
): AppliedPosition {
  let current = initial;
  let waiters: { position: GlobalPosition; resolve: () => void }[] = [];
  return {
    get: () => current,
    advance(position) {
      if (position <= current) return;
      current = position;
      const ready = waiters.filter((w) => w.position <= position);
      if (ready.length === 0) return;
      waiters = waiters.filter((w) => w.position > position);
      for (const w of ready) w.resolve();
    },
    reset(position) {
      current = position;
    },
    waitFor(position, opts = {}) {
      if (position <= current) return Promise.resolve();
      const timeoutMs = opts.timeoutMs ?? 10_000;
      return new Promise((resolve, reject) => {
        const waiter = {
          position,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(timedOut(position, timeoutMs, current));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
  };
}
