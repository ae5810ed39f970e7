/**
 * The read-model runner (DESIGN §5): projections registered by name, fed from one catch-up subscription of the
 * global log. Each batch of events is applied in ONE transaction per batch that also moves every projection's
 * checkpoint, so a projection's writes and its checkpoint commit together (exactly-once). Inside that
 * transaction the checkpoint rows are locked and re-read, and only events past them are applied — several
 * runners (one per node process) may run against the same schema and each event is still applied once.
 *
 * Invariants: projections are pure functions of events (no clock, randomness or network); a runner killed at any
 * point resumes from the committed checkpoints with nothing lost or applied twice; `rebuild` replays from 0.
 */

import { withTransaction } from '../src/db/index.ts';
import type { EventStore, GlobalPosition, RecordedEvent } from '../src/eventstore/types.ts';
import { migrate, type ReadModelDb, type SqlClient } from './db.ts';
import { type ChangeWatch, createAppliedPosition, createChangeCounter } from './progress.ts';

export type { ChangeWatch } from './progress.ts';

export type Projection = {
  /** Unique name; the checkpoint's key. */
  name: string;
  /**
   * Event types this projection handles; others are skipped (its checkpoint still advances). `'all'`: every
   * event of the log (the log mirror).
   */
  canHandle: readonly string[] | 'all';
  /**
   * Applies events (in log order, all of a type in `canHandle`) inside the runner's transaction. Must only use
   * `sql` and the events: no clock, randomness or network.
   */
  handle(sql: SqlClient, events: readonly RecordedEvent[]): Promise<void>;
};

export type ProjectionRunner = {
  /** Runs until `stop()` or the signal aborts; resolves when stopped. Rejects on a store or database failure. */
  run(signal?: AbortSignal): Promise<void>;
  /** Resolves once every projection has reached `position` (read-your-writes, DESIGN §5). */
  waitFor(position: GlobalPosition, opts?: { timeoutMs?: number }): Promise<void>;
  /** Resolves once the runner has caught up with the log head as it was when called. */
  waitForCatchUp(opts?: { timeoutMs?: number }): Promise<void>;
  /** Lowest checkpoint over all projections, as last committed or observed by this runner. */
  position(): GlobalPosition;
  /**
   * Watches the batches this runner commits for events of `types` (a sequencer waking up when the pool read
   * model got new txs, instead of polling it). `onCommitted` receives a committed batch's events of those types
   * before the version moves — every such event of the log, also those another runner applied first.
   */
  watch(types: readonly string[], onCommitted?: (events: readonly RecordedEvent[]) => void): ChangeWatch;
  stop(): Promise<void>;
};

export type ProjectionRunnerOptions = {
  store: EventStore;
  db: ReadModelDb;
  projections: readonly Projection[];
  /** Events per transaction. @default 500 */
  batchSize?: number;
  /** Apply nothing past this position and end `run()` once every projection reached it (rebuild `--to`). */
  stopAt?: GlobalPosition;
  /** Called after each committed batch (metrics: position and lag). */
  onProgress?: (info: { position: GlobalPosition; applied: number }) => void;
};

/**
 * `read` memoised between commits of the watched events: it runs again only once `changes` moved since the read
 * whose answer is cached (or when that read failed). For read-model queries a loop asks on every round while their
 * tables rarely change (the sequencer's pending forced batches and latest exit root: each round, every few ms).
 */
export function readBetweenChanges<T>(
  changes: Pick<ChangeWatch, 'version'>,
  read: () => Promise<T>,
): () => Promise<T> {
  let cached: { version: number; value: Promise<T> } | null = null;
  return () => {
    const version = changes.version(); // before the read: a change during it makes the next call read again
    if (cached?.version === version) return cached.value;
    const entry = { version, value: read() };
    cached = entry;
    entry.value.catch(() => {
      if (cached === entry) cached = null;
    });
    return entry.value;
  };
}

export class ReadModelTimeoutError extends Error {
  override name = 'ReadModelTimeoutError' as const;
}

export function createProjectionRunner(opts: ProjectionRunnerOptions): ProjectionRunner {
  const { store, db, projections } = opts;
  const names = projections.map((p) => p.name);
  if (new Set(names).size !== names.length)
    throw new Error(`duplicate projection names: ${names.join(', ')}`);
  // One projection taking every event turns the subscription's type filter off.
  const allTypes = projections.some((p) => p.canHandle === 'all')
    ? undefined
    : [...new Set(projections.flatMap((p) => p.canHandle as readonly string[]))];
  const handles = (p: Projection, type: string) => p.canHandle === 'all' || p.canHandle.includes(type);

  // -1: unknown until the checkpoints are read.
  const applied = createAppliedPosition(
    -1n,
    (position, timeoutMs, at) =>
      new ReadModelTimeoutError(
        `read models did not reach position ${position} within ${timeoutMs} ms (at ${at})`,
      ),
  );
  let controller: AbortController | undefined;
  let running: Promise<void> | undefined;
  const watches: {
    types: ReadonlySet<string>;
    onCommitted?: ((events: readonly RecordedEvent[]) => void) | undefined;
    bump(): void;
  }[] = [];

  function watch(
    types: readonly string[],
    onCommitted?: (events: readonly RecordedEvent[]) => void,
  ): ChangeWatch {
    const changes = createChangeCounter();
    watches.push({ types: new Set(types), onCommitted, bump: changes.bump });
    return { version: changes.version, changedSince: changes.changedSince };
  }

  const advance = (position: GlobalPosition) => applied.advance(position);

  async function readCheckpoints(): Promise<Map<string, GlobalPosition>> {
    const { rows } = await db.pool.query<{ name: string; position: string }>(
      'select name, position::text from checkpoints where name = any($1)',
      [names],
    );
    return new Map(rows.map((r) => [r.name, BigInt(r.position)]));
  }

  /** Applies one delivered batch; returns the lowest checkpoint after it. */
  async function applyBatch(events: readonly RecordedEvent[], upTo: GlobalPosition): Promise<GlobalPosition> {
    return withTransaction(db.pool, async (client) => {
      // One statement locks the checkpoint rows (`loop` inserted any missing one before the first batch), moves
      // those behind `upTo` to it and returns what they were: events past a projection's old checkpoint are
      // applied below, in this transaction, so its writes and the move commit together or not at all. The rows are
      // locked in name order: runners sharing a schema (one per process) all take them in one order, so none can
      // hold one row while waiting for another that the other holds (deadlock). Without `order by` a sequential scan
      // locks them in the table's order, which each update of a row changes.
      const { rows } = await client.query<{ name: string; position: string }>(
        `update checkpoints c set position = greatest(o.position, $2),
                                   updated_at = case when o.position < $2 then now() else c.updated_at end
           from (select name, position from checkpoints where name = any($1) order by name for update) o
          where c.name = o.name
         returning o.name, o.position::text`,
        [names, upTo.toString()],
      );
      const checkpoints = new Map(rows.map((r) => [r.name, BigInt(r.position)]));
      // Another runner may be ahead of us for some projections: the lowest checkpoint is what is visible.
      let lowest = upTo;
      for (const p of projections) {
        const from = checkpoints.get(p.name) ?? 0n;
        if (from >= upTo) {
          if (from < lowest) lowest = from;
          continue;
        }
        const mine = events.filter((e) => e.position > from && handles(p, e.type));
        if (mine.length > 0) await p.handle(client, mine);
      }
      return lowest;
    });
  }

  async function loop(signal: AbortSignal): Promise<void> {
    await migrate(db);
    await db.pool.query(
      'insert into checkpoints (name, position) select unnest($1::text[]), 0 on conflict (name) do nothing',
      [names],
    );
    const checkpoints = await readCheckpoints();
    const start = names.reduce<GlobalPosition | undefined>((min, n) => {
      const cp = checkpoints.get(n) ?? 0n;
      return min === undefined || cp < min ? cp : min;
    }, undefined);
    advance(start ?? 0n);
    const subscription = store.subscribeAll({
      fromPosition: start ?? 0n,
      ...(allTypes ? { filter: { types: allTypes } } : {}),
      maxBatchSize: opts.batchSize ?? 500,
      signal,
    });
    try {
      for await (const message of subscription) {
        if (signal.aborted) break;
        const stopAt = opts.stopAt;
        const upTo = stopAt !== undefined && message.position > stopAt ? stopAt : message.position;
        if (upTo > applied.get()) {
          const delivered = message.kind === 'events' ? message.events : [];
          const events = stopAt === undefined ? delivered : delivered.filter((e) => e.position <= stopAt);
          const lowest = await applyBatch(events, upTo);
          advance(lowest);
          for (const w of watches) {
            const matched = events.filter((e) => w.types.has(e.type));
            if (matched.length === 0) continue;
            w.onCommitted?.(matched);
            w.bump();
          }
          opts.onProgress?.({ position: lowest, applied: events.length });
        }
        if (stopAt !== undefined && applied.get() >= stopAt) break;
      }
    } finally {
      await subscription.close();
    }
  }

  const waitFor = (position: GlobalPosition, o: { timeoutMs?: number } = {}) => applied.waitFor(position, o);

  return {
    run(signal?: AbortSignal) {
      if (running) return running;
      controller = new AbortController();
      const ctl = controller;
      signal?.addEventListener('abort', () => ctl.abort(), { once: true });
      running = loop(ctl.signal).finally(() => {
        running = undefined;
      });
      return running;
    },
    waitFor,
    async waitForCatchUp(o = {}) {
      await waitFor(await store.headPosition(), o);
    },
    position: () => {
      const at = applied.get();
      return at < 0n ? 0n : at;
    },
    watch,
    async stop() {
      controller?.abort();
      await running?.catch(() => {});
    },
  };
}

/**
 * Rebuilds every read model from the first event into `db`'s schema (which should be fresh), then returns.
 * Used by `lev replay --rebuild` and by tests; the live runner is untouched.
 */
export async function rebuildReadModels(opts: {
  store: EventStore;
  db: ReadModelDb;
  projections: readonly Projection[];
  toPosition?: GlobalPosition;
  onProgress?: (info: { position: GlobalPosition; head: GlobalPosition }) => void;
}): Promise<GlobalPosition> {
  const head = opts.toPosition ?? (await opts.store.headPosition());
  const runner = createProjectionRunner({
    store: opts.store,
    db: opts.db,
    projections: opts.projections,
    stopAt: head,
    onProgress: ({ position }) => opts.onProgress?.({ position, head }),
  });
  if (head > 0n) await runner.run();
  else await migrate(opts.db);
  return runner.position();
}
