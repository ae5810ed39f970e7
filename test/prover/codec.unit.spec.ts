/**
 * Domain ↔ proto (src/prover/codec.ts): every message survives the binary wire unchanged, and every wrong length
 * or missing message is refused with the field named in proto spelling.
 */
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import {
  type BatchProofRequestData,
  FinalProofSchema,
  fromProtoBatchProofRequest,
  fromProtoFinalProof,
  fromProtoPublicInputs,
  fromProtoRecursiveProof,
  GenBatchProofRequestSchema,
  type ProofPublicInputs,
  ProverInputError,
  PublicInputsSchema,
  RecursiveProofSchema,
  toProtoBatchProofRequest,
  toProtoFinalProof,
  toProtoPublicInputs,
  toProtoRecursiveProof,
} from '../../src/prover/index.ts';

const test = suite('prover/codec');

const fill = (byte: number, n: number) => `0x${byte.toString(16).padStart(2, '0').repeat(n)}` as Hex;
const inputs: ProofPublicInputs = {
  chainId: 1001n,
  forkId: 5n,
  initNumBatch: 7n,
  finalNewBatch: (1n << 64n) - 1n,
  oldStateRoot: fill(1, 32),
  newStateRoot: fill(2, 32),
  oldAccInputHash: fill(3, 32),
  newAccInputHash: fill(4, 32),
  newLocalExitRoot: fill(0, 32),
};
const request: BatchProofRequestData = {
  publicInputs: inputs,
  batches: [
    {
      batchNumber: 8n,
      batchL2Data: new Uint8Array([1, 2, 3]),
      globalExitRoot: fill(5, 32),
      timestamp: 1_700_000_000n,
      coinbase: fill(0xf3, 20) as Address,
      firstL2Block: 12n,
    },
    {
      batchNumber: 9n,
      batchL2Data: new Uint8Array(),
      globalExitRoot: fill(6, 32),
      timestamp: 1_700_000_001n,
      coinbase: fill(0xab, 20) as Address,
      firstL2Block: 15n,
    },
  ],
  witness: { nodes: [new Uint8Array([0xc0]), new Uint8Array([0x80, 1])], codes: [new Uint8Array([0x60, 0])] },
};

function refusedWith(fn: () => unknown, field: string, message: string): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, ProverInputError);
    assert.is((err as ProverInputError).field, field);
    assert.is((err as ProverInputError).shortMessage, message);
    return;
  }
  assert.unreachable(`expected a ProverInputError for ${field}`);
}

test('public inputs, batch requests and proofs survive the binary wire', () => {
  const pi = fromBinary(PublicInputsSchema, toBinary(PublicInputsSchema, toProtoPublicInputs(inputs)));
  assert.equal(fromProtoPublicInputs(pi), inputs);

  const wire = toBinary(GenBatchProofRequestSchema, toProtoBatchProofRequest(request));
  assert.equal(fromProtoBatchProofRequest(fromBinary(GenBatchProofRequestSchema, wire)), request);

  const recursive = { publicInputs: inputs, signature: fill(9, 65) };
  const rp = fromBinary(
    RecursiveProofSchema,
    toBinary(RecursiveProofSchema, toProtoRecursiveProof(recursive)),
  );
  assert.equal(fromProtoRecursiveProof(rp), recursive);

  const final = {
    proof: Array.from({ length: 24 }, (_, i) => fill(i, 32) as Hash),
    publicInputs: inputs,
    aggregator: fill(0x70, 20) as Address,
    publicInputsHash: fill(0xee, 32) as Hash,
  };
  const fp = fromBinary(FinalProofSchema, toBinary(FinalProofSchema, toProtoFinalProof(final)));
  assert.equal(fromProtoFinalProof(fp), final);
});

test('wrong lengths and missing messages name the field', () => {
  const pi = toProtoPublicInputs(inputs);
  refusedWith(
    () => fromProtoPublicInputs({ ...pi, oldStateRoot: new Uint8Array(31) }),
    'public_inputs.old_state_root',
    'public_inputs.old_state_root must be 32 bytes, got 31',
  );
  refusedWith(() => fromProtoPublicInputs(undefined), 'public_inputs', 'public_inputs is missing');
  const req = toProtoBatchProofRequest(request);
  refusedWith(
    () => fromProtoBatchProofRequest({ ...req, witness: undefined }),
    'witness',
    'witness is missing',
  );
  refusedWith(
    () =>
      fromProtoBatchProofRequest({
        ...req,
        batches: [req.batches[0]!, { ...req.batches[1]!, coinbase: new Uint8Array(21) }],
      }),
    'batches[1].coinbase',
    'batches[1].coinbase must be 20 bytes, got 21',
  );
  const rp = toProtoRecursiveProof({ publicInputs: inputs, signature: fill(9, 65) });
  refusedWith(
    () => fromProtoRecursiveProof({ ...rp, signature: new Uint8Array(64) }, 'recursive_proof_2'),
    'recursive_proof_2.signature',
    'recursive_proof_2.signature must be 65 bytes, got 64',
  );
  refusedWith(
    () => fromProtoRecursiveProof({ ...rp, publicInputs: undefined }, 'recursive_proof_1'),
    'recursive_proof_1.public_inputs',
    'recursive_proof_1.public_inputs is missing',
  );
  refusedWith(
    () => toProtoPublicInputs({ ...inputs, newStateRoot: '0x1234' }),
    'public_inputs.new_state_root',
    'public_inputs.new_state_root must be 32 bytes of 0x-hex, got 0x1234',
  );
  refusedWith(
    () =>
      toProtoFinalProof({
        proof: [],
        publicInputs: inputs,
        aggregator: fill(1, 20),
        publicInputsHash: fill(1, 32),
      }),
    'final_proof.proof',
    'final_proof.proof must have 24 words, got 0',
  );
});

test.run();
