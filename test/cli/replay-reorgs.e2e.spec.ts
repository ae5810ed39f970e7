/**
 * `lev replay --reorgs` on a real L1 reorg: `lev devnet` as the L1 and `lev start --dev` with the sequencer, the
 * sequence sender, the eth-tx-manager and the synchronizer. L1's interval mining is paused (automine stays), so the
 * sequence tx of batch 1 is mined but not confirmed; L1 is then reverted to a snapshot taken before it and two other
 * blocks are mined. The synchronizer records `ReorgDetected` (batch 1 no longer virtual), the eth-tx-manager
 * `L1TxReorged` and sends the same tx again, which is mined, confirmed and virtualizes batch 1 again. The replay of
 * the stopped node's log must tell exactly that story.
 */
import { rmSync } from 'node:fs';
import { HDNodeWallet, JsonRpcProvider } from 'ethers';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ReorgReport } from '../../src/cli/replay-reorgs.ts';
import {
  crashWithPostgres,
  freePort,
  type LevProcess,
  rpcCall,
  runLev,
  tempDataDir,
} from '../support/node-process.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const dataDir = tempDataDir();
let devnet: LevProcess | undefined;
let node: LevProcess | undefined;

const call = rpcCall;

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 90_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n${node?.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test.after(async () => {
  await crashWithPostgres(node, dataDir);
  if (devnet) {
    devnet.child.kill('SIGTERM');
    await devnet.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test('a sequence reorged out of L1 before confirmation: the reorg, the tx sent again, consistent again', async () => {
  const l1Url = `http://127.0.0.1:${await freePort()}`;
  devnet = runLev(['devnet'], { LEV_L1_URL: l1Url });
  await devnet.ready('l1', 60_000);
  const env = {
    LEV_NODE_DATA_DIR: dataDir,
    LEV_L1_URL: l1Url,
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
    LEV_SEQUENCER_BATCH_TIMEOUT_MS: '300',
  };
  node = runLev(
    ['start', '--dev', '--roles', 'rpc,sequencer,eth-tx-manager,sequence-sender,synchronizer'],
    env,
  );
  const l2Url = await node.ready('rpc', 120_000);
  const dbUrl = /^ready postgres (\S+)$/m.exec(node.output())![1]!.replace('***', 'password');
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  const l1Tx = async () =>
    (
      await db.query<{ id: string; status: string; reorgs: number }>(
        "select id, status, reorgs from lev_rm.l1_txs where id = 'sequence-from-1-to-1'",
      )
    ).rows[0];
  try {
    // No more blocks but the ones txs bring; L1's clock an hour ahead, so the sequence sender need not wait for a
    // block newer than the batch.
    await call(l1Url, 'evm_setIntervalMining', [0]);
    await call(l1Url, 'evm_setNextBlockTimestamp', [Math.floor(Date.now() / 1000) + 3600]);
    await call(l1Url, 'evm_mine');
    const snapshot = await call<string>(l1Url, 'evm_snapshot');

    const provider = new JsonRpcProvider(l2Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const wallet = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/5").connect(provider);
    const tx = await wallet.sendTransaction({ to: '0x000000000000000000000000000000000000bEEF', value: 1n });
    await until('the receipt', () => provider.getTransactionReceipt(tx.hash));
    provider.destroy();
    // Batch 1 sequenced in one block (one confirmation of the two needed) and seen by the synchronizer.
    await until(
      'batch 1 virtual',
      async () => BigInt(await call<string>(l2Url, 'zkevm_virtualBatchNumber')) >= 1n,
    );
    await until('the sequence tx mined', async () => (await l1Tx())?.status === 'mined');

    // The reorg: back to before the sequence, two other blocks, then blocks every 300 ms again.
    assert.ok(await call<boolean>(l1Url, 'evm_revert', [snapshot]));
    await call(l1Url, 'hardhat_mine', ['0x2']);
    await call(l1Url, 'evm_setIntervalMining', [300]);
    await until('the reorg recorded', async () => {
      const { rows } = await db.query('select 1 from lev_rm.l1_reorgs');
      return rows.length > 0;
    });
    await until('the sequence tx confirmed after its reorg', async () => {
      const t = await l1Tx();
      return t?.status === 'confirmed' && t.reorgs === 1;
    });
    await until(
      'batch 1 virtual again',
      async () => BigInt(await call<string>(l2Url, 'zkevm_virtualBatchNumber')) >= 1n,
    );
  } finally {
    await db.end();
  }
  node.child.kill('SIGTERM');
  assert.is((await node.exited).code, 0, node.output().slice(-2000));
  node = undefined;

  const replay = async (args: string[]) => {
    const p = runLev(['replay', '--reorgs', ...args], { LEV_NODE_DATA_DIR: dataDir });
    let stdout = '';
    p.child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const { code } = await p.exited;
    assert.is(code, 0, p.output());
    return stdout;
  };
  const lines = (await replay(['--json'])).split('\n').filter(Boolean);
  const reports = lines.map((l) => JSON.parse(l) as ReorgReport);
  assert.equal(
    reports.map((r) => r.kind),
    ['ReorgDetected'],
    lines.join('\n'),
  );
  const r = reports[0]!;
  assert.equal([r.unvirtualized, r.unverified], [['1'], []]);
  assert.ok(Number(r.depth) >= 1);
  assert.ok(r.orphaned.length >= 1);
  assert.equal(
    r.revirtualized.map((b) => b.batch),
    ['1'],
  );
  assert.ok(BigInt(r.revirtualized[0]!.position) > BigInt(r.position));
  // The sequence tx: reorged out of an orphaned block, then mined again and confirmed.
  assert.equal(
    r.l1Txs.map((t) => t.id),
    ['sequence-from-1-to-1'],
  );
  const t = r.l1Txs[0]!;
  assert.ok(r.orphaned.some((b) => b.hash === t.reorged.blockHash && b.number === t.reorged.blockNumber));
  assert.equal(
    t.after.map((f) => f.type).filter((x) => x !== 'L1TxSent'),
    ['L1TxMined', 'L1TxConfirmed'],
  );
  assert.is(t.after.find((f) => f.type === 'L1TxMined')!.hash, t.reorged.hash, 'the same tx mined again');
  assert.ok(r.consistentAgain, 'consistent again');
  assert.ok(BigInt(r.consistentAgain!.position) > BigInt(r.position));
  assert.ok(BigInt(r.consistentAgain!.l1Block) >= BigInt(r.rewoundFrom));

  const text = await replay([]);
  assert.match(text, new RegExp(`^ReorgDetected at position ${r.position}, `));
  assert.match(
    text,
    /\n {2}no longer virtual: batches 1 \(virtual again at \d+, L1 block \d+, tx 0x[0-9a-f]{6}…[0-9a-f]{4}\)\n/,
  );
  assert.match(
    text,
    /\n {4}sequence-from-1-to-1: 0x[0-9a-f]{6}…[0-9a-f]{4} left L1 block \d+ .*L1TxMined .*L1TxConfirmed /,
  );
  assert.match(text, new RegExp(`\\n {2}consistent again at position ${r.consistentAgain!.position}, `));

  // Time travel: batch 1 virtual just before the reorg, trusted (closed, not virtual) right after it, virtual again
  // once re-sequenced.
  const batchAt = async (at: bigint) => {
    const p = runLev(['inspect', '--at', String(at), 'batch', '1', '--json'], { LEV_NODE_DATA_DIR: dataDir });
    let stdout = '';
    p.child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const { code } = await p.exited;
    assert.is(code, 0, p.output());
    return (JSON.parse(stdout) as { status: string }).status;
  };
  assert.is(await batchAt(BigInt(r.position) - 1n), 'virtual');
  assert.is(await batchAt(BigInt(r.position)), 'closed');
  assert.is(await batchAt(BigInt(r.revirtualized[0]!.position)), 'virtual');
});

test.run();
