/**
 * The `l2` stream: the trusted L2 chain as the sequencer builds it (DESIGN §4, §6) — batches opened and closed,
 * one L2 block per tx in between, and resets of the trusted state. Written by the sequencer (or, on a node
 * without one, the synchronizer); single writer, fenced by expected revisions. Pure decider: time, execution
 * results and batch data arrive inside commands.
 */
import { assertNever, IllegalStateError } from '../../errors/index.ts';
import type { Event } from '../../eventstore/types.ts';
import { EMPTY_TRIE_ROOT, L2_BLOCK_GAS_LIMIT, l2BlockHash } from '../../l2/index.ts';
import type { Address, Hash, Hex } from '../../primitives/index.ts';
import type { TxData } from '../tx/index.ts';

//////// Stream id

export const L2_STREAM_ID = 'l2';

//////// Events

export type BatchCloseReason =
  /** `maxTxsPerBatch` reached. */
  | 'full_txs'
  /** The next tx would not fit in `maxBatchBytes`. */
  | 'full_bytes'
  /** The next tx would not fit in the batch gas limit. */
  | 'full_gas'
  /** `batchTimeoutMs` since the batch opened. */
  | 'timeout'
  /** The global exit root changed. */
  | 'ger_changed'
  /** A forced batch's deadline arrived. */
  | 'forced_deadline'
  /** A batch forced on L1 waits to be included: the open batch closes so it comes next. */
  | 'forced_batch'
  /** Rebuilt from a batch sequenced on L1 (a node without a sequencer). */
  | 'virtualized'
  /** Followed from the trusted node's `zkevm_getBatchByNumber` ahead of L1 (a node without a sequencer). */
  | 'trusted_sync';

/** Block 0 and batch 0: the genesis state, applied once before anything else on the stream. */
export type L2GenesisCreated = Event<
  'L2GenesisCreated',
  {
    /** Root of the genesis state. */
    stateRoot: Hash;
    /** Hash of block 0 (legacy header: zero parent, zero coinbase, empty tx and receipt tries). */
    blockHash: Hash;
    timestamp: string;
  }
>;

export type BatchOpened = Event<
  'BatchOpened',
  {
    batchNumber: string;
    /** Unix seconds; every L2 block of the batch carries it. */
    timestamp: string;
    coinbase: Address;
    globalExitRoot: Hash;
    /** State root and accInputHash the batch starts from (those of the previous batch). */
    oldStateRoot: Hash;
    oldAccInputHash: Hash;
    /**
     * Set when the batch is a batch forced on L1 (`forceBatch`): its number and `minForcedTimestamp` (the L1 block
     * time it was forced at), which the sequence sends so the rollup can match it. Absent otherwise.
     */
    forcedBatchNumber?: string;
    minForcedTimestamp?: string;
  }
>;

export type SealedTx = TxData & {
  /** The tx's blob in batchL2Data (unsigned RLP ‖ r ‖ s ‖ v ‖ effectivePercentage). */
  batchBlob: Hex;
};

export type SealedReceipt = {
  /** 1 success, 0 reverted (reverted txs are included: nonce and fee change). */
  status: 0 | 1;
  gasUsed: string;
  /** One tx per block: equals `gasUsed`. */
  cumulativeGasUsed: string;
  contractAddress: Address | null;
  logs: { address: Address; topics: Hash[]; data: Hex }[];
  logsBloom: Hex;
  effectiveGasPrice: string;
};

export type L2BlockSealed = Event<
  'L2BlockSealed',
  {
    number: string;
    hash: Hash;
    parentHash: Hash;
    batchNumber: string;
    timestamp: string;
    coinbase: Address;
    /** State root after the block's tx; the zkEVM's "native block hash". */
    stateRoot: Hash;
    transactionsRoot: Hash;
    receiptsRoot: Hash;
    logsBloom: Hex;
    gasLimit: string;
    gasUsed: string;
    tx: SealedTx;
    receipt: SealedReceipt;
  }
>;

export type BatchClosed = Event<
  'BatchClosed',
  {
    batchNumber: string;
    reason: BatchCloseReason;
    stateRoot: Hash;
    /** Concatenated tx blobs (DESIGN §6). */
    batchL2Data: Hex;
    accInputHash: Hash;
    globalExitRoot: Hash;
    timestamp: string;
    coinbase: Address;
    /** First and last L2 block of the batch; null when it closed empty. */
    firstBlock: string | null;
    lastBlock: string | null;
  }
>;

/**
 * The trusted chain after batch `toBatch` (and block `toBlock`) is undone — on a node without a sequencer, when L1
 * sequenced something else than the trusted batches it followed. The event carries the state it rewinds to, so
 * folding stays a pure function of the events.
 */
export type TrustedStateReset = Event<
  'TrustedStateReset',
  {
    /** The last batch kept; everything after it is undone. */
    toBatch: string;
    /** The last L2 block kept. */
    toBlock: string;
    reason: string;
    /** The kept tip: block `toBlock`'s hash and state root (= batch `toBatch`'s state root). */
    toBlockHash: Hash;
    stateRoot: Hash;
    /** Batch `toBatch`'s accInputHash and timestamp, and the last forced batch the kept chain included. */
    accInputHash: Hash;
    timestamp: string;
    lastForcedBatch: string;
  }
>;

export type L2Event = L2GenesisCreated | BatchOpened | L2BlockSealed | BatchClosed | TrustedStateReset;
export const L2_EVENT_TYPES = [
  'L2GenesisCreated',
  'BatchOpened',
  'L2BlockSealed',
  'BatchClosed',
  'TrustedStateReset',
] as const;

//////// State

/** The last L2 block of the chain. */
export type L2Tip = { number: bigint; hash: Hash; stateRoot: Hash };
/** A closed batch as the next one needs it. */
export type L2ClosedBatch = {
  number: bigint;
  stateRoot: Hash;
  accInputHash: Hash;
  timestamp: bigint;
  /** The last forced batch the chain has included so far (0: none). */
  lastForced: bigint;
};
type OpenBatchState = {
  number: bigint;
  timestamp: bigint;
  coinbase: Address;
  globalExitRoot: Hash;
  oldStateRoot: Hash;
  oldAccInputHash: Hash;
  /** Tx blobs so far, concatenated on close. */
  blobs: Hex[];
  bytes: number;
  gasUsed: bigint;
  firstBlock: bigint | null;
  /** The forced batch this batch is, or null. */
  forced: { forcedBatchNumber: bigint; minForcedTimestamp: bigint } | null;
};

/** The trusted chain: nothing before genesis; then its tip, its last closed batch, and the open batch if any. */
export type L2State =
  | { status: 'empty' }
  | { status: 'closed'; tip: L2Tip; lastBatch: L2ClosedBatch }
  | { status: 'open'; tip: L2Tip; lastBatch: L2ClosedBatch; batch: OpenBatchState };

export const initialState = (): L2State => ({ status: 'empty' });

const ZERO_HASH = `0x${'00'.repeat(32)}` as Hash;
const ZERO_ADDRESS = `0x${'00'.repeat(20)}` as Address;

/** The header of block 0 for a genesis state. Pure. */
export function genesisBlockHash(stateRoot: Hash, timestamp: bigint): Hash {
  return l2BlockHash({
    parentHash: ZERO_HASH,
    coinbase: ZERO_ADDRESS,
    stateRoot,
    transactionsRoot: EMPTY_TRIE_ROOT,
    receiptsRoot: EMPTY_TRIE_ROOT,
    logsBloom: `0x${'00'.repeat(256)}`,
    number: 0n,
    gasLimit: L2_BLOCK_GAS_LIMIT,
    gasUsed: 0n,
    timestamp,
    extraData: '0x',
  });
}

export function evolve(state: L2State, event: L2Event): L2State {
  if (state.status === 'empty' && event.type !== 'L2GenesisCreated') return state;
  switch (event.type) {
    case 'L2GenesisCreated': {
      const d = event.data;
      return {
        status: 'closed',
        tip: { number: 0n, hash: d.blockHash, stateRoot: d.stateRoot },
        lastBatch: {
          number: 0n,
          stateRoot: d.stateRoot,
          accInputHash: ZERO_HASH,
          timestamp: BigInt(d.timestamp),
          lastForced: 0n,
        },
      };
    }
    case 'BatchOpened': {
      if (state.status === 'empty') return state;
      const d = event.data;
      return {
        status: 'open',
        tip: state.tip,
        lastBatch: state.lastBatch,
        batch: {
          number: BigInt(d.batchNumber),
          timestamp: BigInt(d.timestamp),
          coinbase: d.coinbase,
          globalExitRoot: d.globalExitRoot,
          oldStateRoot: d.oldStateRoot,
          oldAccInputHash: d.oldAccInputHash,
          blobs: [],
          bytes: 0,
          gasUsed: 0n,
          firstBlock: null,
          forced:
            d.forcedBatchNumber === undefined
              ? null
              : {
                  forcedBatchNumber: BigInt(d.forcedBatchNumber),
                  minForcedTimestamp: BigInt(d.minForcedTimestamp ?? '0'),
                },
        },
      };
    }
    case 'L2BlockSealed': {
      if (state.status !== 'open') return state;
      const d = event.data;
      const number = BigInt(d.number);
      return {
        ...state,
        tip: { number, hash: d.hash, stateRoot: d.stateRoot },
        batch: {
          ...state.batch,
          blobs: [...state.batch.blobs, d.tx.batchBlob],
          bytes: state.batch.bytes + (d.tx.batchBlob.length - 2) / 2,
          gasUsed: state.batch.gasUsed + BigInt(d.receipt.gasUsed),
          firstBlock: state.batch.firstBlock ?? number,
        },
      };
    }
    case 'BatchClosed': {
      if (state.status === 'empty') return state;
      const d = event.data;
      return {
        status: 'closed',
        tip: state.tip,
        lastBatch: {
          number: BigInt(d.batchNumber),
          stateRoot: d.stateRoot,
          accInputHash: d.accInputHash,
          timestamp: BigInt(d.timestamp),
          lastForced:
            state.status === 'open' && state.batch.forced
              ? state.batch.forced.forcedBatchNumber
              : state.lastBatch.lastForced,
        },
      };
    }
    case 'TrustedStateReset': {
      if (state.status === 'empty') return state;
      const d = event.data;
      return {
        status: 'closed',
        tip: { number: BigInt(d.toBlock), hash: d.toBlockHash, stateRoot: d.stateRoot },
        lastBatch: {
          number: BigInt(d.toBatch),
          stateRoot: d.stateRoot,
          accInputHash: d.accInputHash,
          timestamp: BigInt(d.timestamp),
          lastForced: BigInt(d.lastForcedBatch),
        },
      };
    }
    default:
      return assertNever(event, 'l2 event');
  }
}

export const foldL2 = (events: readonly L2Event[]): L2State => events.reduce(evolve, initialState());

/**
 * The chain as it was right after batch `n` closed — its closed batch and tip, what {@link ResetTrustedState}
 * rewinds to — from the stream read newest first, without folding it from the start: the newest `BatchClosed` of
 * `n` is the current chain's (a reset undoes only what came before it), and the tip and the last forced batch are
 * the newest block, reset or genesis before it. Stops reading as soon as it knows. `null` when batch `n` is not
 * closed in the stream. Pure.
 */
export function stateAfterBatch(
  newestFirst: Iterable<L2Event>,
  n: bigint,
): { batch: L2ClosedBatch; tip: L2Tip } | null {
  let closed: BatchClosed['data'] | null = null;
  let tip: L2Tip | null = null;
  let lastForced: bigint | null = null;
  for (const e of newestFirst) {
    if (!closed) {
      if (e.type === 'BatchClosed' && BigInt(e.data.batchNumber) === n) closed = e.data;
      else if (n === 0n && e.type === 'L2GenesisCreated') {
        const d = e.data;
        return {
          batch: {
            number: 0n,
            stateRoot: d.stateRoot,
            accInputHash: ZERO_HASH,
            timestamp: BigInt(d.timestamp),
            lastForced: 0n,
          },
          tip: { number: 0n, hash: d.blockHash, stateRoot: d.stateRoot },
        };
      }
      continue;
    }
    if (e.type === 'TrustedStateReset') {
      const d = e.data;
      tip ??= { number: BigInt(d.toBlock), hash: d.toBlockHash, stateRoot: d.stateRoot };
      lastForced ??= BigInt(d.lastForcedBatch);
    } else if (e.type === 'L2GenesisCreated') {
      tip ??= { number: 0n, hash: e.data.blockHash, stateRoot: e.data.stateRoot };
      lastForced ??= 0n;
    } else if (e.type === 'L2BlockSealed') {
      tip ??= { number: BigInt(e.data.number), hash: e.data.hash, stateRoot: e.data.stateRoot };
    } else if (e.type === 'BatchOpened' && e.data.forcedBatchNumber !== undefined) {
      lastForced ??= BigInt(e.data.forcedBatchNumber);
    }
    if (tip && lastForced !== null) break;
  }
  if (!closed || !tip || lastForced === null) return null;
  return {
    batch: {
      number: n,
      stateRoot: closed.stateRoot,
      accInputHash: closed.accInputHash,
      timestamp: BigInt(closed.timestamp),
      lastForced,
    },
    tip,
  };
}

//////// Commands

export type CreateGenesis = { type: 'CreateGenesis'; data: { stateRoot: Hash; timestamp: bigint } };
export type OpenBatch = {
  type: 'OpenBatch';
  data: {
    timestamp: bigint;
    coinbase: Address;
    globalExitRoot: Hash;
    /** A batch forced on L1: the next one in order after the chain's last (`lastBatch.lastForced`). */
    forced?: { forcedBatchNumber: bigint; minForcedTimestamp: bigint };
  };
};
/** Execution results of the block's tx; number, parent, batch, time, coinbase and the hash come from the state. */
export type SealL2Block = {
  type: 'SealL2Block';
  data: Omit<
    L2BlockSealed['data'],
    'number' | 'hash' | 'parentHash' | 'batchNumber' | 'timestamp' | 'coinbase'
  >;
};
export type CloseBatch = {
  type: 'CloseBatch';
  data: { reason: BatchCloseReason; batchL2Data: Hex; accInputHash: Hash };
};
/**
 * Undo the chain after a closed batch: `to` is that batch and the tip it closed with, as the writer recorded them
 * (the state after its `BatchClosed`, or the genesis).
 */
export type ResetTrustedState = {
  type: 'ResetTrustedState';
  data: { to: { batch: L2ClosedBatch; tip: L2Tip }; reason: string };
};
export type L2Command = CreateGenesis | OpenBatch | SealL2Block | CloseBatch | ResetTrustedState;

/**
 * Decides the events of an l2 command. Pure: block numbers, parent links and batch numbers come from the state;
 * execution results, the batch data and its accInputHash come in the command.
 *
 * @throws {IllegalStateError} on a command the state does not allow (a block outside a batch, a batch opened
 * twice, a block whose parent is not the tip).
 */
export function decide(command: L2Command, state: L2State): L2Event[] {
  if (command.type === 'CreateGenesis') {
    if (state.status !== 'empty') throw new IllegalStateError('the genesis was already created');
    const { stateRoot, timestamp } = command.data;
    return [
      {
        type: 'L2GenesisCreated',
        data: {
          stateRoot,
          blockHash: genesisBlockHash(stateRoot, timestamp),
          timestamp: timestamp.toString(),
        },
      },
    ];
  }
  if (state.status === 'empty') throw new IllegalStateError(`${command.type} before the genesis was created`);
  switch (command.type) {
    case 'OpenBatch': {
      if (state.status === 'open') throw new IllegalStateError(`batch ${state.batch.number} is still open`);
      const d = command.data;
      if (d.timestamp < state.lastBatch.timestamp) {
        throw new IllegalStateError(
          `batch timestamp ${d.timestamp} is before the previous batch's ${state.lastBatch.timestamp}`,
        );
      }
      if (d.forced) {
        const next = state.lastBatch.lastForced + 1n;
        if (d.forced.forcedBatchNumber !== next)
          throw new IllegalStateError(
            `forced batch ${d.forced.forcedBatchNumber} cannot come before forced batch ${next} (forced batches go in order)`,
          );
        if (d.timestamp < d.forced.minForcedTimestamp)
          throw new IllegalStateError(
            `a forced batch's timestamp ${d.timestamp} must not be before the time it was forced (${d.forced.minForcedTimestamp})`,
          );
      }
      return [
        {
          type: 'BatchOpened',
          data: {
            batchNumber: (state.lastBatch.number + 1n).toString(),
            timestamp: d.timestamp.toString(),
            coinbase: d.coinbase,
            globalExitRoot: d.globalExitRoot,
            oldStateRoot: state.lastBatch.stateRoot,
            oldAccInputHash: state.lastBatch.accInputHash,
            ...(d.forced
              ? {
                  forcedBatchNumber: d.forced.forcedBatchNumber.toString(),
                  minForcedTimestamp: d.forced.minForcedTimestamp.toString(),
                }
              : {}),
          },
        },
      ];
    }
    case 'SealL2Block': {
      if (state.status !== 'open') throw new IllegalStateError('no batch is open: cannot seal an L2 block');
      const b = state.batch;
      const d = command.data;
      const number = state.tip.number + 1n;
      const hash = l2BlockHash({
        parentHash: state.tip.hash,
        coinbase: b.coinbase,
        stateRoot: d.stateRoot,
        transactionsRoot: d.transactionsRoot,
        receiptsRoot: d.receiptsRoot,
        logsBloom: d.logsBloom,
        number,
        gasLimit: BigInt(d.gasLimit),
        gasUsed: BigInt(d.gasUsed),
        timestamp: b.timestamp,
        extraData: '0x',
      });
      return [
        {
          type: 'L2BlockSealed',
          data: {
            ...d,
            number: number.toString(),
            hash,
            parentHash: state.tip.hash,
            batchNumber: b.number.toString(),
            timestamp: b.timestamp.toString(),
            coinbase: b.coinbase,
          },
        },
      ];
    }
    case 'CloseBatch': {
      if (state.status !== 'open') throw new IllegalStateError('no batch is open: cannot close one');
      const b = state.batch;
      const expected = `0x${b.blobs.map((x) => x.slice(2)).join('')}`;
      // A batch rebuilt from L1 (forced, or `virtualized`) is the bytes L1 holds, whatever they hold: its blocks are
      // only the txs that were valid. A batch this node seals is exactly its blocks.
      if (!b.forced && command.data.reason !== 'virtualized' && command.data.batchL2Data !== expected) {
        throw new IllegalStateError(`batchL2Data of batch ${b.number} does not match its sealed blocks`);
      }
      return [
        {
          type: 'BatchClosed',
          data: {
            batchNumber: b.number.toString(),
            reason: command.data.reason,
            stateRoot: state.tip.stateRoot,
            batchL2Data: command.data.batchL2Data,
            accInputHash: command.data.accInputHash,
            globalExitRoot: b.globalExitRoot,
            timestamp: b.timestamp.toString(),
            coinbase: b.coinbase,
            firstBlock: b.firstBlock === null ? null : b.firstBlock.toString(),
            lastBlock: b.firstBlock === null ? null : state.tip.number.toString(),
          },
        },
      ];
    }
    case 'ResetTrustedState': {
      const { batch, tip } = command.data.to;
      const last = state.lastBatch.number;
      if (batch.number > last)
        throw new IllegalStateError(
          `cannot reset to batch ${batch.number}: the last closed batch is ${last}`,
        );
      if (tip.number > state.tip.number)
        throw new IllegalStateError(`cannot reset to L2 block ${tip.number}: the tip is ${state.tip.number}`);
      if (batch.stateRoot !== tip.stateRoot)
        throw new IllegalStateError(
          `batch ${batch.number}'s state root ${batch.stateRoot} is not its last block's ${tip.stateRoot}`,
        );
      return [
        {
          type: 'TrustedStateReset',
          data: {
            toBatch: batch.number.toString(),
            toBlock: tip.number.toString(),
            reason: command.data.reason,
            toBlockHash: tip.hash,
            stateRoot: tip.stateRoot,
            accInputHash: batch.accInputHash,
            timestamp: batch.timestamp.toString(),
            lastForcedBatch: batch.lastForced.toString(),
          },
        },
      ];
    }
    default:
      return assertNever(command, 'l2 command');
  }
}
