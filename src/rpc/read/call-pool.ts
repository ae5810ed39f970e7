/**
 * `eth_call`, `eth_estimateGas` and the `debug_trace*` replays off the node's thread: a few `worker_threads` workers,
 * each with its own connection to the state database, trie store and executor (`call-worker.ts`), running the calls
 * and traces sent to it.
 *
 * Why: the EVM does not yield while it runs (its trie reads resolve as microtasks), so on the node's thread one call
 * looping to the 30,000,000-gas cap held the event loop for about 8 s — the sequencer, the other roles and every
 * other request with it, and any client could send such calls. In a worker it holds that worker only, and a call
 * still running after `timeoutMs` (geth's `RPCEVMTimeout`, 5 s) is stopped: the worker is terminated and replaced,
 * the call answers `execution aborted (timeout = 5s)` as geth's does, and the other calls the worker held run again
 * on another (a call only reads). A trace is stopped the same way after its own timeout (geth's TraceConfig
 * `timeout`, 5 s by default) and answers geth's `execution timeout`; the tracer is built in the worker, and only its
 * result (geth's JSON shape) comes back.
 *
 * A call goes to the worker holding the fewest; workers start on first use (the EVM loads in about a second) or
 * with `warmUp()`, and never keep the process alive while idle. Reads of the trie are the trie store's: nodes are
 * written before an event names their root, so a worker reads every root the read models show.
 */
import type { Worker } from 'node:worker_threads';
import {
  type CallInput,
  type CallResult,
  ExecutionError,
  type Executor,
  StructLogLimitError,
  type TraceRequest,
  UnknownStateRootError,
} from '../../execution/index.ts';
import type { Hash } from '../../primitives/index.ts';
import { startModuleWorker } from '../../threads/index.ts';
import { ServerRpcError } from '../errors.ts';

/** geth's `RPCEVMTimeout`: how long one call may run. */
export const CALL_TIMEOUT_MS = 5000;
/** geth's default TraceConfig `timeout`: how long one tx's trace may run unless the request says otherwise. */
export const TRACE_TIMEOUT_MS = 5000;
/** Workers by default: the node's thread keeps a core; calls share the others (at least one). */
export const DEFAULT_CALL_WORKERS = 2;

export type CallWorkerRequest =
  | { kind: 'init'; dbUrl: string; chainId: bigint }
  | { kind: 'call'; id: number; input: CallInput }
  | { kind: 'trace'; id: number; request: TraceRequest }
  | { kind: 'close' };

export type CallWorkerReply =
  | { kind: 'ready' }
  | { kind: 'failed'; message: string }
  | { kind: 'result'; id: number; result: unknown }
  | {
      kind: 'error';
      id: number;
      error: { message: string; unknownRoot?: Hash; structLogLimit?: true };
    };

export type CallPool = Pick<Executor, 'call'> & {
  /**
   * Runs a trace ({@link runTrace}) on a worker and resolves with its tracer's result.
   * @throws {ServerRpcError} `execution timeout` past `timeoutMs` (default {@link TRACE_TIMEOUT_MS}).
   * @throws {StructLogLimitError} as `runTrace`.
   */
  trace(request: TraceRequest, opts?: { timeoutMs?: number }): Promise<unknown>;
  /** Starts every worker now; resolves when they are ready. */
  warmUp(): Promise<void>;
  /** Ends every worker; calls still running reject. Idempotent. */
  close(): Promise<void>;
};

const ENTRY = new URL('./call-worker.ts', import.meta.url).href;
/** The longest timer Node keeps (a longer one fires at once): a longer timeout waits this long. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Runs of one call at most when workers fail under it (not when it times out: that answers at once). */
const MAX_ATTEMPTS = 3;

/** What a worker is asked to run. */
type Job = { kind: 'call'; input: CallInput } | { kind: 'trace'; request: TraceRequest };

type Pending = {
  id: number;
  job: Job;
  /** How long it may run once sent. */
  timeoutMs: number;
  attempts: number;
  resolve(result: unknown): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
};

type CallWorker = { worker: Worker; ready: Promise<void>; calls: Map<number, Pending>; dead: boolean };

export function createCallPool(opts: {
  /** The state database (the trie store's). */
  dbUrl: string;
  chainId: bigint;
  /** @default {@link DEFAULT_CALL_WORKERS} */
  size?: number;
  /** @default {@link CALL_TIMEOUT_MS} */
  timeoutMs?: number;
}): CallPool {
  const size = opts.size ?? DEFAULT_CALL_WORKERS;
  if (!Number.isSafeInteger(size) || size < 1)
    throw new RangeError(`call pool size must be a positive integer, got ${size}`);
  const timeoutMs = opts.timeoutMs ?? CALL_TIMEOUT_MS;
  const workers: CallWorker[] = [];
  let nextId = 0;
  let closed = false;

  function spawn(): CallWorker {
    const worker = startModuleWorker(ENTRY, 'lev-calls');
    worker.unref();
    const w: CallWorker = { worker, ready: Promise.resolve(), calls: new Map(), dead: false };
    w.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: CallWorkerReply) => {
        if (m.kind === 'ready') return resolve();
        if (m.kind === 'failed') {
          reject(new Error(`the call worker failed to start: ${m.message}`));
          return fail(w, new Error(m.message));
        }
        const call = w.calls.get(m.id);
        if (!call) return;
        settle(w, call);
        if (m.kind === 'result') call.resolve(m.result);
        else if (m.error.unknownRoot) call.reject(new UnknownStateRootError(m.error.unknownRoot));
        else if (m.error.structLogLimit) call.reject(new StructLogLimitError());
        else
          call.reject(
            new ExecutionError(call.job.kind === 'call' ? 'eth_call failed' : 'trace failed', {
              cause: new Error(m.error.message),
            }),
          );
      });
      worker.on('error', (err) => {
        reject(err);
        fail(w, err);
      });
      worker.on('exit', (code) => {
        reject(new Error(`the call worker exited with code ${code}`));
        fail(w, new Error(`the call worker exited with code ${code}`));
      });
    });
    w.ready.catch(() => {}); // the calls waiting on it are run again or rejected by `fail`
    worker.postMessage({
      kind: 'init',
      dbUrl: opts.dbUrl,
      chainId: opts.chainId,
    } satisfies CallWorkerRequest);
    workers.push(w);
    return w;
  }

  /** The call is over on `w` (answered or moved). */
  function settle(w: CallWorker, call: Pending): void {
    clearTimeout(call.timer);
    w.calls.delete(call.id);
    if (w.calls.size === 0) w.worker.unref();
  }

  /** `w` is gone: its calls run again on another worker, up to {@link MAX_ATTEMPTS} runs each. */
  function fail(w: CallWorker, cause: Error): void {
    if (w.dead) return;
    w.dead = true;
    const at = workers.indexOf(w);
    if (at >= 0) workers.splice(at, 1);
    void w.worker.terminate();
    for (const call of [...w.calls.values()]) {
      settle(w, call);
      if (closed) call.reject(new ServerRpcError('server is shutting down'));
      else if (call.attempts >= MAX_ATTEMPTS)
        call.reject(new ExecutionError('the call worker failed', { cause }));
      else dispatch(call);
    }
  }

  function dispatch(call: Pending): void {
    let w = workers.length < size ? spawn() : workers[0]!;
    for (const other of workers) if (other.calls.size < w.calls.size) w = other;
    call.attempts++;
    w.calls.set(call.id, call);
    w.worker.ref();
    const chosen = w;
    void w.ready.then(
      () => {
        if (chosen.dead || !chosen.calls.has(call.id)) return;
        call.timer = setTimeout(
          () => {
            // The call holds the worker's thread: only ending the thread stops it. Its other calls run again elsewhere.
            settle(chosen, call);
            call.reject(
              new ServerRpcError(
                call.job.kind === 'call'
                  ? `execution aborted (timeout = ${call.timeoutMs / 1000}s)`
                  : 'execution timeout', // geth's, for a trace
              ),
            );
            fail(chosen, new Error(`a ${call.job.kind} ran past its timeout`));
          },
          Math.min(call.timeoutMs, MAX_TIMER_MS),
        );
        chosen.worker.postMessage(
          call.job.kind === 'call'
            ? ({ kind: 'call', id: call.id, input: call.job.input } satisfies CallWorkerRequest)
            : ({ kind: 'trace', id: call.id, request: call.job.request } satisfies CallWorkerRequest),
        );
      },
      () => {},
    );
  }

  function run(job: Job, jobTimeoutMs: number): Promise<unknown> {
    if (closed) return Promise.reject(new ServerRpcError('server is shutting down'));
    return new Promise((resolve, reject) =>
      dispatch({ id: nextId++, job, timeoutMs: jobTimeoutMs, attempts: 0, resolve, reject }),
    );
  }

  let closing: Promise<void> | undefined;
  return {
    call: (input) => run({ kind: 'call', input }, timeoutMs) as Promise<CallResult>,
    trace: (request, o) => run({ kind: 'trace', request }, o?.timeoutMs ?? TRACE_TIMEOUT_MS),
    async warmUp() {
      while (!closed && workers.length < size) spawn();
      await Promise.all(workers.map((w) => w.ready));
    },
    close() {
      closing ??= (async () => {
        closed = true;
        await Promise.all(
          [...workers].map(async (w) => {
            const exited = new Promise<void>((resolve) => w.worker.once('exit', () => resolve()));
            w.worker.postMessage({ kind: 'close' } satisfies CallWorkerRequest);
            const timer = setTimeout(() => void w.worker.terminate(), 2000);
            await exited;
            clearTimeout(timer);
          }),
        );
      })();
      return closing;
    },
  };
}
