import { z } from 'zod';
import { getHighestPendingNonce } from '../../../projections/pool/index.ts';
import type { Address, Hash } from '../../primitives/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { address, type BlockRef, blockTag } from '../params.ts';
import type { PoolRpcDeps } from '../pool/deps.ts';
import { findBlock, headerNotFound, LATEST } from '../read/blocks.ts';
import type { ReadRpcDeps, StateReads } from '../read/deps.ts';

/** The pool's deps, and the executor when the node has one (then the nonce is read at the block's state root). */
export type TransactionCountDeps = PoolRpcDeps & {
  readonly executor?: Pick<StateReads, 'getAccount'>;
  readonly head?: ReadRpcDeps['head'];
};

/**
 * The state nonce at `ref`: with an executor, at the state root of the block `ref` names (a tag before the first
 * block reads the `accounts` reader, i.e. the genesis); without one, from `accounts`.
 * @throws {ServerRpcError} -32000 `header not found` for a block number or hash that names no block.
 */
async function stateNonce(deps: TransactionCountDeps, addr: Address, ref: BlockRef): Promise<bigint> {
  if (deps.executor) {
    const block = await findBlock(deps.db.pool, ref, deps.head);
    if (block) return (await deps.executor.getAccount(block.stateRoot as Hash, addr)).nonce;
    if (ref.kind !== 'tag') throw headerNotFound(ref);
  }
  return (await deps.accounts.getAccount(addr)).nonce;
}

/**
 * `eth_getTransactionCount(address, block?)`: the sender's nonce at the block (`latest` when absent). `pending` =
 * max(latest state nonce, highest pending pool nonce + 1), as the reference node computes it.
 */
export const eth_getTransactionCount = defineMethod({
  name: 'eth_getTransactionCount',
  params: z.tuple([address, blockTag.optional()]),
  handler: async ([addr, block], ctx: RpcContext<TransactionCountDeps>) => {
    const ref = block ?? LATEST;
    const nonce = await stateNonce(ctx.deps, addr, ref);
    if (ref.kind !== 'tag' || ref.tag !== 'pending') return toQuantity(nonce);
    const highest = await getHighestPendingNonce(ctx.deps.db.pool, addr);
    return toQuantity(highest !== null && highest + 1n > nonce ? highest + 1n : nonce);
  },
});
