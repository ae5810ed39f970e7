/**
 * Whether a confirmed L1 tx of ours that the synchronizer has not recorded yet (a sequence, a verification) is still
 * on L1, shared by the sequence sender and the aggregator. A receipt — in the recorded block or another one a reorg
 * re-included it in — means it is on L1: the synchronizer will record it. A missing receipt means lost only when it
 * is seen missing and still missing `lostAfterBlocks` L1 blocks later: an L1 node lagging behind, or the tx back in
 * the pool after a reorg and mined again in the next blocks, is no loss. Nor is a tx L1 still holds unmined (a reorg
 * put it back in the pool, or a node got it again from a peer), however long: sent again beside it, both would land
 * (two sequences of the same batches; a verification that reverts). The count of blocks starts when L1 has let it go.
 */
import type { Hash } from '../../src/primitives/index.ts';

export type ConfirmedL1TxCheck =
  /** Its receipt is there; `moved`: in another block than the recorded one. */
  | { status: 'on_l1'; blockHash: Hash; moved: boolean }
  /** No receipt, not yet for long enough. */
  | { status: 'missing' }
  /** No receipt, and L1 holds the tx unmined (in its pool): it may still be mined, so it is not lost. */
  | { status: 'pending' }
  /** No receipt since L1 block `sinceBlock`, `lostAfterBlocks` or more blocks ago. */
  | { status: 'lost'; sinceBlock: bigint };

export type LostL1TxWatch = {
  /** Checks the confirmed tx `id`, mined as `mined`. Remembers (in memory) since when its receipt is missing. */
  check(id: string, mined: { hash: Hash; blockHash: Hash }): Promise<ConfirmedL1TxCheck>;
  /** Forgets the missing receipt watched (the tx was sent again). */
  forget(): void;
};

export function createLostL1TxWatch(deps: {
  /** The block hash of a receipt on L1, or null when L1 has none. */
  receiptBlockHash: (hash: Hash) => Promise<Hash | null>;
  blockNumber: () => Promise<bigint>;
  /**
   * Whether L1 holds the tx unmined (`eth_getTransactionByHash` answers it without a block). Without it a missing
   * receipt counts as lost `lostAfterBlocks` blocks later even if the tx is back in L1's pool.
   */
  pendingOnL1?: ((hash: Hash) => Promise<boolean>) | undefined;
  /** @default 2 */
  lostAfterBlocks?: number | undefined;
}): LostL1TxWatch {
  const lostAfterBlocks = BigInt(deps.lostAfterBlocks ?? 2);
  let missing: { id: string; sinceBlock: bigint } | null = null;
  return {
    async check(id, mined) {
      const blockHash = await deps.receiptBlockHash(mined.hash);
      if (blockHash !== null) {
        missing = null;
        return {
          status: 'on_l1',
          blockHash,
          moved: blockHash.toLowerCase() !== mined.blockHash.toLowerCase(),
        };
      }
      const head = await deps.blockNumber();
      if (deps.pendingOnL1 && (await deps.pendingOnL1(mined.hash))) {
        missing = { id, sinceBlock: head };
        return { status: 'pending' };
      }
      if (missing?.id !== id) {
        missing = { id, sinceBlock: head };
        return { status: 'missing' };
      }
      if (head < missing.sinceBlock + lostAfterBlocks) return { status: 'missing' };
      return { status: 'lost', sinceBlock: missing.sinceBlock };
    },
    forget() {
      missing = null;
    },
  };
}
