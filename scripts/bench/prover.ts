/**
 * Proving benchmarks (issue 5):
 *
 * 1. GenBatchProof round trips/s for trivial batches (one transfer each, with its witness): request → GetProof
 *    long-poll → the signed proof, over Connect on HTTP/2 against the reference prover in a child process
 *    (`lev prover`), one at a time and 8 in flight. The peer, measured in the same run, is the ceiling: a raw
 *    Connect unary echo of the same request message (a server that answers GenBatchProof with an id and does
 *    nothing), in a child process too.
 * 2. Time from `BatchClosed` to `ProofVerified` under dev defaults: `lev start --dev` (embedded prover, own
 *    Hardhat L1), one transfer every 2.5 s so each closes its own batch; the times come from the events' `at`
 *    in the node's log, split into closed → virtual (sequence on L1) and virtual → verified (proving and the
 *    verification tx).
 */
import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { HDNodeWallet, JsonRpcProvider } from 'ethers';
import pg from 'pg';
import {
  createProverClient,
  GenBatchProofRequestSchema,
  ProofResult,
  type ProverClient,
  toProtoBatchProofRequest,
} from '../../src/prover/index.ts';
import { buildTestChain, createSigner } from '../../test/prover/chain.ts';
import { freePort, runLev, tempDataDir } from '../../test/support/node-process.ts';

const ROUNDS = Number(process.env['LEV_BENCH_PROVER_ROUNDS'] ?? 300);
const IN_FLIGHT = 8;
const BATCHES = 5;
const MNEMONIC = 'test test test test test test test test test test test junk';

/** The echo server, run as `node --import tsx prover.ts --echo <port>`: GenBatchProof → an id, nothing else. */
async function runEcho(port: number): Promise<void> {
  const { ProverService } = await import('../../src/prover/index.ts');
  const { connectNodeAdapter } = await import('@connectrpc/connect-node');
  const http2 = await import('node:http2');
  const server = http2.createServer(
    connectNodeAdapter({
      routes: (router) => router.service(ProverService, { genBatchProof: () => ({ id: 'echo' }) }),
    }),
  );
  server.listen(port, '127.0.0.1', () => process.send?.('ready'));
}

if (process.argv[2] === '--echo') await runEcho(Number(process.argv[3]));

async function rate(rounds: number, inFlight: number, one: () => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < rounds) await one();
    }),
  );
  return rounds / ((performance.now() - started) / 1000);
}

async function roundTrips(): Promise<Record<string, number>> {
  const signer = createSigner();
  const chain = await buildTestChain([
    [await signer.tx(5, { to: '0x000000000000000000000000000000000000bEEF' as const, value: 1n })],
  ]);
  const request = toProtoBatchProofRequest(await chain.proofRequest(0, 1));
  const bytes = create(GenBatchProofRequestSchema, request);

  const proverPort = await freePort();
  const prover = runLev(['prover', '--dev'], {
    LEV_PROVER_LISTEN: `127.0.0.1:${proverPort}`,
    LEV_LOG_LEVEL: 'warn',
  });
  const echoPort = await freePort();
  const echo = fork(fileURLToPath(import.meta.url), ['--echo', String(echoPort)], {
    execArgv: ['--import', 'tsx'],
    stdio: 'ignore',
  });
  const clients: ProverClient[] = [];
  try {
    await prover.ready('prover', 60_000);
    await new Promise<void>((resolve) => echo.once('message', () => resolve()));
    const proverClient = createProverClient(`http://127.0.0.1:${proverPort}`);
    const echoClient = createProverClient(`http://127.0.0.1:${echoPort}`);
    clients.push(proverClient, echoClient);
    const prove = async () => {
      const { id } = await proverClient.genBatchProof(bytes);
      const res = await proverClient.getProof({ id, timeoutMs: 30_000 });
      if (res.result !== ProofResult.COMPLETED_OK) throw new Error(`proof ${id}: ${res.error}`);
    };
    const ping = async () => {
      await echoClient.genBatchProof(bytes);
    };
    for (let i = 0; i < 20; i++) {
      await prove();
      await ping();
    }
    const out: Record<string, number> = {};
    for (const [label, n] of [
      ['sequential', 1],
      [`${IN_FLIGHT} in flight`, IN_FLIGHT],
    ] as const) {
      const proofs = await rate(ROUNDS, n, prove);
      const echoes = await rate(ROUNDS * 4, n, ping);
      out[`prover GenBatchProof→proof ${label} (rt/s)`] = proofs;
      out[`prover Connect unary echo ${label} (rt/s)`] = echoes;
      out[`prover ratio proof/echo ${label}`] = proofs / echoes;
    }
    return out;
  } finally {
    for (const c of clients) c.close();
    prover.child.kill('SIGTERM');
    await prover.exited;
    echo.kill('SIGTERM');
  }
}

async function closedToVerified(): Promise<Record<string, number>> {
  const dataDir = tempDataDir();
  const l1Url = `http://127.0.0.1:${await freePort()}`;
  const node = runLev(['start', '--dev'], {
    LEV_NODE_DATA_DIR: dataDir,
    LEV_L1_URL: l1Url,
    LEV_PROVER_URL: `http://127.0.0.1:${await freePort()}`,
    LEV_PROVER_LISTEN: '127.0.0.1:0',
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
    LEV_LOG_LEVEL: 'warn',
  });
  let db: pg.Client | undefined;
  try {
    const l2Url = await node.ready('rpc', 120_000);
    const dbUrl = /^ready postgres (\S+)$/m.exec(node.output())![1]!.replace('***', 'password');
    db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    const provider = new JsonRpcProvider(l2Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const wallet = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/8").connect(provider);
    for (let i = 0; i < BATCHES; i++) {
      await wallet.sendTransaction({ to: '0x000000000000000000000000000000000000bEEF', value: 1n });
      await new Promise((r) => setTimeout(r, 2500));
    }
    provider.destroy();
    const verifiedAll = async () => {
      const { rows } = await db!.query<{ n: string | null }>(
        "select max((data->>'toBatch')::bigint)::text as n from lev_es.events where type = 'ProofVerified'",
      );
      return BigInt(rows[0]?.n ?? 0) >= BigInt(BATCHES);
    };
    const deadline = Date.now() + 120_000;
    while (!(await verifiedAll())) {
      if (Date.now() > deadline) throw new Error(`not verified in time\n${node.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const times = async (type: string) => {
      const { rows } = await db!.query<{ d: Record<string, string>; at: string }>(
        "select data as d, metadata->>'at' as at from lev_es.events where type = $1 order by position",
        [type],
      );
      return rows.map((r) => ({ d: r.d, at: Date.parse(r.at) }));
    };
    const closed = new Map((await times('BatchClosed')).map((r) => [r.d['batchNumber']!, r.at]));
    // Virtualization and verification name ranges: a batch gets the time of the first event covering it.
    const covering = async (type: string) => {
      const out = new Map<string, number>();
      for (const r of await times(type))
        for (let n = BigInt(r.d['fromBatch']!); n <= BigInt(r.d['toBatch']!); n++)
          if (!out.has(n.toString())) out.set(n.toString(), r.at);
      return out;
    };
    const virtualAt = await covering('BatchesVirtualized');
    const verifiedAt = await covering('ProofVerified');
    const toVirtual: number[] = [];
    const toVerified: number[] = [];
    for (let n = 1; n <= BATCHES; n++) {
      const c = closed.get(String(n));
      const v = virtualAt.get(String(n));
      const f = verifiedAt.get(String(n));
      if (c === undefined || v === undefined || f === undefined) continue;
      toVirtual.push(v - c);
      toVerified.push(f - c);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
    return {
      'prover BatchClosed→virtual median (s)': median(toVirtual) / 1000,
      'prover BatchClosed→ProofVerified median (s)': median(toVerified) / 1000,
      'prover BatchClosed→ProofVerified max (s)': Math.max(...toVerified) / 1000,
      'prover batches measured': toVerified.length,
    };
  } finally {
    await db?.end().catch(() => {});
    node.child.kill('SIGTERM');
    await node.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchProver(): Promise<Record<string, number>> {
  return { ...(await roundTrips()), ...(await closedToVerified()) };
}
