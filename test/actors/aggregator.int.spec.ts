/**
 * The aggregator role in-process under the real supervisor with its default policy (as `lev start` runs it), on a
 * real Postgres (event store, read models, archived trie) and a real reference prover over Connect RPC, with L1 at
 * a port where nothing listens (connections refused) for longer than the supervisor's escalation window, then a
 * Hardhat devnet started on that port. Then the aggregator's effects against a Hardhat devnet with the L1 contracts
 * and the real sequence sender, synchronizer, eth-tx-manager and prover: a verification tx an L1 reorg put back in
 * L1's pool is waited for, not sent again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HDNodeWallet } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type AggregatorEffects,
  type AggregatorRoleState,
  aggregatorRole,
  createAggregatorEffects,
} from '../../actors/aggregator/index.ts';
import { createSupervisor, type SupervisorOutput } from '../../actors/index.ts';
import { createSequenceSenderEffects } from '../../actors/sequence-sender/index.ts';
import { createSynchronizerEffects } from '../../actors/synchronizer/index.ts';
import { allProjections, createProjectionRunner, createReadModelDb } from '../../projections/index.ts';
import { lastVerifiedBatchNumber, lastVirtualBatchNumber } from '../../projections/l1sync/index.ts';
import { getBatch } from '../../projections/l2/index.ts';
import { DEV_MNEMONIC, devAccount } from '../../src/config/index.ts';
import { createPgPool } from '../../src/db/index.ts';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import { createTrieStore } from '../../src/execution/index.ts';
import {
  createL1Reads,
  devnetRpc,
  type HardhatDevnet,
  predictL1ContractAddresses,
  rollupInterface,
  startHardhatDevnet,
  verifierInterface,
} from '../../src/l1/index.ts';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import { createProverClient, createReferenceProver, startProverServer } from '../../src/prover/index.ts';
import { AGGREGATOR_STREAM_ID, type AggregatorEvent } from '../../src/streams/aggregator/index.ts';
import type { L1TxSent } from '../../src/streams/l1tx/index.ts';
import { createTestDatabase } from '../support/db.ts';
import { ACCOUNTS, AGGREGATOR, PROVER, startL1Contracts } from '../support/l1-contracts.ts';
import { createL2ChainWriter } from '../support/l2-chain.ts';
import { freePort, until } from '../support/node-process.ts';
import { CHAIN_ID, GWEI, startReadRpcNode } from '../support/rpc-node.ts';
import { account, receiptOf, startManager, stateOf, streamOf, untilAll } from './eth-tx-manager-harness.ts';

const test = suite('actors/aggregator');

type LogLine = { level: string; msg: string; fields: Record<string, unknown> };

test('L1 refusing connections past the escalation window: the role backs off, logs once, goes on when L1 is back', async () => {
  const tdb = await createTestDatabase('aggregator');
  const pool = createPgPool(tdb.url);
  const store = await createPostgresEventStore({ pool });
  const db = createReadModelDb(tdb.url);
  const runner = createProjectionRunner({ store, db, projections: allProjections });
  const running = runner.run();
  const trie = await createTrieStore({ pool });
  const referenceProver = createReferenceProver({
    chainId: 1001n,
    forkId: 5n,
    key: devAccount(4).privateKey,
  });
  const proverServer = await startProverServer({ host: '127.0.0.1', port: 0, prover: referenceProver });
  const prover = createProverClient(proverServer.url);
  const port = await freePort();
  const l1Url = `http://127.0.0.1:${port}`;
  let devnet: HardhatDevnet | undefined;
  const { rollup: rollupAddress, verifier } = predictL1ContractAddresses(devAccount(0).address);

  const lines: LogLine[] = [];
  const blockNumbers: bigint[] = [];
  const restarts: string[] = [];
  const role = aggregatorRole(
    {
      store,
      db,
      trie,
      prover,
      chainId: 1001n,
      forkId: 5n,
      aggregator: devAccount(2).address,
      rollupAddress,
      isRegisteredProver: async (signer: Address) => {
        const data = verifierInterface.encodeFunctionData('isProver', [signer]);
        return BigInt(await devnetRpc<Hex>(l1Url, 'eth_call', [{ to: verifier, data }, 'latest'])) === 1n;
      },
      l1ReceiptBlockHash: async (hash: Hash) =>
        (await devnetRpc<{ blockHash: Hash } | null>(l1Url, 'eth_getTransactionReceipt', [hash]))
          ?.blockHash ?? null,
      l1BlockNumber: async () => {
        const n = BigInt(await devnetRpc<Hex>(l1Url, 'eth_blockNumber'));
        blockNumbers.push(n);
        return n;
      },
      confirmations: 2,
      readModelsReady: () => runner.waitForCatchUp({ timeoutMs: 60_000 }),
      log: (msg, fields, level) => lines.push({ level: level ?? 'info', msg, fields: fields ?? {} }),
    },
    { pollMs: 500 },
  );
  const supervisor = createSupervisor({
    roles: [role],
    onRestart: (_role, _attempt, _delay, error) => restarts.push(error),
  });
  let outcome: SupervisorOutput | null = null;
  void supervisor.done.then((o) => {
    outcome = o;
  });
  try {
    supervisor.start();
    // The default policy escalates after more than 5 failures of a role within 60 s: about 3 s of failing rounds.
    await sleep(10_000);
    assert.is(outcome, null, `the supervisor ended: ${JSON.stringify(outcome)}`);
    assert.equal(restarts, [], 'the role did not fail');
    const down = lines.filter((l) => l.msg.startsWith('L1 is unavailable'));
    assert.is(down.length, 1, 'the outage is logged once');
    assert.is(down[0]!.level, 'warn');
    assert.match(String(down[0]!.fields['reason']), 'eth_blockNumber');
    assert.is(blockNumbers.length, 0);

    devnet = await startHardhatDevnet({ port, chainId: 1337 });
    await until(
      'the aggregator back on L1',
      async () => lines.some((l) => l.msg === 'L1 answers again'),
      60_000,
    );
    // Rounds go on at the poll interval, reading L1.
    const seen = blockNumbers.length;
    await until('more rounds on L1', async () => blockNumbers.length >= seen + 3, 10_000);
    assert.is(outcome, null);
    assert.equal(restarts, []);
    assert.is(lines.filter((l) => l.msg.startsWith('L1 is unavailable')).length, 1);
    assert.is(lines.filter((l) => l.level !== 'info').length, 1, JSON.stringify(lines));
    await supervisor.stop();
    assert.equal(await supervisor.done, { status: 'stopped' });
  } finally {
    await supervisor.stop();
    await devnet?.stop();
    prover.close();
    await proverServer.close();
    await referenceProver.close();
    await runner.stop();
    await running.catch(() => {});
    await db.close();
    await store.close();
    await pool.end();
    await tdb.drop();
  }
});

/**
 * The whole path on a Hardhat devnet with the real L1 contracts: a trusted batch sequenced by the sequence sender
 * and made virtual by the synchronizer, proven by the reference prover, verified through the eth-tx-manager
 * (signing as the aggregator); the L1 reads wired as `lev start` wires them (`createL1Reads`). The rounds of the
 * aggregator, the sender and the synchronizer are driven one by one (`tick`), so the test decides what each sees.
 */
test("a confirmed verification tx a reorg put back in L1's pool is waited for, however many blocks pass, not sent again", async () => {
  const node = await startReadRpcNode();
  const l1 = await startL1Contracts({ genesisRoot: node.genesisRoot });
  const referenceProver = createReferenceProver({ chainId: CHAIN_ID, forkId: 5n, key: PROVER.privateKey });
  const proverServer = await startProverServer({ host: '127.0.0.1', port: 0, prover: referenceProver });
  const prover = createProverClient(proverServer.url);
  const manager = startManager(node, l1.url, { signer: [account(1), account(2)] });
  let automine = true;
  try {
    const reads = createL1Reads(l1.url);
    const coinbase = ACCOUNTS[0]!.address;
    const t0 = (await l1.head()).timestamp - 3600n;
    const chain = createL2ChainWriter({ store: node.store, executor: node.executor, trie: node.trie });
    await chain.genesis(node.genesisRoot, t0);
    const wallet = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/3");
    await chain.openBatch(t0 + 10n, coinbase);
    await chain.execute(
      (await wallet.signTransaction({
        type: 0,
        chainId: CHAIN_ID,
        nonce: 0,
        gasPrice: GWEI,
        gasLimit: 21_000n,
        to: coinbase,
        value: 1n,
      })) as Hex,
    );
    await chain.closeBatch('timeout');
    await node.runner.waitFor(chain.position);
    const batch = 1n;

    const sender = createSequenceSenderEffects({
      store: node.store,
      db: node.db,
      rollupAddress: l1.deployment.rollup,
      sender: ACCOUNTS[1]!.address,
      l1LatestTimestamp: reads.latestTimestamp,
      l1BlockNumber: reads.blockNumber,
      l1ReceiptBlockHash: reads.receiptBlockHash,
      l1TxPending: reads.pendingTx,
      readModelsReady: () => node.runner.waitForCatchUp(),
    });
    const sync = createSynchronizerEffects({
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
    let syncState = await sync.load();
    /** Synchronizer passes until one has nothing more to do (`once`: a single pass), then the read models. */
    const syncL1 = async (once = false) => {
      for (let more = true; more; ) {
        const r = await sync.tick(syncState, Date.now());
        syncState = r.state;
        more = r.worked && !once;
      }
      await node.runner.waitForCatchUp();
    };
    const mine = (count = 1) => l1.rpc('hardhat_mine', [`0x${count.toString(16)}`]);
    const lastVerified = () => lastVerifiedBatchNumber(node.db.pool);
    const verifiedOnL1 = async () =>
      BigInt((await l1.view(rollupInterface, l1.deployment.rollup, 'lastVerifiedBatch'))[0] as bigint);

    const aggLogs: LogLine[] = [];
    const agg: AggregatorEffects = createAggregatorEffects({
      store: node.store,
      db: node.db,
      trie: node.trie,
      prover,
      chainId: CHAIN_ID,
      forkId: 5n,
      aggregator: AGGREGATOR.address,
      rollupAddress: l1.deployment.rollup,
      isRegisteredProver: reads.proverRegistry(l1.deployment.rollup),
      l1ReceiptBlockHash: reads.receiptBlockHash,
      l1TxPending: reads.pendingTx,
      l1BlockNumber: reads.blockNumber,
      confirmations: 1,
      readModelsReady: () => node.runner.waitForCatchUp(),
      log: (msg, fields, level) => aggLogs.push({ level: level ?? 'info', msg, fields: fields ?? {} }),
    });
    let aggState: AggregatorRoleState = await agg.load(Date.now());
    const tickAgg = async () => {
      const r = await agg.tick(aggState, Date.now());
      aggState = r.state;
      return r.worked;
    };
    const aggEvents = async () =>
      (await node.store.readStream(AGGREGATOR_STREAM_ID)) as unknown as AggregatorEvent[];

    // The batch sequenced and virtual.
    let senderState = await sender.load(Date.now());
    const sent = await sender.tick(senderState, Date.now());
    senderState = sent.state;
    assert.ok(sent.worked, 'a sequence sent');
    await untilAll(node.store, [senderState.seq.last!.l1TxId], ['confirmed'], { each: () => mine() });
    await syncL1();
    assert.is(await lastVirtualBatchNumber(node.db.pool), batch);

    // Proven and verified; the snapshot is L1 before the verification.
    const snapshot = await l1.rpc<string>('evm_snapshot');
    await until(
      'the verification queued',
      async () => {
        await tickAgg();
        return aggState.agg.verification !== null;
      },
      60_000,
    );
    const id = aggState.agg.verification!.l1TxId;
    await untilAll(node.store, [id], ['confirmed'], { each: () => mine() });
    const tx = await stateOf(node.store, id);
    assert.ok(tx.status === 'confirmed');
    await syncL1();
    assert.is(await lastVerified(), batch, 'verified');
    const raw = (await streamOf(node.store, id))
      .filter((e) => e.type === 'L1TxSent')
      .map((e) => e.data as L1TxSent['data'])
      .find((d) => d.hash.toLowerCase() === tx.mined.hash.toLowerCase())!.raw;
    const baseFee = (await l1.rpc<{ baseFeePerGas: Hex }>('eth_getBlockByNumber', ['latest', false]))
      .baseFeePerGas;

    // A reorg deeper than the confirmations puts the tx back in L1's pool, where it stays unmined (the base fee is
    // above its fee cap for now) while blocks pass.
    assert.ok(await l1.rpc<boolean>('evm_revert', [snapshot]));
    await l1.rpc('evm_setAutomine', [false]);
    automine = false;
    await l1.rpc('hardhat_setNextBlockBaseFeePerGas', [`0x${(10n ** 15n).toString(16)}`]);
    await l1.rpc('eth_sendRawTransaction', [raw]);
    await mine(2);
    await syncL1(true);
    assert.is(await lastVerified(), batch - 1n, 'the reorg unverified the batch');
    for (let round = 0; round < 5; round++) {
      assert.not.ok(await tickAgg(), `round ${round}: the tx is in L1's pool, nothing sent`);
      await mine();
    }
    const pending = await l1.rpc<{ blockHash: Hash | null }>('eth_getTransactionByHash', [tx.mined.hash]);
    assert.is(pending.blockHash, null, 'still in the pool after 5 blocks');
    assert.ok(
      aggLogs.some((l) => l.msg.startsWith("verification tx back in L1's pool after a reorg")),
      JSON.stringify(aggLogs.map((l) => l.msg)),
    );

    // The fee falls, the tx is mined: the batch is verified again, by it.
    await l1.rpc('hardhat_setNextBlockBaseFeePerGas', [baseFee]);
    await mine();
    await l1.rpc('evm_setAutomine', [true]);
    automine = true;
    assert.is((await receiptOf(l1.url, tx.mined.hash))?.status, '0x1', 'mined');
    assert.not.ok(await tickAgg(), 'the receipt is back: nothing to send');
    await syncL1();
    assert.is(await lastVerified(), batch, 'verified again');
    assert.is(await verifiedOnL1(), batch);
    const events = await aggEvents();
    assert.equal(
      events.filter((e) => e.type === 'VerificationSent').map((e) => e.data.l1TxId),
      [id],
      'sent once',
    );
    assert.equal(
      events.filter((e) => e.type === 'ProofFailed'),
      [],
      'no proof failed',
    );
    assert.not.ok(await tickAgg(), 'verified: nothing more to do');
    assert.equal(manager.errors, []);
    assert.ok((await getBatch(node.db.pool, batch))?.closed);
  } finally {
    if (!automine) await l1.rpc('evm_setAutomine', [true]).catch(() => {});
    manager.stop();
    prover.close();
    await proverServer.close();
    await referenceProver.close();
    await l1.stop();
    await node.close();
  }
});

test.run();
