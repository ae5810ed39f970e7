import { z } from 'zod';
import { defineMethod, type RpcContext } from '../method.ts';
import { hash, uint64Quantity } from '../params.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { readTxAt } from './eth_getTransactionByBlockNumberAndIndex.ts';

/** `eth_getTransactionByBlockHashAndIndex(hash, index)`: the tx, or null when block or index do not exist. */
export const eth_getTransactionByBlockHashAndIndex = defineMethod({
  name: 'eth_getTransactionByBlockHashAndIndex',
  params: z.tuple([hash, uint64Quantity]),
  handler: ([blockHash, index], ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    readTxAt(ctx.deps, { kind: 'hash', hash: blockHash, requireCanonical: false }, index),
});
