/**
 * The dev L1 (DESIGN §9): `lev devnet` runs it alone; `lev start --dev` reuses one already answering at
 * `l1.url` and starts its own, as a child process, only when none answers — so the node can restart while L1
 * keeps its chain. Accounts: the test mnemonic, funded; a block every second and on each tx.
 */
import { MapDB } from '@ethereumjs/util';
import type { Config } from '../config/index.ts';
import { ConfigError, DEV_ACCOUNT, devAccount, loadGenesis, loadKey } from '../config/index.ts';
import { createExecutor } from '../execution/index.ts';
import {
  deployL1Contracts,
  devnetRpc,
  type HardhatDevnet,
  type L1Deployment,
  startHardhatDevnet,
  TEST_MNEMONIC,
} from '../l1/index.ts';
import type { Address, Hash } from '../primitives/index.ts';

/** Dev L1 block time (DESIGN §9: a block every second, and on each tx). */
export const DEV_L1_BLOCK_TIME_MS = 1000;

export type DevL1 = {
  url: string;
  /** The devnet this process started, or `null` when an L1 already answered (reused). */
  started: HardhatDevnet | null;
};

/** The chain id an L1 at `url` answers with, or `null` when nothing answers within `timeoutMs`. */
export async function probeChainId(url: string, timeoutMs = 1500): Promise<number | null> {
  try {
    return Number(BigInt(await devnetRpc<string>(url, 'eth_chainId', [], { timeoutMs })));
  } catch {
    return null;
  }
}

function devnetAddress(config: Config): { host: string; port: number; url: string } {
  const url = new URL(config.l1.url);
  if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(url.hostname)) {
    throw new ConfigError(
      `config: l1.url ${config.l1.url} is not a local http URL: the dev L1 runs on 127.0.0.1 (set l1.url, or leave --dev out and run your own L1)`,
      { key: 'l1.url', source: config.sources['l1.url'] ?? 'default' },
    );
  }
  return { host: '127.0.0.1', port: Number(url.port || 80), url: `http://127.0.0.1:${url.port || 80}/` };
}

/** Starts the dev L1 at `l1.url`. @throws {DevnetStartError} when it cannot start (e.g. the port is taken). */
export function startDevL1(config: Config, onOutput?: (chunk: string) => void): Promise<HardhatDevnet> {
  const { host, port } = devnetAddress(config);
  return startHardhatDevnet({
    host,
    port,
    chainId: config.l1.chainId,
    accounts: { mnemonic: TEST_MNEMONIC, count: 20 },
    automine: true,
    blockTimeMs: DEV_L1_BLOCK_TIME_MS,
    ...(onOutput ? { onOutput } : {}),
  });
}

/**
 * Reuses the L1 answering at `l1.url` (it must have the configured chain id), or starts the dev L1 there.
 * @throws {ConfigError} when the L1 found has another chain id.
 */
export async function ensureDevL1(config: Config, onOutput?: (chunk: string) => void): Promise<DevL1> {
  const { url } = devnetAddress(config);
  const chainId = await probeChainId(url);
  if (chainId !== null) {
    if (chainId !== config.l1.chainId) {
      throw new ConfigError(
        `config: the L1 at ${url} answers chain id ${chainId}, but l1.chainId is ${config.l1.chainId}`,
        { key: 'l1.chainId', source: config.sources['l1.chainId'] ?? 'default' },
      );
    }
    return { url, started: null };
  }
  return { url, started: await startDevL1(config, onOutput) };
}

/** The L2 genesis state root of this configuration (the rollup's batch-0 state root). */
export async function l2GenesisRoot(config: Config): Promise<Hash> {
  const genesis = await loadGenesis(config);
  const executor = await createExecutor({
    store: new MapDB(),
    chainId: BigInt(config.l2.chainId),
    genesis: genesis.accounts,
  });
  return executor.genesisRoot as Hash;
}

/**
 * Deploys the rollup contracts on the dev L1 from dev account #0 at its fixed nonces (so at the addresses the dev
 * configuration names), or finds them already there. The trusted sequencer, aggregator and prover are the
 * configured keys' addresses.
 * @throws {L1DeploymentError} when a partial or foreign deployment occupies the addresses.
 */
export async function deployDevContracts(config: Config, url: string): Promise<L1Deployment> {
  const [sequencer, aggregator, prover] = await Promise.all([
    loadKey(config, 'sequencer'),
    loadKey(config, 'aggregator'),
    loadKey(config, 'prover'),
  ]);
  return deployL1Contracts({
    url,
    deployerKey: devAccount(DEV_ACCOUNT.deployer).privateKey,
    sequencer: sequencer.address.toLowerCase() as Address,
    aggregator: aggregator.address.toLowerCase() as Address,
    provers: [prover.address.toLowerCase() as Address],
    genesisRoot: await l2GenesisRoot(config),
    chainId: BigInt(config.l2.chainId),
  });
}
