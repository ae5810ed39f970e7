/**
 * `lev inspect` on a real log: `lev start --dev --roles rpc,sequencer` on a temp data dir, a contract deployment
 * (one storage slot) and transfers sent with ethers, `eth_getBalance` / `eth_getTransactionCount` /
 * `eth_getStorageAt` / `eth_getCode` recorded for every block and several accounts; then, with the node stopped,
 * `lev inspect --at l2:N account X --json` must equal them for every N (in-process, on the embedded Postgres the
 * test keeps running; a few through the CLI as well), and `--at <position>`, ISO time, `block`, `tx`, `batch`,
 * `pool`, `sync`, `actors` and bad arguments (one line, exit 2) are checked against the stored log.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { HDNodeWallet, JsonRpcProvider, keccak256, Wallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createProjectionRunner, createReadModelDb, logMirrorProjection } from '../../projections/index.ts';
import { type InspectOptions, inspect } from '../../src/cli/inspect.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createPgPool, type EmbeddedPostgresServer, startEmbeddedPostgres } from '../../src/db/index.ts';
import { createPostgresEventStore, type RecordedEvent } from '../../src/eventstore/index.ts';
import { captureIo } from '../support/capture.ts';
import { freePort, type LevProcess, postmasterPid, runLev, tempDataDir } from '../support/node-process.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const dataDir = tempDataDir();
const pgDir = join(dataDir, 'pg');
const env = { LEV_NODE_DATA_DIR: dataDir };
let node: LevProcess | undefined;
let server: EmbeddedPostgresServer | undefined;
const stored: RecordedEvent[] = [];

type Expected = { balance: string; nonce: number; storage0: string; codeHash: string };
/** expected[N][address] as the node's RPC answered at block N. */
const expected: Record<string, Expected>[] = [];
const accounts: string[] = [];
let contract = '';
const txHashes: string[] = [];
let headBlock = 0;

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

type Run = { code: number; stdout: string; stderr: string };

/** `lev inspect` in this process (the config from LEV_NODE_DATA_DIR), stdout and stderr captured. */
async function run(
  subject: string,
  args: string[],
  opts: Record<string, string | boolean>,
  options: InspectOptions = {},
  stdin?: NodeJS.ReadableStream,
): Promise<Run> {
  const out = captureIo();
  const code = await inspect(
    subject,
    args,
    opts,
    () => loadConfig({ env: { ...env } }),
    { ...out.io, ...(stdin ? { stdin } : {}) },
    options,
  );
  return { code, stdout: out.stdout(), stderr: out.stderr() };
}

async function json<T>(subject: string, args: string[], opts: Record<string, string | boolean>): Promise<T> {
  const r = await run(subject, args, { ...opts, json: true });
  assert.is(r.code, 0, `inspect ${subject} ${args.join(' ')} ${JSON.stringify(opts)}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** `npx lev inspect …` as a process. */
async function cli(args: string[]): Promise<Run> {
  const p = runLev(['inspect', ...args], env);
  let stdout = '';
  let stderr = '';
  p.child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  p.child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const { code } = await p.exited;
  return { code: code ?? -1, stdout, stderr };
}

// init: SSTORE(0, 42); runtime code: the single byte 0x00
const INIT = '0x602a600055600060005360016000f3';

test('a node seals some blocks; the RPC answers for every block are recorded; the node stops', async () => {
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
  const w0 = Wallet.fromPhrase(MNEMONIC, provider);
  const w1 = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/6").connect(provider);
  const a = Wallet.createRandom().address;
  const deploy = await w0.sendTransaction({ data: INIT });
  const deployed = await deploy.wait();
  contract = deployed!.contractAddress!;
  txHashes.push(deploy.hash);
  for (const [w, to, value] of [
    [w0, a, 1000n],
    [w1, a, 7n],
    [w0, w1.address, 10n ** 18n],
  ] as const) {
    const tx = await w.sendTransaction({ to, value });
    await tx.wait();
    txHashes.push(tx.hash);
  }
  accounts.push(w0.address, w1.address, a, contract);
  headBlock = await provider.getBlockNumber();
  assert.ok(headBlock >= 4, `blocks sealed (${headBlock})`);
  for (let n = 0; n <= headBlock; n++) {
    const at: Record<string, Expected> = {};
    for (const x of accounts) {
      const code = await provider.getCode(x, n);
      at[x.toLowerCase()] = {
        balance: (await provider.getBalance(x, n)).toString(),
        nonce: await provider.getTransactionCount(x, n),
        storage0: await provider.getStorage(x, 0n, n),
        codeHash: keccak256(code),
      };
    }
    expected.push(at);
  }
  provider.destroy();
  await new Promise((r) => setTimeout(r, 800)); // let the open batch close
  node.child.kill('SIGTERM');
  assert.is((await node.exited).code, 0, node.output().slice(-2000));
  node = undefined;

  // The test keeps the server running from here: inspect reuses it (and must leave it running).
  server = await startEmbeddedPostgres({ dataDir: pgDir });
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
  assert.ok(stored.length > 10);
});

type Account = {
  address: string;
  balance: string;
  nonce: number;
  codeHash: string;
  storage: Record<string, string>;
};
const SLOT0 = `0x${'0'.repeat(64)}`;

test('account --at l2:N equals eth_getBalance/eth_getTransactionCount/eth_getStorageAt/eth_getCode at N, for every N', async () => {
  const started = Date.now();
  let calls = 0;
  for (let n = 0; n <= headBlock; n++) {
    for (const x of accounts) {
      const got = await json<Account>('account', [x], { at: `l2:${n}`, slots: '0' });
      calls++;
      const e = expected[n]![x.toLowerCase()]!;
      assert.equal(
        got,
        {
          address: x.toLowerCase(),
          balance: e.balance,
          nonce: e.nonce,
          codeHash: e.codeHash,
          storage: { [SLOT0]: e.storage0 },
        },
        `account ${x} at l2:${n}`,
      );
    }
  }
  process.stderr.write(`inspect account: ${calls} answers in ${Date.now() - started} ms\n`);
  // The contract's slot 0 only exists from its deployment on.
  assert.is(expected[headBlock]![contract.toLowerCase()]!.storage0, `0x${'0'.repeat(62)}2a`);
  assert.is(expected[0]![contract.toLowerCase()]!.storage0, SLOT0);
});

const sealedOf = (n: number) =>
  stored.find((e) =>
    n === 0 ? e.type === 'L2GenesisCreated' : e.type === 'L2BlockSealed' && e.data['number'] === String(n),
  )!;

test('--at a position and --at an ISO time answer the state after that event', async () => {
  const x = accounts[2]!; // the random recipient: 0, 1000, then 1007
  for (let n = 1; n <= headBlock; n++) {
    const sealed = sealedOf(n);
    // the event after the seal (a TxIncluded) does not change the state; the one before it is block n-1's state
    for (const [p, block] of [
      [sealed.position, n],
      [sealed.position - 1n, n - 1],
    ] as const) {
      const got = await json<Account>('account', [x], { at: String(p) });
      assert.is(got.balance, expected[block]![x.toLowerCase()]!.balance, `at ${p}`);
    }
    const got = await json<Account>('storage', [contract, '0'], { at: sealed.metadata.at });
    assert.ok(typeof got === 'object');
  }
  // An ISO time before every event: the genesis allocation.
  const first = await json<Account>('account', [accounts[0]!], { at: '2000-01-01T00:00:00Z' });
  assert.is(first.balance, expected[0]![accounts[0]!.toLowerCase()]!.balance);
  // An ISO time: the last event whose `at` is not later.
  const last = sealedOf(headBlock);
  const iso = await json<Account>('account', [x], { at: last.metadata.at });
  assert.is(iso.balance, expected[headBlock]![x.toLowerCase()]!.balance);
  const storage = await run('storage', [contract, '0'], { at: `l2:${headBlock}` });
  assert.is(storage.stdout.trim(), `0x${'0'.repeat(62)}2a`);
});

test('block, tx, batch, pool, sync, actors', async () => {
  type Block = { number: string; hash: string; stateRoot: string; tx: { hash: string } | null };
  const tip = await json<Block>('block', [], { at: `l2:2` });
  assert.is(tip.number, '2');
  assert.is(tip.hash, sealedOf(2).data['hash']);
  const b1 = await json<Block>('block', ['1'], { at: `l2:${headBlock}` });
  assert.is(b1.tx?.hash, txHashes[0]);
  const byHash = await json<Block>('block', [String(sealedOf(3).data['hash'])], { at: `l2:${headBlock}` });
  assert.is(byHash.number, '3');
  const notYet = await run('block', ['3'], { at: 'l2:2' });
  assert.is(notYet.code, 1);
  assert.match(notYet.stderr, /L2 block 3 did not exist/);

  // tx: pending just after TxReceived, included after its TxIncluded
  const h = txHashes[1]!;
  const received = stored.find((e) => e.streamId === `tx-${h}` && e.type === 'TxReceived')!;
  const included = stored.find((e) => e.streamId === `tx-${h}` && e.type === 'TxIncluded')!;
  type Tx = { status: string; inclusion?: { blockNumber: string }; events: { type: string }[] };
  const pending = await json<Tx>('tx', [h], { at: String(received.position) });
  assert.is(pending.status, 'pending');
  assert.equal(
    pending.events.map((e) => e.type),
    ['TxReceived'],
  );
  const inc = await json<Tx>('tx', [h], { at: String(included.position) });
  assert.is(inc.status, 'included');
  assert.is(inc.inclusion?.blockNumber, included.data['blockNumber']);
  const unknown = await run('tx', [h], { at: String(received.position - 1n) });
  assert.is(unknown.code, 1);

  // pool: the tx is pending between its TxReceived and TxIncluded; empty at the end
  type Pool = { pending: { hash: string }[] };
  assert.ok(
    (await json<Pool>('pool', [], { at: String(received.position) })).pending.some((t) => t.hash === h),
  );
  assert.not.ok(
    (await json<Pool>('pool', [], { at: String(included.position) })).pending.some((t) => t.hash === h),
  );
  assert.equal((await json<Pool>('pool', [], { at: String(stored.at(-1)!.position) })).pending, []);

  // batch: open after BatchOpened, closed after BatchClosed (no L1 here: never virtual)
  const opened = stored.find((e) => e.type === 'BatchOpened')!;
  const n = String(opened.data['batchNumber']);
  const closed = stored.find((e) => e.type === 'BatchClosed' && e.data['batchNumber'] === n)!;
  type Batch = { number: string; status: string; stateRoot?: string };
  assert.is((await json<Batch>('batch', [n], { at: String(opened.position - 1n) })).status, 'unknown');
  assert.is((await json<Batch>('batch', [n], { at: String(opened.position) })).status, 'open');
  const c = await json<Batch>('batch', [n], { at: `batch:${n}` });
  assert.is(c.status, 'closed');
  assert.is(c.stateRoot, closed.data['stateRoot']);

  type Sync = { l1Block: unknown; lastVirtualBatch: string };
  assert.equal((await json<Sync>('sync', [], { at: `l2:${headBlock}` })).lastVirtualBatch, '0');
  type Actors = { sequencer: { tip: { number: string } } };
  assert.is(
    (await json<Actors>('actors', [], { at: `l2:${headBlock}` })).sequencer.tip.number,
    String(headBlock),
  );
  const text = await run('block', [], { at: 'l2:1' });
  assert.is(text.code, 0);
  assert.match(text.stdout, /at l2:1 \(log position \d+\)/);
});

test('bad arguments: one line on stderr, exit 2', async () => {
  const head = stored.at(-1)!.position;
  for (const [subject, args, opts, re] of [
    ['account', [accounts[0]!], { at: String(head + 1n) }, /beyond the head of the log/],
    ['account', ['0x12'], { at: '1' }, /not an address/],
    ['frobnicate', [], { at: '1' }, /unknown subject/],
    ['account', [accounts[0]!], { at: 'l9:1' }, /not a log position/],
    ['account', [accounts[0]!], { at: `l2:${headBlock + 10}` }, /was never sealed/],
    ['batch', ['1'], { at: 'batch:999' }, /never closed/],
    ['storage', [contract, 'xyz'], { at: '1' }, /not a storage slot/],
  ] as const) {
    const r = await run(subject, [...args], opts);
    assert.is(r.code, 2, `${subject} ${JSON.stringify(opts)}: ${r.stdout}${r.stderr}`);
    assert.is(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.match(r.stderr, re);
  }
});

test('through the CLI: an answer equal to the RPC, and a bad argument', async () => {
  const x = accounts[1]!;
  const pid = postmasterPid(dataDir);
  const t0 = Date.now();
  const r = await cli(['--at', `l2:${headBlock}`, 'account', x, '--json']);
  process.stderr.write(`lev inspect (process, reusing the server): ${Date.now() - t0} ms\n`);
  assert.is(r.code, 0, r.stderr);
  const got = JSON.parse(r.stdout) as Account;
  assert.is(got.balance, expected[headBlock]![x.toLowerCase()]!.balance);
  assert.is(got.nonce, expected[headBlock]![x.toLowerCase()]!.nonce);
  assert.is(postmasterPid(dataDir), pid, 'the reused server keeps running');
  const bad = await cli(['--at', 'nope', 'pool']);
  assert.is(bad.code, 2);
  assert.is(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  const noSubject = await cli(['--at', '1']);
  assert.is(noSubject.code, 2);
});

test('--interactive through the CLI: n, n, p, q piped into stdin step around a seal and its TxIncluded', async () => {
  const h = txHashes[1]!;
  const included = stored.find((e) => e.streamId === `tx-${h}` && e.type === 'TxIncluded')!;
  const sealed = stored.find((e) => e.position === included.position - 1n)!;
  assert.is(sealed.type, 'L2BlockSealed', 'the TxIncluded follows its block');
  const at = sealed.position - 1n;
  const p = runLev(['inspect', '--at', String(at), '--interactive', 'pool'], env, { stdin: 'pipe' });
  let stdout = '';
  let stderr = '';
  p.child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  p.child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  p.child.stdin?.end('n\nn\np\nq\n');
  const { code } = await p.exited;
  assert.is(code, 0, stderr);
  const steps = stdout
    .slice(stdout.indexOf('\nposition ') + 1)
    .trimEnd()
    .split('\n');
  assert.match(stdout, new RegExp(`^at ${at} \\(log position ${at}\\): 1 pending tx\\n  ${h} `));
  const pending = new RegExp(`^pending: \\[\\{"hash":"${h}".*\\}\\] → \\[\\]$`);
  // The tx leaves the pool with the seal of its block (its TxIncluded follows all the blocks of the round).
  assert.is(steps.length, 6, stdout);
  assert.is(steps[0], `position ${sealed.position}: L2BlockSealed on l2`);
  assert.match(steps[1]!, pending);
  assert.is(steps[2], `position ${included.position}: TxIncluded on tx-${h}`);
  assert.is(steps[3], '(no change)');
  assert.is(steps[4], `position ${sealed.position}: L2BlockSealed on l2`);
  assert.is(steps[5], '(no change)');
});

test('the log mirror (event_log, what inspect reads when the store is EventStoreDB) answers as the store itself', async () => {
  // The node keeps the mirror only for a store SQL cannot reach; built here from this Postgres log by the same
  // projection through the same runner.
  const url = server!.url;
  const db = createReadModelDb(url, { max: 2 });
  const pool = createPgPool(url, { max: 2 });
  const store = await createPostgresEventStore({ pool });
  const head = stored.at(-1)!.position;
  try {
    const runner = createProjectionRunner({ store, db, projections: [logMirrorProjection], stopAt: head });
    await runner.run();
    const rows = await pool.query<{
      position: string;
      stream_id: string;
      revision: number;
      type: string;
      data: string;
    }>(
      'select position::text, stream_id, revision, type, data::text from lev_rm.event_log order by event_log.position',
    );
    assert.is(rows.rows.length, stored.length);
    for (const [i, e] of stored.entries()) {
      const r = rows.rows[i]!;
      assert.equal(
        [BigInt(r.position), r.stream_id, r.revision, r.type, r.data],
        [e.position, e.streamId, e.revision, e.type, JSON.stringify(e.data)],
      );
    }
  } finally {
    await store.close();
    await pool.end();
    await db.close();
  }
  const mirror: InspectOptions = { events: 'lev_rm.event_log' };
  const same = async (subject: string, args: string[], at: string) => {
    const a = await run(subject, args, { at, json: true });
    const b = await run(subject, args, { at, json: true }, mirror);
    assert.equal(
      [b.code, b.stdout, b.stderr],
      [a.code, a.stdout, a.stderr],
      `${subject} ${args.join(' ')} at ${at}`,
    );
    return a;
  };
  // Every subject at every position of the log (accounts at every block).
  for (let p = 0n; p <= head; p++) {
    for (const subject of ['pool', 'actors', 'sync', 'block']) await same(subject, [], String(p));
  }
  for (let n = 0; n <= headBlock; n++) {
    for (const x of accounts) await same('account', [x, '--slots', '0'], `l2:${n}`);
    await same('batch', [String(n)], `l2:${n}`);
  }
  for (const h of txHashes) assert.is((await same('tx', [h], String(head))).code, 0);
  for (const at of [stored[3]!.metadata.at, 'batch:1', `l2:${headBlock + 1}`, String(head + 1n)])
    await same('pool', [], at);
  // --interactive steps from the log's positions the same way.
  const steps = async (options: InspectOptions) =>
    run(
      'pool',
      [],
      { at: '2', interactive: true },
      options,
      Readable.from(['p\n', 'p\n', 'p\n', 'n\n', 'g 5\n', 'q\n']),
    );
  const a = await steps({});
  assert.is(a.code, 0, a.stderr);
  assert.equal(await steps(mirror), a);
});

test.run();
