import { z } from 'zod';
import type { ReadModelDb, SqlClient } from '../../../projections/index.ts';
import {
  type BlockRow,
  getBlockByNumber,
  getTxByHash,
  getTxsOfBlock,
  type TxRow,
} from '../../../projections/l2/index.ts';
import {
  type CallTracerConfig,
  type DecodedLegacyTxInput,
  type Executor,
  runTrace,
  type StructLoggerConfig,
  StructLogLimitError,
  SUPPORTED_TRACERS,
  type TraceRequest,
  type TracerChoice,
} from '../../execution/index.ts';
import type { Address, Hash, Hex } from '../../primitives/index.ts';
import { InternalRpcError, ServerRpcError } from '../errors.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { boolean, hash } from '../params.ts';
import { readSnapshot } from '../read/blocks.ts';

/**
 * Where traces run: the RPC's call pool (`CallPool.trace`, worker threads, the timeout enforced) or this thread
 * ({@link inProcessTracing}).
 */
export type Tracing = {
  trace(request: TraceRequest, opts?: { timeoutMs?: number }): Promise<unknown>;
};

/** What `debug_traceTransaction` needs: the read models and somewhere to replay a tx with a tracer. */
export type TraceDeps = { readonly db: ReadModelDb; readonly tracing: Tracing };

/**
 * Traces on this thread, on `executor`: for a node without a call pool (tests, tools). The EVM does not yield, so no
 * timeout can stop a trace here: the timeout is ignored.
 */
export function inProcessTracing(executor: Pick<Executor, 'traceTx'>): Tracing {
  return { trace: (request) => runTrace(executor, request) };
}

/** The tracer a request asked for, with its options, and how long each tx's trace may run (geth's `timeout`). */
export type TraceOptions = TracerChoice & { readonly timeoutMs?: number };

const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5
  μs: 1e-3, // U+03BC
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A Go duration string (`time.ParseDuration`: "300ms", "1.5s", "2m30s", "-1h", "0") in milliseconds: the type of
 * geth's TraceConfig `timeout`.
 * @throws {RangeError} with Go's message (`time: invalid duration "x"`, `time: missing unit in duration "1"`,
 *   `time: unknown unit "d" in duration "1d"`).
 */
export function parseGoDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw new RangeError(`time: invalid duration ${quoted}`);
  let ms = 0;
  while (rest !== '') {
    const number = /^(\d+\.?\d*|\.\d+)/.exec(rest);
    if (!number) throw new RangeError(`time: invalid duration ${quoted}`);
    rest = rest.slice(number[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === '') throw new RangeError(`time: missing unit in duration ${quoted}`);
    const scale = DURATION_UNITS_MS[unit];
    if (scale === undefined)
      throw new RangeError(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    rest = rest.slice(unit.length);
    ms += Number(number[1]) * scale;
  }
  return sign * ms;
}

const SUPPORTED = `supported: ${SUPPORTED_TRACERS.map((t) => `"${t}"`).join(', ')}, or none (absent or "") for the struct logger`;

const optionalBoolean = boolean.optional();
const callTracerConfig = z.object({ onlyTopCall: optionalBoolean, withLog: optionalBoolean });

/**
 * geth's `TraceConfig` (execution-apis `TraceConfig`): `tracer` (absent or `""` → the struct logger;
 * `callTracer`), `tracerConfig` (`{onlyTopCall?, withLog?}` for `callTracer`), the struct logger's
 * `disableStorage`, `disableStack`, `enableMemory`, `enableReturnData`, `limit`, and `timeout` (a Go duration, how
 * long each tx's trace may run: geth's default 5 s). `debug` is accepted and ignored (the spec allows it); other
 * members are ignored, as geth does. The struct-logger fields are ignored with a named tracer and `tracerConfig`
 * without one.
 */
export const traceConfig = z
  .object({
    tracer: z.string().nullable().optional(),
    tracerConfig: z.record(z.string(), z.unknown()).nullable().optional(),
    disableStorage: optionalBoolean,
    disableStack: optionalBoolean,
    enableMemory: optionalBoolean,
    enableReturnData: optionalBoolean,
    limit: z.number().int().min(0).optional(),
    timeout: z.string().optional(),
    debug: optionalBoolean,
  })
  .transform((c, ctx): TraceOptions => {
    let timeout: { timeoutMs?: number } = {};
    if (c.timeout !== undefined) {
      try {
        timeout = { timeoutMs: parseGoDuration(c.timeout) };
      } catch (err) {
        ctx.issues.push({
          code: 'custom',
          message: (err as Error).message,
          path: ['timeout'],
          input: c.timeout,
        });
        return z.NEVER;
      }
    }
    const name = c.tracer ?? '';
    if (name === '') {
      const config: StructLoggerConfig = {};
      if (c.disableStorage !== undefined) config.disableStorage = c.disableStorage;
      if (c.disableStack !== undefined) config.disableStack = c.disableStack;
      if (c.enableMemory !== undefined) config.enableMemory = c.enableMemory;
      if (c.enableReturnData !== undefined) config.enableReturnData = c.enableReturnData;
      if (c.limit !== undefined) config.limit = c.limit;
      return { tracer: 'structLogger', config, ...timeout };
    }
    if (name !== 'callTracer') {
      ctx.issues.push({
        code: 'custom',
        message: `unsupported tracer "${name.slice(0, 64)}" (${SUPPORTED})`,
        path: ['tracer'],
        input: name,
      });
      return z.NEVER;
    }
    const parsed = callTracerConfig.safeParse(c.tracerConfig ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      ctx.issues.push({
        code: 'custom',
        message: issue.message,
        path: ['tracerConfig', ...issue.path],
        input: c.tracerConfig,
      });
      return z.NEVER;
    }
    const config: CallTracerConfig = {};
    if (parsed.data.onlyTopCall !== undefined) config.onlyTopCall = parsed.data.onlyTopCall;
    if (parsed.data.withLog !== undefined) config.withLog = parsed.data.withLog;
    return { tracer: 'callTracer', config, ...timeout };
  });

/** The executor's input for a mined tx (its sender as the read model holds it: recovered once, at intake). */
function txInput(tx: TxRow): DecodedLegacyTxInput {
  return {
    from: tx.from as Address,
    nonce: tx.nonce,
    gasPrice: tx.gasPrice,
    gas: tx.gas,
    to: tx.to as Address | null,
    value: tx.value,
    data: tx.input as Hex,
    v: tx.v,
    r: BigInt(tx.r),
    s: BigInt(tx.s),
    // The blob's last byte: the share of its gas price the tx paid when it was sealed.
    effectivePercentage: Number.parseInt(tx.batchBlob.slice(-2), 16),
  };
}

/**
 * `debug_traceTransaction(hash, config?)`: re-executes a mined tx on its block's parent state (after the txs before
 * it in the block) with a tracer attached, on a private copy of the state — in `lev start` on the call pool's
 * worker threads, so that a long trace holds a worker, not the node. Default tracer: geth's struct logger
 * (`{gas, failed, returnValue, structLogs}`, execution-apis `OpcodeTransactionTrace`); `callTracer`: geth's call
 * tree (`{type, from, to, value, gas, gasUsed, input, output?, error?, revertReason?, calls?, logs?}`).
 *
 * The struct logger records at most `limit` steps when the config sets one (geth's cut); without one, a tx of more
 * than `DEFAULT_STRUCT_LOG_LIMIT` (100,000) steps is -32000 `trace has more than 100000 struct logs (the
 * default limit): set "limit" …` — an unbounded trace of a long loop would exhaust the node's memory.
 *
 * Errors: a hash that is not a mined tx (unknown, or still in the pool) → -32000 `transaction not found`, the
 * reference's (zkevm-node `debug` endpoints) and geth's message; a trace past its `timeout` (default 5 s) → -32000
 * `execution timeout` (geth's); an unknown tracer → -32602
 * `invalid argument 1: tracer: unsupported tracer "X" (supported: "callTracer", or none …)` (the reference answers
 * -32000 `invalid tracer`; naming the tracer and the choices is more useful and still a params error); bad config
 * members → -32602 naming the member.
 */
export const debug_traceTransaction = defineMethod({
  name: 'debug_traceTransaction',
  params: z.tuple([hash, traceConfig.optional()]),
  handler: async ([txHash, options], ctx: RpcContext<TraceDeps>) => {
    const found = await readSnapshot(ctx.deps.db, async (sql) => {
      const tx = await getTxByHash(sql, txHash);
      if (!tx) return null;
      const block = await getBlockByNumber(sql, tx.blockNumber);
      const parent = await getBlockByNumber(sql, tx.blockNumber - 1n);
      // One tx per block today; a block holding more replays the ones before this tx.
      const inBlock = tx.index > 0 ? await getTxsOfBlock(sql, tx.blockNumber) : [];
      return { tx, block, parent, before: inBlock.filter((t) => t.index < tx.index) };
    });
    if (!found) throw new ServerRpcError('transaction not found');
    const { tx, block, parent, before } = found;
    if (!block || !parent) throw new InternalRpcError(`the block of ${txHash} or its parent is missing`);
    return traceTx(ctx.deps, { block, parent, before, tx }, options);
  },
});

/** A mined tx to trace: its block, that block's parent, the block's txs before it. */
export type TxToTrace = { block: BlockRow; parent: BlockRow; before: readonly TxRow[]; tx: TxRow };

/** Re-executes `t.tx` with the tracer `options` names (the struct logger when absent) and returns its result. */
export async function traceTx(
  deps: TraceDeps,
  t: TxToTrace,
  options: TraceOptions | undefined,
): Promise<unknown> {
  const { timeoutMs, ...tracer }: TraceOptions = options ?? { tracer: 'structLogger', config: {} };
  // As geth: a deadline already passed stops the trace before it runs.
  if (timeoutMs !== undefined && timeoutMs <= 0) throw new ServerRpcError('execution timeout');
  const request: TraceRequest = {
    stateRoot: t.parent.stateRoot as Hash,
    before: t.before.map(txInput),
    tx: txInput(t.tx),
    block: {
      number: t.block.number,
      timestamp: t.block.timestamp,
      coinbase: t.block.coinbase as Address,
      gasLimit: t.block.gasLimit,
      parentHash: t.block.parentHash as Hash,
    },
    tracer,
  };
  try {
    return await deps.tracing.trace(request, timeoutMs === undefined ? {} : { timeoutMs });
  } catch (err) {
    if (err instanceof StructLogLimitError) throw new ServerRpcError(err.message);
    throw err;
  }
}

/**
 * Every tx of `blocks` (in order) with its block and parent, read in one snapshot: what the block and batch traces
 * re-execute. Block 0 holds no tx.
 * @throws {InternalRpcError} when a block's parent is missing.
 */
export async function txsToTrace(sql: SqlClient, blocks: readonly BlockRow[]): Promise<TxToTrace[]> {
  const out: TxToTrace[] = [];
  for (const block of blocks) {
    if (block.number === 0n) continue;
    const txs = await getTxsOfBlock(sql, block.number);
    if (txs.length === 0) continue;
    const parent = await getBlockByNumber(sql, block.number - 1n);
    if (!parent) throw new InternalRpcError(`the parent of block ${block.number} is missing`);
    for (const tx of txs) out.push({ block, parent, before: txs.filter((t) => t.index < tx.index), tx });
  }
  return out;
}
