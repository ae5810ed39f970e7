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
  | 'virtualized';

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

export type TrustedStateReset = Event<
  'TrustedStateReset',
  {
    /** The last batch kept; everything after it is undone. */
    toBatch: string;
    /** The last L2 block kept. */
    toBlock: string;
    reason: string;
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

type Tip = { number: bigint; hash: Hash; stateRoot: Hash };
type ClosedBatch = {
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
  | { status: 'closed'; tip: Tip; lastBatch: ClosedBatch }
  | { status: 'open'; tip: Tip; lastBatch: ClosedBatch; batch: OpenBatchState };

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
    case 'TrustedStateReset':
      // The writer appends the reset together with the state it rewinds to; folding the events after it
      // rebuilds the rest. Here: the open batch, if any, is dropped.
      if (state.status === 'empty') return state;
      return { status: 'closed', tip: state.tip, lastBatch: state.lastBatch };
    default:
      return assertNever(event, 'l2 event');
  }
}

export const foldL2 = (events: readonly L2Event[]): L2State => events.reduce(evolve, initialState());

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
export type L2Command = CreateGenesis | OpenBatch | SealL2Block | CloseBatch;

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
      // A forced batch is the bytes forced on L1, whatever they hold: its blocks are only the txs that were valid.
      if (!b.forced && command.data.batchL2Data !== expected) {
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
    default:
      return assertNever(command, 'l2 command');
  }
}
