/**
 * The sequence sender (actors/sequence-sender/effects.ts) against a real Hardhat devnet with the real L1 contracts, a
 * real trusted chain (txs signed with ethers, executed, sealed into `l2`), the real Postgres event store and read
 * models, the real eth-tx-manager (in-process, signing as the L1 sequencer) and the real synchronizer: a sequence is
 * bounded by the size of its signed L1 tx, not its calldata; after an L1 reorg deeper than the confirmations, a
 * sequence tx the reorg re-included in another block is not sent again, and one the reorg removed is sent again
 * only once its receipt has stayed missing for `lostAfterBlocks` L1 blocks.
 *
 * The sender's and the synchronizer's rounds are driven one by one (`tick`), so the test decides what each sees.
 */
import { HDNodeWallet, Wallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createSequenceSenderEffects,
  MAX_SEQUENCE_TX_SIZE,
  type SequenceSenderEffects,
  type SequenceSenderState,
  sequenceTxSize,
  signedTxSizeBound,
} from '../../actors/sequence-sender/index.ts';
import {
  createSynchronizerEffects,
  type SynchronizerEffects,
  type SynchronizerState,
} from '../../actors/synchronizer/index.ts';
import { lastVirtualBatchNumber } from '../../projections/l1sync/index.ts';
import { getBatch } from '../../projections/l2/index.ts';
import { encodeBatchL2Data } from '../../src/batch/index.ts';
import { DEV_MNEMONIC } from '../../src/config/index.ts';
import { encodeSequenceBatches, rollupInterface, type SequenceBatchData } from '../../src/l1/index.ts';
import { type Address, type Hash, type Hex, hexToBytes } from '../../src/primitives/index.ts';
import type { L1TxSent } from '../../src/streams/l1tx/index.ts';
import { SEQUENCE_SENDER_STREAM_ID, type SequenceSent } from '../../src/streams/sequence/index.ts';
import { decodeSignedLegacyTx } from '../../src/tx/index.ts';
import { ACCOUNTS, type L1Harness, SEQUENCER, startL1Contracts } from '../support/l1-contracts.ts';
import { createL2ChainWriter, type L2ChainWriter } from '../support/l2-chain.ts';
import { CHAIN_ID, GWEI, type ReadRpcNode, startReadRpcNode } from '../support/rpc-node.ts';
import {
  account,
  type RunningManager,
  receiptOf,
  startManager,
  stateOf,
  streamOf,
  untilAll,
} from './eth-tx-manager-harness.ts';

const COINBASE = ACCOUNTS[0]!.address;
/** Bytes of batchL2Data the two large batches carry: both pad to 65280 in the calldata. */
const LARGE_BLOB = 65_270;

let node: ReadRpcNode;
let l1: L1Harness;
let chain: L2ChainWriter;
let manager: RunningManager;
let sender: SequenceSenderEffects;
let senderState: SequenceSenderState;
let sync: SynchronizerEffects;
let syncState: SynchronizerState;
const senderLogs: string[] = [];
let t0 = 0n;
let l2Nonce = 0;

const l2Wallet = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/3");

const signL2 = (data: Hex) =>
  l2Wallet.signTransaction({
    type: 0,
    chainId: CHAIN_ID,
    nonce: l2Nonce,
    gasPrice: GWEI,
    gasLimit: 21_000n + 16n * BigInt((data.length - 2) / 2),
    to: COINBASE,
    value: 1n,
    data,
  }) as Promise<Hex>;

/** Closes the next batch with one tx carrying `dataBytes` bytes of data; returns its number. */
async function addBatch(dataBytes = 0): Promise<bigint> {
  const state = chain.state();
  if (state.status !== 'closed') throw new Error('the chain has no closed batch to follow');
  const n = state.lastBatch.number + 1n;
  await chain.openBatch(t0 + n * 10n, COINBASE);
  await chain.execute(await signL2(`0x${'ab'.repeat(dataBytes)}`));
  l2Nonce++;
  await chain.closeBatch('full_bytes');
  await node.runner.waitFor(chain.position);
  return n;
}

/** The data size that makes a one-tx batch `blob` bytes of batchL2Data. */
async function dataForBlob(blob: number): Promise<number> {
  const probe = 60_000;
  const tx = decodeSignedLegacyTx(hexToBytes(await signL2(`0x${'ab'.repeat(probe)}`)));
  return probe + blob - encodeBatchL2Data([tx]).length;
}

async function tickSender() {
  const r = await sender.tick(senderState, Date.now());
  senderState = r.state;
  return r.worked;
}

/** Synchronizer passes until one has nothing more to do (`once`: a single pass), then the read models catch up. */
async function syncL1(once = false) {
  for (let more = true; more; ) {
    const r = await sync.tick(syncState, Date.now());
    syncState = r.state;
    more = r.worked && !once;
  }
  await node.runner.waitForCatchUp();
}

const mine = (count = 1) => l1.rpc('hardhat_mine', [`0x${count.toString(16)}`]);
const lastVirtual = () => lastVirtualBatchNumber(node.db.pool);
const lastBatchSequenced = async () =>
  BigInt((await l1.view(rollupInterface, l1.deployment.rollup, 'lastBatchSequenced'))[0] as bigint);
const sequencesSent = async () =>
  (await node.store.readStream(SEQUENCE_SENDER_STREAM_ID)).map((e) => (e as unknown as SequenceSent).data);
const sentOf = async (id: string) =>
  (await streamOf(node.store, id))
    .filter((e) => e.type === 'L1TxSent')
    .map((e) => e.data as L1TxSent['data']);

/** Sends the next sequence and waits for its tx confirmed on L1 and its batches virtual; returns its L1 tx id. */
async function sequenceConfirmed(): Promise<string> {
  assert.ok(await tickSender(), 'a sequence sent');
  const id = senderState.seq.last!.l1TxId;
  await untilAll(node.store, [id], ['confirmed'], { each: () => mine() });
  await syncL1();
  assert.is(await lastVirtual(), senderState.seq.lastSentBatch, 'the batches virtual');
  return id;
}

test.before(async () => {
  node = await startReadRpcNode();
  l1 = await startL1Contracts({ genesisRoot: node.genesisRoot });
  t0 = (await l1.head()).timestamp - 3600n;
  chain = createL2ChainWriter({ store: node.store, executor: node.executor, trie: node.trie });
  await chain.genesis(node.genesisRoot, t0);
  await node.runner.waitFor(chain.position);
  manager = startManager(node, l1.url, { signer: account(1) });
  sender = createSequenceSenderEffects({
    store: node.store,
    db: node.db,
    rollupAddress: l1.deployment.rollup,
    sender: SEQUENCER.address,
    l1LatestTimestamp: async () => (await l1.head()).timestamp,
    l1BlockNumber: async () => (await l1.head()).number,
    l1ReceiptBlockHash: async (hash) =>
      ((await receiptOf(l1.url, hash))?.blockHash as Hash | undefined) ?? null,
    l1TxPending: async (hash) => {
      const tx = await l1.rpc<{ blockHash: Hash | null } | null>('eth_getTransactionByHash', [hash]);
      return tx !== null && tx.blockHash === null;
    },
    readModelsReady: () => node.runner.waitForCatchUp(),
    log: (msg, fields) => senderLogs.push(`${msg} ${JSON.stringify(fields ?? {})}`),
  });
  senderState = await sender.load(Date.now());
  sync = createSynchronizerEffects({
    store: node.store,
    l1Url: l1.url,
    rollupAddress: l1.deployment.rollup,
    gerManagerAddress: l1.deployment.globalExitRootManager,
    fromBlock: l1.deployment.deploymentBlock,
    mode: 'trusted',
    chunkSize: 100,
    pollMs: 50,
    idleCursorBlocks: 1,
  });
  syncState = await sync.load();
});

test.after(async () => {
  manager?.stop();
  await l1?.stop();
  await node?.close();
});

test('the size bound covers the signed tx: every field at its widest, exact at the 131072-byte boundary', async () => {
  const wallet = Wallet.createRandom();
  const max = (bytes: number) => (1n << BigInt(8 * bytes)) - 1n;
  for (const size of [0, 1, 55, 56, 200, 255, 256, 65_535, 65_536, 130_880]) {
    const data = `0x${'ab'.repeat(size)}`;
    const to = ACCOUNTS[9]!.address;
    const widest = await wallet.signTransaction({
      type: 2,
      chainId: max(8),
      nonce: Number.MAX_SAFE_INTEGER,
      gasLimit: max(8),
      maxFeePerGas: max(32),
      maxPriorityFeePerGas: max(32),
      to,
      value: 0n,
      data,
    });
    const legacy = await wallet.signTransaction({
      type: 0,
      chainId: max(8) >> 2n,
      nonce: Number.MAX_SAFE_INTEGER,
      gasLimit: max(8),
      gasPrice: max(32),
      to,
      value: 0n,
      data,
    });
    for (const raw of [widest, legacy])
      assert.ok((raw.length - 2) / 2 <= signedTxSizeBound(size), `${size} bytes of calldata`);
  }
  assert.is(signedTxSizeBound(130_880), MAX_SEQUENCE_TX_SIZE, 'the largest calldata that fits');
  assert.is(signedTxSizeBound(130_881), MAX_SEQUENCE_TX_SIZE + 1);
});

test('a sequence is bounded by its signed L1 tx: two batches whose calldata fits 131072 bytes and whose tx does not go in two sequences', async () => {
  const data = await dataForBlob(LARGE_BLOB);
  const b1 = await addBatch(data);
  const b2 = await addBatch(data);
  const rows = [(await getBatch(node.db.pool, b1))!, (await getBatch(node.db.pool, b2))!];
  assert.equal(
    rows.map((r) => (r.batchL2Data!.length - 2) / 2),
    [LARGE_BLOB, LARGE_BLOB],
  );
  const both: SequenceBatchData[] = rows.map((r) => ({
    transactions: r.batchL2Data as Hex,
    globalExitRoot: r.globalExitRoot as Hash,
    timestamp: r.timestamp,
    minForcedTimestamp: 0n,
  }));
  const calldata = (encodeSequenceBatches(both, COINBASE).length - 2) / 2;
  assert.ok(calldata <= MAX_SEQUENCE_TX_SIZE, `the calldata of both fits: ${calldata}`);
  assert.ok(sequenceTxSize(both, COINBASE as Address) > MAX_SEQUENCE_TX_SIZE, 'their signed tx does not');

  const first = await sequenceConfirmed();
  assert.is(first, `sequence-from-${b1}-to-${b1}`, 'the first batch alone');
  const second = await sequenceConfirmed();
  assert.is(second, `sequence-from-${b2}-to-${b2}`);
  for (const id of [first, second]) {
    const [sent] = await sentOf(id);
    const size = (sent!.raw.length - 2) / 2;
    assert.ok(size <= MAX_SEQUENCE_TX_SIZE, `${id}: the signed tx is ${size} bytes`);
  }
  assert.is(await lastBatchSequenced(), b2);
});

test('a confirmed sequence tx a reorg re-included in another L1 block is not sent again; the batch is virtual again with it', async () => {
  const batch = await addBatch();
  const snapshot = await l1.rpc<string>('evm_snapshot');
  const id = await sequenceConfirmed();
  const tx = await stateOf(node.store, id);
  assert.ok(tx.status === 'confirmed');
  const [sent] = await sentOf(id);

  // A reorg deeper than the confirmations: another block first, then the same signed tx in a new block.
  assert.ok(await l1.rpc<boolean>('evm_revert', [snapshot]));
  await l1.send(ACCOUNTS[6]!, ACCOUNTS[7]!.address, '0x');
  await l1.rpc('eth_sendRawTransaction', [sent!.raw]);
  await mine(4);
  const receipt = await receiptOf(l1.url, tx.mined.hash);
  assert.is(receipt?.status, '0x1', 'the tx is on L1');
  assert.is.not(receipt!.blockHash, tx.mined.blockHash, 'in another block');

  await syncL1(true); // the synchronizer records the reorg; it has not synced the new block yet
  assert.is(await lastVirtual(), batch - 1n, 'the batch is not virtual until the new block is synced');
  for (let round = 0; round < 4; round++) {
    assert.not.ok(await tickSender(), `round ${round}: nothing to send`);
    await mine();
  }
  assert.equal(
    (await sequencesSent()).filter((s) => s.fromBatch === String(batch)),
    [{ fromBatch: String(batch), toBatch: String(batch), l1TxId: id }],
    'sent once',
  );
  assert.ok(senderLogs.some((l) => l.startsWith('sequence tx re-included in another L1 block')));

  await syncL1();
  assert.is(await lastVirtual(), batch, 'virtual again');
  assert.is((await getBatch(node.db.pool, batch))?.sequenceTxHash, tx.mined.hash, 'by the same tx');
  assert.is(await lastBatchSequenced(), batch, 'L1 sequenced no copy of it');
});

test("a confirmed sequence tx a reorg put back in L1's pool is waited for, however many blocks pass, not sent again", async () => {
  const batch = await addBatch();
  const snapshot = await l1.rpc<string>('evm_snapshot');
  const id = await sequenceConfirmed();
  const tx = await stateOf(node.store, id);
  assert.ok(tx.status === 'confirmed');
  const [sent] = await sentOf(id);
  const baseFee = (await l1.rpc<{ baseFeePerGas: Hex }>('eth_getBlockByNumber', ['latest', false]))
    .baseFeePerGas;

  // A reorg deeper than the confirmations puts the tx back in L1's pool, where it stays unmined (the base fee is
  // above its fee cap for now) while blocks pass.
  assert.ok(await l1.rpc<boolean>('evm_revert', [snapshot]));
  await l1.rpc('evm_setAutomine', [false]);
  try {
    await l1.rpc('hardhat_setNextBlockBaseFeePerGas', [`0x${(10n ** 15n).toString(16)}`]);
    await l1.rpc('eth_sendRawTransaction', [sent!.raw]);
    await mine(2);
    await syncL1(true);
    assert.is(await lastVirtual(), batch - 1n);
    for (let round = 0; round < 5; round++) {
      assert.not.ok(await tickSender(), `round ${round}: the tx is in L1's pool, nothing sent`);
      await mine();
    }
    const pending = await l1.rpc<{ blockHash: Hash | null }>('eth_getTransactionByHash', [tx.mined.hash]);
    assert.is(pending.blockHash, null, 'still in the pool after 5 blocks');
    assert.ok(senderLogs.some((l) => l.startsWith("sequence tx back in L1's pool after a reorg")));

    // The fee falls, the tx is mined: the batch is virtual again, by it.
    await l1.rpc('hardhat_setNextBlockBaseFeePerGas', [baseFee]);
    await mine();
  } finally {
    await l1.rpc('evm_setAutomine', [true]);
  }
  assert.is((await receiptOf(l1.url, tx.mined.hash))?.status, '0x1', 'mined');
  assert.not.ok(await tickSender(), 'the receipt is back: nothing to send');
  await syncL1();
  assert.is(await lastVirtual(), batch, 'virtual again');
  assert.is((await getBatch(node.db.pool, batch))?.sequenceTxHash, tx.mined.hash, 'by the same tx');
  assert.equal(
    (await sequencesSent()).filter((s) => s.fromBatch === String(batch)),
    [{ fromBatch: String(batch), toBatch: String(batch), l1TxId: id }],
    'sent once',
  );
  assert.is(await lastBatchSequenced(), batch, 'L1 sequenced no copy of it');
});

test('a confirmed sequence tx a reorg removed is sent again once its receipt has stayed missing for 2 L1 blocks', async () => {
  const batch = await addBatch();
  const snapshot = await l1.rpc<string>('evm_snapshot');
  const id = await sequenceConfirmed();

  assert.ok(await l1.rpc<boolean>('evm_revert', [snapshot]));
  await l1.send(ACCOUNTS[6]!, ACCOUNTS[7]!.address, '0x');
  await mine(4);
  await syncL1(true);
  assert.is(await lastVirtual(), batch - 1n);

  assert.not.ok(await tickSender(), 'the receipt missing once: not yet lost');
  assert.not.ok(await tickSender(), 'no L1 block since: not yet lost');
  await mine();
  assert.not.ok(await tickSender(), 'one L1 block since: not yet lost');
  await mine();
  assert.ok(await tickSender(), 'two L1 blocks since: lost, sent again');
  const again = `sequence-from-${batch}-to-${batch}-attempt-2`;
  assert.equal((await sequencesSent()).at(-1), {
    fromBatch: String(batch),
    toBatch: String(batch),
    l1TxId: again,
    resent: true,
  });
  assert.is.not(again, id);

  await untilAll(node.store, [again], ['confirmed'], { each: () => mine() });
  await syncL1();
  assert.is(await lastVirtual(), batch, 'virtual again');
  assert.is(await lastBatchSequenced(), batch);
  assert.equal(manager.errors, []);
});

test.run();
