/**
 * Block references resolved against the read models (zkevm-node-spec §2, geth conventions):
 * - `latest` and `pending` name the highest L2 block (`pending` = latest, for state reads and block getters);
 * - `earliest` is block 0;
 * - `safe` and `finalized` name the highest block of a batch with status `verified`, block 0 while none is (the
 *   reference bounds these by the L1 safe/finalized block too; verification arrives with the L1 roles);
 * - a number names that block; `{blockHash}` names the block with that hash.
 * Block getters answer null for a block that does not exist; state reads fail with -32000 `header not found`
 * (`header for hash not found` for a hash), as geth does.
 */

import type { ReadModelDb, SqlClient } from '../../../projections/index.ts';
import type { BlockRow, LatestBlockCache } from '../../../projections/l2/index.ts';
import {
  getBlockByHash,
  getBlockByNumber,
  getLatestBlock,
  latestBatchNumber,
  latestBlockNumber,
  latestVerifiedBlockNumber,
} from '../../../projections/l2/index.ts';
import { withTransaction } from '../../db/index.ts';
import type { Hash } from '../../primitives/index.ts';
import { ServerRpcError } from '../errors.ts';
import type { BlockRef, BlockTag } from '../params.ts';

/** `latest`, the default block of the state reads. */
export const LATEST: BlockRef = { kind: 'tag', tag: 'latest' };

/** The block number a tag names now; null for `latest`/`pending` before the first block. */
export async function tagBlockNumber(sql: SqlClient, tag: BlockTag): Promise<bigint | null> {
  switch (tag) {
    case 'latest':
    case 'pending':
      return latestBlockNumber(sql);
    case 'earliest':
      return 0n;
    case 'safe':
    case 'finalized':
      return (await latestVerifiedBlockNumber(sql)) ?? 0n;
  }
}

/** The block `ref` names, or null when there is none; `latest`/`pending` through `head` when given. */
export async function findBlock(
  sql: SqlClient,
  ref: BlockRef,
  head?: LatestBlockCache,
): Promise<BlockRow | null> {
  if (ref.kind === 'hash') return getBlockByHash(sql, ref.hash);
  if (ref.kind === 'tag' && (ref.tag === 'latest' || ref.tag === 'pending'))
    return head ? head.latest(sql) : getLatestBlock(sql);
  const number = ref.kind === 'number' ? ref.number : await tagBlockNumber(sql, ref.tag);
  return number === null ? null : getBlockByNumber(sql, number);
}

/** The error of a state read at a block that does not exist (geth's messages). */
export function headerNotFound(ref: BlockRef): ServerRpcError {
  return new ServerRpcError(ref.kind === 'hash' ? 'header for hash not found' : 'header not found');
}

/**
 * The block whose state root a state read uses (`latest` when `ref` is absent).
 * @throws {ServerRpcError} -32000 `header not found` / `header for hash not found` when there is no such block.
 */
export async function stateBlock(
  sql: SqlClient,
  ref: BlockRef | undefined,
  head?: LatestBlockCache,
): Promise<StateBlock> {
  const r = ref ?? LATEST;
  const block = await findBlock(sql, r, head);
  if (!block) throw headerNotFound(r);
  return block as StateBlock;
}

/** A block row whose state root is typed for the executor (read models store lowercase 0x-hex). */
export type StateBlock = BlockRow & { stateRoot: Hash };

/**
 * The batch number a batch tag names (zkevm-node-spec §2): `latest` the last closed batch, `pending` the last one
 * including the open one, `safe`/`finalized` the last verified (0 while none is), `earliest` 0. Null when there is
 * no batch yet.
 */
export async function tagBatchNumber(sql: SqlClient, tag: BlockTag): Promise<bigint | null> {
  switch (tag) {
    case 'latest':
      return latestBatchNumber(sql, 'closed');
    case 'pending':
      return latestBatchNumber(sql, 'any');
    case 'earliest':
      return 0n;
    case 'safe':
    case 'finalized':
      return (await latestBatchNumber(sql, 'verified')) ?? 0n;
  }
}

/**
 * Runs `fn` on one connection inside a read-only REPEATABLE READ transaction, so the several queries of one answer
 * (a block and its txs, a batch and its blocks) see one snapshot even while a trusted-state reset is applied.
 */
export function readSnapshot<T>(db: ReadModelDb, fn: (sql: SqlClient) => Promise<T>): Promise<T> {
  return withTransaction(db.pool, fn, 'isolation level repeatable read read only');
}
