import { z } from 'zod';
import { defineMethod, type RpcContext } from '../method.ts';
import { boolean, hash } from '../params.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { readFullBlock } from '../read/full-block.ts';

/** `zkevm_getFullBlockByHash(hash, fullTx)`: as `zkevm_getFullBlockByNumber`, by hash; null for an unknown hash. */
export const zkevm_getFullBlockByHash = defineMethod({
  name: 'zkevm_getFullBlockByHash',
  params: z.tuple([hash, boolean]),
  handler: ([blockHash, fullTx], ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    readFullBlock(ctx.deps, { kind: 'hash', hash: blockHash, requireCanonical: false }, fullTx),
});
