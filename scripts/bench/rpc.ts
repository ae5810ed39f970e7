/**
 * JSON-RPC transport benchmark: requests/s of `eth_chainId` over HTTP with 32 concurrent keep-alive clients,
 * against (a) our server (`createRpcServer`, rate limit off) and (b) a bare `node:http` server that parses the
 * JSON body and answers `{jsonrpc, id, result}` — measured in the same run, so the ratio is what matters.
 *
 * Method: both servers run in this process; the load comes from a separate child process (this file with
 * `--load-generator`), so the generator never competes for the servers' event loop. The generator uses a
 * `node:http` Agent with keepAlive and maxSockets 32 and runs 32 closed loops (send a request, read the whole
 * response, send the next). It first checks one response for the exact expected body, then warms up for 1 s,
 * then counts completed 200 responses for 5 s, printing `start`/`stop` around that window. The targets are
 * measured one after the other, bare server first.
 *
 * Two figures per target:
 * - `rps`: completed requests per wall-clock second. A node:http *client* costs more CPU per request than a
 *   node:http server, so with one core for each side the generator saturates first and both servers show
 *   about the same rps: this figure is bounded by the generator, not by the server.
 * - `perCpuSecond`: completed requests per CPU-second the server process used inside the window (sampled
 *   with `process.cpuUsage()` at the child's `start`/`stop` marks) — the server's capacity per core, which
 *   is what its requests/s would be if the load generator were not the bottleneck.
 * `rpc.http.ratio` = ours/bare on `perCpuSecond` (the target is ≥ 0.6); `rpc.http.ratio.rps` is the same on
 * raw rps.
 *
 *   npx tsx scripts/bench/rpc.ts
 */
import { spawn } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEV_COINBASE } from '../../src/config/index.ts';
import type { Address } from '../../src/primitives/index.ts';
import { createRpcServer } from '../../src/rpc/index.ts';
import { simpleMethods } from '../../src/rpc/methods/index.ts';

const CONCURRENCY = 32;
const WARMUP_MS = 1000;
const MEASURE_MS = 5000;
const CHAIN_ID = 1001n;
const EXPECTED = '{"jsonrpc":"2.0","id":1,"result":"0x3e9"}';

type LoadConfig = { url: string; concurrency: number; warmupMs: number; measureMs: number };
type LoadResult = { requests: number; seconds: number; errors: number };

/** The generator (child process side): closed loops over a keep-alive agent. */
async function generateLoad(cfg: LoadConfig): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: cfg.concurrency });
  const target = new URL(cfg.url);
  const body = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}');
  const options = {
    agent,
    hostname: target.hostname,
    port: Number(target.port),
    path: '/',
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
  };
  const call = (read: boolean): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request(options, (res) => {
        let text = '';
        if (read) res.setEncoding('utf8').on('data', (c: string) => (text += c));
        else res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });

  const probe = await call(true);
  if (probe.status !== 200 || probe.text !== EXPECTED)
    throw new Error(`unexpected answer ${probe.status} ${probe.text} from ${cfg.url}`);

  let counting = false;
  let stop = false;
  let requests = 0;
  let errors = 0;
  const loop = async (): Promise<void> => {
    while (!stop) {
      const { status } = await call(false);
      if (!counting) continue;
      if (status === 200) requests++;
      else errors++;
    }
  };
  const loops = Array.from({ length: cfg.concurrency }, loop);
  await new Promise((r) => setTimeout(r, cfg.warmupMs));
  process.stdout.write('start\n');
  counting = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, cfg.measureMs));
  counting = false;
  process.stdout.write('stop\n');
  const seconds = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  return { requests, seconds, errors };
}

type Measurement = {
  /** Completed requests per wall-clock second (bounded by the generator when it saturates its core). */
  rps: number;
  /** Completed requests per CPU-second the server process spent in the window: the server's capacity. */
  perCpuSecond: number;
};

/**
 * Runs the generator in a child process against `url`. The child prints `start` and `stop` around its
 * counting window; this (server) process samples its own CPU time at those marks.
 */
function measure(url: string): Promise<Measurement> {
  const cfg: LoadConfig = { url, concurrency: CONCURRENCY, warmupMs: WARMUP_MS, measureMs: MEASURE_MS };
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', self, '--load-generator', JSON.stringify(cfg)],
      {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    let cpuAtStart: NodeJS.CpuUsage | undefined;
    let cpuSeconds = 0;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line === 'start') cpuAtStart = process.cpuUsage();
        else if (line === 'stop' && cpuAtStart) {
          const used = process.cpuUsage(cpuAtStart);
          cpuSeconds = (used.user + used.system) / 1e6;
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      const r = JSON.parse(out) as LoadResult;
      if (r.errors > 0) return reject(new Error(`${r.errors} non-200 answers from ${url}`));
      resolve({ rps: r.requests / r.seconds, perCpuSecond: cpuSeconds > 0 ? r.requests / cpuSeconds : 0 });
    });
  });
}

/** The baseline: parse the body, answer the constant result. */
async function startBareServer(): Promise<{ url: string; close(): Promise<void> }> {
  const result = `0x${CHAIN_ID.toString(16)}`;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const r = JSON.parse(body) as { id: unknown };
      const out = JSON.stringify({ jsonrpc: '2.0', id: r.id, result });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * Measures `eth_chainId` requests/s over HTTP (32 keep-alive clients, 5 s after a 1 s warm-up) against our
 * server and a bare node:http JSON server, in that order reversed (bare first). Takes about 15 s.
 */
export async function benchRpc(): Promise<Record<string, number>> {
  const bare = await startBareServer();
  const ours = await createRpcServer({
    port: 0,
    methods: simpleMethods,
    deps: { chainId: CHAIN_ID, minGasPrice: 1_000_000_000n, coinbase: DEV_COINBASE as Address },
    rateLimitPerIp: 0,
  });
  try {
    const b = await measure(bare.url);
    const o = await measure(ours.url);
    const ratio = (x: number, y: number): number => (y > 0 ? Math.round((x / y) * 1000) / 1000 : 0);
    return {
      'rpc.http.eth_chainId.rps': Math.round(o.rps),
      'rpc.http.bare.rps': Math.round(b.rps),
      'rpc.http.ratio.rps': ratio(o.rps, b.rps),
      'rpc.http.eth_chainId.perCpuSecond': Math.round(o.perCpuSecond),
      'rpc.http.bare.perCpuSecond': Math.round(b.perCpuSecond),
      'rpc.http.ratio': ratio(o.perCpuSecond, b.perCpuSecond),
    };
  } finally {
    await ours.close();
    await bare.close();
  }
}

const entry = process.argv[1] ? pathToFileURL(process.argv[1]).href : '';
if (entry === import.meta.url) {
  const at = process.argv.indexOf('--load-generator');
  if (at >= 0) {
    const result = await generateLoad(JSON.parse(process.argv[at + 1] ?? '{}') as LoadConfig);
    process.stdout.write(JSON.stringify(result));
  } else {
    const figures = await benchRpc();
    for (const [name, value] of Object.entries(figures)) process.stdout.write(`${name} ${value}\n`);
  }
}
