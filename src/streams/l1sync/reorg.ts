/**
 * L1 reorg detection (zkevm-node-spec §7, STYLE §2.1 rule 10): the stored cursor is compared with L1's block at its
 * height (hash and parent hash); on a difference the stored blocks are walked back, newest first, until one is
 * still on L1. No fixed maximum depth: every stored block may be compared; when none matches, the ancestor is the
 * block before the deployment block. No I/O here: L1 is read through the function the caller passes.
 */
import type { Hash } from '../../primitives/index.ts';
import type { L1BlockHeader } from './l1sync.ts';

/** Whether L1's block at the cursor's height (null: L1 has none) is the cursor. Pure. */
export function cursorMatches(cursor: L1BlockHeader, onL1: L1BlockHeader | null): boolean {
  return onL1 !== null && onL1.hash === cursor.hash && onL1.parentHash === cursor.parentHash;
}

/**
 * Walks `stored` (newest first) and returns the first block whose hash L1 still has at its height, with the number
 * of blocks compared; null when none matches. Stops at the first match: a block L1 has implies all its ancestors.
 * Calls `l1HashAt` once per compared block, in order.
 */
export async function findCommonAncestor(
  stored: Iterable<L1BlockHeader>,
  l1HashAt: (number: bigint) => Promise<Hash | null>,
): Promise<{ ancestor: L1BlockHeader | null; compared: number }> {
  let compared = 0;
  for (const block of stored) {
    compared++;
    if ((await l1HashAt(block.number)) === block.hash) return { ancestor: block, compared };
  }
  return { ancestor: null, compared };
}
