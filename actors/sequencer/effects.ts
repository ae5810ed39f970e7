/**
 * The sequencer's I/O (DESIGN §3, §6): fold the `l2` stream, create the genesis, take ready pool txs, execute
 * one per L2 block, seal blocks, open and close batches. The decisions are pure (src/streams/l2 `decide`,
 * src/sequencer policy); this module reads the pool and the state, runs the executor and appends.
 *
 * Durability order per block: trie nodes are flushed BEFORE `L2BlockSealed` (which names the new root) is
 * appended; the `l2` append (expected revision: a single writer, so a second sequencer fails loudly) is the
 * commit point; `TxIncluded` on the tx's stream follows and is re-appended on start if a crash fell between the
 * two. The pool read model also marks a tx included on `L2BlockSealed`, so it never looks pending again.
 */
import type { ReadModelDb } from '../../projections/index.ts';
import { listPending, type PoolTx } from '../../projections/pool/index.ts';
import { accInputHash, encodeBatchL2Data } from '../../src/batch/index.ts';
import type { EventStore, RecordedEvent } from '../../src/eventstore/index.ts';
import type { Executor, GenesisAllocation, TrieStore } from '../../src/execution/index.ts';
import { encodeReceipt, L2_BLOCK_GAS_LIMIT, orderedTrieRoot } from '../../src/l2/index.ts';
import { type Address, bytesToHex, type Hash, type Hex } from '../../src/primitives/index.ts';
import {
  type BatchLimits,
  closeReason,
  type OpenBatchView,
  orderReadyTxs,
} from '../../src/sequencer/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  type BatchCloseReason,
  decide,
  evolve,
  initialState,
  L2_STREAM_ID,
  type L2BlockSealed,
  type L2Command,
  type L2Event,
  type L2State,
} from '../../src/streams/l2/index.ts';
import { type TxEvent, toTxData, txStreamId } from '../../src/streams/tx/index.ts';
import { encodeSignedLegacyTx, type LegacyTx } from '../../src/tx/index.ts';

export type SequencerDeps = {
  store: EventStore;
  db: ReadModelDb;
  executor: Executor;
  trie: TrieStore;
  genesis: readonly GenesisAllocation[];
  coinbase: Address;
  limits: BatchLimits;
  /** Resolves once the read models (the pool) have caught up with the log; awaited before the first tick. */
  readModelsReady?: () => Promise<void>;
  /** Txs taken from the pool per tick at most. @default 200 */
  maxTxsPerTick?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
};

/** The sequencer's view: the folded `l2` stream and its revision (the next append's expected revision). */
export type SequencerState = { l2: L2State; revision: number };

export type SequencerEffects = {
  /** Folds the `l2` stream and repairs a `TxIncluded` lost to a crash right after the last block. */
  load(nowMs: number): Promise<SequencerState>;
  /** One round of work at `nowMs`; `worked` says whether anything was appended (then tick again at once). */
  tick(state: SequencerState, nowMs: number): Promise<{ state: SequencerState; worked: boolean }>;
};

const ZERO_HASH = `0x${'00'.repeat(32)}` as Hash;
const ACTOR = 'sequencer';

const batchView = (l2: L2State): OpenBatchView | null =>
  l2.status !== 'open'
    ? null
    : {
        txCount: l2.batch.blobs.length,
        bytes: l2.batch.bytes,
        gasUsed: l2.batch.gasUsed,
        openedAtMs: Number(l2.batch.timestamp) * 1000,
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

export function createSequencerEffects(deps: SequencerDeps): SequencerEffects {
  const { store, executor, trie } = deps;
  const log = deps.log ?? (() => {});
  const at = (nowMs: number) => ({ actor: ACTOR, at: new Date(nowMs).toISOString() });

  async function append(state: SequencerState, command: L2Command, nowMs: number) {
    const events = decide(command, state.l2);
    await store.append(
      L2_STREAM_ID,
      envelope(events, at(nowMs)),
      state.revision < 0 ? 'no_stream' : state.revision,
    );
    return {
      state: { l2: events.reduce(evolve, state.l2), revision: state.revision + events.length },
      events,
    };
  }

  const appendTxEvent = (event: TxEvent, nowMs: number) =>
    store.append(txStreamId(event.data.hash), envelope([event], at(nowMs)), 'any');

  const included = (block: L2BlockSealed['data'], nowMs: number) =>
    appendTxEvent(
      {
        type: 'TxIncluded',
        data: {
          hash: block.tx.hash,
          blockNumber: block.number,
          blockHash: block.hash,
          batchNumber: block.batchNumber,
          status: block.receipt.status === 1 ? 'success' : 'reverted',
        },
      },
      nowMs,
    );

  async function createGenesis(state: SequencerState, nowMs: number): Promise<SequencerState> {
    const stateRoot = await executor.applyGenesis([...deps.genesis]);
    await trie.flush();
    log('genesis created', { stateRoot });
    const timestamp = BigInt(Math.floor(nowMs / 1000));
    return (await append(state, { type: 'CreateGenesis', data: { stateRoot, timestamp } }, nowMs)).state;
  }

  async function openBatch(state: SequencerState, nowMs: number): Promise<SequencerState> {
    if (state.l2.status !== 'closed') return state;
    // Batch timestamps never go back, even if the clock does.
    const now = BigInt(Math.floor(nowMs / 1000));
    const timestamp = now > state.l2.lastBatch.timestamp ? now : state.l2.lastBatch.timestamp;
    const command: L2Command = {
      type: 'OpenBatch',
      data: { timestamp, coinbase: deps.coinbase, globalExitRoot: ZERO_HASH },
    };
    return (await append(state, command, nowMs)).state;
  }

  async function closeBatch(
    state: SequencerState,
    reason: BatchCloseReason,
    nowMs: number,
  ): Promise<SequencerState> {
    if (state.l2.status !== 'open') return state;
    const b = state.l2.batch;
    const batchL2Data = `0x${b.blobs.map((x) => x.slice(2)).join('')}` as Hex;
    const acc = accInputHash({
      oldAccInputHash: b.oldAccInputHash,
      batchL2Data,
      globalExitRoot: b.globalExitRoot,
      timestamp: b.timestamp,
      coinbase: b.coinbase,
    });
    log('batch closed', { batch: b.number.toString(), reason, txs: b.blobs.length });
    return (
      await append(state, { type: 'CloseBatch', data: { reason, batchL2Data, accInputHash: acc } }, nowMs)
    ).state;
  }

  /** Executes one pool tx into a new L2 block, or marks it invalid. */
  async function sealTx(
    state: SequencerState,
    tx: PoolTx,
    legacy: LegacyTx,
    blob: Uint8Array,
    nowMs: number,
  ): Promise<SequencerState> {
    if (state.l2.status !== 'open') return state;
    const { tip, batch } = state.l2;
    const result = await executor.executeTx({
      stateRoot: tip.stateRoot,
      tx: legacy,
      block: {
        number: tip.number + 1n,
        timestamp: batch.timestamp,
        coinbase: batch.coinbase,
        parentHash: tip.hash,
      },
    });
    if (!result.valid) {
      log('tx invalid', { tx: tx.hash, reason: result.error });
      await appendTxEvent({ type: 'TxInvalidated', data: { hash: tx.hash, reason: result.error } }, nowMs);
      return state;
    }
    const r = result.receipt;
    const [transactionsRoot, receiptsRoot] = await Promise.all([
      orderedTrieRoot([encodeSignedLegacyTx(legacy)]),
      orderedTrieRoot([
        encodeReceipt({
          postState: result.stateRoot,
          cumulativeGasUsed: r.cumulativeGasUsed,
          logsBloom: r.logsBloom,
          logs: r.logs,
        }),
      ]),
    ]);
    await trie.flush(); // the new root's nodes are durable before the event that names it
    const { state: next, events } = await append(
      state,
      {
        type: 'SealL2Block',
        data: {
          stateRoot: result.stateRoot,
          transactionsRoot,
          receiptsRoot,
          logsBloom: r.logsBloom,
          gasLimit: L2_BLOCK_GAS_LIMIT.toString(),
          gasUsed: r.gasUsed.toString(),
          tx: {
            ...toTxData({ ...legacy, from: tx.from }),
            batchBlob: bytesToHex(blob),
          },
          receipt: {
            status: r.status,
            gasUsed: r.gasUsed.toString(),
            cumulativeGasUsed: r.cumulativeGasUsed.toString(),
            contractAddress: r.createdAddress ?? null,
            logs: r.logs,
            logsBloom: r.logsBloom,
            effectiveGasPrice: tx.gasPrice.toString(),
          },
        },
      },
      nowMs,
    );
    await included((events[0] as L2BlockSealed).data, nowMs);
    return next;
  }

  return {
    async load(nowMs) {
      await deps.readModelsReady?.();
      const events = (await store.readStream(L2_STREAM_ID)) as RecordedEvent<L2Event>[];
      const l2 = events.reduce(evolve, initialState());
      const lastSealed = events.findLast(
        (e): e is RecordedEvent<L2BlockSealed> => e.type === 'L2BlockSealed',
      );
      if (lastSealed) {
        const txEvents = await store.readStream(txStreamId(lastSealed.data.tx.hash));
        if (!txEvents.some((e) => e.type === 'TxIncluded')) await included(lastSealed.data, nowMs);
      }
      return { l2, revision: events.length - 1 };
    },

    async tick(state, nowMs) {
      if (state.l2.status === 'empty') return { state: await createGenesis(state, nowMs), worked: true };
      const open = batchView(state.l2);
      const due = open && closeReason(open, deps.limits, { nowMs });
      if (due) return { state: await closeBatch(state, due, nowMs), worked: true };

      const pending = await listPending(deps.db.pool);
      if (pending.length === 0) return { state, worked: false };
      const tipRoot = state.l2.tip.stateRoot;
      const nonces = new Map<string, bigint>();
      for (const from of new Set(pending.map((t) => t.from))) {
        nonces.set(from, (await executor.getAccount(tipRoot, from)).nonce);
      }
      const { ready, stale } = orderReadyTxs(pending, (from) => nonces.get(from) ?? 0n);
      let s = state;
      let worked = false;
      for (const tx of stale) {
        await appendTxEvent({ type: 'TxFailed', data: { hash: tx.hash, reason: 'nonce too low' } }, nowMs);
        worked = true;
      }
      for (const tx of ready.slice(0, deps.maxTxsPerTick ?? 200)) {
        s = await openBatch(s, nowMs);
        const view = batchView(s.l2);
        if (!view) break;
        const legacy = toLegacyTx(tx);
        const blob = encodeBatchL2Data([legacy]);
        const bytes = blob.length;
        const full = closeReason(view, deps.limits, { nowMs }, { bytes, gas: tx.gas });
        if (full) {
          s = await closeBatch(s, full, nowMs);
          worked = true;
          break; // the next tick opens a new batch with a fresh timestamp
        }
        s = await sealTx(s, tx, legacy, blob, nowMs);
        worked = true;
      }
      return { state: s, worked };
    },
  };
}
