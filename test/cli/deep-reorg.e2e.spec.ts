/**
 * L1 reorgs deeper than the confirmations, through `lev start --dev` (the sequencer, the sequence sender, the
 * eth-tx-manager and the synchronizer) on `lev devnet`: a sequence confirmed on L1 is reverted away (evm_snapshot
 * before it, then evm_revert after it is 3 and then 10+ blocks deep, and a longer branch). The eth-tx-manager
 * leaves confirmed txs alone; the synchronizer records the reorg and the sequence sender sends the lost sequence
 * again under a new L1 tx id: the batch is virtual again, no tx lost. The same once more with the node down while L1
 * reorgs: on restart it finds its cursor gone, records the reorg and sends the sequence again. L1 is read through
 * raw JSON-RPC.
 */
import { HDNodeWallet, JsonRpcProvider } from 'ethers';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  freePort,
  type LevProcess,
  rpcCall,
  runLev,
  stopAll,
  tempDataDir,
  until,
} from '../support/node-process.ts';

const test = suite('cli/deep-reorg');

const MNEMONIC = 'test test test test test test test test test test test junk';
const dataDir = tempDataDir();
let devnet: LevProcess | undefined;
let node: LevProcess | undefined;
let db: pg.Client | undefined;
let l1Url = '';
let l2Url = '';
const sentTxs: string[] = [];

const call = rpcCall;

let nodeEnv: Record<string, string> = {};

async function startNode(): Promise<void> {
  node = runLev(
    ['start', '--dev', '--roles', 'rpc,sequencer,eth-tx-manager,sequence-sender,synchronizer'],
    nodeEnv,
  );
  l2Url = await node.ready('rpc', 120_000);
  const dbUrl = /^ready postgres (\S+)$/m.exec(node.output())![1]!.replace('***', 'password');
  db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
}

test.before(async () => {
  l1Url = `http://127.0.0.1:${await freePort()}`;
  devnet = runLev(['devnet'], { LEV_L1_URL: l1Url });
  await devnet.ready('l1', 60_000);
  nodeEnv = {
    LEV_NODE_DATA_DIR: dataDir,
    LEV_L1_URL: l1Url,
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
    LEV_SEQUENCER_BATCH_TIMEOUT_MS: '500',
  };
  await startNode();
});

test.after(async () => {
  await db?.end().catch(() => {});
  await stopAll([[node, dataDir]], devnet);
});

const l1TxStatus = async (id: string) =>
  (await db!.query<{ status: string }>('select status from lev_rm.l1_txs where id = $1', [id])).rows[0]
    ?.status;

/** Sends a transfer, waits for its batch to be virtual with its sequence confirmed; returns the batch. */
async function transferSequenced(account: number): Promise<bigint> {
  const provider = new JsonRpcProvider(l2Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const wallet = HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${account}`).connect(provider);
  const tx = await wallet.sendTransaction({ to: '0x000000000000000000000000000000000000bEEF', value: 1n });
  const receipt = await until('the receipt', () => provider.getTransactionReceipt(tx.hash));
  provider.destroy();
  sentTxs.push(tx.hash);
  const batch = BigInt(
    await call<string>(l2Url, 'zkevm_batchNumberByBlockNumber', [`0x${receipt.blockNumber.toString(16)}`]),
  );
  await until(
    'the batch virtual',
    async () => BigInt(await call<string>(l2Url, 'zkevm_virtualBatchNumber')) >= batch,
  );
  await until(
    'its sequence confirmed',
    async () => (await l1TxStatus(`sequence-from-${batch}-to-${batch}`)) === 'confirmed',
  );
  return batch;
}

for (const [depth, down, account] of [
  [3, false, 5],
  [10, false, 6],
  [5, true, 7],
] as const) {
  test(`a confirmed sequence reorged out ${depth}+ blocks deep${down ? ' while the node is down' : ''} is sent again; virtual again, no tx lost`, async () => {
    const snapshot = await call<string>(l1Url, 'evm_snapshot');
    const batch = await transferSequenced(account);
    const reorgsBefore = (await db!.query('select 1 from lev_rm.l1_reorgs')).rows.length;
    await call(l1Url, 'hardhat_mine', [`0x${depth.toString(16)}`]);
    await new Promise((r) => setTimeout(r, 1500)); // the synchronizer follows L1 there
    if (down) {
      await db!.end();
      node!.child.kill('SIGTERM');
      assert.is((await node!.exited).code, 0, node!.output().slice(-2000));
    }
    assert.ok(await call<boolean>(l1Url, 'evm_revert', [snapshot]));
    await call(l1Url, 'hardhat_mine', [`0x${(depth + 4).toString(16)}`]); // a longer branch without the sequence
    if (down) await startNode();

    await until('the reorg recorded', async () => {
      const { rows } = await db!.query<{ unvirtualized: string[] }>(
        'select unvirtualized from lev_rm.l1_reorgs order by position',
      );
      return (
        rows.length > reorgsBefore &&
        rows.slice(reorgsBefore).some((r) => r.unvirtualized.includes(batch.toString()))
      );
    });
    const again = `sequence-from-${batch}-to-${batch}-attempt-2`;
    await until(
      'the sequence sent again and confirmed',
      async () => (await l1TxStatus(again)) === 'confirmed',
      60_000,
    );
    await until('the batch virtual again', async () => {
      const b = await call<{ sendSequencesTxHash: string | null }>(l2Url, 'zkevm_getBatchByNumber', [
        `0x${batch.toString(16)}`,
        false,
      ]);
      return BigInt(await call<string>(l2Url, 'zkevm_virtualBatchNumber')) >= batch && b.sendSequencesTxHash;
    });
    assert.match(node!.output(), /sequence lost on L1; sending it again/);
    // L1 has the new sequence tx: its receipt, read raw, succeeded.
    const b = await call<{ sendSequencesTxHash: string }>(l2Url, 'zkevm_getBatchByNumber', [
      `0x${batch.toString(16)}`,
      false,
    ]);
    const receipt = await call<{ status: string }>(l1Url, 'eth_getTransactionReceipt', [
      b.sendSequencesTxHash,
    ]);
    assert.is(receipt.status, '0x1');
    for (const hash of sentTxs) {
      const r = await call<{ status: string } | null>(l2Url, 'eth_getTransactionReceipt', [hash]);
      assert.is(r?.status, '0x1', `tx ${hash} still mined on L2`);
    }
    assert.is(node!.child.exitCode, null, 'the node runs on');
  });
}

test.run();
