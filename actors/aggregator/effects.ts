/**
 * The aggregator's I/O (DESIGN §3, §7; reference spec §8): virtual batches → batch proofs → aggregated proofs →
 * a final proof → `verifyBatchesTrustedAggregator` through the eth-tx-manager.
 *
 * A round, in order:
 * 1. What L1 settled: work at or below the last verified batch is done and forgotten; work whose batches are no
 *    longer virtual as proven (an L1 reorg) is cancelled at the prover and `ProofFailed` (stale). When the last
 *    verified batch went down (an L1 reorg undid a verification) the log is folded again first, as on a restart:
 *    the forgotten verification is then watched like any other (step 2), not proven and sent anew at once.
 * 2. The verification in flight: failed on L1, or mined in a block L1 no longer has while the batch is not
 *    verified → `ProofFailed` (l1) and it is sent again under a new L1 tx id.
 * 3. Pending prover requests are polled (`GetProof`, no wait): a result is checked against what the node itself
 *    knows — the public inputs of DESIGN §7 from its own batches, the signature by the prover's key (a final one
 *    by a key the L1 verifier accepts) — and only then recorded; a refusal or an unacceptable proof →
 *    `ProofFailed` (not retryable: the range is parked until the node restarts, reported once); a lost request
 *    (prover restarted, cancelled, internal error) → `ProofFailed` (retryable) and it is requested again.
 * 4. A final proof not yet sent → `VerificationSent`, then queued to the eth-tx-manager (the intent first: a
 *    crash in between re-queues it on load, a no-op when it was).
 * 5. A finished proof starting right after the last verified batch and ending at a sequence boundary → final
 *    proof requested; adjacent finished proofs → aggregation requested; the first virtual batches after the last
 *    verified one that nothing held covers (a hole a failure left before later proofs, else the batches past
 *    them) with enough L1 confirmations (one batch by default, as the reference; never past a sequence) →
 *    witness built from the archived trie, batch proof requested.
 * A prover or an L1 node that cannot be reached (an L1 call failing with a temporary error: refused, timed out,
 * a JSON-RPC error) is a temporary condition: the round stops with a temporary error, logged once per outage, and
 * the role's tick machine backs off (`retryTemporary`: 1 s doubling to 30 s) and loads again until it answers — the
 * role does not fail, so an L1 outage does not stop the node. So does any other temporary error (Postgres).
 */
import { Code, ConnectError } from '@connectrpc/connect';
import type { ReadModelDb } from '../../projections/index.ts';
import {
  getVirtualBatch,
  lastBatchOfSequence,
  lastVerifiedBatchNumber,
} from '../../projections/l1sync/index.ts';
import { type BatchRow, getBatch } from '../../projections/l2/index.ts';
import { isDeclaredTemporary, messageOf, NodeError } from '../../src/errors/index.ts';
import type { EventStore, RecordedEvent } from '../../src/eventstore/index.ts';
import { buildWitness, type TrieNodeDb, type WitnessBatch } from '../../src/execution/index.ts';
import {
  encodeVerifyBatches,
  type PublicInputs,
  publicInputsHash,
  recoverAttestationSigner,
} from '../../src/l1/contracts/index.ts';
import {
  type Address,
  bytesToHex,
  type Hash,
  type Hex,
  hexToBytes,
  toAddress,
} from '../../src/primitives/index.ts';
import {
  fromProtoFinalProof,
  fromProtoRecursiveProof,
  type ProofPublicInputs,
  ProofResult,
  type ProverClient,
  ProverInputError,
  proverErrorSeverity,
  recoverIntermediateSigner,
  toProtoBatchProofRequest,
  toProtoRecursiveProof,
} from '../../src/prover/index.ts';
import {
  AGGREGATOR_STREAM_ID,
  type AggregatorCommand,
  type AggregatorEvent,
  type AggregatorState,
  decide,
  evolve,
  firstGap,
  foldAggregator,
  type PendingProof,
  type ProofInputs,
  type ProofKind,
  type ProofRange,
  rangeKey,
} from '../../src/streams/aggregator/index.ts';
import { envelope } from '../../src/streams/index.ts';
import { createLostL1TxWatch } from '../effects/lost-l1-tx.ts';
import { queueL1Tx, readL1Tx } from '../eth-tx-manager/index.ts';

const ZERO_HASH = `0x${'00'.repeat(32)}` as Hash;
const ACTOR = 'aggregator';

export type AggregatorDeps = {
  store: EventStore;
  db: ReadModelDb;
  /** The archived trie (read only): witnesses are built from it. */
  trie: TrieNodeDb;
  prover: ProverClient;
  chainId: bigint;
  forkId: bigint;
  /** The sender of `verifyBatchesTrustedAggregator` (the eth-tx-manager holds its key). */
  aggregator: Address;
  rollupAddress: Address;
  /*
   * The L1 reads: each throws a temporary NodeError (e.g. JsonRpcTransportError) when L1 does not answer, and the
   * role backs off and retries.
   */
  /** Whether the L1 verifier accepts attestations by `signer` (its prover-key registry). */
  isRegisteredProver: (signer: Address) => Promise<boolean>;
  /** The L1 receipt's block hash of `txHash`, or null when L1 has no such receipt (e.g. reorged out). */
  l1ReceiptBlockHash: (txHash: Hash) => Promise<Hash | null>;
  /**
   * Whether L1 holds `txHash` unmined (in its pool). With it, a verification tx a reorg put back in L1's pool is
   * waited for, not sent again beside it (the second would revert).
   */
  l1TxPending?: (txHash: Hash) => Promise<boolean>;
  /** L1's latest block number. */
  l1BlockNumber: () => Promise<bigint>;
  /** L1 confirmations a sequence needs before its batches are proven (at least 1). */
  confirmations: number;
  /** Batches per batch proof at most (the reference proves one batch per request). @default 1 */
  maxBatchesPerProof?: number;
  /** Batch proofs requested at once at most. @default 4 */
  maxInFlight?: number;
  /**
   * L1 blocks a confirmed verification tx's receipt must stay missing for before the verification counts as lost.
   * @default 2
   */
  lostAfterBlocks?: number;
  /** Resolves once the read models have caught up with the log; awaited before loading. */
  readModelsReady?: () => Promise<void>;
  log?: (msg: string, fields?: Record<string, unknown>, level?: 'info' | 'warn' | 'error') => void;
};

export type AggregatorRoleState = { agg: AggregatorState; revision: number };

export type AggregatorEffects = {
  load(nowMs: number): Promise<AggregatorRoleState>;
  tick(state: AggregatorRoleState, nowMs: number): Promise<{ state: AggregatorRoleState; worked: boolean }>;
};

/** The prover did not answer (down, restarting, overloaded): temporary, the tick machine backs off and loads again. */
class ProverUnavailable extends NodeError<'ProverUnavailable'> {
  override name = 'ProverUnavailable' as const;
  constructor(cause: unknown) {
    super(messageOf(cause), { code: 'PROVER_UNAVAILABLE', severity: 'temporary', cause });
  }
}

/**
 * L1 did not answer (down, restarting, a temporary JSON-RPC error): temporary, the tick machine backs off and loads
 * again.
 */
class L1Unavailable extends NodeError<'L1Unavailable'> {
  override name = 'L1Unavailable' as const;
  constructor(cause: unknown) {
    super(messageOf(cause), { code: 'L1_UNAVAILABLE', severity: 'temporary', cause });
  }
}

/** What a temporary failure was waiting for: each outage is logged once, and once when it is over. */
type Outage = 'prover' | 'l1' | 'other';
const OUTAGE_LOG: Record<Outage, { down: string; up: string }> = {
  prover: { down: 'the prover is unavailable; backing off and retrying', up: 'the prover answers again' },
  l1: { down: 'L1 is unavailable; backing off and retrying', up: 'L1 answers again' },
  other: {
    down: 'a temporary failure; backing off and retrying',
    up: 'answering again after a temporary failure',
  },
};

const toInputsJson = (p: ProofPublicInputs): ProofInputs => ({
  chainId: p.chainId.toString(),
  forkId: p.forkId.toString(),
  initNumBatch: p.initNumBatch.toString(),
  finalNewBatch: p.finalNewBatch.toString(),
  oldStateRoot: p.oldStateRoot,
  newStateRoot: p.newStateRoot,
  oldAccInputHash: p.oldAccInputHash,
  newAccInputHash: p.newAccInputHash,
  newLocalExitRoot: p.newLocalExitRoot,
});
const fromInputsJson = (p: ProofInputs): ProofPublicInputs => ({
  chainId: BigInt(p.chainId),
  forkId: BigInt(p.forkId),
  initNumBatch: BigInt(p.initNumBatch),
  finalNewBatch: BigInt(p.finalNewBatch),
  oldStateRoot: p.oldStateRoot,
  newStateRoot: p.newStateRoot,
  oldAccInputHash: p.oldAccInputHash,
  newAccInputHash: p.newAccInputHash,
  newLocalExitRoot: p.newLocalExitRoot,
});

/** The public inputs as the L1 contract computes them for `aggregator`. */
const contractInputs = (p: ProofPublicInputs, aggregator: Address): PublicInputs => ({ ...p, aggregator });

/** The field names of the proto, for reports. */
const INPUT_FIELDS: [keyof ProofPublicInputs, string][] = [
  ['chainId', 'chain_id'],
  ['forkId', 'fork_id'],
  ['initNumBatch', 'init_num_batch'],
  ['finalNewBatch', 'final_new_batch'],
  ['oldStateRoot', 'old_state_root'],
  ['newStateRoot', 'new_state_root'],
  ['oldAccInputHash', 'old_acc_input_hash'],
  ['newAccInputHash', 'new_acc_input_hash'],
  ['newLocalExitRoot', 'new_local_exit_root'],
];

/** The first field where `got` differs from `want`, or null. Pure. */
function inputsMismatch(
  want: ProofPublicInputs,
  got: ProofPublicInputs,
): { field: string; reason: string } | null {
  for (const [key, name] of INPUT_FIELDS) {
    const a = String(want[key]).toLowerCase();
    const b = String(got[key]).toLowerCase();
    if (a !== b)
      return {
        field: `public_inputs.${name}`,
        reason: `the prover returned ${name} ${b}, the node's is ${a}`,
      };
  }
  return null;
}

export function createAggregatorEffects(deps: AggregatorDeps): AggregatorEffects {
  const { store, db, prover } = deps;
  const log = deps.log ?? (() => {});
  const maxBatchesPerProof = BigInt(deps.maxBatchesPerProof ?? 1);
  const maxInFlight = deps.maxInFlight ?? 4;
  const at = (nowMs: number) => ({ actor: ACTOR, at: new Date(nowMs).toISOString() });

  /** Ranges whose proof was refused or unacceptable: not requested again until the node restarts. */
  const parked = new Set<string>();
  let proverAddress: Address | null = null;
  /** When each current outage began. */
  const downSince = new Map<Outage, number>();
  /** The last verified batch the previous round settled at (null before the first round). */
  let settledAt: bigint | null = null;

  async function append(state: AggregatorRoleState, command: AggregatorCommand, nowMs: number) {
    const events = decide(command, state.agg);
    await store.append(
      AGGREGATOR_STREAM_ID,
      envelope(events, at(nowMs)),
      state.revision < 0 ? 'no_stream' : state.revision,
    );
    return { agg: events.reduce(evolve, state.agg), revision: state.revision + events.length };
  }

  /** Prover calls: an unreachable prover becomes {@link ProverUnavailable}; other errors pass. */
  async function call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const code = err instanceof ConnectError ? err.code : ConnectError.from(err).code;
      if (code === Code.NotFound) throw err;
      if (proverErrorSeverity(err) === 'temporary') throw new ProverUnavailable(err);
      throw err;
    }
  }

  /** L1 reads: a temporary error (L1 down, a timeout, a JSON-RPC error) becomes {@link L1Unavailable}. */
  async function l1<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isDeclaredTemporary(err)) throw new L1Unavailable(err);
      throw err;
    }
  }

  async function proverKey(): Promise<Address> {
    if (proverAddress) return proverAddress;
    const status = await call(() => prover.getStatus({}));
    proverAddress = toAddress(bytesToHex(status.proverAddress));
    return proverAddress;
  }

  /** The batch row `n`, closed and with its state root and accInputHash (the trusted chain). */
  async function trustedBatch(n: bigint): Promise<BatchRow | null> {
    const b = await getBatch(db.pool, n);
    if (!b?.closed || !b.stateRoot || (n > 0n && !b.accInputHash)) return null;
    return b;
  }

  /** The public inputs of `from`..`to` as the node knows them (DESIGN §7), or null when a batch is missing. */
  async function expectedInputs(range: ProofRange): Promise<ProofPublicInputs | null> {
    const before = await trustedBatch(range.from - 1n);
    const last = await trustedBatch(range.to);
    if (!before || !last) return null;
    return {
      chainId: deps.chainId,
      forkId: deps.forkId,
      initNumBatch: range.from - 1n,
      finalNewBatch: range.to,
      oldStateRoot: before.stateRoot as Hash,
      newStateRoot: last.stateRoot as Hash,
      oldAccInputHash: (before.accInputHash ?? ZERO_HASH) as Hash,
      newAccInputHash: last.accInputHash as Hash,
      newLocalExitRoot: ZERO_HASH,
    };
  }

  /** Whether `to`'s batch is still virtual as the node proved it (its accInputHash on L1 is the trusted one). */
  async function stillVirtual(range: ProofRange): Promise<boolean> {
    const [virtual, trusted] = await Promise.all([
      getVirtualBatch(db.pool, range.to),
      trustedBatch(range.to),
    ]);
    return (
      virtual !== null &&
      trusted !== null &&
      virtual.accInputHash.toLowerCase() === (trusted.accInputHash ?? '').toLowerCase()
    );
  }

  async function cancelAtProver(requestId: string): Promise<void> {
    await prover.cancel({ id: requestId }).catch(() => {});
  }

  /** Step 1: forget what is verified; fail what an L1 reorg made stale. */
  async function settle(state: AggregatorRoleState, lastVerified: bigint, nowMs: number) {
    let s = state;
    let worked = false;
    const agg = s.agg;
    const done = (r: ProofRange) => r.to <= lastVerified;
    // A proof that starts at or below the last verified batch cannot be verified any more (L1 verifies from there):
    // forgotten too, and what it covers past that batch is proven again.
    const straddles = (r: ProofRange) => r.from <= lastVerified && r.to > lastVerified;
    // Done work is forgotten in memory only (the log keeps it): the fold brings it back and it is pruned again.
    const pending = new Map([...agg.pending].filter(([, p]) => !done(p)));
    for (const p of agg.pending.values()) if (done(p)) await cancelAtProver(p.requestId);
    const proofs = new Map([...agg.proofs].filter(([, p]) => !done(p) && !straddles(p)));
    const final = agg.final && !done(agg.final) ? agg.final : null;
    const verification = agg.verification && !done(agg.verification) ? agg.verification : null;
    s = { ...s, agg: { ...agg, pending, proofs, final, verification } };

    // Whatever proves batches no longer virtual as proven (an L1 reorg): a request in flight (cancelled at the
    // prover), a finished intermediate proof, the final proof.
    const held: { range: ProofRange; kind: ProofKind; requestId: string | null }[] = [
      ...[...s.agg.pending.values()].map((p) => ({ range: p, kind: p.kind, requestId: p.requestId })),
      ...[...s.agg.proofs.values()].map((p) => ({
        range: p,
        kind: (p.from === p.to ? 'batch' : 'aggregated') as ProofKind,
        requestId: null,
      })),
      ...(s.agg.final ? [{ range: s.agg.final, kind: 'final' as ProofKind, requestId: null }] : []),
    ];
    for (const { range, kind, requestId } of held) {
      if (await stillVirtual(range)) continue;
      if (requestId !== null) await cancelAtProver(requestId);
      const reason = `the batches are no longer virtual as ${requestId === null ? 'proven' : 'requested'} (L1 reorg)`;
      s = await append(
        s,
        {
          type: 'FailProof',
          data: { from: range.from, to: range.to, kind, requestId, cause: 'stale', reason, retryable: true },
        },
        nowMs,
      );
      worked = true;
    }
    return { state: s, worked };
  }

  /** Step 2: the verification in flight failed or was reorged out → send it again. */
  // A confirmed verification tx's receipt, watched while the synchronizer has not recorded it (in memory: a restart
  // waits anew).
  const lostWatch = createLostL1TxWatch({
    receiptBlockHash: (hash) => l1(() => deps.l1ReceiptBlockHash(hash)),
    blockNumber: () => l1(() => deps.l1BlockNumber()),
    lostAfterBlocks: deps.lostAfterBlocks,
    pendingOnL1: deps.l1TxPending && ((hash) => l1(() => deps.l1TxPending!(hash))),
  });
  /** The last verification tx found back in L1's pool (logged once). */
  let backInPool: string | null = null;

  async function watchVerification(state: AggregatorRoleState, lastVerified: bigint, nowMs: number) {
    const v = state.agg.verification;
    if (!v || v.to <= lastVerified) return { state, worked: false };
    const { state: tx } = await readL1Tx(store, v.l1TxId);
    let reason: string | null = null;
    if (tx.status === 'failed')
      reason = `the verification tx ${v.l1TxId} failed on L1: ${tx.code} ${tx.reason}`;
    else if (tx.status === 'confirmed') {
      // Confirmed, yet the batches are not verified: either the synchronizer has not got there yet (the tx may be in
      // another block than the recorded one, re-included by a reorg: still on L1), or a reorg deeper than the
      // confirmations took the tx away (the eth-tx-manager leaves that to the tx's owner): `createLostL1TxWatch`.
      const check = await lostWatch.check(v.l1TxId, tx.mined);
      if (check.status === 'pending' && backInPool !== v.l1TxId) {
        backInPool = v.l1TxId;
        log("verification tx back in L1's pool after a reorg; waiting for it to be mined again", {
          fromBatch: v.from.toString(),
          toBatch: v.to.toString(),
          l1TxId: v.l1TxId,
        });
      }
      if (check.status !== 'lost') return { state, worked: false };
      reason = `the verification tx ${v.l1TxId} was mined in L1 block ${tx.mined.blockNumber}, which a reorg removed (no receipt since L1 block ${check.sinceBlock})`;
    }
    if (reason === null) return { state, worked: false };
    lostWatch.forget();
    log(
      'verification failed; it will be sent again',
      { fromBatch: v.from.toString(), toBatch: v.to.toString(), reason },
      'warn',
    );
    const next = await append(
      state,
      {
        type: 'FailProof',
        data: {
          from: v.from,
          to: v.to,
          kind: 'final',
          requestId: null,
          cause: 'l1',
          reason,
          retryable: true,
        },
      },
      nowMs,
    );
    return { state: next, worked: true };
  }

  /** Checks a finished intermediate proof; returns why it is unacceptable, or null. */
  async function checkRecursive(p: PendingProof, inputs: ProofPublicInputs, signature: Hex) {
    const want = await expectedInputs(p);
    if (!want)
      return {
        field: 'public_inputs',
        reason: `batches ${p.from - 1n}..${p.to} are not in the trusted chain`,
      };
    const mismatch = inputsMismatch(want, inputs);
    if (mismatch) return mismatch;
    const signer = recoverIntermediateSigner({ publicInputs: inputs, signature });
    if (signer !== p.prover)
      return {
        field: 'signature',
        reason: `the proof is signed by ${signer ?? 'no key'}, not by the prover ${p.prover}`,
      };
    return null;
  }

  /** Step 3: poll one pending request and record its outcome. */
  async function poll(state: AggregatorRoleState, p: PendingProof, nowMs: number) {
    let res: Awaited<ReturnType<ProverClient['getProof']>>;
    try {
      res = await call(() => prover.getProof({ id: p.requestId, timeoutMs: 0 }));
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.NotFound) {
        log(
          'the prover lost a request (restarted?); requesting it again',
          { requestId: p.requestId, fromBatch: p.from.toString(), toBatch: p.to.toString() },
          'warn',
        );
        proverAddress = null;
        return append(
          state,
          { type: 'FailProof', data: { ...p, cause: 'lost', reason: messageOf(err), retryable: true } },
          nowMs,
        );
      }
      throw err;
    }
    const fail = (
      cause: 'refused' | 'unverifiable' | 'lost',
      reason: string,
      field: string | null,
      retryable: boolean,
    ) => {
      if (!retryable) {
        parked.add(rangeKey(p));
        log(
          `proof ${cause}: batches ${p.from}..${p.to} parked until restart`,
          { requestId: p.requestId, kind: p.kind, field, reason },
          'error',
        );
      } else log(`proof request lost; requesting again`, { requestId: p.requestId, reason }, 'warn');
      return append(state, { type: 'FailProof', data: { ...p, cause, reason, field, retryable } }, nowMs);
    };
    switch (res.result) {
      case ProofResult.PENDING:
        return null;
      case ProofResult.COMPLETED_ERROR:
        return fail('refused', res.error, res.errorField || null, false);
      case ProofResult.CANCELLED:
      case ProofResult.INTERNAL_ERROR:
      case ProofResult.UNSPECIFIED:
        return fail('lost', res.error || `result ${ProofResult[res.result]}`, null, true);
      case ProofResult.COMPLETED_OK:
        break;
    }
    try {
      if (p.kind === 'final') {
        const final = fromProtoFinalProof(res.proof.case === 'finalProof' ? res.proof.value : undefined);
        const want = await expectedInputs(p);
        if (!want) return null; // the trusted chain is behind the read model: next round
        const mismatch = inputsMismatch(want, final.publicInputs);
        if (mismatch) return fail('unverifiable', mismatch.reason, mismatch.field, false);
        if (final.aggregator !== deps.aggregator)
          return fail(
            'unverifiable',
            `the final proof is bound to ${final.aggregator}, not ${deps.aggregator}`,
            'aggregator_addr',
            false,
          );
        const hash = publicInputsHash(contractInputs(want, deps.aggregator));
        const signer = recoverAttestationSigner(final.proof, hash);
        if (!signer)
          return fail(
            'unverifiable',
            'the final proof is not an attestation of the public-inputs hash',
            'proof',
            false,
          );
        if (!(await l1(() => deps.isRegisteredProver(signer))))
          return fail(
            'unverifiable',
            `the final proof is signed by ${signer}, a key the L1 verifier does not accept`,
            'proof',
            false,
          );
        log('final proof generated', { fromBatch: p.from.toString(), toBatch: p.to.toString(), signer });
        return append(
          state,
          {
            type: 'RecordFinalProof',
            data: {
              requestId: p.requestId,
              proof: final.proof,
              publicInputsHash: hash,
              aggregator: deps.aggregator,
              signer,
              publicInputs: toInputsJson(want),
            },
          },
          nowMs,
        );
      }
      const proof = fromProtoRecursiveProof(
        res.proof.case === 'recursiveProof' ? res.proof.value : undefined,
      );
      const problem = await checkRecursive(p, proof.publicInputs, proof.signature);
      if (problem) return fail('unverifiable', problem.reason, problem.field, false);
      return append(
        state,
        {
          type: 'RecordProof',
          data: {
            requestId: p.requestId,
            proof: { publicInputs: toInputsJson(proof.publicInputs), signature: proof.signature },
          },
        },
        nowMs,
      );
    } catch (err) {
      if (err instanceof ProverInputError) return fail('unverifiable', err.message, err.field, false);
      throw err;
    }
  }

  /** Step 4: hand the final proof to the eth-tx-manager (intent first). */
  async function sendVerification(state: AggregatorRoleState, nowMs: number) {
    const final = state.agg.final;
    if (!final || state.agg.verification) return null;
    const next = await append(
      state,
      {
        type: 'SendVerification',
        data: { from: final.from, to: final.to, newStateRoot: final.publicInputs.newStateRoot },
      },
      nowMs,
    );
    await queueVerification(next, nowMs);
    return next;
  }

  async function queueVerification(state: AggregatorRoleState, nowMs: number) {
    const v = state.agg.verification;
    const final = state.agg.final;
    if (!v || !final || rangeKey(v) !== rangeKey(final)) return;
    const result = await queueL1Tx(
      store,
      {
        id: v.l1TxId,
        from: deps.aggregator,
        to: deps.rollupAddress,
        data: encodeVerifyBatches({
          initNumBatch: final.from - 1n,
          finalNewBatch: final.to,
          newLocalExitRoot: final.publicInputs.newLocalExitRoot,
          newStateRoot: final.publicInputs.newStateRoot,
          proof: final.proof,
        }),
      },
      at(nowMs),
    );
    if (result.queued)
      log('verification queued', {
        fromBatch: final.from.toString(),
        toBatch: final.to.toString(),
        l1TxId: v.l1TxId,
      });
  }

  /**
   * Batches `from`.. that may be proven now: virtual with enough confirmations, one sequence, closed, none past
   * `until` (the batch before work already held).
   */
  async function provableRange(
    from: bigint,
    until: bigint | null,
    confirmedL1: bigint,
  ): Promise<{ range: ProofRange; batches: BatchRow[] } | null> {
    const first = await getVirtualBatch(db.pool, from);
    if (!first || first.l1BlockNumber === null || first.l1BlockNumber > confirmedL1) return null;
    const end = await lastBatchOfSequence(db.pool, from);
    if (end === null) return null;
    let to = end - from + 1n > maxBatchesPerProof ? from + maxBatchesPerProof - 1n : end;
    if (until !== null && to > until) to = until;
    const batches: BatchRow[] = [];
    for (let n = from; n <= to; n++) {
      const b = await trustedBatch(n);
      if (!b) return null;
      batches.push(b);
    }
    return { range: { from, to }, batches };
  }

  async function requestBatchProof(
    state: AggregatorRoleState,
    range: ProofRange,
    rows: BatchRow[],
    nowMs: number,
  ) {
    const inputs = await expectedInputs(range);
    if (!inputs) return null;
    let nextBlock = 0n;
    const batches: WitnessBatch[] = rows.map((b) => {
      const firstL2Block = b.firstBlock ?? nextBlock;
      if (b.lastBlock !== null) nextBlock = b.lastBlock + 1n;
      return {
        batchNumber: b.number,
        batchL2Data: hexToBytes(b.batchL2Data ?? '0x'),
        globalExitRoot: b.globalExitRoot as Hash,
        timestamp: b.timestamp,
        coinbase: b.coinbase as Address,
        firstL2Block,
      };
    });
    const built = await buildWitness({
      store: deps.trie,
      chainId: deps.chainId,
      oldStateRoot: inputs.oldStateRoot,
      batches,
    });
    if (built.newStateRoot !== inputs.newStateRoot.toLowerCase())
      throw new Error(
        `re-executing batches ${range.from}..${range.to} on the archived trie gives ${built.newStateRoot}, the chain says ${inputs.newStateRoot}`,
      );
    const key = await proverKey();
    const { id } = await call(() =>
      prover.genBatchProof(
        toProtoBatchProofRequest({ publicInputs: inputs, batches, witness: built.witness }),
      ),
    );
    log('batch proof requested', {
      fromBatch: range.from.toString(),
      toBatch: range.to.toString(),
      requestId: id,
      witnessNodes: built.witness.nodes.length,
    });
    return append(
      state,
      { type: 'RequestProof', data: { ...range, kind: 'batch', requestId: id, prover: key } },
      nowMs,
    );
  }

  /** Step 5: the next requests — final, aggregations, batch proofs. */
  async function plan(state: AggregatorRoleState, lastVerified: bigint, nowMs: number) {
    let s = state;
    let worked = false;
    /** Whether a pending request consumes the finished proof `r` (an aggregation of it, or its final proof). */
    const busy = (r: ProofRange) =>
      [...s.agg.pending.values()].some(
        (p) =>
          p.parts?.some((part) => rangeKey(part) === rangeKey(r)) ||
          (p.kind === 'final' && rangeKey(p) === rangeKey(r)),
      );

    // Final: the proof starting right after the last verified batch, ending at a sequence boundary.
    if (!s.agg.final && ![...s.agg.pending.values()].some((p) => p.kind === 'final')) {
      const head = [...s.agg.proofs.values()].find((p) => p.from === lastVerified + 1n);
      if (
        head &&
        !busy(head) &&
        !parked.has(rangeKey(head)) &&
        (await lastBatchOfSequence(db.pool, head.to)) === head.to
      ) {
        const key = await proverKey();
        const { id } = await call(() =>
          prover.genFinalProof({
            recursiveProof: toProtoRecursiveProof({
              publicInputs: fromInputsJson(head.proof.publicInputs),
              signature: head.proof.signature,
            }),
            aggregatorAddr: hexToBytes(deps.aggregator),
          }),
        );
        log('final proof requested', {
          fromBatch: head.from.toString(),
          toBatch: head.to.toString(),
          requestId: id,
        });
        s = await append(
          s,
          {
            type: 'RequestProof',
            data: { from: head.from, to: head.to, kind: 'final', requestId: id, prover: key },
          },
          nowMs,
        );
        worked = true;
      }
    }

    // Aggregations of adjacent finished proofs (disjoint pairs).
    const sorted = [...s.agg.proofs.values()].sort((a, b) => (a.from < b.from ? -1 : 1));
    for (let i = 0; i + 1 < sorted.length; i++) {
      const a = sorted[i]!;
      const b = sorted[i + 1]!;
      if (a.to + 1n !== b.from || busy(a) || busy(b)) continue;
      const range = { from: a.from, to: b.to };
      if (parked.has(rangeKey(range))) continue;
      const key = await proverKey();
      const { id } = await call(() =>
        prover.genAggregatedProof({
          recursiveProof1: toProtoRecursiveProof({
            publicInputs: fromInputsJson(a.proof.publicInputs),
            signature: a.proof.signature,
          }),
          recursiveProof2: toProtoRecursiveProof({
            publicInputs: fromInputsJson(b.proof.publicInputs),
            signature: b.proof.signature,
          }),
        }),
      );
      s = await append(
        s,
        {
          type: 'RequestProof',
          data: {
            ...range,
            kind: 'aggregated',
            requestId: id,
            prover: key,
            parts: [
              { from: a.from, to: a.to },
              { from: b.from, to: b.to },
            ],
          },
        },
        nowMs,
      );
      worked = true;
      i++;
    }

    // Batch proofs of the first batches after the last verified one that no finished proof, request or final
    // proof covers: a hole left by a failed proof or verification (a later proof may exist) before the batches
    // past everything held. Proofs on both sides of a hole join once it is proven again.
    const confirmedL1 = (await l1(() => deps.l1BlockNumber())) - BigInt(Math.max(0, deps.confirmations - 1));
    const held: ProofRange[] = [
      ...s.agg.proofs.values(),
      ...s.agg.pending.values(),
      ...(s.agg.final ? [s.agg.final] : []),
    ];
    let inFlight = [...s.agg.pending.values()].filter((p) => p.kind === 'batch').length;
    while (inFlight < maxInFlight) {
      const gap = firstGap(held, lastVerified + 1n);
      const next = await provableRange(gap.from, gap.to, confirmedL1);
      if (!next || parked.has(rangeKey(next.range))) break;
      const after = await requestBatchProof(s, next.range, next.batches, nowMs);
      if (!after) break;
      s = after;
      worked = true;
      inFlight++;
      held.push(next.range);
    }
    return { state: s, worked };
  }

  /**
   * Runs `run`, logging a temporary failure once per outage (the tick machine backs off and loads again) and, when
   * `ends` (a round: a load reads no L1 and no prover), the end of every outage.
   */
  async function watchOutages<T>(run: () => Promise<T>, nowMs: number, ends: boolean): Promise<T> {
    try {
      const out = await run();
      if (ends) {
        for (const [what, since] of downSince) log(OUTAGE_LOG[what].up, { afterMs: nowMs - since });
        downSince.clear();
      }
      return out;
    } catch (err) {
      if (!isDeclaredTemporary(err)) throw err;
      const what: Outage =
        err instanceof ProverUnavailable ? 'prover' : err instanceof L1Unavailable ? 'l1' : 'other';
      if (what === 'prover') proverAddress = null;
      if (!downSince.has(what)) {
        downSince.set(what, nowMs);
        log(OUTAGE_LOG[what].down, { reason: (err as Error).message }, 'warn');
      }
      throw err;
    }
  }

  return {
    load: (nowMs) =>
      watchOutages(
        async () => {
          await deps.readModelsReady?.();
          const events = (await store.readStream(AGGREGATOR_STREAM_ID)) as RecordedEvent<AggregatorEvent>[];
          const state: AggregatorRoleState = { agg: foldAggregator(events), revision: events.length - 1 };
          // A crash may have fallen between `VerificationSent` and its queueing: queue it again (a no-op if it was).
          await queueVerification(state, nowMs);
          return state;
        },
        nowMs,
        false,
      ),

    tick: (initial, nowMs) =>
      watchOutages(
        async () => {
          const lastVerified = await lastVerifiedBatchNumber(db.pool);
          let state = initial;
          if (settledAt !== null && lastVerified < settledAt) {
            // An L1 reorg undid verifications: what earlier rounds forgot as done (the verification tx, its final
            // proof) is needed again — the tx may be back in L1's pool or in another block. Fold the log again, as
            // a restart does, so the verification is watched (sent again only when lost), not proven and sent anew.
            const events = (await store.readStream(AGGREGATOR_STREAM_ID)) as RecordedEvent<AggregatorEvent>[];
            state = { agg: foldAggregator(events), revision: events.length - 1 };
            log('an L1 reorg undid verifications; state folded again', {
              lastVerified: lastVerified.toString(),
              before: settledAt.toString(),
            });
          }
          settledAt = lastVerified;
          const settled = await settle(state, lastVerified, nowMs);
          let s = settled.state;
          let worked = settled.worked;
          const watched = await watchVerification(s, lastVerified, nowMs);
          s = watched.state;
          worked ||= watched.worked;
          for (const p of [...s.agg.pending.values()]) {
            const after = await poll(s, p, nowMs);
            if (after) {
              s = after;
              worked = true;
            }
          }
          const sent = await sendVerification(s, nowMs);
          if (sent) {
            s = sent;
            worked = true;
          }
          const planned = await plan(s, lastVerified, nowMs);
          s = planned.state;
          worked ||= planned.worked;
          return { state: s, worked };
        },
        nowMs,
        true,
      ),
  };
}
