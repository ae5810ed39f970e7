/**
 * The sequence sender's I/O (DESIGN §2, §6; reference spec §4 "Sequence sender"): closed batches after the last
 * one sent → one `sequenceBatches` L1 tx, handed to the eth-tx-manager.
 *
 * A round: the closed batches right after the last sent (consecutive, one coinbase), as many as keep the signed L1
 * tx within `maxTxSize` (the reference's MaxTxSizeForL1, 131072 bytes, which it checks against `tx.Size()`; geth's
 * pool refuses larger txs) — measured as the calldata plus an upper bound of the signed envelope
 * ({@link signedTxSizeBound}) — once L1's latest block is not older than the last of them (the contract refuses a
 * batch timestamp after its block's) → append `SequenceSent` (expected revision: one sender) → `queueL1Tx` with the
 * id `sequence-from-A-to-B`. The intent is appended first: on start the last sequence is queued again, a no-op when
 * it already was (ids are idempotent), so a crash between the two never loses a sequence nor sends batches twice
 * under different ids.
 */
import type { ReadModelDb } from '../../projections/index.ts';
import { lastVirtualBatchNumber } from '../../projections/l1sync/index.ts';
import { type BatchRow, getBatch } from '../../projections/l2/index.ts';
import type { EventStore, RecordedEvent } from '../../src/eventstore/index.ts';
import { encodeSequenceBatches, type SequenceBatchData } from '../../src/l1/contracts/index.ts';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  decide,
  evolve,
  foldSequence,
  SEQUENCE_SENDER_STREAM_ID,
  type SequenceEvent,
  type SequenceState,
} from '../../src/streams/sequence/index.ts';
import { createLostL1TxWatch } from '../effects/lost-l1-tx.ts';
import { queueL1Tx, readL1Tx } from '../eth-tx-manager/index.ts';

/** The reference's MaxTxSizeForL1: bytes of the signed L1 tx (geth's pool limit, txMaxSize). */
export const MAX_SEQUENCE_TX_SIZE = 131_072;

/** Bytes of an RLP string or list header before a payload of `n` bytes (n ≥ 56: 1 + the length's own bytes). */
const rlpHeaderSize = (n: number) => (n < 56 ? 1 : 1 + Math.ceil(n.toString(16).length / 2));

/**
 * An upper bound on the size of a signed L1 tx, without value and access list, carrying `calldataBytes` bytes: the
 * EIP-1559 envelope (larger than the legacy one the eth-tx-manager signs on an L1 without a base fee) with every
 * field at its widest — type byte, list header; chain id, nonce and gas limit of 8 bytes; both fees of 32; the
 * 20-byte `to`; value 0; the data's header; an empty access list; y parity; r and s of 32. At most 192 bytes over
 * the calldata (about 70 over a real tx: fees and nonces are far narrower). Pure.
 */
export function signedTxSizeBound(calldataBytes: number): number {
  const word8 = 9;
  const word32 = 33;
  const fields =
    word8 + // chain id
    word8 + // nonce
    word32 + // max priority fee
    word32 + // max fee
    word8 + // gas limit
    21 + // to
    1 + // value 0
    rlpHeaderSize(calldataBytes) +
    calldataBytes +
    1 + // access list []
    1 + // y parity
    word32 + // r
    word32; // s
  return 1 + rlpHeaderSize(fields) + fields;
}

export type SequenceSenderDeps = {
  store: EventStore;
  db: ReadModelDb;
  /** The rollup contract on L1. */
  rollupAddress: Address;
  /** The trusted sequencer's L1 account (the eth-tx-manager holds its key). */
  sender: Address;
  /** The timestamp (seconds) of L1's latest block. */
  l1LatestTimestamp: () => Promise<bigint>;
  /**
   * The block hash of `txHash`'s receipt on L1, or null when L1 has none. With it, a sequence L1 lost after its
   * confirmation (a deeper reorg: the eth-tx-manager leaves those to the owner) is sent again.
   */
  l1ReceiptBlockHash?: (txHash: Hash) => Promise<Hash | null>;
  /**
   * Whether L1 holds `txHash` unmined (in its pool). With it, a sequence tx a reorg put back in L1's pool is waited
   * for, not sent again beside it (both would land: L1 would sequence a copy of the batches).
   */
  l1TxPending?: (txHash: Hash) => Promise<boolean>;
  /** L1's latest block number: how long a confirmed sequence tx's receipt has been missing. */
  l1BlockNumber: () => Promise<bigint>;
  /**
   * L1 blocks a confirmed sequence tx's receipt must stay missing for (seen missing, then still missing this many
   * blocks later) before the sequence counts as lost: an L1 node lagging behind, or the tx back in the pool after
   * a reorg and mined again in the next blocks, is not a loss. @default 2
   */
  lostAfterBlocks?: number;
  /** Sends of one sequence at most before the role fails, naming it. @default 5 */
  maxAttempts?: number;
  /** Resolves once the read models (the batches) have caught up with the log; awaited before loading. */
  readModelsReady?: () => Promise<void>;
  /** Signed L1 tx bytes per sequence at most (calldata + {@link signedTxSizeBound}'s envelope). @default 131072 */
  maxTxSize?: number;
  /** Batches per sequence at most. @default 100 */
  maxBatches?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
};

export type SequenceSenderState = { seq: SequenceState; revision: number };

export type SequenceSenderEffects = {
  load(nowMs: number): Promise<SequenceSenderState>;
  tick(state: SequenceSenderState, nowMs: number): Promise<{ state: SequenceSenderState; worked: boolean }>;
};

const ACTOR = 'sequence-sender';

const toSequenceBatch = (b: BatchRow): SequenceBatchData => ({
  transactions: (b.batchL2Data ?? '0x') as Hex,
  globalExitRoot: b.globalExitRoot as Hash,
  timestamp: b.timestamp,
  // Non-zero for a batch forced on L1: the rollup then checks it against the forced batch it consumes.
  minForcedTimestamp: b.minForcedTimestamp ?? 0n,
});

/** An upper bound on the size in bytes of the signed L1 tx `sequenceBatches(batches, coinbase)`. Pure. */
export const sequenceTxSize = (batches: readonly SequenceBatchData[], coinbase: Address): number =>
  signedTxSizeBound((encodeSequenceBatches(batches, coinbase).length - 2) / 2);

export function createSequenceSenderEffects(deps: SequenceSenderDeps): SequenceSenderEffects {
  const { store, db } = deps;
  const log = deps.log ?? (() => {});
  const maxTxSize = deps.maxTxSize ?? MAX_SEQUENCE_TX_SIZE;
  const maxBatches = deps.maxBatches ?? 100;
  // A confirmed sequence tx's receipt, watched while the synchronizer has not recorded it (in memory: a restart
  // waits anew).
  const lostWatch = deps.l1ReceiptBlockHash
    ? createLostL1TxWatch({
        receiptBlockHash: deps.l1ReceiptBlockHash,
        blockNumber: deps.l1BlockNumber,
        lostAfterBlocks: deps.lostAfterBlocks,
        pendingOnL1: deps.l1TxPending,
      })
    : null;
  /** The last sequence tx found re-included in another L1 block, and the last found back in L1's pool (logged once). */
  let reincluded: string | null = null;
  let backInPool: string | null = null;
  const at = (nowMs: number) => ({ actor: ACTOR, at: new Date(nowMs).toISOString() });

  /** The closed batches `from`..`to`, or null when one is missing or open (the l2 read model is behind). */
  async function closedBatches(from: bigint, to: bigint): Promise<BatchRow[] | null> {
    const out: BatchRow[] = [];
    for (let n = from; n <= to; n++) {
      const b = await getBatch(db.pool, n);
      if (!b?.closed) return null;
      out.push(b);
    }
    return out;
  }

  async function queue(
    from: bigint,
    to: bigint,
    batches: readonly BatchRow[],
    nowMs: number,
    l1TxId: string,
  ) {
    const coinbase = batches[0]!.coinbase as Address;
    const result = await queueL1Tx(
      store,
      {
        id: l1TxId,
        from: deps.sender,
        to: deps.rollupAddress,
        data: encodeSequenceBatches(batches.map(toSequenceBatch), coinbase),
      },
      { actor: ACTOR, at: new Date(nowMs).toISOString() },
    );
    if (result.queued) log('sequence queued', { fromBatch: from.toString(), toBatch: to.toString(), l1TxId });
  }

  /**
   * The sequence right after the last virtual batch, when L1 lost it: its tx failed, or was confirmed and its
   * receipt is gone (a reorg deeper than the confirmations) and still gone `lostAfterBlocks` L1 blocks later. It is
   * sent again — the same batches, a new L1 tx id — and the state returned; null when nothing was lost. A receipt
   * in another block than the recorded one is no loss: the reorg re-included the tx, L1 holds the sequence and the
   * synchronizer makes the batches virtual again once it syncs that block (sending them again would sequence a copy
   * of them as the next batches: fork-5 `sequenceBatches` does not check batch numbers).
   * @throws {Error} when one sequence was sent `maxAttempts` times.
   */
  async function resendLost(state: SequenceSenderState, nowMs: number): Promise<SequenceSenderState | null> {
    if (!lostWatch || state.seq.lastSentBatch === 0n) return null;
    const lastVirtual = await lastVirtualBatchNumber(db.pool);
    if (lastVirtual >= state.seq.lastSentBatch) return null;
    const lost = state.seq.sent.find((s) => s.fromBatch === lastVirtual + 1n);
    if (!lost) return null;
    const { state: tx } = await readL1Tx(store, lost.l1TxId);
    let reason: string | null = null;
    if (tx.status === 'failed') reason = `its L1 tx ${lost.l1TxId} failed: ${tx.code} ${tx.reason}`;
    else if (tx.status === 'confirmed') {
      const check = await lostWatch.check(lost.l1TxId, tx.mined);
      if (check.status === 'on_l1') {
        if (check.moved && reincluded !== lost.l1TxId) {
          reincluded = lost.l1TxId;
          log('sequence tx re-included in another L1 block by a reorg; waiting for the synchronizer', {
            fromBatch: lost.fromBatch.toString(),
            toBatch: lost.toBatch.toString(),
            l1TxId: lost.l1TxId,
            blockHash: check.blockHash,
          });
        }
        return null;
      }
      if (check.status === 'pending' && backInPool !== lost.l1TxId) {
        backInPool = lost.l1TxId;
        log("sequence tx back in L1's pool after a reorg; waiting for it to be mined again", {
          fromBatch: lost.fromBatch.toString(),
          toBatch: lost.toBatch.toString(),
          l1TxId: lost.l1TxId,
        });
      }
      if (check.status !== 'lost') return null;
      reason = `its L1 tx ${lost.l1TxId} was confirmed in block ${tx.mined.blockNumber}, which a reorg removed (no receipt since L1 block ${check.sinceBlock})`;
    }
    if (reason === null) return null;
    const attempts = state.seq.attempts.get(`${lost.fromBatch}-${lost.toBatch}`) ?? 1;
    if (attempts >= (deps.maxAttempts ?? 5))
      throw new Error(
        `sequence of batches ${lost.fromBatch}..${lost.toBatch} sent ${attempts} times and lost: ${reason}`,
      );
    const batches = await closedBatches(lost.fromBatch, lost.toBatch);
    if (!batches) return null;
    log('sequence lost on L1; sending it again', {
      fromBatch: lost.fromBatch.toString(),
      toBatch: lost.toBatch.toString(),
      reason,
    });
    const events = decide(
      { type: 'ResendSequence', data: { fromBatch: lost.fromBatch, toBatch: lost.toBatch } },
      state.seq,
    );
    await store.append(SEQUENCE_SENDER_STREAM_ID, envelope(events, at(nowMs)), state.revision);
    const next = { seq: events.reduce(evolve, state.seq), revision: state.revision + events.length };
    lostWatch.forget();
    await queue(lost.fromBatch, lost.toBatch, batches, nowMs, next.seq.last!.l1TxId);
    return next;
  }

  /** The next sequence: closed batches after `last`, one coinbase, within the size and count limits. */
  async function nextSequence(last: bigint): Promise<BatchRow[]> {
    const picked: BatchRow[] = [];
    for (let n = last + 1n; picked.length < maxBatches; n++) {
      const b = await getBatch(db.pool, n);
      if (!b?.closed) break;
      if (picked.length > 0 && b.coinbase !== picked[0]!.coinbase) break;
      const coinbase = (picked[0] ?? b).coinbase as Address;
      if (sequenceTxSize([...picked, b].map(toSequenceBatch), coinbase) > maxTxSize) {
        if (picked.length === 0) {
          throw new Error(
            `batch ${n} alone makes a sequenceBatches tx over ${maxTxSize} bytes: it can never be sequenced`,
          );
        }
        break;
      }
      picked.push(b);
    }
    return picked;
  }

  return {
    async load(nowMs) {
      await deps.readModelsReady?.();
      const events = (await store.readStream(SEQUENCE_SENDER_STREAM_ID)) as RecordedEvent<SequenceEvent>[];
      const seq = foldSequence(events);
      // A crash may have fallen between `SequenceSent` and its queueing: queue it again (a no-op if it was).
      if (seq.last) {
        const batches = await closedBatches(seq.last.fromBatch, seq.last.toBatch);
        if (batches) await queue(seq.last.fromBatch, seq.last.toBatch, batches, nowMs, seq.last.l1TxId);
      }
      return { seq, revision: events.length - 1 };
    },

    async tick(state, nowMs) {
      const resent = await resendLost(state, nowMs);
      if (resent) return { state: resent, worked: true };
      const batches = await nextSequence(state.seq.lastSentBatch);
      if (batches.length === 0) return { state, worked: false };
      const newest = batches.at(-1)!.timestamp;
      if ((await deps.l1LatestTimestamp()) < newest) return { state, worked: false }; // L1 catches up within a block
      const from = batches[0]!.number;
      const to = batches.at(-1)!.number;
      const events = decide({ type: 'SendSequence', data: { fromBatch: from, toBatch: to } }, state.seq);
      await store.append(
        SEQUENCE_SENDER_STREAM_ID,
        envelope(events, at(nowMs)),
        state.revision < 0 ? 'no_stream' : state.revision,
      );
      const next = { seq: events.reduce(evolve, state.seq), revision: state.revision + events.length };
      await queue(from, to, batches, nowMs, next.seq.last!.l1TxId);
      return { state: next, worked: true };
    },
  };
}
