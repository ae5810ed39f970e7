/**
 * A dapp developer's first steps against `lev start --dev --roles rpc,sequencer`: ethers v6 and viem, neither
 * told to use legacy txs (blocks carry no baseFeePerGas, so both fall back by themselves), send transfers, wait
 * for receipts and read balances and blocks.
 */
import { rmSync } from 'node:fs';
import { JsonRpcProvider, Wallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPublicClient, createWalletClient, defineChain, http } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { assemble, deployCode } from '../execution/evm-asm.ts';
import {
  crashWithPostgres,
  freePort,
  type LevProcess,
  runLev,
  tempDataDir,
} from '../support/node-process.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const dataDir = tempDataDir();
let node: LevProcess;
let url = '';

test.before(async () => {
  node = runLev(['start', '--dev', '--roles', 'rpc,sequencer'], {
    LEV_NODE_DATA_DIR: dataDir,
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
    LEV_SEQUENCER_BATCH_TIMEOUT_MS: '500',
  });
  url = await node.ready('rpc');
});
test.after(async () => {
  await crashWithPostgres(node, dataDir);
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * One tx per L2 block and no empty blocks: with ethers' default 250 ms cache of eth_blockNumber, tx.wait() can read
 * a stale head and then wait for a next block that only the next tx would bring. The providers here do not cache.
 */
const ethersProvider = () =>
  new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });

test('ethers v6: a transfer is mined, its receipt and block agree, the balance moved', async () => {
  const provider = ethersProvider();
  const wallet = Wallet.fromPhrase(MNEMONIC, provider);
  const to = Wallet.createRandom().address;
  const tx = await wallet.sendTransaction({ to, value: 12345n });
  assert.is(tx.type, 0);
  const receipt = await tx.wait();
  assert.is(receipt?.status, 1);
  const block = await provider.getBlock(receipt!.blockNumber);
  assert.is(block?.hash, receipt?.blockHash);
  assert.equal(block?.transactions, [tx.hash]);
  assert.is(await provider.getBalance(to), 12345n);
  provider.destroy();
});

test('viem: a transfer is mined and read back', async () => {
  const chain = defineChain({
    id: 1001,
    name: 'levitation-dev',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const account = mnemonicToAccount(MNEMONIC, { addressIndex: 1 });
  const wallet = createWalletClient({ account, chain, transport: http(url) });
  const client = createPublicClient({ chain, transport: http(url) });
  const to = '0x000000000000000000000000000000000000bEEF';
  const before = await client.getBalance({ address: to });
  const hash = await wallet.sendTransaction({ to, value: 7n });
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 100 });
  assert.is(receipt.status, 'success');
  assert.is(receipt.type, 'legacy');
  assert.is(await client.getBalance({ address: to }), before + 7n);
  const block = await client.getBlock({ blockNumber: receipt.blockNumber });
  assert.is(block.hash, receipt.blockHash);
});

test('ethers v6: deploy a contract, transact with it, read its event with eth_getLogs and its state with eth_call', async () => {
  const provider = ethersProvider();
  const wallet = Wallet.fromPhrase(MNEMONIC, provider);
  const topic = `0x${'ab'.repeat(32)}`;
  // Any call: slot0 = calldata word, LOG1(topic, word), return it; no calldata: return slot0.
  // biome-ignore format: one line per branch
  const runtime = assemble([
    'CALLDATASIZE', 'ISZERO', ':get', 'JUMPI',
    0, 'CALLDATALOAD', 'DUP1', 0, 'SSTORE', 0, 'MSTORE', BigInt(topic), 32, 0, 'LOG1', 32, 0, 'RETURN',
    '@get', 0, 'SLOAD', 0, 'MSTORE', 32, 0, 'RETURN',
  ]);
  const deploy = await wallet.sendTransaction({ data: deployCode(runtime) });
  const deployed = await deploy.wait();
  const address = deployed!.contractAddress!;
  assert.ok(address);
  assert.is(await provider.getCode(address), runtime);
  const word = `0x${42n.toString(16).padStart(64, '0')}`;
  const tx = await wallet.sendTransaction({ to: address, data: word });
  const receipt = await tx.wait();
  assert.is(receipt?.logs.length, 1);
  const logs = await provider.getLogs({ address, topics: [topic], fromBlock: 0 });
  assert.equal(
    logs.map((l) => [l.transactionHash, l.data]),
    [[tx.hash, word]],
  );
  assert.is(await provider.call({ to: address }), word);
  provider.destroy();
});

test.run();
