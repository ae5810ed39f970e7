/**
 * `lev replay` on a real log: `lev start --dev --roles rpc,sequencer` on a temp data dir, txs sent with ethers,
 * `lev replay --follow --json` next to the running node (it reuses the node's embedded Postgres, prints the new
 * events, exits 0 on SIGINT and leaves the server running), the node stopped, then `lev replay` starting the
 * embedded Postgres itself (and stopping it again), every filter checked against what the store holds,
 * `--rebuild`/`--diff` (equal, then a corrupted row named), `--reorgs` on a log without reorgs, and bad arguments
 * (one line, exit 2).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { JsonRpcProvider, Wallet } from 'ethers';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPgPool, type EmbeddedPostgresServer, startEmbeddedPostgres } from '../../src/db/index.ts';
import { createPostgresEventStore, type RecordedEvent } from '../../src/eventstore/index.ts';
import { freePort, type LevProcess, postmasterPid, runLev, tempDataDir } from '../support/node-process.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const dataDir = tempDataDir();
const pgDir = join(dataDir, 'pg');
const env = { LEV_NODE_DATA_DIR: dataDir };
let node: LevProcess | undefined;
let server: EmbeddedPostgresServer | undefined;
/** The whole log as the store holds it (read by the test itself once the node has stopped). */
const stored: RecordedEvent[] = [];
const hashes: string[] = [];

type JsonEvent = {
  position: string;
  stream: string;
  revision: number;
  type: string;
  version: number;
  data: Record<string, unknown>;
  metadata: { at: string; actor: string };
};

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs `lev replay …` to completion with stdout and stderr kept apart. */
async function replay(args: string[]): Promise<Run> {
  const p = runLev(['replay', ...args], env);
  let stdout = '';
  let stderr = '';
  p.child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  p.child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const { code } = await p.exited;
  return { code, stdout, stderr };
}

async function replayJson(args: string[]): Promise<JsonEvent[]> {
  const r = await replay([...args, '--json']);
  assert.is(r.code, 0, `lev replay ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter(Boolean);
  const events = lines.map((l) => JSON.parse(l) as JsonEvent);
  const positions = events.map((e) => BigInt(e.position));
  for (let i = 1; i < positions.length; i++)
    assert.ok(positions[i]! > positions[i - 1]!, 'ascending positions');
  return events;
}

const asJson = (e: RecordedEvent): JsonEvent => ({
  position: e.position.toString(),
  stream: e.streamId,
  revision: e.revision,
  type: e.type,
  version: e.version,
  data: e.data,
  metadata: e.metadata as JsonEvent['metadata'],
});

const positionsOf = (events: { position: string | bigint }[]) => events.map((e) => String(e.position));

test.after(async () => {
  await node?.killGroup();
  await server?.stop().catch(() => {});
  const pid = postmasterPid(dataDir);
  if (pid) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test('--follow --json next to a running node: new events printed, SIGINT exits 0, the node keeps its server', async () => {
  node = runLev(['start', '--dev', '--roles', 'rpc,sequencer'], {
    ...env,
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
    LEV_SEQUENCER_BATCH_TIMEOUT_MS: '300',
  });
  const url = await node.ready('rpc');
  const provider = new JsonRpcProvider(url, undefined, {
    staticNetwork: true,
    pollingInterval: 100,
    cacheTimeout: -1,
  });
  const wallet = Wallet.fromPhrase(MNEMONIC, provider);
  const first = await wallet.sendTransaction({ to: Wallet.createRandom().address, value: 1n });
  await first.wait();
  hashes.push(first.hash);
  const nodePostgres = postmasterPid(dataDir);
  assert.ok(nodePostgres);

  const follow = runLev(['replay', '--follow', '--json'], env);
  let out = '';
  let err = '';
  follow.child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  follow.child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const waitFor = async (what: () => boolean, label: string) => {
    const deadline = Date.now() + 60_000;
    while (!what()) {
      assert.ok(
        Date.now() < deadline && follow.child.exitCode === null,
        `${label}\nstdout:${out}\nstderr:${err}`,
      );
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await waitFor(() => /following the log after position \d+/.test(err), 'the follow started');
  const after = BigInt(/following the log after position (\d+)/.exec(err)![1]!);
  for (const value of [2n, 3n]) {
    const tx = await wallet.sendTransaction({ to: Wallet.createRandom().address, value });
    await tx.wait();
    hashes.push(tx.hash);
  }
  const included = (h: string) => out.includes(`"type":"TxIncluded","version":1,"data":{"hash":"${h}"`);
  await waitFor(() => included(hashes[1]!) && included(hashes[2]!), 'both txs included in the follow output');
  follow.child.kill('SIGINT');
  const { code } = await follow.exited;
  assert.is(code, 0, err);

  const printed = out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonEvent);
  // No filter: every event after the start position, contiguous.
  assert.equal(
    positionsOf(printed),
    printed.map((_, i) => String(after + 1n + BigInt(i))),
  );
  for (const h of hashes.slice(1)) {
    assert.equal(
      printed.filter((e) => e.stream === `tx-${h}`).map((e) => e.type),
      ['TxReceived', 'TxIncluded'],
    );
    assert.ok(
      printed.some((e) => e.type === 'L2BlockSealed' && (e.data['tx'] as { hash: string }).hash === h),
    );
  }
  // The node still has its Postgres (the replay reused it and did not stop it) and still answers.
  assert.is(postmasterPid(dataDir), nodePostgres);
  assert.is(await provider.getTransactionCount(wallet.address), 3);
  provider.destroy();

  // Let the open batch close, then stop the node.
  await new Promise((r) => setTimeout(r, 800));
  node.child.kill('SIGTERM');
  assert.is((await node.exited).code, 0, node.output().slice(-2000));
  node = undefined;
  assert.is(postmasterPid(dataDir), null, 'the node stopped its Postgres');
});

test('with the node stopped, replay starts the embedded Postgres itself, prints the whole log, stops it again', async () => {
  const all = await replayJson([]);
  assert.is(postmasterPid(dataDir), null, 'the server replay started is stopped again');

  server = await startEmbeddedPostgres({ dataDir: pgDir });
  assert.not.ok(server.reused);
  const pool = createPgPool(server.url, { max: 2 });
  const store = await createPostgresEventStore({ pool });
  for (let from = 0n; ; ) {
    const page = await store.readAll({ fromPosition: from, limit: 1000 });
    stored.push(...page.events);
    from = page.position;
    if (page.isEnd) break;
  }
  await store.close();
  await pool.end();
  assert.ok(stored.length >= 12, `a real log (${stored.length} events)`);
  assert.equal(all, stored.map(asJson), 'every event exactly as stored');
  assert.equal(
    positionsOf(all),
    all.map((_, i) => String(i + 1)),
    'positions 1..N',
  );
});

test('filters select exactly the events the store holds for them (the running server reused, not stopped)', async () => {
  const batchOf = (e: RecordedEvent) => String((e.data as { batchNumber?: string }).batchNumber ?? '');
  const firstTxBatch = batchOf(stored.find((e) => e.type === 'TxIncluded')!);
  const h1 = hashes[1]!;
  const mid = stored[Math.floor(stored.length / 3)]!;
  const late = stored[Math.floor((2 * stored.length) / 3)]!;
  const atMs = (e: RecordedEvent) => Date.parse(e.metadata.at);
  const cases: [string[], (e: RecordedEvent) => boolean][] = [
    [['--stream', 'l2'], (e) => e.streamId === 'l2'],
    [['--type', 'TxIncluded,BatchClosed'], (e) => e.type === 'TxIncluded' || e.type === 'BatchClosed'],
    [
      ['--from', String(mid.position), '--to', String(late.position)],
      (e) => e.position >= mid.position && e.position <= late.position,
    ],
    [
      ['--since', mid.metadata.at, '--until', late.metadata.at],
      (e) => atMs(e) >= atMs(mid) && atMs(e) <= atMs(late),
    ],
    [
      ['--batch', firstTxBatch],
      (e) =>
        ['BatchOpened', 'L2BlockSealed', 'BatchClosed', 'TxIncluded'].includes(e.type) &&
        batchOf(e) === firstTxBatch,
    ],
    [
      ['--tx', h1.toUpperCase().replace('0X', '0x')],
      (e) =>
        e.streamId === `tx-${h1}` ||
        (e.type === 'L2BlockSealed' && (e.data as { tx: { hash: string } }).tx.hash === h1),
    ],
    [
      ['--stream', 'l2', '--batch', firstTxBatch],
      (e) =>
        e.streamId === 'l2' &&
        ['BatchOpened', 'L2BlockSealed', 'BatchClosed'].includes(e.type) &&
        batchOf(e) === firstTxBatch,
    ],
  ];
  // Together (they share the server this test started), and the text form of the whole log.
  const [text, ...results] = await Promise.all([replay([]), ...cases.map(([args]) => replayJson(args))]);
  cases.forEach(([args, want], k) => {
    const expected = stored.filter(want).map(asJson);
    assert.ok(expected.length > 0, `a non-empty case: ${args.join(' ')}`);
    assert.ok(expected.length < stored.length, `a selective case: ${args.join(' ')}`);
    assert.equal(results[k], expected, `lev replay ${args.join(' ')}`);
  });
  // The tx filter found the tx's two events and the block that carries it.
  assert.equal(
    results[5]!.map((e) => e.type),
    ['TxReceived', 'L2BlockSealed', 'TxIncluded'],
  );
  // Text mode: one line per event, starting with its position.
  assert.is(text.code, 0);
  const lines = text.stdout.split('\n').filter(Boolean);
  assert.is(lines.length, stored.length);
  lines.forEach((l, i) => {
    const e = stored[i]!;
    assert.match(
      l,
      new RegExp(`^\\s*${e.position}  ${e.metadata.at}  ${e.streamId}@${e.revision}  ${e.type}\\b`),
    );
  });
  assert.not.ok(text.stdout.includes('\u001b['), 'no colour when not a terminal');
  assert.ok(server && postmasterPid(dataDir) !== null, 'the server this test started is still running');
});

test('--rebuild then --diff: no difference; a corrupted row: exit 1 naming table and row', async () => {
  const head = stored.at(-1)!.position;
  const to = stored[Math.floor(stored.length / 2)]!.position;
  const [rebuilt, partial] = await Promise.all([
    replay(['--rebuild', '--schema', 'rb1']),
    replay(['--rebuild', '--schema', 'rb2', '--to', String(to)]),
  ]);
  assert.is(partial.code, 0, partial.stderr);
  assert.is(rebuilt.code, 0, rebuilt.stderr);
  assert.match(
    rebuilt.stdout,
    new RegExp(`^rebuilt 4 read models \\(pool, l2, l1tx, l1sync\\) into schema rb1 up to position ${head} `),
  );
  assert.match(
    rebuilt.stderr,
    new RegExp(`rebuild rb1: ${head}/${head} \\(100%\\)`),
    'a plain progress line',
  );

  const [same, again] = await Promise.all([
    replay(['--diff', '--schema', 'rb1']),
    replay(['--rebuild', '--schema', 'rb1']),
  ]);
  assert.is(same.code, 0, same.stdout + same.stderr);
  assert.match(same.stdout, /^no difference \(\d+ tables, \d+ rows\)$/m);
  assert.is(again.code, 2);
  assert.match(again.stderr, /^lev replay: schema rb1 already exists/);

  const client = new pg.Client({ connectionString: server!.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ number: string; state_root: string }>(
      'select number::text, state_root from rb1.l2_blocks where number = 1',
    );
    assert.is(rows.length, 1);
    await client.query("update rb1.l2_blocks set state_root = '0xbad' where number = 1");
    const differs = await replay(['--diff', '--schema', 'rb1']);
    assert.is(differs.code, 1, differs.stdout + differs.stderr);
    assert.match(differs.stdout, /^l2_blocks: 1 row differs \(lev_rm \d+ rows, rb1 \d+ rows\)$/m);
    assert.ok(
      differs.stdout.includes(
        `  l2_blocks number=1: state_root: lev_rm "${rows[0]!.state_root}" ≠ rb1 "0xbad"`,
      ),
      differs.stdout,
    );
    assert.not.match(differs.stdout, /no difference/);

    // The rebuild up to an earlier position stopped there.
    const cps = await client.query<{ p: string }>('select distinct position::text as p from rb2.checkpoints');
    assert.equal(
      cps.rows.map((r) => r.p),
      [String(to)],
    );
    const blocks = await client.query<{ n: string }>('select count(*)::text as n from rb2.l2_blocks');
    assert.is(
      blocks.rows[0]!.n,
      String(
        stored.filter((e) => e.position <= to && ['L2GenesisCreated', 'L2BlockSealed'].includes(e.type))
          .length,
      ),
    );
  } finally {
    await client.end();
  }
});

test('--reorgs on a log without L1 reorgs', async () => {
  const [text, json] = await Promise.all([replay(['--reorgs']), replay(['--reorgs', '--json'])]);
  assert.equal([text.code, text.stdout], [0, 'no L1 reorg recorded\n']);
  assert.equal([json.code, json.stdout], [0, '']);
});

test('bad arguments: one line on stderr, nothing on stdout, exit 2', async () => {
  const head = stored.at(-1)!.position;
  const cases: [string[], RegExp][] = [
    [['--bogus'], /unknown option '--bogus'/],
    [['--from', 'abc'], /^lev replay: --from "abc" is not a log position/],
    [['--diff'], /^lev replay: --diff needs --schema NAME/],
    [
      ['--to', String(head + 1000n)],
      new RegExp(`^lev replay: --to ${head + 1000n} is beyond the head of the log \\(${head}\\)`),
    ],
    [['--diff', '--schema', 'nope'], /^lev replay: schema nope does not exist/],
    [['extra'], /too many arguments/],
  ];
  const empty = tempDataDir();
  const noData = runLev(['replay'], { LEV_NODE_DATA_DIR: empty });
  const runs = await Promise.all(cases.map(([args]) => replay(args)));
  cases.forEach(([args, message], k) => {
    const r = runs[k]!;
    assert.is(r.code, 2, `lev replay ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.is(r.stdout, '', args.join(' '));
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.is(lines.length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0]!, message);
  });
  // A data dir without a node: named, exit 2.
  try {
    const { code } = await noData.exited;
    assert.is(code, 2);
    assert.match(
      noData.output(),
      /^lev replay: no node data in .* \(no embedded Postgres in .*\/pg\); set node\.dataDir .*\n$/,
    );
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test.run();
