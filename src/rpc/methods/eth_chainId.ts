import { z } from 'zod';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';

export type ChainIdDeps = { readonly chainId: bigint };

/** `eth_chainId` → the L2 chain id as a quantity (`0x3e9` for 1001). */
export const eth_chainId = defineMethod({
  name: 'eth_chainId',
  params: z.tuple([]),
  handler: (_params, ctx: RpcContext<ChainIdDeps>) => toQuantity(ctx.deps.chainId),
});
