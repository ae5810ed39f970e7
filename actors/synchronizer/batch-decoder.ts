/**
 * Decoding virtual batches off the L2 builder's thread. Decoding a batch recovers the sender of every tx — about
 * 0.35 ms of a transfer on these machines, half of what executing it costs — so the builder submits the batches
 * it will execute next and a `worker_threads` worker (`batch-decoder-worker.ts`) decodes them while it executes
 * the current one: recovery leaves the critical path on a machine with a second core. The worker also computes
 * what each tx's block needs from the tx alone (its blob, the transactions root).
 *
 * - The same result either way: the worker runs {@link decodeBatch}; a job the worker has not taken when the
 *   builder needs it (the worker is still starting, it failed, or it is off) is decoded on the calling thread. An
 *   error is always raised on the calling thread by decoding there, so the builder sees the codec's own error.
 * - Every job asked for settles: when the worker fails or ends (an error, an exit, `close()`), the jobs it held that
 *   a `result()` already awaits are decoded on the calling thread at once, the others when asked for.
 * - Jobs are taken in submission order, at most `inFlight` at a time, so the builder never waits behind batches it
 *   does not need yet.
 * - The worker starts with the decoder (about half a second: tsx and the codec) and, once started, keeps the
 *   process alive only while it holds jobs; `close()` ends it. A worker that fails is not replaced: decoding goes
 *   on on the calling thread.
 */
import type { Worker } from 'node:worker_threads';
import { type BatchTx, decodeBatchL2Data, encodeBatchL2Data } from '../../src/batch/index.ts';
import { oneItemTrieRoot } from '../../src/l2/index.ts';
import { bytesToHex, type Hash, type Hex } from '../../src/primitives/index.ts';
import { startModuleWorker } from '../../src/threads/index.ts';
import { encodeSignedLegacyTx } from '../../src/tx/index.ts';

/** What the block of a tx needs that depends on the tx alone: its blob and the block's transactions root. */
export type TxBlockParts = {
  /** `encodeBatchL2Data([tx])`, 0x-hex. */
  blob: Hex;
  /** The root of the block's one-tx transactions trie. */
  transactionsRoot: Hash;
};

/** A batch's txs (senders recovered) and each one's {@link TxBlockParts} (null for a tx without a sender: it makes
 * no block). */
export type DecodedBatch = { txs: BatchTx[]; parts: (TxBlockParts | null)[] };

/**
 * Decodes `batchL2Data`, and the block parts of each tx with a sender. Pure.
 * @throws {BatchDecodeError} / {BatchInputError} as `decodeBatchL2Data`.
 */
export function decodeBatch(data: Hex): DecodedBatch {
  const txs = decodeBatchL2Data(data);
  const parts = txs.map((tx): TxBlockParts | null => {
    if (tx.from === null) return null;
    try {
      return {
        blob: bytesToHex(encodeBatchL2Data([tx])),
        transactionsRoot: oneItemTrieRoot(encodeSignedLegacyTx(tx)),
      };
    } catch {
      return null; // cannot happen (decoding is strict); the builder encodes it again and sees the error
    }
  });
  return { txs, parts };
}

export type DecodeJob = {
  /**
   * The decoded batch: the worker's, or decoded on this thread now when the worker has not taken the job.
   * @throws {BatchDecodeError} / {BatchInputError} as `decodeBatchL2Data`.
   */
  result(): Promise<DecodedBatch>;
};

export type BatchDecoder = {
  /** Queues `data` for decoding; nothing is decoded on this thread until `result()` asks for it. */
  submit(data: Hex): DecodeJob;
  /** Resolves once the worker is up — or once decoding is known to stay on the calling thread. Never rejects. */
  ready(): Promise<void>;
  /** Ends the worker; jobs it held are decoded on the calling thread (at once for a waiting `result()`). Idempotent. */
  close(): Promise<void>;
};

export type BatchDecoderOptions = {
  /** Decode on a worker thread. @default true */
  offThread?: boolean;
  /** Jobs handed to the worker at a time. @default 4 */
  inFlight?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
};

/** What the worker answers: the batch, or that it did not decode (the caller decodes it again for the error). */
export type DecodeReply =
  | { kind: 'ready' }
  | { kind: 'ok'; id: number; txs: BatchTx[]; parts: (TxBlockParts | null)[] }
  | { kind: 'error'; id: number };
export type DecodeRequest = { id: number; data: Hex };

type Outcome = { ok: DecodedBatch } | { err: unknown };
type Job = {
  id: number;
  data: Hex;
  state: 'queued' | 'posted' | 'settled';
  /** A `result()` awaits `settled`: a worker that dies holding the job must not leave it pending. */
  awaited: boolean;
  settled: Promise<Outcome>;
  settle(outcome: Outcome): void;
};

const ENTRY = new URL('./batch-decoder-worker.ts', import.meta.url).href;

function decodeHere(data: Hex): Outcome {
  try {
    return { ok: decodeBatch(data) };
  } catch (err) {
    return { err };
  }
}

/** Starts a decoder (and its worker unless `offThread` is false). */
export function createBatchDecoder(opts: BatchDecoderOptions = {}): BatchDecoder {
  const inFlight = opts.inFlight ?? 4;
  const log = opts.log ?? (() => {});
  const queue: Job[] = [];
  const posted = new Map<number, Job>();
  let nextId = 0;
  let ready = false;
  let worker: Worker | null = null;
  let started!: () => void;
  const up = new Promise<void>((resolve) => {
    started = resolve;
  });

  /**
   * Gives up on the worker: what it held is decoded here — now when a `result()` awaits it (nothing else would
   * settle it), else when asked for.
   */
  function drop(reason: string): void {
    started();
    if (!worker) return;
    const w = worker;
    worker = null;
    ready = false;
    const held = [...posted.values()];
    posted.clear();
    const requeued: Job[] = [];
    for (const job of held) {
      if (job.awaited) settle(job, decodeHere(job.data));
      else {
        job.state = 'queued';
        requeued.push(job);
      }
    }
    queue.unshift(...requeued);
    void w.terminate().catch(() => {});
    if (reason) log('batch decoder worker stopped; decoding on the builder thread', { reason });
  }

  function pump(): void {
    if (!worker || !ready) return;
    while (posted.size < inFlight) {
      const job = queue.shift();
      if (!job) break;
      job.state = 'posted';
      posted.set(job.id, job);
      worker.postMessage({ id: job.id, data: job.data } satisfies DecodeRequest);
    }
    if (posted.size > 0) worker.ref();
    else worker.unref();
  }

  function settle(job: Job, outcome: Outcome): void {
    job.state = 'settled';
    job.settle(outcome);
  }

  function startWorker(): void {
    const w = startModuleWorker(ENTRY, 'lev-batch-decoder');
    worker = w; // kept referenced while it starts (`ready()` may be all a caller waits for), then as `pump` says
    w.on('message', (m: DecodeReply) => {
      if (worker !== w) return;
      if (m.kind === 'ready') {
        ready = true;
        started();
        pump();
        return;
      }
      const job = posted.get(m.id);
      if (!job) return;
      posted.delete(m.id);
      settle(job, m.kind === 'ok' ? { ok: { txs: m.txs, parts: m.parts } } : decodeHere(job.data));
      pump();
    });
    w.on('error', (err: Error) => {
      if (worker === w) drop(err.message);
    });
    w.on('exit', (code) => {
      if (worker === w) drop(`exited with code ${code}`);
    });
  }

  if (opts.offThread ?? true) startWorker();
  else started();

  return {
    submit(data) {
      let settleJob!: (outcome: Outcome) => void;
      const settled = new Promise<Outcome>((resolve) => {
        settleJob = resolve;
      });
      const job: Job = { id: nextId++, data, state: 'queued', awaited: false, settled, settle: settleJob };
      queue.push(job);
      pump();
      return {
        async result() {
          if (job.state === 'queued') {
            queue.splice(queue.indexOf(job), 1);
            settle(job, decodeHere(job.data));
          }
          job.awaited = true;
          const outcome = await job.settled;
          if ('err' in outcome) throw outcome.err;
          return outcome.ok;
        },
      };
    },
    ready: () => up,
    async close() {
      const w = worker;
      drop('');
      await w?.terminate();
    },
  };
}
