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
  createCallTracer,
  createStructLogger,
  type DecodedLegacyTxInput,
  type Executor,
  type StructLoggerConfig,
  StructLogLimitError,
  SUPPORTED_TRACERS,
} from '../../execution/index.ts';
import type { Address, Hash, Hex } from '../../primitives/index.ts';
import { InternalRpcError, ServerRpcError } from '../errors.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { boolean, hash } from '../params.ts';
import { readSnapshot } from '../read/blocks.ts';

/** What `debug_traceTransaction` needs: the read models and the executor's replay with a tracer. */
export type TraceDeps = { readonly db: ReadModelDb; readonly executor: Pick<Executor, 'traceTx'> };

/** The tracer a request asked for, with its options. */
export type TraceOptions =
  | { readonly tracer: 'structLogger'; readonly config: StructLoggerConfig }
  | { readonly tracer: 'callTracer'; readonly config: CallTracerConfig };

const SUPPORTED = `supported: ${SUPPORTED_TRACERS.map((t) => `"${t}"`).join(', ')}, or none (absent or "") for the struct logger`;

const optionalBoolean = boolean.optional();
const callTracerConfig = z.object({ onlyTopCall: optionalBoolean, withLog: optionalBoolean });

/**
 * geth's `TraceConfig` (execution-apis `TraceConfig`): `tracer` (absent or `""` → the struct logger;
 * `callTracer`), `tracerConfig` (`{onlyTopCall?, withLog?}` for `callTracer`), and the struct logger's
 * `disableStorage`, `disableStack`, `enableMemory`, `enableReturnData`, `limit`. `timeout` and `debug` are accepted
 * and ignored (the spec allows it); other members are ignored, as geth does. The struct-logger fields are ignored
 * with a named tracer and `tracerConfig` without one.
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
    const name = c.tracer ?? '';
    if (name === '') {
      const config: StructLoggerConfig = {};
      if (c.disableStorage !== undefined) config.disableStorage = c.disableStorage;
      if (c.disableStack !== undefined) config.disableStack = c.disableStack;
      if (c.enableMemory !== undefined) config.enableMemory = c.enableMemory;
      if (c.enableReturnData !== undefined) config.enableReturnData = c.enableReturnData;
      if (c.limit !== undefined) config.limit = c.limit;
      return { tracer: 'structLogger', config };
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
    return { tracer: 'callTracer', config };
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
 * it in the block) with a tracer attached, on a private copy of the state. Default tracer: geth's struct logger
 * (`{gas, failed, returnValue, structLogs}`, execution-apis `OpcodeTransactionTrace`); `callTracer`: geth's call
 * tree (`{type, from, to, value, gas, gasUsed, input, output?, error?, revertReason?, calls?, logs?}`).
 *
 * The struct logger records at most `limit` steps when the config sets one (geth's cut); without one, a tx of more
 * than `DEFAULT_STRUCT_LOG_LIMIT` (100,000) steps is -32000 `trace has more than 100000 struct logs (the
 * default limit): set "limit" …` — an unbounded trace of a long loop would exhaust the node's memory.
 *
 * Errors: a hash that is not a mined tx (unknown, or still in the pool) → -32000 `transaction not found`, the
 * reference's (zkevm-node `debug` endpoints) and geth's message; an unknown tracer → -32602
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
  const opts = options ?? { tracer: 'structLogger', config: {} };
  const tracer =
    opts.tracer === 'callTracer' ? createCallTracer(opts.config) : createStructLogger(opts.config);
  const traced = await deps.executor.traceTx({
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
    hooks: tracer,
  });
  try {
    return tracer.result(traced);
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
