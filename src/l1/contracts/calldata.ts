/**
 * Calldata encoders and decoders of the rollup's write functions (fork-5 ABI), the fee token's `approve`, and the
 * decoder of revert data into the contracts' custom errors. Values are branded lowercase hex and bigints. Pure.
 */
import { type ErrorDescription, Interface, type Result } from 'ethers';
import { type Address, type Hash, type Hex, isHex, toAddress } from '../../primitives/index.ts';
import {
  attestationVerifierAbi,
  levitationFeeTokenAbi,
  levitationGlobalExitRootAbi,
  levitationZkEVMAbi,
} from './abis.ts';
import { L1ContractInputError, L1DecodeError } from './errors.ts';

export const rollupInterface = new Interface(levitationZkEVMAbi);
export const globalExitRootInterface = new Interface(levitationGlobalExitRootAbi);
export const verifierInterface = new Interface(attestationVerifierAbi);
export const feeTokenInterface = new Interface(levitationFeeTokenAbi);

/** One element of `sequenceBatches`: `(bytes transactions, bytes32 globalExitRoot, uint64 timestamp, uint64 minForcedTimestamp)`. */
export type SequenceBatchData = {
  /** The batchL2Data. */
  transactions: Hex;
  /** Zero or a global exit root known to the GER manager (a forced batch: the one it was forced with). */
  globalExitRoot: Hash;
  /** Seconds; ≥ the previous batch's, ≤ the L1 block's. */
  timestamp: bigint;
  /** 0 for a sequencer batch; a forced batch's timestamp to include the next forced batch. */
  minForcedTimestamp: bigint;
};

/** One element of `sequenceForceBatches`: `(bytes transactions, bytes32 globalExitRoot, uint64 minForcedTimestamp)`. */
export type ForcedBatchData = {
  transactions: Hex;
  globalExitRoot: Hash;
  minForcedTimestamp: bigint;
};

/** The arguments of `verifyBatchesTrustedAggregator`. */
export type VerifyBatchesParams = {
  /** Always 0 (no pending states). @default 0n */
  pendingStateNum?: bigint;
  initNumBatch: bigint;
  finalNewBatch: bigint;
  newLocalExitRoot: Hash;
  newStateRoot: Hash;
  /** 24 words (see {@link signAttestation} for the attestation layout). */
  proof: readonly Hash[];
};

const UINT64_MAX = (1n << 64n) - 1n;
const UINT256_MAX = (1n << 256n) - 1n;

function word(value: string, what: string): Hash {
  if (!isHex(value) || value.length !== 66)
    throw new L1ContractInputError(`${what} is not a 32-byte hex: ${value}`);
  return value.toLowerCase() as Hash;
}

function address(value: string, what: string): Address {
  if (!isHex(value) || value.length !== 42)
    throw new L1ContractInputError(`${what} is not an address: ${value}`);
  return toAddress(value);
}

function bytes(value: string, what: string): Hex {
  if (!isHex(value, { strict: true })) throw new L1ContractInputError(`${what} is not 0x-hex of whole bytes`);
  return value.toLowerCase() as Hex;
}

function uint(value: bigint | number, max: bigint, what: string): bigint {
  const v = BigInt(value);
  if (v < 0n || v > max) throw new L1ContractInputError(`${what} ${v} is out of range`);
  return v;
}

function decodeCall(name: string, data: string): Result {
  try {
    return rollupInterface.decodeFunctionData(name, data);
  } catch (err) {
    throw new L1DecodeError(`calldata does not decode as ${name}`, { cause: err });
  }
}

/**
 * Calldata of `sequenceBatches(BatchData[] batches, address l2Coinbase)` (selector 0x5e9145c9). Pure.
 * @throws {L1ContractInputError} on a malformed field.
 */
export function encodeSequenceBatches(batches: readonly SequenceBatchData[], l2Coinbase: Address): Hex {
  const tuples = batches.map((b, i) => [
    bytes(b.transactions, `batches[${i}].transactions`),
    word(b.globalExitRoot, `batches[${i}].globalExitRoot`),
    uint(b.timestamp, UINT64_MAX, `batches[${i}].timestamp`),
    uint(b.minForcedTimestamp, UINT64_MAX, `batches[${i}].minForcedTimestamp`),
  ]);
  return rollupInterface.encodeFunctionData('sequenceBatches', [
    tuples,
    address(l2Coinbase, 'l2Coinbase'),
  ]) as Hex;
}

/**
 * Decodes `sequenceBatches` calldata (a tx input). Pure.
 * @throws {L1DecodeError} when `data` is not a `sequenceBatches` call.
 */
export function decodeSequenceBatchesCalldata(data: Hex): {
  batches: SequenceBatchData[];
  l2Coinbase: Address;
} {
  const r = decodeCall('sequenceBatches', data);
  const batches = (r[0] as Result[]).map((b) => ({
    transactions: (b[0] as string).toLowerCase() as Hex,
    globalExitRoot: (b[1] as string).toLowerCase() as Hash,
    timestamp: b[2] as bigint,
    minForcedTimestamp: b[3] as bigint,
  }));
  return { batches, l2Coinbase: toAddress(r[1] as string) };
}

/**
 * Calldata of `forceBatch(bytes transactions, uint256 feeAmount)` (0xeaeb077b). Pure.
 * @throws {L1ContractInputError} on a malformed field.
 */
export function encodeForceBatch(transactions: Hex, feeAmount: bigint): Hex {
  return rollupInterface.encodeFunctionData('forceBatch', [
    bytes(transactions, 'transactions'),
    uint(feeAmount, UINT256_MAX, 'feeAmount'),
  ]) as Hex;
}

/**
 * Decodes `forceBatch` calldata: where an EOA's forced transactions are (its `ForceBatch` event has none). Pure.
 * @throws {L1DecodeError} when `data` is not a `forceBatch` call.
 */
export function decodeForceBatchCalldata(data: Hex): { transactions: Hex; feeAmount: bigint } {
  const r = decodeCall('forceBatch', data);
  return { transactions: (r[0] as string).toLowerCase() as Hex, feeAmount: r[1] as bigint };
}

/**
 * Calldata of `sequenceForceBatches(ForcedBatchData[] batches)` (0xd8d1091b). Pure.
 * @throws {L1ContractInputError} on a malformed field.
 */
export function encodeSequenceForceBatches(batches: readonly ForcedBatchData[]): Hex {
  const tuples = batches.map((b, i) => [
    bytes(b.transactions, `batches[${i}].transactions`),
    word(b.globalExitRoot, `batches[${i}].globalExitRoot`),
    uint(b.minForcedTimestamp, UINT64_MAX, `batches[${i}].minForcedTimestamp`),
  ]);
  return rollupInterface.encodeFunctionData('sequenceForceBatches', [tuples]) as Hex;
}

/**
 * Decodes `sequenceForceBatches` calldata. Pure.
 * @throws {L1DecodeError} when `data` is not a `sequenceForceBatches` call.
 */
export function decodeSequenceForceBatchesCalldata(data: Hex): ForcedBatchData[] {
  const r = decodeCall('sequenceForceBatches', data);
  return (r[0] as Result[]).map((b) => ({
    transactions: (b[0] as string).toLowerCase() as Hex,
    globalExitRoot: (b[1] as string).toLowerCase() as Hash,
    minForcedTimestamp: b[2] as bigint,
  }));
}

/**
 * Calldata of `verifyBatchesTrustedAggregator(uint64 pendingStateNum, uint64 initNumBatch, uint64 finalNewBatch,
 * bytes32 newLocalExitRoot, bytes32 newStateRoot, bytes32[24] proof)` (0x2b0006fa). Pure.
 * @throws {L1ContractInputError} on a malformed field or a proof that is not 24 words.
 */
export function encodeVerifyBatches(params: VerifyBatchesParams): Hex {
  if (params.proof.length !== 24) {
    throw new L1ContractInputError(`proof has ${params.proof.length} words, want 24`);
  }
  return rollupInterface.encodeFunctionData('verifyBatchesTrustedAggregator', [
    uint(params.pendingStateNum ?? 0n, UINT64_MAX, 'pendingStateNum'),
    uint(params.initNumBatch, UINT64_MAX, 'initNumBatch'),
    uint(params.finalNewBatch, UINT64_MAX, 'finalNewBatch'),
    word(params.newLocalExitRoot, 'newLocalExitRoot'),
    word(params.newStateRoot, 'newStateRoot'),
    params.proof.map((w, i) => word(w, `proof[${i}]`)),
  ]) as Hex;
}

/**
 * Decodes `verifyBatchesTrustedAggregator` calldata. Pure.
 * @throws {L1DecodeError} when `data` is not such a call.
 */
export function decodeVerifyBatchesCalldata(data: Hex): Required<VerifyBatchesParams> {
  const r = decodeCall('verifyBatchesTrustedAggregator', data);
  return {
    pendingStateNum: r[0] as bigint,
    initNumBatch: r[1] as bigint,
    finalNewBatch: r[2] as bigint,
    newLocalExitRoot: (r[3] as string).toLowerCase() as Hash,
    newStateRoot: (r[4] as string).toLowerCase() as Hash,
    proof: (r[5] as string[]).map((w) => w.toLowerCase() as Hash),
  };
}

/**
 * Calldata of the fee token's `approve(address spender, uint256 value)` (what `forceBatch` needs first). Pure.
 * @throws {L1ContractInputError} on a malformed field.
 */
export function encodeApprove(spender: Address, value: bigint): Hex {
  return feeTokenInterface.encodeFunctionData('approve', [
    address(spender, 'spender'),
    uint(value, UINT256_MAX, 'value'),
  ]) as Hex;
}

/** A decoded revert: a custom error of the L1 contracts, `Error(string)` or `Panic(uint256)`. */
export type L1Revert = { name: string; signature: string; args: unknown[] };

/**
 * Decodes revert data against every L1 contract's custom errors (and `Error(string)`/`Panic(uint256)`); null for
 * empty or unknown data. Pure.
 */
export function decodeL1Revert(data: Hex): L1Revert | null {
  if (!isHex(data, { strict: true }) || data.length < 10) return null;
  for (const iface of [rollupInterface, globalExitRootInterface, verifierInterface, feeTokenInterface]) {
    let parsed: ErrorDescription | null = null;
    try {
      parsed = iface.parseError(data);
    } catch {
      parsed = null;
    }
    if (parsed) return { name: parsed.name, signature: parsed.signature, args: [...parsed.args] };
  }
  return null;
}
