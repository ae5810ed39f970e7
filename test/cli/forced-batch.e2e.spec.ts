/**
 * A batch forced on L1, as a user does it against the dev stack: `lev devnet` as L1, a trusted node (`lev start
 * --dev` with the sequencer, the sequence sender, the eth-tx-manager and the synchronizer). An L1 account approves
 * the fee and calls `forceBatch` with two L2 txs: a valid transfer and one with a nonce gap. The trusted sequencer
 * includes the forced batch as a batch of its own — the bytes exactly as forced, a block for the valid tx only —
 * and sequences it with its minForcedTimestamp, so L1 accepts it as the forced batch it consumes. A permissionless
 * node rebuilds the same blocks from L1. L1 is read through raw JSON-RPC.
 */
import { HDNodeWallet } from 'ethers';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeBatchL2Data } from '../../src/batch/index.ts';
import { encodeApprove, encodeForceBatch, rollupInterface } from '../../src/l1/index.ts';
import { type Address, bytesToHex, type Hex, hexToBytes } from '../../src/primitives/index.ts';
import { decodeSignedLegacyTx } from '../../src/tx/index.ts';
import {
  freePort,
  type LevProcess,
  rpcCall,
  runLev,
  stopAll,
  tempDataDir,
  until,
} from '../support/node-process.ts';

const test = suite('cli/forced-batch');

const MNEMONIC = 'test test test test test test test test test test test junk';
const trustedDir = tempDataDir();
const followerDir = tempDataDir();
let devnet: LevProcess | undefined;
let trusted: LevProcess | undefined;
let follower: LevProcess | undefined;

const call = rpcCall;

test.after(() =>
  stopAll(
    [
      [follower, followerDir],
      [trusted, trustedDir],
    ],
    devnet,
  ),
);

test('a forced batch is included by the trusted sequencer, accepted by L1, and rebuilt by a permissionless node', async () => {
  const l1Url = `http://127.0.0.1:${await freePort()}`;
  devnet = runLev(['devnet'], { LEV_L1_URL: l1Url });
  await devnet.ready('l1', 60_000);
  const printed = await until('the contract addresses', async () =>
    /^l1 feeToken 0x/m.test(devnet!.output()) ? devnet!.output() : null,
  );
  const find = (name: string) =>
    new RegExp(`^l1 ${name} (0x[0-9a-fA-F]{40})$`, 'm').exec(printed)?.[1]?.toLowerCase() as Address;
  const rollup = find('rollup');
  const feeToken = find('feeToken');
  assert.ok(rollup && feeToken, printed);
  trusted = runLev(
    ['start', '--dev', '--roles', 'rpc,sequencer,sequence-sender,eth-tx-manager,synchronizer'],
    {
      LEV_NODE_DATA_DIR: trustedDir,
      LEV_L1_URL: l1Url,
      LEV_RPC_PORT: String(await freePort()),
      LEV_METRICS_PORT: String(await freePort()),
      LEV_SEQUENCER_BATCH_TIMEOUT_MS: '500',
    },
  );
  const l2Url = await trusted.ready('rpc', 120_000);

  // The forced L2 txs: a transfer, and a tx whose nonce leaves a gap (invalid: no block, but part of the batch).
  const l2Wallet = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/9");
  const sign = async (nonce: number, value: bigint) =>
    decodeSignedLegacyTx(
      hexToBytes(
        (await l2Wallet.signTransaction({
          type: 0,
          chainId: 1001n,
          nonce,
          gasPrice: 10n ** 9n,
          gasLimit: 21_000n,
          to: '0x000000000000000000000000000000000000f00d',
          value,
        })) as Hex,
      ),
    );
  const valid = await sign(0, 123n);
  const gap = await sign(5, 456n);
  const transactions = bytesToHex(encodeBatchL2Data([valid, gap]));

  // The L1 side, from dev account #0 (it holds the fee tokens): approve the fee, force the batch.
  const from = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/0").address;
  const fee = BigInt(
    await call<string>(l1Url, 'eth_call', [
      { to: rollup, data: rollupInterface.encodeFunctionData('getForcedBatchFee') },
      'latest',
    ]),
  );
  assert.ok(fee > 0n, 'forcing costs a fee in dev');
  const sendL1 = async (to: Address, data: Hex) => {
    const hash = await call<string>(l1Url, 'eth_sendTransaction', [{ from, to, data, gas: '0x200000' }]);
    const receipt = await until('the L1 receipt', () =>
      call<{ status: string } | null>(l1Url, 'eth_getTransactionReceipt', [hash]),
    );
    assert.is(receipt.status, '0x1', `L1 tx to ${to}`);
  };
  await sendL1(feeToken, encodeApprove(rollup, fee));
  await sendL1(rollup, encodeForceBatch(transactions, fee));

  // Included by the trusted sequencer: one block, for the valid tx.
  const receipt = await until(
    'the forced tx mined on L2',
    () =>
      call<{ blockNumber: string; status: string } | null>(l2Url, 'eth_getTransactionReceipt', [valid.hash]),
    90_000,
  );
  assert.is(receipt.status, '0x1');
  assert.is(
    await call(l2Url, 'eth_getTransactionReceipt', [gap.hash]),
    null,
    'the nonce-gap tx made no block',
  );
  const batchNumber = BigInt(
    await call<string>(l2Url, 'zkevm_batchNumberByBlockNumber', [receipt.blockNumber]),
  );
  const batch = await call<{ transactions: string[]; globalExitRoot: string; forcedBatchNumber?: string }>(
    l2Url,
    'zkevm_getBatchByNumber',
    [`0x${batchNumber.toString(16)}`, false],
  );
  assert.equal(batch.transactions, [valid.hash]);
  assert.is(batch.forcedBatchNumber, '0x1', 'zkevm_getBatchByNumber names the forced batch');
  assert.match(trusted.output(), /forced batch included/);

  // L1 accepted it as the forced batch: the synchronizer saw the sequence consume forced batch 1, and the
  // trusted chain agrees with it (a divergence would have halted the node).
  const dbUrl = /^ready postgres (\S+)$/m.exec(trusted.output())![1]!.replace('***', 'password');
  const db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  try {
    const consumed = await until('forced batch 1 consumed on L1', async () => {
      const { rows } = await db.query<{ batch_number: string | null }>(
        'select batch_number::text from lev_rm.forced_batches where forced_batch_number = 1',
      );
      return rows[0]?.batch_number ?? null;
    });
    assert.is(BigInt(consumed), batchNumber);
    const { rows } = await db.query<{ batch_l2_data: string; forced_batch_number: string }>(
      'select batch_l2_data, forced_batch_number::text from lev_rm.batches where number = $1',
      [batchNumber.toString()],
    );
    assert.is(
      rows[0]?.batch_l2_data,
      transactions,
      'the batch is the bytes forced on L1, invalid tx included',
    );
    assert.is(rows[0]?.forced_batch_number, '1');
  } finally {
    await db.end();
  }
  assert.ok(BigInt(await call<string>(l2Url, 'zkevm_virtualBatchNumber')) >= batchNumber);
  assert.is(trusted.child.exitCode, null, 'the trusted node runs on (no divergence)');

  // A permissionless node rebuilds it from L1: the same blocks.
  follower = runLev(['start', '--dev', '--roles', 'rpc,synchronizer'], {
    LEV_NODE_DATA_DIR: followerDir,
    LEV_L1_URL: l1Url,
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
  });
  const followerUrl = await follower.ready('rpc', 120_000);
  const last = BigInt(receipt.blockNumber);
  await until(
    'the follower at the forced block',
    async () => BigInt(await call<string>(followerUrl, 'eth_blockNumber')) >= last,
    60_000,
  );
  for (let n = 0n; n <= last; n++) {
    const q = `0x${n.toString(16)}`;
    assert.equal(
      await call(followerUrl, 'eth_getBlockByNumber', [q, true]),
      await call(l2Url, 'eth_getBlockByNumber', [q, true]),
      `block ${n}`,
    );
  }
});

test.run();
