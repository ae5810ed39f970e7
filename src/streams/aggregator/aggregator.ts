/**
 * The `aggregator` stream (DESIGN §4, §7): the proving pipeline of virtual batches — batch proofs requested from a
 * prover and generated, adjacent proofs aggregated, a final proof for a range ending at a sequence boundary, the
 * `verifyBatchesTrustedAggregator` L1 tx handed to the eth-tx-manager — and every failure on the way.
 *
 * Ranges are inclusive batch numbers (`fromBatch`..`toBatch`); a proof of a range proves the transition from the
 * state after batch `fromBatch − 1` to the state after `toBatch`. Numbers travel as decimal strings. Pure decider:
 * no clock, randomness or I/O.
 */
import { assertNever, IllegalStateError } from '../../errors/index.ts';
import type { Event } from '../../eventstore/types.ts';
import type { Address, Hash, Hex } from '../../primitives/index.ts';

export const AGGREGATOR_STREAM_ID = 'aggregator';

/** The eth-tx-manager id of the verification of `from`..`to` (the reference's `proof-from-<a>-to-<b>`). Pure. */
export const verificationL1TxId = (from: bigint, to: bigint, attempt: number): string =>
  attempt <= 1 ? `proof-from-${from}-to-${to}` : `proof-from-${from}-to-${to}-attempt-${attempt}`;

export type ProofKind = 'batch' | 'aggregated' | 'final';

/** The public inputs of DESIGN §7 (without the aggregator address), as JSON. */
export type ProofInputs = {
  chainId: string;
  forkId: string;
  initNumBatch: string;
  finalNewBatch: string;
  oldStateRoot: Hash;
  newStateRoot: Hash;
  oldAccInputHash: Hash;
  newAccInputHash: Hash;
  newLocalExitRoot: Hash;
};

/** An intermediate proof: its public inputs and the prover's 65-byte signature over them. */
export type RecursiveProofData = { publicInputs: ProofInputs; signature: Hex };

/** Why a proof failed. `retryable`: asking again (the same or another prover) may succeed. */
export type ProofFailureCause =
  /** The prover refused the request (its re-execution disagrees, or the witness is incomplete). */
  | 'refused'
  /** The prover answered with a proof the aggregator cannot accept (inputs differ, signature not the prover's). */
  | 'unverifiable'
  /** The request is gone: the prover restarted, cancelled or failed internally. */
  | 'lost'
  /** The batches changed (an L1 reorg): the proof proves something that is no longer the chain. */
  | 'stale'
  /** The verification tx failed or was reorged out of L1. */
  | 'l1';

type Range = { fromBatch: string; toBatch: string };

export type ProofRequested = Event<
  'ProofRequested',
  Range & {
    kind: ProofKind;
    /** The prover's request id. */
    requestId: string;
    /** The prover's address (its key), as it reported it. */
    prover: Address;
    /** For an aggregation: the two ranges it joins. */
    parts?: [Range, Range];
  }
>;
export type ProofGenerated = Event<
  'ProofGenerated',
  Range & { requestId: string; proof: RecursiveProofData }
>;
export type ProofAggregated = Event<
  'ProofAggregated',
  Range & { requestId: string; proof: RecursiveProofData; parts: [Range, Range] }
>;
export type FinalProofGenerated = Event<
  'FinalProofGenerated',
  Range & {
    requestId: string;
    /** The 24 words of `verifyBatchesTrustedAggregator`'s `proof`. */
    proof: Hash[];
    publicInputs: ProofInputs;
    publicInputsHash: Hash;
    aggregator: Address;
    /** Who signed the attestation (a key the L1 verifier accepts). */
    signer: Address;
  }
>;
export type ProofFailed = Event<
  'ProofFailed',
  Range & {
    kind: ProofKind;
    /** The failed request, or null for a finished proof found stale. */
    requestId: string | null;
    cause: ProofFailureCause;
    reason: string;
    /** The request field at fault, when the prover named one. */
    field: string | null;
    retryable: boolean;
  }
>;
export type VerificationSent = Event<
  'VerificationSent',
  Range & { l1TxId: string; attempt: number; newStateRoot: Hash }
>;

export type AggregatorEvent =
  | ProofRequested
  | ProofGenerated
  | ProofAggregated
  | FinalProofGenerated
  | ProofFailed
  | VerificationSent;
export const AGGREGATOR_EVENT_TYPES = [
  'ProofRequested',
  'ProofGenerated',
  'ProofAggregated',
  'FinalProofGenerated',
  'ProofFailed',
  'VerificationSent',
] as const;

//////// State

export type ProofRange = { from: bigint; to: bigint };
export type PendingProof = ProofRange & {
  kind: ProofKind;
  requestId: string;
  prover: Address;
  parts?: [ProofRange, ProofRange];
};
export type FinishedProof = ProofRange & { proof: RecursiveProofData };
export type FinalProof = ProofRange & {
  proof: Hash[];
  publicInputs: ProofInputs;
  publicInputsHash: Hash;
  aggregator: Address;
  signer: Address;
};
export type Verification = ProofRange & { l1TxId: string; attempt: number };

export type AggregatorState = {
  /** Requests the prover is working on, by request id. */
  pending: Map<string, PendingProof>;
  /** Finished intermediate proofs not yet aggregated or finalised, by `from-to`. */
  proofs: Map<string, FinishedProof>;
  /** The final proof not yet verified on L1 (at most one). */
  final: FinalProof | null;
  /** The last verification handed to the eth-tx-manager, while it may still be the one that lands. */
  verification: Verification | null;
  /** Verification attempts per range `from-to` (each attempt is its own L1 tx id). */
  attempts: Map<string, number>;
};

export const rangeKey = (r: ProofRange): string => `${r.from}-${r.to}`;
const toRange = (r: Range): ProofRange => ({ from: BigInt(r.fromBatch), to: BigInt(r.toBatch) });
const fromRange = (r: ProofRange): Range => ({ fromBatch: r.from.toString(), toBatch: r.to.toString() });

/**
 * The first batches from `from` on that no range of `held` covers: `from` is the first such batch, `to` the last
 * before the next held range (null: none follows). Ranges may overlap and come in any order. Pure.
 */
export function firstGap(held: readonly ProofRange[], from: bigint): { from: bigint; to: bigint | null } {
  let next = from;
  for (const r of [...held].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0))) {
    if (r.to < next) continue;
    if (r.from > next) return { from: next, to: r.from - 1n };
    next = r.to + 1n;
  }
  return { from: next, to: null };
}

export const initialState = (): AggregatorState => ({
  pending: new Map(),
  proofs: new Map(),
  final: null,
  verification: null,
  attempts: new Map(),
});

/** Copy-on-write: the state's maps are replaced, never mutated. Pure. */
export function evolve(state: AggregatorState, event: AggregatorEvent): AggregatorState {
  switch (event.type) {
    case 'ProofRequested': {
      const d = event.data;
      const pending = new Map(state.pending);
      pending.set(d.requestId, {
        ...toRange(d),
        kind: d.kind,
        requestId: d.requestId,
        prover: d.prover,
        ...(d.parts ? { parts: [toRange(d.parts[0]), toRange(d.parts[1])] as [ProofRange, ProofRange] } : {}),
      });
      return { ...state, pending };
    }
    case 'ProofGenerated': {
      const pending = new Map(state.pending);
      pending.delete(event.data.requestId);
      const proofs = new Map(state.proofs);
      const range = toRange(event.data);
      proofs.set(rangeKey(range), { ...range, proof: event.data.proof });
      return { ...state, pending, proofs };
    }
    case 'ProofAggregated': {
      const pending = new Map(state.pending);
      pending.delete(event.data.requestId);
      const proofs = new Map(state.proofs);
      for (const part of event.data.parts) proofs.delete(rangeKey(toRange(part)));
      const range = toRange(event.data);
      proofs.set(rangeKey(range), { ...range, proof: event.data.proof });
      return { ...state, pending, proofs };
    }
    case 'FinalProofGenerated': {
      const d = event.data;
      const pending = new Map(state.pending);
      pending.delete(d.requestId);
      const range = toRange(d);
      const proofs = new Map(state.proofs);
      proofs.delete(rangeKey(range));
      const final: FinalProof = {
        ...range,
        proof: d.proof,
        publicInputs: d.publicInputs,
        publicInputsHash: d.publicInputsHash,
        aggregator: d.aggregator,
        signer: d.signer,
      };
      return { ...state, pending, proofs, final };
    }
    case 'ProofFailed': {
      const d = event.data;
      const range = toRange(d);
      const pending = new Map(state.pending);
      if (d.requestId !== null) pending.delete(d.requestId);
      let { proofs, final, verification } = state;
      if (d.requestId === null && d.kind !== 'final') {
        proofs = new Map(proofs);
        proofs.delete(rangeKey(range));
      }
      if (d.kind === 'final' && d.requestId === null) {
        // A stale final proof, or one whose verification failed or left L1: the range is proven again from its
        // batches (a reorg may have changed anything about them), then sent under a new L1 tx id.
        if (final && rangeKey(final) === rangeKey(range)) final = null;
        if (verification && rangeKey(verification) === rangeKey(range)) verification = null;
      }
      return { ...state, pending, proofs, final, verification };
    }
    case 'VerificationSent': {
      const d = event.data;
      const range = toRange(d);
      const attempts = new Map(state.attempts);
      attempts.set(rangeKey(range), d.attempt);
      return { ...state, attempts, verification: { ...range, l1TxId: d.l1TxId, attempt: d.attempt } };
    }
    default:
      return assertNever(event, 'aggregator event');
  }
}

export const foldAggregator = (events: readonly AggregatorEvent[]): AggregatorState =>
  events.reduce(evolve, initialState());

//////// Commands

export type AggregatorCommand =
  | {
      type: 'RequestProof';
      data: ProofRange & {
        kind: ProofKind;
        requestId: string;
        prover: Address;
        parts?: [ProofRange, ProofRange];
      };
    }
  | { type: 'RecordProof'; data: { requestId: string; proof: RecursiveProofData } }
  | {
      type: 'RecordFinalProof';
      data: {
        requestId: string;
        proof: Hash[];
        publicInputsHash: Hash;
        aggregator: Address;
        signer: Address;
        publicInputs: ProofInputs;
      };
    }
  | {
      type: 'FailProof';
      data: ProofRange & {
        kind: ProofKind;
        requestId: string | null;
        cause: ProofFailureCause;
        reason: string;
        field?: string | null;
        retryable: boolean;
      };
    }
  | { type: 'SendVerification'; data: ProofRange & { newStateRoot: Hash } };

/**
 * @throws {IllegalStateError} when a command does not fit the state: a proof for a request that is not pending,
 *   an aggregation of ranges that are not adjacent finished proofs, a proof whose inputs name another range, a
 *   verification without its final proof.
 */
export function decide(command: AggregatorCommand, state: AggregatorState): AggregatorEvent[] {
  switch (command.type) {
    case 'RequestProof': {
      const d = command.data;
      if (d.to < d.from) throw new IllegalStateError(`empty proof range ${d.from}..${d.to}`);
      if (state.pending.has(d.requestId))
        throw new IllegalStateError(`request ${d.requestId} is already pending`);
      if (d.kind === 'aggregated') {
        const [a, b] = d.parts ?? [];
        if (!a || !b || a.to + 1n !== b.from || a.from !== d.from || b.to !== d.to)
          throw new IllegalStateError(`an aggregation of ${d.from}..${d.to} needs two adjacent parts`);
        for (const p of [a, b])
          if (!state.proofs.has(rangeKey(p)))
            throw new IllegalStateError(`no finished proof of ${p.from}..${p.to} to aggregate`);
      }
      return [
        {
          type: 'ProofRequested',
          data: {
            ...fromRange(d),
            kind: d.kind,
            requestId: d.requestId,
            prover: d.prover,
            ...(d.parts ? { parts: [fromRange(d.parts[0]), fromRange(d.parts[1])] as [Range, Range] } : {}),
          },
        },
      ];
    }
    case 'RecordProof': {
      const pending = pendingOf(state, command.data.requestId);
      const inputs = command.data.proof.publicInputs;
      if (BigInt(inputs.initNumBatch) !== pending.from - 1n || BigInt(inputs.finalNewBatch) !== pending.to)
        throw new IllegalStateError(
          `the proof of request ${pending.requestId} covers ${inputs.initNumBatch}..${inputs.finalNewBatch}, not ${pending.from - 1n}..${pending.to}`,
        );
      if (pending.kind === 'batch')
        return [
          {
            type: 'ProofGenerated',
            data: { ...fromRange(pending), requestId: pending.requestId, proof: command.data.proof },
          },
        ];
      if (pending.kind === 'aggregated' && pending.parts)
        return [
          {
            type: 'ProofAggregated',
            data: {
              ...fromRange(pending),
              requestId: pending.requestId,
              proof: command.data.proof,
              parts: [fromRange(pending.parts[0]), fromRange(pending.parts[1])],
            },
          },
        ];
      throw new IllegalStateError(
        `request ${pending.requestId} is a ${pending.kind} proof, not an intermediate one`,
      );
    }
    case 'RecordFinalProof': {
      const pending = pendingOf(state, command.data.requestId);
      if (pending.kind !== 'final')
        throw new IllegalStateError(
          `request ${pending.requestId} is a ${pending.kind} proof, not a final one`,
        );
      if (command.data.proof.length !== 24)
        throw new IllegalStateError(`a final proof has 24 words, got ${command.data.proof.length}`);
      return [
        {
          type: 'FinalProofGenerated',
          data: {
            ...fromRange(pending),
            requestId: pending.requestId,
            proof: command.data.proof,
            publicInputs: command.data.publicInputs,
            publicInputsHash: command.data.publicInputsHash,
            aggregator: command.data.aggregator,
            signer: command.data.signer,
          },
        },
      ];
    }
    case 'FailProof': {
      const d = command.data;
      if (d.requestId !== null) pendingOf(state, d.requestId);
      return [
        {
          type: 'ProofFailed',
          data: {
            ...fromRange(d),
            kind: d.kind,
            requestId: d.requestId,
            cause: d.cause,
            reason: d.reason,
            field: d.field ?? null,
            retryable: d.retryable,
          },
        },
      ];
    }
    case 'SendVerification': {
      const d = command.data;
      const final = state.final;
      if (!final || final.from !== d.from || final.to !== d.to)
        throw new IllegalStateError(`no final proof of ${d.from}..${d.to} to send`);
      const attempt = (state.attempts.get(rangeKey(d)) ?? 0) + 1;
      return [
        {
          type: 'VerificationSent',
          data: {
            ...fromRange(d),
            l1TxId: verificationL1TxId(d.from, d.to, attempt),
            attempt,
            newStateRoot: d.newStateRoot,
          },
        },
      ];
    }
    default:
      return assertNever(command, 'aggregator command');
  }
}

function pendingOf(state: AggregatorState, requestId: string): PendingProof {
  const pending = state.pending.get(requestId);
  if (!pending) throw new IllegalStateError(`no pending proof request ${requestId}`);
  return pending;
}
