import { z } from 'zod';
import { defineMethod, type RpcContext } from '../method.ts';
import { blockNumberOrTag, boolean } from '../params.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { readFullBlock } from '../read/full-block.ts';

/**
 * `zkevm_getFullBlockByNumber(block, fullTx)`: the block with its batch's `globalExitRoot` and, when `fullTx`,
 * tx objects that carry their receipt (`receipt`); null when the block does not exist. `pending` is the latest.
 */
export const zkevm_getFullBlockByNumber = defineMethod({
  name: 'zkevm_getFullBlockByNumber',
  params: z.tuple([blockNumberOrTag, boolean]),
  handler: ([ref, fullTx], ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) => readFullBlock(ctx.deps, ref, fullTx),
});
