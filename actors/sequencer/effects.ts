/**
 * The sequencer's I/O (DESIGN §3, §6): fold the `l2` stream, create the genesis, take ready pool txs, execute
 * one per L2 block, seal blocks, open and close batches. The decisions are pure (src/streams/l2 `decide`,
 * src/sequencer policy); this module reads the pool and the state, runs the executor and appends.
 *
 * A tick stages everything it decides (genesis, batch open/close, one L2 block per ready tx, tx-stream events)
 * and commits it as a group: trie nodes flushed, then ONE `appendMany` of the handed-off txs' `TxReceived`, the
 * `l2` events and the tx streams' events (on Postgres one transaction; on EventStoreDB one append per stream in
 * that order, the `l2` append the commit point). Under load that is one fsync'd commit per tick instead of three
 * per block.
 * The pending txs come from the sequencer's own view of the pool (projections/pool/pending.ts), which follows the
 * log: a tx is seen once its `TxReceived` is committed, not once the projector has written it to the pool read
 * model. With an intake in the same process, txs also arrive handed off (src/sequencer/handoff.ts): a round that
 * reaches its txs takes them all, orders them with the pending ones, and appends their `TxReceived` first in its
 * commit — with their blocks when they are ready, alone when they are not.
 * Every `txExpiryCheckMs` a round first fails the pending txs older than `txLifetimeMs` (`expired`, the reference's
 * `TxLifetimeMax`) in a commit of its own, each decided on its stream, and leaves them out: none is both sealed and
 * failed, and txs behind a nonce gap that never fills do not hold the pool (and this view) for good.
 */
import type { ChangeWatch, ReadModelDb } from '../../projections/index.ts';
import type { ForcedBatchRow } from '../../projections/l1sync/index.ts';
import { type PendingPool, type PoolTx, pendingPoolTx } from '../../projections/pool/index.ts';
import { accInputHash, type BatchTx, decodeBatchL2Data, encodeBatchL2Data } from '../../src/batch/index.ts';
import { IllegalStateError } from '../../src/errors/index.ts';
import {
  type EventStore,
  ExpectedRevisionConflictError,
  type GlobalPosition,
  type StreamAppend,
} from '../../src/eventstore/index.ts';
import type { Executor, GenesisAllocation, TrieStore } from '../../src/execution/index.ts';
import { REFERENCE_TX_EXPIRY_CHECK_MS, REFERENCE_TX_LIFETIME_MS } from '../../src/pool/index.ts';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import {
  type BatchLimits,
  closeReason,
  fitsNoBatch,
  type HandedTx,
  type InclusionHandoff,
  type OpenBatchView,
  orderReadyTxs,
} from '../../src/sequencer/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  type BatchCloseReason,
  decide,
  evolve,
  L2_STREAM_ID,
  type L2BlockSealed,
  type L2Command,
  type L2Event,
  type L2State,
} from '../../src/streams/l2/index.ts';
import { decide as decideTx, foldTx, type TxEvent, txStreamId } from '../../src/streams/tx/index.ts';
import type { LegacyTx } from '../../src/tx/index.ts';
import { executeIntoBlock } from '../effects/l2-block.ts';
import { createL2Fold, l2PagesBackwards } from '../effects/l2-fold.ts';

export type SequencerDeps = {
  store: EventStore;
  db: ReadModelDb;
  executor: Executor;
  trie: TrieStore;
  genesis: readonly GenesisAllocation[];
  /** Block 0's timestamp (the genesis file's; unix seconds). @default 0n */
  genesisTimestamp?: bigint;
  coinbase: Address;
  limits: BatchLimits;
  /**
   * The pending txs, followed from the log (projections/pool/pending.ts); `load` starts it. A round leaves out the
   * txs it finished in appends the view has not applied yet.
   */
  pool: PendingPool;
  /**
   * Txs the intake of this process hands over (direct inclusion): opened once loaded; each round takes them all and
   * settles each with its commit. The role closes it when the sequencer stops.
   */
  handoff?: InclusionHandoff;
  /** Resolves once the read models have caught up with the log; awaited before the first tick. */
  readModelsReady?: () => Promise<void>;
  /** How far the read models have applied the log now (the runner's position). */
  readModelsPosition: () => GlobalPosition;
  /**
   * Moves whenever the read models commit this sequencer's events (the runner's `watch`): a round held back by them
   * is woken when they move, not only by the poll.
   */
  readModelsChanged?: Pick<ChangeWatch, 'version' | 'changedSince'>;
  /** Own appends the read models may lag behind by; beyond, rounds seal nothing until they catch up. @default 64 */
  maxUnprojectedAppends?: number;
  /**
   * Batches forced on L1 that no sequence consumed yet (the synchronizer's `forced_batches` read model), in order.
   * Each is included as a batch of its own before any other tx, right after the batch open when it is seen.
   */
  pendingForcedBatches?: () => Promise<ForcedBatchRow[]>;
  /** L1's latest global exit root (the synchronizer's `exit_roots`), or null before any: new batches carry it. */
  latestGlobalExitRoot?: () => Promise<Hash | null>;
  /**
   * A pending tx older than this (from its `TxReceived`) fails `expired` (config `pool.txLifetimeMs`, the reference's
   * `TxLifetimeMax`); 0 = never. @default 3 h
   */
  txLifetimeMs?: number;
  /** How often a round looks for expired txs. @default 10 min (the reference's), or `txLifetimeMs` if shorter */
  txExpiryCheckMs?: number;
  /** Txs taken from the pool per tick at most. @default 200 */
  maxTxsPerTick?: number;
  /** `l2` events between snapshots of the fold (projections/snapshots.ts). @default 2000 */
  snapshotEvery?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
};

/** The sequencer's view: the folded `l2` stream and its revision (the next append's expected revision). */
export type SequencerState = { l2: L2State; revision: number };

export type SequencerEffects = {
  /**
   * Folds the `l2` stream, repairs a `TxIncluded` lost to a crash right after the last block and starts the
   * pending pool's view (until `signal` aborts).
   */
  load(nowMs: number, signal: AbortSignal): Promise<SequencerState>;
  /** One round of work at `nowMs`; `worked` says whether anything was appended (then tick again at once). */
  tick(state: SequencerState, nowMs: number): Promise<{ state: SequencerState; worked: boolean }>;
  /**
   * Resolves when a tx was added to the pool since the last tick read it (at once if it was); the machine's poll
   * interval bounds the wait either way.
   */
  poolChanged(signal: AbortSignal): Promise<void>;
};

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Events per page when walking `l2` back to repair `TxIncluded`. */
const REPAIR_PAGE = 64;
/** Txs this sequencer finished or received, remembered (per generation) after the pool's view applied them. */
const RECENTLY_FINISHED = 8192;
/** Expired txs failed per round at most (each costs a read of its stream); a check with more goes on next round. */
const EXPIRED_PER_ROUND = 256;
/** Appends of this sequencer the read models may lag behind by before it waits for them (rounds idle). */
const MAX_UNPROJECTED_APPENDS = 64;

const ZERO_HASH = `0x${'00'.repeat(32)}` as Hash;
const ACTOR = 'sequencer';
/**
 * The order key of handed-off txs, past every log position: they arrived after every tx in the pool (on a price
 * tie across senders a pool tx goes first; at one sender's nonce the handed-off one replaces it); among handed-off
 * txs, the order offered.
 */
const HANDED_POSITION = 1n << 62n;

/**
 * The open batch as the closing rules see it. It opened at `openedAt.ms` (see `anchorOpenedAt`); without it, at the
 * end of its timestamp's second.
 */
const batchView = (l2: L2State, openedAt: { batch: bigint; ms: number } | null): OpenBatchView | null =>
  l2.status !== 'open'
    ? null
    : {
        txCount: l2.batch.blobs.length,
        bytes: l2.batch.bytes,
        gasUsed: l2.batch.gasUsed,
        openedAtMs:
          openedAt?.batch === l2.batch.number ? openedAt.ms : Number(l2.batch.timestamp) * 1000 + 999,
        globalExitRoot: l2.batch.globalExitRoot,
      };

const toLegacyTx = (tx: PoolTx): LegacyTx => ({
  nonce: tx.nonce,
  gasPrice: tx.gasPrice,
  gas: tx.gas,
  to: tx.to,
  value: tx.value,
  data: tx.input,
  chainId: tx.chainId,
  v: tx.v,
  r: BigInt(tx.r),
  s: BigInt(tx.s),
  hash: tx.hash,
  from: tx.from,
});

/**
 * What one tick has decided but not yet appended: the `l2` events (already folded into `state`) and the events
 * for tx streams. {@link commitDraft} appends them — a group commit: one trie flush, one `appendMany` of the `l2`
 * events and the tx streams' events, whatever the number of blocks sealed in the tick.
 */
type Draft = {
  state: SequencerState;
  /**
   * Txs handed off, taken by this round when it reaches its txs (or finds the read models stalled): their
   * `TxReceived` go first in its commit, whatever else it holds. A round that creates the genesis, closes a batch
   * or includes a forced one leaves them queued for the next round, which runs at once.
   */
  handed: HandedTx[];
  /** Handed-off txs taken twice in this round (a client's retry): declined once the round has committed. */
  again: HandedTx[];
  l2: L2Event[];
  tx: TxEvent[];
  sealed: L2BlockSealed['data'][];
  /** Hashes of the txs sealed in batches forced on L1 (no `TxIncluded`: the pool may hold the same tx). */
  forcedSealed: string[];
  /** Txs this round failed as expired, in a commit before its own. */
  expired: number;
};

const includedEvent = (block: L2BlockSealed['data']): TxEvent => ({
  type: 'TxIncluded',
  data: {
    hash: block.tx.hash,
    blockNumber: block.number,
    blockHash: block.hash,
    batchNumber: block.batchNumber,
    status: block.receipt.status === 1 ? 'success' : 'reverted',
  },
});

export function createSequencerEffects(deps: SequencerDeps): SequencerEffects {
  const { store, executor, trie } = deps;
  const log = deps.log ?? (() => {});
  const at = (nowMs: number) => ({ actor: ACTOR, at: new Date(nowMs).toISOString() });
  /** The position of this sequencer's last append. */
  let lastAppended: GlobalPosition = 0n;
  /** The pool version the last tick's read saw: a change after it means there may be new work. */
  let poolSeen = deps.pool.version();
  /**
   * The txs this sequencer finished (sealed, failed, invalidated) or received from its intake, per append the pool's
   * view has not applied yet: it still lists the finished ones as pending, and one sealed would look stale (its
   * nonce used); it does not list the received ones yet, whose retry must still be declined. Dropped once applied.
   */
  let unapplied: { position: GlobalPosition; hashes: ReadonlySet<string> }[] = [];
  /**
   * The txs of `unapplied` entries the view has since applied, the most recent {@link RECENTLY_FINISHED} or more
   * (two generations): a client's retry of one, handed off while its commit was under way, is declined at once
   * ("already known") instead of failing the next round's commit with everyone in it.
   */
  let finishedApplied: [Set<string>, Set<string>] = [new Set(), new Set()];
  function rememberFinished(hashes: ReadonlySet<string>): void {
    for (const hash of hashes) finishedApplied[0].add(hash);
    if (finishedApplied[0].size >= RECENTLY_FINISHED) finishedApplied = [new Set(), finishedApplied[0]];
  }
  /** The `l2` fold at a start, from a snapshot; told each commit, it writes the next snapshot. */
  const fold = createL2Fold({ store, db: deps.db, snapshotEvery: deps.snapshotEvery, log });
  /** Whether the last round was held back by the read models, and their change version it saw then. */
  let heldBack = false;
  let readModelsSeen = 0;
  /** When the open batch opened, as its timeout counts (this sequencer's clock, ms; {@link anchorOpenedAt}). */
  let openedAt: { batch: bigint; ms: number } | null = null;
  /** The positions of this sequencer's appends the read models have not reached yet (backpressure). */
  let unprojected: GlobalPosition[] = [];
  const txLifetimeMs = deps.txLifetimeMs ?? REFERENCE_TX_LIFETIME_MS;
  const txExpiryCheckMs =
    deps.txExpiryCheckMs ?? Math.min(REFERENCE_TX_EXPIRY_CHECK_MS, Math.max(1, txLifetimeMs));
  /** When the next look for expired txs is due (the first round after a load looks). */
  let nextExpiryCheckMs = Number.NEGATIVE_INFINITY;

  /**
   * When a check is due: fails the txs of `pending` received `txLifetimeMs` or more before `nowMs`, at most
   * {@link EXPIRED_PER_ROUND} (the check stays due while more wait). Each `TxFailed` is decided on its stream at its
   * revision — a tx no longer pending there (replaced, included) is left alone — and all go in one commit of their
   * own. A tx an intake replaces meanwhile makes the commit conflict: the check stays due and the next round decides
   * again. Returns the txs failed (or, after a conflict, maybe failed), which this round and the next ones leave out
   * until the pool's view has applied that commit.
   */
  async function expire(draft: Draft, pending: readonly PoolTx[], nowMs: number): Promise<Set<string>> {
    if (txLifetimeMs <= 0 || nowMs < nextExpiryCheckMs) return new Set();
    const cutoff = nowMs - txLifetimeMs;
    const due = pending.filter((t) => t.receivedAt.getTime() <= cutoff);
    if (due.length <= EXPIRED_PER_ROUND) nextExpiryCheckMs = nowMs + txExpiryCheckMs;
    const decided = await Promise.all(
      due
        .slice(0, EXPIRED_PER_ROUND)
        .map(async (tx): Promise<{ hash: string; append: StreamAppend } | null> => {
          const streamId = txStreamId(tx.hash);
          const recorded = await store.readStream(streamId);
          try {
            const failed = decideTx(
              { type: 'FailTx', data: { hash: tx.hash, reason: 'expired' } },
              foldTx(recorded as unknown as TxEvent[]),
            );
            const append = {
              streamId,
              events: envelope(failed, at(nowMs)),
              expectedRevision: recorded.at(-1)!.revision,
            };
            return { hash: tx.hash, append };
          } catch (err) {
            if (err instanceof IllegalStateError) return null; // no longer pending on its stream
            throw err;
          }
        }),
    );
    const failing = decided.filter((d) => d !== null);
    if (failing.length === 0) return new Set();
    const hashes = new Set(failing.map((d) => d.hash));
    const appends = failing.map((d) => d.append);
    let position: GlobalPosition;
    try {
      const results = await store.appendMany(appends);
      for (const r of results) if (r.position > lastAppended) lastAppended = r.position;
      position = lastAppended;
      unprojected.push(position);
      draft.expired += hashes.size;
      log('pending txs expired', { txs: hashes.size, lifetimeMs: txLifetimeMs });
    } catch (err) {
      if (!(err instanceof ExpectedRevisionConflictError)) throw err;
      // On EventStoreDB the appends before the conflicting one stand: left out until the view is past them all.
      nextExpiryCheckMs = Number.NEGATIVE_INFINITY;
      position = await store.headPosition();
    }
    unapplied.push({ position, hashes });
    return hashes;
  }

  /**
   * The txs handed off since the last round, less those whose stream exists or is about to: a tx the pool view
   * holds (`inPool`, its pending txs as the round read them), one this sequencer finished or received — in an append
   * the view has not applied, or recently (declined at once) —, one handed off twice in the round, a client's retry
   * (`again`: declined once the round committed the first). Declined, the intake's own append answers "already
   * known" — instead of the round's commit failing on their `TxReceived` (expected: no stream) and declining
   * everything else with them — or, for a tx this sequencer failed or invalidated and the client sent again,
   * receives it again after its end (its stream exists: it cannot go in a round's commit as a new one).
   */
  function takeHanded(draft: Draft, inPool: readonly PoolTx[]): void {
    const taken = deps.handoff?.take() ?? [];
    if (taken.length === 0) return;
    const pooled = new Set<string>(inPool.map((t) => t.hash));
    const known = (hash: string) =>
      pooled.has(hash) ||
      unapplied.some((u) => u.hashes.has(hash)) ||
      finishedApplied[0].has(hash) ||
      finishedApplied[1].has(hash);
    const inRound = new Set<string>();
    for (const h of taken) {
      const hash = h.received.data.hash;
      if (known(hash)) h.settle({ kind: 'declined' });
      else if (inRound.has(hash)) draft.again.push(h);
      else {
        inRound.add(hash);
        draft.handed.push(h);
      }
    }
  }

  /** Decides `command` on the draft's state and folds the events in; nothing is appended yet. */
  function stage(draft: Draft, command: L2Command): L2Event[] {
    const events = decide(command, draft.state.l2);
    draft.state = {
      l2: events.reduce(evolve, draft.state.l2),
      revision: draft.state.revision + events.length,
    };
    draft.l2.push(...events);
    return events;
  }

  /**
   * Appends what the draft holds. Durability order: the trie nodes of every new root are flushed before the
   * `l2` append that names them; the `l2` append (expected revision: a single writer, so a second sequencer
   * fails loudly) and the tx streams' events go in ONE `appendMany`, after the `TxReceived` of the txs handed
   * off — on Postgres one transaction, all or none; on EventStoreDB in that order, so after a crash a handed-off tx
   * received without its block waits in the pool, and the sealed blocks whose `TxIncluded` is missing are exactly
   * the last ones ({@link load} repairs them).
   */
  async function commitDraft(draft: Draft, base: SequencerState, nowMs: number): Promise<string | null> {
    const txEvents = [...draft.tx, ...draft.sealed.map(includedEvent)];
    // A handed-off tx's stream starts with its `TxReceived`, before the block holding it and its `TxIncluded`.
    const appends: StreamAppend[] = draft.handed.map((h) => ({
      streamId: txStreamId(h.received.data.hash),
      events: [h.received],
      expectedRevision: 'no_stream',
    }));
    let lastL2Id: string | null = null;
    if (draft.l2.length > 0) {
      if (draft.l2.some((e) => e.type === 'L2BlockSealed')) await trie.flush();
      const events = envelope(draft.l2, at(nowMs));
      lastL2Id = events.at(-1)!.id;
      appends.push({
        streamId: L2_STREAM_ID,
        events,
        expectedRevision: base.revision < 0 ? 'no_stream' : base.revision,
      });
    }
    for (const e of txEvents)
      appends.push({ streamId: txStreamId(e.data.hash), events: envelope([e], at(nowMs)) });
    if (appends.length === 0) return null;
    // One call: on Postgres one transaction (one commit for the tick); on EventStoreDB one append per stream.
    const results = await store.appendMany(appends);
    for (const r of results) if (r.position > lastAppended) lastAppended = r.position;
    unprojected.push(lastAppended);
    // Also the txs of forced batches: the pool may hold the same tx, sealed now without a `TxIncluded`. And the
    // handed-off txs only received here (not ready): a retry of one must be declined too until the view lists it.
    const appended = [
      ...txEvents.map((e) => e.data.hash),
      ...draft.forcedSealed,
      ...draft.handed.map((h) => h.received.data.hash),
    ];
    if (appended.length > 0) unapplied.push({ position: lastAppended, hashes: new Set(appended) });
    return lastL2Id;
  }

  /**
   * A crash between the `l2` append and the tx streams' append (EventStoreDB: two appends) leaves the last sealed
   * blocks without their `TxIncluded`: walk back from the newest block to the first that has it (or to a forced
   * batch, whose blocks have none by design) and append the missing ones.
   */
  async function repairIncluded(revision: number, nowMs: number): Promise<void> {
    let missing: L2BlockSealed['data'][] = [];
    walk: for await (const page of l2PagesBackwards(store, revision, REPAIR_PAGE)) {
      for (const e of page) {
        if (e.type === 'BatchOpened' && e.data.forcedBatchNumber !== undefined) {
          // A forced batch's blocks have no `TxIncluded` by design, and it was a commit of its own: the blocks
          // before it were committed earlier, whole.
          missing = missing.filter((b) => b.batchNumber !== e.data.batchNumber);
          break walk;
        }
        if (e.type !== 'L2BlockSealed') continue;
        const txEvents = await store.readStream(txStreamId(e.data.tx.hash));
        if (txEvents.some((t) => t.type === 'TxIncluded')) break walk;
        missing.unshift(e.data);
      }
    }
    if (missing.length === 0) return;
    log('repairing TxIncluded after a crash', { blocks: missing.length });
    await store.appendMany(
      missing.map((b) => ({
        streamId: txStreamId(b.tx.hash),
        events: envelope([includedEvent(b)], at(nowMs)),
      })),
    );
  }

  async function createGenesis(draft: Draft): Promise<void> {
    const stateRoot = await executor.applyGenesis([...deps.genesis]);
    await trie.flush();
    log('genesis created', { stateRoot });
    // Block 0 is a function of the genesis alone: a node rebuilding the chain from L1 makes the same one.
    stage(draft, { type: 'CreateGenesis', data: { stateRoot, timestamp: deps.genesisTimestamp ?? 0n } });
  }

  function openBatch(draft: Draft, nowMs: number, globalExitRoot: Hash): void {
    const l2 = draft.state.l2;
    if (l2.status !== 'closed') return;
    // Batch timestamps never go back, even if the clock does.
    const now = BigInt(Math.floor(nowMs / 1000));
    const timestamp = now > l2.lastBatch.timestamp ? now : l2.lastBatch.timestamp;
    stage(draft, {
      type: 'OpenBatch',
      data: { timestamp, coinbase: deps.coinbase, globalExitRoot },
    });
    if (draft.state.l2.status === 'open') openedAt = { batch: draft.state.l2.batch.number, ms: nowMs };
  }

  function closeBatch(draft: Draft, reason: BatchCloseReason): void {
    const l2 = draft.state.l2;
    if (l2.status !== 'open') return;
    const b = l2.batch;
    const batchL2Data = `0x${b.blobs.map((x) => x.slice(2)).join('')}` as Hex;
    const acc = accInputHash({
      oldAccInputHash: b.oldAccInputHash,
      batchL2Data,
      globalExitRoot: b.globalExitRoot,
      timestamp: b.timestamp,
      coinbase: b.coinbase,
    });
    log('batch closed', { batch: b.number.toString(), reason, txs: b.blobs.length });
    stage(draft, { type: 'CloseBatch', data: { reason, batchL2Data, accInputHash: acc } });
  }

  /** Executes one pool tx into a new L2 block (staged), or stages its `TxInvalidated`; false when invalid. */
  async function sealTx(draft: Draft, tx: PoolTx, legacy: LegacyTx, blob: Uint8Array): Promise<boolean> {
    if (draft.state.l2.status !== 'open') return false;
    const out = await executeIntoBlock(executor, draft.state.l2, { ...legacy, from: tx.from }, blob);
    if ('invalid' in out) {
      log('tx invalid', { tx: tx.hash, reason: out.invalid });
      draft.tx.push({ type: 'TxInvalidated', data: { hash: tx.hash, reason: out.invalid } });
      return false;
    }
    const [sealed] = stage(draft, out.command);
    draft.sealed.push((sealed as L2BlockSealed).data);
    return true;
  }

  /**
   * Stages a batch forced on L1 (DESIGN §6; zkevm-node-spec §7): its bytes exactly as forced, its GER, a timestamp
   * not before it was forced; each tx with a sender that the state accepts makes a block, the others none.
   */
  async function includeForced(draft: Draft, forced: ForcedBatchRow, nowMs: number): Promise<void> {
    const l2 = draft.state.l2;
    if (l2.status !== 'closed') return;
    const now = BigInt(Math.floor(nowMs / 1000));
    let timestamp = now > l2.lastBatch.timestamp ? now : l2.lastBatch.timestamp;
    if (timestamp < forced.timestamp) timestamp = forced.timestamp;
    stage(draft, {
      type: 'OpenBatch',
      data: {
        timestamp,
        coinbase: deps.coinbase,
        globalExitRoot: forced.globalExitRoot as Hash,
        forced: { forcedBatchNumber: forced.forcedBatchNumber, minForcedTimestamp: forced.timestamp },
      },
    });
    let txs: BatchTx[] = [];
    try {
      txs = decodeBatchL2Data(forced.transactions as Hex);
    } catch (err) {
      log('forced batch does not decode: included without blocks', {
        forcedBatch: forced.forcedBatchNumber.toString(),
        reason: (err as Error).message,
      });
    }
    let blocks = 0;
    for (const tx of txs) {
      const open = draft.state.l2;
      if (open.status !== 'open' || tx.from === null) continue;
      const out = await executeIntoBlock(executor, open, { ...tx, from: tx.from }, encodeBatchL2Data([tx]));
      if ('invalid' in out) {
        log('forced tx invalid: no block', { tx: tx.hash, reason: out.invalid });
        continue;
      }
      const [sealed] = stage(draft, out.command);
      draft.forcedSealed.push((sealed as L2BlockSealed).data.tx.hash);
      blocks++;
    }
    const open = draft.state.l2;
    if (open.status !== 'open') return;
    const acc = accInputHash({
      oldAccInputHash: open.batch.oldAccInputHash,
      batchL2Data: forced.transactions as Hex,
      globalExitRoot: open.batch.globalExitRoot,
      timestamp: open.batch.timestamp,
      coinbase: open.batch.coinbase,
    });
    log('forced batch included', {
      batch: open.batch.number.toString(),
      forcedBatch: forced.forcedBatchNumber.toString(),
      txs: txs.length,
      blocks,
    });
    stage(draft, {
      type: 'CloseBatch',
      data: {
        reason: 'forced_batch',
        batchL2Data: (forced.transactions as Hex).toLowerCase() as Hex,
        accInputHash: acc,
      },
    });
  }

  /** The next forced batch the chain must include (the one after its last), or null. */
  async function nextForced(l2: L2State): Promise<ForcedBatchRow | null> {
    if (!deps.pendingForcedBatches || l2.status === 'empty') return null;
    const next = l2.lastBatch.lastForced + 1n;
    return (await deps.pendingForcedBatches()).find((f) => f.forcedBatchNumber === next) ?? null;
  }

  /**
   * Sets when the open batch opened as its timeout counts it (`openedAt`, this sequencer's clock): when this
   * sequencer opened it; a batch opened before a restart, at the end of its timestamp's second — its timestamp is
   * whole seconds, so the timeout never fires early, at worst a second late. Never after `nowMs`: a clock set back
   * (an NTP step, a host clock corrected) or a batch timestamp ahead of the clock (an earlier batch's, e.g. a forced
   * batch's from an L1 clock ahead) would hold the batch open, unsequenced, until the clock is back there; the
   * timeout then counts from the first round that sees it, at worst a timeout late.
   */
  function anchorOpenedAt(l2: L2State, nowMs: number): void {
    if (l2.status !== 'open') return;
    const batch = l2.batch.number;
    if (openedAt?.batch !== batch) openedAt = { batch, ms: Number(l2.batch.timestamp) * 1000 + 999 };
    if (openedAt.ms > nowMs) openedAt = { batch, ms: nowMs };
  }

  /** Stages a tick's work into `draft`; the caller commits it. */
  async function work(draft: Draft, nowMs: number): Promise<void> {
    if (draft.state.l2.status === 'empty') return createGenesis(draft);
    const forced = await nextForced(draft.state.l2);
    if (forced) {
      // Forced batches come first: the open batch closes, the forced one is included on its own.
      if (draft.state.l2.status === 'open') return closeBatch(draft, 'forced_batch');
      return includeForced(draft, forced, nowMs);
    }
    anchorOpenedAt(draft.state.l2, nowMs);
    const open = batchView(draft.state.l2, openedAt);
    // The GER batches carry: L1's latest (the synchronizer's exit roots); a change closes the open batch.
    const ger = ((await deps.latestGlobalExitRoot?.()) ?? ZERO_HASH).toLowerCase() as Hash;
    const due = open && closeReason(open, deps.limits, { nowMs, globalExitRoot: ger });
    if (due) return closeBatch(draft, due);

    // Read models far behind (stalled): seal nothing more until they catch up, rather than run ahead unbounded.
    const readModelsVersion = deps.readModelsChanged?.version() ?? 0; // before the position: no move missed
    const projected = deps.readModelsPosition();
    unprojected = unprojected.filter((p) => p > projected);
    if (unprojected.length >= (deps.maxUnprojectedAppends ?? MAX_UNPROJECTED_APPENDS)) {
      // The pool as of now counts as seen: a later change, the read models moving or the poll wakes the next round,
      // not the changes this round left unsealed — else the rounds would spin while the read models are behind.
      poolSeen = deps.pool.version();
      heldBack = true;
      readModelsSeen = readModelsVersion;
      takeHanded(draft, deps.pool.pending()); // their `TxReceived` alone: no offer waits for the read models
      return;
    }
    heldBack = false;
    // Read-your-writes: a tx finished by an earlier tick must not look pending (nor, its nonce now used, stale)
    // while the pool's view has not applied that append.
    const applied = deps.pool.position();
    for (const u of unapplied) if (u.position <= applied) rememberFinished(u.hashes);
    unapplied = unapplied.filter((u) => u.position > applied);
    const waiting = unapplied;
    const finished = (hash: string) => waiting.some((u) => u.hashes.has(hash));
    poolSeen = deps.pool.version();
    const inPool = deps.pool.pending();
    takeHanded(draft, inPool);
    const unfinished = inPool.filter((t) => !finished(t.hash));
    const expired = await expire(draft, unfinished, nowMs);
    const pending = expired.size === 0 ? unfinished : unfinished.filter((t) => !expired.has(t.hash));
    draft.handed.forEach(({ received }, i) => {
      pending.push(pendingPoolTx(received.data, received.metadata.at, HANDED_POSITION + BigInt(i)));
    });
    if (pending.length === 0) return;
    const tipRoot = draft.state.l2.tip.stateRoot;
    const nonces = new Map<string, bigint>();
    for (const from of new Set(pending.map((t) => t.from))) {
      nonces.set(from, (await executor.getAccount(tipRoot, from)).nonce);
    }
    const { ready, stale } = orderReadyTxs(pending, (from) => nonces.get(from) ?? 0n);
    for (const tx of stale)
      draft.tx.push({ type: 'TxFailed', data: { hash: tx.hash, reason: 'nonce too low' } });
    /** Senders with a tx invalid in this round: their later txs now follow a nonce gap and wait in the pool. */
    const gapped = new Set<string>();
    for (const tx of ready.slice(0, deps.maxTxsPerTick ?? 200)) {
      if (gapped.has(tx.from)) continue;
      const legacy = toLegacyTx(tx);
      const blob = encodeBatchL2Data([legacy]);
      const next = { bytes: blob.length, gas: tx.gas };
      const misfit = fitsNoBatch(next, deps.limits);
      if (misfit) {
        // Fits no batch, not even an empty one (appended by an intake with other limits): never sealed.
        log('tx invalid', { tx: tx.hash, reason: misfit });
        draft.tx.push({ type: 'TxInvalidated', data: { hash: tx.hash, reason: misfit } });
        gapped.add(tx.from);
        continue;
      }
      openBatch(draft, nowMs, ger);
      let view = batchView(draft.state.l2, openedAt);
      let full = view && closeReason(view, deps.limits, { nowMs, globalExitRoot: ger }, next);
      if (full) {
        // The tx goes in the next batch, opened in this tick (the pool was read once for all of them).
        closeBatch(draft, full);
        openBatch(draft, nowMs, ger);
        view = batchView(draft.state.l2, openedAt);
        full = view && closeReason(view, deps.limits, { nowMs, globalExitRoot: ger }, next);
      }
      if (!view || full) break;
      if (!(await sealTx(draft, tx, legacy, blob))) gapped.add(tx.from);
      // Execution on cached state never waits for I/O: let the RPC and the projector in between blocks.
      await yieldToEventLoop();
    }
  }

  return {
    async load(nowMs, signal) {
      await deps.readModelsReady?.();
      const { state: l2, revision } = await fold.load();
      await repairIncluded(revision, nowMs);
      // The pool's view, as of at least everything appended before this point (a repair above included).
      await deps.pool.start(signal);
      // Not when this run was stopped while loading: the role closed the hand-off, and no round will take txs.
      if (!signal.aborted) deps.handoff?.open();
      return { l2, revision };
    },

    async tick(state, nowMs) {
      const draft: Draft = {
        state,
        handed: [],
        again: [],
        l2: [],
        tx: [],
        sealed: [],
        forcedSealed: [],
        expired: 0,
      };
      let lastId: string | null;
      try {
        await work(draft, nowMs);
        lastId = await commitDraft(draft, state, nowMs);
      } catch (err) {
        const { handed, again } = draft;
        for (const h of again) h.settle({ kind: 'declined' });
        // Nothing of the round was appended (on EventStoreDB maybe some `TxReceived`): the intakes append their
        // txs themselves — "already known" for a stream that exists, a no-op for a `TxReceived` stored.
        for (const h of handed) h.settle({ kind: 'declined' });
        const handedStream =
          err instanceof ExpectedRevisionConflictError &&
          handed.some((h) => txStreamId(h.received.data.hash) === err.streamId);
        if (handedStream) return { state, worked: true }; // the next round starts over, from the pool
        throw err;
      }
      for (const h of draft.handed) h.settle({ kind: 'committed', position: lastAppended });
      for (const h of draft.again) h.settle({ kind: 'declined' });
      if (lastId) await fold.committed(draft.state.l2, draft.state.revision, lastId);
      return {
        state: draft.state,
        worked: draft.l2.length > 0 || draft.tx.length > 0 || draft.handed.length > 0 || draft.expired > 0,
      };
    },

    async poolChanged(signal) {
      const handoff = deps.handoff;
      // After a round held back by the read models: also when they move (else the poll would be the wake-up).
      const readModels = heldBack ? deps.readModelsChanged : undefined;
      if (!handoff && !readModels) return deps.pool.changedSince(poolSeen, signal);
      if (signal.aborted) return;
      // Whichever comes first; the other waits are then dropped.
      const either = new AbortController();
      const onAbort = () => either.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await Promise.race([
          deps.pool.changedSince(poolSeen, either.signal),
          ...(handoff ? [handoff.offered(either.signal)] : []),
          ...(readModels ? [readModels.changedSince(readModelsSeen, either.signal)] : []),
        ]);
      } finally {
        signal.removeEventListener('abort', onAbort);
        either.abort();
      }
    },
  };
}
