/**
 * Runs the real `lev` command as a child process for end-to-end tests: its own process group (so a test can
 * kill -9 the node together with its embedded Postgres, as a crash would), its output captured, and helpers to
 * wait for its `ready <name> <url>` lines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;

export type LevProcess = {
  child: ChildProcess;
  output(): string;
  /** Resolves with the URL of `ready <name> <url>` once printed; rejects if the process exits first. */
  ready(name: string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill -9 of the whole process group (node and embedded Postgres). */
  killGroup(): Promise<void>;
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'lev-e2e-'));
}

export function runLev(
  args: string[],
  env: Record<string, string> = {},
  /** `stdin: 'pipe'`: a writable `child.stdin` (default: ignored). */
  opts: { nodeArgs?: string[]; stdin?: 'pipe' } = {},
): LevProcess {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), join(ROOT, 'bin/lev.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LEV_LOG_LEVEL: process.env.LEV_TEST_LOG_LEVEL ?? 'info', ...env },
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      for (const l of listeners) l();
      resolve({ code, signal });
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    child,
    output: () => out,
    exited,
    ready(name, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = new RegExp(`^ready ${name} (\\S+)$`, 'm').exec(out);
          if (m) {
            cleanup();
            resolve(m[1]!);
          } else if (done || child.exitCode !== null) {
            cleanup();
            reject(new Error(`lev exited before "ready ${name}":\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no "ready ${name}" within ${timeoutMs} ms:\n${out}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async killGroup() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
      await exited;
    },
  };
}

/** The pid in `<dataDir>/pg/postmaster.pid` (the embedded Postgres a node runs there), or null when none. */
export function postmasterPid(dataDir: string): number | null {
  const file = join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/**
 * A crash that takes everything down: kill -9 of the node's process group and of its embedded Postgres (which
 * runs in its own group), then waits until the postmaster is gone (or a zombie nobody reaps: its parent was the
 * node).
 */
export async function crashWithPostgres(node: LevProcess | undefined, dataDir: string): Promise<void> {
  const postmaster = postmasterPid(dataDir);
  await node?.killGroup();
  if (postmaster === null) return;
  try {
    process.kill(postmaster, 'SIGKILL');
  } catch {}
  for (let i = 0; i < 100; i++) {
    try {
      if (readFileSync(`/proc/${postmaster}/stat`, 'utf8').split(') ')[1]?.startsWith('Z')) return;
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * An e2e test's teardown: each node crashed with its embedded Postgres ({@link crashWithPostgres}, in the order
 * given), the devnet stopped with its Hardhat child, and every data dir removed.
 */
export async function stopAll(
  nodes: readonly (readonly [LevProcess | undefined, string])[],
  devnet?: LevProcess,
): Promise<void> {
  for (const [node, dataDir] of nodes) await crashWithPostgres(node, dataDir);
  await devnet?.killGroup();
  for (const [, dataDir] of nodes) rmSync(dataDir, { recursive: true, force: true });
}

/** Polls `probe` every 200 ms until it returns something truthy; throws naming `what` after `ms`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  ms = 90_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A raw JSON-RPC call (no client-side caching, see node20-feasibility §7). */
export async function rpc<T = unknown>(
  url: string,
  method: string,
  params: unknown[] = [],
): Promise<{ result?: T; error?: { code: number; message: string; data?: unknown } }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return (await res.json()) as { result?: T; error?: { code: number; message: string } };
}

/** A JSON-RPC call's result; an error answer throws, naming the method and the error. */
export async function rpcCall<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const r = await rpc<T>(url, method, params);
  if (r.error) throw new Error(`${method}: ${r.error.message}`);
  return r.result as T;
}
