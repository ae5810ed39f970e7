/**
 * The L1-status RPC methods over a real trusted chain (txs signed with ethers, executed, sealed through the `l2`
 * decider) and real `l1-sync` events (decided from L1 facts, appended, projected by the runner):
 * zkevm_virtualBatchNumber, zkevm_verifiedBatchNumber, zkevm_isBlockVirtualized, zkevm_isBlockConsolidated,
 * zkevm_consolidatedBlockNumber, the `safe`/`finalized` tags and zkevm_getBatchByNumber's L1 fields — before, after
 * L1 sequenced and verified, and after a reorg undid the verification.
 */
import { HDNodeWallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { batchHashData } from '../../src/batch/index.ts';
import { DEV_MNEMONIC } from '../../src/config/index.ts';
import { type Address, type Hash, type Hex, hexToBytes, keccak256Hex } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  decide,
  evolve,
  initialState,
  L1_SYNC_STREAM_ID,
  type L1BlockHeader,
  type L1Fact,
  type L1SyncCommand,
  type L1SyncState,
  type TrustedBatch,
} from '../../src/streams/l1sync/index.ts';
import { rpcError, rpcResult } from '../support/execution-apis.ts';
import { createL2ChainWriter, type L2ChainWriter } from '../support/l2-chain.ts';
import { CHAIN_ID, GWEI, type ReadRpcNode, startReadRpcNode } from '../support/rpc-node.ts';

const h = (n: number | bigint) => `0x${BigInt(n).toString(16).padStart(64, '0')}` as Hash;
const ZERO = h(0);
const T0 = 1_700_000_000n;
const wallet = (i: number) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
const addr = (w: HDNodeWallet) => w.address.toLowerCase() as Address;
const alice = wallet(1);
const COINBASE = addr(wallet(0));
const SEQUENCER = addr(wallet(1));
const AGGREGATOR = addr(wallet(2));
const MAINNET = h(0x11);
const ROLLUP = h(0x22);
const GER = keccak256Hex(new Uint8Array([...hexToBytes(MAINNET), ...hexToBytes(ROLLUP)]));
const SEQ_TX = h(0x5e0);
const VERIFY_TX = h(0x7e0);

let node: ReadRpcNode;
let chain: L2ChainWriter;
let nonce = 0;
let l1: L1SyncState = initialState();
let revision = -1;

const call = <T = unknown>(method: string, params: unknown[] = []) => rpcResult<T>(node.url, method, params);
const block = (n: bigint): L1BlockHeader => ({
  number: n,
  hash: h(0x100000n + n),
  parentHash: h(0x100000n + n - 1n),
  timestamp: T0 + 1000n + n,
});

async function transfer(): Promise<void> {
  const raw = (await alice.signTransaction({
    type: 0,
    chainId: CHAIN_ID,
    nonce: nonce++,
    gasPrice: GWEI,
    gasLimit: 21_000n,
    to: COINBASE,
    value: 1n,
  })) as Hex;
  await chain.execute(raw);
}

function closed(n: number) {
  const e = chain.history.find((x) => x.type === 'BatchClosed' && x.data.batchNumber === String(n));
  if (e?.type !== 'BatchClosed') throw new Error(`batch ${n} is not closed`);
  return e.data;
}

async function l1Command(c: L1SyncCommand) {
  const events = decide(c, l1);
  const r = await node.store.append(
    L1_SYNC_STREAM_ID,
    envelope(events, { actor: 'synchronizer', at: new Date(0).toISOString() }),
    revision < 0 ? 'no_stream' : revision,
  );
  revision += events.length;
  l1 = events.reduce(evolve, l1);
  await node.runner.waitFor(r.position);
}

test.before(async () => {
  node = await startReadRpcNode();
  chain = createL2ChainWriter({ store: node.store, executor: node.executor, trie: node.trie });
  await chain.genesis(node.genesisRoot, T0);
  await chain.openBatch(T0 + 10n, COINBASE); // batch 1: blocks 1, 2
  await transfer();
  await transfer();
  await chain.closeBatch();
  await chain.openBatch(T0 + 20n, COINBASE, GER); // batch 2: block 3
  await transfer();
  await chain.closeBatch();
  await chain.openBatch(T0 + 30n, COINBASE); // batch 3: block 4
  await transfer();
  await chain.closeBatch();
  await chain.openBatch(T0 + 40n, COINBASE); // batch 4 (open): block 5
  await transfer();
  await node.runner.waitFor(chain.position);
});
test.after(() => node.close());

test('before L1 says anything: only the genesis batch and block 0 are virtual and consolidated', async () => {
  assert.is(await call('zkevm_virtualBatchNumber'), '0x0');
  assert.is(await call('zkevm_verifiedBatchNumber'), '0x0');
  assert.is(await call('zkevm_consolidatedBlockNumber'), '0x0');
  assert.equal(
    [
      await call('zkevm_isBlockVirtualized', ['0x0']),
      await call('zkevm_isBlockConsolidated', ['0x0']),
      await call('zkevm_isBlockVirtualized', ['0x1']),
      await call('zkevm_isBlockConsolidated', ['0x1']),
      await call('zkevm_isBlockVirtualized', ['0x99']),
    ],
    [true, true, false, false, false],
  );
  assert.is((await call<{ number: string }>('eth_getBlockByNumber', ['finalized', false])).number, '0x0');
  const b1 = await call<Record<string, unknown>>('zkevm_getBatchByNumber', ['0x1', false]);
  assert.equal([b1['sendSequencesTxHash'], b1['verifyBatchTxHash']], [null, null]);
  const b0 = await call<Record<string, unknown>>('zkevm_getBatchByNumber', ['0x0', false]);
  assert.equal([b0['sendSequencesTxHash'], b0['verifyBatchTxHash']], [ZERO, ZERO]);
  // Batch 2 carries GER although L1 has not announced it here: the last root the L2 used.
  assert.is(await call('zkevm_getLatestGlobalExitRoot'), GER);
  assert.is(await call('zkevm_getExitRootsByGER', [GER]), null);
});

test('after L1 sequenced batches 1-3 and verified 1-2', async () => {
  const trusted = new Map<bigint, TrustedBatch>();
  const sequenced = [1, 2, 3].map((n) => {
    const d = closed(n);
    trusted.set(BigInt(n), {
      number: BigInt(n),
      batchHashData: batchHashData(d.batchL2Data),
      globalExitRoot: d.globalExitRoot,
      timestamp: BigInt(d.timestamp),
      coinbase: d.coinbase,
      accInputHash: d.accInputHash,
      stateRoot: d.stateRoot,
    });
    return {
      transactions: d.batchL2Data,
      globalExitRoot: d.globalExitRoot,
      timestamp: BigInt(d.timestamp),
      minForcedTimestamp: 0n,
    };
  });
  const facts: [bigint, L1Fact[]][] = [
    [
      200n,
      [{ type: 'UpdateGlobalExitRoot', txHash: h(0xe0), mainnetExitRoot: MAINNET, rollupExitRoot: ROLLUP }],
    ],
    [
      201n,
      [
        {
          type: 'SequenceBatches',
          txHash: SEQ_TX,
          sender: SEQUENCER,
          numBatch: 3n,
          l2Coinbase: COINBASE,
          batches: sequenced,
        },
      ],
    ],
    [
      203n,
      [
        {
          type: 'VerifyBatches',
          txHash: VERIFY_TX,
          numBatch: 2n,
          stateRoot: closed(2).stateRoot,
          aggregator: AGGREGATOR,
        },
      ],
    ],
  ];
  await l1Command({
    type: 'SyncL1Range',
    data: {
      blocks: facts.map(([n, f]) => ({ block: block(n), facts: f })),
      end: block(205n),
      trusted,
      mode: 'trusted',
    },
  });

  assert.is(await call('zkevm_virtualBatchNumber'), '0x3');
  assert.is(await call('zkevm_verifiedBatchNumber'), '0x2');
  assert.is(await call('zkevm_consolidatedBlockNumber'), '0x3');
  const flags = async (m: string) => Promise.all(['0x3', '0x4', '0x5'].map((n) => call(m, [n])));
  assert.equal(await flags('zkevm_isBlockVirtualized'), [true, true, false]);
  assert.equal(await flags('zkevm_isBlockConsolidated'), [true, false, false]);
  for (const tag of ['safe', 'finalized']) {
    assert.is((await call<{ number: string }>('eth_getBlockByNumber', [tag, false])).number, '0x3', tag);
    assert.is((await call<{ number: string }>('zkevm_getBatchByNumber', [tag, false])).number, '0x2', tag);
  }
  const b2 = await call<Record<string, unknown>>('zkevm_getBatchByNumber', ['0x2', false]);
  assert.equal(
    [
      b2['sendSequencesTxHash'],
      b2['verifyBatchTxHash'],
      b2['globalExitRoot'],
      b2['mainnetExitRoot'],
      b2['rollupExitRoot'],
    ],
    [SEQ_TX, VERIFY_TX, GER, MAINNET, ROLLUP],
  );
  const b3 = await call<Record<string, unknown>>('zkevm_getBatchByNumber', ['0x3', true]);
  assert.equal(
    [b3['sendSequencesTxHash'], b3['verifyBatchTxHash'], b3['mainnetExitRoot']],
    [SEQ_TX, null, ZERO],
  );
  const b4 = await call<Record<string, unknown>>('zkevm_getBatchByNumber', ['0x4', false]);
  assert.equal([b4['sendSequencesTxHash'], b4['closed']], [null, false]);
  // The global exit root L1 announced in block 200.
  assert.is(await call('zkevm_getLatestGlobalExitRoot'), GER);
  assert.equal(await call('zkevm_getExitRootsByGER', [GER.toUpperCase().replace('0X', '0x')]), {
    blockNumber: '0xc8',
    timestamp: `0x${(T0 + 1200n).toString(16)}`,
    mainnetExitRoot: MAINNET,
    rollupExitRoot: ROLLUP,
  });
  assert.is(await call('zkevm_getExitRootsByGER', [h(0x33)]), null);
});

test('after an L1 reorg undid the verification', async () => {
  await l1Command({
    type: 'RecordL1Reorg',
    data: { commonAncestor: { number: 201n, hash: block(201n).hash } },
  });
  assert.is(await call('zkevm_verifiedBatchNumber'), '0x0');
  assert.is(await call('zkevm_virtualBatchNumber'), '0x3');
  assert.is(await call('zkevm_consolidatedBlockNumber'), '0x0');
  assert.is(await call('zkevm_isBlockConsolidated', ['0x3']), false);
  assert.is((await call<{ number: string }>('eth_getBlockByNumber', ['finalized', false])).number, '0x0');
  const b2 = await call<Record<string, unknown>>('zkevm_getBatchByNumber', ['0x2', false]);
  assert.equal(
    [b2['sendSequencesTxHash'], b2['verifyBatchTxHash'], b2['mainnetExitRoot']],
    [SEQ_TX, null, MAINNET],
  );
});

test('parameters: a block number is required, the counters take none', async () => {
  assert.is((await rpcError(node.url, 'zkevm_isBlockVirtualized', [])).code, -32602);
  assert.is((await rpcError(node.url, 'zkevm_isBlockConsolidated', ['latest'])).code, -32602);
  assert.is((await rpcError(node.url, 'zkevm_virtualBatchNumber', ['0x1'])).code, -32602);
  assert.is((await rpcError(node.url, 'zkevm_consolidatedBlockNumber', [1])).code, -32602);
  // A uint64 above the highest block number there can be (int64): no such block, not a server fault.
  for (const n of ['0x8000000000000000', '0xffffffffffffffff']) {
    assert.is(await call('zkevm_isBlockVirtualized', [n]), false);
    assert.is(await call('zkevm_isBlockConsolidated', [n]), false);
    assert.is(await call('zkevm_batchNumberByBlockNumber', [n]), null);
  }
});

test.run();
