/**
 * The `aggregator` stream's decider (src/streams/aggregator): the proving pipeline's states and its refusals.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IllegalStateError } from '../../src/errors/index.ts';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import {
  type AggregatorCommand,
  type AggregatorEvent,
  type AggregatorState,
  decide,
  evolve,
  firstGap,
  foldAggregator,
  initialState,
  type ProofInputs,
  verificationL1TxId,
} from '../../src/streams/aggregator/index.ts';

const test = suite('streams/aggregator');

const PROVER = '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65' as Address;
const AGGREGATOR = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' as Address;
const h = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hash;
const inputs = (from: bigint, to: bigint): ProofInputs => ({
  chainId: '1001',
  forkId: '5',
  initNumBatch: (from - 1n).toString(),
  finalNewBatch: to.toString(),
  oldStateRoot: h(Number(from) - 1),
  newStateRoot: h(Number(to)),
  oldAccInputHash: h(100 + Number(from) - 1),
  newAccInputHash: h(100 + Number(to)),
  newLocalExitRoot: h(0),
});
const SIG = `0x${'11'.repeat(65)}` as Hex;

/** Applies commands in order, returning the events and the state. */
function run(commands: AggregatorCommand[], state: AggregatorState = initialState()) {
  const events: AggregatorEvent[] = [];
  for (const c of commands) {
    const out = decide(c, state);
    events.push(...out);
    state = out.reduce(evolve, state);
  }
  return { events, state };
}

const request = (from: bigint, to: bigint, requestId: string): AggregatorCommand => ({
  type: 'RequestProof',
  data: { from, to, kind: 'batch', requestId, prover: PROVER },
});
const record = (requestId: string, from: bigint, to: bigint): AggregatorCommand => ({
  type: 'RecordProof',
  data: { requestId, proof: { publicInputs: inputs(from, to), signature: SIG } },
});

test('batch proofs, an aggregation, a final proof and its verification', () => {
  const { events, state } = run([
    request(1n, 2n, 'a'),
    request(3n, 3n, 'b'),
    record('a', 1n, 2n),
    record('b', 3n, 3n),
    {
      type: 'RequestProof',
      data: {
        from: 1n,
        to: 3n,
        kind: 'aggregated',
        requestId: 'c',
        prover: PROVER,
        parts: [
          { from: 1n, to: 2n },
          { from: 3n, to: 3n },
        ],
      },
    },
    record('c', 1n, 3n),
    { type: 'RequestProof', data: { from: 1n, to: 3n, kind: 'final', requestId: 'd', prover: PROVER } },
    {
      type: 'RecordFinalProof',
      data: {
        requestId: 'd',
        proof: Array.from({ length: 24 }, () => h(7)),
        publicInputsHash: h(9),
        aggregator: AGGREGATOR,
        signer: PROVER,
        publicInputs: inputs(1n, 3n),
      },
    },
    { type: 'SendVerification', data: { from: 1n, to: 3n, newStateRoot: h(3) } },
  ]);
  assert.equal(
    events.map((e) => e.type),
    [
      'ProofRequested',
      'ProofRequested',
      'ProofGenerated',
      'ProofGenerated',
      'ProofRequested',
      'ProofAggregated',
      'ProofRequested',
      'FinalProofGenerated',
      'VerificationSent',
    ],
  );
  assert.is(state.pending.size, 0);
  assert.is(state.proofs.size, 0, 'the parts were aggregated and the aggregate finalised');
  assert.is(state.final?.to, 3n);
  assert.equal(state.verification, { from: 1n, to: 3n, l1TxId: 'proof-from-1-to-3', attempt: 1 });
  // The fold of the recorded events gives the same state.
  const folded = foldAggregator(events);
  assert.equal(folded.verification, state.verification);
  assert.equal([...folded.attempts], [['1-3', 1]]);
});

test('a verification that left L1 drops the final proof; the next one gets a new L1 tx id', () => {
  const { state } = run([
    request(1n, 1n, 'a'),
    record('a', 1n, 1n),
    { type: 'RequestProof', data: { from: 1n, to: 1n, kind: 'final', requestId: 'f', prover: PROVER } },
    {
      type: 'RecordFinalProof',
      data: {
        requestId: 'f',
        proof: Array.from({ length: 24 }, () => h(7)),
        publicInputsHash: h(9),
        aggregator: AGGREGATOR,
        signer: PROVER,
        publicInputs: inputs(1n, 1n),
      },
    },
    { type: 'SendVerification', data: { from: 1n, to: 1n, newStateRoot: h(1) } },
    {
      type: 'FailProof',
      data: {
        from: 1n,
        to: 1n,
        kind: 'final',
        requestId: null,
        cause: 'l1',
        reason: 'reorged out',
        retryable: true,
      },
    },
  ]);
  assert.is(state.final, null);
  assert.is(state.verification, null);
  const again = run(
    [
      request(1n, 1n, 'a2'),
      record('a2', 1n, 1n),
      { type: 'RequestProof', data: { from: 1n, to: 1n, kind: 'final', requestId: 'f2', prover: PROVER } },
      {
        type: 'RecordFinalProof',
        data: {
          requestId: 'f2',
          proof: Array.from({ length: 24 }, () => h(7)),
          publicInputsHash: h(9),
          aggregator: AGGREGATOR,
          signer: PROVER,
          publicInputs: inputs(1n, 1n),
        },
      },
      { type: 'SendVerification', data: { from: 1n, to: 1n, newStateRoot: h(1) } },
    ],
    state,
  );
  assert.is(again.state.verification?.l1TxId, 'proof-from-1-to-1-attempt-2');
  assert.is(verificationL1TxId(4n, 9n, 1), 'proof-from-4-to-9');
});

test('a failed request frees its range; a stale finished proof is dropped', () => {
  const { state } = run([
    request(1n, 1n, 'a'),
    request(2n, 2n, 'b'),
    record('b', 2n, 2n),
    {
      type: 'FailProof',
      data: {
        from: 1n,
        to: 1n,
        kind: 'batch',
        requestId: 'a',
        cause: 'refused',
        reason: 'new_state_root differs',
        field: 'public_inputs.new_state_root',
        retryable: false,
      },
    },
    {
      type: 'FailProof',
      data: {
        from: 2n,
        to: 2n,
        kind: 'batch',
        requestId: null,
        cause: 'stale',
        reason: 'reorg',
        retryable: true,
      },
    },
  ]);
  assert.is(state.pending.size, 0);
  assert.is(state.proofs.size, 0);
});

test('refusals: unknown requests, mismatched ranges, non-adjacent aggregations, a verification without proof', () => {
  const base = run([request(1n, 2n, 'a'), request(4n, 4n, 'b'), record('b', 4n, 4n)]).state;
  const refused = (c: AggregatorCommand, pattern: RegExp) => {
    try {
      decide(c, base);
    } catch (err) {
      assert.instance(err, IllegalStateError);
      assert.match((err as Error).message, pattern);
      return;
    }
    assert.unreachable(`accepted ${c.type}`);
  };
  refused(record('zzz', 1n, 2n), /no pending proof request zzz/);
  refused(record('a', 1n, 3n), /covers 0\.\.3, not 0\.\.2/);
  refused(request(1n, 1n, 'a'), /already pending/);
  refused(request(3n, 2n, 'x'), /empty proof range/);
  refused(
    {
      type: 'RequestProof',
      data: {
        from: 2n,
        to: 4n,
        kind: 'aggregated',
        requestId: 'x',
        prover: PROVER,
        parts: [
          { from: 2n, to: 2n },
          { from: 4n, to: 4n },
        ],
      },
    },
    /two adjacent parts/,
  );
  refused({ type: 'SendVerification', data: { from: 4n, to: 4n, newStateRoot: h(4) } }, /no final proof/);
});

test('firstGap: the first batches after the last verified one that nothing held covers', () => {
  const r = (from: bigint, to: bigint) => ({ from, to });
  // Nothing held: everything from the start.
  assert.equal(firstGap([], 1n), { from: 1n, to: null });
  // A failed final of 1..4 with 5..5 proven: the hole 1..4, not 6.. (in any order, overlapping requests too).
  assert.equal(firstGap([r(5n, 5n)], 1n), { from: 1n, to: 4n });
  assert.equal(firstGap([r(7n, 8n), r(1n, 2n), r(5n, 6n), r(1n, 1n)], 1n), { from: 3n, to: 4n });
  // An aggregation in flight overlapping its parts; contiguous ranges: past all of them.
  assert.equal(firstGap([r(1n, 1n), r(2n, 2n), r(1n, 2n), r(3n, 4n)], 1n), { from: 5n, to: null });
  // Ranges at or below the start do not count beyond their end.
  assert.equal(firstGap([r(1n, 3n), r(6n, 6n)], 5n), { from: 5n, to: 5n });
  assert.equal(firstGap([r(4n, 6n)], 5n), { from: 7n, to: null });
});

test.run();
