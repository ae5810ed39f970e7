import { z } from 'zod';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';

export type GasPriceDeps = { readonly minGasPrice: bigint };

/**
 * `eth_gasPrice` → the configured minimum L2 gas price (`[l2] minGasPrice`, dev 1 gwei): the price the pool
 * accepts, below which it answers `gas price too low` (DESIGN §6).
 */
export const eth_gasPrice = defineMethod({
  name: 'eth_gasPrice',
  params: z.tuple([]),
  handler: (_params, ctx: RpcContext<GasPriceDeps>) => toQuantity(ctx.deps.minGasPrice),
});
