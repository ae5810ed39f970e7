/**
 * A permissionless node (`lev start --dev --roles rpc,synchronizer`: no sequencer, its own data dir and ports)
 * against the same L1 as a trusted node rebuilds the L2 chain from L1 data alone: for every block of every virtual
 * batch, the same hash, state root, tx and receipt roots; the same receipts and the same state. Txs sent to it are
 * relayed to the trusted node (`rpc.sequencerUrl`), errors included.
 */
import { HDNodeWallet, JsonRpcProvider } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  freePort,
  type LevProcess,
  rpc,
  rpcCall,
  runLev,
  stopAll,
  tempDataDir,
  until,
} from '../support/node-process.ts';

const test = suite('cli/permissionless');

const MNEMONIC = 'test test test test test test test test test test test junk';
/** Init code of a contract whose runtime is SSTORE(calldata[0:32], calldata[32:64]). */
const STORE_INIT = '0x6008600c60003960086000f36020356000355500';
const word = (v: bigint | number) => BigInt(v).toString(16).padStart(64, '0');

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

test('a node without a sequencer rebuilds the trusted chain from L1: same blocks, receipts and state', async () => {
  const l1Url = `http://127.0.0.1:${await freePort()}`;
  devnet = runLev(['devnet'], { LEV_L1_URL: l1Url });
  await devnet.ready('l1', 60_000);
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
  const trustedUrl = await trusted.ready('rpc', 120_000);

  // Transfers (one to a new account), a deployment, storage written, cleared and written again, a reverting call.
  const provider = new JsonRpcProvider(trustedUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const alice = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/5").connect(provider);
  const bob = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/6").connect(provider);
  const hashes: string[] = [];
  const send = async (
    w: HDNodeWallet,
    tx: { to?: string; value?: bigint; data?: string; gasLimit?: bigint },
  ) => {
    const sent = await w.sendTransaction(tx);
    hashes.push(sent.hash);
    return until('the receipt', () => provider.getTransactionReceipt(sent.hash));
  };
  await send(alice, { to: bob.address, value: 10n ** 18n });
  await send(bob, { to: '0x00000000000000000000000000000000000000a1', value: 5n });
  const deployed = await send(alice, { data: STORE_INIT });
  const kv = deployed.contractAddress!;
  await send(bob, { to: kv, data: `0x${word(1)}${word(7)}` });
  await new Promise((r) => setTimeout(r, 700)); // another batch
  await send(alice, { to: kv, data: `0x${word(2)}${word(8)}` });
  await send(bob, { to: kv, data: `0x${word(1)}${word(0)}` });
  await send(alice, { to: kv, data: '0x', gasLimit: 30_000n }); // calldata too short: still a valid tx
  provider.destroy();
  const lastBlock = BigInt(await call<string>(trustedUrl, 'eth_blockNumber'));
  const lastBatch = BigInt(
    await call<string>(trustedUrl, 'zkevm_batchNumberByBlockNumber', [`0x${lastBlock.toString(16)}`]),
  );
  assert.ok(lastBatch >= 2n, `several batches (got ${lastBatch})`);
  await until(
    'the trusted batches virtual',
    async () => BigInt(await call<string>(trustedUrl, 'zkevm_virtualBatchNumber')) >= lastBatch,
  );

  follower = runLev(['start', '--dev', '--roles', 'rpc,synchronizer'], {
    LEV_NODE_DATA_DIR: followerDir,
    LEV_L1_URL: l1Url,
    LEV_RPC_SEQUENCER_URL: trustedUrl,
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
  });
  const followerUrl = await follower.ready('rpc', 120_000);
  await until(
    'the follower at the last virtual block',
    async () => BigInt(await call<string>(followerUrl, 'eth_blockNumber')) >= lastBlock,
    60_000,
  );

  for (let n = 0n; n <= lastBlock; n++) {
    const q = `0x${n.toString(16)}`;
    const [a, b] = await Promise.all([
      call<Record<string, unknown>>(trustedUrl, 'eth_getBlockByNumber', [q, true]),
      call<Record<string, unknown>>(followerUrl, 'eth_getBlockByNumber', [q, true]),
    ]);
    assert.equal(b, a, `block ${n}`);
  }
  for (const hash of hashes) {
    const [a, b] = await Promise.all([
      call(trustedUrl, 'eth_getTransactionReceipt', [hash]),
      call(followerUrl, 'eth_getTransactionReceipt', [hash]),
    ]);
    assert.equal(b, a, `receipt ${hash}`);
  }
  for (const [method, params] of [
    ['eth_getBalance', [bob.address, 'latest']],
    ['eth_getBalance', ['0x00000000000000000000000000000000000000a1', 'latest']],
    ['eth_getStorageAt', [kv, '0x2', 'latest']],
    ['eth_getCode', [kv, 'latest']],
    ['eth_getProof', [kv, ['0x1', '0x2'], 'latest']],
  ] as const) {
    const [a, b] = await Promise.all([
      call(trustedUrl, method, [...params]),
      call(followerUrl, method, [...params]),
    ]);
    assert.equal(b, a, `${method} ${JSON.stringify(params)}`);
  }
  const batch = await call<{ closed: boolean; stateRoot: string; accInputHash: string }>(
    followerUrl,
    'zkevm_getBatchByNumber',
    [`0x${lastBatch.toString(16)}`, false],
  );
  const trustedBatch = await call<{ stateRoot: string; accInputHash: string }>(
    trustedUrl,
    'zkevm_getBatchByNumber',
    [`0x${lastBatch.toString(16)}`, false],
  );
  assert.is(batch.stateRoot, trustedBatch.stateRoot);
  assert.is(batch.accInputHash, trustedBatch.accInputHash);
  assert.match(follower.output(), /L2 rebuilt from L1/);

  // Txs sent to the follower are relayed to the trusted sequencer, its errors passed back as they are.
  const viaFollower = new JsonRpcProvider(followerUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const carol = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/7").connect(viaFollower);
  const relayed = await carol.sendTransaction({ to: bob.address, value: 1n });
  const onTrusted = await until('the relayed tx mined by the trusted node', async () =>
    call<{ blockNumber: string } | null>(trustedUrl, 'eth_getTransactionReceipt', [relayed.hash]),
  );
  await until(
    'the relayed tx in the follower’s rebuilt chain',
    async () =>
      call<{ blockNumber: string } | null>(followerUrl, 'eth_getTransactionReceipt', [relayed.hash]),
    60_000,
  ).then((r) => assert.is(r.blockNumber, onTrusted.blockNumber));
  const stale = await carol.signTransaction({
    to: bob.address,
    value: 1n,
    nonce: 0,
    gasLimit: 21_000n,
    gasPrice: 10n ** 9n,
    chainId: 1001n,
    type: 0,
  });
  const [fromFollower, fromTrusted] = await Promise.all([
    rpc(followerUrl, 'eth_sendRawTransaction', [stale]),
    rpc(trustedUrl, 'eth_sendRawTransaction', [stale]),
  ]);
  assert.equal(fromFollower.error, fromTrusted.error);
  assert.match(fromFollower.error?.message ?? '', /nonce too low/);
  viaFollower.destroy();
});

test.run();
