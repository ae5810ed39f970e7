import type { ReadModelDb } from '../../../projections/index.ts';
import type { AbsentReceipts, LatestBlockCache, RecentReceipts } from '../../../projections/l2/index.ts';
import type { Executor } from '../../execution/index.ts';

/** The executor's root-addressed reads the read API uses (the full `Executor` fits). */
export type StateReads = Pick<Executor, 'getAccount' | 'getCode' | 'getStorage' | 'getProof' | 'call'>;

/**
 * What the read methods need from the node: the read models, the state at any root, and the minimum L2 gas price
 * (`zkevm_estimateFee`'s price when the call names none).
 */
export type ReadRpcDeps = {
  readonly db: ReadModelDb;
  readonly executor: StateReads;
  readonly minGasPrice: bigint;
  /** The latest block between head changes (no query per `latest` read); without it each read queries. */
  readonly head?: LatestBlockCache;
  /** Txs known to have no receipt yet (no query while a client polls); without it each poll queries. */
  readonly absentReceipts?: AbsentReceipts;
  /** Receipts of the last committed blocks (no query for them); without it each lookup queries. */
  readonly recentReceipts?: RecentReceipts;
};
