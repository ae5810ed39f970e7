/**
 * The roles as separate `lev start --roles X` processes sharing one Postgres (database and event store), as
 * compose.yaml runs them: what an operator sees of each process (its `/readyz` names its own roles and says ready
 * only while they are up) and the fencing of the single-instance roles (a second sequencer on the same `l2` stream
 * is refused by its expected revision, backs off not ready and stops the process naming the conflict; the log
 * holds every tx once).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { HDNodeWallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, type RecordedEvent } from '../../src/eventstore/index.ts';
import type { L2BlockSealed } from '../../src/streams/l2/index.ts';
import { createTestDatabase } from '../support/db.ts';
import {
  freePort,
  type LevProcess,
  rpc,
  rpcCall,
  runLev,
  tempDataDir,
  until,
} from '../support/node-process.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const wallet = HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/5`);

type Check = { ready: boolean; detail?: string };
type Ready = {
  status: number;
  body: { ready: boolean; notReady?: string[]; checks: Record<string, Check | undefined> };
};

async function readyz(metricsPort: number): Promise<Ready> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
  return { status: res.status, body: (await res.json()) as Ready['body'] };
}

const transfer = (nonce: number) =>
  wallet.signTransaction({
    type: 0,
    chainId: 1001,
    nonce,
    gasPrice: 1_000_000_000n,
    gasLimit: 21_000n,
    to: wallet.address,
    value: 1n,
  });

/**
 * Processes sharing the database `dbUrl` and a dev L1 of their own (`lev devnet` on a free port, started with the
 * first: not the default port another test's node may hold), each with its own data dir and metrics port.
 */
function processes(dbUrl: string) {
  const started: { node: LevProcess; dataDir: string }[] = [];
  let devnet: { process: LevProcess; url: string } | null = null;
  return {
    async start(roles: string, env: Record<string, string> = {}) {
      if (!devnet) {
        const url = `http://127.0.0.1:${await freePort()}`;
        devnet = { process: runLev(['devnet'], { LEV_L1_URL: url }), url };
        await devnet.process.ready('l1', 60_000);
      }
      const dataDir = tempDataDir();
      const metricsPort = await freePort();
      const node = runLev(['start', '--dev', '--roles', roles], {
        LEV_DB_URL: dbUrl,
        LEV_NODE_DATA_DIR: dataDir,
        LEV_METRICS_PORT: String(metricsPort),
        LEV_L1_URL: devnet.url,
        ...env,
      });
      started.push({ node, dataDir });
      await node.ready('metrics');
      return { node, metricsPort };
    },
    async stopAll() {
      for (const { node, dataDir } of started) {
        await node.killGroup();
        rmSync(dataDir, { recursive: true, force: true });
      }
      await devnet?.process.killGroup();
    },
  };
}

test('a tx sent to the rpc process is sequenced by the sequencer process; each /readyz names its roles', async () => {
  const db = await createTestDatabase();
  const procs = processes(db.url);
  try {
    const seq = await procs.start('sequencer');
    const rpcProc = await procs.start('rpc', { LEV_RPC_PORT: String(await freePort()) });
    const url = await rpcProc.node.ready('rpc');
    const seqReady = await until('the sequencer process ready', async () => {
      const r = await readyz(seq.metricsPort);
      return r.status === 200 ? r : null;
    });
    assert.equal(Object.keys(seqReady.body.checks), ['postgres', 'projections', 'sequencer']);
    const rpcReady = await readyz(rpcProc.metricsPort);
    assert.is(rpcReady.status, 200);
    assert.equal(Object.keys(rpcReady.body.checks), ['postgres', 'projections', 'rpc']);

    const hash = await rpcCall<string>(url, 'eth_sendRawTransaction', [await transfer(0)]);
    const receipt = await until(
      'the receipt at the rpc process',
      async () => (await rpc<{ status: string } | null>(url, 'eth_getTransactionReceipt', [hash])).result,
      30_000,
    );
    assert.is(receipt.status, '0x1');
  } finally {
    await procs.stopAll();
    await db.drop();
  }
});

test('two sequencers on one stream: the one refused is not ready while it backs off, then stops naming the conflict', async () => {
  const db = await createTestDatabase();
  const procs = processes(db.url);
  try {
    const first = await procs.start('sequencer');
    const rpcProc = await procs.start('rpc', { LEV_RPC_PORT: String(await freePort()) });
    const url = await rpcProc.node.ready('rpc');
    const second = await procs.start('sequencer');
    await until('the second sequencer ready', async () => (await readyz(second.metricsPort)).status === 200);
    const sequencers = [first, second];
    const running = () => sequencers.every((p) => p.node.child.exitCode === null);

    // Their /readyz, watched while both take the txs: whichever loses the conflicts is refused and backs off.
    const seen: Ready[][] = [[], []];
    let watching = true;
    const watcher = (async () => {
      while (watching && running()) {
        for (const [i, p] of sequencers.entries())
          seen[i]!.push(
            await readyz(p.metricsPort).catch(() => ({ status: 0, body: { ready: false, checks: {} } })),
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const hashes: string[] = [];
    // Txs until one of them stops (each conflict is a failure of the loser's role; a few in a minute stop it).
    for (let nonce = 0; nonce < 600 && running(); nonce++) {
      hashes.push(await rpcCall<string>(url, 'eth_sendRawTransaction', [await transfer(nonce)]));
      await new Promise((r) => setTimeout(r, 150));
    }
    const stopped = await Promise.race([
      ...sequencers.map((p, i) => p.node.exited.then(({ code }) => ({ i, code }))),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('no sequencer stopped within 30 s of the last tx')), 30_000),
      ),
    ]);
    watching = false;
    await watcher;
    const loser = sequencers[stopped.i]!;
    assert.is(stopped.code, 1, loser.node.output());
    assert.match(
      loser.node.output(),
      /lev: stopping: role "sequencer" failed \d+ times .*stream l2 is at revision/,
    );
    const backingOff = seen[stopped.i]!.filter(
      (r) => r.status === 503 && r.body.notReady?.includes('sequencer'),
    );
    assert.ok(
      backingOff.length > 0,
      `never not ready: ${JSON.stringify(seen[stopped.i]!.map((r) => r.status))}`,
    );
    assert.is(sequencers[1 - stopped.i]!.node.child.exitCode, null, 'the other sequencer goes on');

    // The other sequencer goes on; the l2 stream holds every tx once, in blocks 1..N.
    await until(
      'every tx sealed',
      async () => {
        const n = await rpcCall<string>(url, 'eth_getTransactionCount', [wallet.address, 'latest']);
        return Number(n) === hashes.length;
      },
      30_000,
    );
    const pool = createPgPool(db.url, { max: 1 });
    try {
      const store = await createPostgresEventStore({ pool });
      const blocks = (await store.readStream('l2'))
        .filter((e) => e.type === 'L2BlockSealed')
        .map((e) => (e as RecordedEvent<L2BlockSealed>).data);
      const sealed = blocks.map((b) => b.tx.hash);
      const numbers = blocks.map((b) => b.number);
      assert.equal(sealed, hashes);
      assert.equal(
        numbers,
        hashes.map((_, i) => String(i + 1)),
      );
    } finally {
      await pool.end();
    }
  } finally {
    await procs.stopAll();
    await db.drop();
  }
});

/** An L1 that answers `eth_call` with a zero word (the rollup's deployment block: 0) and every other call 503. */
async function failingL1() {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      const call = JSON.parse(body) as { id: unknown; method: string };
      if (call.method !== 'eth_call') {
        res.writeHead(503).end('unavailable');
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id: call.id, result: `0x${'0'.repeat(64)}` }));
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

test('a synchronizer backing off while its L1 does not answer makes its process not ready', async () => {
  const db = await createTestDatabase();
  const l1 = await failingL1();
  const dataDir = tempDataDir();
  const metricsPort = await freePort();
  writeFileSync(join(dataDir, 'genesis.json'), JSON.stringify({ accounts: [] }));
  const node = runLev(['start', '--roles', 'synchronizer'], {
    LEV_DB_URL: db.url,
    LEV_NODE_DATA_DIR: dataDir,
    LEV_L2_GENESIS_FILE: join(dataDir, 'genesis.json'),
    LEV_METRICS_PORT: String(metricsPort),
    LEV_L1_URL: l1.url,
    LEV_L1_ROLLUP_ADDRESS: `0x${'11'.repeat(20)}`,
    LEV_L1_GER_MANAGER_ADDRESS: `0x${'22'.repeat(20)}`,
  });
  try {
    await node.ready('metrics');
    // Once up (the projector caught up), its machine backs off by itself (1 s doubling to 30 s): the supervisor sees
    // it up all along.
    await until(
      'the roles up',
      async () => (await readyz(metricsPort)).body.checks['projections']?.ready,
      20_000,
    );
    const ready = await until(
      'the synchronizer backing off, not ready',
      async () => {
        const r = await readyz(metricsPort);
        return /backing off after \d+ temporary failure/.test(r.body.checks['synchronizer']?.detail ?? '')
          ? r
          : null;
      },
      20_000,
    ).catch(async (err: unknown) => {
      throw new Error(
        `${String(err)}: ${JSON.stringify((await readyz(metricsPort)).body)}\n${node.output()}`,
      );
    });
    assert.is(ready.status, 503);
    assert.equal(ready.body.notReady, ['synchronizer']);
    assert.is(node.child.exitCode, null);
    // And stays so while L1 does not answer.
    await new Promise((r) => setTimeout(r, 3000));
    assert.is((await readyz(metricsPort)).status, 503);
  } finally {
    await node.killGroup();
    await l1.close();
    rmSync(dataDir, { recursive: true, force: true });
    await db.drop();
  }
});

test.run();
