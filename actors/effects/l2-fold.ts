/**
 * The `l2` fold of its writer (the sequencer, or the synchronizer's L2 builder on a node without one), with
 * snapshots: a start folds from the newest snapshot this code can read and the log still holds the event of, else
 * from the first event — in pages either way, so memory stays bounded whatever the chain's length. The writer
 * reports what it committed; every `snapshotEvery` events the folded state is stored (projections/snapshots.ts,
 * a cache, DESIGN §3). Without a read-model database it folds in pages and keeps no snapshot.
 */
import { type ReadModelDb, readSnapshot, writeSnapshot } from '../../projections/index.ts';
import type { EventStore, RecordedEvent } from '../../src/eventstore/index.ts';
import {
  evolve,
  initialState,
  L2_STATE_FORMAT,
  L2_STREAM_ID,
  type L2Event,
  type L2State,
  l2StateFromJson,
  l2StateToJson,
} from '../../src/streams/l2/index.ts';

/** `l2` events between snapshots (a start folds at most about this many). */
export const L2_SNAPSHOT_EVERY = 2000;
/** Events per page of the fold. */
const FOLD_PAGE = 1000;

/** The `l2` stream from revision `from` back to its first event, `pageSize` events a page (newest first). */
export async function* l2PagesBackwards(
  store: EventStore,
  from: number,
  pageSize: number,
): AsyncGenerator<RecordedEvent<L2Event>[]> {
  for (let at = from; at >= 0; at -= pageSize)
    yield (await store.readStream(L2_STREAM_ID, {
      from: at,
      direction: 'backwards',
      limit: pageSize,
    })) as RecordedEvent<L2Event>[];
}

export type L2Fold = {
  /**
   * The folded stream and its last revision (-1: empty), and how many events were folded (after the snapshot
   * taken, if any). Writes a snapshot at once when that was `snapshotEvery` or more.
   */
  load(): Promise<{ state: L2State; revision: number; folded: number }>;
  /**
   * Tells what the writer committed: the state after its append, the stream's revision and the id of the event
   * at it. Stores a snapshot when `snapshotEvery` events went by since the last one; a failure is logged (a cache).
   */
  committed(state: L2State, revision: number, eventId: string): Promise<void>;
};

export function createL2Fold(deps: {
  store: EventStore;
  db?: ReadModelDb | undefined;
  /** @default {@link L2_SNAPSHOT_EVERY} */
  snapshotEvery?: number | undefined;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}): L2Fold {
  const { store, db } = deps;
  const log = deps.log ?? (() => {});
  const every = deps.snapshotEvery ?? L2_SNAPSHOT_EVERY;
  /** The revision of the last snapshot written or loaded here. */
  let saved = -1;

  async function save(state: L2State, revision: number, eventId: string, replace = false): Promise<void> {
    if (!db) return;
    try {
      await writeSnapshot(
        db.pool,
        L2_STREAM_ID,
        { revision, format: L2_STATE_FORMAT, state: { eventId, state: l2StateToJson(state) } },
        { replace },
      );
      saved = revision;
    } catch (err) {
      log('l2 snapshot not written', { revision, reason: (err as Error).message });
    }
  }

  /** The snapshot's state and revision when usable here; else null, and `unusable` when one is stored. */
  async function fromSnapshot(): Promise<{ state: L2State; revision: number } | { unusable: boolean }> {
    if (!db) return { unusable: false };
    try {
      const snapshot = await readSnapshot(db.pool, L2_STREAM_ID);
      if (!snapshot) return { unusable: false };
      if (snapshot.format !== L2_STATE_FORMAT)
        throw new Error(`format ${snapshot.format}, this code's is ${L2_STATE_FORMAT}`);
      const stored = snapshot.state as { eventId?: unknown; state?: unknown };
      const [at] = await store.readStream(L2_STREAM_ID, { from: snapshot.revision, limit: 1 });
      if (!at || at.id !== stored.eventId)
        throw new Error(`the log has no event ${String(stored.eventId)} at revision ${snapshot.revision}`);
      return { state: l2StateFromJson(stored.state), revision: snapshot.revision };
    } catch (err) {
      log('l2 snapshot not usable: folding the whole stream', { reason: (err as Error).message });
      return { unusable: true };
    }
  }

  return {
    async load() {
      const loaded = await fromSnapshot();
      const start = 'state' in loaded ? loaded : null;
      let state = start?.state ?? initialState();
      let revision = start?.revision ?? -1;
      saved = revision;
      let folded = 0;
      let lastId: string | null = null;
      for (;;) {
        const page = (await store.readStream(L2_STREAM_ID, {
          from: revision + 1,
          limit: FOLD_PAGE,
        })) as RecordedEvent<L2Event>[];
        for (const e of page) state = evolve(state, e);
        const last = page.at(-1);
        if (last) {
          revision = last.revision;
          lastId = last.id;
        }
        folded += page.length;
        if (page.length < FOLD_PAGE) break;
      }
      // A long fold now is a long fold at every start until the next snapshot: write one at once — over an unusable
      // one too, which could stand at a later revision than this log's (another log's) and so never be replaced.
      const unusable = 'unusable' in loaded && loaded.unusable;
      if ((folded >= every || unusable) && lastId !== null) await save(state, revision, lastId, unusable);
      return { state, revision, folded };
    },
    async committed(state, revision, eventId) {
      if (revision - saved >= every) await save(state, revision, eventId);
    },
  };
}
