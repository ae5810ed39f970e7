/**
 * The synchronizer against a real Hardhat devnet with the real L1 contracts (deployed by `deployL1Contracts`), a
 * real trusted chain (txs signed with ethers, executed, sealed into `l2`), the real Postgres event store and read
 * models: sequences sent by the trusted sequencer (#1) with the trusted batches' batchL2Data, verifications with a
 * prover attestation, a forced batch; L1 reorgs made with evm_snapshot/evm_revert and other blocks mined — depth 1
 * (removing a sequence), 3 (removing a verification), 10, and one that happened while the node was down; and a
 * trusted reorg that halts the role under the real supervisor with a critical error naming batch and field.
 *
 * L1 is read through raw JSON-RPC only (the synchronizer's own reader): no client-side cache survives a revert.
 * Passes are driven one by one (`tick`), so nothing depends on timing.
 */
import { HDNodeWallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSupervisor } from '../../actors/index.ts';
import {
  createSynchronizerEffects,
  type SynchronizerDeps,
  type SynchronizerEffects,
  type SynchronizerState,
  synchronizerRole,
} from '../../actors/synchronizer/index.ts';
import {
  isBlockVirtualized,
  lastVerifiedBatchNumber,
  lastVirtualBatchNumber,
  latestL1Block,
  listForcedBatches,
  listL1Reorgs,
  listTrustedReorgs,
} from '../../projections/l1sync/index.ts';
import { getBatch } from '../../projections/l2/index.ts';
import { DEV_MNEMONIC } from '../../src/config/index.ts';
import { severityOf } from '../../src/errors/index.ts';
import { ExpectedRevisionConflictError, type RecordedEvent } from '../../src/eventstore/index.ts';
import {
  encodeApprove,
  encodeForceBatch,
  encodeSequenceBatches,
  encodeSequenceForceBatches,
  encodeVerifyBatches,
  feeTokenInterface,
  publicInputsHash,
  rollupInterface,
  signAttestation,
} from '../../src/l1/index.ts';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import {
  L1_SYNC_STREAM_ID,
  type L1SyncEvent,
  type ReorgDetected,
  TrustedReorgError,
} from '../../src/streams/l1sync/index.ts';
import {
  ACCOUNTS,
  AGGREGATOR,
  BATCH_FEE,
  type L1Harness,
  PROVER,
  SEQUENCER,
  startL1Contracts,
} from '../support/l1-contracts.ts';
import { createL2ChainWriter, type L2ChainWriter } from '../support/l2-chain.ts';
import { CHAIN_ID, GWEI, type ReadRpcNode, startReadRpcNode } from '../support/rpc-node.ts';

const ZERO = `0x${'00'.repeat(32)}` as Hash;
const LOCAL_EXIT_ROOT = `0x${'1e'.repeat(32)}` as Hash;
const COINBASE = ACCOUNTS[0]!.address;
const FORCER = ACCOUNTS[5]!;
const BATCHES = 9;

let node: ReadRpcNode;
let l1: L1Harness;
let chain: L2ChainWriter;
let deps: SynchronizerDeps;
let effects: SynchronizerEffects;
let state: SynchronizerState;

const l2Wallet = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/3");

function closed(n: number) {
  const e = chain.history.find((x) => x.type === 'BatchClosed' && x.data.batchNumber === String(n));
  if (e?.type !== 'BatchClosed') throw new Error(`batch ${n} is not closed`);
  return e.data;
}

/** `sequenceBatches` of trusted batches `from`..`to` by the trusted sequencer; returns the tx hash and L1 block. */
async function sequence(from: number, to: number, coinbase: Address = COINBASE) {
  const batches = [];
  for (let n = from; n <= to; n++) {
    const d = closed(n);
    batches.push({
      transactions: d.batchL2Data,
      globalExitRoot: d.globalExitRoot,
      timestamp: BigInt(d.timestamp),
      minForcedTimestamp: 0n,
    });
  }
  const r = await l1.send(SEQUENCER, l1.deployment.rollup, encodeSequenceBatches(batches, coinbase));
  return { txHash: r.transactionHash.toLowerCase() as Hash, block: BigInt(r.blockNumber) };
}

/** `verifyBatchesTrustedAggregator` of `init`+1..`final` with the trusted state root, attested by the prover key. */
async function verify(init: number, final: number) {
  const rollup = l1.deployment.rollup;
  const acc = async (n: number) =>
    n === 0
      ? ZERO
      : ((
          (await l1.view(rollupInterface, rollup, 'sequencedBatches', [n]))[0] as string
        ).toLowerCase() as Hash);
  const oldStateRoot = init === 0 ? node.genesisRoot : (closed(init).stateRoot as Hash);
  const newStateRoot = closed(final).stateRoot as Hash;
  const hash = publicInputsHash({
    aggregator: AGGREGATOR.address,
    oldStateRoot,
    oldAccInputHash: await acc(init),
    initNumBatch: init,
    chainId: 1001n,
    forkId: 5n,
    newStateRoot,
    newAccInputHash: await acc(final),
    newLocalExitRoot: LOCAL_EXIT_ROOT,
    finalNewBatch: final,
  });
  const data = encodeVerifyBatches({
    initNumBatch: BigInt(init),
    finalNewBatch: BigInt(final),
    newLocalExitRoot: LOCAL_EXIT_ROOT,
    newStateRoot,
    proof: signAttestation(hash, PROVER.privateKey),
  });
  const r = await l1.send(AGGREGATOR, rollup, data);
  return r.transactionHash.toLowerCase() as Hash;
}

const snapshot = () => l1.rpc<string>('evm_snapshot');
/** Reverts to `id`, then mines `count` blocks that differ from the orphaned ones (the first carries a transfer). */
async function reorgTo(id: string, count: number) {
  assert.ok(await l1.rpc<boolean>('evm_revert', [id]));
  await l1.send(ACCOUNTS[6]!, ACCOUNTS[7]!.address, '0x');
  if (count > 1) await l1.rpc('hardhat_mine', [`0x${(count - 1).toString(16)}`]);
}
const mine = (count: number) => l1.rpc('hardhat_mine', [`0x${count.toString(16)}`]);
const head = async () => (await l1.head()).number;

/** Runs passes until one has nothing more to do; returns the `l1-sync` events they appended. */
async function syncAll(e = effects): Promise<RecordedEvent<L1SyncEvent>[]> {
  const before = state.revision;
  for (let more = true; more; ) {
    const r = await e.tick(state, Date.now());
    state = r.state;
    more = r.worked;
  }
  await node.runner.waitForCatchUp();
  return (await node.store.readStream(L1_SYNC_STREAM_ID, {
    from: before + 1,
  })) as RecordedEvent<L1SyncEvent>[];
}
const ofType = <T extends L1SyncEvent['type']>(events: RecordedEvent<L1SyncEvent>[], type: T) =>
  events.filter((e): e is RecordedEvent<Extract<L1SyncEvent, { type: T }>> => e.type === type);
const status = async (n: number) => {
  const b = await getBatch(node.db.pool, BigInt(n));
  return b && { status: b.status, seq: b.sequenceTxHash, verify: b.verifyTxHash };
};

test.before(async () => {
  node = await startReadRpcNode();
  l1 = await startL1Contracts({
    genesisRoot: node.genesisRoot,
    forceBatchTimeout: 0n,
    mints: [{ to: FORCER.address, amount: 10n * BATCH_FEE }],
  });
  // the trusted chain: batches 1..9 of one transfer each, timestamps an hour before the L1 head
  const t0 = (await l1.head()).timestamp - 3600n;
  chain = createL2ChainWriter({ store: node.store, executor: node.executor, trie: node.trie });
  await chain.genesis(node.genesisRoot, t0);
  for (let i = 1; i <= BATCHES; i++) {
    await chain.openBatch(t0 + BigInt(i) * 10n, COINBASE);
    const raw = (await l2Wallet.signTransaction({
      type: 0,
      chainId: CHAIN_ID,
      nonce: i - 1,
      gasPrice: GWEI,
      gasLimit: 21_000n,
      to: COINBASE,
      value: BigInt(i),
    })) as Hex;
    await chain.execute(raw);
    await chain.closeBatch();
  }
  await node.runner.waitFor(chain.position);
  deps = {
    store: node.store,
    l1Url: l1.url,
    rollupAddress: l1.deployment.rollup,
    gerManagerAddress: l1.deployment.globalExitRootManager,
    fromBlock: l1.deployment.deploymentBlock,
    mode: 'trusted',
    chunkSize: 100,
    pollMs: 50,
    idleCursorBlocks: 1, // store the cursor on every pass: the tests check it against the head
  };
  effects = createSynchronizerEffects(deps);
  state = await effects.load();
});

test.after(async () => {
  await l1?.stop();
  await node?.close();
});

test('by default a range without facts is stored only once a chunk of L1 blocks has passed', async () => {
  const { idleCursorBlocks: _everyPass, ...defaults } = deps;
  const quiet = createSynchronizerEffects(defaults);
  let s = await quiet.load();
  for (let more = true; more; ) ({ state: s, worked: more } = await quiet.tick(s, Date.now()));
  const revision = s.revision;
  await mine(5);
  for (let more = true; more; ) ({ state: s, worked: more } = await quiet.tick(s, Date.now()));
  assert.is(s.revision, revision, 'five idle blocks: nothing appended');
  await mine(100);
  for (let more = true; more; ) ({ state: s, worked: more } = await quiet.tick(s, Date.now()));
  assert.is(s.revision, revision + 1, 'a full chunk of idle blocks: one L1BlockSynced');
  const [last] = await node.store.readStream(L1_SYNC_STREAM_ID, { direction: 'backwards', limit: 1 });
  assert.is(last?.type, 'L1BlockSynced');
  state = await effects.load(); // the shared effects go on from what this one appended
});

test('sequences, a verification and a forced batch: l1-sync events, read models and RPC', async () => {
  const first = await syncAll();
  assert.equal(ofType(first, 'L1BlockSynced').at(-1)?.data.number, String(await head()));
  assert.equal(ofType(first, 'BatchesVirtualized'), []);

  const s12 = await sequence(1, 2);
  const s3 = await sequence(3, 3);
  const v2 = await verify(0, 2);
  // a forced batch from an EOA: its transactions are only in the calldata
  await l1.send(FORCER, l1.deployment.feeToken, encodeApprove(l1.deployment.rollup, BATCH_FEE));
  await l1.send(FORCER, l1.deployment.rollup, encodeForceBatch('0xc0ffee', BATCH_FEE));

  const events = await syncAll();
  const virtualized = ofType(events, 'BatchesVirtualized');
  assert.equal(
    virtualized.map((e) => [
      e.data.fromBatch,
      e.data.toBatch,
      e.data.txHash,
      e.data.l1Block,
      e.data.sequencer,
    ]),
    [
      ['1', '2', s12.txHash, String(s12.block), SEQUENCER.address],
      ['3', '3', s3.txHash, String(s3.block), SEQUENCER.address],
    ],
  );
  // the accInputHash chained along L1 is the trusted chain's, and the contract's
  assert.equal(
    virtualized.flatMap((e) => e.data.batches.map((b) => b.accInputHash)),
    [1, 2, 3].map((n) => closed(n).accInputHash),
  );
  const onChain = (
    await l1.view(rollupInterface, l1.deployment.rollup, 'sequencedBatches', [3])
  )[0] as string;
  assert.is(virtualized[1]!.data.batches[0]!.accInputHash, onChain.toLowerCase());
  const proofs = ofType(events, 'ProofVerified');
  assert.equal(
    proofs.map((e) => [e.data.fromBatch, e.data.toBatch, e.data.stateRoot, e.data.txHash, e.data.aggregator]),
    [['1', '2', closed(2).stateRoot, v2, AGGREGATOR.address]],
  );
  assert.is(ofType(events, 'GlobalExitRootUpdated').length, 1);
  const forced = ofType(events, 'ForcedBatchObserved');
  assert.equal(
    forced.map((e) => [e.data.forcedBatchNumber, e.data.sequencer, e.data.transactions]),
    [['1', FORCER.address, '0xc0ffee']],
  );
  // every block with facts is stored before them, and the cursor is the head
  assert.ok(events.every((e, i) => e.type === 'L1BlockSynced' || events[i - 1] !== undefined));
  assert.equal(ofType(events, 'L1BlockSynced').at(-1)?.data.number, String(await head()));

  assert.equal(await status(1), { status: 'verified', seq: s12.txHash, verify: v2 });
  assert.equal(await status(3), { status: 'virtual', seq: s3.txHash, verify: null });
  assert.equal(
    [await lastVirtualBatchNumber(node.db.pool), await lastVerifiedBatchNumber(node.db.pool)],
    [3n, 2n],
  );
  assert.equal(
    (await listForcedBatches(node.db.pool)).map((f) => f.transactions),
    ['0xc0ffee'],
  );
  assert.equal((await latestL1Block(node.db.pool))?.number, await head());
  const rpc = async (method: string, params: unknown[] = []) => {
    const res = await fetch(node.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    return ((await res.json()) as { result: unknown }).result;
  };
  assert.equal(
    [
      await rpc('zkevm_virtualBatchNumber'),
      await rpc('zkevm_verifiedBatchNumber'),
      await rpc('zkevm_consolidatedBlockNumber'),
    ],
    ['0x3', '0x2', '0x2'],
  );
  const b1 = (await rpc('zkevm_getBatchByNumber', ['0x1', false])) as Record<string, unknown>;
  assert.equal([b1['sendSequencesTxHash'], b1['verifyBatchTxHash']], [s12.txHash, v2]);
  const feeLeft = (
    await l1.view(feeTokenInterface, l1.deployment.feeToken, 'balanceOf', [FORCER.address])
  )[0];
  assert.is(feeLeft, 9n * BATCH_FEE);
});

test('reorg of depth 1 that removes a sequence; the batch is virtual again once re-sequenced', async () => {
  await syncAll();
  const base = await head();
  const id = await snapshot();
  const s4 = await sequence(4, 4);
  assert.is(s4.block, base + 1n);
  await syncAll();
  assert.equal(await status(4), { status: 'virtual', seq: s4.txHash, verify: null });
  const block4 = closed(4).lastBlock!;

  await reorgTo(id, 2);
  const events = await syncAll();
  const [reorg] = ofType(events, 'ReorgDetected');
  assert.ok(reorg, 'ReorgDetected');
  assert.equal(
    [reorg!.data.depth, reorg!.data.commonAncestor.number, reorg!.data.orphaned.map((b) => b.number)],
    ['1', String(base), [String(base + 1n)]],
  );
  assert.equal([reorg!.data.unvirtualized, reorg!.data.unverified], [['4'], []]);
  assert.equal(events[0]?.type, 'ReorgDetected');
  assert.equal(ofType(events, 'L1BlockSynced').at(-1)?.data.number, String(await head()));
  assert.equal(await status(4), { status: 'trusted', seq: null, verify: null });
  assert.is(await isBlockVirtualized(node.db.pool, BigInt(block4)), false);
  assert.is(await lastVirtualBatchNumber(node.db.pool), 3n);

  const again = await sequence(4, 4);
  await syncAll();
  assert.equal(await status(4), { status: 'virtual', seq: again.txHash, verify: null });
  assert.is(await isBlockVirtualized(node.db.pool, BigInt(block4)), true);
});

test('reorg of depth 3 that removes a verification', async () => {
  await syncAll();
  const base = await head();
  const id = await snapshot();
  const v = await verify(2, 4);
  await mine(2);
  await syncAll();
  assert.equal([await lastVerifiedBatchNumber(node.db.pool), (await status(3))?.verify], [4n, v]);

  await reorgTo(id, 4);
  const events = await syncAll();
  const [reorg] = ofType(events, 'ReorgDetected');
  assert.equal(
    [reorg?.data.depth, reorg?.data.commonAncestor.number, reorg?.data.orphaned.map((b) => b.number)],
    ['3', String(base), [String(base + 3n), String(base + 1n)]],
  );
  assert.equal([reorg?.data.unvirtualized, reorg?.data.unverified], [[], ['3', '4']]);
  assert.equal(
    [await lastVerifiedBatchNumber(node.db.pool), await status(3)],
    [2n, { status: 'virtual', seq: (await status(3))?.seq ?? null, verify: null }],
  );
  // re-verified on the new chain in two steps: batch 3, which the first verification made the synchronizer forget,
  // is compared with the trusted state root again (the trusted view was rebuilt after the reorg)
  const v3 = await verify(2, 3);
  const v4 = await verify(3, 4);
  await syncAll();
  assert.equal(
    [await lastVerifiedBatchNumber(node.db.pool), (await status(3))?.verify, (await status(4))?.verify],
    [4n, v3, v4],
  );
});

test('reorg of depth 10', async () => {
  await syncAll();
  const base = await head();
  const id = await snapshot();
  await sequence(5, 6);
  await mine(9);
  await syncAll();
  assert.is(await lastVirtualBatchNumber(node.db.pool), 6n);

  await reorgTo(id, 12);
  const events = await syncAll();
  const [reorg] = ofType(events, 'ReorgDetected');
  assert.equal(
    [reorg?.data.depth, reorg?.data.commonAncestor.number, reorg?.data.unvirtualized],
    ['10', String(base), ['5', '6']],
  );
  assert.equal(
    reorg?.data.orphaned.map((b) => b.number),
    [String(base + 10n), String(base + 1n)],
  );
  assert.equal(
    [await lastVirtualBatchNumber(node.db.pool), await status(5)],
    [4n, { status: 'trusted', seq: null, verify: null }],
  );
  const reorgs = await listL1Reorgs(node.db.pool);
  assert.equal(
    reorgs.map((r) => r.depth),
    [1n, 3n, 10n],
  );
});

test('a reorg while the node was down is found by the next start', async () => {
  await syncAll();
  const base = await head();
  const id = await snapshot();
  await sequence(5, 5);
  await mine(1);
  await syncAll();
  assert.is(await lastVirtualBatchNumber(node.db.pool), 5n);
  // the node stops; L1 reorganises; a new synchronizer starts from the stream alone
  await reorgTo(id, 3);
  const restarted = createSynchronizerEffects(deps);
  state = await restarted.load();
  const events = await syncAll(restarted);
  assert.equal(events[0]?.type, 'ReorgDetected');
  const data = (events[0] as RecordedEvent<ReorgDetected>).data;
  assert.equal([data.depth, data.commonAncestor.number, data.unvirtualized], ['2', String(base), ['5']]);
  assert.is(await lastVirtualBatchNumber(node.db.pool), 4n);
  effects = restarted;
});

test('a second synchronizer on the same stream is fenced by the expected revision', async () => {
  await syncAll();
  const other = createSynchronizerEffects(deps);
  const otherState = await other.load();
  await mine(1);
  await syncAll(); // this one appends first
  try {
    await other.tick(otherState, Date.now());
    assert.unreachable('the second writer must fail');
  } catch (err) {
    assert.instance(err, ExpectedRevisionConflictError);
  }
});

test('a sequence that differs from the trusted chain halts the role under the supervisor; a restart finds it again', async () => {
  await syncAll();
  const id = await snapshot();
  const bad = await sequence(5, 5, ACCOUNTS[5]!.address); // another l2Coinbase
  const supervisor = createSupervisor({ roles: [synchronizerRole(deps)] });
  supervisor.start();
  const outcome = await supervisor.done;
  assert.is(outcome.status, 'failed');
  if (outcome.status !== 'failed') return;
  assert.is(outcome.role, 'synchronizer');
  assert.match(outcome.error, /batch 5 differs from L1 in coinbase/);
  assert.match(outcome.error, new RegExp(bad.txHash));
  await node.runner.waitForCatchUp();
  const [t] = await listTrustedReorgs(node.db.pool);
  assert.equal(
    [t?.batchNumber, t?.field, t?.trusted, t?.l1, t?.l1BlockNumber],
    [5n, 'coinbase', COINBASE, ACCOUNTS[5]!.address, bad.block],
  );
  // nothing of that block was stored: the cursor stays before it, and a restart meets the divergence again
  assert.ok(((await latestL1Block(node.db.pool))?.number ?? 0n) < bad.block);
  const again = createSynchronizerEffects(deps);
  state = await again.load();
  try {
    await syncAll(again);
    assert.unreachable('the divergence must be found again');
  } catch (err) {
    assert.instance(err, TrustedReorgError);
    assert.is(severityOf(err), 'critical');
    assert.is((err as TrustedReorgError).field, 'coinbase');
  }
  await node.runner.waitForCatchUp();
  assert.is((await listTrustedReorgs(node.db.pool)).length, 2);

  // L1 drops the bad sequence: syncing goes on from the cursor, which L1 still has
  await reorgTo(id, 2);
  state = await again.load();
  const events = await syncAll(again);
  assert.equal(ofType(events, 'ReorgDetected'), []);
  assert.equal(ofType(events, 'TrustedReorgDetected'), []);
  assert.equal((await latestL1Block(node.db.pool))?.number, await head());
});

test('permissionless: a node without the trusted chain records L1 as is, a forced sequence included', async () => {
  // anyone sequences the forced batch of the first test (timeout 0): batch 5, coinbase = the sender
  const [forced] = ofType(
    (await node.store.readStream(L1_SYNC_STREAM_ID)) as RecordedEvent<L1SyncEvent>[],
    'ForcedBatchObserved',
  );
  assert.ok(forced);
  const r = await l1.send(
    FORCER,
    l1.deployment.rollup,
    encodeSequenceForceBatches([
      {
        transactions: forced!.data.transactions,
        globalExitRoot: forced!.data.globalExitRoot,
        minForcedTimestamp: BigInt(forced!.data.timestamp),
      },
    ]),
  );
  const other = await startReadRpcNode();
  try {
    const observer = createSynchronizerEffects({ ...deps, store: other.store, mode: 'permissionless' });
    let s = await observer.load();
    for (let more = true; more; ) ({ state: s, worked: more } = await observer.tick(s, Date.now()));
    await other.runner.waitForCatchUp();
    const events = (await other.store.readStream(L1_SYNC_STREAM_ID)) as RecordedEvent<L1SyncEvent>[];
    const sequences = ofType(events, 'BatchesVirtualized');
    assert.equal(
      sequences.map((e) => [e.data.kind, e.data.fromBatch, e.data.toBatch]),
      [
        ['sequence', '1', '2'],
        ['sequence', '3', '3'],
        ['sequence', '4', '4'],
        ['forced', '5', '5'],
      ],
    );
    const last = sequences.at(-1)!.data;
    const onChain = (
      await l1.view(rollupInterface, l1.deployment.rollup, 'sequencedBatches', [5])
    )[0] as string;
    assert.equal(
      [
        last.txHash,
        last.sequencer,
        last.batches[0]!.coinbase,
        last.batches[0]!.forcedBatchNumber,
        last.batches[0]!.accInputHash,
      ],
      [r.transactionHash.toLowerCase(), FORCER.address, FORCER.address, '1', onChain.toLowerCase()],
    );
    assert.equal(
      ofType(events, 'ProofVerified').map((e) => [e.data.fromBatch, e.data.toBatch]),
      [
        ['1', '2'],
        ['3', '3'],
        ['4', '4'],
      ],
    );
    assert.equal(ofType(events, 'TrustedReorgDetected'), []);
    assert.equal(
      [await lastVirtualBatchNumber(other.db.pool), await lastVerifiedBatchNumber(other.db.pool)],
      [5n, 4n],
    );
    assert.equal(
      (await listForcedBatches(other.db.pool)).map((f) => [f.forcedBatchNumber, f.batchNumber]),
      [[1n, 5n]],
    );
  } finally {
    await other.close();
  }
});

test.run();
