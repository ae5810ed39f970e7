/**
 * The sequencer's rounds (actors/sequencer/effects.ts) with a pool view and read models that lag behind its appends,
 * as under load: a round takes the pending txs at once and leaves out the txs it finished in appends the view has
 * not applied yet — none is sealed twice or failed as "nonce too low" because the view still lists it — over a
 * real Postgres store, pool intake, executor and projections, with the projection run by hand and the view held
 * where the test says, so the test decides how far behind each is.
 */
import { Wallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSequencerEffects, type SequencerState } from '../../actors/sequencer/index.ts';
import {
  allProjections,
  createProjectionRunner,
  createReadModelDb,
  migrate,
} from '../../projections/index.ts';
import type { ForcedBatchRow } from '../../projections/l1sync/index.ts';
import { getLatestBlock } from '../../projections/l2/index.ts';
import { createPendingPool, getPoolTx, listPending, type PendingPool } from '../../projections/pool/index.ts';
import { createChangeCounter } from '../../projections/progress.ts';
import { readSnapshot, writeSnapshot } from '../../projections/snapshots.ts';
import { encodeBatchL2Data } from '../../src/batch/index.ts';
import { createPgPool } from '../../src/db/index.ts';
import {
  createPostgresEventStore,
  type EventStore,
  type GlobalPosition,
} from '../../src/eventstore/index.ts';
import { createExecutor, createTrieStore } from '../../src/execution/index.ts';
import { type DecodedLegacyTx, decodeRawTx } from '../../src/pool/index.ts';
import { type Address, bytesToHex, type Hash, hexToBytes } from '../../src/primitives/index.ts';
import { createPoolIntake, type PoolIntakeDeps } from '../../src/rpc/pool/index.ts';
import { createInclusionHandoff, type InclusionHandoff } from '../../src/sequencer/index.ts';
import { foldL2, L2_STREAM_ID, type L2Event } from '../../src/streams/l2/index.ts';
import { txStreamId } from '../../src/streams/tx/index.ts';
import { createTestDatabase } from '../support/db.ts';

const CHAIN_ID = 1001n;
const COINBASE = '0x00000000000000000000000000000000000c0ffe' as Address;
const wallet = new Wallet(`0x${'51'.repeat(32)}`);
/** A second funded sender (e.g. to pay `wallet` back). */
const funder = new Wallet(`0x${'52'.repeat(32)}`);
const BALANCE = 10n ** 21n;

/** A real store, pool intake, executor and read models; the projection runs only when the test calls `project`. */
async function harness(
  opts: {
    failAppend?: (call: number) => boolean;
    maxUnprojectedAppends?: number;
    snapshotEvery?: number;
    /** The batches forced on L1 the sequencer is told are pending. @default none */
    forced?: () => ForcedBatchRow[];
    /** Txs per batch. @default 100 */
    maxTxs?: number;
    /** Bytes of batchL2Data per batch. @default 120000 */
    maxBytes?: number;
    /** Batch timeout. @default one hour */
    timeoutMs?: number;
    /** The intake hands txs to the sequencer (direct inclusion), as in a node running both. */
    handoff?: boolean;
    /** The intake's checks read the sequencer's pool view (as with direct inclusion in a node), not the read model. */
    viewAdmission?: boolean;
    /** Pending txs the pool holds. @default 1024 */
    globalQueue?: number;
    /** A pending tx older than this fails `expired`. @default 3 h */
    txLifetimeMs?: number;
    /** How often rounds look for expired txs. @default 10 min */
    txExpiryCheckMs?: number;
    /** Wraps the store the intake appends to (the sequencer's and the view's are the real one). */
    intakeStore?: (store: EventStore) => EventStore;
  } = {},
) {
  const tdb = await createTestDatabase('seq');
  const pool = createPgPool(tdb.url);
  const realStore = await createPostgresEventStore({ pool });
  let appendCalls = 0;
  // The sequencer's appends go through `appendMany`; `failAppend` makes chosen calls fail as a lost connection would.
  const store: EventStore = Object.assign(Object.create(realStore) as EventStore, {
    appendMany: (appends: Parameters<EventStore['appendMany']>[0]) => {
      const call = ++appendCalls;
      return opts.failAppend?.(call)
        ? Promise.reject(new Error('connection terminated'))
        : realStore.appendMany(appends);
    },
  });
  const db = createReadModelDb(tdb.url);
  await migrate(db); // as a node's runner does before any role starts
  const trie = await createTrieStore({ pool });
  const executor = await createExecutor({ store: trie, chainId: CHAIN_ID });
  let projected: GlobalPosition = 0n;
  /** What the sequencer is told the read models reached: `projected`, or a value the test holds. */
  let shown: GlobalPosition | null = null;
  /** Applies the log up to its head now (the runner in a node does this continuously). */
  async function project(): Promise<void> {
    const head = await realStore.headPosition();
    const runner = createProjectionRunner({
      store: realStore,
      db,
      projections: allProjections,
      stopAt: head,
    });
    if (head > 0n) await runner.run();
    projected = head;
    readModels.bump();
  }
  /** Moves when the read models the sequencer is told about move (`project`, `show`), as the runner's watch does. */
  const readModels = createChangeCounter();
  const pendingPool = createPendingPool({ store: realStore, db });
  const handoff = opts.handoff ? createInclusionHandoff() : undefined;
  let offers = 0;
  /** The positions the intake waited for the read models to reach. */
  const waitedFor: GlobalPosition[] = [];
  const intakeDeps: Omit<PoolIntakeDeps, 'waitForReadModels'> = {
    store: opts.intakeStore?.(realStore) ?? realStore,
    db,
    accounts: {
      getAccount: async (address) => {
        const tip = await getLatestBlock(db.pool);
        return tip ? executor.getAccount(tip.stateRoot as Hash, address) : { nonce: 0n, balance: BALANCE };
      },
    },
    limits: {
      chainId: CHAIN_ID,
      minGasPrice: 1n,
      accountQueue: 64,
      globalQueue: opts.globalQueue ?? 1024,
      maxTxBytesSize: 100_132,
      maxTxDataBytesSize: 100_000,
      blockedSenders: new Set<Address>(),
    },
  };
  const intake = createPoolIntake({
    ...intakeDeps,
    ...(opts.viewAdmission
      ? { admissionView: (from: Address, nonce: bigint) => pendingPool.admissionView(from, nonce) }
      : {}),
    waitForReadModels: async (position) => {
      waitedFor.push(position);
      await project();
    },
    ...(handoff
      ? {
          handoff: {
            offer: (received: Parameters<InclusionHandoff['offer']>[0]) => {
              offers++;
              return handoff.offer(received);
            },
          },
        }
      : {}),
  });
  /** The intake of another process: it appends alone, and answers without waiting for the read models. */
  const elsewhere = createPoolIntake({ ...intakeDeps, waitForReadModels: async () => {} });
  const signed = async (nonce: number, gasPrice = 1_000_000_000n, value = 1n) =>
    hexToBytes(
      await wallet.signTransaction({
        type: 0,
        chainId: CHAIN_ID,
        nonce,
        gasPrice,
        gasLimit: 21_000n,
        to: COINBASE,
        value,
      }),
    );
  const send = async (nonce: number, gasPrice?: bigint) =>
    intake.submit(await signed(nonce, gasPrice), '127.0.0.1');
  /** The view as the sequencer last saw it while the test holds it (a view slow to apply the log), else null. */
  let held: { pending: ReturnType<PendingPool['pending']>; position: GlobalPosition } | null = null;
  const view: PendingPool = {
    ...pendingPool,
    pending: () => held?.pending ?? pendingPool.pending(),
    position: () => held?.position ?? pendingPool.position(),
  };
  const following = new AbortController();
  /** The `l2` reads of the sequencer (`from` of each): what a load folds. */
  const l2Reads: (number | undefined)[] = [];
  const effects = () =>
    createSequencerEffects({
      pool: view,
      store: Object.assign(Object.create(store) as EventStore, {
        readStream: (id: string, o?: Parameters<EventStore['readStream']>[1]) => {
          if (id === L2_STREAM_ID && o?.direction !== 'backwards') l2Reads.push(o?.from);
          return store.readStream(id, o);
        },
      }),
      db,
      executor,
      trie,
      genesis: [wallet, funder].map((w) => ({
        address: w.address.toLowerCase(),
        balance: BALANCE,
        nonce: 0n,
      })),
      coinbase: COINBASE,
      limits: {
        maxTxs: opts.maxTxs ?? 100,
        maxBytes: opts.maxBytes ?? 120_000,
        maxGas: 30_000_000n,
        timeoutMs: opts.timeoutMs ?? 3_600_000,
      },
      readModelsPosition: () => shown ?? projected,
      readModelsChanged: readModels,
      ...(opts.maxUnprojectedAppends ? { maxUnprojectedAppends: opts.maxUnprojectedAppends } : {}),
      ...(opts.snapshotEvery ? { snapshotEvery: opts.snapshotEvery } : {}),
      ...(opts.txLifetimeMs !== undefined ? { txLifetimeMs: opts.txLifetimeMs } : {}),
      ...(opts.txExpiryCheckMs !== undefined ? { txExpiryCheckMs: opts.txExpiryCheckMs } : {}),
      pendingForcedBatches: async () => opts.forced?.() ?? [],
      ...(handoff ? { handoff } : {}),
    });
  let sequencer = effects();
  /** The position of the last event the pool's view takes (a tx stream's, or an `L2BlockSealed`). */
  const lastTxEvent = async (): Promise<GlobalPosition> => {
    const { rows } = await pool.query<{ p: string }>(
      `select coalesce(max(position), 0)::text as p from lev_es.events
        where stream_id like 'tx-%' or type = 'L2BlockSealed'`,
    );
    return BigInt(rows[0]!.p);
  };
  let state: SequencerState | null = null;
  const now = Date.now();
  return {
    store: realStore,
    db,
    l2Reads,
    /** The sequencer's pool view (not held). */
    pendingPool,
    /** The harness's clock: what `tick` passes by default. */
    now,
    /** A new sequencer over the same store and database, as after a restart of the process (then `load`). */
    restart: () => {
      sequencer = effects();
    },
    project,
    send,
    /** Submits through another process's intake (no hand-off, the read models not waited for). */
    sendElsewhere: async (nonce: number) => elsewhere.submit(await signed(nonce), '127.0.0.1'),
    /** The hand-off, with `handoff: true`. */
    handoff: () => handoff!,
    /** Txs handed off so far. */
    offers: () => offers,
    /** Resolves once `n` txs were handed off in all. */
    handedOff: async (n: number) => {
      while (offers < n) await new Promise((r) => setImmediate(r));
    },
    waitedFor: () => waitedFor,
    /** The sequencer's `appendMany` calls so far. */
    appendCalls: () => appendCalls,
    projected: () => projected,
    /** Holds the pool's view where it is now (true), as a view slow to apply the log would be, or lets it go. */
    holdView: (hold: boolean) => {
      held = hold ? { pending: pendingPool.pending(), position: pendingPool.position() } : null;
    },
    /** Resolves once the pool's view has applied every tx event appended so far. */
    viewCaughtUp: async () => pendingPool.waitFor(await lastTxEvent()),
    /** Tells the sequencer the read models stay at `position` (null: where they really are). */
    show: (position: GlobalPosition | null) => {
      shown = position;
      readModels.bump();
    },
    state: () => state!,
    /** Loads (as the machine does after a start or a failure). */
    load: async () => {
      state = await sequencer.load(now, following.signal);
    },
    /** A load whose run the test stops (aborts) itself. */
    loadWith: (signal: AbortSignal) => sequencer.load(now, signal),
    /** Submits the signed bytes of tx `nonce` as they are (the same bytes twice: a client's retry). */
    submit: (raw: Uint8Array) => intake.submit(raw, '127.0.0.1'),
    signed,
    /** Whether the sequencer's idle wait (`poolChanged`) ends within a few turns of the event loop. */
    wakesAtOnce: async () => {
      const stop = new AbortController();
      let woke = false;
      const waiting = sequencer.poolChanged(stop.signal).then(() => {
        woke = true;
      });
      for (let i = 0; i < 20 && !woke; i++) await new Promise((r) => setImmediate(r));
      const wokeAtOnce = woke;
      stop.abort(); // ends the wait if it is still on
      await waiting;
      return wokeAtOnce;
    },
    /** A round once the pool's view has every event appended so far (in a node it wakes on the view's change). */
    tick: async (at = now) => {
      if (!held) await pendingPool.waitFor(await lastTxEvent());
      const out = await sequencer.tick(state!, at);
      state = out.state;
      return out.worked;
    },
    /** Every tx sealed once in nonce order, each stream `TxReceived`, `TxIncluded`, the pool saying included. */
    async assertChain(hashes: Hash[]) {
      const l2 = (await realStore.readStream(L2_STREAM_ID)) as unknown as L2Event[];
      const blocks = l2.filter((e) => e.type === 'L2BlockSealed');
      assert.equal(
        blocks.map((e) => (e.type === 'L2BlockSealed' ? [e.data.number, e.data.tx.hash] : null)),
        hashes.map((h, i) => [String(i + 1), h]),
        'each tx sealed once, in nonce order',
      );
      const folded = foldL2(l2);
      assert.is(folded.status === 'empty' ? null : folded.tip.number, BigInt(hashes.length));
      for (const h of hashes) {
        const types = (await realStore.readStream(txStreamId(h))).map((e) => e.type);
        assert.equal(types, ['TxReceived', 'TxIncluded'], `tx ${h}: received and included, nothing else`);
        assert.is((await getPoolTx(db.pool, h))?.status, 'included');
      }
    },
    async close() {
      following.abort();
      await realStore.close?.();
      await db.close();
      await pool.end();
      await tdb.drop();
    },
  };
}

test('a round does not wait for its last append to be projected, and never takes a tx it finished again', async () => {
  const h = await harness();
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const hashes = [await h.send(0), await h.send(1), await h.send(2)];

    assert.ok(await h.tick(), 'the batch opens and three blocks are sealed');
    const state = h.state().l2;
    assert.is(state.status === 'empty' ? null : state.tip.number, 3n);
    assert.ok(h.projected() < (await h.store.headPosition()), 'the read models are behind the last append');
    assert.is(
      (await getPoolTx(h.db.pool, hashes[0]!))?.status,
      'pending',
      'the pool still lists the sealed txs',
    );
    assert.not.ok(await h.tick(), 'the next round finds nothing to do: the three are its own, unprojected');
    await h.project();
    assert.not.ok(await h.tick(), 'nor once they are projected');

    hashes.push(await h.send(3));
    assert.ok(await h.tick());
    await h.project();
    await h.assertChain(hashes);
  } finally {
    await h.close();
  }
});

test('a pool view behind the last append: a round takes none of the txs it finished again, nor fails them', async () => {
  const h = await harness();
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    const hashes = [await h.send(0), await h.send(1)];
    await h.viewCaughtUp();
    h.holdView(true); // from here the view lists txs 0 and 1 as pending, as of a position before the next append
    assert.ok(await h.tick(), 'txs 0 and 1 sealed');
    assert.not.ok(await h.tick(), 'the held view still lists them: neither is sealed again nor failed');
    hashes.push(await h.send(2));
    assert.not.ok(await h.tick(), 'nor is tx 2 seen while the view is held');
    h.holdView(false);
    assert.ok(await h.tick(), 'tx 2 sealed once the view moves');
    assert.not.ok(await h.tick());
    await h.project();
    await h.assertChain(hashes);
  } finally {
    await h.close();
  }
});

test('a pool tx sealed in a batch forced on L1 is not taken again nor failed afterwards', async () => {
  let forced: ForcedBatchRow[] = [];
  const h = await harness({ forced: () => forced });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    const hash = await h.send(0);
    await h.viewCaughtUp();
    const p = (await getPoolTx(h.db.pool, hash))!;
    const blob = encodeBatchL2Data([
      {
        nonce: p.nonce,
        gasPrice: p.gasPrice,
        gas: p.gas,
        to: p.to,
        value: p.value,
        data: p.input,
        chainId: p.chainId,
        v: p.v,
        r: BigInt(p.r),
        s: BigInt(p.s),
      },
    ]);
    // The same signed tx forced on L1.
    forced = [
      {
        forcedBatchNumber: 1n,
        l1BlockNumber: 1n,
        txHash: `0x${'aa'.repeat(32)}`,
        globalExitRoot: `0x${'00'.repeat(32)}`,
        sequencer: COINBASE,
        transactions: bytesToHex(blob),
        timestamp: 0n,
        batchNumber: null,
      },
    ];
    h.holdView(true); // the view still lists the tx as pending while the next rounds run
    assert.ok(await h.tick(), 'the forced batch: the tx sealed in it');
    forced = [];
    assert.not.ok(await h.tick(), 'the held view lists it: not sealed again, not failed');
    h.holdView(false);
    // A later tx moves the view past the forced batch's append: the sequencer's own memory of it is dropped then.
    const next = await h.send(1);
    assert.ok(await h.tick(), 'the next tx sealed');
    assert.not.ok(await h.tick(), 'the view has applied the forced block: the tx is gone from it');
    const blocks = ((await h.store.readStream(L2_STREAM_ID)) as unknown as L2Event[]).filter(
      (e) => e.type === 'L2BlockSealed',
    );
    assert.equal(
      blocks.map((e) => (e.type === 'L2BlockSealed' ? e.data.tx.hash : null)),
      [hash, next],
    );
    assert.equal(
      (await h.store.readStream(txStreamId(hash))).map((e) => e.type),
      ['TxReceived'],
      'no TxFailed on its stream',
    );
    await h.project();
    assert.is((await getPoolTx(h.db.pool, hash))?.status, 'included');
  } finally {
    await h.close();
  }
});

test('a load after a forced batch (the last blocks) appends no TxIncluded to its txs: no crash damage there', async () => {
  let forced: ForcedBatchRow[] = [];
  const h = await harness({ forced: () => forced });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const sent = await h.send(0); // a pool tx first, included: where the walk back would stop
    assert.ok(await h.tick());
    const tx = decodeRawTx(await h.signed(1)) as DecodedLegacyTx; // never in the pool: only forced on L1
    const blob = encodeBatchL2Data([{ ...tx, data: tx.data, r: BigInt(tx.r), s: BigInt(tx.s) }]);
    forced = [
      {
        forcedBatchNumber: 1n,
        l1BlockNumber: 1n,
        txHash: `0x${'aa'.repeat(32)}`,
        globalExitRoot: `0x${'00'.repeat(32)}`,
        sequencer: COINBASE,
        transactions: bytesToHex(blob),
        timestamp: 0n,
        batchNumber: null,
      },
    ];
    assert.ok(await h.tick(), 'the open batch closes');
    assert.ok(await h.tick(), 'the forced batch: its tx sealed, no TxIncluded');
    forced = [];
    const blocks = (await h.store.readStream(L2_STREAM_ID)).filter((e) => e.type === 'L2BlockSealed');
    assert.equal(
      blocks.map((e) => (e.data as { tx: { hash: Hash } }).tx.hash),
      [sent, tx.hash],
    );
    h.restart();
    await h.load();
    assert.equal(await h.store.readStream(txStreamId(tx.hash)), [], 'no stream made for the forced tx');
    assert.equal(
      (await h.store.readStream(txStreamId(sent))).map((e) => e.type),
      ['TxReceived', 'TxIncluded'],
    );
  } finally {
    await h.close();
  }
});

test('a forced tx with an effective percentage below 255 pays that share: its receipt says so, its blob keeps the byte', async () => {
  let forced: ForcedBatchRow[] = [];
  const h = await harness({ forced: () => forced });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    const tx = decodeRawTx(await h.signed(0)) as DecodedLegacyTx;
    const blob = encodeBatchL2Data([
      { ...tx, data: tx.data, r: BigInt(tx.r), s: BigInt(tx.s), effectivePercentage: 63 },
    ]);
    forced = [
      {
        forcedBatchNumber: 1n,
        l1BlockNumber: 1n,
        txHash: `0x${'aa'.repeat(32)}`,
        globalExitRoot: `0x${'00'.repeat(32)}`,
        sequencer: COINBASE,
        transactions: bytesToHex(blob),
        timestamp: 0n,
        batchNumber: null,
      },
    ];
    assert.ok(await h.tick(), 'the forced batch');
    forced = [];
    const [block] = ((await h.store.readStream(L2_STREAM_ID)) as unknown as L2Event[]).flatMap((e) =>
      e.type === 'L2BlockSealed' ? [e.data] : [],
    );
    assert.ok(block);
    assert.is(block.tx.hash, tx.hash);
    assert.is(block.tx.gasPrice, tx.gasPrice.toString(), "the signed price stays the tx's");
    assert.is(block.receipt.effectiveGasPrice, ((tx.gasPrice * 64n) / 256n).toString());
    assert.is(block.tx.batchBlob, bytesToHex(blob));
  } finally {
    await h.close();
  }
});

test('a load when the log ends in events the pool view does not see (a batch closed last) returns at once', async () => {
  const h = await harness();
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis: `l2` events only');
    const started = performance.now();
    await h.load(); // a restart of the role
    assert.ok(performance.now() - started < 5_000, 'the view caught up without waiting for a tx event');
    const hashes = [await h.send(0)];
    assert.ok(await h.tick());
    await h.project();
    await h.assertChain(hashes);
  } finally {
    await h.close();
  }
});

test('a restart appends the TxIncluded a crash left missing after the last blocks, and only those', async () => {
  const h = await harness();
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    const hashes = [await h.send(0)];
    assert.ok(await h.tick());
    hashes.push(await h.send(1), await h.send(2));
    assert.ok(await h.tick());
    // As a crash between the `l2` append and the tx streams' append leaves it (EventStoreDB: two appends): the last
    // round's TxIncluded events are the newest of the log; drop them.
    const dropped = await h.db.pool.query(
      `delete from lev_es.events where type = 'TxIncluded' and stream_id = any($1)`,
      [hashes.slice(1).map((x) => txStreamId(x))],
    );
    assert.is(dropped.rowCount, 2);
    h.restart();
    await h.load();
    for (const x of hashes)
      assert.equal(
        (await h.store.readStream(txStreamId(x))).map((e) => e.type),
        ['TxReceived', 'TxIncluded'],
        `tx ${x}: included once`,
      );
    assert.not.ok(await h.tick(), 'nothing pending: the repaired txs are included');
    await h.project();
    await h.assertChain(hashes);
  } finally {
    await h.close();
  }
});

test('a restart folds from the snapshot: the same state as a fold of the whole stream, and the chain goes on', async () => {
  const h = await harness({ snapshotEvery: 4, maxTxs: 2 });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    const hashes: Hash[] = [];
    for (let n = 0; n < 7; n++) {
      hashes.push(await h.send(n));
      assert.ok(await h.tick()); // batches of two: opened, sealed, closed along the way
    }
    const snapshot = await readSnapshot(h.db.pool, L2_STREAM_ID);
    assert.ok(snapshot && snapshot.revision > 0, 'a snapshot was written');
    const log = (await h.store.readStream(L2_STREAM_ID)) as unknown as L2Event[];
    assert.ok(snapshot.revision < log.length - 1, 'and events were appended after it');
    const before = h.state();

    h.restart();
    h.l2Reads.length = 0;
    await h.load();
    assert.equal(h.state(), before, 'the state the running sequencer had');
    assert.equal(h.state().l2, foldL2(log), 'and a fold of the whole stream');
    assert.equal(
      h.l2Reads,
      [snapshot.revision, snapshot.revision + 1],
      'the load read the event the snapshot names, then the events after it',
    );
    hashes.push(await h.send(7));
    assert.ok(await h.tick());
    await h.project();
    await h.assertChain(hashes);
  } finally {
    await h.close();
  }
});

test('a snapshot that does not fit the log or this code is ignored: the whole stream is folded', async () => {
  const h = await harness({ snapshotEvery: 2 });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    const hashes = [await h.send(0)];
    assert.ok(await h.tick());
    const snapshot = await readSnapshot(h.db.pool, L2_STREAM_ID);
    assert.ok(snapshot);
    const full = foldL2((await h.store.readStream(L2_STREAM_ID)) as unknown as L2Event[]);
    const stored = snapshot.state as { eventId: string; state: unknown };
    const cases: [string, string][] = [
      [
        'another event at its revision',
        `update stream_snapshots set state = json_build_object('eventId', 'x', 'state', state->'state')`,
      ],
      ['an older format', 'update stream_snapshots set format = format - 1'],
      [
        'a state that does not parse',
        `update stream_snapshots set state = json_build_object('eventId', '${stored.eventId}', 'state', '{"status":"open"}'::json)`,
      ],
      ['a revision past the log', 'update stream_snapshots set revision = revision + 100'],
    ];
    for (const [what, sql] of cases) {
      await h.db.pool.query('delete from stream_snapshots');
      await writeSnapshot(h.db.pool, L2_STREAM_ID, snapshot);
      await h.db.pool.query(sql);
      h.restart();
      h.l2Reads.length = 0;
      await h.load();
      assert.equal(h.state().l2, full, what);
      assert.ok(h.l2Reads.includes(0), `${what}: folded from the first event`);
      const replaced = await readSnapshot(h.db.pool, L2_STREAM_ID);
      assert.equal(
        replaced && { revision: replaced.revision, format: replaced.format, state: replaced.state },
        snapshot,
        `${what}: replaced at once by a usable snapshot`,
      );
    }
    hashes.push(await h.send(1));
    assert.ok(await h.tick());
    await h.project();
    await h.assertChain(hashes);
  } finally {
    await h.close();
  }
});

test('an append that fails: the tick fails, and after a load nothing is lost or sealed twice', async () => {
  // appendMany calls: 1 genesis, 2 the first round of txs — which fails.
  const h = await harness({ failAppend: (call) => call === 2 });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const hashes = [await h.send(0), await h.send(1)];
    const err = await h.tick().then(
      () => null,
      (e: Error) => e,
    );
    assert.match(String(err?.message), 'connection terminated');
    await h.project();
    assert.is(h.projected(), await h.store.headPosition());
    // As after a restart of the role: load the log, then work again.
    await h.load();
    const loaded = h.state().l2;
    assert.is(
      loaded.status === 'empty' ? null : loaded.tip.number,
      0n,
      'nothing of the failed round was stored',
    );
    assert.ok(await h.tick(), 'the two txs are sealed now');
    assert.not.ok(await h.tick());
    await h.project();
    await h.assertChain(hashes);
  } finally {
    await h.close();
  }
});

test('read models that stall: past its bound of unprojected appends the sequencer seals nothing until they move', async () => {
  const h = await harness({ maxUnprojectedAppends: 2 });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    h.show(h.projected()); // from here the sequencer is told the read models do not move
    const hashes = [await h.send(0)];
    assert.ok(await h.tick(), 'tx 0 sealed: one append not projected');
    hashes.push(await h.send(1));
    assert.ok(await h.tick(), 'tx 1 sealed: two');
    hashes.push(await h.send(2));
    assert.not.ok(await h.tick(), 'at the bound: tx 2 waits');
    assert.not.ok(
      await h.wakesAtOnce(),
      'the wait for new work does not end at once on tx 2: no spinning rounds',
    );
    assert.not.ok(await h.tick());
    hashes.push(await h.send(3));
    await h.viewCaughtUp();
    assert.ok(await h.wakesAtOnce(), 'a tx arriving later wakes it');
    assert.not.ok(await h.tick(), 'still at the bound');
    assert.not.ok(await h.wakesAtOnce());
    h.show(null); // they catch up
    assert.ok(await h.wakesAtOnce(), 'the read models moving wake it too (not only the poll)');
    assert.ok(await h.tick(), 'tx 2 sealed');
    await h.project();
    await h.assertChain(hashes);
  } finally {
    await h.close();
  }
});

test("a client's retry handed off while the round committing the first copy runs: declined, the next round unaffected", async () => {
  const h = await harness({ handoff: true });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const raw = await h.signed(0);
    const first = h.submit(raw);
    await h.handedOff(1);
    const round = h.tick(); // takes tx 0 at once (nothing else to do first)
    await new Promise((r) => setImmediate(r));
    const retry = h.submit(raw).then(
      () => 'answered',
      (err: Error) => err.message,
    );
    await h.handedOff(2);
    assert.ok(await round);
    const hash0 = await first;
    const next = h.send(1); // the sender's next tx, for the same round as the retry
    await h.handedOff(3);
    const calls = h.appendCalls();
    assert.ok(await h.tick());
    assert.is(h.appendCalls() - calls, 1, 'one commit: the retry did not fail it');
    assert.is(await retry, 'already known');
    const hash1 = await next;
    await h.project();
    await h.assertChain([hash0, hash1]);
  } finally {
    await h.close();
  }
});

test('the batch timeout counts from when the sequencer opened the batch, not from its whole-second timestamp', async () => {
  const h = await harness({ timeoutMs: 2000 });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    await h.send(0);
    const t0 = (Math.floor(Date.now() / 1000) + 1) * 1000 + 999; // x.999 s: its timestamp is x
    assert.ok(await h.tick(t0), 'batch 1 opens and seals tx 0');
    const closes = async () =>
      (await h.store.readStream(L2_STREAM_ID)).filter((e) => e.type === 'BatchClosed').map((e) => e.data);
    assert.not.ok(await h.tick(t0 + 1001), '1001 ms after it opened (2 s after its timestamp): still open');
    assert.equal(await closes(), []);
    assert.ok(await h.tick(t0 + 2000), 'closes at 2 s');
    assert.equal(
      (await closes()).map((d) => (d as { reason: string }).reason),
      ['timeout'],
    );
    // A batch opened before a restart counts from the end of its timestamp's second: never early.
    await h.send(1);
    const t1 = t0 + 3000; // x+3.999 s
    assert.ok(await h.tick(t1), 'batch 2 opens and seals tx 1');
    h.restart();
    await h.load();
    assert.not.ok(await h.tick(t1 + 1999), 'the restarted sequencer: not before 2 s after the second ends');
    assert.ok(await h.tick(t1 + 2000), 'closes then');
    assert.is((await closes()).length, 2);
  } finally {
    await h.close();
  }
});

test('a clock set back while a batch is open: it still closes a batch timeout later, not once the clock is back', async () => {
  const h = await harness({ timeoutMs: 2000 });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const reasons = async () =>
      (await h.store.readStream(L2_STREAM_ID))
        .filter((e) => e.type === 'BatchClosed')
        .map((e) => (e.data as { reason: string }).reason);
    await h.send(0);
    const t0 = h.now;
    assert.ok(await h.tick(t0), 'batch 1 opens and seals tx 0');
    const back = t0 - 3_600_000; // the host clock is set back an hour (an NTP step)
    assert.not.ok(await h.tick(back), 'just after the step: still open');
    assert.ok(await h.tick(back + 2000), 'a batch timeout after the step: closed');
    assert.equal(await reasons(), ['timeout']);
    // A batch opened before a restart, its timestamp ahead of the clock (batch 1's, which the new one cannot go below).
    await h.send(1);
    assert.ok(await h.tick(back + 3000), "batch 2 opens with batch 1's timestamp and seals tx 1");
    h.restart();
    await h.load();
    assert.not.ok(await h.tick(back + 4000), 'the restarted sequencer: still open');
    assert.ok(await h.tick(back + 6000), 'a batch timeout after its first round: closed');
    assert.equal(await reasons(), ['timeout', 'timeout']);
  } finally {
    await h.close();
  }
});

test('a tx that fits no batch (bytes above the batch limit) is invalidated without opening or closing a batch', async () => {
  const h = await harness({ maxBytes: 100 }); // a transfer's blob is about 110 bytes
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const hash = await h.send(0);
    assert.ok(await h.tick());
    const types = (await h.store.readStream(txStreamId(hash))).map((e) => [
      e.type,
      (e.data as { reason?: string }).reason,
    ]);
    assert.equal(types, [
      ['TxReceived', undefined],
      ['TxInvalidated', 'oversized data'],
    ]);
    const l2 = (await h.store.readStream(L2_STREAM_ID)).map((e) => e.type);
    assert.equal(l2, ['L2GenesisCreated'], 'no batch opened for it, none closed over the limit');
  } finally {
    await h.close();
  }
});

test("a client's retry of a tx the last round only received (not ready), before the view lists it: declined", async () => {
  const h = await harness({ handoff: true });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const raw1 = await h.signed(1); // nonce 0 missing: not ready, received alone
    const first = h.submit(raw1);
    await h.handedOff(1);
    h.holdView(true); // the view lags behind the round's append
    const round = h.tick();
    await new Promise((r) => setImmediate(r));
    const retry = h.submit(raw1).then(
      () => 'answered',
      (err: Error) => err.message,
    );
    await h.handedOff(2);
    assert.ok(await round, 'tx 1 received alone');
    const hash1 = await first;
    const zero = h.send(0);
    await h.handedOff(3);
    const calls = h.appendCalls();
    assert.ok(await h.tick());
    assert.is(h.appendCalls() - calls, 1, 'one commit: the retry did not fail it');
    assert.is(await retry, 'already known');
    const blocks = (await h.store.readStream(L2_STREAM_ID)).filter((e) => e.type === 'L2BlockSealed');
    assert.equal(
      blocks.map((e) => (e.data as { tx: { hash: Hash } }).tx.hash),
      [await zero],
      'tx 0 sealed in that round',
    );
    h.holdView(false);
    assert.ok(await h.tick(), 'tx 1 follows once the view lists it');
    await h.project();
    await h.assertChain([await zero, hash1]);
  } finally {
    await h.close();
  }
});

test("a tx invalid in a round: the same sender's later txs of that round wait behind the gap, not invalidated", async () => {
  const h = await harness();
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const fee = 21_000n * 1_000_000_000n;
    // Each admitted on the state before the round: tx 0 then spends the whole balance, so tx 1 cannot pay.
    const t0 = await h.submit(await h.signed(0, 1_000_000_000n, BALANCE - fee));
    const t1 = await h.submit(await h.signed(1));
    const t2 = await h.submit(await h.signed(2));
    assert.ok(await h.tick());
    await h.project();
    const types = async (hash: Hash) => (await h.store.readStream(txStreamId(hash))).map((e) => e.type);
    assert.equal(await types(t0), ['TxReceived', 'TxIncluded']);
    assert.equal(await types(t1), ['TxReceived', 'TxInvalidated']);
    assert.equal(await types(t2), ['TxReceived'], 'tx 2 is not run after tx 1 failed: it waits');
    assert.is((await getPoolTx(h.db.pool, t2))?.status, 'pending');
    assert.not.ok(await h.tick(), 'and later rounds leave it waiting (nonce 1 is missing)');
    assert.equal(await types(t2), ['TxReceived']);
  } finally {
    await h.close();
  }
});

/** Signs a legacy transfer of `w` (to the coinbase unless told). */
const signBy = async (
  w: Wallet,
  f: { nonce: number; gasPrice?: bigint; gasLimit?: bigint; value?: bigint; to?: string },
) =>
  hexToBytes(
    await w.signTransaction({
      type: 0,
      chainId: CHAIN_ID,
      nonce: f.nonce,
      gasPrice: f.gasPrice ?? 1_000_000_000n,
      gasLimit: f.gasLimit ?? 21_000n,
      to: f.to ?? COINBASE,
      value: f.value ?? 1n,
    }),
  );

for (const handoff of [false, true]) {
  test(`a tx invalidated, sent again once it can pay, is received again and sealed (handoff: ${handoff})`, async () => {
    const h = await harness({ handoff, viewAdmission: handoff });
    /**
     * Submits and, with the hand-off, runs the round that takes it — or declines it: a tx the sequencer finished
     * has a stream, which its commit cannot start; the intake then appends it itself. The answer, or the error.
     */
    const submit = async (raw: Uint8Array) => {
      const offers = h.offers();
      let answered = false;
      const answer = h.submit(raw).then(
        (hash) => hash as string,
        (err: Error) => err.message,
      );
      void answer.finally(() => {
        answered = true;
      });
      if (handoff) {
        while (!answered && h.offers() === offers) await new Promise((r) => setImmediate(r));
        if (h.offers() > offers) await h.tick();
      }
      return answer;
    };
    try {
      await h.load();
      assert.ok(await h.tick(), 'genesis');
      await h.project();
      const fee = 21_000n * 1_000_000_000n;
      // Both admitted on the state before the round: tx 0 spends the whole balance, tx 1 then cannot pay.
      const raw0 = await h.signed(0, 1_000_000_000n, BALANCE - fee);
      const raw1 = await h.signed(1);
      const t0 = h.submit(raw0);
      if (handoff) await h.handedOff(1);
      else await t0;
      const t1 = h.submit(raw1);
      if (handoff) await h.handedOff(2);
      else await t1;
      assert.ok(await h.tick());
      const [hash0, hash1] = [(await t0) as Hash, (await t1) as Hash];
      await h.project();
      const types = async (hash: Hash) => (await h.store.readStream(txStreamId(hash))).map((e) => e.type);
      assert.equal(await types(hash1), ['TxReceived', 'TxInvalidated']);
      // Paid back, it can pay for tx 1 again.
      const paid = await submit(await signBy(funder, { nonce: 0, to: wallet.address, value: 10n ** 18n }));
      if (!handoff) assert.ok(await h.tick());
      await h.project();
      assert.is(typeof paid, 'string');

      const again = await submit(raw1);
      assert.is(again, hash1, 'the same tx sent again: its hash, not "already known"');
      assert.equal(await types(hash1), ['TxReceived', 'TxInvalidated', 'TxReceived']);
      const row = await getPoolTx(h.db.pool, hash1);
      assert.equal([row?.status, row?.statusReason], ['pending', null], 'its pool row is pending again');
      assert.is(await submit(raw1), 'already known', 'while it is pending');

      while (await h.tick()) {}
      await h.project();
      assert.equal(await types(hash1), ['TxReceived', 'TxInvalidated', 'TxReceived', 'TxIncluded']);
      assert.is((await getPoolTx(h.db.pool, hash1))?.status, 'included');
      const sealed = (await h.store.readStream(L2_STREAM_ID))
        .filter((e) => e.type === 'L2BlockSealed')
        .map((e) => (e.data as { tx: { hash: Hash } }).tx.hash);
      assert.equal(sealed.filter((x) => x === hash1).length, 1, 'sealed once');
      assert.equal(sealed.filter((x) => x === hash0).length, 1);
      // Included, sent again: its nonce is used (rule 9 comes before "already known").
      assert.is(await submit(raw1), 'nonce too low');
      assert.equal(await types(hash1), ['TxReceived', 'TxInvalidated', 'TxReceived', 'TxIncluded']);
    } finally {
      await h.close();
    }
  });
}

test('a replacement and the TxReplaced of the tx it replaces are one commit: a round right after takes the new one', async () => {
  /** Runs a sequencer round right after each intake append that carried a `TxReceived`, before the intake goes on. */
  let roundAfterReceived: (() => Promise<unknown>) | null = null;
  const h = await harness({
    intakeStore: (store) =>
      Object.assign(Object.create(store) as EventStore, {
        append: async (...args: Parameters<EventStore['append']>) => {
          const out = await store.append(...args);
          if (args[1].some((e) => e.type === 'TxReceived')) await roundAfterReceived?.();
          return out;
        },
        appendMany: async (appends: Parameters<EventStore['appendMany']>[0]) => {
          const out = await store.appendMany(appends);
          if (appends.some((a) => a.events.some((e) => e.type === 'TxReceived')))
            await roundAfterReceived?.();
          return out;
        },
      }),
  });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const old = await h.submit(await signBy(wallet, { nonce: 0, gasPrice: 2_000_000_000n }));
    // The replacement pays more in all (gas × price) at a lower price: the better price would be the old tx's.
    roundAfterReceived = async () => {
      roundAfterReceived = null;
      await h.tick();
    };
    const replacement = await h.submit(
      await signBy(wallet, { nonce: 0, gasPrice: 1_000_000_000n, gasLimit: 50_000n, value: 0n }),
    );
    assert.is(roundAfterReceived, null, 'a round ran between the append and the answer');
    while (await h.tick()) {}
    await h.project();
    const types = async (hash: Hash) => (await h.store.readStream(txStreamId(hash))).map((e) => e.type);
    assert.equal(await types(old), ['TxReceived', 'TxReplaced']);
    assert.equal(await types(replacement), ['TxReceived', 'TxIncluded'], 'the tx whose hash the sender got');
    const [received, replaced] = [
      (await h.store.readStream(txStreamId(replacement)))[0]!,
      (await h.store.readStream(txStreamId(old)))[1]!,
    ];
    const { rows } = await h.db.pool.query<{ n: number }>(
      'select count(distinct xmin::text)::int as n from lev_es.events where position = any($1::bigint[])',
      [[received.position, replaced.position].map(String)],
    );
    assert.is(rows[0]!.n, 1, 'one transaction');
  } finally {
    await h.close();
  }
});

test('a handed-off tx: its TxReceived, its block and its TxIncluded in one commit; the answer waits for it', async () => {
  const h = await harness({ handoff: true });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const sent = h.send(0);
    await h.handedOff(1);
    const calls = h.appendCalls();
    assert.ok(await h.tick());
    assert.is(h.appendCalls() - calls, 1, 'one appendMany');
    const hash = await sent;
    const stream = await h.store.readStream(txStreamId(hash));
    assert.equal(
      stream.map((e) => [e.type, e.metadata.actor]),
      [
        ['TxReceived', 'rpc'],
        ['TxIncluded', 'sequencer'],
      ],
    );
    const sealed = (await h.store.readStream(L2_STREAM_ID)).find((e) => e.type === 'L2BlockSealed')!;
    assert.ok(
      stream[0]!.position < sealed.position && sealed.position < stream[1]!.position,
      'received, sealed, included: in log order',
    );
    const { rows } = await h.db.pool.query<{ n: number }>(
      'select count(distinct xmin::text)::int as n from lev_es.events where position = any($1::bigint[])',
      [[stream[0]!.position, sealed.position, stream[1]!.position].map(String)],
    );
    assert.is(rows[0]!.n, 1, 'one transaction');
    assert.ok(
      h.waitedFor().at(-1)! >= stream[1]!.position,
      'the answer waited for the read models to reach it',
    );
    assert.is((await getPoolTx(h.db.pool, hash))?.status, 'included', 'included by the time of the answer');
    await h.assertChain([hash]);
  } finally {
    await h.close();
  }
});

test('a handed-off tx behind a nonce gap waits in the pool (its TxReceived alone) until the gap is filled', async () => {
  const h = await harness({ handoff: true });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const later = h.send(1);
    await h.handedOff(1);
    assert.ok(await h.tick(), 'its TxReceived is appended');
    const second = await later;
    assert.equal(
      (await h.store.readStream(txStreamId(second))).map((e) => e.type),
      ['TxReceived'],
    );
    assert.is((await getPoolTx(h.db.pool, second))?.status, 'pending');

    const earlier = h.send(0);
    await h.handedOff(2);
    assert.ok(await h.tick(), 'the handed-off tx and the pending one behind it');
    const first = await earlier;
    await h.project();
    await h.assertChain([first, second]);
  } finally {
    await h.close();
  }
});

test('a handed-off tx another intake appended first is "already known"; the round takes it from the pool', async () => {
  const h = await harness({ handoff: true });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const first = await h.sendElsewhere(0); // appended, not yet in the pool read model the admission reads
    const again = h.send(0).then(
      () => 'answered',
      (e: Error) => e.message,
    );
    const next = h.send(1); // the sender's lane is free once tx 0 is queued
    await h.handedOff(2);
    const calls = h.appendCalls();
    assert.ok(await h.tick(), 'tx 0 from the pool, tx 1 handed off');
    assert.is(h.appendCalls() - calls, 1, 'one commit');
    assert.is(await again, 'already known');
    const second = await next;
    await h.project();
    await h.assertChain([first, second]);
  } finally {
    await h.close();
  }
});

test('a closed hand-off (the sequencer stopped): the intake appends alone and the tx waits in the pool', async () => {
  const h = await harness({ handoff: true });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    h.handoff().close();
    const hash = await h.send(0); // answers without a round
    assert.equal(
      (await h.store.readStream(txStreamId(hash))).map((e) => e.type),
      ['TxReceived'],
    );
    assert.is((await getPoolTx(h.db.pool, hash))?.status, 'pending');
    assert.ok(await h.tick(), 'a round takes it from the pool');
    await h.project();
    await h.assertChain([hash]);
  } finally {
    await h.close();
  }
});

test('a load stopped while it runs (the role then closed the hand-off) leaves it closed: offers are declined', async () => {
  const h = await harness({ handoff: true });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    h.restart();
    const stop = new AbortController();
    const loading = h.loadWith(stop.signal);
    stop.abort(); // the role stopped the machine outright during the load, and closed the hand-off
    h.handoff().close();
    await loading.catch(() => {});
    const sent = h.send(0);
    await h.handedOff(1);
    await new Promise((r) => setImmediate(r));
    const queued = h.handoff().take();
    for (const q of queued) q.settle({ kind: 'declined' }); // (if queued, no round would ever settle it)
    assert.is(queued.length, 0, 'declined at once, not queued for a sequencer that does not run');
    const hash = await sent;
    assert.equal(
      (await h.store.readStream(txStreamId(hash))).map((e) => e.type),
      ['TxReceived'],
    );
  } finally {
    await h.close();
  }
});

test("a client's retry of a handed-off tx is 'already known' and costs the round nothing", async () => {
  const h = await harness({ handoff: true });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const raw = await h.signed(0);
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'answered',
        (e: Error) => e.message,
      );
    const first = outcome(h.submit(raw));
    const retry = outcome(h.submit(raw)); // the lane is free once the first is queued
    const next = h.send(1);
    await h.handedOff(3);
    const calls = h.appendCalls();
    assert.ok(await h.tick());
    assert.is(h.appendCalls() - calls, 1, 'one commit');
    assert.equal([await first, await retry], ['answered', 'already known']);
    const second = await next;
    await h.project();
    const [hash] = (await h.store.readStream(L2_STREAM_ID))
      .filter((e) => e.type === 'L2BlockSealed')
      .map((e) => (e.data as { tx: { hash: Hash } }).tx.hash);
    await h.assertChain([hash!, second]);
  } finally {
    await h.close();
  }
});

test('a round whose commit fails declines its handed-off txs: the intakes append them, the next round seals them', async () => {
  const h = await harness({ handoff: true, failAppend: (call) => call === 2 });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const sends = [h.send(0), h.send(1)];
    await h.handedOff(2);
    try {
      await h.tick();
      assert.unreachable('the commit fails');
    } catch (err) {
      assert.match((err as Error).message, 'connection terminated');
    }
    const hashes = await Promise.all(sends);
    for (const hash of hashes)
      assert.equal(
        (await h.store.readStream(txStreamId(hash))).map((e) => e.type),
        ['TxReceived'],
      );
    await h.load(); // as after the machine's failure
    assert.ok(await h.tick());
    await h.project();
    await h.assertChain(hashes);
  } finally {
    await h.close();
  }
});

test('a round that closes a batch leaves handed-off txs queued: the next one takes them, with their blocks', async () => {
  const h = await harness({ handoff: true, maxTxs: 1 });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const first = h.send(0);
    await h.handedOff(1);
    assert.ok(await h.tick(), 'a batch opens with tx 0: it is full');
    const hashes = [await first];
    let answered = false;
    const second = h.send(1).then((hash) => {
      answered = true;
      return hash;
    });
    await h.handedOff(2);
    assert.ok(await h.tick(), 'the full batch closes');
    await new Promise((r) => setImmediate(r));
    assert.not.ok(answered, 'tx 1 still waits for a round that takes it');
    assert.ok(await h.tick(), 'a new batch with tx 1');
    hashes.push(await second);
    await h.project();
    await h.assertChain(hashes); // each received and included in one commit, sealed in order
    const { rows } = await h.db.pool.query<{ n: number }>(
      `select count(distinct xmin::text)::int as n from lev_es.events where stream_id = $1`,
      [txStreamId(hashes[1]!)],
    );
    assert.is(rows[0]!.n, 1, "tx 1's TxReceived and TxIncluded in one commit");
  } finally {
    await h.close();
  }
});

test("with the pool view for the intake's checks: a tx the log has but the read model not yet is seen", async () => {
  const h = await harness({ handoff: true, viewAdmission: true });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const first = await h.sendElsewhere(0); // in the log, not yet in the pool read model
    await h.viewCaughtUp();
    let outcome: string | null = null;
    void h.submit(await h.signed(0, 999_999_999n)).then(
      () => (outcome = 'accepted'), // (the read model, which does not show tx 0 yet, would let it in)
      (err: Error) => (outcome = err.message),
    );
    while (outcome === null && h.offers() === 0) await new Promise((r) => setImmediate(r));
    assert.ok(await h.tick());
    while (outcome === null) await new Promise((r) => setImmediate(r));
    assert.is(
      outcome,
      'replacement transaction underpriced',
      'nonce 0 again, a lower price: refused by the view',
    );
    await h.project();
    await h.assertChain([first]);
  } finally {
    await h.close();
  }
});

test('txs behind a nonce gap expire after txLifetimeMs: TxFailed "expired", out of the pool and the view, room again', async () => {
  const LIFETIME = 60_000;
  const h = await harness({ globalQueue: 2, txLifetimeMs: LIFETIME, txExpiryCheckMs: 10_000 });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const gapped = [await h.send(1), await h.send(2)]; // nonce 0 never comes: neither can ever be sealed
    assert.is(await h.send(0).catch((e: Error) => e.message), 'txpool is full');
    assert.not.ok(await h.tick(), 'nothing ready, nothing old enough');
    assert.not.ok(await h.tick(h.now + LIFETIME / 2), 'half their lifetime: still pending');
    assert.ok(await h.tick(h.now + LIFETIME + 60_000), 'past their lifetime: failed');
    for (const hash of gapped) {
      const events = await h.store.readStream(txStreamId(hash));
      assert.equal(
        events.map((e) => [e.type, (e.data as { reason?: string }).reason]),
        [
          ['TxReceived', undefined],
          ['TxFailed', 'expired'],
        ],
      );
    }
    assert.not.ok(await h.tick(h.now + LIFETIME + 61_000), 'the next round: nothing more to fail');
    await h.viewCaughtUp();
    assert.equal(h.pendingPool.pending(), [], "out of the sequencer's view");
    await h.project();
    assert.equal(await listPending(h.db.pool), [], 'out of the pending pool (txpool_*)');
    const row = await getPoolTx(h.db.pool, gapped[0]!);
    assert.equal([row?.status, row?.statusReason], ['failed', 'expired']);
    const next = await h.send(0); // room again
    assert.ok(await h.tick(h.now + LIFETIME + 62_000));
    await h.project();
    await h.assertChain([next]);
  } finally {
    await h.close();
  }
});

test('a ready tx past its lifetime is failed "expired" before the round takes txs: not sealed as well', async () => {
  const LIFETIME = 60_000;
  const h = await harness({ txLifetimeMs: LIFETIME, txExpiryCheckMs: 10_000 });
  try {
    await h.load();
    assert.ok(await h.tick(), 'genesis');
    await h.project();
    const old = await h.send(0);
    assert.ok(await h.tick(h.now + LIFETIME + 60_000), 'the round fails it');
    assert.equal(
      (await h.store.readStream(txStreamId(old))).map((e) => e.type),
      ['TxReceived', 'TxFailed'],
      'failed, not included',
    );
    const blocks = ((await h.store.readStream(L2_STREAM_ID)) as unknown as L2Event[]).filter(
      (e) => e.type === 'L2BlockSealed',
    );
    assert.is(blocks.length, 0, 'no block holds it');
    assert.not.ok(await h.tick(h.now + LIFETIME + 61_000), 'nor does the next round take it');
    const again = await h.send(0, 2_000_000_000n); // its nonce is still free
    assert.ok(await h.tick(h.now + LIFETIME + 62_000));
    await h.project();
    await h.assertChain([again]);
  } finally {
    await h.close();
  }
});

test.run();
