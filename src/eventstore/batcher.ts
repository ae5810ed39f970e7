/**
 * Group commit for concurrent single-stream appends: callers append one stream each, as with
 * `EventStore.append`; while one `appendMany` is in flight the next appends queue up, and go together in the
 * next one. One commit (one fsync, one turn of the store's append lock) then serves many callers — the pool's
 * intake under load — and a lone caller waits for nothing but its own append.
 *
 * Each caller gets its own outcome: a stream whose expected revision does not hold gets its
 * `ExpectedRevisionConflictError` and the rest of the group is appended without it; any other failure of a
 * group falls back to appending its members one by one, so each caller sees its own error.
 */
import { ExpectedRevisionConflictError } from './errors.ts';
import type { AppendResult, EventStore, ExpectedRevision, NewEvent } from './types.ts';

export type AppendBatcher = {
  /** As `EventStore.append`, grouped with concurrent calls into one `appendMany`. */
  append(streamId: string, events: NewEvent[], expectedRevision?: ExpectedRevision): Promise<AppendResult>;
};

type Entry = {
  streamId: string;
  events: NewEvent[];
  expectedRevision: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
};

/** @param opts.maxBatch streams per `appendMany` at most. @default 256 */
export function createAppendBatcher(store: EventStore, opts: { maxBatch?: number } = {}): AppendBatcher {
  const maxBatch = opts.maxBatch ?? 256;
  let queue: Entry[] = [];
  let draining = false;

  async function appendGroup(group: Entry[]): Promise<void> {
    let rest = group;
    while (rest.length > 0) {
      try {
        const results = await store.appendMany(
          rest.map((e) => ({ streamId: e.streamId, events: e.events, expectedRevision: e.expectedRevision })),
        );
        for (const [i, e] of rest.entries()) e.resolve(results[i]!);
        return;
      } catch (err) {
        const culprit =
          err instanceof ExpectedRevisionConflictError
            ? rest.find((e) => e.streamId === err.streamId)
            : undefined;
        if (culprit) {
          culprit.reject(err);
          rest = rest.filter((e) => e !== culprit);
          continue;
        }
        for (const e of rest) {
          await store.append(e.streamId, e.events, e.expectedRevision).then(e.resolve, e.reject);
        }
        return;
      }
    }
  }

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (queue.length > 0) {
        const group = queue.slice(0, maxBatch);
        queue = queue.slice(maxBatch);
        await appendGroup(group);
      }
    } finally {
      draining = false;
    }
  }

  return {
    append(streamId, events, expectedRevision = 'any') {
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ streamId, events, expectedRevision, resolve, reject });
        // Callers of the same tick join this group; later ones the next.
        if (!draining) queueMicrotask(() => void (draining ? undefined : drain()));
      });
    },
  };
}
