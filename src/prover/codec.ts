/**
 * Domain ↔ proto for the prover protocol (proto/levitation/prover/v1/prover.proto): hashes, roots and addresses
 * are branded 0x-hex in the node and raw bytes (32 and 20) on the wire; quantities are bigints on both sides.
 * `toProto*` build messages for a request or a response; `fromProto*` check every length and every required
 * message and name the offending field in proto spelling (`public_inputs.old_state_root`, `batches[1].coinbase`).
 * Pure.
 */
import { create } from '@bufbuild/protobuf';
import type { Witness, WitnessBatch } from '../execution/index.ts';
import { type Address, bytesToHex, type Hash, type Hex, hexToBytes, isHex } from '../primitives/index.ts';
import { ProverInputError } from './errors.ts';
import {
  type BatchInput,
  BatchInputSchema,
  type FinalProof,
  FinalProofSchema,
  type GenBatchProofRequest,
  GenBatchProofRequestSchema,
  type Witness as ProtoWitness,
  type PublicInputs,
  PublicInputsSchema,
  type RecursiveProof,
  RecursiveProofSchema,
  WitnessSchema,
} from './gen/levitation/prover/v1/prover_pb.ts';

/**
 * What a batch or aggregated proof proves (DESIGN §7): the transition from batch `initNumBatch` (its state root
 * and accInputHash are the old ones) to batch `finalNewBatch`. The final proof adds the aggregator's address.
 */
export type ProofPublicInputs = {
  chainId: bigint;
  forkId: bigint;
  initNumBatch: bigint;
  finalNewBatch: bigint;
  oldStateRoot: Hash;
  newStateRoot: Hash;
  oldAccInputHash: Hash;
  newAccInputHash: Hash;
  /** Always zero on this L2 (no bridge). */
  newLocalExitRoot: Hash;
};

/** A batch or aggregated proof: its public inputs and the prover's 65-byte signature r ‖ s ‖ v over them. */
export type RecursiveProofData = {
  publicInputs: ProofPublicInputs;
  /** 65 bytes: r ‖ s ‖ v (27 or 28), over `publicInputsHash({...publicInputs, aggregator: zero address})`. */
  signature: Hex;
};

/** The final proof: the 24 words of `verifyBatchesTrustedAggregator`'s `proof` and what they attest. */
export type FinalProofData = {
  /** proof[0] = r, proof[1] = s, proof[2] = v, proof[3..23] = 0. */
  proof: Hash[];
  publicInputs: ProofPublicInputs;
  aggregator: Address;
  /** `publicInputsHash({...publicInputs, aggregator})`: what was signed. */
  publicInputsHash: Hash;
};

/** A batch proof request: the claim, the batches `initNumBatch + 1 .. finalNewBatch` and their witness. */
export type BatchProofRequestData = {
  publicInputs: ProofPublicInputs;
  batches: readonly WitnessBatch[];
  witness: Witness;
};

/** Length of an intermediate proof's signature: r (32) ‖ s (32) ‖ v (1). */
export const SIGNATURE_LENGTH = 65;
/** Words of a final proof (`bytes32[24] proof`). */
export const FINAL_PROOF_WORDS = 24;

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function bytesOf(hex: string, size: number, field: string): Uint8Array {
  if (!isHex(hex, { strict: true }) || hex.length !== 2 + size * 2) {
    throw new ProverInputError(field, `${field} must be ${size} bytes of 0x-hex, got ${hex.slice(0, 80)}`);
  }
  return hexToBytes(hex);
}

function hexOf(bytes: Uint8Array, size: number, field: string): Hex {
  if (bytes.length !== size)
    throw new ProverInputError(field, `${field} must be ${size} bytes, got ${bytes.length}`);
  return bytesToHex(bytes);
}

function present<T>(message: T | undefined, field: string): T {
  if (message === undefined) throw new ProverInputError(field, `${field} is missing`);
  return message;
}

// ---------------------------------------------------------------------------------------------------------------
// Public inputs

/**
 * The proto message of `p`. Pure.
 * @throws {ProverInputError} when a root or hash is not 32 bytes of 0x-hex.
 */
export function toProtoPublicInputs(p: ProofPublicInputs, field = 'public_inputs'): PublicInputs {
  return create(PublicInputsSchema, {
    chainId: p.chainId,
    forkId: p.forkId,
    initNumBatch: p.initNumBatch,
    finalNewBatch: p.finalNewBatch,
    oldStateRoot: bytesOf(p.oldStateRoot, 32, `${field}.old_state_root`),
    newStateRoot: bytesOf(p.newStateRoot, 32, `${field}.new_state_root`),
    oldAccInputHash: bytesOf(p.oldAccInputHash, 32, `${field}.old_acc_input_hash`),
    newAccInputHash: bytesOf(p.newAccInputHash, 32, `${field}.new_acc_input_hash`),
    newLocalExitRoot: bytesOf(p.newLocalExitRoot, 32, `${field}.new_local_exit_root`),
  });
}

/**
 * The public inputs of a proto message (`field` names it in errors). Pure.
 * @throws {ProverInputError} when the message is missing or a root or hash is not 32 bytes.
 */
export function fromProtoPublicInputs(
  p: PublicInputs | undefined,
  field = 'public_inputs',
): ProofPublicInputs {
  const m = present(p, field);
  return {
    chainId: m.chainId,
    forkId: m.forkId,
    initNumBatch: m.initNumBatch,
    finalNewBatch: m.finalNewBatch,
    oldStateRoot: hexOf(m.oldStateRoot, 32, `${field}.old_state_root`),
    newStateRoot: hexOf(m.newStateRoot, 32, `${field}.new_state_root`),
    oldAccInputHash: hexOf(m.oldAccInputHash, 32, `${field}.old_acc_input_hash`),
    newAccInputHash: hexOf(m.newAccInputHash, 32, `${field}.new_acc_input_hash`),
    newLocalExitRoot: hexOf(m.newLocalExitRoot, 32, `${field}.new_local_exit_root`),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Batches and witness

/**
 * The proto message of one batch. Pure.
 * @throws {ProverInputError} when the global exit root is not 32 bytes or the coinbase not 20.
 */
export function toProtoBatch(b: WitnessBatch, field = 'batch'): BatchInput {
  return create(BatchInputSchema, {
    batchNumber: b.batchNumber,
    batchL2Data: b.batchL2Data,
    globalExitRoot: bytesOf(b.globalExitRoot, 32, `${field}.global_exit_root`),
    timestamp: b.timestamp,
    coinbase: bytesOf(b.coinbase, 20, `${field}.coinbase`),
    firstL2Block: b.firstL2Block,
  });
}

/**
 * One batch of a proto message (`field` names it in errors, e.g. `batches[0]`). Pure.
 * @throws {ProverInputError} when the global exit root is not 32 bytes or the coinbase not 20.
 */
export function fromProtoBatch(b: BatchInput, field = 'batch'): WitnessBatch {
  return {
    batchNumber: b.batchNumber,
    batchL2Data: b.batchL2Data,
    globalExitRoot: hexOf(b.globalExitRoot, 32, `${field}.global_exit_root`) as Hash,
    timestamp: b.timestamp,
    coinbase: hexOf(b.coinbase, 20, `${field}.coinbase`) as Address,
    firstL2Block: b.firstL2Block,
  };
}

/** The proto message of a witness. Pure. */
export function toProtoWitness(w: Witness): ProtoWitness {
  return create(WitnessSchema, { nodes: [...w.nodes], codes: [...w.codes] });
}

/**
 * The witness of a proto message. Pure.
 * @throws {ProverInputError} when it is missing.
 */
export function fromProtoWitness(w: ProtoWitness | undefined, field = 'witness'): Witness {
  const m = present(w, field);
  return { nodes: m.nodes, codes: m.codes };
}

/**
 * The `GenBatchProof` request of a claim, its batches and their witness. Pure.
 * @throws {ProverInputError} when a root, hash or address has the wrong length.
 */
export function toProtoBatchProofRequest(r: BatchProofRequestData): GenBatchProofRequest {
  return create(GenBatchProofRequestSchema, {
    publicInputs: toProtoPublicInputs(r.publicInputs),
    batches: r.batches.map((b, i) => toProtoBatch(b, `batches[${i}]`)),
    witness: toProtoWitness(r.witness),
  });
}

/**
 * The claim, batches and witness of a `GenBatchProof` request, every length checked. It does not check that
 * the batches fit the range (the prover does). Pure.
 * @throws {ProverInputError} naming the first malformed field.
 */
export function fromProtoBatchProofRequest(r: GenBatchProofRequest): BatchProofRequestData {
  return {
    publicInputs: fromProtoPublicInputs(r.publicInputs),
    batches: r.batches.map((b, i) => fromProtoBatch(b, `batches[${i}]`)),
    witness: fromProtoWitness(r.witness),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Proofs

/**
 * The proto message of a batch or aggregated proof. Pure.
 * @throws {ProverInputError} when the signature is not 65 bytes or a root has the wrong length.
 */
export function toProtoRecursiveProof(p: RecursiveProofData, field = 'recursive_proof'): RecursiveProof {
  return create(RecursiveProofSchema, {
    publicInputs: toProtoPublicInputs(p.publicInputs, `${field}.public_inputs`),
    signature: bytesOf(p.signature, SIGNATURE_LENGTH, `${field}.signature`),
  });
}

/**
 * A batch or aggregated proof of a proto message. Pure.
 * @throws {ProverInputError} when it is missing, its signature is not 65 bytes or a root has the wrong length.
 */
export function fromProtoRecursiveProof(
  p: RecursiveProof | undefined,
  field = 'recursive_proof',
): RecursiveProofData {
  const m = present(p, field);
  return {
    publicInputs: fromProtoPublicInputs(m.publicInputs, `${field}.public_inputs`),
    signature: hexOf(m.signature, SIGNATURE_LENGTH, `${field}.signature`),
  };
}

/**
 * The proto message of a final proof. Pure.
 * @throws {ProverInputError} when the proof is not 24 words of 32 bytes or a field has the wrong length.
 */
export function toProtoFinalProof(p: FinalProofData, field = 'final_proof'): FinalProof {
  if (p.proof.length !== FINAL_PROOF_WORDS) {
    throw new ProverInputError(
      `${field}.proof`,
      `${field}.proof must have ${FINAL_PROOF_WORDS} words, got ${p.proof.length}`,
    );
  }
  return create(FinalProofSchema, {
    proof: p.proof.map((w, i) => bytesOf(w, 32, `${field}.proof[${i}]`)),
    publicInputs: toProtoPublicInputs(p.publicInputs, `${field}.public_inputs`),
    aggregatorAddr: bytesOf(p.aggregator, 20, `${field}.aggregator_addr`),
    publicInputsHash: bytesOf(p.publicInputsHash, 32, `${field}.public_inputs_hash`),
  });
}

/**
 * A final proof of a proto message. Pure.
 * @throws {ProverInputError} when it is missing, the proof is not 24 words of 32 bytes or a field has the wrong
 *   length.
 */
export function fromProtoFinalProof(p: FinalProof | undefined, field = 'final_proof'): FinalProofData {
  const m = present(p, field);
  if (m.proof.length !== FINAL_PROOF_WORDS) {
    throw new ProverInputError(
      `${field}.proof`,
      `${field}.proof must have ${FINAL_PROOF_WORDS} words, got ${m.proof.length}`,
    );
  }
  return {
    proof: m.proof.map((w, i) => hexOf(w, 32, `${field}.proof[${i}]`) as Hash),
    publicInputs: fromProtoPublicInputs(m.publicInputs, `${field}.public_inputs`),
    aggregator: hexOf(m.aggregatorAddr, 20, `${field}.aggregator_addr`) as Address,
    publicInputsHash: hexOf(m.publicInputsHash, 32, `${field}.public_inputs_hash`) as Hash,
  };
}
