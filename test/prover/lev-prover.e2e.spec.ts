/**
 * `lev prover` as its own process: `ready prover <url>`, the dev key #4 with `--dev`, the Connect and gRPC
 * protocols on one port, SIGINT → exit 0; a missing key → exit 2, a taken port → exit 1, each with one line
 * naming what is wrong.
 */
import { createServer } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex } from '../../src/primitives/index.ts';
import { createProverClient, ProverStatus } from '../../src/prover/index.ts';
import { freePort, runLev } from '../support/node-process.ts';

const test = suite('prover/lev prover');

const DEV_PROVER = '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65';

test('lev prover --dev: ready, answers with dev key #4, exits 0 on SIGINT', async () => {
  const port = await freePort();
  const lev = runLev(['prover', '--dev'], { LEV_PROVER_LISTEN: `127.0.0.1:${port}` });
  try {
    const url = await lev.ready('prover');
    assert.is(url, `http://127.0.0.1:${port}`);
    for (const protocol of ['connect', 'grpc'] as const) {
      const client = createProverClient(url, { protocol });
      try {
        const status = await client.getStatus({});
        assert.is(bytesToHex(status.proverAddress), DEV_PROVER);
        assert.is(status.proverId, DEV_PROVER);
        assert.is(status.chainId, 1001n);
        assert.is(status.forkId, 5n);
        assert.is(status.status, ProverStatus.IDLE);
      } finally {
        client.close();
      }
    }
    lev.child.kill('SIGINT');
    const exit = await lev.exited;
    assert.equal(exit, { code: 0, signal: null }, lev.output());
  } finally {
    await lev.killGroup();
  }
});

test('lev prover without a key: exit 2, one line naming keys.prover', async () => {
  const lev = runLev(['prover'], { LEV_KEYS_PROVER: '' });
  const exit = await lev.exited;
  assert.is(exit.code, 2, lev.output());
  assert.match(lev.output(), /^config: keys\.prover is not set/m);
});

test('lev prover on a taken port: exit 1, naming prover.listen', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const lev = runLev(['prover', '--dev'], { LEV_PROVER_LISTEN: `127.0.0.1:${port}` });
    const exit = await lev.exited;
    assert.is(exit.code, 1, lev.output());
    assert.ok(
      lev.output().includes(`lev: the prover cannot listen on 127.0.0.1:${port} (prover.listen)`),
      lev.output(),
    );
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});

test.run();
