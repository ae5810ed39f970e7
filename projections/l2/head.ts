/**
 * The latest L2 block, cached between changes of the chain head: state reads at `latest` (eth_getBalance,
 * eth_call, the pool's account checks) then cost no query while no block was sealed. The cache is keyed by a
 * {@link ChangeWatch} over the events that move the head, bumped by the runner after it commits them — so a read
 * never sees a head older than the last committed one it could have seen without the cache, minus that instant.
 */
import type { SqlClient } from '../db.ts';
import type { ChangeWatch } from '../runner.ts';
import { type BlockRow, getLatestBlock } from './queries.ts';

/** Events after which the latest L2 block may differ. */
export const L2_HEAD_EVENT_TYPES = ['L2GenesisCreated', 'L2BlockSealed', 'TrustedStateReset'] as const;

export type LatestBlockCache = {
  /** The latest L2 block (null before block 0), read once per head change. */
  latest(sql: SqlClient): Promise<BlockRow | null>;
  /**
   * Tells the cache a read just saw block `number` committed: a cached head below it is dropped. Closes the
   * instant between the projector's commit and its version bump, in which a client could read a receipt of block
   * N and then a `latest` still at N−1.
   */
  observe(number: bigint): void;
};

export function createLatestBlockCache(changes: Pick<ChangeWatch, 'version'>): LatestBlockCache {
  let cached: { version: number; block: Promise<BlockRow | null>; number?: bigint | null } | null = null;
  return {
    observe(number) {
      if (cached && (cached.number === undefined || (cached.number ?? -1n) < number)) cached = null;
    },
    latest(sql) {
      const version = changes.version();
      if (cached?.version === version) return cached.block;
      const entry: NonNullable<typeof cached> = { version, block: getLatestBlock(sql) };
      cached = entry;
      entry.block.then(
        (b) => {
          entry.number = b ? b.number : null;
        },
        () => {
          if (cached === entry) cached = null; // a failed read is not cached
        },
      );
      return entry.block;
    },
  };
}
