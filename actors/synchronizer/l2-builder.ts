/**
 * The L2 chain of a node without a sequencer, rebuilt from L1 alone (DESIGN §4: the synchronizer writes `l2` on such
 * a node; zkevm-node-spec §7). Every batch the `l1-sync` stream records as virtualized is executed as the trusted
 * sequencer executed it — one tx per L2 block, the batch's timestamp and coinbase, txs without a valid sender or
 * that the state refuses make no block — and appended to this node's own `l2` stream: `BatchOpened`, one
 * `L2BlockSealed` per tx, `BatchClosed` (reason `virtualized`). Block 0 is a function of the genesis, so the blocks,
 * hashes and state roots are the trusted node's.
 *
 * The accInputHash of each rebuilt batch is recomputed and must equal the one L1 accumulated, and a batch L1 already
 * verified (a `ProofVerified` ending at it, recorded before the batch was built — the usual order while catching up:
 * one scanned chunk holds a sequence and its verification) must close with the state root L1 verified; a batch
 * built before its verification is scanned is compared by the `l1-sync` decider instead. Batches are built in
 * order, a round (`build` call) at a time — up to `maxBatchesPerRound` batches, and no batch started once
 * `maxTxsPerRound` txs were executed — in groups of `batchesPerAppend`: each group is one trie flush and
 * then one `l2` append (expected revision: the single writer), so every root an appended event names has its nodes
 * in Postgres first. Fast catch-up (the issue 4 target) comes from overlapping what does not depend on each other:
 * - a group's flush and append run while the next group executes; they are chained in group order, a failed one
 *   stops the round (nothing after it is appended) and `build` resolves only once every group is appended;
 * - batches are decoded (senders recovered) ahead of their execution on a worker thread (`batch-decoder.ts`), the
 *   next `2 × batchesPerAppend` virtual batches always submitted, so recovery is off this thread.
 * A failed round (L1 data that cannot be rebuilt, the executor or Postgres failing) forgets everything cached: the
 * next `build` folds both streams again from the store and goes on after the last appended group — nothing is lost
 * or built twice, as after a restart.
 */
import { setImmediate } from 'node:timers/promises';
import type { ReadModelDb } from '../../projections/index.ts';
import {
  accInputHash,
  BatchDecodeError,
  BatchInputError,
  type BatchTx,
  encodeBatchL2Data,
} from '../../src/batch/index.ts';
import { IllegalStateError, NodeError } from '../../src/errors/index.ts';
import type { EventStore, RecordedEvent } from '../../src/eventstore/index.ts';
import type { Executor, GenesisAllocation, TrieStore } from '../../src/execution/index.ts';
import { type Address, bytesToHex, type Hash, type Hex } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  type BatchesVirtualized,
  type ForcedBatchObserved,
  L1_SYNC_STREAM_ID,
  type L1SyncEvent,
  type ProofVerified,
  type ReorgDetected,
  type TrustedReorgDetected,
  type VirtualizedBatch,
} from '../../src/streams/l1sync/index.ts';
import {
  decide,
  evolve,
  L2_STREAM_ID,
  type L2Command,
  type L2Event,
  type L2State,
  stateAfterBatch,
} from '../../src/streams/l2/index.ts';
import { executeIntoBlock } from '../effects/l2-block.ts';
import { createL2Fold, l2PagesBackwards } from '../effects/l2-fold.ts';
import { createBatchDecoder, type DecodedBatch, type DecodeJob, type TxBlockParts } from './batch-decoder.ts';
import { type TrustedNode, type TrustedNodeBatch, TrustedNodeError } from './trusted-node.ts';

export type L2BuilderDeps = {
  store: EventStore;
  /**
   * Where the `l2` fold's snapshots are kept (actors/effects/l2-fold.ts); without it a start folds from the first
   * event.
   */
  db?: ReadModelDb;
  /** `l2` events between snapshots. @default 2000 */
  snapshotEvery?: number;
  executor: Executor;
  trie: TrieStore;
  genesis: readonly GenesisAllocation[];
  /** Block 0's timestamp (the genesis file's). */
  genesisTimestamp: bigint;
  /** Batches rebuilt per round (`build` call) at most. @default 1000 */
  maxBatchesPerRound?: number;
  /**
   * No batch is started in a round once it executed this many txs (a round of big batches stays a few seconds, as
   * the synchronizer's pass waits for it; each round ends waiting for its last append). @default 4000
   */
  maxTxsPerRound?: number;
  /** Batches per `l2` append (and trie flush) within a round. @default 20 */
  batchesPerAppend?: number;
  /** Decode batches (recover senders) ahead on a worker thread. @default true */
  offThreadDecoding?: boolean;
  /**
   * The trusted node to follow ahead of L1 (zkevm-node-spec §7): after the virtual batches, each round takes its
   * closed batches that come next, re-executed here and kept only when they give the state root and accInputHash it
   * announces. Absent: the chain is rebuilt from L1 alone.
   */
  trustedNode?: TrustedNode;
  /** Trusted batches taken per round at most. @default 100 */
  maxTrustedBatchesPerRound?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
};

export type L2Builder = {
  /**
   * Rebuilds the virtual batches the `l2` stream does not have yet (up to the round's limit), then — with
   * `followTrusted` and a trusted node — takes the trusted node's next batches; returns how many, once all are
   * appended. The synchronizer asks to follow only once it has scanned L1 up to its head, as the reference syncs
   * trusted state only once the node has every batch L1 sequenced. When it fails, the groups appended before the failure stay; the next call goes on after them.
   * One call at a time.
   * @throws {L2RebuildError} (critical) when a sequenced batch does not decode, holds txs that make no block, its
   *   recomputed accInputHash is not L1's, or it closes with another state root than the one L1 verified for it.
   * @throws the executor's and the stores' errors (a failed append or flush).
   */
  build(nowMs: number, opts?: { followTrusted?: boolean }): Promise<number>;
  /**
   * Undoes the `l2` stream after batch `n` (`TrustedStateReset` with the state after batch `n` closed), when L1
   * sequenced something else than the trusted batches this node followed; the batches after it are rebuilt from L1
   * and the trusted node is not followed at or below the diverging batch again. Not while `build` runs. Returns
   * whether anything was undone.
   * @throws {L2RebuildError} when the stream has no closed batch `n`.
   */
  resetTo(n: bigint, reason: string, nowMs: number): Promise<boolean>;
  /**
   * Resolves once the decoding worker has started (it starts with the builder, in about half a second), or decoding
   * stays on this thread. Building does not wait for it: batches needed before are decoded here. Never rejects.
   */
  ready(): Promise<void>;
  /** Ends the decoding worker (it never keeps the process alive while idle). Idempotent. */
  close(): Promise<void>;
};

/** The chain rebuilt from L1 disagrees with L1 itself: the node cannot follow it. */
export class L2RebuildError extends NodeError<'L2RebuildError'> {
  override name = 'L2RebuildError' as const;
  constructor(shortMessage: string) {
    super(shortMessage, { code: 'L2_REBUILD', severity: 'critical' });
  }
}

const ACTOR = 'synchronizer';

export function createL2Builder(deps: L2BuilderDeps): L2Builder {
  const { store, executor, trie } = deps;
  const log = deps.log ?? (() => {});
  /** The `l2` fold at a (re)load, from a snapshot; told each commit, it writes the next snapshot. */
  const fold = createL2Fold({ store, db: deps.db, snapshotEvery: deps.snapshotEvery, log });
  const maxBatches = deps.maxBatchesPerRound ?? 1000;
  const maxTxs = deps.maxTxsPerRound ?? 4000;
  const batchesPerAppend = deps.batchesPerAppend ?? 20;
  if (!(maxBatches >= 1 && maxTxs >= 1 && batchesPerAppend >= 1))
    throw new RangeError('maxBatchesPerRound, maxTxsPerRound and batchesPerAppend must be at least 1');
  /** The folded `l2` stream and its revision; null until the first build. */
  let l2: { state: L2State; revision: number } | null = null;
  /** Virtual batches not built yet, by number; and how far the `l1-sync` stream was read. */
  const virtual = new Map<bigint, VirtualizedBatch>();
  /** When each forced batch was forced (its minForcedTimestamp), by forced batch number. */
  const forcedAt = new Map<bigint, bigint>();
  /** The state root L1 verified for a batch not built yet (the `toBatch` of a `ProofVerified`), by number. */
  const verifiedRoots = new Map<bigint, Hash>();
  let syncRevision = 0;
  const decoder = createBatchDecoder({ offThread: deps.offThreadDecoding ?? true, log });
  /** Decoding submitted ahead, by batch number (with the data it decodes: a reorg may change a batch's data). */
  const decoding = new Map<bigint, { data: Hex; job: DecodeJob }>();
  const lookahead = BigInt(2 * batchesPerAppend);
  const maxTrusted = deps.maxTrustedBatchesPerRound ?? 100;
  /** The highest batch L1 sequenced differently from the trusted node: not followed again (L1 builds it). */
  let trustedFloor = 0n;
  /** Whether the trusted node was unreachable (logged once per outage), and the last refusal (logged once). */
  let trustedDown = false;
  let lastRefusal: string | null = null;

  /** Submits the virtual batches `from` … `from + lookahead − 1` not submitted yet. */
  function submitAhead(from: bigint): void {
    for (let n = from; n < from + lookahead; n++) {
      const batch = virtual.get(n);
      if (!batch) break;
      if (decoding.get(n)?.data !== batch.batchL2Data)
        decoding.set(n, { data: batch.batchL2Data, job: decoder.submit(batch.batchL2Data) });
    }
  }

  /** The decoded batch: submitted ahead, else decoded now. @throws as `decodeBatchL2Data`. */
  function decoded(number: bigint, data: Hex): Promise<DecodedBatch> {
    const ahead = decoding.get(number);
    decoding.delete(number);
    return (ahead?.data === data ? ahead.job : decoder.submit(data)).result();
  }

  async function readVirtual(): Promise<void> {
    const events = (await store.readStream(L1_SYNC_STREAM_ID, {
      from: syncRevision,
    })) as RecordedEvent<L1SyncEvent>[];
    // Batches the chain already has are never looked up again.
    const last = l2 && l2.state.status !== 'empty' ? l2.state.lastBatch.number : -1n;
    for (const e of events) {
      if (e.type === 'ForcedBatchObserved') {
        const d = (e as RecordedEvent<ForcedBatchObserved>).data;
        forcedAt.set(BigInt(d.forcedBatchNumber), BigInt(d.timestamp));
      }
      if (e.type === 'ReorgDetected') {
        // An L1 reorg took these out of L1: they are built again only from what the new fork sequences.
        const d = (e as RecordedEvent<ReorgDetected>).data;
        for (const n of d.unvirtualized) virtual.delete(BigInt(n));
        for (const n of d.unverified) verifiedRoots.delete(BigInt(n));
        for (const n of d.droppedForcedBatches) forcedAt.delete(BigInt(n));
      }
      if (e.type === 'ProofVerified') {
        const d = (e as RecordedEvent<ProofVerified>).data;
        const number = BigInt(d.toBatch);
        if (number > last) verifiedRoots.set(number, d.stateRoot.toLowerCase() as Hash);
      }
      if (e.type === 'TrustedReorgDetected') {
        const n = BigInt((e as RecordedEvent<TrustedReorgDetected>).data.batchNumber);
        if (n > trustedFloor) trustedFloor = n;
      }
      if (e.type === 'BatchesVirtualized')
        for (const b of (e as RecordedEvent<BatchesVirtualized>).data.batches) {
          const number = BigInt(b.number);
          if (number > last) virtual.set(number, b);
        }
    }
    syncRevision += events.length;
  }

  /** After a failure nothing cached is trusted: the next build reads both streams again from the store. */
  function forget(): void {
    l2 = null;
    virtual.clear();
    forcedAt.clear();
    verifiedRoots.clear();
    syncRevision = 0;
    trustedFloor = 0n;
    decoding.clear();
  }

  async function loadL2(): Promise<{ state: L2State; revision: number }> {
    if (!l2) {
      const { state, revision } = await fold.load();
      l2 = { state, revision };
    }
    return l2;
  }

  /** The state after batch `n` closed, read from the newest `l2` events back (a page at a time). */
  async function stateAfter(n: bigint, revision: number) {
    const newestFirst: L2Event[] = [];
    for await (const page of l2PagesBackwards(store, revision, 1000)) {
      newestFirst.push(...page);
      const found = stateAfterBatch(newestFirst, n);
      if (found) return found;
    }
    return null;
  }

  async function reset(n: bigint, reason: string, nowMs: number): Promise<boolean> {
    const { state, revision } = await loadL2();
    if (state.status === 'empty' || (state.status === 'closed' && state.lastBatch.number <= n)) return false;
    const to = await stateAfter(n, revision);
    if (!to)
      throw new L2RebuildError(`cannot reset the trusted state to batch ${n}: the l2 stream never closed it`);
    const events = decide({ type: 'ResetTrustedState', data: { to, reason } }, state);
    await store.append(
      L2_STREAM_ID,
      envelope(events, { actor: ACTOR, at: new Date(nowMs).toISOString() }),
      revision,
    );
    log('trusted state reset', { toBatch: n.toString(), toBlock: to.tip.number.toString(), reason });
    // The batches after it were skipped when L1 virtualized them (the chain had them): read l1-sync again.
    forget();
    return true;
  }

  async function buildRound(nowMs: number, follow: boolean): Promise<number> {
    l2 = await loadL2();
    await readVirtual();
    const at = new Date(nowMs).toISOString();
    let state = l2.state;
    /** The revision the staged events follow (the last one appended or being appended). */
    let revision = l2.revision;
    let staged: L2Event[] = [];
    let stagedBatches = 0;
    const stage = (command: L2Command) => {
      const events = decide(command, state);
      state = events.reduce(evolve, state);
      staged.push(...events);
      return events;
    };
    /** The commits under way, in order; each flushes the trie and then appends its group. */
    let committing: Promise<void> = Promise.resolve();
    let failed = false;
    /** Hands the staged group to the commit chain and goes on staging the next one meanwhile. */
    const commit = () => {
      if (staged.length === 0) return;
      const events = staged;
      const expected = revision;
      const after = { state, revision: revision + events.length };
      revision = after.revision;
      staged = [];
      stagedBatches = 0;
      committing = committing.then(async () => {
        // The nodes of every root the group names (and maybe some of the next group's) before the group itself.
        await trie.flush();
        const recorded = envelope(events, { actor: ACTOR, at });
        await store.append(L2_STREAM_ID, recorded, expected < 0 ? 'no_stream' : expected);
        l2 = after;
        await fold.committed(after.state, after.revision, recorded.at(-1)!.id);
      });
      committing.catch(() => {
        failed = true; // awaited (and thrown) below; stop executing meanwhile
      });
    };

    let built = 0;
    /** Of them, batches rebuilt from L1 (the others were followed from the trusted node). */
    let rebuilt = 0;
    try {
      built = await stageRound();
    } catch (err) {
      // Let the commits under way settle first: the next round must not start beside them.
      await committing.catch(() => {});
      throw err;
    }
    commit();
    await committing;
    if (rebuilt > 0 && state.status !== 'empty')
      log('L2 rebuilt from L1', { batches: rebuilt, lastBatch: state.lastBatch.number.toString() });
    return built;

    /** Executes and stages the round's batches, committing each full group. Returns how many. */
    async function stageRound(): Promise<number> {
      if (state.status === 'empty') {
        const stateRoot = await executor.applyGenesis([...deps.genesis]);
        stage({ type: 'CreateGenesis', data: { stateRoot, timestamp: deps.genesisTimestamp } });
        log('genesis created', { stateRoot });
      }
      let built = 0;
      let executed = 0;
      while (built < maxBatches && executed < maxTxs && state.status === 'closed' && !failed) {
        const number = state.lastBatch.number + 1n;
        const batch = virtual.get(number);
        if (!batch) break;
        // Execution on cached state never leaves the microtask queue: give the event loop a turn per batch, so the
        // commits under way and the decoder's replies (which hand it its next jobs) are not held up until the
        // round ends.
        await setImmediate();
        const forcedNumber = batch.forcedBatchNumber === null ? null : BigInt(batch.forcedBatchNumber);
        const timestamp = BigInt(batch.timestamp);
        const refused = await stageBatch(
          {
            number,
            timestamp,
            coinbase: batch.coinbase,
            globalExitRoot: batch.globalExitRoot,
            batchL2Data: batch.batchL2Data.toLowerCase() as Hex,
            forced:
              forcedNumber === null
                ? null
                : {
                    forcedBatchNumber: forcedNumber,
                    minForcedTimestamp: forcedAt.get(forcedNumber) ?? timestamp,
                  },
            accInputHash: batch.accInputHash.toLowerCase() as Hash,
            stateRoot: null,
          },
          'virtualized',
          () => {
            submitAhead(number + 1n);
            return decoded(number, batch.batchL2Data);
          },
          (n) => {
            executed += n;
          },
        );
        if (refused) throw new L2RebuildError(`batch ${number} sequenced on L1 ${refused}`);
        virtual.delete(number);
        verifiedRoots.delete(number);
        built++;
        if (++stagedBatches >= batchesPerAppend) commit();
      }
      rebuilt = built;
      if (follow && deps.trustedNode && !failed && built < maxBatches && executed < maxTxs)
        built += await followTrusted(deps.trustedNode);
      return built;
    }

    /**
     * Takes the trusted node's closed batches that come next (none at or below a batch L1 disagreed with, until L1
     * itself passed it), each re-executed and kept only when it gives what the trusted node announces. A batch it
     * does not have yet, one still open, a forced batch this node has not seen forced on L1, an unreachable node or
     * a refused batch end the round's following.
     */
    async function followTrusted(node: TrustedNode): Promise<number> {
      let followed = 0;
      while (followed < maxTrusted && state.status === 'closed' && !failed) {
        const number = state.lastBatch.number + 1n;
        if (number <= trustedFloor || virtual.has(number)) break;
        let batch: TrustedNodeBatch | null;
        try {
          batch = await node.batch(number);
          if (trustedDown) log('the trusted node answers again', { url: node.url });
          trustedDown = false;
        } catch (err) {
          if (!(err instanceof TrustedNodeError)) throw err;
          if (!trustedDown)
            log('the trusted node does not answer: following L1 alone meanwhile', {
              url: node.url,
              reason: err.shortMessage,
            });
          trustedDown = true;
          break;
        }
        if (!batch?.closed) break;
        const minForced = batch.forcedBatchNumber === null ? null : forcedAt.get(batch.forcedBatchNumber);
        if (minForced === undefined) break; // forced on L1 in a block this node has not synced yet
        const kept = { state, staged: staged.length };
        let refused: string | null;
        try {
          refused = await stageBatch(
            {
              number,
              timestamp: batch.timestamp,
              coinbase: batch.coinbase,
              globalExitRoot: batch.globalExitRoot,
              batchL2Data: batch.batchL2Data,
              forced:
                batch.forcedBatchNumber === null || minForced === null
                  ? null
                  : { forcedBatchNumber: batch.forcedBatchNumber, minForcedTimestamp: minForced },
              accInputHash: batch.accInputHash,
              stateRoot: batch.stateRoot,
            },
            'trusted_sync',
            () => decoder.submit(batch.batchL2Data).result(),
            () => {},
          );
        } catch (err) {
          // The trusted node's batch breaks a rule of the chain (e.g. a timestamp before this chain's last batch),
          // or its fields or data cannot be encoded or hashed as a batch's: a claim that does not hold, not a fault
          // of this node. The executor's and the stores' errors still fail the round.
          if (err instanceof IllegalStateError) refused = `cannot come next: ${err.message}`;
          else if (err instanceof BatchInputError || err instanceof BatchDecodeError)
            refused = `is not a batch: ${err.message}`;
          else throw err;
        }
        if (refused) {
          // Nothing of it is kept (its trie nodes, unnamed by any event, are harmless).
          state = kept.state;
          staged = staged.slice(0, kept.staged);
          const why = `the trusted node's batch ${number} ${refused}`;
          if (why !== lastRefusal) log(`${why}: not following it`, { url: node.url });
          lastRefusal = why;
          break;
        }
        lastRefusal = null;
        verifiedRoots.delete(number);
        followed++;
        if (++stagedBatches >= batchesPerAppend) commit();
      }
      if (followed > 0 && state.status !== 'empty')
        log('trusted batches followed', { batches: followed, lastBatch: state.lastBatch.number.toString() });
      return followed;
    }

    /**
     * Opens, executes and closes one batch from its data; returns why the batch cannot be this chain's next (the
     * caller undoes or fails), or null once it is staged.
     */
    async function stageBatch(
      b: {
        number: bigint;
        timestamp: bigint;
        coinbase: Address;
        globalExitRoot: Hash;
        batchL2Data: Hex;
        forced: { forcedBatchNumber: bigint; minForcedTimestamp: bigint } | null;
        /** What the batch must give: L1's accInputHash, the trusted node's claims. */
        accInputHash: Hash;
        stateRoot: Hash | null;
      },
      reason: 'virtualized' | 'trusted_sync',
      decode: () => Promise<DecodedBatch>,
      onExecuted: (txs: number) => void,
    ): Promise<string | null> {
      stage({
        type: 'OpenBatch',
        data: {
          timestamp: b.timestamp,
          coinbase: b.coinbase,
          globalExitRoot: b.globalExitRoot,
          ...(b.forced ? { forced: b.forced } : {}),
        },
      });
      let txs: BatchTx[] = [];
      let txParts: (TxBlockParts | null)[] = [];
      try {
        ({ txs, parts: txParts } = await decode());
      } catch (err) {
        // Anyone can force any bytes: such a batch has no blocks. A sequencer batch that does not decode is a bug.
        if (!b.forced) return `does not decode: ${(err as Error).message}`;
      }
      const blobs: Hex[] = [];
      let noBlock = txs.length;
      for (const [i, tx] of txs.entries()) {
        if (tx.from === null) continue;
        const parts = txParts[i];
        const blob = parts?.blob ?? bytesToHex(encodeBatchL2Data([tx]));
        onExecuted(1);
        const out = await executeIntoBlock(
          executor,
          state,
          tx as BatchTx & { from: Address }, // checked above
          blob,
          parts ? { transactionsRoot: parts.transactionsRoot } : {},
        );
        if ('invalid' in out) {
          log('tx in a batch is invalid: no block', {
            batch: b.number.toString(),
            tx: tx.hash,
            reason: out.invalid,
          });
          continue;
        }
        stage(out.command);
        blobs.push(blob);
        noBlock--;
      }
      const open = state as L2State; // `stage` moved it on
      if (open.status !== 'open') throw new Error('unreachable: the batch is open');
      const joined = `0x${blobs.map((x) => x.slice(2)).join('')}` as Hex;
      // A batch on L1 is the bytes L1 holds, proven as they are: txs the state refuses (or without a valid sender)
      // make no block and change nothing (an invalid tx, zkevm-node's glossary), in a forced batch as in a sequenced
      // one — a sequencer has no reason to sequence one, but the chain is what L1 says. A trusted node's batch is the
      // blocks it made: an invalid tx in it means this node's state disagrees with it, so it is refused.
      if (noBlock > 0 && !b.forced && reason === 'trusted_sync') return 'holds txs that make no block here';
      if (noBlock > 0 && !b.forced)
        log('a batch sequenced on L1 holds txs that make no block', {
          batch: b.number.toString(),
          txs: noBlock.toString(),
        });
      // Every tx of a sequenced batch made a block: its blobs, as this node encodes them, are its bytes.
      if (noBlock === 0 && !b.forced && joined !== b.batchL2Data)
        return 'does not re-encode to its batchL2Data';
      const batchL2Data = b.batchL2Data;
      const acc = accInputHash({
        oldAccInputHash: open.batch.oldAccInputHash,
        batchL2Data,
        globalExitRoot: b.globalExitRoot,
        timestamp: b.timestamp,
        coinbase: b.coinbase,
      });
      if (acc !== b.accInputHash)
        return reason === 'virtualized'
          ? `rebuilds to accInputHash ${acc}, L1 accumulated ${b.accInputHash}`
          : `does not extend this node's chain: its accInputHash here is ${acc}, the trusted node says ${b.accInputHash}`;
      if (b.stateRoot !== null && open.tip.stateRoot !== b.stateRoot)
        return `re-executes to state root ${open.tip.stateRoot}, the trusted node says ${b.stateRoot}`;
      // zkevm-node-spec §6 VerifyBatches: the local state root of the verified batch must be the one L1 verified.
      const verified = verifiedRoots.get(b.number);
      if (verified !== undefined && open.tip.stateRoot !== verified)
        return `re-executes to state root ${open.tip.stateRoot}, L1 verified ${verified}`;
      stage({ type: 'CloseBatch', data: { reason, batchL2Data, accInputHash: acc } });
      return null;
    }
  }

  return {
    async build(nowMs, opts = {}) {
      try {
        return await buildRound(nowMs, opts.followTrusted === true);
      } catch (err) {
        forget();
        throw err;
      }
    },
    async resetTo(n, reason, nowMs) {
      try {
        return await reset(n, reason, nowMs);
      } catch (err) {
        forget();
        throw err;
      }
    },
    ready: () => decoder.ready(),
    close: () => decoder.close(),
  };
}
