/**
 * Supervision seen from outside: a role that keeps failing stops the node with one line naming the role and its
 * last error, and a non-zero exit. The failure is real, not injected code: the RPC port is already taken. And how
 * signals end the node: gracefully, during start-up too, or at once on a second one — never leaving the embedded
 * Postgres (detached, in its own process group) running.
 */

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  crashWithPostgres,
  freePort,
  postmasterPid,
  runLev,
  tempDataDir,
  until,
} from '../support/node-process.ts';

/** Whether process `pid` has ended (a zombie nobody reaped yet counts as ended). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

test('a role that keeps failing stops the node, naming the role and its last error', async () => {
  const port = await freePort();
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
  const dataDir = tempDataDir();
  const node = runLev(['start', '--dev', '--roles', 'rpc'], {
    LEV_NODE_DATA_DIR: dataDir,
    LEV_RPC_PORT: String(port),
    LEV_METRICS_PORT: String(await freePort()),
  });
  try {
    const { code } = await node.exited;
    assert.is(code, 1, node.output());
    const line = node
      .output()
      .split('\n')
      .find((l) => l.startsWith('lev: stopping:'));
    assert.ok(line, node.output());
    assert.match(line!, 'role "rpc" failed 6 times');
    assert.match(line!, String(port));
  } finally {
    await node.killGroup();
    await new Promise((r) => blocker.close(r));
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('lev info --json shows the configuration in effect; a bad flag is one line and exit 2', async () => {
  const info = runLev(['info', '--dev', '--json'], { LEV_RPC_PORT: '9999' });
  assert.is((await info.exited).code, 0, info.output());
  const json = JSON.parse(info.output()) as { rpc: { port: number }; l2: { chainId: number } };
  assert.is(json.rpc.port, 9999);
  assert.is(json.l2.chainId, 1001);
  const bad = runLev(['start', '--no-such-flag']);
  assert.is((await bad.exited).code, 2);
  assert.is(bad.output().trim().split('\n').length, 1, bad.output());
  assert.match(bad.output(), '--no-such-flag');
});

test('Ctrl-C (SIGINT to the whole foreground process group) stops node and Postgres gracefully, exit 0', async () => {
  const dataDir = tempDataDir();
  const node = runLev(['start', '--dev', '--roles', 'rpc'], {
    LEV_NODE_DATA_DIR: dataDir,
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
  });
  try {
    await node.ready('ws');
    process.kill(-node.child.pid!, 'SIGINT');
    const { code } = await node.exited;
    assert.is(code, 0, node.output());
    assert.not.match(node.output(), /terminating connection/, node.output());
    assert.not.ok(existsSync(join(dataDir, 'pg', 'postmaster.pid')), 'embedded Postgres still running');
  } finally {
    await node.killGroup();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/**
 * An L1 that never answers (every read of the node waits for its timeout, 10 s), except with `answerCalls` its
 * `eth_call`s, answered with a zero word (the rollup's deployment block: 0).
 */
async function silentL1(opts: { answerCalls?: boolean } = {}) {
  const sockets = new Set<Socket>();
  let held = 0;
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      const call = JSON.parse(body) as { id: unknown; method: string };
      if (opts.answerCalls && call.method === 'eth_call') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: `0x${'0'.repeat(64)}` }));
      } else held++;
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    /** Whether a request is held (the node waits on L1). */
    asked: () => held > 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A node (not --dev) with `roles` on a fresh data dir, its L1 at `l1Url`. */
function startWithL1(roles: string, l1Url: string, dataDir: string) {
  writeFileSync(join(dataDir, 'genesis.json'), JSON.stringify({ accounts: [] }));
  return runLev(['start', '--roles', roles], {
    LEV_NODE_DATA_DIR: dataDir,
    LEV_L2_GENESIS_FILE: join(dataDir, 'genesis.json'),
    LEV_METRICS_PORT: '0',
    LEV_L1_URL: l1Url,
    LEV_L1_ROLLUP_ADDRESS: `0x${'11'.repeat(20)}`,
    LEV_L1_GER_MANAGER_ADDRESS: `0x${'22'.repeat(20)}`,
  });
}

test('Ctrl-C during start-up (L1 not answering) aborts it and stops the embedded Postgres, exit 0', async () => {
  const l1 = await silentL1();
  const dataDir = tempDataDir();
  // The synchronizer's start-up reads the rollup's deployment block from L1.
  const node = startWithL1('synchronizer', l1.url, dataDir);
  try {
    await node.ready('metrics');
    const postmaster = postmasterPid(dataDir);
    assert.ok(postmaster, 'the embedded Postgres runs');
    await until('the node asking L1', async () => l1.asked(), 20_000);
    const signalled = Date.now();
    process.kill(-node.child.pid!, 'SIGINT');
    const { code, signal } = await node.exited;
    assert.equal({ code, signal }, { code: 0, signal: null }, node.output());
    assert.ok(Date.now() - signalled < 8_000, 'the L1 read was abandoned, not waited for');
    assert.match(node.output(), /stopped/);
    assert.ok(gone(postmaster!), 'embedded Postgres still running');
    assert.not.ok(existsSync(join(dataDir, 'pg', 'postmaster.pid')), 'embedded Postgres not stopped cleanly');
  } finally {
    await crashWithPostgres(node, dataDir);
    await l1.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a second Ctrl-C during the graceful stop exits 130 at once and still stops the embedded Postgres', async () => {
  const l1 = await silentL1({ answerCalls: true });
  const dataDir = tempDataDir();
  // The synchronizer starts (its deployment block read is answered), then its round waits on L1: the graceful stop
  // lets the round end, so it takes a while.
  const node = startWithL1('synchronizer', l1.url, dataDir);
  try {
    await node.ready('metrics');
    const postmaster = postmasterPid(dataDir);
    assert.ok(postmaster, 'the embedded Postgres runs');
    await until('the node asking L1', async () => l1.asked(), 20_000);
    process.kill(-node.child.pid!, 'SIGINT');
    // Signals sent back to back may arrive as one: the second once the first has started the graceful stop.
    await until('the graceful stop', async () => /"msg":"stopping"/.test(node.output()), 10_000);
    process.kill(-node.child.pid!, 'SIGINT');
    const { code } = await node.exited;
    assert.is(code, 130, node.output());
    assert.match(node.output(), /second signal: exiting now/);
    assert.not.match(node.output(), /"msg":"stopped"/);
    // Not waited for by the node (it exited at once), but asked to stop: it ends by itself.
    await until('the embedded Postgres to stop', async () => gone(postmaster!), 15_000).catch(() => {});
    assert.ok(gone(postmaster!), 'embedded Postgres left running');
  } finally {
    await crashWithPostgres(node, dataDir);
    await l1.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
