import { z } from 'zod';
import { defineMethod, type RpcContext } from '../method.ts';
import { boolean, hash } from '../params.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { readBlock } from './eth_getBlockByNumber.ts';

/** `eth_getBlockByHash(hash, fullTx, includeExtraInfo?)`: the block, or null when no block has that hash. */
export const eth_getBlockByHash = defineMethod({
  name: 'eth_getBlockByHash',
  params: z.tuple([hash, boolean, boolean.optional()]),
  handler: ([blockHash, fullTx, extraInfo], ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    readBlock(
      ctx.deps,
      { kind: 'hash', hash: blockHash, requireCanonical: false },
      fullTx,
      extraInfo === true,
    ),
});
