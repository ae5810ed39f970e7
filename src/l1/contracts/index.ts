/**
 * The L1 contracts (contracts/*.sol, DESIGN §6): their ABIs (`as const`, for viem and ethers) and compiled
 * artifacts, the fork-5 selectors and event topics, calldata/event/revert codecs, the proof's public-inputs hash
 * with the prover's attestation, and the deterministic deployment. Everything but `deployL1Contracts` and
 * `loadL1Artifact` (file read) is pure. Invariants: the ABIs equal the committed build, which equals what the
 * sources compile to (checked by `scripts/compile-contracts.ts --check` in the tests).
 */
export {
  attestationVerifierAbi,
  iFeeTokenAbi,
  iGlobalExitRootManagerAbi,
  iVerifierAbi,
  levitationFeeTokenAbi,
  levitationGlobalExitRootAbi,
  levitationZkEVMAbi,
} from './abis.ts';
export { L1_DEPLOYMENT_NONCES, type L1ContractAddresses, predictL1ContractAddresses } from './addresses.ts';
export {
  L1_SELECTORS,
  L1_TOPICS,
  type L1Artifact,
  type L1ContractName,
  loadL1Artifact,
} from './artifacts.ts';
export {
  decodeForceBatchCalldata,
  decodeL1Revert,
  decodeSequenceBatchesCalldata,
  decodeSequenceForceBatchesCalldata,
  decodeVerifyBatchesCalldata,
  encodeApprove,
  encodeForceBatch,
  encodeSequenceBatches,
  encodeSequenceForceBatches,
  encodeVerifyBatches,
  type ForcedBatchData,
  feeTokenInterface,
  globalExitRootInterface,
  type L1Revert,
  rollupInterface,
  type SequenceBatchData,
  type VerifyBatchesParams,
  verifierInterface,
} from './calldata.ts';
export { type DeployL1ContractsOptions, deployL1Contracts, type L1Deployment } from './deploy.ts';
export {
  asL1RpcError,
  L1ContractInputError,
  L1DecodeError,
  L1DeploymentError,
  L1RpcError,
} from './errors.ts';
export { decodeL1Log, type L1ContractEvent, type L1LogLike } from './events.ts';
export {
  type PublicInputs,
  publicInputsBytes,
  publicInputsHash,
  recoverAttestationSigner,
  signAttestation,
} from './public-inputs.ts';
