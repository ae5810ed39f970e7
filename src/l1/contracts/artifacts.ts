/**
 * The compiled contracts as committed under contracts/build/ by scripts/compile-contracts.ts (a test keeps them
 * in step with the sources), and the selectors and event topics the node relies on.
 */
import { readFileSync } from 'node:fs';
import type { Hash, Hex } from '../../primitives/index.ts';

/** The contracts deployed on L1. */
export type L1ContractName =
  | 'LevitationFeeToken'
  | 'AttestationVerifier'
  | 'LevitationGlobalExitRoot'
  | 'LevitationZkEVM';

/** One artifact of contracts/build/. */
export type L1Artifact = {
  contractName: string;
  sourceName: string;
  abi: readonly unknown[];
  bytecode: Hex;
  deployedBytecode: Hex;
  solcVersion: string;
  settings: unknown;
};

const BUILD_DIR = new URL('../../../contracts/build/', import.meta.url);
const cache = new Map<string, L1Artifact>();

/**
 * Reads `contracts/build/<name>.json` (cached).
 * @throws {Error} when the file is missing (the build was not committed) or not JSON.
 */
export function loadL1Artifact(name: L1ContractName): L1Artifact {
  let artifact = cache.get(name);
  if (!artifact) {
    artifact = JSON.parse(readFileSync(new URL(`${name}.json`, BUILD_DIR), 'utf8')) as L1Artifact;
    cache.set(name, artifact);
  }
  return artifact;
}

/** Function selectors (fork-5 PolygonZkEVM ABI; `sequenceBatches` is the pre-etrog 0x5e9145c9). */
export const L1_SELECTORS = {
  sequenceBatches: '0x5e9145c9',
  forceBatch: '0xeaeb077b',
  sequenceForceBatches: '0xd8d1091b',
  verifyBatchesTrustedAggregator: '0x2b0006fa',
  updateExitRoot: '0x33d6247d',
  verifyProof: '0x9121da8a',
} as const satisfies Record<string, Hex>;

/** Event topic0s: keccak256 of each event signature. */
export const L1_TOPICS = {
  /** `SequenceBatches(uint64 indexed numBatch)` */
  SequenceBatches: '0x303446e6a8cb73c83dff421c0b1d5e5ce0719dab1bff13660fc254e58cc17fce',
  /** `ForceBatch(uint64 indexed forceBatchNum, bytes32 lastGlobalExitRoot, address sequencer, bytes transactions)` */
  ForceBatch: '0xf94bb37db835f1ab585ee00041849a09b12cd081d77fa15ca070757619cbc931',
  /** `SequenceForceBatches(uint64 indexed numBatch)` */
  SequenceForceBatches: '0x648a61dd2438f072f5a1960939abd30f37aea80d2e94c9792ad142d3e0a490a4',
  /** `VerifyBatchesTrustedAggregator(uint64 indexed numBatch, bytes32 stateRoot, address indexed aggregator)` */
  VerifyBatchesTrustedAggregator: '0xcb339b570a7f0b25afa7333371ff11192092a0aeace12b671f4c212f2815c6fe',
  /** `UpdateGlobalExitRoot(bytes32 indexed mainnetExitRoot, bytes32 indexed rollupExitRoot)` */
  UpdateGlobalExitRoot: '0x61014378f82a0d809aefaf87a8ac9505b89c321808287a6e7810f29304c1fce3',
} as const satisfies Record<string, Hash>;
