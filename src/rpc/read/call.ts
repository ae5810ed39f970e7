/**
 * Message calls for `eth_call` and `eth_estimateGas`: the call object (geth's `TransactionArgs` subset a legacy
 * chain needs), its execution at a block's state, and revert handling (code 3, `execution reverted[: reason]`,
 * the revert bytes as `data`).
 */
import { AbiCoder } from 'ethers';
import { z } from 'zod';
import type { ReadModelDb } from '../../../projections/index.ts';
import type { CallResult, Executor } from '../../execution/index.ts';
import type { Address, Hex } from '../../primitives/index.ts';
import { ExecutionRevertedRpcError, InvalidParamsRpcError, ServerRpcError } from '../errors.ts';
import { address, type BlockRef, hexData, quantity, uint64Quantity } from '../params.ts';
import { stateBlock } from './blocks.ts';

/** The call object. `input` and `data` are synonyms (both given: they must agree, as geth requires). */
export const callObject = z
  .object({
    from: address.optional(),
    to: address.nullable().optional(),
    gas: uint64Quantity.optional(),
    gasPrice: quantity.optional(),
    value: quantity.optional(),
    data: hexData.optional(),
    input: hexData.optional(),
  })
  .transform((c, ctx) => {
    if (c.data !== undefined && c.input !== undefined && c.data !== c.input) {
      ctx.issues.push({ code: 'custom', message: 'both "data" and "input" are set and not equal', input: c });
      return z.NEVER;
    }
    return { ...c, data: c.input ?? c.data };
  });
export type CallObject = z.output<typeof callObject>;

export type CallDeps = { readonly db: ReadModelDb; readonly executor: Pick<Executor, 'call'> };

/** Runs `call` at the block `ref` names (`latest` when absent), with that block's context. */
export async function callAt(
  deps: CallDeps,
  call: CallObject,
  ref: BlockRef | undefined,
  gas?: bigint,
): Promise<CallResult> {
  const block = await stateBlock(deps.db.pool, ref);
  return deps.executor.call({
    stateRoot: block.stateRoot,
    ...(call.from ? { from: call.from } : {}),
    to: (call.to ?? null) as Address | null,
    ...(call.data ? { data: call.data } : {}),
    ...(call.value !== undefined ? { value: call.value } : {}),
    ...(gas !== undefined ? { gas } : call.gas !== undefined ? { gas: call.gas } : {}),
    ...(call.gasPrice !== undefined ? { gasPrice: call.gasPrice } : {}),
    block: { number: block.number, timestamp: block.timestamp, coinbase: block.coinbase as Address },
  });
}

const ERROR_SELECTOR = '0x08c379a0';

/** The reason of a Solidity `Error(string)` revert, or undefined. Pure. */
export function revertReason(data: Hex): string | undefined {
  if (!data.startsWith(ERROR_SELECTOR)) return undefined;
  try {
    return AbiCoder.defaultAbiCoder().decode(['string'], `0x${data.slice(10)}`)[0] as string;
  } catch {
    return undefined;
  }
}

/** Turns a failed call into the client's error: a REVERT is code 3 with its data; other halts are -32000. */
export function callFailure(result: CallResult): Error {
  if (result.vmError === 'revert') {
    return new ExecutionRevertedRpcError({
      data: result.returnValue,
      reason: revertReason(result.returnValue),
    });
  }
  return new ServerRpcError(result.vmError ?? 'execution failed');
}

export function assertNoOverrides(overrides: unknown): void {
  if (overrides !== undefined && overrides !== null) {
    throw new InvalidParamsRpcError('state overrides are not supported yet');
  }
}
