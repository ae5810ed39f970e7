/**
 * Supervision seen from outside: a role that keeps failing stops the node with one line naming the role and its
 * last error, and a non-zero exit. The failure is real, not injected code: the RPC port is already taken.
 */

import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort, runLev, tempDataDir } from '../support/node-process.ts';

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

test.run();
