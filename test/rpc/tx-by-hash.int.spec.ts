/**
 * `eth_getTransactionByHash` reads the chain, then the pool: a block holding the tx committed between the two reads
 * (the pool row then says `included`) must still answer the mined tx, never null — over the real read models, the
 * block sealed by the executor and projected by the runner at that instant.
 */
import { HDNodeWallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEV_MNEMONIC } from '../../src/config/index.ts';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import { eth_getTransactionByHash } from '../../src/rpc/methods/eth_getTransactionByHash.ts';
import { createL2ChainWriter, type L2ChainWriter } from '../support/l2-chain.ts';
import { rpc } from '../support/node-process.ts';
import { CHAIN_ID, GWEI, type ReadRpcNode, startReadRpcNode } from '../support/rpc-node.ts';

const T0 = 1_700_000_000n;
const wallet = (i: number) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
const alice = wallet(1);
const COINBASE = wallet(0).address.toLowerCase() as Address;

let node: ReadRpcNode;
let chain: L2ChainWriter;

test.before(async () => {
  node = await startReadRpcNode();
  chain = createL2ChainWriter({ store: node.store, executor: node.executor, trie: node.trie });
  await chain.genesis(node.genesisRoot, T0);
  await chain.openBatch(T0 + 10n, COINBASE);
  await node.runner.waitFor(chain.position);
});

test.after(() => node.close());

test('a tx sealed between the chain read and the pool read: the mined tx, not null', async () => {
  const raw = (await alice.signTransaction({
    type: 0,
    chainId: CHAIN_ID,
    nonce: 0,
    gasPrice: GWEI,
    gasLimit: 21_000n,
    to: COINBASE,
    value: 1n,
  })) as Hex;
  const sent = await rpc<Hash>(node.url, 'eth_sendRawTransaction', [raw]);
  const hash = sent.result!;
  assert.ok(hash, JSON.stringify(sent.error));
  assert.is(
    (await rpc<{ blockHash: null }>(node.url, 'eth_getTransactionByHash', [hash])).result?.blockHash,
    null,
  );

  // The real pool, with one pause: after the first read (the chain's, which finds nothing) the block holding the
  // tx is sealed and projected — the pool row is then `included` — before that read's answer comes back.
  const real = node.db.pool;
  let reads = 0;
  const pausing = {
    query: async (...args: Parameters<typeof real.query>) => {
      const result = await (real.query as (...a: unknown[]) => Promise<unknown>)(...args);
      if (++reads === 1) {
        await chain.execute(raw);
        await node.runner.waitFor(chain.position);
      }
      return result;
    },
  };
  const found = await eth_getTransactionByHash.handler([hash as Hash, undefined], {
    ip: '127.0.0.1',
    transport: 'http',
    signal: new AbortController().signal,
    deps: { db: { ...node.db, pool: pausing as unknown as typeof real } },
  });
  assert.ok(found, 'the tx is found');
  assert.is(found.hash, hash);
  const block = await rpc<{ hash: string }>(node.url, 'eth_getBlockByNumber', ['0x1', false]);
  assert.is(found.blockHash, block.result?.hash, 'as mined, with its block');
  assert.equal(found, (await rpc(node.url, 'eth_getTransactionByHash', [hash])).result);
});

test.run();
