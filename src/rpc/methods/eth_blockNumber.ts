import { z } from 'zod';
import { latestBlockNumber } from '../../../projections/l2/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

/** `eth_blockNumber` → the highest L2 block (`0x0` before the genesis exists). */
export const eth_blockNumber = defineMethod({
  name: 'eth_blockNumber',
  params: z.tuple([]),
  handler: async (_params, ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    toQuantity((await latestBlockNumber(ctx.deps.db.pool)) ?? 0n),
});
