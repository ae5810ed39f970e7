/**
 * The node's own reads of L1 outside the synchronizer and the eth-tx-manager (which have their clients): the
 * rollup's deployment block, the verifier's prover registry, receipts, the head. Every read has a timeout, so an
 * L1 that accepts connections and never answers fails the read (a temporary `JsonRpcTransportError`) instead of
 * hanging the round that made it.
 */
import type { Address, Hash, Hex } from '../primitives/index.ts';
import { rollupInterface, verifierInterface } from './contracts/index.ts';
import { devnetRpc } from './devnet.ts';

/** How long one L1 read may take. */
export const L1_READ_TIMEOUT_MS = 10_000;

export type L1Reads = {
  blockNumber(): Promise<bigint>;
  latestTimestamp(): Promise<bigint>;
  /** The block hash of an L1 tx's receipt, or null when L1 has none. */
  receiptBlockHash(hash: Hash): Promise<Hash | null>;
  /** Whether L1 holds the tx unmined: known (`eth_getTransactionByHash`) and in no block. */
  pendingTx(hash: Hash): Promise<boolean>;
  /** The L1 block the rollup was deployed in (`deploymentBlockNumber()`). */
  deploymentBlock(rollup: Address): Promise<bigint>;
  /**
   * `isProver(signer)` of the verifier the rollup uses (`rollupVerifier()`, looked up at the first call that
   * succeeds, so a node starts while L1 is away), read from L1 at each call.
   */
  proverRegistry(rollup: Address): (signer: Address) => Promise<boolean>;
};

/** @param opts.timeoutMs per read. @default {@link L1_READ_TIMEOUT_MS} */
export function createL1Reads(url: string, opts: { timeoutMs?: number } = {}): L1Reads {
  const timeoutMs = opts.timeoutMs ?? L1_READ_TIMEOUT_MS;
  const read = <T>(method: string, params: unknown[]) => devnetRpc<T>(url, method, params, { timeoutMs });
  const call = (to: string, data: string) => read<Hex>('eth_call', [{ to, data }, 'latest']);
  return {
    blockNumber: async () => BigInt(await read<Hex>('eth_blockNumber', [])),
    latestTimestamp: async () =>
      BigInt((await read<{ timestamp: Hex }>('eth_getBlockByNumber', ['latest', false])).timestamp),
    receiptBlockHash: async (hash) =>
      (await read<{ blockHash: Hash } | null>('eth_getTransactionReceipt', [hash]))?.blockHash ?? null,
    pendingTx: async (hash) => {
      const tx = await read<{ blockHash: Hash | null } | null>('eth_getTransactionByHash', [hash]);
      return tx !== null && tx.blockHash === null;
    },
    deploymentBlock: async (rollup) => {
      const out = await call(rollup, rollupInterface.encodeFunctionData('deploymentBlockNumber', []));
      return BigInt(rollupInterface.decodeFunctionResult('deploymentBlockNumber', out)[0] as bigint);
    },
    proverRegistry: (rollup) => {
      let verifier: Promise<string> | undefined;
      const lookUp = async () => {
        const word = await call(rollup, rollupInterface.encodeFunctionData('rollupVerifier'));
        return `0x${word.slice(-40)}`;
      };
      return async (signer) => {
        verifier ??= lookUp().catch((err: unknown) => {
          verifier = undefined; // not cached: the next call asks again
          throw err;
        });
        const out = await call(await verifier, verifierInterface.encodeFunctionData('isProver', [signer]));
        return BigInt(out) === 1n;
      };
    },
  };
}
