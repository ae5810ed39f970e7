import { z } from 'zod';
import type { BlockRow } from '../../../projections/l2/index.ts';
import { countPending } from '../../../projections/pool/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { blockNumberOrTag } from '../params.ts';
import { findBlock } from '../read/blocks.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

/** The tx count of a block row: one tx per L2 block (DESIGN §6), none in block 0. Pure. */
export const txCountOf = (block: BlockRow | null): string | null =>
  block ? toQuantity(block.txHash === null ? 0 : 1) : null;

/**
 * `eth_getBlockTransactionCountByNumber(block)`: the block's tx count, or null when it does not exist; for
 * `pending`, as the reference answers, the number of txs the pool holds pending.
 */
export const eth_getBlockTransactionCountByNumber = defineMethod({
  name: 'eth_getBlockTransactionCountByNumber',
  params: z.tuple([blockNumberOrTag]),
  handler: async ([ref], ctx: RpcContext<Pick<ReadRpcDeps, 'db' | 'head'>>) => {
    if (ref.kind === 'tag' && ref.tag === 'pending') return toQuantity(await countPending(ctx.deps.db.pool));
    return txCountOf(await findBlock(ctx.deps.db.pool, ref, ctx.deps.head));
  },
});
