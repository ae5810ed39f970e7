/**
 * A Hardhat devnet with the L1 contracts deployed from test-mnemonic account #0 (sequencer #1, aggregator #2,
 * prover key #4, DESIGN §9), driven through raw JSON-RPC: txs from the node's unlocked accounts, reverts read from
 * the mined tx (status 0) and decoded against the contracts' errors, time moved with evm_increaseTime, and each
 * test isolated by evm_snapshot/evm_revert.
 */
import { HDNodeWallet, type Interface, type Result } from 'ethers';
import * as assert from 'uvu/assert';
import {
  type DeployL1ContractsOptions,
  decodeL1Log,
  decodeL1Revert,
  deployL1Contracts,
  type HardhatDevnet,
  type L1ContractEvent,
  type L1Deployment,
  startHardhatDevnet,
  TEST_MNEMONIC,
} from '../../src/l1/index.ts';
import { type Address, type Hash, type Hex, toAddress } from '../../src/primitives/index.ts';
import { freePort } from './node-process.ts';

export type TestAccount = { address: Address; privateKey: Hex };

/** Test-mnemonic accounts #0–#9. */
export const ACCOUNTS: readonly TestAccount[] = Array.from({ length: 10 }, (_, i) => {
  const w = HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
  return { address: toAddress(w.address), privateKey: w.privateKey as Hex };
});
export const DEPLOYER = ACCOUNTS[0]!;
export const SEQUENCER = ACCOUNTS[1]!;
export const AGGREGATOR = ACCOUNTS[2]!;
export const PROVER = ACCOUNTS[4]!;

/** The L2 genesis root the tests deploy with. */
export const GENESIS_ROOT = `0x${'a1'.repeat(32)}` as Hash;
export const ZERO_HASH = `0x${'00'.repeat(32)}` as Hash;
export const FORCE_BATCH_TIMEOUT = 30n;
export const BATCH_FEE = 10n ** 17n;

export type TxReceipt = {
  transactionHash: Hash;
  status: string;
  blockNumber: string;
  logs: { address: string; topics: string[]; data: string }[];
};

export type L1Harness = {
  url: string;
  devnet: HardhatDevnet;
  deployment: L1Deployment;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Sends a tx from an unlocked account and waits for it; fails the test when it reverts. */
  send(from: TestAccount, to: Address, data: Hex): Promise<TxReceipt>;
  /** Sends a tx that must revert on chain; returns the decoded error `Name(args)` signature and args. */
  reverts(from: TestAccount, to: Address, data: Hex): Promise<{ name: string; args: unknown[] }>;
  /** eth_call decoded with `iface`. */
  view(iface: Interface, to: Address, fn: string, args?: unknown[], from?: Address): Promise<Result>;
  /** The timestamp and number of the latest block. */
  head(): Promise<{ number: bigint; timestamp: bigint }>;
  blockTimestamp(blockNumber: string | bigint): Promise<bigint>;
  increaseTime(seconds: bigint): Promise<void>;
  /** Runs `fn` and rolls the chain back afterwards. */
  isolated<T>(fn: () => Promise<T>): Promise<T>;
  /** The rollup/GER events of a receipt, decoded. */
  events(receipt: TxReceipt): L1ContractEvent[];
  stop(): Promise<void>;
};

async function rawRpc(url: string, method: string, params: unknown[]) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return (await res.json()) as {
    result?: unknown;
    error?: { message: string; data?: { data?: string; txHash?: string } };
  };
}

/** Starts a devnet on a free port and deploys the contracts (options override the test defaults). */
export async function startL1Contracts(
  overrides: Partial<DeployL1ContractsOptions> = {},
): Promise<L1Harness> {
  const devnet = await startHardhatDevnet({ port: await freePort(), chainId: 1337, blockTimeMs: 0 });
  const url = devnet.url;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const json = await rawRpc(url, method, params);
    if (json.error) throw new Error(`${method}: ${json.error.message}`);
    return json.result as T;
  };
  let deployment: L1Deployment;
  try {
    deployment = await deployL1Contracts({
      url,
      deployerKey: DEPLOYER.privateKey,
      sequencer: SEQUENCER.address,
      aggregator: AGGREGATOR.address,
      provers: [PROVER.address],
      genesisRoot: GENESIS_ROOT,
      forceBatchTimeout: FORCE_BATCH_TIMEOUT,
      batchFee: BATCH_FEE,
      ...overrides,
    });
  } catch (err) {
    await devnet.stop();
    throw err;
  }
  const receipt = (hash: string) => rpc<TxReceipt>('eth_getTransactionReceipt', [hash]);
  const harness: L1Harness = {
    url,
    devnet,
    deployment,
    rpc,
    async send(from, to, data) {
      const json = await rawRpc(url, 'eth_sendTransaction', [
        { from: from.address, to, data, gas: '0xb71b00' },
      ]);
      if (json.error) {
        const revert = json.error.data?.data ? decodeL1Revert(json.error.data.data as Hex) : null;
        assert.unreachable(`tx reverted: ${revert ? revert.signature : json.error.message}`);
      }
      const r = await receipt(json.result as string);
      assert.is(r.status, '0x1', 'tx succeeded');
      return r;
    },
    async reverts(from, to, data) {
      const json = await rawRpc(url, 'eth_sendTransaction', [
        { from: from.address, to, data, gas: '0xb71b00' },
      ]);
      if (!json.error) assert.unreachable('the tx did not revert');
      const txHash = json.error?.data?.txHash;
      assert.ok(txHash, `a mined tx: ${json.error?.message}`);
      assert.is((await receipt(txHash)).status, '0x0', 'mined with status 0');
      const revertData = json.error?.data?.data as Hex | undefined;
      const decoded = revertData ? decodeL1Revert(revertData) : null;
      if (!decoded) assert.unreachable(`revert data does not decode: ${revertData}`);
      return { name: decoded!.name, args: decoded!.args };
    },
    async view(iface, to, fn, args = [], from) {
      const out = await rpc<Hex>('eth_call', [
        { to, data: iface.encodeFunctionData(fn, args), ...(from ? { from } : {}) },
        'latest',
      ]);
      return iface.decodeFunctionResult(fn, out);
    },
    async head() {
      const b = await rpc<{ number: string; timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
      return { number: BigInt(b.number), timestamp: BigInt(b.timestamp) };
    },
    async blockTimestamp(blockNumber) {
      const tag = typeof blockNumber === 'bigint' ? `0x${blockNumber.toString(16)}` : blockNumber;
      const b = await rpc<{ timestamp: string }>('eth_getBlockByNumber', [tag, false]);
      return BigInt(b.timestamp);
    },
    async increaseTime(seconds) {
      await rpc('evm_increaseTime', [Number(seconds)]);
      await rpc('evm_mine');
    },
    async isolated(fn) {
      const id = await rpc<string>('evm_snapshot');
      try {
        return await fn();
      } finally {
        await rpc('evm_revert', [id]);
      }
    },
    events(r) {
      const ours = new Set([deployment.rollup, deployment.globalExitRootManager]);
      return r.logs
        .filter((l) => ours.has(toAddress(l.address)))
        .map((l) => decodeL1Log(l))
        .filter((e): e is L1ContractEvent => e !== null);
    },
    stop: () => devnet.stop(),
  };
  return harness;
}
