import { z } from 'zod';
import { L2_BLOCK_GAS_LIMIT } from '../../l2/index.ts';
import { intrinsicGas } from '../../pool/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { blockTag } from '../params.ts';
import { assertNoOverrides, type CallDeps, callAt, callFailure, callObject } from '../read/call.ts';

/**
 * `eth_estimateGas(call, block?)`: the smallest gas limit with which the call succeeds, by binary search between
 * the gas it used at the cap and the cap (the call's `gas`, else 30,000,000), as geth does. A call that fails at
 * the cap: code 3 on revert (with the revert data), -32000 otherwise.
 */
export const eth_estimateGas = defineMethod({
  name: 'eth_estimateGas',
  params: z.tuple([callObject, blockTag.optional(), z.unknown().optional()]),
  handler: async ([call, ref, overrides], ctx: RpcContext<CallDeps>) => {
    assertNoOverrides(overrides);
    const cap = call.gas ?? L2_BLOCK_GAS_LIMIT;
    const atCap = await callAt(ctx.deps, call, ref, cap);
    if (atCap.status !== 1) throw callFailure(atCap);
    const floor = intrinsicGas({ to: call.to ?? null, data: call.data ?? '0x' });
    // lo always fails (or is below the intrinsic gas), hi always succeeds.
    let lo = atCap.gasUsed - 1n;
    if (lo < floor - 1n) lo = floor - 1n;
    let hi = cap;
    // Most calls succeed with what they used: try that first.
    if (lo + 1n < hi && (await callAt(ctx.deps, call, ref, lo + 1n)).status === 1) hi = lo + 1n;
    while (lo + 1n < hi) {
      const mid = (lo + hi) / 2n;
      if ((await callAt(ctx.deps, call, ref, mid)).status === 1) hi = mid;
      else lo = mid;
    }
    return toQuantity(hi);
  },
});
