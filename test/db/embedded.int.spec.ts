/**
 * The embedded Postgres under crashes (DESIGN §4): a child node process (test/support/embedded-writer.ts) runs
 * the server and commits rows in a loop; the test kills it in the ways a node dies and checks that the next
 * start copes and that no committed row is lost.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type EmbeddedPostgresServer, startEmbeddedPostgres } from '../../src/db/index.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const WRITER = join(ROOT, 'test/support/embedded-writer.ts');
const WATCHDOG_MS = 60_000;

const dir = mkdtempSync(join(tmpdir(), 'lev-embedded-'));
const dataDir = join(dir, 'pg');
const children = new Set<ChildProcess>();
const servers = new Set<EmbeddedPostgresServer>();
/** Ids the writers printed as committed, over all runs. */
const committed: number[] = [];

type Writer = {
  child: ChildProcess;
  ready: Promise<{ reused: boolean; postmasterPid: number }>;
  /** Resolves once `n` more rows are committed in this run. */
  committedMore(n: number): Promise<void>;
  /** Resolves when the process has exited and its output is fully read. */
  closed: Promise<void>;
  output(): string;
};

function startWriter(): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir], {
    cwd: ROOT,
    detached: true, // its own process group: the test can kill the node alone, or the group
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let pending = '';
  let runCount = 0;
  let readyLine: { reused: boolean; postmasterPid: number } | undefined;
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const c = /^committed (\d+)$/.exec(line);
      if (c) {
        committed.push(Number(c[1]));
        runCount++;
      }
      const r = /^ready (true|false) (\d+)$/.exec(line);
      if (r) readyLine = { reused: r[1] === 'true', postmasterPid: Number(r[2]) };
    }
    for (const l of [...listeners]) l();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    out += chunk;
  });
  const closed = new Promise<void>((resolve) => {
    child.on('close', () => {
      children.delete(child);
      for (const l of [...listeners]) l();
      resolve();
    });
  });
  let exited = false;
  void closed.then(() => {
    exited = true;
  });
  const waitFor = <T>(what: string, value: () => T | undefined): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`writer: no ${what} within ${WATCHDOG_MS} ms\n${out}`)),
        WATCHDOG_MS,
      );
      const check = () => {
        const v = value();
        if (v !== undefined) done(undefined, v);
        else if (exited) done(new Error(`writer exited before ${what}\n${out}`));
      };
      const done = (err?: Error, v?: T) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (err) reject(err);
        else resolve(v as T);
      };
      listeners.add(check);
      check();
    });
  return {
    child,
    ready: waitFor('ready line', () => readyLine),
    committedMore: (n) => {
      const target = runCount + n;
      return waitFor(`${n} commits`, () => (runCount >= target ? true : undefined)).then(() => {});
    },
    closed,
    output: () => out,
  };
}

function realDataDir(): string {
  try {
    return realpathSync(dataDir);
  } catch {
    return dataDir;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); // a zombie is dead
  } catch {
    return false;
  }
}

/** Every process whose working directory is the data directory: the postmaster and its children. */
function clusterProcesses(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSafe(`/proc/${entry}/cwd`) === realDataDir() && isAlive(Number(entry)))
        pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

function readdirSafe(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
function readlinkSafe(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

async function until(what: string, cond: () => boolean): Promise<void> {
  const deadline = Date.now() + WATCHDOG_MS;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function start(): Promise<EmbeddedPostgresServer> {
  const server = await startEmbeddedPostgres({ dataDir, database: 'crash' });
  servers.add(server);
  return server;
}

async function stop(server: EmbeddedPostgresServer): Promise<void> {
  await server.stop();
  servers.delete(server);
}

async function storedIds(url: string): Promise<Set<number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: number }>('select id from rows order by id');
    return new Set(rows.map((r) => r.id));
  } finally {
    await client.end();
  }
}

async function assertEveryCommittedRow(url: string): Promise<void> {
  const ids = await storedIds(url);
  assert.ok(committed.length > 0);
  const missing = committed.filter((id) => !ids.has(id));
  assert.equal(missing, [], 'every row reported committed is stored');
  const max = Math.max(...ids);
  assert.is(ids.size, max, 'rows 1..max, no hole');
}

function writePidFile(pid: number): void {
  writeFileSync(
    join(dataDir, 'postmaster.pid'),
    `${pid}\n${dataDir}\n1700000000\n5432\n\n127.0.0.1\n  1234567  0\nready   \n`,
  );
}

test.after(async () => {
  for (const child of children) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const server of servers) await server.stop().catch(() => {});
  for (const pid of clusterProcesses()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

test('kill -9 of the node process alone: the orphaned server is reused with every committed row', async () => {
  const writer = startWriter();
  const { reused, postmasterPid } = await writer.ready;
  assert.not.ok(reused, 'a fresh cluster is started, not reused');
  await writer.committedMore(30);
  writer.child.kill('SIGKILL');
  await writer.closed;
  assert.ok(isAlive(postmasterPid), 'postgres outlives the node process');

  const server = await start();
  assert.ok(server.reused, 'the running server is reused');
  await assertEveryCommittedRow(server.url);
  await stop(server);
  await until('the reused server to stop', () => !isAlive(postmasterPid));
});

/** A crash that takes the server down too: the node's process group and the postmaster (in its own group). */
function killAll(nodePid: number, postmasterPid: number): void {
  process.kill(-nodePid, 'SIGKILL');
  try {
    process.kill(postmasterPid, 'SIGKILL');
  } catch {}
}

test('kill -9 of the node and its server: the restart recovers every committed row', async () => {
  const writer = startWriter();
  const { reused, postmasterPid } = await writer.ready;
  assert.not.ok(reused, 'the server was stopped: the node starts its own');
  await writer.committedMore(30);
  killAll(writer.child.pid!, postmasterPid);
  await writer.closed;
  await until('the postmaster to die', () => !isAlive(postmasterPid));

  const server = await start();
  assert.not.ok(server.reused);
  await assertEveryCommittedRow(server.url);

  // once more, with the server started by the node and killed in the middle of its writes
  await stop(server);
  const again = startWriter();
  const { postmasterPid: secondPid } = await again.ready;
  await again.committedMore(20);
  killAll(again.child.pid!, secondPid);
  await again.closed;
  const restarted = await start();
  await assertEveryCommittedRow(restarted.url);
  await stop(restarted);
});

/** Whether a connection to `url` goes over a Unix socket (the server sees no client address then). */
async function overSocket(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ addr: string | null }>('select inet_client_addr()::text as addr');
    return rows[0]!.addr === null;
  } finally {
    await client.end();
  }
}

test("the URL names the server's Unix socket; TCP on 127.0.0.1 still answers; a crash leaves no old socket", async () => {
  const writer = startWriter();
  const { postmasterPid } = await writer.ready;
  await writer.committedMore(5);
  killAll(writer.child.pid!, postmasterPid);
  await writer.closed;
  await until('the postmaster to die', () => !isAlive(postmasterPid));

  const server = await start();
  assert.match(server.url, `?host=${encodeURIComponent(dataDir)}`);
  assert.ok(await overSocket(server.url), 'the node connects over the socket');
  const tcp = `postgres://postgres:password@127.0.0.1:${server.port}/crash`;
  assert.not.ok(await overSocket(tcp), 'TCP on 127.0.0.1 answers too (psql, other tools)');
  const sockets = readdirSync(dataDir).filter((f) => f.startsWith('.s.PGSQL.'));
  assert.equal(sockets.sort(), [`.s.PGSQL.${server.port}`, `.s.PGSQL.${server.port}.lock`]);
  await assertEveryCommittedRow(server.url);
  await stop(server);
});

test('a data directory whose socket path would be too long: TCP only', async () => {
  const deep = join(dir, 'x'.repeat(100 - dir.length > 0 ? 100 - dir.length : 1), 'pg');
  const server = await startEmbeddedPostgres({ dataDir: deep, database: 'deep' });
  servers.add(server);
  try {
    assert.not.match(server.url, '?host=');
    assert.not.ok(await overSocket(server.url));
  } finally {
    await stop(server);
  }
});

test('a stale postmaster.pid naming a dead process does not stop the start', async () => {
  const gone = spawn('true');
  const deadPid = await new Promise<number>((resolve) => gone.on('exit', () => resolve(gone.pid!)));
  assert.not.ok(isAlive(deadPid));
  writePidFile(deadPid);
  const server = await start();
  assert.not.ok(server.reused);
  await assertEveryCommittedRow(server.url);
  await stop(server);
});

test('a stale postmaster.pid naming a live process that is not postgres does not stop the start', async () => {
  const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  children.add(sleeper);
  const exited = new Promise<void>((resolve) => sleeper.on('exit', () => resolve()));
  await until('sleep to run', () => sleeper.pid !== undefined && isAlive(sleeper.pid));
  writePidFile(sleeper.pid!);
  const server = await start();
  assert.not.ok(server.reused);
  assert.ok(isAlive(sleeper.pid!), 'the foreign process is left alone');
  await assertEveryCommittedRow(server.url);
  await stop(server);
  sleeper.kill('SIGKILL');
  await exited;
  children.delete(sleeper);
});

test('a postgres that holds the directory but does not answer is replaced', async () => {
  const first = await start();
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  process.kill(pid, 'SIGSTOP');
  try {
    const second = await start();
    assert.not.ok(second.reused, 'a hung server is not reused');
    assert.not.ok(isAlive(pid), 'the hung server was killed');
    servers.delete(first);
    await assertEveryCommittedRow(second.url);
    await stop(second);
  } finally {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  assert.ok(existsSync(join(dataDir, 'PG_VERSION')));
});

test.run();
