/**
 * The prover (DESIGN §7): the `ProverService` protocol (proto/levitation/prover/v1/prover.proto, generated into
 * ./gen by `npm run gen`), the reference prover that serves it, its HTTP/2 server, and the client the aggregator
 * uses.
 *
 * Invariants:
 * - The reference prover signs only what it re-executed: a batch proof's new state root and accInputHash are
 *   recomputed from the old state root, the witness and the batches; aggregated and final proofs build only on
 *   its own signatures. Its proofs are attestations (secp256k1 over the public-inputs hash), never ZK proofs.
 * - Intermediate proofs are signed with a zero aggregator address; only the final proof binds an aggregator, so
 *   only it can pass the L1 verifier.
 * - Requests are asynchronous and bounded: `Gen*` answers an id or refuses (`INVALID_ARGUMENT` naming the field,
 *   `RESOURCE_EXHAUSTED` when `max_pending` are pending); results live in memory, so after a restart `GetProof`
 *   answers `NOT_FOUND` and the client asks again.
 */

export { recoverIntermediateSigner, signIntermediateProof } from './attestation.ts';
// For users of the prover: the client, the domain ↔ proto conversions, the server and the reference prover.
export {
  createProverClient,
  type ProverClient,
  type ProverClientOptions,
  proverErrorSeverity,
} from './client.ts';
export {
  type BatchProofRequestData,
  FINAL_PROOF_WORDS,
  type FinalProofData,
  fromProtoBatch,
  fromProtoBatchProofRequest,
  fromProtoFinalProof,
  fromProtoPublicInputs,
  fromProtoRecursiveProof,
  fromProtoWitness,
  type ProofPublicInputs,
  type RecursiveProofData,
  SIGNATURE_LENGTH,
  toProtoBatch,
  toProtoBatchProofRequest,
  toProtoFinalProof,
  toProtoPublicInputs,
  toProtoRecursiveProof,
  toProtoWitness,
} from './codec.ts';
export { ProverInputError } from './errors.ts';
// The generated protocol (messages, enums, the service descriptor).
export {
  type BatchInput,
  BatchInputSchema,
  type CancelRequest,
  CancelRequestSchema,
  type CancelResponse,
  CancelResponseSchema,
  type FinalProof,
  FinalProofSchema,
  file_levitation_prover_v1_prover,
  type GenAggregatedProofRequest,
  GenAggregatedProofRequestSchema,
  type GenAggregatedProofResponse,
  GenAggregatedProofResponseSchema,
  type GenBatchProofRequest,
  GenBatchProofRequestSchema,
  type GenBatchProofResponse,
  GenBatchProofResponseSchema,
  type GenFinalProofRequest,
  GenFinalProofRequestSchema,
  type GenFinalProofResponse,
  GenFinalProofResponseSchema,
  type GetProofRequest,
  GetProofRequestSchema,
  type GetProofResponse,
  GetProofResponseSchema,
  type GetStatusRequest,
  GetStatusRequestSchema,
  type GetStatusResponse,
  GetStatusResponseSchema,
  ProofResult,
  ProofResultSchema,
  ProverService,
  ProverStatus,
  ProverStatusSchema,
  type PublicInputs,
  PublicInputsSchema,
  type RecursiveProof,
  RecursiveProofSchema,
  type Witness,
  WitnessSchema,
} from './gen/levitation/prover/v1/prover_pb.ts';
export { type ProverServer, type ProverServerOptions, startProverServer } from './server.ts';
export {
  createReferenceProver,
  DEFAULT_PROVER_NAME,
  type ReferenceProver,
  type ReferenceProverOptions,
  type ReferenceProverStatus,
} from './service.ts';
export { ProverExecutionError } from './stateless-pool.ts';
