/**
 * End-to-end benchmark (issue 3): the whole node against a Hardhat node, driven by one load generator in the
 * same run.
 *
 *   ours   `lev start --dev --roles rpc,sequencer` as a child process: its own embedded Postgres with the
 *          server's defaults (fsync and synchronous_commit on), so every receipt read back is durable; the RPC
 *          rate limit off (the generator is one client IP).
 *   peer   `hardhat node` (2.x, EDR; src/l1 devnet) with automine, logging off, base fee 0, as a child process.
 *
 * Both get the same genesis (SENDERS funded accounts and a deployer) and the same load: SENDERS × PER_SENDER
 * signed legacy transfers (tx i is from sender i mod SENDERS, nonces in order), signed up front for each
 * chain. The generator runs CONCURRENCY closed loops over keep-alive HTTP: take the next tx, send it with
 * `eth_sendRawTransaction`, then poll `eth_getTransactionReceipt` until it is there — at once, then after
 * POLL_MS, doubling up to POLL_MAX_MS (a fixed short interval would have 32 clients flood a node whose receipts
 * take a pipeline to appear, while costing an automining node nothing); the send-to-receipt time of each tx is
 * its latency. Throughput = txs / wall time from the first send
 * to the last receipt. The node's RSS (node process) is sampled every 100 ms, its Postgres' PSS every second.
 *
 * Then reads, CONCURRENCY closed loops for READ_MS each: `eth_call` (a view function of a contract compiled
 * with solc and deployed on both), `eth_getBalance` and `eth_getBlockByNumber('latest')`.
 *
 * Also the ratio to a bare `runTx` loop on the same L2 txs, sender recovery included, in this process: with
 * @ethereumjs's own (pure-JS) recovery and with the libsecp256k1 recovery our node uses.
 *
 *   npm run bench -- e2e
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCreateAddress, Interface, keccak256, Wallet } from 'ethers';
import solc from 'solc';
import { createL2Common } from '../../src/execution/index.ts';
import { startHardhatDevnet } from '../../src/l1/index.ts';
import type { Hex } from '../../src/primitives/index.ts';
import { freePort, runLev } from '../../test/support/node-process.ts';
import { bareRunTx } from './execution.ts';

const SENDERS = 64;
const PER_SENDER = Number(process.env['LEV_BENCH_E2E_PER_SENDER'] ?? 40);
const CONCURRENCY = 32;
const POLL_MS = Number(process.env['LEV_BENCH_E2E_POLL_MS'] ?? 5);
const POLL_MAX_MS = 40;
const READ_MS = Number(process.env['LEV_BENCH_E2E_READ_MS'] ?? 3000);
const L2_CHAIN_ID = 1001n;
const HARDHAT_CHAIN_ID = 31337n;
const GWEI = 1_000_000_000n;
const BALANCE = 10n ** 24n;

const STORE_SOURCE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;
contract Store {
  uint256 public value;
  mapping(address => uint256) public credits;
  constructor(uint256 v) { value = v; }
  function total(address who) external view returns (uint256) { return value + credits[who]; }
}`;

type Rpc = (method: string, params: unknown[]) => Promise<unknown>;

function rpcClient(url: string): { call: Rpc; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });
  const target = new URL(url);
  let id = 0;
  const call: Rpc = (method, params) =>
    new Promise((resolve, reject) => {
      const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }));
      const req = request(
        {
          agent,
          hostname: target.hostname,
          port: Number(target.port),
          path: target.pathname,
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c: string) => (text += c));
          res.on('end', () => {
            try {
              const json = JSON.parse(text) as { result?: unknown; error?: { message: string } };
              if (json.error) reject(new Error(`${method}: ${json.error.message}`));
              else resolve(json.result);
            } catch {
              reject(new Error(`${method}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { call, close: () => agent.destroy() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function compileStore(): { bytecode: Hex; abi: Interface } {
  const input = {
    language: 'Solidity',
    sources: { 'Store.sol': { content: STORE_SOURCE } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: 'london',
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const c = out.contracts['Store.sol']!['Store']!;
  return { bytecode: `0x${c.evm.bytecode.object}` as Hex, abi: new Interface(c.abi as never[]) };
}

type Load = { raws: Hex[]; hashes: string[]; deploy: Hex; contract: string };

async function signLoad(
  chainId: bigint,
  senders: Wallet[],
  deployer: Wallet,
  store: { bytecode: Hex; abi: Interface },
): Promise<Load> {
  const recipient = '0x000000000000000000000000000000000000bEEF';
  const raws: Hex[] = [];
  const hashes: string[] = [];
  for (let n = 0; n < PER_SENDER; n++) {
    for (const w of senders) {
      const raw = (await w.signTransaction({
        type: 0,
        chainId,
        nonce: n,
        gasPrice: GWEI,
        gasLimit: 21_000n,
        to: recipient,
        value: 1n,
      })) as Hex;
      raws.push(raw);
      hashes.push(keccak256(raw));
    }
  }
  const deploy = (await deployer.signTransaction({
    type: 0,
    chainId,
    nonce: 0,
    gasPrice: GWEI,
    gasLimit: 1_000_000n,
    data: store.bytecode + store.abi.encodeDeploy([7n]).slice(2),
  })) as Hex;
  return { raws, hashes, deploy, contract: getCreateAddress({ from: deployer.address, nonce: 0 }) };
}

/**
 * Per tx: send → receipt, and the part of it spent in `eth_sendRawTransaction` itself; the receipt polls of
 * the whole load (the generator's and the node's work per tx grow with them).
 */
type Drive = { seconds: number; latenciesMs: number[]; sendMs: number[]; polls: number };

/** The load generator: CONCURRENCY closed loops, send then poll the receipt. */
async function drive(rpc: Rpc, load: Load): Promise<Drive> {
  let next = 0;
  const latenciesMs: number[] = [];
  const sendMs: number[] = [];
  let polls = 0;
  const loop = async () => {
    for (let i = next++; i < load.raws.length; i = next++) {
      const t0 = performance.now();
      const hash = await rpc('eth_sendRawTransaction', [load.raws[i]]);
      if (hash !== load.hashes[i]) throw new Error(`tx ${i}: node answered hash ${String(hash)}`);
      sendMs.push(performance.now() - t0);
      for (let wait = POLL_MS; ; wait = Math.min(wait * 2, POLL_MAX_MS)) {
        const receipt = (await rpc('eth_getTransactionReceipt', [hash])) as { status: string } | null;
        polls++;
        if (receipt) {
          if (receipt.status !== '0x1') throw new Error(`tx ${i} failed: ${JSON.stringify(receipt)}`);
          break;
        }
        await sleep(wait);
      }
      latenciesMs.push(performance.now() - t0);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return { seconds: (performance.now() - started) / 1000, latenciesMs, sendMs, polls };
}

async function waitReceipt(rpc: Rpc, hash: string): Promise<{ status: string }> {
  for (;;) {
    const r = (await rpc('eth_getTransactionReceipt', [hash])) as { status: string } | null;
    if (r) return r;
    await sleep(20);
  }
}

/** Requests/s of one read, CONCURRENCY closed loops for READ_MS. */
async function reads(rpc: Rpc, method: string, params: unknown[]): Promise<number> {
  await rpc(method, params); // fails loudly if the node cannot answer it
  let stop = false;
  let count = 0;
  const loop = async () => {
    while (!stop) {
      await rpc(method, params);
      count++;
    }
  };
  const timer = setTimeout(() => (stop = true), READ_MS);
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  clearTimeout(timer);
  return count / ((performance.now() - started) / 1000);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Resident MB of one process: its RSS, or with `proportional` its PSS (shared pages split among sharers). */
function rssMb(pid: number, proportional = false): number {
  try {
    const m = proportional
      ? /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))
      : /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * The highest total of `rssMb` over `pids`, sampled every 100 ms — or every second for PSS: reading
 * `smaps_rollup` walks each process's page tables in the kernel, and ten Postgres processes sampled every 100 ms
 * took about 8 % of this machine's CPU (perf), in the generator's process, during the load it measures.
 */
function sampleRss(pids: () => number[], proportional = false): { stop(): number } {
  let max = 0;
  const timer = setInterval(
    () => {
      max = Math.max(
        max,
        pids().reduce((a, p) => a + rssMb(p, proportional), 0),
      );
    },
    proportional ? 1000 : 100,
  );
  return {
    stop() {
      clearInterval(timer);
      return max;
    },
  };
}

type Side = {
  tps: number;
  p50: number;
  p99: number;
  sendP50: number;
  /** `eth_getTransactionReceipt` calls per tx. */
  pollsPerTx: number;
  /** CPU ms per tx over the load phase. */
  cpu: { node: number; db: number; generator: number };
  rss: number;
  call: number;
  balance: number;
  block: number;
};

/** CPU time (user + system) used so far by `pids`, in ms (Linux /proc, 100 ticks/s). */
function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {}
  }
  return ticks * 10;
}

/**
 * Drives `load` at `url`; `nodePids` are the node's processes (RSS and CPU), `dbPids` its database's (CPU). CPU
 * per tx is measured over the send → receipt phase: the node, its database, and this generator.
 */
async function runSide(
  url: string,
  load: Load,
  abi: Interface,
  nodePids: () => number[],
  dbPids: () => number[] = () => [],
): Promise<Side> {
  const { call: rpc, close } = rpcClient(url);
  try {
    const deployHash = (await rpc('eth_sendRawTransaction', [load.deploy])) as string;
    const deployed = await waitReceipt(rpc, deployHash);
    if (deployed.status !== '0x1') throw new Error(`deploy failed on ${url}`);
    const rss = sampleRss(nodePids);
    const cpu0 = { node: cpuMs(nodePids()), db: cpuMs(dbPids()), gen: process.cpuUsage() };
    const d = await drive(rpc, load);
    const gen = process.cpuUsage(cpu0.gen);
    const n = load.raws.length;
    const cpu = {
      node: (cpuMs(nodePids()) - cpu0.node) / n,
      db: (cpuMs(dbPids()) - cpu0.db) / n,
      generator: (gen.user + gen.system) / 1000 / n,
    };
    const maxRss = rss.stop();
    const sorted = [...d.latenciesMs].sort((a, b) => a - b);
    const sends = [...d.sendMs].sort((a, b) => a - b);
    const probe = SENDER_PROBE;
    const callData = abi.encodeFunctionData('total', [probe]);
    const callResult = await rpc('eth_call', [{ to: load.contract, data: callData }, 'latest']);
    if (BigInt(callResult as string) !== 7n)
      throw new Error(`eth_call on ${url} answered ${String(callResult)}`);
    return {
      tps: load.raws.length / d.seconds,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      sendP50: percentile(sends, 50),
      pollsPerTx: d.polls / n,
      cpu,
      rss: maxRss,
      call: await reads(rpc, 'eth_call', [{ to: load.contract, data: callData }, 'latest']),
      balance: await reads(rpc, 'eth_getBalance', [probe, 'latest']),
      block: await reads(rpc, 'eth_getBlockByNumber', ['latest', false]),
    };
  } finally {
    close();
  }
}

let SENDER_PROBE = '';

export async function benchThroughput(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'lev-bench-e2e-'));
  const senders = Array.from(
    { length: SENDERS },
    (_, i) => new Wallet(`0x${(0x1000 + i).toString(16).padStart(64, '0')}`),
  );
  const deployer = new Wallet(`0x${'77'.repeat(32)}`);
  SENDER_PROBE = senders[0]!.address;
  const store = compileStore();
  const l2Load = await signLoad(L2_CHAIN_ID, senders, deployer, store);
  const hhLoad =
    process.env['LEV_BENCH_E2E_SKIP_PEER'] === '1'
      ? l2Load
      : await signLoad(HARDHAT_CHAIN_ID, senders, deployer, store);

  // The peer first, then stopped, so the two never share the CPU.
  // `LEV_BENCH_E2E_SKIP_PEER=1` (while tuning): our node alone, no Hardhat or bare loops.
  const skipPeer = process.env['LEV_BENCH_E2E_SKIP_PEER'] === '1';
  let peer: Side = {
    tps: 0,
    p50: 0,
    p99: 0,
    sendP50: 0,
    pollsPerTx: 0,
    cpu: { node: 0, db: 0, generator: 0 },
    rss: 0,
    call: 0,
    balance: 0,
    block: 0,
  };
  if (!skipPeer) {
    const hardhat = await startHardhatDevnet({
      port: await freePort(),
      chainId: Number(HARDHAT_CHAIN_ID),
      accounts: [...senders, deployer].map((w) => ({ privateKey: w.privateKey, balance: BALANCE })),
      automine: true,
      blockTimeMs: 0,
      initialBaseFeePerGas: 0n,
    });
    try {
      peer = await runSide(hardhat.url, hhLoad, store.abi, () => [hardhat.child.pid ?? 0]);
    } finally {
      await hardhat.stop();
    }
  }

  const genesisFile = join(dir, 'genesis.json');
  writeFileSync(
    genesisFile,
    JSON.stringify({
      accounts: [...senders, deployer].map((w) => ({
        address: w.address,
        balance: BALANCE.toString(),
        nonce: '0',
      })),
    }),
  );
  const dataDir = join(dir, 'node');
  const node = runLev(
    ['start', '--dev', '--roles', 'rpc,sequencer'],
    {
      LEV_NODE_DATA_DIR: dataDir,
      LEV_L2_GENESIS_FILE: genesisFile,
      LEV_RPC_PORT: String(await freePort()),
      LEV_RPC_RATE_LIMIT_PER_IP: '0',
      LEV_METRICS_PORT: String(await freePort()),
      LEV_LOG_LEVEL: 'warn',
    },
    // `LEV_BENCH_PROFILE_DIR=/tmp/prof`: a V8 CPU profile of the node under this load.
    process.env['LEV_BENCH_PROFILE_DIR']
      ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${process.env['LEV_BENCH_PROFILE_DIR']}`] }
      : {},
  );
  let ours: Side;
  let pgRss = 0;
  try {
    const url = await node.ready('rpc');
    const postmaster = (): number[] => {
      try {
        return postgresPids(
          Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]),
        );
      } catch {
        return [];
      }
    };
    const pgSampler = sampleRss(postmaster, true);
    try {
      ours = await runSide(url, l2Load, store.abi, () => [node.child.pid ?? 0], postmaster);
    } finally {
      pgRss = pgSampler.stop();
    }
  } finally {
    node.child.kill('SIGTERM');
    await node.exited;
    if (process.env['LEV_BENCH_E2E_SHOW_OUTPUT']) process.stderr.write(node.output());
  }

  const bareEthereumjs = skipPeer
    ? 0
    : await bareRunTx(l2Load.raws, genesisOf(senders), {
        common: createL2Common(L2_CHAIN_ID, { defaultCrypto: true }),
      });
  const bareLibsecp = skipPeer
    ? 0
    : await bareRunTx(l2Load.raws, genesisOf(senders), { common: createL2Common(L2_CHAIN_ID) });
  rmSync(dir, { recursive: true, force: true });

  return {
    'e2e.txs': l2Load.raws.length,
    'e2e.hardhat.txPerSecond': peer.tps,
    'e2e.lev.txPerSecond': ours.tps,
    'e2e.lev.vs.hardhat.ratio': ours.tps / peer.tps,
    'e2e.lev.vs.bareRunTx.ethereumjsRecovery.ratio': ours.tps / bareEthereumjs,
    'e2e.lev.vs.bareRunTx.libsecpRecovery.ratio': ours.tps / bareLibsecp,
    'e2e.bareRunTx.ethereumjsRecovery.txPerSecond': bareEthereumjs,
    'e2e.bareRunTx.libsecpRecovery.txPerSecond': bareLibsecp,
    'e2e.hardhat.latency.p50.ms': peer.p50,
    'e2e.hardhat.latency.p99.ms': peer.p99,
    'e2e.lev.latency.p50.ms': ours.p50,
    'e2e.lev.latency.p99.ms': ours.p99,
    'e2e.hardhat.sendRawTransaction.p50.ms': peer.sendP50,
    'e2e.lev.sendRawTransaction.p50.ms': ours.sendP50,
    'e2e.hardhat.receiptPollsPerTx': peer.pollsPerTx,
    'e2e.lev.receiptPollsPerTx': ours.pollsPerTx,
    'e2e.hardhat.cpuMsPerTx.node': peer.cpu.node,
    'e2e.hardhat.cpuMsPerTx.generator': peer.cpu.generator,
    'e2e.lev.cpuMsPerTx.node': ours.cpu.node,
    'e2e.lev.cpuMsPerTx.postgres': ours.cpu.db,
    'e2e.lev.cpuMsPerTx.generator': ours.cpu.generator,
    'e2e.hardhat.rss.max.mb': peer.rss,
    'e2e.lev.rss.max.mb': ours.rss,
    'e2e.lev.postgres.pss.max.mb': pgRss,
    'e2e.hardhat.eth_call.rps': peer.call,
    'e2e.lev.eth_call.rps': ours.call,
    'e2e.lev.vs.hardhat.eth_call.ratio': ours.call / peer.call,
    'e2e.hardhat.eth_getBalance.rps': peer.balance,
    'e2e.lev.eth_getBalance.rps': ours.balance,
    'e2e.lev.vs.hardhat.eth_getBalance.ratio': ours.balance / peer.balance,
    'e2e.hardhat.eth_getBlockByNumber.rps': peer.block,
    'e2e.lev.eth_getBlockByNumber.rps': ours.block,
    'e2e.lev.vs.hardhat.eth_getBlockByNumber.ratio': ours.block / peer.block,
  };
}

const genesisOf = (senders: Wallet[]) => senders.map((w) => ({ address: w.address, balance: BALANCE }));

/** The postmaster and its backends (children), for their summed RSS. */
function postgresPids(postmaster: number): number[] {
  const pids = [postmaster];
  try {
    const children = readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').trim();
    if (children) pids.push(...children.split(/\s+/).map(Number));
  } catch {}
  return pids;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await benchThroughput();
  for (const [k, v] of Object.entries(results))
    console.log(`${k.padEnd(48)} ${Number.isInteger(v) ? v : v.toFixed(2)}`);
}
