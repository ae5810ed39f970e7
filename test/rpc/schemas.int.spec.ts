/**
 * Every eth_* and txpool_* method served today, called over HTTP against the in-process node, answers what the
 * Ethereum execution-apis schemas (../shared/reference/execution-apis) accept. Pending txs are checked against
 * `PendingTransactionInfo` (the spec's `TransactionInfo` requires a block hash, which a pending tx has not).
 */
import { HDNodeWallet, Wallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resultErrors, schemaErrors } from '../support/execution-apis.ts';
import { rpc } from '../support/node-process.ts';
import { GWEI, type RpcNode, startRpcNode } from '../support/rpc-node.ts';

const wallet = Wallet.fromPhrase('test test test test test test test test test test test junk');
let node: RpcNode;
let pendingHash = '';

test.before(async () => {
  node = await startRpcNode();
  const sign = (nonce: number) =>
    wallet.signTransaction({
      type: 0,
      chainId: 1001,
      nonce,
      gasPrice: GWEI,
      gasLimit: 21000n,
      to: wallet.address,
      value: 1n,
    });
  pendingHash = (await rpc<string>(node.url, 'eth_sendRawTransaction', [await sign(0)])).result!;
  await rpc(node.url, 'eth_sendRawTransaction', [await sign(2)]); // queued behind a gap
});
test.after(() => node.close());

async function check(method: string, params: unknown[] = []) {
  const res = await rpc(node.url, method, params);
  assert.ok('result' in res, `${method}: ${JSON.stringify(res.error)}`);
  assert.equal(resultErrors(method, res.result), [], `${method} → ${JSON.stringify(res.result)}`);
  return res.result;
}

test('eth_chainId, eth_gasPrice', async () => {
  await check('eth_chainId');
  await check('eth_coinbase');
  await check('eth_gasPrice');
});

test('eth_getTransactionCount at latest and pending', async () => {
  assert.is(await check('eth_getTransactionCount', [wallet.address, 'latest']), '0x0');
  assert.is(await check('eth_getTransactionCount', [wallet.address, 'pending']), '0x3');
});

test('eth_sendRawTransaction returns a hash32', async () => {
  const other = HDNodeWallet.fromPhrase(wallet.mnemonic!.phrase, undefined, "m/44'/60'/0'/0/1");
  const raw = await other.signTransaction({
    type: 0,
    chainId: 1001,
    nonce: 0,
    gasPrice: GWEI,
    gasLimit: 21000n,
    to: wallet.address,
  });
  await check('eth_sendRawTransaction', [raw]);
});

test('eth_getTransactionByHash: unknown → notFound; pending → PendingTransactionInfo', async () => {
  assert.is(await check('eth_getTransactionByHash', [`0x${'00'.repeat(32)}`]), null);
  const pending = (await rpc(node.url, 'eth_getTransactionByHash', [pendingHash])).result;
  assert.equal(schemaErrors('PendingTransactionInfo', pending), []);
});

test('txpool_content, txpool_contentFrom, txpool_status', async () => {
  const content = (await check('txpool_content')) as { pending: object; queued: object };
  assert.is(Object.keys(content.pending).length, 2);
  assert.is(Object.keys(content.queued).length, 1);
  await check('txpool_contentFrom', [wallet.address]);
  assert.equal(await check('txpool_status'), { pending: '0x2', queued: '0x1' });
});

test.run();
