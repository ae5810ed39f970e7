/**
 * Intermediate (batch and aggregated) proofs of the reference prover: their public inputs attested by the prover's
 * key over the DESIGN §7 public-inputs hash with a zero aggregator, carried as 65 bytes r ‖ s ‖ v (the first three
 * words of the final proof's layout). The prover signs and checks them; the aggregator checks them. Pure.
 */
import { publicInputsHash, recoverAttestationSigner, signAttestation } from '../l1/index.ts';
import type { Address, Hash, Hex } from '../primitives/index.ts';
import type { ProofPublicInputs, RecursiveProofData } from './codec.ts';

const ZERO_ADDRESS = `0x${'0'.repeat(40)}` as Address;
const ZERO_HASH = `0x${'0'.repeat(64)}` as Hash;

/** The hash an intermediate proof signs: the public-inputs hash with the zero aggregator. */
function intermediateHash(p: ProofPublicInputs): Hash {
  return publicInputsHash({ ...p, aggregator: ZERO_ADDRESS });
}

/**
 * `publicInputs` attested with `key`.
 * @throws {L1ContractInputError} when a field or the key is malformed.
 */
export function signIntermediateProof(publicInputs: ProofPublicInputs, key: Hex): RecursiveProofData {
  const words = signAttestation(intermediateHash(publicInputs), key);
  return { publicInputs, signature: `0x${words[0]!.slice(2)}${words[1]!.slice(2)}${words[2]!.slice(-2)}` };
}

/** Who attested `proof`'s public inputs, or null when its signature is no valid attestation of them. */
export function recoverIntermediateSigner(proof: RecursiveProofData): Address | null {
  const hex = proof.signature.slice(2);
  const words: Hash[] = Array.from({ length: 24 }, () => ZERO_HASH);
  words[0] = `0x${hex.slice(0, 64)}` as Hash;
  words[1] = `0x${hex.slice(64, 128)}` as Hash;
  words[2] = `0x${hex.slice(128, 130).padStart(64, '0')}` as Hash;
  return recoverAttestationSigner(words, intermediateHash(proof.publicInputs));
}
