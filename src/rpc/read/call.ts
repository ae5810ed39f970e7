/**
 * Message calls for `eth_call`, `eth_estimateGas` and `zkevm_estimateFee`: the call object (geth's `TransactionArgs`
 * subset a legacy chain needs), geth's state overrides, execution at a block's state, the gas estimate, and revert
 * handling (code 3, `execution reverted[: reason]`,
 * the revert bytes as `data`).
 */
import { z } from 'zod';
import type { ReadModelDb } from '../../../projections/index.ts';
import type { LatestBlockCache } from '../../../projections/l2/index.ts';
import {
  type AccountOverride,
  type CallResult,
  decodeRevertReason,
  type Executor,
  gethHaltMessage,
  type StateOverrides,
} from '../../execution/index.ts';
import { L2_BLOCK_GAS_LIMIT } from '../../l2/index.ts';
import { intrinsicGas } from '../../pool/index.ts';
import type { Address, Hex } from '../../primitives/index.ts';
import { ExecutionRevertedRpcError, ServerRpcError } from '../errors.ts';
import { address, type BlockRef, hexData, quantity, uint64Quantity } from '../params.ts';
import { type StateBlock, stateBlock } from './blocks.ts';

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

export type CallDeps = {
  readonly db: ReadModelDb;
  readonly executor: Pick<Executor, 'call' | 'getAccount'>;
  readonly head?: LatestBlockCache;
};

/** A 32-byte word (storage slot or value) as geth takes it in overrides: 0x-hex of exactly 32 bytes. */
const word = z.unknown().transform((value, ctx): Hex => {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(value)) {
    ctx.issues.push({ code: 'custom', message: 'want a 32-byte 0x-hex word', input: value });
    return z.NEVER;
  }
  return value.toLowerCase() as Hex;
});

const storageMap = z.record(z.string(), word).transform((m, ctx) => {
  const out: Record<Hex, bigint> = {};
  for (const [slot, value] of Object.entries(m)) {
    const key = word.safeParse(slot);
    if (!key.success) {
      ctx.issues.push({
        code: 'custom',
        message: `storage slot ${slot}: want a 32-byte 0x-hex word`,
        input: slot,
      });
      return z.NEVER;
    }
    out[key.data] = BigInt(value);
  }
  return out;
});

const accountOverride = z
  .strictObject({
    balance: quantity.optional(),
    nonce: uint64Quantity.optional(),
    code: hexData.optional(),
    state: storageMap.optional(),
    stateDiff: storageMap.optional(),
  })
  .transform((o, ctx): AccountOverride => {
    if (o.state !== undefined && o.stateDiff !== undefined) {
      ctx.issues.push({ code: 'custom', message: 'has both state and stateDiff', input: o });
      return z.NEVER;
    }
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as AccountOverride;
  });

/**
 * geth's state-override set (eth_call's and eth_estimateGas's third param): `{ [address]: { balance?, nonce?,
 * code?, state? | stateDiff? } }`. Addresses are lowercased; an address given twice (in two spellings) is refused.
 * An error names the address (`invalid argument 2: 0x…: has both state and stateDiff`).
 */
export const stateOverrides = z.record(z.string(), accountOverride).transform((m, ctx) => {
  const out: Record<Address, AccountOverride> = {};
  for (const [key, o] of Object.entries(m)) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(key)) {
      ctx.issues.push({ code: 'custom', message: `${key}: not a 20-byte 0x-hex address`, input: key });
      return z.NEVER;
    }
    const a = key.toLowerCase() as Address;
    if (a in out) {
      ctx.issues.push({ code: 'custom', message: `${key}: address given twice`, input: key });
      return z.NEVER;
    }
    out[a] = o;
  }
  return out as StateOverrides;
});

/** Options of {@link callAt}: a gas limit replacing the call's, state overrides. */
export type CallOptions = { gas?: bigint; overrides?: StateOverrides | undefined };

/** The sender of a call without `from`, as in the reference (zkevm-node's `DefaultSenderAddress`). */
export const DEFAULT_CALL_SENDER = '0x1111111111111111111111111111111111111111' as Address;

/** A call's gas: at most the block gas limit (the reference's cap; a call cannot hold a core for longer). Pure. */
const cappedGas = (gas: bigint): bigint => (gas > L2_BLOCK_GAS_LIMIT ? L2_BLOCK_GAS_LIMIT : gas);

/** Runs `call` at `block` (a resolved block), with that block's context. `gas` 0 counts as not given. */
function callOn(deps: CallDeps, call: CallObject, block: StateBlock, opts: CallOptions): Promise<CallResult> {
  const given = opts.gas ?? call.gas;
  const gas = given === undefined || given === 0n ? undefined : cappedGas(given);
  return deps.executor.call({
    stateRoot: block.stateRoot,
    ...(opts.overrides ? { overrides: opts.overrides } : {}),
    from: call.from ?? DEFAULT_CALL_SENDER,
    to: (call.to ?? null) as Address | null,
    ...(call.data ? { data: call.data } : {}),
    ...(call.value !== undefined ? { value: call.value } : {}),
    ...(gas !== undefined ? { gas } : {}),
    ...(call.gasPrice !== undefined ? { gasPrice: call.gasPrice } : {}),
    block: { number: block.number, timestamp: block.timestamp, coinbase: block.coinbase as Address },
  });
}

/**
 * Runs `call` at the block `ref` names (`latest` when absent), with that block's context.
 * @throws {ServerRpcError} -32000 `header not found` when there is no such block.
 */
export async function callAt(
  deps: CallDeps,
  call: CallObject,
  ref: BlockRef | undefined,
  opts: CallOptions = {},
): Promise<CallResult> {
  return callOn(deps, call, await stateBlock(deps.db.pool, ref, deps.head), opts);
}

/**
 * The smallest gas limit with which `call` succeeds at the block `ref` names: a binary search between the gas it
 * used at the cap and the cap, as geth does; the block is resolved once. The cap: the call's `gas` (ignored below
 * the intrinsic gas, capped at the block gas limit), else the block gas limit (30,000,000); with a gas price, at
 * most what the sender's balance pays for after the value.
 * @throws {ExecutionRevertedRpcError} code 3 when the call reverts at the cap; {@link ServerRpcError} -32000
 * `gas required exceeds allowance (N)` when it runs out of gas at the cap or the allowance is below the intrinsic
 * gas, `insufficient funds for transfer` when the value exceeds the balance, for another halt, or for a missing
 * block.
 */
export async function estimateGas(
  deps: CallDeps,
  call: CallObject,
  ref: BlockRef | undefined,
  overrides?: StateOverrides,
): Promise<bigint> {
  const block = await stateBlock(deps.db.pool, ref, deps.head);
  const run = (gas: bigint) => callOn(deps, call, block, { gas, overrides });
  const floor = intrinsicGas({ to: call.to ?? null, data: call.data ?? '0x' });
  // A `gas` below the intrinsic gas is ignored (geth's and the reference's rule); above the block's, capped.
  let cap = call.gas !== undefined && call.gas >= floor ? cappedGas(call.gas) : L2_BLOCK_GAS_LIMIT;
  // With a gas price the search stops at what the sender can pay for, as geth's does.
  const price = call.gasPrice ?? 0n;
  if (price > 0n) {
    const from = call.from ?? DEFAULT_CALL_SENDER;
    const have =
      overrides?.[from.toLowerCase() as Address]?.balance ??
      (await deps.executor.getAccount(block.stateRoot, from)).balance;
    const value = call.value ?? 0n;
    // The reference's rule (geth refuses a value equal to the balance too).
    if (value > have) throw new ServerRpcError('insufficient funds for transfer');
    const allowance = (have - value) / price;
    if (cap > allowance) cap = allowance;
  }
  if (cap < floor) throw new ServerRpcError(`gas required exceeds allowance (${cap})`);
  const atCap = await run(cap);
  if (atCap.status !== 1) {
    if (atCap.vmError === 'out of gas') throw new ServerRpcError(`gas required exceeds allowance (${cap})`);
    throw callFailure(atCap);
  }
  // lo always fails (or is below the intrinsic gas), hi always succeeds.
  let lo = atCap.gasUsed - 1n;
  if (lo < floor - 1n) lo = floor - 1n;
  let hi = cap;
  // Most calls succeed with what they used: try that first.
  if (lo + 1n < hi && (await run(lo + 1n)).status === 1) hi = lo + 1n;
  while (lo + 1n < hi) {
    const mid = (lo + hi) / 2n;
    if ((await run(mid)).status === 1) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The reason in revert data as geth's `abi.UnpackRevert` reads it for `execution reverted: <reason>`: an
 * `Error(string)`'s string, a `Panic(uint256)`'s name (`assert(false)`, `unknown panic code: 0x…`); undefined for
 * anything else. Pure.
 */
export function revertReason(data: Hex): string | undefined {
  return decodeRevertReason(data);
}

/** Turns a failed call into the client's error: a REVERT is code 3 with its data; other halts are -32000. */
export function callFailure(result: CallResult): Error {
  if (result.vmError === 'revert') {
    return new ExecutionRevertedRpcError({
      data: result.returnValue,
      reason: revertReason(result.returnValue),
    });
  }
  return new ServerRpcError(result.vmError ? gethHaltMessage(result.vmError) : 'execution failed');
}
