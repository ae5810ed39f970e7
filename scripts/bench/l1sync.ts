/**
 * L1 catch-up benchmark (issue 4): a Hardhat L1 with the rollup contracts and ~1,000 blocks, 100 of them carrying
 * a `sequenceBatches` of 10 batches of 10 signed transfers (10,000 distinct txs from 100 funded senders); then a
 * synchronizer that has seen nothing (a fresh database, permissionless mode) scans it all: L1 blocks/s and batches/s
 * from the first pass to caught up. Peer: the bare scan — `eth_getLogs` over the same range in the same chunks of
 * 100 blocks, nothing decoded or stored.
 *
 * Re-execution: the permissionless node's L2 builder rebuilds the 1,000 batches from the synced events (senders
 * recovered, blocks, receipts, roots, `l2` appends, trie flushes): txs/s, from a builder whose decoding worker has
 * started. Peer: the sequencer's own execution rate — the same txs run by the executor on a Postgres trie store of a
 * fresh database, one per block, flushed every 200 txs; the rebuilt chain must end on the peer's state root. The
 * sequencer gets its txs with their senders recovered (at pool intake), the rebuild recovers them itself, so the
 * peer is reported twice: `executorAlone` with the senders given (recovery not counted: the strict peer) and
 * `executorWithRecovery` with the single-thread decoding of the same batches (recovery counted on both sides).
 * And the sequencer itself: its real effects (pool reads and ordering, execution into blocks, batches of 10, the
 * `l2` and tx-stream appends, waits for its read models) on the same txs taken from the pool (`sequencer`), ending on
 * the same state root.
 *
 * Then a depth-10 reorg that removes the last sequence (evm_snapshot, a sequence and 9 blocks, evm_revert, 11 other
 * blocks): seconds from the revert to the read models no longer showing those batches virtual (the synchronizer's
 * passes plus the projector; the target is ≤ 2 s).
 *
 *   npm run bench -- l1sync
 */
import { Wallet } from 'ethers';
import pg from 'pg';
import { createSequencerEffects } from '../../actors/sequencer/index.ts';
import { createL2Builder, createSynchronizerEffects } from '../../actors/synchronizer/index.ts';
import { allProjections, createProjectionRunner, createReadModelDb } from '../../projections/index.ts';
import { lastVirtualBatchNumber } from '../../projections/l1sync/index.ts';
import { createPendingPool } from '../../projections/pool/index.ts';
import { decodeBatchL2Data, encodeBatchL2Data } from '../../src/batch/index.ts';
import { createPgPool } from '../../src/db/index.ts';
import { createEventStore, type RecordedEvent } from '../../src/eventstore/index.ts';
import { createExecutor, createTrieStore, type GenesisAllocation } from '../../src/execution/index.ts';
import { encodeSequenceBatches } from '../../src/l1/index.ts';
import { L2_BLOCK_GAS_LIMIT } from '../../src/l2/index.ts';
import { type Address, bytesToHex, type Hash, type Hex, hexToBytes } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import { lastVirtualBatch } from '../../src/streams/l1sync/index.ts';
import { L2_STREAM_ID, type L2Event } from '../../src/streams/l2/index.ts';
import { toTxData, txStreamId } from '../../src/streams/tx/index.ts';
import { decodeSignedLegacyTx, encodeSignedLegacyTx } from '../../src/tx/index.ts';
import { SEQUENCER, startL1Contracts, ZERO_HASH } from '../../test/support/l1-contracts.ts';

const SEQUENCES = 100;
const BATCHES_PER_SEQUENCE = 10;
const TXS_PER_BATCH = 10;
const BLOCKS = 1000;
const COINBASE = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as Address;
const SENDERS = 100;

export async function benchL1Sync(opts: { url: string }): Promise<Record<string, number>> {
  // Batch k holds 10 transfers of sender k % 100 (nonces 10·⌊k/100⌋ …), so every tx is valid in chain order.
  const senders = Array.from(
    { length: SENDERS },
    (_, i) => new Wallet(`0x${(0x1000 + i).toString(16).padStart(64, '0')}`),
  );
  const batchData: Hex[] = [];
  for (let k = 0; k < SEQUENCES * BATCHES_PER_SEQUENCE; k++) {
    const wallet = senders[k % SENDERS]!;
    const txs = [];
    for (let i = 0; i < TXS_PER_BATCH; i++) {
      const raw = await wallet.signTransaction({
        type: 0,
        chainId: 1001n,
        nonce: TXS_PER_BATCH * Math.floor(k / SENDERS) + i,
        gasPrice: 1_000_000_000n,
        gasLimit: 21_000n,
        to: COINBASE,
        value: 1n,
      });
      txs.push(decodeSignedLegacyTx(hexToBytes(raw as Hex)));
    }
    batchData.push(bytesToHex(encodeBatchL2Data(txs)));
  }
  const genesis: GenesisAllocation[] = senders.map((w) => ({
    address: w.address.toLowerCase(),
    balance: 10n ** 24n,
    nonce: 0n,
  }));
  const batchL2Data = hexToBytes(batchData[0]!);
  // Signed before L1 starts: an idle keep-alive connection to it would be closed under the signing.
  const l1 = await startL1Contracts();
  try {
    const first = (await l1.head()).number;
    let timestamp = (await l1.head()).timestamp - 100_000n;
    for (let s = 0; s < SEQUENCES; s++) {
      const batches = Array.from({ length: BATCHES_PER_SEQUENCE }, (_, b) => ({
        transactions: batchData[s * BATCHES_PER_SEQUENCE + b]!,
        globalExitRoot: ZERO_HASH as Hash,
        timestamp: timestamp++,
        minForcedTimestamp: 0n,
      }));
      await l1.send(SEQUENCER, l1.deployment.rollup, encodeSequenceBatches(batches, COINBASE));
      const per = Math.floor(BLOCKS / SEQUENCES) - 1;
      if (per > 0) await l1.rpc('hardhat_mine', [`0x${per.toString(16)}`]);
    }
    const head = (await l1.head()).number;

    // The peer: the bare scan.
    const fromBlock = l1.deployment.deploymentBlock;
    let started = performance.now();
    for (let from = fromBlock; from <= head; from += 100n) {
      const to = from + 99n < head ? from + 99n : head;
      await l1.rpc('eth_getLogs', [
        {
          fromBlock: `0x${from.toString(16)}`,
          toBlock: `0x${to.toString(16)}`,
          address: [l1.deployment.rollup, l1.deployment.globalExitRootManager],
        },
      ]);
    }
    const bareSeconds = (performance.now() - started) / 1000;

    // Ours: a synchronizer on a fresh store, from the deployment block to the head.
    const pool = createPgPool(opts.url);
    const store = await createEventStore({ kind: 'postgres', pool });
    const effects = createSynchronizerEffects({
      store,
      l1Url: l1.url,
      rollupAddress: l1.deployment.rollup,
      gerManagerAddress: l1.deployment.globalExitRootManager,
      fromBlock,
      mode: 'permissionless',
      chunkSize: 100,
    });
    started = performance.now();
    let state = await effects.load();
    const syncAll = async () => {
      for (let more = true; more; ) ({ state, worked: more } = await effects.tick(state, Date.now()));
    };
    await syncAll();
    const seconds = (performance.now() - started) / 1000;
    const virtualized = lastVirtualBatch(state.sync);
    if (virtualized !== BigInt(SEQUENCES * BATCHES_PER_SEQUENCE)) {
      throw new Error(`the synchronizer saw ${virtualized} batches, not ${SEQUENCES * BATCHES_PER_SEQUENCE}`);
    }

    // Re-execution. The peer first, on a database of its own: the executor alone over the same txs. L1 idles
    // meanwhile; a ping keeps its keep-alive connection (used again by the reorg below) from being closed.
    const keepAlive = setInterval(() => void l1.head().catch(() => {}), 2000);
    /** A database of its own beside the bench's, by suffix. */
    const freshDatabase = async (suffix: string) => {
      const admin = new pg.Client({ connectionString: opts.url });
      await admin.connect();
      const name = `${new URL(opts.url).pathname.slice(1)}_${suffix}`;
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(opts.url);
      url.pathname = `/${name}`;
      return url.toString();
    };
    const peerPool = createPgPool(await freshDatabase('peer'));
    const peerTrie = await createTrieStore({ pool: peerPool });
    const peerExecutor = await createExecutor({ store: peerTrie, chainId: 1001n });
    let root = await peerExecutor.applyGenesis(genesis);
    await peerTrie.flush();
    // Decoding recovers every sender: timed apart, so the peer is reported both ways (see the header).
    started = performance.now();
    const decoded = batchData.map((d) => decodeBatchL2Data(d));
    const recoverSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    let executed = 0;
    let blockNumber = 1n;
    for (const txs of decoded) {
      for (const tx of txs) {
        const r = await peerExecutor.executeTx({
          stateRoot: root,
          tx: { ...tx, from: tx.from! },
          block: { number: blockNumber++, timestamp: 1n, coinbase: COINBASE },
        });
        if (!r.valid) throw new Error(`peer: tx ${tx.hash} invalid: ${r.error}`);
        root = r.stateRoot;
        if (++executed % 200 === 0) await peerTrie.flush();
      }
    }
    await peerTrie.flush();
    const peerSeconds = (performance.now() - started) / 1000;
    await peerPool.end();

    const trie = await createTrieStore({ pool });
    const builder = createL2Builder({
      store,
      executor: await createExecutor({ store: trie, chainId: 1001n }),
      trie,
      genesis,
      genesisTimestamp: 0n,
    });
    // Its decoding worker starts with it (a node's starts with the node), as the executors above are made off the
    // clock; building would not wait for it (it decodes on this thread meanwhile).
    await builder.ready();
    started = performance.now();
    let rebuilt = 0;
    for (let n = -1; n !== 0; ) {
      n = await builder.build(Date.now());
      rebuilt += n;
    }
    const rebuildSeconds = (performance.now() - started) / 1000;
    await builder.close();
    clearInterval(keepAlive);
    if (rebuilt !== SEQUENCES * BATCHES_PER_SEQUENCE) throw new Error(`rebuilt ${rebuilt} batches`);
    const txCount = SEQUENCES * BATCHES_PER_SEQUENCE * TXS_PER_BATCH;
    // The same work: every tx made a block, and the chain ends on the peer's state (transfers do not see the time).
    const l2Events = (await store.readStream(L2_STREAM_ID)) as RecordedEvent<L2Event>[];
    const l2Blocks = l2Events.filter((e) => e.type === 'L2BlockSealed').length;
    const lastClosed = l2Events.findLast((e) => e.type === 'BatchClosed');
    if (l2Blocks !== txCount || lastClosed?.type !== 'BatchClosed' || lastClosed.data.stateRoot !== root)
      throw new Error(`rebuilt ${l2Blocks} blocks ending on ${lastClosed?.data.stateRoot}, the peer ${root}`);

    // The sequencer itself on the same txs, on a database of its own: its real effects — pool reads and ordering,
    // execution into blocks, batches of 10 closed by count, the `l2` and tx-stream appends, waiting for its read
    // models — from the pool where intake puts txs (TxReceived appended and projected before the clock starts).
    const seqSeconds = await (async () => {
      const seqPool = createPgPool(await freshDatabase('sequencer'));
      const seqStore = await createEventStore({ kind: 'postgres', pool: seqPool });
      const seqDb = createReadModelDb(seqPool.options.connectionString as string);
      const seqRunner = createProjectionRunner({ store: seqStore, db: seqDb, projections: allProjections });
      const seqRunning = seqRunner.run();
      const received = decoded.flat().map((tx) => {
        const raw = bytesToHex(encodeSignedLegacyTx(tx));
        return {
          streamId: txStreamId(tx.hash),
          expectedRevision: 'no_stream' as const,
          events: envelope(
            [
              {
                type: 'TxReceived' as const,
                data: { ...toTxData({ ...tx, from: tx.from! }), raw, ip: null },
              },
            ],
            { actor: 'rpc', at: new Date().toISOString() },
          ),
        };
      });
      for (let i = 0; i < received.length; i += 500) await seqStore.appendMany(received.slice(i, i + 500));
      await seqRunner.waitForCatchUp({ timeoutMs: 300_000 });
      const seqTrie = await createTrieStore({ pool: seqPool });
      const sequencer = createSequencerEffects({
        store: seqStore,
        db: seqDb,
        executor: await createExecutor({ store: seqTrie, chainId: 1001n }),
        trie: seqTrie,
        genesis,
        genesisTimestamp: 0n,
        coinbase: COINBASE,
        limits: {
          maxTxs: TXS_PER_BATCH,
          maxBytes: 120_000,
          maxGas: L2_BLOCK_GAS_LIMIT,
          timeoutMs: 3_600_000,
        },
        readModelsPosition: () => seqRunner.position(),
        pool: createPendingPool({ store: seqStore, db: seqDb }),
      });
      const following = new AbortController();
      let seq = await sequencer.load(Date.now(), following.signal);
      const t0 = performance.now();
      while (seq.l2.status === 'empty' || seq.l2.tip.number < BigInt(decoded.flat().length)) {
        const r = await sequencer.tick(seq, Date.now());
        if (!r.worked)
          throw new Error(
            `the sequencer stopped at block ${seq.l2.status === 'empty' ? 0 : seq.l2.tip.number}`,
          );
        seq = r.state;
      }
      const elapsed = (performance.now() - t0) / 1000;
      if (seq.l2.tip.stateRoot !== root)
        throw new Error(`the sequencer ended on ${seq.l2.tip.stateRoot}, the peer on ${root}`);
      following.abort();
      await seqRunner.stop();
      await seqRunning.catch(() => {});
      await seqDb.close();
      await seqStore.close();
      await seqPool.end();
      return elapsed;
    })();

    // A depth-10 reorg that removes the last sequence: from evm_revert to the read models saying so.
    const db = createReadModelDb(opts.url);
    const runner = createProjectionRunner({ store, db, projections: allProjections });
    const running = runner.run();
    await runner.waitForCatchUp({ timeoutMs: 120_000 });
    const snapshot = await l1.rpc<string>('evm_snapshot');
    const last = Array.from({ length: BATCHES_PER_SEQUENCE }, () => ({
      transactions: bytesToHex(batchL2Data),
      globalExitRoot: ZERO_HASH as Hash,
      timestamp: timestamp++,
      minForcedTimestamp: 0n,
    }));
    await l1.send(SEQUENCER, l1.deployment.rollup, encodeSequenceBatches(last, COINBASE));
    await l1.rpc('hardhat_mine', ['0x9']);
    await syncAll();
    await runner.waitForCatchUp({ timeoutMs: 120_000 });
    const before = await lastVirtualBatchNumber(db.pool);
    await l1.rpc('evm_revert', [snapshot]);
    await l1.rpc('hardhat_mine', ['0xb']); // a longer branch without the sequence
    const reorgStarted = performance.now();
    await syncAll();
    await runner.waitForCatchUp({ timeoutMs: 120_000 });
    const reorgSeconds = (performance.now() - reorgStarted) / 1000;
    const after = await lastVirtualBatchNumber(db.pool);
    await runner.stop();
    await running.catch(() => {});
    await db.close();
    await store.close();
    await pool.end();
    if (before !== virtualized + BigInt(BATCHES_PER_SEQUENCE) || after !== virtualized) {
      throw new Error(
        `reorg: virtual batches ${before} → ${after}, expected ${virtualized + 10n} → ${virtualized}`,
      );
    }
    const blocks = Number(head - fromBlock + 1n);
    return {
      'l1sync.l1Blocks': blocks,
      'l1sync.sequences': SEQUENCES,
      'l1sync.batches': SEQUENCES * BATCHES_PER_SEQUENCE,
      'l1sync.blocksPerSecond': blocks / seconds,
      'l1sync.batchesPerSecond': (SEQUENCES * BATCHES_PER_SEQUENCE) / seconds,
      'l1sync.bareGetLogs.blocksPerSecond': blocks / bareSeconds,
      'l1sync.vs.bareGetLogs.ratio': bareSeconds / seconds,
      'l1sync.firstBlock': Number(first),
      'l1sync.reorgDepth10.toConsistentReadModels.seconds': reorgSeconds,
      'l1sync.rebuild.txsPerSecond': txCount / rebuildSeconds,
      'l1sync.executorAlone.txsPerSecond': txCount / peerSeconds,
      'l1sync.rebuild.vs.executorAlone.ratio': peerSeconds / rebuildSeconds,
      'l1sync.sequencer.txsPerSecond': txCount / seqSeconds,
      'l1sync.rebuild.vs.sequencer.ratio': seqSeconds / rebuildSeconds,
      'l1sync.executorWithRecovery.txsPerSecond': txCount / (recoverSeconds + peerSeconds),
      'l1sync.rebuild.vs.executorWithRecovery.ratio': (recoverSeconds + peerSeconds) / rebuildSeconds,
    };
  } finally {
    await l1.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { runStandalone } = await import('./standalone.ts');
  await runStandalone('l1sync', benchL1Sync);
}
