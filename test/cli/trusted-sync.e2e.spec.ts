/**
 * A permissionless node given the trusted node's URL (`rpc.sequencerUrl`) follows the trusted state ahead of L1
 * through `zkevm_batchNumber`/`zkevm_getBatchByNumber`, re-executing every batch it takes; when L1 then sequences
 * another batch at a number it followed, it resets its trusted state (`TrustedStateReset`) and rebuilds that batch
 * from L1 (zkevm-node-spec §7).
 *
 * The stage: a trusted sequencer A that never sends anything to L1 (roles rpc, sequencer), the follower P, and later a
 * second sequencer B that holds the L1 sequencer key and sequences its own batch 1 — L1 then disagrees with A.
 */
import { HDNodeWallet, JsonRpcProvider } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  rpcCall as call,
  freePort,
  type LevProcess,
  runLev,
  stopAll,
  tempDataDir,
  until,
} from '../support/node-process.ts';

const test = suite('cli/trusted-sync');

const MNEMONIC = 'test test test test test test test test test test test junk';
const dirs = { a: tempDataDir(), b: tempDataDir(), p: tempDataDir() };
let devnet: LevProcess | undefined;
const nodes: { a?: LevProcess; b?: LevProcess; p?: LevProcess } = {};

test.after(() =>
  stopAll(
    (['p', 'b', 'a'] as const).map((k) => [nodes[k], dirs[k]] as const),
    devnet,
  ),
);

const q = (n: bigint | number) => `0x${BigInt(n).toString(16)}`;
type Block = { hash: string; stateRoot: string; transactions: string[] };

test('follows trusted batches before L1 has them, and resets to what L1 sequenced', async () => {
  try {
    await stage();
  } catch (err) {
    // What each node said, for the one reading the failure.
    for (const [k, n] of Object.entries(nodes))
      process.stderr.write(`--- node ${k}:\n${n.output().slice(-4000)}\n`);
    throw err;
  }
});

const A_COINBASE = '0x00000000000000000000000000000000000000c0';

async function stage(): Promise<void> {
  const l1Url = `http://127.0.0.1:${await freePort()}`;
  devnet = runLev(['devnet'], { LEV_L1_URL: l1Url });
  await devnet.ready('l1', 60_000);
  const common = { LEV_L1_URL: l1Url, LEV_SEQUENCER_BATCH_TIMEOUT_MS: '300' };
  nodes.a = runLev(['start', '--dev', '--roles', 'rpc,sequencer'], {
    ...common,
    // A coinbase of its own: what P answers for eth_coinbase must come from A, not from P's (default) setting.
    LEV_L2_COINBASE: A_COINBASE,
    LEV_NODE_DATA_DIR: dirs.a,
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
  });
  const aUrl = await nodes.a.ready('rpc', 120_000);
  nodes.p = runLev(['start', '--dev', '--roles', 'rpc,synchronizer'], {
    ...common,
    LEV_NODE_DATA_DIR: dirs.p,
    LEV_RPC_SEQUENCER_URL: aUrl,
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
  });
  const pUrl = await nodes.p.ready('rpc', 120_000);
  // Serving means its genesis block is there (the synchronizer creates it just after start).
  assert.ok(await call(pUrl, 'eth_getBlockByNumber', ['latest', false]), 'a block as soon as P serves');
  // P's coinbase is the trusted sequencer's, asked of A (as the reference relays it).
  assert.is(await call(pUrl, 'eth_coinbase'), A_COINBASE);

  // Txs sent to P are relayed to A; their receipts show up on P only by following A (nothing reaches L1).
  const viaP = new JsonRpcProvider(pUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const alice = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/5").connect(viaP);
  const followed: string[] = [];
  for (const value of [1n, 2n, 3n]) {
    const sent = await alice.sendTransaction({ to: '0x00000000000000000000000000000000000000a1', value });
    await until('the receipt on the follower', () => viaP.getTransactionReceipt(sent.hash), 30_000);
    followed.push(sent.hash);
    await new Promise((r) => setTimeout(r, 400)); // the next tx in another batch
  }
  viaP.destroy();
  const head = BigInt(await call<string>(pUrl, 'eth_blockNumber'));
  assert.ok(head >= 3n, `blocks followed (${head})`);
  for (let n = 0n; n <= head; n++) {
    const [a, p] = await Promise.all([
      call(aUrl, 'eth_getBlockByNumber', [q(n), true]),
      call(pUrl, 'eth_getBlockByNumber', [q(n), true]),
    ]);
    assert.equal(p, a, `block ${n}`);
  }
  assert.is(await call<string>(pUrl, 'zkevm_virtualBatchNumber'), '0x0', 'nothing is on L1');
  const batch1 = await call<{ closed: boolean; stateRoot: string; accInputHash: string }>(
    pUrl,
    'zkevm_getBatchByNumber',
    ['0x1', false],
  );
  const aBatch1 = await call<{ stateRoot: string; accInputHash: string }>(aUrl, 'zkevm_getBatchByNumber', [
    '0x1',
    false,
  ]);
  assert.is(batch1.closed, true);
  assert.is(batch1.stateRoot, aBatch1.stateRoot);
  assert.is(batch1.accInputHash, aBatch1.accInputHash);
  assert.match(nodes.p.output(), /trusted batches followed/);

  // B, with the L1 sequencer key, sequences a batch 1 of its own: L1 now disagrees with what P followed.
  nodes.b = runLev(
    ['start', '--dev', '--roles', 'rpc,sequencer,sequence-sender,eth-tx-manager,synchronizer'],
    {
      ...common,
      LEV_NODE_DATA_DIR: dirs.b,
      LEV_RPC_PORT: String(await freePort()),
      LEV_METRICS_PORT: String(await freePort()),
    },
  );
  const bUrl = await nodes.b.ready('rpc', 120_000);
  const viaB = new JsonRpcProvider(bUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const bob = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/6").connect(viaB);
  const onB = await bob.sendTransaction({ to: '0x00000000000000000000000000000000000000b2', value: 7n });
  await until('the receipt on B', () => viaB.getTransactionReceipt(onB.hash), 30_000);
  viaB.destroy();
  await until(
    'B’s batch 1 virtual',
    async () => BigInt(await call<string>(bUrl, 'zkevm_virtualBatchNumber')) >= 1n,
    60_000,
  );

  const bBlock1 = await call<Block>(bUrl, 'eth_getBlockByNumber', ['0x1', false]);
  await until(
    'P’s block 1 is B’s (rebuilt from L1)',
    async () =>
      (await call<Block | null>(pUrl, 'eth_getBlockByNumber', ['0x1', false]))?.hash === bBlock1.hash,
    60_000,
  );
  const out = nodes.p.output();
  assert.match(out, /trusted reorg/);
  assert.match(out, /trusted state reset/);
  assert.equal(
    await call(pUrl, 'eth_getTransactionReceipt', [onB.hash]),
    await call(bUrl, 'eth_getTransactionReceipt', [onB.hash]),
  );
  // A's txs are no longer in P's chain, and A's later batches do not extend it: P does not take them.
  assert.is(await call(pUrl, 'eth_getTransactionReceipt', [followed[0]]), null);
  await until(
    'P refusing A’s next batch',
    async () =>
      /the trusted node's batch 2 (does not extend this node's chain|cannot come next)/.test(
        nodes.p!.output(),
      ),
    30_000,
  );
  const pHead = BigInt(await call<string>(pUrl, 'eth_blockNumber'));
  const bHead = BigInt(await call<string>(bUrl, 'eth_blockNumber'));
  assert.ok(pHead <= bHead, `P follows L1 (B's chain), not A: P at ${pHead}, B at ${bHead}`);

  // The log tells the story: the reset on P's l2 stream, read next to the running node.
  const replay = runLev(['replay', '--type', 'TrustedStateReset', '--json'], { LEV_NODE_DATA_DIR: dirs.p });
  let stdout = '';
  replay.child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  assert.is((await replay.exited).code, 0);
  const resets = stdout
    .trim()
    .split('\n')
    .map(
      (l) => JSON.parse(l) as { stream: string; data: { toBatch: string; toBlock: string; reason: string } },
    );
  assert.is(resets.length, 1, stdout);
  assert.is(resets[0]!.stream, 'l2');
  assert.is(resets[0]!.data.toBatch, '0');
  assert.is(resets[0]!.data.toBlock, '0');
  assert.match(resets[0]!.data.reason, /sequenced batch 1 with another/);
}

test.run();
