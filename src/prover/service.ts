/**
 * The reference prover (DESIGN §7): the `ProverService` implementation that proves by stateless re-execution and
 * attests with a secp256k1 key — never a zero-knowledge proof.
 *
 * - `GenBatchProof` recomputes the accInputHash chain over the batches, requires a zero local exit root (this L2
 *   has no bridge), re-executes the batches on the witness alone (`executeStateless`) and signs the public inputs
 *   only when every claimed value is what it computed. It never signs what it did not re-execute.
 * - `GenAggregatedProof` joins two adjacent proofs it made itself; `GenFinalProof` turns one of its proofs into
 *   the 24-word attestation the L1 verifier checks, bound to the aggregator's address.
 * - Intermediate proofs are signed over the public-inputs hash with a zero aggregator address, so they can never
 *   pass on L1 (the verifier hashes in `msg.sender`).
 *
 * Requests are checked at once (malformed → `INVALID_ARGUMENT` naming the field; more than `maxPending` queued
 * and running → `RESOURCE_EXHAUSTED`), queued, and run `concurrency` at a time, the next one started from
 * `setImmediate`. Re-execution runs on worker threads (`stateless-pool.ts`), so `GetStatus`, `GetProof` and
 * `Cancel` stay responsive while batches execute, and cancelling a running request stops it. Results are kept in
 * memory (the oldest of more than `retainResults` finished ones are dropped): a restarted prover answers
 * `NOT_FOUND` and the client asks again.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism, freemem, totalmem } from 'node:os';
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { computeAddress } from 'ethers';
import pkg from '../../package.json' with { type: 'json' };
import { accInputHash } from '../batch/index.ts';
import { messageOf } from '../errors/index.ts';
import { publicInputsHash, signAttestation } from '../l1/index.ts';
import type { Logger } from '../observability/index.ts';
import { type Address, type Hash, type Hex, hexToBytes, toAddress } from '../primitives/index.ts';
import { recoverIntermediateSigner, signIntermediateProof } from './attestation.ts';
import {
  type BatchProofRequestData,
  fromProtoBatchProofRequest,
  fromProtoRecursiveProof,
  type ProofPublicInputs,
  type RecursiveProofData,
  toProtoFinalProof,
  toProtoRecursiveProof,
} from './codec.ts';
import { ProverInputError } from './errors.ts';
import {
  type GenAggregatedProofRequest,
  type GenBatchProofRequest,
  type GenFinalProofRequest,
  type GetProofResponse,
  GetProofResponseSchema,
  ProofResult,
  type ProverService,
  ProverStatus,
} from './gen/levitation/prover/v1/prover_pb.ts';
import { createStatelessPool } from './stateless-pool.ts';

export type ReferenceProverOptions = {
  /** The L2 chain id every request must carry. */
  chainId: bigint;
  /** The fork id every request must carry (5). */
  forkId: bigint;
  /** The 32-byte private key that signs the attestations. */
  key: Hex;
  /**
   * Requests queued and running at most; one more is refused with `RESOURCE_EXHAUSTED`.
   * @default 16
   */
  maxPending?: number;
  /**
   * Jobs executing at the same time.
   * @default 1
   */
  concurrency?: number;
  /**
   * Finished results kept for `GetProof`; the oldest beyond this many are dropped.
   * @default 1024
   */
  retainResults?: number;
  /**
   * `prover_name` of `GetStatus`.
   * @default 'levitation-reference-prover'
   */
  name?: string;
  logger?: Logger;
};

/** What the prover is doing (the data of `GetStatus`). */
export type ReferenceProverStatus = {
  state: 'idle' | 'computing' | 'closed';
  /** Ids of the requests executing now, oldest first. */
  running: string[];
  /** Ids of the requests waiting, in the order they will run. */
  queued: string[];
  maxPending: number;
  /** Finished results still readable with `GetProof`. */
  retained: number;
};

export type ReferenceProver = {
  /** The Connect implementation of `ProverService` (register it on a router or `startProverServer`). */
  readonly impl: ServiceImpl<typeof ProverService>;
  /** The address of the signing key: what the L1 verifier must have registered. */
  readonly address: Address;
  readonly chainId: bigint;
  readonly forkId: bigint;
  status(): ReferenceProverStatus;
  /**
   * Starts the execution workers now (otherwise the first batch proof starts them, about a second each).
   * @throws {ProverExecutionError} when a worker cannot start.
   */
  warmUp(): Promise<void>;
  /**
   * Stops taking requests (`UNAVAILABLE`), cancels the queued and the running ones, answers waiting `GetProof`
   * calls at once and stops the execution workers. Idempotent.
   */
  close(): Promise<void>;
};

/** `prover_name` when none is given. */
export const DEFAULT_PROVER_NAME = 'levitation-reference-prover';

const ZERO_ADDRESS = `0x${'0'.repeat(40)}` as Address;
const ZERO_HASH = `0x${'0'.repeat(64)}` as Hash;
/** The longest delay Node's timers take (2^31 - 1 ms): a longer one overflows to 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type JobKind = 'batch' | 'aggregated' | 'final';

type ProofCase = Exclude<GetProofResponse['proof'], { case: undefined }>;

/** How a request ended. */
type Outcome =
  | { result: ProofResult.COMPLETED_OK; proof: ProofCase }
  | { result: ProofResult.COMPLETED_ERROR; error: string; errorField: string }
  | { result: ProofResult.CANCELLED | ProofResult.INTERNAL_ERROR; error: string };

type Job = {
  readonly id: string;
  readonly kind: JobKind;
  readonly work: (signal: AbortSignal) => Promise<Outcome>;
  /** Aborted when the request is cancelled while it runs. */
  readonly abort: AbortController;
  state: 'queued' | 'running' | 'done';
  outcome: Outcome | undefined;
  /** Resolves when `outcome` is set (finished, refused, failed or cancelled). */
  readonly settled: Promise<void>;
  settle(): void;
  /** Once started: the work, settled when it has ended (a cancelled job keeps its slot until then). */
  execution: Promise<void> | undefined;
};

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new RangeError(`${what} must be a positive integer, got ${value}`);
  return value;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Creates the reference prover for `chainId`/`forkId` signing with `key`. Nothing runs until requests arrive;
 * {@link ReferenceProver.close} ends it.
 * @throws {ProverInputError} (field `key`) when `key` is not a valid secp256k1 private key.
 * @throws {RangeError} when `maxPending`, `concurrency` or `retainResults` is not a positive integer.
 */
export function createReferenceProver(opts: ReferenceProverOptions): ReferenceProver {
  const { chainId, forkId, key } = opts;
  const maxPending = positiveInteger(opts.maxPending ?? 16, 'maxPending');
  const concurrency = positiveInteger(opts.concurrency ?? 1, 'concurrency');
  const retainResults = positiveInteger(opts.retainResults ?? 1024, 'retainResults');
  const name = opts.name ?? DEFAULT_PROVER_NAME;
  const log = opts.logger;
  let address: Address;
  try {
    if (hexToBytes(key).length !== 32) throw new Error('not 32 bytes');
    address = toAddress(computeAddress(key));
  } catch (err) {
    throw new ProverInputError('key', 'the prover key is not a 32-byte secp256k1 private key', {
      cause: err,
    });
  }
  /** Re-execution, off this thread (workers start on the first batch proof or `warmUp`). */
  const pool = createStatelessPool(concurrency);

  /** Every request still known: queued, running, or finished and retained. */
  const jobs = new Map<string, Job>();
  const queue: Job[] = [];
  /** Jobs holding a worker (a cancelled one until its execution returns). */
  const running = new Set<Job>();
  /** Finished job ids, oldest first (for eviction). */
  const finished = new Set<string>();
  /** Wakes every waiting `GetProof` on close. */
  const wakers = new Set<() => void>();
  let pumpScheduled = false;
  let closed = false;

  // -------------------------------------------------------------------------------------------------------------
  // Checks

  const refuse = (field: string, message: string): never => {
    throw new ProverInputError(field, message);
  };

  function checkChain(p: ProofPublicInputs, field: string): void {
    if (p.chainId !== chainId)
      refuse(`${field}.chain_id`, `${field}.chain_id ${p.chainId} is not this prover's chain id ${chainId}`);
    if (p.forkId !== forkId)
      refuse(`${field}.fork_id`, `${field}.fork_id ${p.forkId} is not this prover's fork id ${forkId}`);
  }

  function checkBatchRequest(req: GenBatchProofRequest): BatchProofRequestData {
    const data = fromProtoBatchProofRequest(req);
    const p = data.publicInputs;
    checkChain(p, 'public_inputs');
    if (p.finalNewBatch <= p.initNumBatch) {
      refuse(
        'public_inputs.final_new_batch',
        `public_inputs.final_new_batch ${p.finalNewBatch} must be above init_num_batch ${p.initNumBatch}`,
      );
    }
    const want = p.finalNewBatch - p.initNumBatch;
    if (BigInt(data.batches.length) !== want) {
      refuse(
        'batches',
        `batches has ${data.batches.length} entries, want ${want} (batches ${p.initNumBatch + 1n}..${p.finalNewBatch})`,
      );
    }
    data.batches.forEach((b, i) => {
      const n = p.initNumBatch + 1n + BigInt(i);
      if (b.batchNumber !== n)
        refuse(`batches[${i}].batch_number`, `batches[${i}].batch_number is ${b.batchNumber}, want ${n}`);
      const prev = data.batches[i - 1];
      if (prev && b.firstL2Block < prev.firstL2Block) {
        refuse(
          `batches[${i}].first_l2_block`,
          `batches[${i}].first_l2_block ${b.firstL2Block} is below batches[${i - 1}].first_l2_block ${prev.firstL2Block}`,
        );
      }
    });
    return data;
  }

  /** Refuses unless `proof` carries this prover's own signature over its public inputs. */
  function checkOwnSignature(proof: RecursiveProofData, field: string): void {
    const signer = recoverIntermediateSigner(proof);
    if (signer === null)
      refuse(`${field}.signature`, `${field}.signature is not a valid attestation of its public inputs`);
    else if (!same(signer, address))
      refuse(`${field}.signature`, `${field}.signature is by ${signer}, not by this prover (${address})`);
  }

  const attested = (publicInputs: ProofPublicInputs): Outcome => ({
    result: ProofResult.COMPLETED_OK,
    proof: {
      case: 'recursiveProof',
      value: toProtoRecursiveProof(signIntermediateProof(publicInputs, key)),
    },
  });

  // -------------------------------------------------------------------------------------------------------------
  // The work of each kind (runs in the queue; a ProverInputError is a refusal)

  async function proveBatch(data: BatchProofRequestData, signal: AbortSignal): Promise<Outcome> {
    const p = data.publicInputs;
    let acc = p.oldAccInputHash;
    for (const b of data.batches) {
      acc = accInputHash({
        oldAccInputHash: acc,
        batchL2Data: b.batchL2Data,
        globalExitRoot: b.globalExitRoot,
        timestamp: b.timestamp,
        coinbase: b.coinbase,
      });
    }
    if (!same(acc, p.newAccInputHash)) {
      refuse(
        'public_inputs.new_acc_input_hash',
        `new_acc_input_hash ${p.newAccInputHash} differs from the recomputed ${acc}`,
      );
    }
    if (!same(p.newLocalExitRoot, ZERO_HASH)) {
      refuse(
        'public_inputs.new_local_exit_root',
        `new_local_exit_root ${p.newLocalExitRoot} is not zero (this L2 has no bridge)`,
      );
    }
    // A witness or batch the execution cannot use comes back as a ProverInputError naming its field.
    const { newStateRoot } = await pool.execute(
      { chainId, oldStateRoot: p.oldStateRoot, witness: data.witness, batches: data.batches },
      signal,
    );
    if (!same(newStateRoot, p.newStateRoot)) {
      refuse(
        'public_inputs.new_state_root',
        `new_state_root ${p.newStateRoot} differs from the re-executed ${newStateRoot}`,
      );
    }
    return attested(p);
  }

  async function aggregate(p1: RecursiveProofData, p2: RecursiveProofData): Promise<Outcome> {
    checkOwnSignature(p1, 'recursive_proof_1');
    checkOwnSignature(p2, 'recursive_proof_2');
    const a = p1.publicInputs;
    const b = p2.publicInputs;
    const field = 'recursive_proof_2.public_inputs';
    if (b.initNumBatch !== a.finalNewBatch) {
      refuse(
        `${field}.init_num_batch`,
        `${field}.init_num_batch ${b.initNumBatch} is not recursive_proof_1's final_new_batch ${a.finalNewBatch}`,
      );
    }
    if (!same(b.oldStateRoot, a.newStateRoot)) {
      refuse(
        `${field}.old_state_root`,
        `${field}.old_state_root ${b.oldStateRoot} is not recursive_proof_1's new_state_root ${a.newStateRoot}`,
      );
    }
    if (!same(b.oldAccInputHash, a.newAccInputHash)) {
      refuse(
        `${field}.old_acc_input_hash`,
        `${field}.old_acc_input_hash ${b.oldAccInputHash} is not recursive_proof_1's new_acc_input_hash ${a.newAccInputHash}`,
      );
    }
    return attested({
      chainId,
      forkId,
      initNumBatch: a.initNumBatch,
      finalNewBatch: b.finalNewBatch,
      oldStateRoot: a.oldStateRoot,
      newStateRoot: b.newStateRoot,
      oldAccInputHash: a.oldAccInputHash,
      newAccInputHash: b.newAccInputHash,
      newLocalExitRoot: b.newLocalExitRoot,
    });
  }

  async function finalize(proof: RecursiveProofData, aggregator: Address): Promise<Outcome> {
    checkOwnSignature(proof, 'recursive_proof');
    const hash = publicInputsHash({ ...proof.publicInputs, aggregator });
    return {
      result: ProofResult.COMPLETED_OK,
      proof: {
        case: 'finalProof',
        value: toProtoFinalProof({
          proof: signAttestation(hash, key),
          publicInputs: proof.publicInputs,
          aggregator,
          publicInputsHash: hash,
        }),
      },
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // The queue

  function finish(job: Job, outcome: Outcome): void {
    job.state = 'done';
    job.outcome = outcome;
    finished.add(job.id);
    for (const id of finished) {
      if (finished.size <= retainResults) break;
      finished.delete(id);
      jobs.delete(id);
    }
    job.settle();
  }

  function schedule(): void {
    if (pumpScheduled || closed) return;
    pumpScheduled = true;
    setImmediate(pump);
  }

  /** Starts queued jobs while a worker is free; each job ends by scheduling the next pump (a yield). */
  function pump(): void {
    pumpScheduled = false;
    while (!closed && running.size < concurrency) {
      const job = queue.shift();
      if (!job) return;
      start(job);
    }
  }

  function start(job: Job): void {
    job.state = 'running';
    running.add(job);
    const startedAt = performance.now();
    job.execution = Promise.resolve(job.abort.signal)
      .then(job.work)
      .catch((err: unknown): Outcome => {
        if (err instanceof ProverInputError) {
          return { result: ProofResult.COMPLETED_ERROR, error: err.shortMessage, errorField: err.field };
        }
        if (job.state !== 'done') log?.error({ id: job.id, kind: job.kind, err }, 'prover request failed');
        return { result: ProofResult.INTERNAL_ERROR, error: messageOf(err) };
      })
      .then((outcome) => {
        running.delete(job);
        const ms = Math.round(performance.now() - startedAt);
        if (job.state === 'done') {
          log?.info({ id: job.id, kind: job.kind, ms }, 'cancelled prover request ended; result discarded');
        } else {
          finish(job, outcome);
          log?.info(
            {
              id: job.id,
              kind: job.kind,
              result: ProofResult[outcome.result],
              ms,
              ...(outcome.result === ProofResult.COMPLETED_OK ? {} : { error: outcome.error }),
              ...(outcome.result === ProofResult.COMPLETED_ERROR ? { field: outcome.errorField } : {}),
            },
            'prover request done',
          );
        }
        schedule();
      });
  }

  function enqueue(kind: JobKind, work: (signal: AbortSignal) => Promise<Outcome>): { id: string } {
    if (closed) throw new ConnectError('the prover is shutting down', Code.Unavailable);
    const pending = queue.length + running.size;
    if (pending >= maxPending) {
      throw new ConnectError(
        `prover queue is full: ${pending} requests pending (max_pending ${maxPending})`,
        Code.ResourceExhausted,
      );
    }
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const job: Job = {
      id: randomUUID(),
      kind,
      work,
      abort: new AbortController(),
      state: 'queued',
      outcome: undefined,
      settled,
      settle,
      execution: undefined,
    };
    jobs.set(job.id, job);
    queue.push(job);
    log?.debug({ id: job.id, kind, queued: queue.length, running: running.size }, 'prover request queued');
    schedule();
    return { id: job.id };
  }

  /** Runs a synchronous check; a {@link ProverInputError} becomes `INVALID_ARGUMENT` naming its field. */
  function checked<T>(check: () => T): T {
    try {
      return check();
    } catch (err) {
      if (err instanceof ProverInputError) throw new ConnectError(err.shortMessage, Code.InvalidArgument);
      throw err;
    }
  }

  function cancel(id: string): boolean {
    const job = jobs.get(id);
    if (!job || job.state === 'done') return false;
    if (job.state === 'queued') queue.splice(queue.indexOf(job), 1);
    finish(job, { result: ProofResult.CANCELLED, error: 'cancelled by request' });
    job.abort.abort(new Error('cancelled by request'));
    log?.info({ id, kind: job.kind }, 'prover request cancelled');
    return true;
  }

  /** Waits until `job` is settled, `timeoutMs` passed, the call was aborted, or the prover closed. */
  function waitFor(job: Job, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (job.state === 'done' || timeoutMs <= 0 || closed || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wakers.delete(done);
        resolve();
      };
      // Node's timers take at most 2^31 - 1 ms (about 24.8 days): a longer one fires at once. timeout_ms is a uint32.
      const timer = setTimeout(done, Math.min(timeoutMs, MAX_TIMER_MS));
      signal.addEventListener('abort', done);
      wakers.add(done);
      void job.settled.then(done);
    });
  }

  function responseOf(job: Job): GetProofResponse {
    return create(GetProofResponseSchema, {
      id: job.id,
      ...(job.outcome ?? { result: ProofResult.PENDING }),
    });
  }

  function status(): ReferenceProverStatus {
    const active = [...running].filter((j) => j.state === 'running').map((j) => j.id);
    return {
      state: closed ? 'closed' : active.length > 0 ? 'computing' : 'idle',
      running: active,
      queued: queue.map((j) => j.id),
      maxPending,
      retained: finished.size,
    };
  }

  // -------------------------------------------------------------------------------------------------------------
  // The service

  const impl: ServiceImpl<typeof ProverService> = {
    async getStatus() {
      const s = status();
      return {
        status:
          s.state === 'computing'
            ? ProverStatus.COMPUTING
            : s.state === 'idle'
              ? ProverStatus.IDLE
              : ProverStatus.HALT,
        proverName: name,
        proverId: address,
        proverAddress: hexToBytes(address),
        chainId,
        forkId,
        versionServer: pkg.version,
        currentRequestId: s.running[0] ?? '',
        pendingRequestIds: [...s.running, ...s.queued],
        maxPending,
        numberOfCores: availableParallelism(),
        totalMemory: BigInt(totalmem()),
        freeMemory: BigInt(freemem()),
      };
    },

    async genBatchProof(req: GenBatchProofRequest) {
      const data = checked(() => checkBatchRequest(req));
      return enqueue('batch', (signal) => proveBatch(data, signal));
    },

    async genAggregatedProof(req: GenAggregatedProofRequest) {
      const [p1, p2] = checked(() => {
        const a = fromProtoRecursiveProof(req.recursiveProof1, 'recursive_proof_1');
        const b = fromProtoRecursiveProof(req.recursiveProof2, 'recursive_proof_2');
        checkChain(a.publicInputs, 'recursive_proof_1.public_inputs');
        checkChain(b.publicInputs, 'recursive_proof_2.public_inputs');
        return [a, b] as const;
      });
      return enqueue('aggregated', () => aggregate(p1, p2));
    },

    async genFinalProof(req: GenFinalProofRequest) {
      const [proof, aggregator] = checked(() => {
        const p = fromProtoRecursiveProof(req.recursiveProof, 'recursive_proof');
        checkChain(p.publicInputs, 'recursive_proof.public_inputs');
        if (req.aggregatorAddr.length !== 20)
          refuse('aggregator_addr', `aggregator_addr must be 20 bytes, got ${req.aggregatorAddr.length}`);
        const aggregator = toAddress(`0x${Buffer.from(req.aggregatorAddr).toString('hex')}`);
        if (aggregator === ZERO_ADDRESS)
          refuse('aggregator_addr', 'aggregator_addr must not be the zero address');
        return [p, aggregator] as const;
      });
      return enqueue('final', () => finalize(proof, aggregator));
    },

    async getProof(req, ctx: HandlerContext) {
      const job = jobs.get(req.id);
      if (!job) {
        throw new ConnectError(
          `unknown proof request ${req.id} (the prover may have restarted)`,
          Code.NotFound,
        );
      }
      await waitFor(job, req.timeoutMs, ctx.signal);
      return responseOf(job);
    },

    async cancel(req) {
      return { cancelled: cancel(req.id) };
    },
  };

  let closing: Promise<void> | undefined;
  return {
    impl,
    address,
    chainId,
    forkId,
    status,
    warmUp: () => pool.warmUp(),
    close() {
      closing ??= (async () => {
        closed = true;
        const shutdown: Outcome = { result: ProofResult.CANCELLED, error: 'the prover is shutting down' };
        for (const job of queue.splice(0)) finish(job, shutdown);
        for (const job of running) {
          if (job.state === 'done') continue;
          finish(job, shutdown);
          job.abort.abort(new Error('the prover is shutting down'));
        }
        for (const wake of [...wakers]) wake();
        await Promise.all([...running].map((j) => j.execution));
        await pool.close();
        log?.info('prover closed');
      })();
      return closing;
    },
  };
}
