/**
 * The node as a new user meets it: `lev start --dev` on a fresh data dir, a legacy transfer signed with ethers v6
 * and sent raw, then a crash (kill -9 of the whole process group) and a restart.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JsonRpcProvider, Transaction, Wallet } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  crashWithPostgres,
  freePort,
  type LevProcess,
  rpc,
  runLev,
  tempDataDir,
} from '../support/node-process.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const dataDir = tempDataDir();
let rpcPort = 0;
let metricsPort = 0;
let node: LevProcess | undefined;
let url = '';

async function start(): Promise<void> {
  node = runLev(['start', '--dev', '--roles', 'rpc'], {
    LEV_NODE_DATA_DIR: dataDir,
    LEV_RPC_PORT: String(rpcPort),
    LEV_METRICS_PORT: String(metricsPort),
  });
  url = await node.ready('rpc');
  await node.ready('ws');
}

const e2e = suite('lev start --dev');

e2e.before(async () => {
  rpcPort = await freePort();
  metricsPort = await freePort();
  await start();
});

e2e.after(async () => {
  await node?.killGroup();
  rmSync(dataDir, { recursive: true, force: true });
});

const wallet = new Wallet(Wallet.fromPhrase(MNEMONIC).privateKey);
let sentHash = '';

e2e('prints its ready lines, serves health and metrics', async () => {
  assert.match(url, `http://127.0.0.1:${rpcPort}`);
  assert.match(node!.output(), /^ready ws ws:\/\/127\.0\.0\.1:\d+/m);
  const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
  assert.is(health.status, 200);
  const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
  assert.is(ready.status, 200);
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(metrics, 'lev_events_appended_total');
});

e2e('a legacy transfer signed with ethers v6 is pending, listed and counted at once', async () => {
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const net = await provider.getNetwork();
  assert.is(net.chainId, 1001n);
  const to = Wallet.fromPhrase(MNEMONIC).address;
  const raw = await wallet.signTransaction({
    type: 0,
    chainId: 1001,
    nonce: 0,
    gasPrice: 1_000_000_000n,
    gasLimit: 21_000n,
    to,
    value: 12345n,
  });
  sentHash = Transaction.from(raw).hash!;
  const sent = await rpc<string>(url, 'eth_sendRawTransaction', [raw]);
  assert.is(sent.result, sentHash);
  // The very next calls already see it (read-your-writes).
  const count = await rpc<string>(url, 'eth_getTransactionCount', [wallet.address, 'pending']);
  assert.is(count.result, '0x1');
  const latest = await rpc<string>(url, 'eth_getTransactionCount', [wallet.address, 'latest']);
  assert.is(latest.result, '0x0');
  const byHash = await rpc<Record<string, unknown>>(url, 'eth_getTransactionByHash', [sentHash]);
  assert.is(byHash.result?.hash, sentHash);
  assert.is(byHash.result?.blockHash, null);
  assert.is(byHash.result?.value, '0x3039');
  const content = await rpc<{ pending: Record<string, Record<string, { hash: string }>> }>(
    url,
    'txpool_content',
  );
  assert.is(content.result?.pending[wallet.address]?.['0']?.hash, sentHash);
  // Its `TxReceived`, appended through the intake's grouped `appendMany`, is counted.
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  assert.match(metrics, /^lev_events_appended_total\{stream_category="tx"\} 1$/m);
  provider.destroy();
});

e2e('a pool rule, provoked, answers -32000 with the exact message; the server keeps serving', async () => {
  const raw = await wallet.signTransaction({
    type: 0,
    chainId: 1001,
    nonce: 0,
    gasPrice: 1n,
    gasLimit: 21_000n,
    to: wallet.address,
  });
  const res = await rpc(url, 'eth_sendRawTransaction', [raw]);
  assert.equal(res.error, { code: -32000, message: 'gas price too low' });
  // Same sender and nonce at the same cost (gas price × gas) is a replacement, as in the reference (equal is
  // accepted): the earlier tx leaves the pending set and the new one takes nonce 0.
  const replacement = await wallet.signTransaction({
    type: 0,
    chainId: 1001,
    nonce: 0,
    gasPrice: 1_000_000_000n,
    gasLimit: 21_000n,
    to: wallet.address,
    value: 7n,
  });
  const again = await rpc<string>(url, 'eth_sendRawTransaction', [replacement]);
  assert.is(again.result, Transaction.from(replacement).hash);
  const old = await rpc(url, 'eth_getTransactionByHash', [sentHash]);
  assert.is(old.result, null);
  sentHash = again.result!;
  const dup = await rpc(url, 'eth_sendRawTransaction', [replacement]);
  assert.equal(dup.error, { code: -32000, message: 'already known' });
  const chain = await rpc(url, 'eth_chainId');
  assert.is(chain.result, '0x3e9');
});

e2e('after kill -9 of the node and its Postgres and a restart, the pending tx is there once', async () => {
  // A crash that takes everything down: the node's process group and the postmaster (its own group).
  await crashWithPostgres(node, dataDir);
  await start();
  const byHash = await rpc<Record<string, unknown>>(url, 'eth_getTransactionByHash', [sentHash]);
  assert.is(byHash.result?.hash, sentHash);
  const content = await rpc<{ pending: Record<string, Record<string, { hash: string }>> }>(
    url,
    'txpool_content',
  );
  const mine = content.result?.pending[wallet.address] ?? {};
  assert.equal(Object.keys(mine), ['0']);
  assert.is(mine['0']?.hash, sentHash);
  const status = await rpc<{ pending: string; queued: string }>(url, 'txpool_status');
  assert.equal(status.result, { pending: '0x1', queued: '0x0' });
  const count = await rpc<string>(url, 'eth_getTransactionCount', [wallet.address, 'pending']);
  assert.is(count.result, '0x1');
});

e2e('SIGTERM stops the node gracefully: exit 0 within 10 s', async () => {
  const started = Date.now();
  node!.child.kill('SIGTERM');
  const { code } = await node!.exited;
  assert.is(code, 0, node!.output());
  assert.ok(Date.now() - started < 10_000);
  assert.match(node!.output(), /stopped/);
  // The embedded Postgres was stopped too (a clean shutdown removes its pid file).
  assert.not.ok(existsSync(join(dataDir, 'pg', 'postmaster.pid')), 'embedded Postgres still running');
});

e2e.run();

const config = suite('lev start: bad configuration');

config('a bad value stops start with one line naming the key, exit 2', async () => {
  const p = runLev(['start', '--dev'], { LEV_RPC_PORT: 'abc', LEV_NODE_DATA_DIR: tempDataDir() });
  const { code } = await p.exited;
  assert.is(code, 2);
  const lines = p.output().trim().split('\n');
  assert.is(lines.length, 1, p.output());
  assert.match(lines[0]!, 'rpc.port');
  assert.match(lines[0]!, 'LEV_RPC_PORT');
});

config('an unknown key in the config file stops start, exit 2', async () => {
  const dir = tempDataDir();
  const file = `${dir}/node.toml`;
  writeFileSync(file, '[rpc]\nprot = 8123\n');
  const p = runLev(['start', '--config', file]);
  const { code } = await p.exited;
  assert.is(code, 2);
  assert.match(p.output(), 'rpc.prot');
  rmSync(dir, { recursive: true, force: true });
});

/** A `lev start` that must stop on its configuration: exit 2, one line naming `what`, nothing started. */
async function refusesToStart(args: string[], env: Record<string, string>, what: RegExp): Promise<void> {
  const dataDir = tempDataDir();
  try {
    const p = runLev(args, { LEV_NODE_DATA_DIR: dataDir, LEV_METRICS_PORT: '0', LEV_RPC_PORT: '0', ...env });
    const { code } = await p.exited;
    assert.is(code, 2, p.output());
    const lines = p.output().trim().split('\n');
    assert.is(lines.length, 1, p.output());
    assert.match(lines[0]!, what);
    assert.not.match(p.output(), /^ready /m);
    assert.not.ok(existsSync(join(dataDir, 'pg')), 'the embedded Postgres was started');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

config('a setting a role needs, not set, stops start before anything starts: exit 2 naming it', async () => {
  const dir = tempDataDir();
  const genesis = join(dir, 'genesis.json');
  writeFileSync(genesis, JSON.stringify({ accounts: [] }));
  try {
    await refusesToStart(
      ['start', '--roles', 'synchronizer'],
      { LEV_L2_GENESIS_FILE: genesis, LEV_L1_URL: `http://127.0.0.1:${await freePort()}` },
      /l1\.rollupAddress is not set .*role synchronizer needs it/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

config(
  'a genesis file that cannot be read or a keystore without its password: exit 2, nothing started',
  async () => {
    const dir = tempDataDir();
    try {
      await refusesToStart(
        ['start', '--roles', 'rpc'],
        { LEV_L2_GENESIS_FILE: join(dir, 'missing.json') },
        /l2\.genesisFile = .*cannot read it: no such file/,
      );
      const genesis = join(dir, 'genesis.json');
      writeFileSync(genesis, '{ "accounts": [');
      await refusesToStart(
        ['start', '--roles', 'rpc'],
        { LEV_L2_GENESIS_FILE: genesis },
        /l2\.genesisFile = .*not valid JSON/,
      );
      writeFileSync(genesis, JSON.stringify({ accounts: [] }));
      const keystore = join(dir, 'sequencer.json');
      writeFileSync(keystore, '{}');
      await refusesToStart(
        ['start', '--roles', 'rpc,sequence-sender'],
        {
          LEV_L2_GENESIS_FILE: genesis,
          LEV_L1_ROLLUP_ADDRESS: `0x${'11'.repeat(20)}`,
          LEV_KEYS_SEQUENCER: keystore,
        },
        /keys\.sequencer = .*password is not set \(LEV_KEYS_SEQUENCER_PASSWORD\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

config.run();
