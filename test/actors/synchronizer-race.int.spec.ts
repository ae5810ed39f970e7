/**
 * The synchronizer when L1 reorganises under a pass, after its cursor check and before its scan: the cursor block
 * is orphaned and the same sequence is mined again two blocks later (so the new fork's facts are not at cursor+1,
 * where the scan would see the broken link). The pass must not halt the node with a critical consistency error: it
 * lets the next pass's reorg check record the reorg, and the passes after it store the sequence again.
 * A real Hardhat devnet with the real L1 contracts, reached through a proxy that makes the reorg at the pass's
 * `eth_blockNumber` (right after the cursor check); the real Postgres store and read models.
 */
import { createServer, type Server } from 'node:http';
import { HDNodeWallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createSynchronizerEffects,
  type SynchronizerDeps,
  type SynchronizerState,
} from '../../actors/synchronizer/index.ts';
import { lastVirtualBatchNumber, listL1Reorgs } from '../../projections/l1sync/index.ts';
import { DEV_MNEMONIC } from '../../src/config/index.ts';
import { encodeSequenceBatches } from '../../src/l1/index.ts';
import type { Hex } from '../../src/primitives/index.ts';
import { storedBlocks } from '../../src/streams/l1sync/index.ts';
import { ACCOUNTS, type L1Harness, SEQUENCER, startL1Contracts } from '../support/l1-contracts.ts';
import { createL2ChainWriter, type L2ChainWriter } from '../support/l2-chain.ts';
import { CHAIN_ID, GWEI, type ReadRpcNode, startReadRpcNode } from '../support/rpc-node.ts';

const COINBASE = ACCOUNTS[0]!.address;
const l2Wallet = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/3");

let node: ReadRpcNode;
let l1: L1Harness;
let chain: L2ChainWriter;
let deps: SynchronizerDeps;
let proxy: Server | undefined;

/** `sequenceBatches` of trusted batch `n` (default 1) by the trusted sequencer; returns its L1 block. */
async function sequenceBatch1(n = 1): Promise<bigint> {
  const e = chain.history.find((x) => x.type === 'BatchClosed' && x.data.batchNumber === String(n));
  if (e?.type !== 'BatchClosed') throw new Error(`batch ${n} is not closed`);
  const batch = {
    transactions: e.data.batchL2Data,
    globalExitRoot: e.data.globalExitRoot,
    timestamp: BigInt(e.data.timestamp),
    minForcedTimestamp: 0n,
  };
  const r = await l1.send(SEQUENCER, l1.deployment.rollup, encodeSequenceBatches([batch], COINBASE));
  return BigInt(r.blockNumber);
}

/** Runs passes of `effects` from `state` until one has nothing more to do. */
async function syncAll(url: string, state: SynchronizerState): Promise<SynchronizerState> {
  const effects = createSynchronizerEffects({ ...deps, l1Url: url });
  let s = state;
  for (let more = true; more; ) {
    const r = await effects.tick(s, Date.now());
    s = r.state;
    more = r.worked;
  }
  await node.runner.waitForCatchUp();
  return s;
}

test.before(async () => {
  node = await startReadRpcNode();
  l1 = await startL1Contracts({ genesisRoot: node.genesisRoot, forceBatchTimeout: 0n });
  const t0 = (await l1.head()).timestamp - 3600n;
  chain = createL2ChainWriter({ store: node.store, executor: node.executor, trie: node.trie });
  await chain.genesis(node.genesisRoot, t0);
  await chain.openBatch(t0 + 10n, COINBASE);
  await chain.execute(
    (await l2Wallet.signTransaction({
      type: 0,
      chainId: CHAIN_ID,
      nonce: 0,
      gasPrice: GWEI,
      gasLimit: 21_000n,
      to: COINBASE,
      value: 1n,
    })) as Hex,
  );
  await chain.closeBatch();
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
    idleCursorBlocks: 1, // the cursor is stored on every pass: it is the sequence's block below
  };
});

test.after(async () => {
  proxy?.close();
  await l1?.stop();
  await node?.close();
});

test('an L1 reorg between the cursor check and the scan is a reorg, not a critical error', async () => {
  let state = await syncAll(l1.url, await createSynchronizerEffects(deps).load());
  const before = (await l1.rpc<string>('evm_snapshot')) as string;
  const first = await sequenceBatch1();
  state = await syncAll(l1.url, state);
  assert.is(state.sync.blocks?.head.number, first, 'the cursor is the sequence block');
  assert.is(await lastVirtualBatchNumber(node.db.pool), 1n);

  let again = 0n;
  let armed = true;
  proxy = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (armed && (JSON.parse(body) as { method: string }).method === 'eth_blockNumber') {
      armed = false; // the pass's head read, right after its cursor check: L1 reorganises now
      assert.ok(await l1.rpc<boolean>('evm_revert', [before]));
      await l1.rpc('hardhat_mine', ['0x2']);
      again = await sequenceBatch1();
    }
    const answer = await fetch(l1.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    res.setHeader('content-type', 'application/json');
    res.end(await answer.text());
  });
  await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  const effects = createSynchronizerEffects({ ...deps, l1Url: url });
  const pass = await effects.tick(state, Date.now()); // threw L1SyncConsistencyError (critical) before
  assert.is(again, first + 2n, 'the same sequence, two blocks later');
  assert.is(pass.state.revision, state.revision, 'that pass stored nothing');
  state = await syncAll(url, pass.state);
  const reorgs = await listL1Reorgs(node.db.pool);
  assert.is(reorgs.length, 1, 'the next pass recorded the reorg');
  assert.ok((state.sync.blocks?.head.number ?? 0n) >= again, 'the cursor moved past the new sequence block');
  assert.is(await lastVirtualBatchNumber(node.db.pool), 1n, 'batch 1 virtual again, from the new fork');
});

test('an L1 reorg between the cursor check and a scan that finds no facts on the new fork is still recorded', async () => {
  // Trusted batch 2, sequenced in the cursor block; the reorg orphans it and the new fork (three blocks long) lacks
  // it: the scan of the new fork finds nothing to contradict, yet the orphaned sequence must not stay virtual.
  const t = (await l1.head()).timestamp - 1800n;
  await chain.openBatch(t, COINBASE);
  await chain.execute(
    (await l2Wallet.signTransaction({
      type: 0,
      chainId: CHAIN_ID,
      nonce: 1,
      gasPrice: GWEI,
      gasLimit: 21_000n,
      to: COINBASE,
      value: 1n,
    })) as Hex,
  );
  await chain.closeBatch();
  await node.runner.waitFor(chain.position);
  let state = await syncAll(l1.url, await createSynchronizerEffects(deps).load());
  const reorgsBefore = (await listL1Reorgs(node.db.pool)).length;
  const before = (await l1.rpc<string>('evm_snapshot')) as string;
  const block = await sequenceBatch1(2);
  state = await syncAll(l1.url, state);
  assert.is(state.sync.blocks?.head.number, block, 'the cursor is the sequence block');
  assert.is(await lastVirtualBatchNumber(node.db.pool), 2n);

  let armed = true;
  proxy?.close();
  proxy = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (armed && (JSON.parse(body) as { method: string }).method === 'eth_blockNumber') {
      armed = false; // right after the cursor check: the sequence block is orphaned, the new fork has no sequence
      assert.ok(await l1.rpc<boolean>('evm_revert', [before]));
      await l1.rpc('hardhat_mine', ['0x3']);
    }
    const answer = await fetch(l1.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    res.setHeader('content-type', 'application/json');
    res.end(await answer.text());
  });
  await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  state = await syncAll(url, state);
  assert.is(armed, false, 'L1 reorganised under a pass');
  assert.is((await listL1Reorgs(node.db.pool)).length, reorgsBefore + 1, 'the reorg is recorded');
  assert.is(await lastVirtualBatchNumber(node.db.pool), 1n, 'batch 2 is no longer virtual');
  assert.ok(
    [...storedBlocks(state.sync)].every((b) => b.number < block || b.number > block),
    'the orphaned sequence block is not stored',
  );

  // The sequence mined again on the new fork is stored (it was a critical consistency error while the orphaned
  // sequence stayed in the state).
  await sequenceBatch1(2);
  state = await syncAll(url, state);
  assert.is(await lastVirtualBatchNumber(node.db.pool), 2n, 'batch 2 virtual again, from the new fork');
});

test.run();
