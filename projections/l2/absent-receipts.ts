/**
 * Txs known to have no receipt yet, so a client polling `eth_getTransactionReceipt` for a pending tx costs no
 * query. An absence stays known until the runner commits a block holding that tx — per tx, not per head move:
 * under load a block is sealed every few milliseconds, and a cache dropped on every block saved nothing.
 *
 * Safety: a lookup that found nothing records the absence only if no block holding the tx was committed since the
 * lookup began ({@link AbsentReceipts.token} taken before it). The runner reports every committed `L2BlockSealed`
 * ({@link AbsentReceipts.included}), including blocks another process's runner applied first, since every runner
 * reads the whole log; a tx is dropped from the set as its block is seen. Only the last {@link RING} commits are
 * remembered: a lookup older than that records nothing.
 */

export type AbsentReceipts = {
  /** The commit count now: taken BEFORE a lookup whose absence is then recorded with {@link markAbsent}. */
  token(): number;
  /** Records that `txHash` had no receipt in a lookup (or an admission) begun at `token`. */
  markAbsent(txHash: string, token: number): void;
  /** Whether `txHash` is known to have no receipt: no committed block holds it. */
  knownAbsent(txHash: string): boolean;
  /** The runner committed blocks holding these txs (called once per committed batch that sealed any). */
  included(txHashes: readonly string[]): void;
};

/** Committed batches remembered, for lookups that began before them. */
const RING = 256;
/** Absences remembered at most; beyond, the set starts over (lookups then query again). */
const MAX_ABSENT = 100_000;

export function createAbsentReceipts(): AbsentReceipts {
  let commits = 0;
  /** The tx hashes of the last RING commits; entry `c % RING` holds commit c (1-based). */
  const ring: (ReadonlySet<string> | undefined)[] = new Array(RING);
  let absent = new Set<string>();
  const key = (h: string) => h.toLowerCase();

  /** Whether a commit after `token` included `hash`; true when that cannot be known (too old). */
  function includedSince(hash: string, token: number): boolean {
    if (commits - token >= RING) return true;
    for (let c = token + 1; c <= commits; c++) if (ring[c % RING]?.has(hash)) return true;
    return false;
  }

  return {
    token: () => commits,
    markAbsent(txHash, token) {
      const hash = key(txHash);
      if (includedSince(hash, token)) return;
      if (absent.size >= MAX_ABSENT) absent = new Set();
      absent.add(hash);
    },
    knownAbsent: (txHash) => absent.has(key(txHash)),
    included(txHashes) {
      const hashes = new Set(txHashes.map(key));
      commits++;
      ring[commits % RING] = hashes;
      for (const h of hashes) absent.delete(h);
    },
  };
}
