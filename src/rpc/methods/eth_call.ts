import { z } from 'zod';
import { defineMethod, type RpcContext } from '../method.ts';
import { blockTag } from '../params.ts';
import { assertNoOverrides, type CallDeps, callAt, callFailure, callObject } from '../read/call.ts';

/**
 * `eth_call(call, block?)`: runs the call on the block's state (`latest` when absent) and returns its return
 * data. A revert: code 3, `execution reverted[: reason]`, the revert bytes in `data`; another halt: -32000.
 */
export const eth_call = defineMethod({
  name: 'eth_call',
  params: z.tuple([callObject, blockTag.optional(), z.unknown().optional()]),
  handler: async ([call, ref, overrides], ctx: RpcContext<CallDeps>) => {
    assertNoOverrides(overrides);
    const result = await callAt(ctx.deps, call, ref);
    if (result.status !== 1) throw callFailure(result);
    return result.returnValue;
  },
});
