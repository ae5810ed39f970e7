/**
 * Batches reach L1 (DESIGN §2): `lev devnet` as the L1, and `lev start --dev` with the sequencer, the sequence
 * sender, the eth-tx-manager and the synchronizer reusing it. Closed batches are sequenced on the rollup contract with the node's own
 * batchL2Data and accInputHash; after a kill -9 of the node (L1 keeps its chain) sequencing resumes where it
 * stopped — every batch on L1 once, in order, none sent twice. L1 is read through raw JSON-RPC.
 */
import { rmSync } from 'node:fs';
import { HDNodeWallet, JsonRpcProvider } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeFunctionResult, encodeFunctionData } from 'viem';
import { accInputHash } from '../../src/batch/index.ts';
import { decodeSequenceBatchesCalldata, levitationZkEVMAbi } from '../../src/l1/index.ts';
import type { Hash, Hex } from '../../src/primitives/index.ts';
import {
  crashWithPostgres,
  freePort,
  type LevProcess,
  rpc,
  runLev,
  tempDataDir,
  until,
} from '../support/node-process.ts';

const ROLLUP = '0xcf7ed3acca5a467e9e704c703e8d87f634fb0fc9';
const SEQUENCER = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const MNEMONIC = 'test test test test test test test test test test test junk';

const dataDir = tempDataDir();
let l1Url = '';
let devnet: LevProcess;
let node: LevProcess;
let l2Url = '';
let env: Record<string, string> = {};

async function result<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const r = await rpc<T>(url, method, params);
  if (r.error) throw new Error(`${method}: ${r.error.message}`);
  return r.result as T;
}

async function rollupView<T>(functionName: 'lastBatchSequenced' | 'sequencedBatches', args: unknown[] = []) {
  const data = encodeFunctionData({ abi: levitationZkEVMAbi, functionName, args } as never);
  const out = await result<Hex>(l1Url, 'eth_call', [{ to: ROLLUP, data }, 'latest']);
  return decodeFunctionResult({ abi: levitationZkEVMAbi, functionName, data: out } as never) as T;
}

async function startNode() {
  node = runLev(
    ['start', '--dev', '--roles', 'rpc,sequencer,eth-tx-manager,sequence-sender,synchronizer'],
    env,
  );
  l2Url = await node.ready('rpc', 120_000);
}

const killNode = () => crashWithPostgres(node, dataDir);

async function sendTransfers(n: number, account: number) {
  const provider = new JsonRpcProvider(l2Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const wallet = HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${account}`).connect(provider);
  for (let i = 0; i < n; i++) {
    const tx = await wallet.sendTransaction({ to: '0x000000000000000000000000000000000000bEEF', value: 1n });
    await until('a receipt', () => provider.getTransactionReceipt(tx.hash));
  }
  provider.destroy();
}

/** Every sequenceBatches tx the sequencer sent, in L1 order, decoded. */
async function sequencesOnL1() {
  const head = Number(await result<string>(l1Url, 'eth_blockNumber'));
  const out: { numBatches: number; batches: { transactions: Hex }[] }[] = [];
  for (let n = 1; n <= head; n++) {
    const block = await result<{ transactions: { from: string; to: string; input: Hex }[] }>(
      l1Url,
      'eth_getBlockByNumber',
      [`0x${n.toString(16)}`, true],
    );
    for (const tx of block.transactions) {
      if (tx.from.toLowerCase() !== SEQUENCER || tx.to?.toLowerCase() !== ROLLUP) continue;
      const decoded = decodeSequenceBatchesCalldata(tx.input);
      out.push({ numBatches: decoded.batches.length, batches: decoded.batches });
    }
  }
  return out;
}

test.before(async () => {
  l1Url = `http://127.0.0.1:${await freePort()}`;
  devnet = runLev(['devnet'], { LEV_L1_URL: l1Url });
  await devnet.ready('l1', 60_000);
  env = {
    LEV_NODE_DATA_DIR: dataDir,
    LEV_L1_URL: l1Url,
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
    LEV_SEQUENCER_BATCH_TIMEOUT_MS: '500',
  };
});

test.after(async () => {
  await killNode();
  devnet.child.kill('SIGTERM');
  await devnet.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

test('closed batches are sequenced on L1 with our batchL2Data and accInputHash; a restart resumes', async () => {
  await startNode();
  assert.match(node.output(), /reusing the L1 answering there/);
  await sendTransfers(3, 5);
  const first = await until('batch 1 on L1', async () => {
    const last = await rollupView<bigint>('lastBatchSequenced');
    return last >= 1n ? last : null;
  });

  // The node's batches and L1's agree, field by field.
  let acc = (await result<{ accInputHash: Hash }>(l2Url, 'zkevm_getBatchByNumber', ['0x0', false]))
    .accInputHash;
  for (let n = 1n; n <= first; n++) {
    const batch = await result<{
      batchL2Data: Hex;
      accInputHash: Hash;
      timestamp: string;
      coinbase: string;
      globalExitRoot: Hash;
    }>(l2Url, 'zkevm_getBatchByNumber', [`0x${n.toString(16)}`, false]);
    acc = accInputHash({
      oldAccInputHash: acc,
      batchL2Data: batch.batchL2Data,
      globalExitRoot: batch.globalExitRoot,
      timestamp: BigInt(batch.timestamp),
      coinbase: batch.coinbase as Hex,
    });
    assert.is(batch.accInputHash, acc, `batch ${n}: the node's accInputHash chain`);
  }
  const [onL1] = await rollupView<[Hash]>('sequencedBatches', [first]);
  assert.is(onL1, acc, 'the contract computed the same accInputHash');

  // kill -9 (the L1 keeps running), restart, more txs: sequencing continues after the last batch sent.
  await killNode();
  await startNode();
  await sendTransfers(2, 6);
  const latestClosed = BigInt(await result<string>(l2Url, 'zkevm_batchNumber'));
  await until(
    `batch ${latestClosed} on L1`,
    async () => (await rollupView<bigint>('lastBatchSequenced')) >= latestClosed,
  );

  const sequences = await sequencesOnL1();
  const sent = sequences.flatMap((s) => s.batches.map((b) => b.transactions));
  const expected: Hex[] = [];
  for (let n = 1n; n <= BigInt(sent.length); n++) {
    expected.push(
      (await result<{ batchL2Data: Hex }>(l2Url, 'zkevm_getBatchByNumber', [`0x${n.toString(16)}`, false]))
        .batchL2Data,
    );
  }
  assert.equal(sent, expected, 'every batch on L1 once, in order, with its batchL2Data');
  assert.is(BigInt(sent.length), await rollupView<bigint>('lastBatchSequenced'));

  // The synchronizer saw them: virtual, with the L1 tx that sequenced them.
  const virtual = await until('the batches to be virtual', async () => {
    const v = BigInt(await result<string>(l2Url, 'zkevm_virtualBatchNumber'));
    return v >= latestClosed ? v : null;
  });
  assert.ok(virtual >= latestClosed);
  const batch1 = await result<{ sendSequencesTxHash: string | null }>(l2Url, 'zkevm_getBatchByNumber', [
    '0x1',
    false,
  ]);
  assert.match(batch1.sendSequencesTxHash ?? '', /^0x[0-9a-f]{64}$/);
});

test.run();
