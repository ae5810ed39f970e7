/**
 * The proof's public input as DESIGN §7 fixes it and the rollup computes it (`getInputSnarkBytes`), and the
 * attestation the reference prover puts in `bytes32[24] proof`:
 *
 *   publicInputsHash = keccak256(abi.encodePacked(uint64 chainId, uint64 forkId, uint64 initNumBatch,
 *                      uint64 finalNewBatch, bytes32 oldStateRoot, bytes32 newStateRoot, bytes32 oldAccInputHash,
 *                      bytes32 newAccInputHash, bytes32 newLocalExitRoot, address aggregator))
 *
 *   proof[0] = r, proof[1] = s (low s), proof[2] = v (27 | 28), proof[3..23] = 0: the signature by a registered
 *   prover key over that hash as a raw digest (contracts/AttestationVerifier.sol).
 *
 * (The fork-5 PolygonZkEVM hashes a differently ordered packing with sha256 modulo the BN254 field, for its SNARK;
 * a SNARK verifier plugged in here would bring its own reduction.) An attestation, not a zero-knowledge proof. Pure.
 */
import { recoverAddress, Signature, SigningKey } from 'ethers';
import {
  type Address,
  bytesToHex,
  type Hash,
  type Hex,
  hexToBytes,
  isHex,
  keccak256,
  toAddress,
} from '../../primitives/index.ts';
import { L1ContractInputError } from './errors.ts';

/** What the public input commits to; `aggregator` is the sender of `verifyBatchesTrustedAggregator`. */
export type PublicInputs = {
  aggregator: Address;
  oldStateRoot: Hash;
  /** `sequencedBatches[initNumBatch].accInputHash` (zero for batch 0). */
  oldAccInputHash: Hash;
  initNumBatch: bigint | number;
  /** The L2 chain id (1001 in dev). */
  chainId: bigint | number;
  forkId: bigint | number;
  newStateRoot: Hash;
  /** `sequencedBatches[finalNewBatch].accInputHash`. */
  newAccInputHash: Hash;
  newLocalExitRoot: Hash;
  finalNewBatch: bigint | number;
};

const UINT64_MAX = (1n << 64n) - 1n;
const HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const ZERO_WORD = `0x${'0'.repeat(64)}` as Hash;

function fixed(value: string, size: number, what: string): Uint8Array {
  if (!isHex(value, { strict: true }) || value.length !== 2 + size * 2) {
    throw new L1ContractInputError(`${what} is not ${size} bytes of 0x-hex: ${value}`);
  }
  return hexToBytes(value);
}

function uint64(value: bigint | number, what: string): bigint {
  const v = BigInt(value);
  if (v < 0n || v > UINT64_MAX) throw new L1ContractInputError(`${what} ${v} is not a uint64`);
  return v;
}

/**
 * The 212 packed bytes of `getInputSnarkBytes` (see the module header). Pure.
 * @throws {L1ContractInputError} on a malformed field.
 */
export function publicInputsBytes(p: PublicInputs): Hex {
  const out = new Uint8Array(212);
  const view = new DataView(out.buffer);
  let at = 0;
  const put = (b: Uint8Array) => {
    out.set(b, at);
    at += b.length;
  };
  const put64 = (v: bigint) => {
    view.setBigUint64(at, v);
    at += 8;
  };
  put64(uint64(p.chainId, 'chainId'));
  put64(uint64(p.forkId, 'forkId'));
  put64(uint64(p.initNumBatch, 'initNumBatch'));
  put64(uint64(p.finalNewBatch, 'finalNewBatch'));
  put(fixed(p.oldStateRoot, 32, 'oldStateRoot'));
  put(fixed(p.newStateRoot, 32, 'newStateRoot'));
  put(fixed(p.oldAccInputHash, 32, 'oldAccInputHash'));
  put(fixed(p.newAccInputHash, 32, 'newAccInputHash'));
  put(fixed(p.newLocalExitRoot, 32, 'newLocalExitRoot'));
  put(fixed(p.aggregator, 20, 'aggregator'));
  return bytesToHex(out);
}

/**
 * The public-inputs hash the rollup hands the verifier, `keccak256(publicInputsBytes)` (DESIGN §7): what the
 * prover signs and the aggregator checks. Pure.
 * @throws {L1ContractInputError} on a malformed field.
 */
export function publicInputsHash(p: PublicInputs): Hash {
  return bytesToHex(keccak256(hexToBytes(publicInputsBytes(p)))) as Hash;
}

/**
 * The attestation of `publicInputsHash` by `proverKey`, as the 24 proof words (layout in the module header). Pure.
 * @throws {L1ContractInputError} when the hash is not 32 bytes or the key is not a valid 32-byte private key.
 */
export function signAttestation(publicInputsHash: Hash, proverKey: Hex): Hash[] {
  const message = fixed(publicInputsHash, 32, 'publicInputsHash');
  let key: SigningKey;
  try {
    key = new SigningKey(bytesToHex(fixed(proverKey, 32, 'proverKey')));
  } catch (err) {
    throw new L1ContractInputError('proverKey is not a valid secp256k1 private key', { cause: err });
  }
  const sig = key.sign(message); // the raw digest (DESIGN §7)
  const proof: Hash[] = Array.from({ length: 24 }, () => ZERO_WORD);
  proof[0] = sig.r.toLowerCase() as Hash;
  proof[1] = sig.s.toLowerCase() as Hash;
  proof[2] = `0x${sig.v.toString(16).padStart(64, '0')}` as Hash;
  return proof;
}

/**
 * The address whose attestation `proof` is over `publicInputsHash`, or null when the proof does not follow the
 * layout (24 words, v 27|28, low s, zero tail) or recovers no key — the checks of `AttestationVerifier`. Pure.
 */
export function recoverAttestationSigner(proof: readonly Hash[], publicInputsHash: Hash): Address | null {
  if (proof.length !== 24 || !isHex(publicInputsHash) || publicInputsHash.length !== 66) return null;
  if (!proof.every((w) => isHex(w) && w.length === 66)) return null;
  if (proof.slice(3).some((w) => BigInt(w) !== 0n)) return null;
  const v = BigInt(proof[2]!);
  if (v !== 27n && v !== 28n) return null;
  if (BigInt(proof[1]!) > HALF_CURVE_ORDER) return null;
  try {
    const signature = Signature.from({ r: proof[0]!, s: proof[1]!, v: Number(v) });
    return toAddress(recoverAddress(publicInputsHash, signature));
  } catch {
    return null;
  }
}
