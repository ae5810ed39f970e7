/**
 * The synchronizer's I/O (DESIGN §2–§4, zkevm-node-spec §7): fold `l1-sync`, keep a view of the trusted chain's
 * closed batches from the `l2` stream, read L1 and append what the pure `l1-sync` decider makes of it.
 *
 * One pass (`tick`):
 * 1. catch the trusted view up with the `l2` stream (only `L2GenesisCreated`, `BatchClosed`, `TrustedStateReset`);
 * 2. reorg check — L1's block at the cursor's height must have the cursor's hash and parent hash; if not, walk the
 *    stored blocks back (newest first) to the newest one L1 still has (else the block before the deployment block)
 *    and append `ReorgDetected`; the next pass scans again after the ancestor;
 * 3. scan the next chunk, cursor + 1 .. min(cursor + chunkSize, head − confirmations): the range's last header is
 *    read FIRST, then `eth_getLogs` over the rollup and the GER manager, then each log's block by hash and, where the
 *    log alone is not enough, its tx's calldata. A reorg after the header was read makes that header stale, which
 *    the next pass's reorg check sees, and the walk-back compares every stored block on its own. A reorg after the
 *    cursor check can also make the scanned facts contradict the synced state (the cursor block orphaned, the
 *    new fork's facts further on): when the cursor is then gone from L1 the pass stores nothing and the next
 *    pass's reorg check records the reorg, instead of the critical consistency error. The new fork's facts need not
 *    contradict anything (none in the range): so before a chunk is appended the cursor is checked again, and a
 *    cursor gone from L1 stores nothing either (the range would link to no stored block: the orphaned ones below
 *    the new cursor would never be compared again).
 * 4. `decide(SyncL1Range)` and ONE append per chunk (expected revision: the single writer); a chunk is all or
 *    nothing, and the cursor is its last `L1BlockSynced`.
 * A `TrustedReorgDetected` is appended; then on the trusted node the pass fails with a critical `TrustedReorgError`
 * naming the batch and the field (the supervisor halts the node, as the reference halts a trusted node), while a
 * permissionless node resets its `l2` stream to the batch before and goes on.
 */

import { batchHashData } from '../../src/batch/index.ts';
import type { EventStore, GlobalPosition, RecordedEvent } from '../../src/eventstore/index.ts';
import {
  decodeForceBatchCalldata,
  decodeL1Log,
  decodeSequenceBatchesCalldata,
  decodeSequenceForceBatchesCalldata,
} from '../../src/l1/index.ts';
import type { Address, Hash } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  cursorMatches,
  cursorOf,
  decide,
  evolve,
  findCommonAncestor,
  initialState,
  L1_SYNC_STREAM_ID,
  type L1BlockFacts,
  type L1BlockHeader,
  L1ChainMismatchError,
  type L1Fact,
  type L1SyncCommand,
  L1SyncConsistencyError,
  type L1SyncEvent,
  type L1SyncState,
  lastVerifiedBatch,
  nextBlockToScan,
  storedBlocks,
  type TrustedBatch,
  TrustedReorgError,
} from '../../src/streams/l1sync/index.ts';
import { L2_STREAM_ID, type L2Event } from '../../src/streams/l2/index.ts';
import { createL1Reader, type L1Log, type L1Reader, type L1Transaction } from './l1.ts';
import type { L2Builder } from './l2-builder.ts';

export type SynchronizerLog = (msg: string, fields?: Record<string, unknown>) => void;

export type SynchronizerDeps = {
  store: EventStore;
  /** L1 JSON-RPC URL. */
  l1Url: string;
  rollupAddress: Address;
  gerManagerAddress: Address;
  /** The L1 block the rollup was deployed in: the first block scanned. */
  fromBlock: bigint;
  /** Blocks below the L1 head that are not synced yet. @default 0 */
  confirmations?: bigint | number;
  /** L1 blocks per scan (and per append). @default 100 */
  chunkSize?: number;
  /**
   * A scanned range without facts is stored (its last block becomes the cursor) only once it spans this many
   * blocks; until then each pass scans again from the stored cursor. Storing it on every pass would append an event
   * per L1 block time forever. @default chunkSize
   */
  idleCursorBlocks?: number;
  /** Idle wait between passes once caught up, ms. @default 1000 */
  pollMs?: number;
  /**
   * `trusted`: this node runs the sequencer — every batch L1 sequences must be in the trusted chain and equal,
   * else the role halts. `permissionless`: batches the local `l2` stream lacks are recorded without comparison and
   * rebuilt from their L1 data by `l2Builder` (which checks each against the state root L1 verified for it, if any,
   * when it closes it); batches it has (followed from the trusted node ahead of L1) are
   * compared, and a difference resets the `l2` stream to the batch before (`TrustedStateReset`), after which the
   * batch is rebuilt from L1.
   */
  mode: 'trusted' | 'permissionless';
  /** Permissionless mode: rebuilds the `l2` stream from the virtual batches, at the start of every pass. */
  l2Builder?: L2Builder;
  /** Timeout of each L1 call, ms. @default 30000 */
  l1TimeoutMs?: number;
  log?: SynchronizerLog;
};

/** The trusted chain's closed batches that may still be compared, and how far the `l2` stream was read. */
export type TrustedView = { position: GlobalPosition; batches: Map<bigint, TrustedBatch> };

/** The synchronizer's view: the folded `l1-sync` stream, its revision, and the trusted view. */
export type SynchronizerState = { sync: L1SyncState; revision: number; trusted: TrustedView };

export type SynchronizerEffects = {
  /** Folds the `l1-sync` stream and builds the trusted view from the `l2` stream. */
  load(signal?: AbortSignal): Promise<SynchronizerState>;
  /**
   * One pass at `nowMs` (event metadata time): reorg check, then one chunk. `worked` says whether to pass again at
   * once (a reorg was recorded, or L1 has more blocks to scan).
   * @throws {TrustedReorgError} (critical) after appending a `TrustedReorgDetected`.
   * @throws {L1SyncConsistencyError} (critical) on L1 data that contradicts the synced state.
   * @throws {L1RpcError} (temporary) when L1 does not answer.
   */
  tick(
    state: SynchronizerState,
    nowMs: number,
    signal?: AbortSignal,
  ): Promise<{ state: SynchronizerState; worked: boolean }>;
};

const ACTOR = 'synchronizer';
const ZERO_HASH = `0x${'00'.repeat(32)}` as Hash;
const L2_TYPES = ['L2GenesisCreated', 'BatchClosed', 'TrustedStateReset'];

export function createSynchronizerEffects(deps: SynchronizerDeps): SynchronizerEffects {
  const { store } = deps;
  const log = deps.log ?? (() => {});
  const l1: L1Reader = createL1Reader(deps.l1Url, deps.l1TimeoutMs ? { timeoutMs: deps.l1TimeoutMs } : {});
  const confirmations = BigInt(deps.confirmations ?? 0);
  const chunkSize = BigInt(deps.chunkSize ?? 100);
  const idleCursorBlocks = BigInt(deps.idleCursorBlocks ?? deps.chunkSize ?? 100);
  const rollup = deps.rollupAddress.toLowerCase();
  const ger = deps.gerManagerAddress.toLowerCase();
  if (chunkSize < 1n) throw new RangeError('chunkSize must be at least 1');
  /** Whether the last pass scanned L1 up to its head: only then is the trusted node followed (permissionless). */
  let caughtUp = false;

  /** The view with the `l2` stream's batch events after `from.position` applied (`from` is not changed). */
  async function catchUpTrusted(from: TrustedView, floor: bigint): Promise<TrustedView> {
    const view: TrustedView = { position: from.position, batches: new Map(from.batches) };
    for (;;) {
      const page = await store.readAll({
        fromPosition: view.position,
        limit: 1000,
        filter: { streamPrefixes: [L2_STREAM_ID], types: L2_TYPES },
      });
      for (const e of page.events as RecordedEvent<L2Event>[]) {
        if (e.streamId !== L2_STREAM_ID) continue;
        if (e.type === 'L2GenesisCreated') {
          view.batches.set(0n, {
            number: 0n,
            batchHashData: batchHashData('0x'),
            globalExitRoot: ZERO_HASH,
            timestamp: BigInt(e.data.timestamp),
            coinbase: `0x${'00'.repeat(20)}` as Address,
            accInputHash: ZERO_HASH,
            stateRoot: e.data.stateRoot,
          });
        } else if (e.type === 'BatchClosed') {
          const d = e.data;
          const number = BigInt(d.batchNumber);
          if (number <= floor) continue;
          view.batches.set(number, {
            number,
            batchHashData: batchHashData(d.batchL2Data),
            globalExitRoot: d.globalExitRoot,
            timestamp: BigInt(d.timestamp),
            coinbase: d.coinbase,
            accInputHash: d.accInputHash,
            stateRoot: d.stateRoot,
          });
        } else if (e.type === 'TrustedStateReset') {
          const keep = BigInt(e.data.toBatch);
          for (const n of view.batches.keys()) if (n > keep) view.batches.delete(n);
        }
      }
      view.position = page.position;
      if (page.isEnd || page.events.length === 0) return view;
    }
  }

  /**
   * Batches below the last verified one are never compared again (until a reorg undoes a verification: then the view
   * is rebuilt). Changes `view` in place: it is the tick's own copy.
   */
  function prune(view: TrustedView, verified: bigint): void {
    for (const n of view.batches.keys()) if (n < verified) view.batches.delete(n);
  }

  async function append(
    state: SynchronizerState,
    events: L1SyncEvent[],
    nowMs: number,
  ): Promise<SynchronizerState> {
    if (events.length === 0) return state;
    await store.append(
      L1_SYNC_STREAM_ID,
      envelope(events, { actor: ACTOR, at: new Date(nowMs).toISOString() }),
      state.revision < 0 ? 'no_stream' : state.revision,
    );
    return { ...state, sync: events.reduce(evolve, state.sync), revision: state.revision + events.length };
  }

  /** The block before the deployment block: the ancestor when no stored block is on L1 any more. */
  async function beforeDeployment(signal?: AbortSignal): Promise<{ number: bigint; hash: Hash }> {
    const number = deps.fromBlock > 0n ? deps.fromBlock - 1n : 0n;
    const block = await l1.blockByNumber(number, signal);
    return { number, hash: block?.hash ?? ZERO_HASH };
  }

  /** Decodes the relevant logs of a range into facts per block (ascending). */
  async function factsOf(logs: readonly L1Log[], end: L1BlockHeader, signal?: AbortSignal) {
    const relevant = logs
      .filter((l) => !l.removed && (l.address === rollup || l.address === ger))
      .sort((a, b) =>
        a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
      );
    const txs = new Map<Hash, L1Transaction>();
    const txOf = async (l: L1Log): Promise<L1Transaction> => {
      let tx = txs.get(l.transactionHash);
      if (!tx) {
        const fetched = await l1.transaction(l.transactionHash, signal);
        if (!fetched || fetched.blockHash !== l.blockHash) {
          throw new L1ChainMismatchError(`tx ${l.transactionHash} is no longer in L1 block ${l.blockHash}`);
        }
        tx = fetched;
        txs.set(l.transactionHash, tx);
      }
      return tx;
    };
    const blocks: L1BlockFacts[] = [];
    let current: { block: L1BlockHeader; facts: L1Fact[] } | null = null;
    for (const l of relevant) {
      if (!current || current.block.number !== l.blockNumber) {
        const block = l.blockHash === end.hash ? end : await l1.blockByHash(l.blockHash, signal);
        if (!block || block.number !== l.blockNumber) {
          throw new L1ChainMismatchError(
            `L1 block ${l.blockHash} of a log at height ${l.blockNumber} is gone`,
          );
        }
        current = { block, facts: [] };
        blocks.push(current);
      } else if (current.block.hash !== l.blockHash) {
        throw new L1ChainMismatchError(`logs of two L1 blocks at height ${l.blockNumber}`);
      }
      const ev = decodeL1Log(l);
      if (!ev) continue;
      const fromRollup = l.address === rollup;
      switch (ev.type) {
        case 'SequenceBatches': {
          if (!fromRollup) continue;
          const tx = await txOf(l);
          const call = decodeSequenceBatchesCalldata(tx.input);
          current.facts.push({
            type: 'SequenceBatches',
            txHash: tx.hash,
            sender: tx.from,
            numBatch: ev.numBatch,
            l2Coinbase: call.l2Coinbase,
            batches: call.batches,
          });
          break;
        }
        case 'SequenceForceBatches': {
          if (!fromRollup) continue;
          const tx = await txOf(l);
          current.facts.push({
            type: 'SequenceForceBatches',
            txHash: tx.hash,
            sender: tx.from,
            numBatch: ev.numBatch,
            batches: decodeSequenceForceBatchesCalldata(tx.input),
          });
          break;
        }
        case 'ForceBatch': {
          if (!fromRollup) continue;
          let transactions = ev.transactions;
          if (transactions === '0x') {
            // An EOA's forced transactions are in its calldata (the event carries them only for contract callers).
            const tx = await txOf(l);
            if (tx.from === ev.sequencer) transactions = decodeForceBatchCalldata(tx.input).transactions;
          }
          current.facts.push({
            type: 'ForceBatch',
            txHash: l.transactionHash,
            forceBatchNum: ev.forceBatchNum,
            globalExitRoot: ev.lastGlobalExitRoot,
            sequencer: ev.sequencer,
            transactions,
          });
          break;
        }
        case 'VerifyBatchesTrustedAggregator':
          if (!fromRollup) continue;
          current.facts.push({
            type: 'VerifyBatches',
            txHash: l.transactionHash,
            numBatch: ev.numBatch,
            stateRoot: ev.stateRoot,
            aggregator: ev.aggregator,
          });
          break;
        case 'UpdateGlobalExitRoot':
          if (fromRollup) continue;
          current.facts.push({
            type: 'UpdateGlobalExitRoot',
            txHash: l.transactionHash,
            mainnetExitRoot: ev.mainnetExitRoot,
            rollupExitRoot: ev.rollupExitRoot,
          });
          break;
      }
    }
    return blocks.filter((b) => b.facts.length > 0);
  }

  /** Checks the cursor against L1; on a difference records the reorg. Returns null when the cursor holds. */
  /** Whether the cursor block is no longer on L1 (reorganised away since it was stored). */
  async function cursorGone(sync: L1SyncState, signal?: AbortSignal): Promise<boolean> {
    const cursor = cursorOf(sync);
    return cursor !== null && !cursorMatches(cursor, await l1.blockByNumber(cursor.number, signal));
  }

  async function checkReorg(
    state: SynchronizerState,
    nowMs: number,
    signal?: AbortSignal,
  ): Promise<SynchronizerState | null> {
    const cursor = cursorOf(state.sync);
    if (!cursor) return null;
    if (cursorMatches(cursor, await l1.blockByNumber(cursor.number, signal))) return null;
    const { ancestor, compared } = await findCommonAncestor(
      storedBlocks(state.sync),
      async (n) => (await l1.blockByNumber(n, signal))?.hash ?? null,
    );
    const commonAncestor = ancestor ?? (await beforeDeployment(signal));
    const command: L1SyncCommand = { type: 'RecordL1Reorg', data: { commonAncestor } };
    const events = decide(command, state.sync);
    const reorg = events.find((e) => e.type === 'ReorgDetected');
    if (!reorg) return null; // the cursor is back on L1 (a flapping node): nothing to undo
    log('L1 reorg', { ...reorg.data, compared });
    const next = await append(state, events, nowMs);
    // The trusted batches a reorg makes comparable again may have been pruned: rebuild the view.
    const trusted = await catchUpTrusted(
      { position: 0n, batches: new Map() },
      lastVerifiedBatch(next.sync) - 1n,
    );
    return { ...next, trusted };
  }

  return {
    async load() {
      const events = (await store.readStream(L1_SYNC_STREAM_ID)) as RecordedEvent<L1SyncEvent>[];
      const sync = events.reduce(evolve, initialState());
      const trusted = await catchUpTrusted(
        { position: 0n, batches: new Map() },
        lastVerifiedBatch(sync) - 1n,
      );
      const cursor = cursorOf(sync);
      log('synchronizer loaded', {
        events: events.length,
        cursor: cursor ? cursor.number.toString() : null,
        trustedBatches: trusted.batches.size,
      });
      return { sync, revision: events.length - 1, trusted };
    },

    async tick(initial, nowMs, signal) {
      const rebuilt = (await deps.l2Builder?.build(nowMs, { followTrusted: caughtUp })) ?? 0;
      let state: SynchronizerState = {
        ...initial,
        trusted: await catchUpTrusted(initial.trusted, lastVerifiedBatch(initial.sync) - 1n),
      };
      const afterReorg = await checkReorg(state, nowMs, signal);
      if (afterReorg) return { state: afterReorg, worked: true };

      const head = (await l1.blockNumber(signal)) - confirmations;
      const from = nextBlockToScan(state.sync, deps.fromBlock);
      caughtUp = from > head;
      if (from > head) return { state, worked: rebuilt > 0 };
      const to = from + chunkSize - 1n < head ? from + chunkSize - 1n : head;
      const end = await l1.blockByNumber(to, signal); // before the logs: see the module header
      if (!end) return { state, worked: false };
      let events: L1SyncEvent[];
      try {
        const logs = await l1.logs(
          { fromBlock: from, toBlock: to, addresses: [rollup, ger] as Address[] },
          signal,
        );
        const blocks = await factsOf(logs, end, signal);
        events = decide(
          { type: 'SyncL1Range', data: { blocks, end, trusted: state.trusted.batches, mode: deps.mode } },
          state.sync,
        );
      } catch (err) {
        // Facts that contradict the synced state are critical — unless L1 reorganised under the scan after the
        // cursor was checked (the cursor block gone, the new fork's facts not at cursor+1): then the next pass's
        // reorg check records the reorg, as for a mismatch seen during the scan.
        const reorgedUnderScan =
          err instanceof L1SyncConsistencyError && (await cursorGone(state.sync, signal));
        if (!(err instanceof L1ChainMismatchError) && !reorgedUnderScan) throw err;
        log('L1 changed during the scan; checking again', {
          from: from.toString(),
          to: to.toString(),
          reason: err.shortMessage,
        });
        return { state, worked: false };
      }
      if (events.every((e) => e.type === 'L1BlockSynced') && to - from + 1n < idleCursorBlocks) {
        caughtUp = to >= head; // nothing to store: L1 has nothing new up to its head
        return { state, worked: false };
      }
      // The range links to the cursor only if the cursor is still on L1 after the scan read it: a reorg under the
      // scan whose new fork holds nothing contradicting would otherwise store the range above an orphaned cursor,
      // and the blocks (and sequences) below the new cursor would never be compared again.
      if (await cursorGone(state.sync, signal)) {
        log('L1 changed during the scan; checking again', {
          from: from.toString(),
          to: to.toString(),
          reason: 'the cursor block left L1 during the scan',
        });
        return { state, worked: true }; // the next pass records the reorg at once
      }
      state = await append(state, events, nowMs);
      prune(state.trusted, lastVerifiedBatch(state.sync));
      const last = events[events.length - 1];
      if (last?.type === 'TrustedReorgDetected') {
        log('trusted reorg', { ...last.data });
        const batch = BigInt(last.data.batchNumber);
        // A verified state root that differs is not the trusted node's doing: rebuilding gives the same root.
        if (
          deps.mode === 'permissionless' &&
          deps.l2Builder &&
          batch > 0n &&
          last.data.field !== 'stateRoot'
        ) {
          // The trusted batches this node followed are not what L1 sequenced: undo them from the diverging one on;
          // the next pass scans the block again and the batch is rebuilt from L1's data (zkevm-node-spec §7).
          const reason = `L1 block ${last.data.l1Block} sequenced batch ${batch} with another ${last.data.field} (trusted ${last.data.trusted ?? 'none'}, L1 ${last.data.l1})`;
          await deps.l2Builder.resetTo(batch - 1n, reason, nowMs);
          return {
            state: {
              ...state,
              trusted: await catchUpTrusted(state.trusted, lastVerifiedBatch(state.sync) - 1n),
            },
            worked: true,
          };
        }
        throw new TrustedReorgError(last.data, {
          details:
            deps.mode === 'trusted'
              ? 'this node runs the trusted sequencer and L1 disagrees with its chain: halting (the reference halts too)'
              : 'L1 disagrees with a batch this node verified or rebuilt from L1 itself: halting',
        });
      }
      const virtualized = events.filter((e) => e.type === 'BatchesVirtualized').length;
      const verified = events.filter((e) => e.type === 'ProofVerified').length;
      if (virtualized + verified > 0) {
        log('L1 synced', {
          from: from.toString(),
          to: to.toString(),
          sequences: virtualized,
          verifications: verified,
        });
      }
      caughtUp = to >= head;
      return { state, worked: to < head };
    },
  };
}
