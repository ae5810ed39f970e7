import { z } from 'zod';
import { defineMethod, type RpcContext } from '../method.ts';
import { blockTag } from '../params.ts';
import { type CallDeps, callAt, callFailure, callObject, stateOverrides } from '../read/call.ts';

/**
 * `eth_call(call, block?, overrides?)`: runs the call on the block's state (`latest` when absent), with geth's
 * state overrides applied to the call's own copy of that state, and returns its return data. A revert: code 3,
 * `execution reverted[: reason]`, the revert bytes in `data`; another halt: -32000; bad overrides: -32602.
 */
export const eth_call = defineMethod({
  name: 'eth_call',
  params: z.tuple([callObject, blockTag.optional(), stateOverrides.optional()]),
  handler: async ([call, ref, overrides], ctx: RpcContext<CallDeps>) => {
    const result = await callAt(ctx.deps, call, ref, { overrides });
    if (result.status !== 1) throw callFailure(result);
    return result.returnValue;
  },
});
