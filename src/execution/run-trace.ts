/**
 * A trace as one request of plain data — which tracer with its options, the tx, its block and the state before it —
 * so that it runs on another thread (the RPC's call pool) as well as on this one: the tracer is built where the tx
 * runs, and only its result (geth's JSON shape) comes back.
 */
import type { Executor, TraceTxInput } from './executor.ts';
import {
  type CallTracerConfig,
  createCallTracer,
  createStructLogger,
  type StructLoggerConfig,
} from './trace.ts';

/** The tracer a trace runs: geth's struct logger or its `callTracer`, with its options. */
export type TracerChoice =
  | { readonly tracer: 'structLogger'; readonly config: StructLoggerConfig }
  | { readonly tracer: 'callTracer'; readonly config: CallTracerConfig };

/** A tx to trace ({@link TraceTxInput} without hooks) and the tracer to attach. */
export type TraceRequest = Omit<TraceTxInput, 'hooks'> & { readonly tracer: TracerChoice };

/**
 * Re-executes the request's tx with its tracer attached and returns the tracer's result.
 * @throws {StructLogLimitError} when a struct-logger trace without `limit` passes the node's cap.
 * @throws {ExecutionError} when the state is missing or the replay fails.
 */
export async function runTrace(executor: Pick<Executor, 'traceTx'>, request: TraceRequest): Promise<unknown> {
  const { tracer: choice, ...input } = request;
  const tracer =
    choice.tracer === 'callTracer' ? createCallTracer(choice.config) : createStructLogger(choice.config);
  return tracer.result(await executor.traceTx({ ...input, hooks: tracer }));
}
