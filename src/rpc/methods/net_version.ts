import { z } from 'zod';
import { defineMethod, type RpcContext } from '../method.ts';
import type { ChainIdDeps } from './eth_chainId.ts';

/** `net_version` → the L2 chain id as a decimal string (`"1001"`), as the original node answers. */
export const net_version = defineMethod({
  name: 'net_version',
  params: z.tuple([]),
  handler: (_params, ctx: RpcContext<ChainIdDeps>) => ctx.deps.chainId.toString(10),
});
