/**
 * A real L2 chain for the prover tests: the dev genesis on an in-memory trie, batches of txs signed by dev accounts
 * (ethers), each executed one tx per L2 block by the executor (as the sequencer does) to get the roots a node would
 * claim, and the accInputHash chain from batch 0. `proofRequest` builds the witness of a range with
 * `buildWitness`, the way the aggregator will.
 */
import { MapDB } from '@ethereumjs/util';
import { Wallet } from 'ethers';
import { accInputHash, encodeBatchL2Data } from '../../src/batch/index.ts';
import { devAccount, devGenesis } from '../../src/config/index.ts';
import { buildWitness, createExecutor, type Executor, type WitnessBatch } from '../../src/execution/index.ts';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import { hexToBytes } from '../../src/primitives/index.ts';
import type { BatchProofRequestData, ProofPublicInputs } from '../../src/prover/index.ts';
import { decodeSignedLegacyTx } from '../../src/tx/index.ts';

export const CHAIN_ID = 1001n;
export const FORK_ID = 5n;
export const ZERO_HASH = `0x${'00'.repeat(32)}` as Hash;
export const COINBASE = devAccount(0).address;
export const GWEI = 1_000_000_000n;
const TIMESTAMP = 1_700_000_000n;

/** A batch of the chain with the roots and accInputHashes around it. */
export type ChainBatch = WitnessBatch & {
  oldStateRoot: Hash;
  newStateRoot: Hash;
  oldAccInputHash: Hash;
  newAccInputHash: Hash;
  /** L2 blocks it made (its valid txs). */
  blocks: number;
};

export type TestChain = {
  executor: Executor;
  genesisRoot: Hash;
  /** batches[i] is batch number i + 1. */
  batches: ChainBatch[];
  /** The public inputs of batches `init + 1 .. final`, as the chain has them. */
  publicInputs(init: number, final: number): ProofPublicInputs;
  /** The batch proof request of batches `init + 1 .. final`, with the witness `buildWitness` records. */
  proofRequest(init: number, final: number): Promise<BatchProofRequestData>;
};

/** Signs legacy (EIP-155) txs from dev accounts, keeping their nonces. */
export function createSigner() {
  const nonces = new Map<number, number>();
  return {
    /** A signed raw tx from dev account `from`; `nonce` overrides (and does not advance) the tracked nonce. */
    async tx(
      from: number,
      tx: { to?: Address | null; value?: bigint; data?: Hex; gas?: bigint; nonce?: number },
    ): Promise<Hex> {
      const wallet = new Wallet(devAccount(from).privateKey);
      const nonce = tx.nonce ?? nonces.get(from) ?? 0;
      if (tx.nonce === undefined) nonces.set(from, nonce + 1);
      return (await wallet.signTransaction({
        type: 0,
        chainId: CHAIN_ID,
        nonce,
        gasPrice: GWEI,
        gasLimit: tx.gas ?? 21_000n,
        to: tx.to ?? null,
        value: tx.value ?? 0n,
        data: tx.data ?? '0x',
      })) as Hex;
    },
  };
}

/** Executes `batchTxs` (raw signed txs per batch) from the dev genesis and returns the chain. */
export async function buildTestChain(batchTxs: readonly (readonly Hex[])[]): Promise<TestChain> {
  const store = new MapDB<string, string | Uint8Array>();
  const executor = await createExecutor({ store, chainId: CHAIN_ID, genesis: devGenesis().accounts });
  const genesisRoot = executor.genesisRoot as Hash;
  const batches: ChainBatch[] = [];
  let root = genesisRoot;
  let acc = ZERO_HASH;
  let nextBlock = 1n;
  for (const [i, raws] of batchTxs.entries()) {
    const txs = raws.map((raw) => decodeSignedLegacyTx(hexToBytes(raw)));
    const batchL2Data = encodeBatchL2Data(txs);
    const batch: WitnessBatch = {
      batchNumber: BigInt(i + 1),
      batchL2Data,
      globalExitRoot: ZERO_HASH,
      timestamp: TIMESTAMP + BigInt(i),
      coinbase: COINBASE,
      firstL2Block: nextBlock,
    };
    const oldStateRoot = root;
    let blocks = 0;
    for (const raw of raws) {
      const r = await executor.executeTx({
        stateRoot: root,
        tx: raw,
        block: { number: nextBlock, timestamp: batch.timestamp, coinbase: batch.coinbase },
      });
      if (!r.valid) continue;
      root = r.stateRoot;
      nextBlock++;
      blocks++;
    }
    const oldAccInputHash = acc;
    acc = accInputHash({
      oldAccInputHash: acc,
      batchL2Data,
      globalExitRoot: batch.globalExitRoot,
      timestamp: batch.timestamp,
      coinbase: batch.coinbase,
    });
    batches.push({
      ...batch,
      oldStateRoot,
      newStateRoot: root,
      oldAccInputHash,
      newAccInputHash: acc,
      blocks,
    });
  }

  const publicInputs = (init: number, final: number): ProofPublicInputs => {
    const first = batches[init]!;
    const last = batches[final - 1]!;
    return {
      chainId: CHAIN_ID,
      forkId: FORK_ID,
      initNumBatch: BigInt(init),
      finalNewBatch: BigInt(final),
      oldStateRoot: first.oldStateRoot,
      newStateRoot: last.newStateRoot,
      oldAccInputHash: first.oldAccInputHash,
      newAccInputHash: last.newAccInputHash,
      newLocalExitRoot: ZERO_HASH,
    };
  };

  return {
    executor,
    genesisRoot,
    batches,
    publicInputs,
    async proofRequest(init, final) {
      const range = batches.slice(init, final);
      const p = publicInputs(init, final);
      const built = await buildWitness({
        store,
        chainId: CHAIN_ID,
        oldStateRoot: p.oldStateRoot,
        batches: range,
      });
      if (built.newStateRoot !== p.newStateRoot) {
        throw new Error(`buildWitness gives ${built.newStateRoot}, the executor ${p.newStateRoot}`);
      }
      return { publicInputs: p, batches: range, witness: built.witness };
    },
  };
}
