/**
 * Stateless re-execution off the RPC thread: a small pool of `worker_threads` workers, each running
 * `executeStateless` (src/execution) for one request at a time (`stateless-worker.ts`).
 *
 * Why threads: re-executing a batch is CPU-bound and `executeStateless` never yields to the event loop (its trie
 * reads resolve as microtasks), so on the serving thread a large batch would freeze `GetStatus`, `GetProof` and
 * `Cancel` — and, with the prover embedded in `lev start`, the whole node. In a worker it runs beside them, several
 * run in parallel on several cores, and cancelling a running request really stops it (the worker is terminated and
 * replaced on the next request).
 *
 * Workers start on first use (about a second: they load the EVM) or with `warmUp()`, are kept while idle without
 * keeping the process alive, and end with `close()`. The sources run as TypeScript through tsx, so a worker first
 * registers tsx and then imports its entry.
 */
import type { Worker } from 'node:worker_threads';
import { NodeError } from '../errors/index.ts';
import type { BatchesResult, Witness, WitnessBatch } from '../execution/index.ts';
import type { Hash } from '../primitives/index.ts';
import { startModuleWorker } from '../threads/index.ts';
import { ProverInputError } from './errors.ts';

/** What a worker executes: the arguments of `executeStateless`. */
export type StatelessRequest = {
  chainId: bigint;
  oldStateRoot: Hash;
  witness: Witness;
  batches: readonly WitnessBatch[];
};

/** A worker's answer. */
export type StatelessReply =
  | { kind: 'ready' }
  | { kind: 'ok'; newStateRoot: Hash; l2Blocks: number }
  | { kind: 'witness'; field: string; message: string }
  | { kind: 'error'; message: string };

/** Execution failed for a reason that is not the request's (the worker crashed, failed to start, or the EVM threw). */
export class ProverExecutionError extends NodeError<'ProverExecutionError'> {
  override name = 'ProverExecutionError' as const;
  constructor(shortMessage: string, opts: { cause?: unknown } = {}) {
    super(shortMessage, {
      code: 'PROVER_EXECUTION',
      severity: 'temporary',
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
    });
  }
}

export type StatelessPool = {
  /**
   * Re-executes on a free worker (waiting for one when all `size` are busy). Aborting `signal` terminates the
   * worker and rejects with the signal's reason.
   * @throws {ProverInputError} when the witness or the batches cannot be re-executed (`field` as `executeStateless`
   *   names it: `witness.nodes`, `witness.codes`, `batches[i].batch_l2_data`).
   * @throws {ProverExecutionError} when execution fails for another reason or the pool is closed.
   */
  execute(request: StatelessRequest, signal?: AbortSignal): Promise<BatchesResult>;
  /** Starts every worker now and resolves when they are ready. @throws {ProverExecutionError} when one fails. */
  warmUp(): Promise<void>;
  /** Terminates every worker; running executions reject. Idempotent. */
  close(): Promise<void>;
};

const ENTRY = new URL('./stateless-worker.ts', import.meta.url).href;

type PooledWorker = { worker: Worker; ready: Promise<void> };

/** A pool of at most `size` workers. */
export function createStatelessPool(size: number): StatelessPool {
  if (!Number.isSafeInteger(size) || size < 1)
    throw new RangeError(`pool size must be a positive integer, got ${size}`);
  const idle: PooledWorker[] = [];
  const all = new Set<PooledWorker>();
  const waiting: Array<{ resolve: (w: PooledWorker) => void; reject: (err: Error) => void }> = [];
  let closed = false;

  function spawn(): PooledWorker {
    const worker = startModuleWorker(ENTRY, 'lev-prover-execution');
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: StatelessReply) => {
        if (m.kind !== 'ready') return;
        off();
        resolve();
      };
      const onError = (err: Error) => {
        off();
        reject(
          new ProverExecutionError(`the execution worker failed to start: ${err.message}`, { cause: err }),
        );
      };
      const onExit = (code: number) => {
        off();
        reject(new ProverExecutionError(`the execution worker exited with code ${code} while starting`));
      };
      const off = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    ready.catch(() => {}); // observed by whoever uses the worker
    const pooled = { worker, ready };
    all.add(pooled);
    worker.once('exit', () => {
      all.delete(pooled);
      const at = idle.indexOf(pooled);
      if (at >= 0) idle.splice(at, 1);
    });
    return pooled;
  }

  function acquire(): Promise<PooledWorker> {
    const free = idle.pop();
    if (free) return Promise.resolve(free);
    if (all.size < size) return Promise.resolve(spawn());
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  }

  function release(w: PooledWorker): void {
    const next = waiting.shift();
    if (next) {
      next.resolve(w);
      return;
    }
    w.worker.unref(); // an idle worker does not keep the process alive
    idle.push(w);
  }

  /** Drops a worker that failed or was aborted; a waiting caller gets a fresh one. */
  function discard(w: PooledWorker): void {
    all.delete(w);
    void w.worker.terminate();
    const next = closed ? undefined : waiting.shift();
    if (next) next.resolve(spawn());
  }

  function run(w: PooledWorker, request: StatelessRequest, signal?: AbortSignal): Promise<BatchesResult> {
    const { worker } = w;
    worker.ref();
    return new Promise<BatchesResult>((resolve, reject) => {
      const off = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
      };
      const onMessage = (m: StatelessReply) => {
        if (m.kind === 'ready') return;
        off();
        release(w);
        if (m.kind === 'ok') resolve({ newStateRoot: m.newStateRoot, l2Blocks: m.l2Blocks });
        else if (m.kind === 'witness') reject(new ProverInputError(m.field, m.message));
        else reject(new ProverExecutionError(`re-execution failed: ${m.message}`));
      };
      const onError = (err: Error) => {
        off();
        discard(w);
        reject(new ProverExecutionError(`the execution worker failed: ${err.message}`, { cause: err }));
      };
      const onExit = (code: number) => {
        off();
        discard(w);
        reject(new ProverExecutionError(`the execution worker exited with code ${code}`));
      };
      const onAbort = () => {
        off();
        discard(w);
        reject(signal?.reason ?? new ProverExecutionError('aborted'));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      signal?.addEventListener('abort', onAbort);
      worker.postMessage(request);
    });
  }

  let closing: Promise<void> | undefined;
  return {
    async execute(request, signal) {
      if (closed) throw new ProverExecutionError('the execution pool is closed');
      signal?.throwIfAborted();
      const w = await acquire();
      if (closed) throw new ProverExecutionError('the execution pool is closed');
      return run(w, request, signal);
    },
    async warmUp() {
      while (!closed && all.size < size) idle.push(spawn());
      await Promise.all([...all].map((w) => w.ready));
      for (const w of idle) w.worker.unref();
    },
    close() {
      closing ??= (async () => {
        closed = true;
        idle.length = 0;
        for (const w of waiting.splice(0)) w.reject(new ProverExecutionError('the execution pool is closed'));
        await Promise.all([...all].map((w) => w.worker.terminate()));
        all.clear();
      })();
      return closing;
    },
  };
}
