/**
 * A Hardhat node (2.x, EDR) as a child process: the dev L1 (DESIGN §9: 127.0.0.1:8545, chain 1337, a block every
 * second and on each tx) and the peer of the benchmarks. The node keeps its chain in memory only: a restarted
 * devnet starts again from genesis, which the synchronizer sees as a reorg.
 *
 * Hardhat runs only from a project that installs it, so the child runs with this package's root as its working
 * directory and a generated config file (`.cjs`: the package is ESM) in a temp directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonRpcCall } from '../jsonrpc/index.ts';

export type DevnetAccount = { privateKey: string; balance: bigint };

export type HardhatDevnetOptions = {
  /** @default 8545 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 1337 */
  chainId?: number;
  /**
   * Funded accounts: a mnemonic (`count` accounts with `balance` each) or explicit keys.
   * @default the test mnemonic, 20 accounts with 10,000 ETH
   */
  accounts?: { mnemonic: string; count?: number; balance?: bigint } | readonly DevnetAccount[];
  /** Automine: a block per tx. @default true */
  automine?: boolean;
  /** Interval mining in ms (0 = none). @default 1000 */
  blockTimeMs?: number;
  /** Base fee of the first block. @default Hardhat's (1 gwei) */
  initialBaseFeePerGas?: bigint;
  /** Called with each chunk of the node's output. */
  onOutput?: (chunk: string) => void;
  /** How long to wait for the first answer. @default 30_000 */
  startTimeoutMs?: number;
};

export type HardhatDevnet = {
  url: string;
  wsUrl: string;
  chainId: number;
  child: ChildProcess;
  /** Stops the node (SIGTERM, then SIGKILL after 5 s) and removes its config. */
  stop(): Promise<void>;
};

export const TEST_MNEMONIC = 'test test test test test test test test test test test junk';
const ETH = 10n ** 18n;
const PACKAGE_ROOT = new URL('../../', import.meta.url).pathname;

/** Thrown when the Hardhat node does not answer (its output is in `details`). */
export class DevnetStartError extends Error {
  override name = 'DevnetStartError' as const;
}

/** The Hardhat config for `opts`. Pure. */
export function hardhatConfig(opts: HardhatDevnetOptions): object {
  const a = opts.accounts ?? { mnemonic: TEST_MNEMONIC };
  const accounts =
    'mnemonic' in a
      ? {
          mnemonic: a.mnemonic,
          count: a.count ?? 20,
          accountsBalance: (a.balance ?? 10_000n * ETH).toString(),
        }
      : a.map((x) => ({ privateKey: x.privateKey, balance: x.balance.toString() }));
  return {
    networks: {
      hardhat: {
        chainId: opts.chainId ?? 1337,
        accounts,
        mining: { auto: opts.automine ?? true, interval: opts.blockTimeMs ?? 1000 },
        loggingEnabled: false,
        ...(opts.initialBaseFeePerGas === undefined
          ? {}
          : { initialBaseFeePerGas: Number(opts.initialBaseFeePerGas) }),
      },
    },
  };
}

/** Posts one JSON-RPC call; rejects on a transport error, a JSON-RPC error, or after `timeoutMs` when given. */
export async function devnetRpc<T = unknown>(
  url: string,
  method: string,
  params: unknown[] = [],
  opts: { timeoutMs?: number } = {},
): Promise<T> {
  return jsonRpcCall<T>(
    url,
    method,
    params,
    opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs },
  );
}

/**
 * Starts a Hardhat node and resolves once it answers `eth_chainId` with the configured chain id.
 * @throws {DevnetStartError} when it exits or does not answer in time (e.g. the port is taken).
 */
export async function startHardhatDevnet(opts: HardhatDevnetOptions = {}): Promise<HardhatDevnet> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? 8545;
  const chainId = opts.chainId ?? 1337;
  const dir = mkdtempSync(join(tmpdir(), 'lev-devnet-'));
  const config = join(dir, 'hardhat.config.cjs');
  writeFileSync(config, `module.exports = ${JSON.stringify(hardhatConfig(opts), null, 2)};\n`);
  const cli = createRequire(import.meta.url).resolve('hardhat/internal/cli/cli.js');
  const child = spawn(
    process.execPath,
    [cli, 'node', '--config', config, '--hostname', host, '--port', String(port)],
    {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const onData = (d: Buffer) => {
    const s = d.toString();
    if (out.length < 64_000) out += s;
    opts.onOutput?.(s);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://${host}:${port}/`;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new DevnetStartError(`hardhat node on ${url} exited at start:\n${out.trim()}`);
    }
    try {
      const id = await devnetRpc<string>(url, 'eth_chainId');
      if (Number(id) !== chainId) {
        await stop();
        throw new DevnetStartError(`${url} answers chain id ${Number(id)}, not ${chainId}: another node?`);
      }
      break;
    } catch (err) {
      if (err instanceof DevnetStartError) throw err;
      if (Date.now() > deadline) {
        await stop();
        throw new DevnetStartError(`hardhat node on ${url} did not answer in time:\n${out.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, wsUrl: `ws://${host}:${port}/`, chainId, child, stop };
}
