import { z } from 'zod';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { blockTag } from '../params.ts';
import { type CallDeps, callObject, estimateGas, stateOverrides } from '../read/call.ts';

/**
 * `eth_estimateGas(call, block?, overrides?)`: the smallest gas limit with which the call succeeds (with geth's
 * state overrides applied), by binary search between the gas it used at the cap and the cap (the call's `gas`,
 * else 30,000,000), as geth does. A call that fails at the cap: code 3 on revert (with the revert data), -32000
 * otherwise.
 */
export const eth_estimateGas = defineMethod({
  name: 'eth_estimateGas',
  params: z.tuple([callObject, blockTag.optional(), stateOverrides.optional()]),
  handler: async ([call, ref, overrides], ctx: RpcContext<CallDeps>) =>
    toQuantity(await estimateGas(ctx.deps, call, ref, overrides)),
});
