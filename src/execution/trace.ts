/**
 * Transaction tracers for `debug_traceTransaction`: geth's struct (opcode) logger and geth's `callTracer`, each a
 * fold of the EVM's events (`step` before every opcode, `beforeMessage`/`afterMessage` around every call frame)
 * into geth's result shape. A tracer is built per traced tx, attached through `Executor.traceTx`'s hooks, then
 * asked for its result with what the tx did.
 *
 * Pure apart from one read: at an SLOAD the struct logger reads the slot from the state manager the step event
 * carries (the EVM's own, mid-transaction), as geth reads its StateDB. No clock, no other I/O.
 *
 * Where @ethereumjs and geth differ, the output follows geth:
 * - depth starts at 1; a CALL-family `gasCost` includes the gas handed to the callee (without the stipend), as
 *   geth's dynamic gas does (@ethereumjs charges it separately); error texts are geth's (`execution reverted`,
 *   `invalid jump destination`, `write protection`, `contract creation code storage out of gas`, …);
 * - the call frame of a DELEGATECALL/CALLCODE goes from the executing contract to the code's address; a
 *   DELEGATECALL carries the parent's value, a STATICCALL none; SELFDESTRUCT is a frame of its own.
 * - a struct log's `error` marks the opcode that caused an exceptional halt (out of gas, invalid opcode or jump,
 *   write protection, stack errors); a REVERT and a creation's failed code deposit are the frame's failure, not a
 *   step's. (geth marks only faults found before the opcode runs, so e.g. not an invalid JUMP.)
 * Known gaps: a CALL/CREATE that fails before entering the callee (insufficient balance, depth 1024) has no frame
 * (@ethereumjs emits no message for it, geth does); an undefined opcode shows as `INVALID`; stack errors read
 * `stack underflow`/`stack overflow` without geth's counts; an opcode whose gas computation itself runs out of gas
 * (a CALL) shows the cost @ethereumjs had summed when it stopped, which can be below geth's.
 */
import type { EVMResult, InterpreterStep, Message } from '@ethereumjs/evm';
import { NodeError } from '../errors/index.ts';
import {
  type Address,
  bytesToHex,
  type Hash,
  type Hex,
  hexToBytes,
  toQuantity,
} from '../primitives/index.ts';
import type { EvmTraceHooks, TracedTx } from './executor.ts';

/** Options of the struct logger (TraceConfig's opcode-logger fields). */
export type StructLoggerConfig = {
  /** Omit `storage` (default false). */
  disableStorage?: boolean;
  /** Omit `stack` (default false). */
  disableStack?: boolean;
  /** Add `memory` (default false). */
  enableMemory?: boolean;
  /** Add `returnData` (default false). */
  enableReturnData?: boolean;
  /**
   * Record at most this many steps (geth's `limit`: the trace is cut there). 0 or absent: the node's cap,
   * {@link DEFAULT_STRUCT_LOG_LIMIT}, past which the trace fails ({@link StructLogLimitError}) rather than end cut.
   */
  limit?: number;
};

/**
 * The struct logs a trace without a `limit` may hold. geth has no cap; here one 3,000,000-gas loop (about 800,000
 * steps) made 53 MB of JSON, 600 MB of memory and a 10 s stall, and a 30,000,000-gas one would pass V8's string
 * limit. 100,000 steps with stacks are a few MB of JSON. A client that wants more sets `limit`.
 */
export const DEFAULT_STRUCT_LOG_LIMIT = 100_000;

/** A struct-logger trace without a `limit` went past {@link DEFAULT_STRUCT_LOG_LIMIT} steps. */
export class StructLogLimitError extends NodeError<'StructLogLimitError'> {
  override name = 'StructLogLimitError' as const;
  constructor() {
    super(
      `trace has more than ${DEFAULT_STRUCT_LOG_LIMIT} struct logs (the default limit): set "limit" in the trace ` +
        'config to get the first N (N may be higher), or use the callTracer',
      { code: 'STRUCT_LOG_LIMIT', severity: 'critical' },
    );
  }
}

/** One opcode step (execution-apis `StructLog`). */
export type StructLog = {
  pc: number;
  op: string;
  /** Gas left before the opcode. */
  gas: number;
  gasCost: number;
  /** 1 for the tx's own frame. */
  depth: number;
  /** The exceptional halt this opcode caused (geth's text); absent otherwise. */
  error?: string;
  /** Bottom to top, 0x-quantities. Absent with `disableStack`. */
  stack?: Hex[];
  /** The return data of the frame's last call. Only with `enableReturnData`, and when not empty. */
  returnData?: Hex;
  /** 32-byte words (before the opcode expands memory). Only with `enableMemory`, and when not empty. */
  memory?: Hex[];
  /**
   * At SLOAD and SSTORE only (absent with `disableStorage`): every slot of the executing contract's storage that
   * an SLOAD or SSTORE touched so far in the tx, with the value read or written (this step's included). As geth,
   * keyed by contract address, so a contract's map carries over between its frames.
   */
  storage?: Record<Hex, Hex>;
  /** The refund counter, when not zero. */
  refund?: number;
};

/** The struct logger's result (execution-apis `OpcodeTransactionTrace`). */
export type StructLoggerResult = {
  /** Gas used by the tx (the receipt's). */
  gas: number;
  failed: boolean;
  /** The tx's return data; the revert data when it reverted; `0x` after another failure. */
  returnValue: Hex;
  structLogs: StructLog[];
};

/** Options of the call tracer (its `tracerConfig`). */
export type CallTracerConfig = {
  /** Only the tx's own frame, no sub-calls (default false). */
  onlyTopCall?: boolean;
  /** Add each frame's logs (default false); logs of failed frames and of their sub-frames are dropped. */
  withLog?: boolean;
};

export type CallFrameType =
  | 'CALL'
  | 'CALLCODE'
  | 'DELEGATECALL'
  | 'STATICCALL'
  | 'CREATE'
  | 'CREATE2'
  | 'SELFDESTRUCT';

export type CallLog = {
  address: Address;
  topics: Hash[];
  data: Hex;
  /** How many sub-calls of the frame came before the log. */
  position: Hex;
};

/** One call frame of geth's `callTracer` (quantities as 0x-hex). */
export type CallFrame = {
  type: CallFrameType;
  from: Address;
  /** The callee; for a CREATE the new contract (absent when the creation failed). */
  to?: Address;
  /** Absent for STATICCALL. */
  value?: Hex;
  /** Gas given to the frame; the tx's gas limit for the top frame. */
  gas: Hex;
  /** Gas the frame used; the receipt's gas used for the top frame. */
  gasUsed: Hex;
  input: Hex;
  /** Return data (the deployed code for a CREATE; the revert data after a revert); absent when empty. */
  output?: Hex;
  error?: string;
  /** The decoded `Error(string)` / `Panic(uint256)` of a revert. */
  revertReason?: string;
  logs?: CallLog[];
  calls?: CallFrame[];
};

/** A tracer: the hooks to attach for one traced tx, then its result from what the tx did. */
export interface TxTracer<Result> extends EvmTraceHooks {
  /** The result; call once, after the tx ran with this tracer's hooks attached. */
  result(tx: TracedTx): Result;
}

/** The named tracers besides the default struct logger. */
export const SUPPORTED_TRACERS = ['callTracer'] as const;
export type TracerName = (typeof SUPPORTED_TRACERS)[number];

const CALL_OPS = new Set(['CALL', 'CALLCODE', 'DELEGATECALL', 'STATICCALL']);
const CALL_AND_CREATE_OPS = new Set([...CALL_OPS, 'CREATE', 'CREATE2']);

/** The last step a frame ran, to tell what its failure was. */
type LastStep = { op: string; gasLeft: bigint; cost: bigint };

/** The opcode's cost as geth reports it: for a CALL-family opcode, with the gas given to the callee. Pure. */
function stepCost(step: InterpreterStep): bigint {
  const base = step.opcode.dynamicFee ?? BigInt(step.opcode.fee);
  if (!CALL_OPS.has(step.opcode.name) || step.gasLeft < base) return base;
  const requested = step.stack.at(-1) ?? 0n;
  const available = step.gasLeft - base;
  const allowed = available - available / 64n; // EIP-150: all but one 64th
  return base + (requested < allowed ? requested : allowed);
}

/** @ethereumjs's halt messages → geth's (`core/vm/errors.go`). */
const GETH_ERRORS: Readonly<Record<string, string>> = {
  revert: 'execution reverted',
  'out of gas': 'out of gas',
  'invalid JUMP': 'invalid jump destination',
  'static state change': 'write protection',
  'value out of range': 'return data out of bounds',
  'insufficient balance': 'insufficient balance for transfer',
  'value overflow': 'gas uint64 overflow',
  'create collision': 'contract address collision',
  'code size to deposit exceeds maximum code size': 'max code size exceeded',
  'code store out of gas': 'contract creation code storage out of gas',
  'invalid bytecode deployed': 'invalid code: must not begin with 0xef',
  'initcode exceeds max initcode size': 'max initcode size exceeded',
};

/** Halts a frame's end causes, not an opcode (the checks of a creation before and after its code runs). */
const FRAME_END_ERRORS = new Set([
  'revert',
  'create collision',
  'code size to deposit exceeds maximum code size',
  'code store out of gas',
  'invalid bytecode deployed',
  'initcode exceeds max initcode size',
  'insufficient balance',
]);

/**
 * geth's text for an @ethereumjs halt message (`core/vm/errors.go`), without the code location some carry
 * (`invalid JUMP at <address>/<code hash>:<pc>`): what `eth_call` and `eth_estimateGas` answer for a halt other
 * than a revert. An invalid opcode stays `invalid opcode`: geth names the opcode (`invalid opcode: INVALID`), which
 * the halt message does not carry — a trace (`describeHalt`) names it from the last step. Pure.
 */
export function gethHaltMessage(error: string): string {
  const kind = haltKind(error);
  return GETH_ERRORS[kind] ?? kind;
}

/** An @ethereumjs halt message without its location suffix. Pure. */
const haltKind = (error: string): string => {
  const at = error.indexOf(' at ');
  return at > 0 ? error.slice(0, at) : error;
};

/**
 * geth's text for a frame's halt, and whether the frame's last opcode caused it (or the frame's end did: a revert,
 * a creation whose code cannot be deposited). Pure.
 */
function describeHalt(
  halt: string,
  isCreate: boolean,
  last: LastStep | undefined,
): { message: string; atStep: boolean } {
  const error = haltKind(halt);
  if (error === 'revert') return { message: 'execution reverted', atStep: false };
  if (error === 'invalid opcode')
    return { message: `invalid opcode: ${last?.op ?? 'INVALID'}`, atStep: true };
  // A RETURN that had its gas, yet out of gas: the code deposit (200 gas a byte) did not fit.
  if (isCreate && error === 'out of gas' && last?.op === 'RETURN' && last.gasLeft >= last.cost)
    return { message: 'contract creation code storage out of gas', atStep: false };
  return { message: gethHaltMessage(error), atStep: !FRAME_END_ERRORS.has(error) };
}

const ERROR_SELECTOR = '08c379a0';
const PANIC_SELECTOR = '4e487b71';
/** Solidity's panic codes, as geth names them (`accounts/abi/abi.go`). */
const PANIC_REASONS: ReadonlyMap<bigint, string> = new Map([
  [0x00n, 'generic panic'],
  [0x01n, 'assert(false)'],
  [0x11n, 'arithmetic underflow or overflow'],
  [0x12n, 'division or modulo by zero'],
  [0x21n, 'enum overflow'],
  [0x22n, 'invalid encoded storage byte array accessed'],
  [0x31n, 'out-of-bounds array access; popping on an empty array'],
  [0x32n, 'out-of-bounds access of an array or bytesN'],
  [0x41n, 'out of memory'],
  [0x51n, 'uninitialized function'],
]);

/**
 * The reason in revert data, as geth's `abi.UnpackRevert`: `Error(string)` → the string, `Panic(uint256)` → the
 * panic's name (`unknown panic code: 0x…` for others); undefined for anything else. Pure.
 */
export function decodeRevertReason(data: Hex): string | undefined {
  const body = data.slice(2).toLowerCase();
  const word = (at: number): bigint | undefined => {
    const hex = body.slice(8 + at * 2, 8 + at * 2 + 64);
    return hex.length === 64 ? BigInt(`0x${hex}`) : undefined;
  };
  if (body.startsWith(PANIC_SELECTOR)) {
    const code = word(0);
    if (code === undefined) return undefined;
    return PANIC_REASONS.get(code) ?? `unknown panic code: ${toQuantity(code)}`;
  }
  if (!body.startsWith(ERROR_SELECTOR)) return undefined;
  const offset = word(0);
  if (offset === undefined || offset > BigInt(body.length)) return undefined;
  const length = word(Number(offset));
  if (length === undefined) return undefined;
  const start = 8 + (Number(offset) + 32) * 2;
  if (length > BigInt(body.length) || start + Number(length) * 2 > body.length) return undefined;
  return new TextDecoder().decode(hexToBytes(`0x${body.slice(start, start + Number(length) * 2)}`));
}

const word32 = (value: bigint): Hex => `0x${value.toString(16).padStart(64, '0')}`;
const addressOf = (value: { toString(): string }): Address => value.toString().toLowerCase() as Address;
const stackAddress = (value: bigint): Address =>
  `0x${(value & ((1n << 160n) - 1n)).toString(16).padStart(40, '0')}` as Address;

/** `size` bytes of the step's memory from `offset`, zero past its end (what the opcode reads). Pure. */
function memorySlice(step: InterpreterStep, offset: bigint, size: bigint): Hex {
  const out = new Uint8Array(Number(size));
  const memory = step.memory;
  if (offset < BigInt(memory.length)) out.set(memory.subarray(Number(offset), Number(offset + size)));
  return bytesToHex(out);
}

/** The step's memory (its size before the opcode) as 32-byte words. Pure. */
function memoryWords(step: InterpreterStep): Hex[] {
  const size = Number(step.memoryWordCount) * 32;
  const words: Hex[] = [];
  for (let at = 0; at < size; at += 32) {
    const chunk = new Uint8Array(32);
    if (at < step.memory.length) chunk.set(step.memory.subarray(at, Math.min(at + 32, step.memory.length)));
    words.push(bytesToHex(chunk));
  }
  return words;
}

type LoggerFrame = {
  isCreate: boolean;
  /** What RETURNDATASIZE would answer now. */
  returnData: Hex;
  last?: LastStep;
  /** The struct log of `last`, when it was recorded. */
  lastLog?: StructLog;
};

/**
 * geth's struct logger (the default tracer): one {@link StructLog} per opcode, the tx's gas used, failure and
 * return value. Result: execution-apis `OpcodeTransactionTrace`. At most `config.limit` logs, else at most
 * {@link DEFAULT_STRUCT_LOG_LIMIT}: `result` throws {@link StructLogLimitError} when the tx ran more steps.
 */
export function createStructLogger(config: StructLoggerConfig = {}): TxTracer<StructLoggerResult> {
  const logs: StructLog[] = [];
  const frames: LoggerFrame[] = [];
  /** Slots touched by SLOAD/SSTORE, per contract (storage) address. */
  const touched = new Map<Address, Map<Hex, Hex>>();
  /** A `limit` cuts the trace; without one, the cap fails it. */
  const cut = config.limit !== undefined && config.limit > 0;
  const limit = cut ? config.limit! : DEFAULT_STRUCT_LOG_LIMIT;
  let overflowed = false;
  let output: Hex = '0x';

  const snapshotStorage = (log: StructLog, address: Address, slot: bigint, value: Hex) => {
    const slots = touched.get(address) ?? new Map<Hex, Hex>();
    touched.set(address, slots);
    slots.set(word32(slot), value);
    log.storage = Object.fromEntries(slots);
  };

  return {
    enter(message: Message) {
      frames.push({ isCreate: message.to === undefined, returnData: '0x' });
    },

    step(step: InterpreterStep): Promise<void> | undefined {
      const frame = frames.at(-1);
      if (!frame) return undefined;
      const op = step.opcode.name;
      const cost = stepCost(step);
      frame.last = { op, gasLeft: step.gasLeft, cost };
      delete frame.lastLog;
      const returnData = frame.returnData;
      // A call or creation empties the return data buffer until the callee returns.
      if (CALL_AND_CREATE_OPS.has(op)) frame.returnData = '0x';
      if (logs.length >= limit) {
        if (!cut) overflowed = true;
        return undefined;
      }
      const log: StructLog = {
        pc: step.pc,
        op,
        gas: Number(step.gasLeft),
        gasCost: Number(cost),
        depth: step.depth + 1,
      };
      if (config.disableStack !== true) log.stack = step.stack.map((v) => toQuantity(v));
      if (config.enableReturnData === true && returnData !== '0x') log.returnData = returnData;
      if (config.enableMemory === true && step.memoryWordCount > 0n) log.memory = memoryWords(step);
      if (step.gasRefund > 0n) log.refund = Number(step.gasRefund);
      logs.push(log);
      frame.lastLog = log;

      if (config.disableStorage === true) return undefined;
      const { stack } = step;
      const address = addressOf(step.address);
      if (op === 'SSTORE' && stack.length >= 2) {
        snapshotStorage(log, address, stack.at(-1)!, word32(stack.at(-2)!));
      } else if (op === 'SLOAD' && stack.length >= 1) {
        // The value before the opcode runs, as geth's StateDB gives it (what the SLOAD will push).
        const slot = stack.at(-1)!;
        return step.stateManager.getStorage(step.address, hexToBytes(word32(slot))).then((value) => {
          snapshotStorage(log, address, slot, word32(value.length === 0 ? 0n : BigInt(bytesToHex(value))));
        });
      }
      return undefined;
    },

    exit(result: EVMResult) {
      const frame = frames.pop();
      if (!frame) return;
      const error = result.execResult.exceptionError?.error;
      const returned = bytesToHex(result.execResult.returnValue);
      if (error !== undefined && frame.lastLog) {
        const halt = describeHalt(error, frame.isCreate, frame.last);
        if (halt.atStep) frame.lastLog.error = halt.message;
      }
      const parent = frames.at(-1);
      if (!parent) output = returned;
      // RETURNDATA after a call: its output, or its revert data; nothing after a creation or another failure.
      else if (error === undefined) parent.returnData = frame.isCreate ? '0x' : returned;
      else parent.returnData = error === 'revert' ? returned : '0x';
    },

    result(tx: TracedTx): StructLoggerResult {
      if (overflowed) throw new StructLogLimitError();
      const failed = tx.vmError !== undefined;
      return {
        gas: Number(tx.gasUsed),
        failed,
        returnValue: !failed || tx.vmError === 'revert' ? output : '0x',
        structLogs: logs,
      };
    },
  };
}

type CallMeta = {
  frame: CallFrame;
  isStatic: boolean;
  /** The address the frame's code runs as (from its steps). */
  address?: Address;
  last?: LastStep;
};

/** The frame type of a callee, from the opcode its caller ran last. */
function childType(callerOp: string | undefined, message: Message): CallFrameType {
  switch (callerOp) {
    case 'CALL':
    case 'CALLCODE':
    case 'DELEGATECALL':
    case 'STATICCALL':
    case 'CREATE':
    case 'CREATE2':
      return callerOp;
    default:
      if (message.to === undefined) return message.salt === undefined ? 'CREATE' : 'CREATE2';
      return message.delegatecall ? 'DELEGATECALL' : 'CALL';
  }
}

/** `frame` with its keys in geth's order (type, from, to, value, gas, …), its sub-frames likewise. Pure. */
function ordered(frame: CallFrame): CallFrame {
  const { type, from, to, value, gas, gasUsed, input, output, error, revertReason, logs, calls } = frame;
  return {
    type,
    from,
    ...(to === undefined ? {} : { to }),
    ...(value === undefined ? {} : { value }),
    gas,
    gasUsed,
    input,
    ...(output === undefined ? {} : { output }),
    ...(error === undefined ? {} : { error }),
    ...(revertReason === undefined ? {} : { revertReason }),
    ...(logs === undefined ? {} : { logs }),
    ...(calls === undefined ? {} : { calls: calls.map(ordered) }),
  };
}

function addCall(parent: CallFrame, call: CallFrame): void {
  if (parent.calls) parent.calls.push(call);
  else parent.calls = [call];
}

/** Drops the logs of failed frames and of everything under them (geth's `clearFailedLogs`). */
function clearFailedLogs(frame: CallFrame, parentFailed: boolean): void {
  const failed = parentFailed || frame.error !== undefined;
  if (failed) delete frame.logs;
  for (const call of frame.calls ?? []) clearFailedLogs(call, failed);
}

/** geth's `callTracer`: the tree of call frames of the tx. */
export function createCallTracer(config: CallTracerConfig = {}): TxTracer<CallFrame> {
  const stack: CallMeta[] = [];
  let top: CallFrame | undefined;

  return {
    enter(message: Message) {
      const parent = stack.at(-1);
      const type: CallFrameType = parent
        ? childType(parent.last?.op, message)
        : message.to === undefined
          ? 'CREATE'
          : 'CALL';
      let to: Address | undefined;
      if (type === 'DELEGATECALL' || type === 'CALLCODE') to = addressOf(message.codeAddress);
      else if (message.to !== undefined) to = addressOf(message.to);
      const frame: CallFrame = {
        type,
        from: parent?.address ?? addressOf(message.caller),
        ...(to ? { to } : {}),
        ...(type === 'STATICCALL' ? {} : { value: toQuantity(message.value) }),
        gas: toQuantity(message.gasLimit),
        gasUsed: '0x0',
        input: bytesToHex(message.data),
      };
      stack.push({ frame, isStatic: message.isStatic });
    },

    step(step: InterpreterStep) {
      const meta = stack.at(-1);
      if (!meta) return;
      const op = step.opcode.name;
      const cost = stepCost(step);
      meta.last = { op, gasLeft: step.gasLeft, cost };
      meta.address = addressOf(step.address);
      const { stack: words } = step;
      if (config.withLog === true && /^LOG[0-4]$/.test(op)) {
        const n = Number(op.slice(3));
        if (words.length < n + 2 || step.gasLeft < cost) return; // it will fail, and its frame with it
        const offset = words.at(-1)!;
        const size = words.at(-2)!;
        const topics = Array.from({ length: n }, (_, i) => word32(words.at(-3 - i)!) as Hash);
        const log: CallLog = {
          address: meta.address,
          topics,
          data: memorySlice(step, offset, size),
          position: toQuantity(meta.frame.calls?.length ?? 0),
        };
        if (meta.frame.logs) meta.frame.logs.push(log);
        else meta.frame.logs = [log];
      } else if (op === 'SELFDESTRUCT' && !meta.isStatic && words.length >= 1 && step.gasLeft >= cost) {
        addCall(meta.frame, {
          type: 'SELFDESTRUCT',
          from: meta.address,
          to: stackAddress(words.at(-1)!),
          value: toQuantity(step.account.balance),
          gas: '0x0',
          gasUsed: '0x0',
          input: '0x',
        });
      }
    },

    exit(result: EVMResult) {
      const meta = stack.pop();
      if (!meta) return;
      const { frame } = meta;
      const isCreate = frame.type === 'CREATE' || frame.type === 'CREATE2';
      const error = result.execResult.exceptionError?.error;
      const returned = bytesToHex(result.execResult.returnValue);
      frame.gasUsed = toQuantity(result.execResult.executionGasUsed);
      if (error === undefined) {
        if (isCreate && result.createdAddress) frame.to = addressOf(result.createdAddress);
        if (returned !== '0x') frame.output = returned;
      } else {
        frame.error = describeHalt(error, isCreate, meta.last).message;
        if (isCreate) delete frame.to;
        if (error === 'revert' && returned !== '0x') {
          frame.output = returned;
          const reason = decodeRevertReason(returned);
          if (reason !== undefined) frame.revertReason = reason;
        }
      }
      const parent = stack.at(-1);
      if (parent) addCall(parent.frame, frame);
      else top = frame;
    },

    result(tx: TracedTx): CallFrame {
      if (!top) throw new TypeError('the traced tx ran no call frame');
      top.gas = toQuantity(tx.gasLimit);
      top.gasUsed = toQuantity(tx.gasUsed);
      if (config.withLog === true) clearFailedLogs(top, false);
      if (config.onlyTopCall === true) {
        delete top.calls;
        for (const log of top.logs ?? []) log.position = '0x0';
      }
      return ordered(top);
    },
  };
}
