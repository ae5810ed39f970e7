/**
 * `npm run bench`: every benchmark, each against a peer measured in the same run (these machines are noisy, so
 * ratios matter, not absolute figures). One embedded Postgres for the run (or `LEV_BENCH_DB_URL`), a fresh
 * database per benchmark.
 *
 *   event store   appends (single, batches of 100) vs plain INSERTs of the same rows; subscription delivery
 *   rpc           eth_chainId requests/s (32 keep-alive clients) vs a bare node:http JSON server
 *   pool          eth_sendRawTransaction accepted/s end to end (32 in flight)
 *   execution     transfers/s: our executor on the Postgres trie store vs a bare runTx loop on MapDB
 *   replay        `lev replay --json` and `--rebuild` over a ~100k-event log vs plain SELECTs of the same rows
 *   l1sync        a synchronizer catching up ~1,000 L1 blocks carrying 100 sequences of 10 batches
 *   prover        GenBatchProof round trips/s vs a raw Connect unary echo; BatchClosed → ProofVerified on --dev
 *   e2e           the whole node vs a Hardhat node: transfers/s send → receipt (32 in flight), latency, RSS,
 *                 eth_call / eth_getBalance / eth_getBlockByNumber requests/s
 *
 *   npm run bench [-- eventstore|rpc|pool|execution|replay|l1sync|prover|e2e ...]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/index.ts';
import { benchEventStore } from './eventstore.ts';
import { benchExecution } from './execution.ts';
import { benchL1Sync } from './l1sync.ts';
import { benchSendRawTransaction } from './pool.ts';
import { benchProver } from './prover.ts';
import { benchReplay } from './replay.ts';
import { benchRpc } from './rpc.ts';
import { benchThroughput } from './throughput.ts';

const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);

const dir = mkdtempSync(join(tmpdir(), 'lev-bench-'));
let adminUrl = process.env['LEV_BENCH_DB_URL'];
let stopPg = async () => {};
if (!adminUrl) {
  const server = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), database: 'postgres' });
  adminUrl = server.adminUrl;
  stopPg = () => server.stop();
}

async function freshDatabase(name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const db = `bench_${name}_${Date.now().toString(36)}`;
  await client.query(`create database ${db}`);
  await client.end();
  const url = new URL(adminUrl!);
  url.pathname = `/${db}`;
  return url.toString();
}

const results: Record<string, number> = {};
try {
  if (want('eventstore')) Object.assign(results, await benchEventStore({ url: adminUrl }));
  if (want('rpc')) Object.assign(results, await benchRpc());
  if (want('pool'))
    Object.assign(results, await benchSendRawTransaction({ url: await freshDatabase('pool') }));
  if (want('execution')) Object.assign(results, await benchExecution({ url: await freshDatabase('exec') }));
  if (want('replay')) Object.assign(results, await benchReplay({ url: await freshDatabase('replay') }));
  if (want('l1sync')) Object.assign(results, await benchL1Sync({ url: await freshDatabase('l1sync') }));
  if (want('prover')) Object.assign(results, await benchProver());
  if (want('e2e')) Object.assign(results, await benchThroughput());
} finally {
  await stopPg();
  rmSync(dir, { recursive: true, force: true });
}
console.log('\nbenchmark                                        value');
for (const [k, v] of Object.entries(results)) {
  const shown = Number.isInteger(v)
    ? String(v)
    : /ratio/.test(k) || Math.abs(v) < 100
      ? v.toFixed(2)
      : String(Math.round(v));
  console.log(`${k.padEnd(48)} ${shown}`);
}
