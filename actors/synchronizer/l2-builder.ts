/**
 * The L2 chain of a node without a sequencer, rebuilt from L1 alone (DESIGN §4: the synchronizer writes `l2` on such
 * a node; zkevm-node-spec §7). Every batch the `l1-sync` stream records as virtualized is executed as the trusted
 * sequencer executed it — one tx per L2 block, the batch's timestamp and coinbase, txs without a valid sender or
 * that the state refuses make no block — and appended to this node's own `l2` stream: `BatchOpened`, one
 * `L2BlockSealed` per tx, `BatchClosed` (reason `virtualized`). Block 0 is a function of the genesis, so the blocks,
 * hashes and state roots are the trusted node's.
 *
 * The accInputHash of each rebuilt batch is recomputed and must equal the one L1 accumulated; batches are built in
 * order, at most `maxBatchesPerRound` per call, each round one trie flush and one `l2` append (expected revision:
 * the single writer).
 */
import { accInputHash, type BatchTx, decodeBatchL2Data, encodeBatchL2Data } from '../../src/batch/index.ts';
import { NodeError } from '../../src/errors/index.ts';
import type { EventStore, RecordedEvent } from '../../src/eventstore/index.ts';
import type { Executor, GenesisAllocation, TrieStore } from '../../src/execution/index.ts';
import { bytesToHex, type Hash, type Hex } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  type BatchesVirtualized,
  type ForcedBatchObserved,
  L1_SYNC_STREAM_ID,
  type L1SyncEvent,
  type VirtualizedBatch,
} from '../../src/streams/l1sync/index.ts';
import {
  decide,
  evolve,
  initialState,
  L2_STREAM_ID,
  type L2Command,
  type L2Event,
  type L2State,
} from '../../src/streams/l2/index.ts';
import { executeIntoBlock } from '../effects/l2-block.ts';

export type L2BuilderDeps = {
  store: EventStore;
  executor: Executor;
  trie: TrieStore;
  genesis: readonly GenesisAllocation[];
  /** Block 0's timestamp (the genesis file's). */
  genesisTimestamp: bigint;
  /** Batches rebuilt per round at most. @default 20 */
  maxBatchesPerRound?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
};

export type L2Builder = {
  /**
   * Rebuilds the virtual batches the `l2` stream does not have yet (up to the round's limit); returns how many.
   * @throws {L2RebuildError} (critical) when a batch's recomputed accInputHash is not L1's.
   */
  build(nowMs: number): Promise<number>;
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
  const maxBatches = deps.maxBatchesPerRound ?? 20;
  /** The folded `l2` stream and its revision; null until the first build. */
  let l2: { state: L2State; revision: number } | null = null;
  /** Virtual batches not built yet, by number; and how far the `l1-sync` stream was read. */
  const virtual = new Map<bigint, VirtualizedBatch>();
  /** When each forced batch was forced (its minForcedTimestamp), by forced batch number. */
  const forcedAt = new Map<bigint, bigint>();
  let syncRevision = 0;

  async function readVirtual(): Promise<void> {
    const events = (await store.readStream(L1_SYNC_STREAM_ID, {
      from: syncRevision,
    })) as RecordedEvent<L1SyncEvent>[];
    for (const e of events) {
      if (e.type === 'ForcedBatchObserved') {
        const d = (e as RecordedEvent<ForcedBatchObserved>).data;
        forcedAt.set(BigInt(d.forcedBatchNumber), BigInt(d.timestamp));
      }
      if (e.type === 'BatchesVirtualized')
        for (const b of (e as RecordedEvent<BatchesVirtualized>).data.batches)
          virtual.set(BigInt(b.number), b);
    }
    syncRevision += events.length;
  }

  return {
    async build(nowMs) {
      if (!l2) {
        const events = (await store.readStream(L2_STREAM_ID)) as RecordedEvent<L2Event>[];
        l2 = { state: events.reduce(evolve, initialState()), revision: events.length - 1 };
      }
      await readVirtual();
      let state = l2.state;
      const staged: L2Event[] = [];
      const stage = (command: L2Command) => {
        const events = decide(command, state);
        state = events.reduce(evolve, state);
        staged.push(...events);
        return events;
      };
      if (state.status === 'empty') {
        const stateRoot = await executor.applyGenesis([...deps.genesis]);
        stage({ type: 'CreateGenesis', data: { stateRoot, timestamp: deps.genesisTimestamp } });
        log('genesis created', { stateRoot });
      }
      let built = 0;
      while (built < maxBatches && state.status === 'closed') {
        const number = state.lastBatch.number + 1n;
        const batch = virtual.get(number);
        if (!batch) break;
        const timestamp = BigInt(batch.timestamp);
        const forcedNumber = batch.forcedBatchNumber === null ? null : BigInt(batch.forcedBatchNumber);
        stage({
          type: 'OpenBatch',
          data: {
            timestamp,
            coinbase: batch.coinbase,
            globalExitRoot: batch.globalExitRoot,
            ...(forcedNumber === null
              ? {}
              : {
                  forced: {
                    forcedBatchNumber: forcedNumber,
                    minForcedTimestamp: forcedAt.get(forcedNumber) ?? timestamp,
                  },
                }),
          },
        });
        let txs: BatchTx[] = [];
        try {
          txs = decodeBatchL2Data(batch.batchL2Data);
        } catch (err) {
          // Anyone can force any bytes: such a batch has no blocks. A sequencer batch that does not decode is a bug.
          if (forcedNumber === null)
            throw new L2RebuildError(
              `batch ${number} sequenced on L1 does not decode: ${(err as Error).message}`,
            );
        }
        const blobs: Hex[] = [];
        for (const tx of txs) {
          if (tx.from === null) continue;
          const blob = encodeBatchL2Data([tx]);
          const out = await executeIntoBlock(executor, state, { ...tx, from: tx.from }, blob);
          if ('invalid' in out) {
            log('tx in a virtual batch is invalid: no block', {
              batch: number.toString(),
              tx: tx.hash,
              reason: out.invalid,
            });
            continue;
          }
          stage(out.command);
          blobs.push(bytesToHex(blob));
        }
        const open = state as L2State; // `stage` moved it on: no longer the loop condition's narrowed state
        if (open.status !== 'open') break;
        // A forced batch is the bytes forced on L1; only its valid txs made blocks.
        const batchL2Data =
          forcedNumber === null
            ? (`0x${blobs.map((b) => b.slice(2)).join('')}` as Hex)
            : (batch.batchL2Data.toLowerCase() as Hex);
        if (batchL2Data !== batch.batchL2Data.toLowerCase())
          throw new L2RebuildError(
            `batch ${number} sequenced on L1 holds txs that make no block; rebuilding such batches is not supported`,
          );
        const acc = accInputHash({
          oldAccInputHash: open.batch.oldAccInputHash,
          batchL2Data,
          globalExitRoot: batch.globalExitRoot,
          timestamp,
          coinbase: batch.coinbase,
        });
        if (acc !== batch.accInputHash.toLowerCase())
          throw new L2RebuildError(
            `batch ${number}: the rebuilt accInputHash ${acc} is not L1's ${batch.accInputHash as Hash}`,
          );
        stage({ type: 'CloseBatch', data: { reason: 'virtualized', batchL2Data, accInputHash: acc } });
        virtual.delete(number);
        built++;
      }
      if (staged.length === 0) return 0;
      await trie.flush();
      await store.append(
        L2_STREAM_ID,
        envelope(staged, { actor: ACTOR, at: new Date(nowMs).toISOString() }),
        l2.revision < 0 ? 'no_stream' : l2.revision,
      );
      l2 = { state, revision: l2.revision + staged.length };
      if (built > 0 && state.status !== 'empty')
        log('L2 rebuilt from L1', { batches: built, lastBatch: state.lastBatch.number.toString() });
      return built;
    },
  };
}
