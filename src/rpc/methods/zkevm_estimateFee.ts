import { z } from 'zod';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { blockTag } from '../params.ts';
import { type CallDeps, callObject, estimateGas } from '../read/call.ts';

export type EstimateFeeDeps = CallDeps & { readonly minGasPrice: bigint };

/**
 * `zkevm_estimateFee(call, block?)`: `gasPrice × estimated gas` as a hex quantity, where the price is the call's
 * `gasPrice` when it is given and non-zero, else the node's minimum L2 gas price (the reference falls back to the
 * pool's suggested price, which is that minimum here). The effective-gas-price rounding of the reference applies
 * only with EGP enabled, which this node does not implement (disabled by default there). The gas is
 * `eth_estimateGas`'s: a revert is code 3 with its data.
 */
export const zkevm_estimateFee = defineMethod({
  name: 'zkevm_estimateFee',
  params: z.tuple([callObject, blockTag.optional()]),
  handler: async ([call, ref], ctx: RpcContext<EstimateFeeDeps>) => {
    const gas = await estimateGas(ctx.deps, call, ref);
    const price = call.gasPrice !== undefined && call.gasPrice > 0n ? call.gasPrice : ctx.deps.minGasPrice;
    return toQuantity(price * gas);
  },
});
