/**
 * The `l1-sync` stream (DESIGN §4, zkevm-node-spec §6–7): what the synchronizer learned from L1 — the L1 blocks it
 * stored, batches virtualized (sequenced) and verified, forced batches, global exit roots, L1 reorgs and
 * divergences from the trusted chain. Single writer (the synchronizer), fenced by expected revisions.
 *
 * Pure decider: L1 blocks and the facts decoded from their logs and calldata arrive inside commands, and so does
 * the trusted chain's view of the batches to compare. `evolve` keeps what a later decision needs — the stored
 * blocks (the cursor and the reorg walk-back), the sequences, verifications and forced batches with the L1 block
 * each came from (what a reorg undoes) — in persistent lists, newest first, so folding a long stream stays linear.
 */
import { accInputHash, batchHashData } from '../../batch/index.ts';
import { assertNever, IllegalStateError } from '../../errors/index.ts';
import type { Event } from '../../eventstore/types.ts';
import { type Address, type Hash, type Hex, hexToBytes, keccak256Hex } from '../../primitives/index.ts';
import { L1ChainMismatchError, L1SyncConsistencyError } from './errors.ts';

//////// Stream id

export const L1_SYNC_STREAM_ID = 'l1-sync';

//////// Events

/** An L1 block the synchronizer stored: one that carried relevant logs, or the last block of a scanned range. */
export type L1BlockSynced = Event<
  'L1BlockSynced',
  { number: string; hash: Hash; parentHash: Hash; timestamp: string }
>;

/** One batch of a sequence as L1 committed it. */
export type VirtualizedBatch = {
  number: string;
  /** The batch's transactions as sequenced (batchL2Data). */
  batchL2Data: Hex;
  globalExitRoot: Hash;
  /** Unix seconds. */
  timestamp: string;
  coinbase: Address;
  /** The accumulated input hash after this batch, computed along the L1 chain of batches. */
  accInputHash: Hash;
  /** The forced batch this batch consumed; null for a sequencer batch. */
  forcedBatchNumber: string | null;
};

/** Batches `fromBatch`..`toBatch` sequenced on L1: `sequenceBatches` (`sequence`) or `sequenceForceBatches` (`forced`). */
export type BatchesVirtualized = Event<
  'BatchesVirtualized',
  {
    l1Block: string;
    l1BlockHash: Hash;
    txHash: Hash;
    kind: 'sequence' | 'forced';
    /** The sender of the L1 tx. */
    sequencer: Address;
    fromBatch: string;
    toBatch: string;
    batches: VirtualizedBatch[];
  }
>;

/** A batch forced on L1 with `forceBatch`, waiting to be sequenced. */
export type ForcedBatchObserved = Event<
  'ForcedBatchObserved',
  {
    l1Block: string;
    l1BlockHash: Hash;
    txHash: Hash;
    forcedBatchNumber: string;
    /** The GER manager's last global exit root when it was forced. */
    globalExitRoot: Hash;
    /** Who forced it. */
    sequencer: Address;
    transactions: Hex;
    /** The L1 block's time (the forced batch's `minForcedTimestamp`). */
    timestamp: string;
  }
>;

/** Batches `fromBatch`..`toBatch` verified on L1 (`verifyBatchesTrustedAggregator`), with the new state root. */
export type ProofVerified = Event<
  'ProofVerified',
  {
    l1Block: string;
    l1BlockHash: Hash;
    txHash: Hash;
    fromBatch: string;
    toBatch: string;
    stateRoot: Hash;
    aggregator: Address;
  }
>;

/** A new global exit root on the GER manager (`UpdateGlobalExitRoot`). */
export type GlobalExitRootUpdated = Event<
  'GlobalExitRootUpdated',
  {
    l1Block: string;
    l1BlockHash: Hash;
    txHash: Hash;
    mainnetExitRoot: Hash;
    rollupExitRoot: Hash;
    /** keccak256(mainnetExitRoot ‖ rollupExitRoot). */
    globalExitRoot: Hash;
    /** The L1 block's time. */
    timestamp: string;
  }
>;

export type L1BlockRef = { number: string; hash: Hash };

/**
 * L1 dropped stored blocks. Everything learned from blocks above `commonAncestor` is undone: the blocks
 * (`orphaned`, newest first), the virtual and verified status of batches they carried, the forced batches and exit
 * roots they carried. `depth` is the number of L1 blocks rewound (cursor − ancestor).
 */
export type ReorgDetected = Event<
  'ReorgDetected',
  {
    depth: string;
    commonAncestor: L1BlockRef;
    orphaned: L1BlockRef[];
    unvirtualized: string[];
    unverified: string[];
    droppedForcedBatches: string[];
  }
>;

/** Which part of a batch differs between L1 and the trusted chain (`batch`: the trusted chain lacks it). */
export type TrustedReorgField =
  | 'batch'
  | 'batchL2Data'
  | 'globalExitRoot'
  | 'timestamp'
  | 'coinbase'
  | 'accInputHash'
  | 'stateRoot';

/**
 * A batch sequenced or verified on L1 differs from the trusted chain. Values are 0x-hex or decimal strings
 * (`batchL2Data`: the batchHashData of each side); `trusted` is null when the trusted chain lacks the batch. The L1
 * block it was found in is not stored (nothing of it is), so a restart finds the divergence again.
 */
export type TrustedReorgDetected = Event<
  'TrustedReorgDetected',
  {
    batchNumber: string;
    field: TrustedReorgField;
    trusted: string | null;
    l1: string;
    l1Block: string;
    l1BlockHash: Hash;
    txHash: Hash;
  }
>;

export type L1SyncEvent =
  | L1BlockSynced
  | BatchesVirtualized
  | ForcedBatchObserved
  | ProofVerified
  | GlobalExitRootUpdated
  | ReorgDetected
  | TrustedReorgDetected;

export const L1_SYNC_EVENT_TYPES = [
  'L1BlockSynced',
  'BatchesVirtualized',
  'ForcedBatchObserved',
  'ProofVerified',
  'GlobalExitRootUpdated',
  'ReorgDetected',
  'TrustedReorgDetected',
] as const satisfies readonly L1SyncEvent['type'][];

//////// State

/** An immutable singly linked list, newest first: O(1) push and pop with structural sharing. */
export type List<T> = { readonly head: T; readonly tail: List<T> } | null;

const push = <T>(list: List<T>, head: T): List<T> => ({ head, tail: list });

/** Drops the newest items while `pred` holds. */
function dropWhile<T>(list: List<T>, pred: (t: T) => boolean): List<T> {
  let l = list;
  while (l && pred(l.head)) l = l.tail;
  return l;
}

/** The items of a list, newest first. */
export function* listItems<T>(list: List<T>): Generator<T> {
  for (let l = list; l; l = l.tail) yield l.head;
}

/** An L1 block header as the synchronizer reads it. */
export type L1BlockHeader = { number: bigint; hash: Hash; parentHash: Hash; timestamp: bigint };

type SequenceRecord = {
  fromBatch: bigint;
  toBatch: bigint;
  l1Block: bigint;
  /** accInputHash after `toBatch`. */
  accInputHash: Hash;
  /** The last forced batch consumed by this or an earlier sequence. */
  lastForcedSequenced: bigint;
};
type VerificationRecord = { fromBatch: bigint; toBatch: bigint; l1Block: bigint; stateRoot: Hash };
type ForcedRecord = {
  number: bigint;
  l1Block: bigint;
  transactionsHash: Hash;
  globalExitRoot: Hash;
  timestamp: bigint;
};

/**
 * What the synchronizer knows from L1, each list newest first. The cursor is the newest stored block; the last
 * virtual batch and its accInputHash come from the newest sequence (batch 0, zero hash before any), the last
 * verified batch from the newest verification.
 */
export type L1SyncState = {
  readonly blocks: List<L1BlockHeader>;
  readonly sequences: List<SequenceRecord>;
  readonly verifications: List<VerificationRecord>;
  readonly forced: List<ForcedRecord>;
};

export const initialState = (): L1SyncState => ({
  blocks: null,
  sequences: null,
  verifications: null,
  forced: null,
});

const ZERO_HASH = `0x${'00'.repeat(32)}` as Hash;

/** The newest stored L1 block, or null before the first. Pure. */
export const cursorOf = (s: L1SyncState): L1BlockHeader | null => s.blocks?.head ?? null;
/** The last virtual batch (0: the genesis batch). Pure. */
export const lastVirtualBatch = (s: L1SyncState): bigint => s.sequences?.head.toBatch ?? 0n;
/** The accInputHash of the last virtual batch (zero for the genesis batch). Pure. */
export const lastAccInputHash = (s: L1SyncState): Hash => s.sequences?.head.accInputHash ?? ZERO_HASH;
/** The last verified batch (0: the genesis batch). Pure. */
export const lastVerifiedBatch = (s: L1SyncState): bigint => s.verifications?.head.toBatch ?? 0n;
/** The last forced batch observed on L1 (0 before any). Pure. */
export const lastForcedBatch = (s: L1SyncState): bigint => s.forced?.head.number ?? 0n;
/** The last forced batch sequenced. Pure. */
const lastForcedSequenced = (s: L1SyncState): bigint => s.sequences?.head.lastForcedSequenced ?? 0n;

/** The first L1 block the next scan reads: after the cursor, else the deployment block. Pure. */
export const nextBlockToScan = (s: L1SyncState, deploymentBlock: bigint): bigint => {
  const cursor = cursorOf(s);
  return cursor ? cursor.number + 1n : deploymentBlock;
};

/** Stored L1 blocks, newest first (what the reorg walk-back compares). Pure. */
export const storedBlocks = (s: L1SyncState): Generator<L1BlockHeader> => listItems(s.blocks);

export function evolve(state: L1SyncState, event: L1SyncEvent): L1SyncState {
  switch (event.type) {
    case 'L1BlockSynced': {
      const d = event.data;
      return {
        ...state,
        blocks: push(state.blocks, {
          number: BigInt(d.number),
          hash: d.hash,
          parentHash: d.parentHash,
          timestamp: BigInt(d.timestamp),
        }),
      };
    }
    case 'BatchesVirtualized': {
      const d = event.data;
      const last = d.batches[d.batches.length - 1];
      if (!last) return state;
      const forced = d.batches.reduce(
        (max, b) =>
          b.forcedBatchNumber !== null && BigInt(b.forcedBatchNumber) > max
            ? BigInt(b.forcedBatchNumber)
            : max,
        lastForcedSequenced(state),
      );
      return {
        ...state,
        sequences: push(state.sequences, {
          fromBatch: BigInt(d.fromBatch),
          toBatch: BigInt(d.toBatch),
          l1Block: BigInt(d.l1Block),
          accInputHash: last.accInputHash,
          lastForcedSequenced: forced,
        }),
      };
    }
    case 'ForcedBatchObserved': {
      const d = event.data;
      return {
        ...state,
        forced: push(state.forced, {
          number: BigInt(d.forcedBatchNumber),
          l1Block: BigInt(d.l1Block),
          transactionsHash: batchHashData(d.transactions),
          globalExitRoot: d.globalExitRoot,
          timestamp: BigInt(d.timestamp),
        }),
      };
    }
    case 'ProofVerified': {
      const d = event.data;
      return {
        ...state,
        verifications: push(state.verifications, {
          fromBatch: BigInt(d.fromBatch),
          toBatch: BigInt(d.toBatch),
          l1Block: BigInt(d.l1Block),
          stateRoot: d.stateRoot,
        }),
      };
    }
    case 'ReorgDetected': {
      const ancestor = BigInt(event.data.commonAncestor.number);
      return {
        blocks: dropWhile(state.blocks, (b) => b.number > ancestor),
        sequences: dropWhile(state.sequences, (r) => r.l1Block > ancestor),
        verifications: dropWhile(state.verifications, (r) => r.l1Block > ancestor),
        forced: dropWhile(state.forced, (r) => r.l1Block > ancestor),
      };
    }
    case 'GlobalExitRootUpdated':
    case 'TrustedReorgDetected':
      // Read models only: nothing a later decision depends on.
      return state;
    default:
      return assertNever(event, 'l1-sync event');
  }
}

export const foldL1Sync = (events: readonly L1SyncEvent[]): L1SyncState =>
  events.reduce(evolve, initialState());

//////// Commands

/** One element of `sequenceBatches` calldata. */
export type SequencedBatchInput = {
  transactions: Hex;
  globalExitRoot: Hash;
  timestamp: bigint;
  minForcedTimestamp: bigint;
};

/** One element of `sequenceForceBatches` calldata. */
export type ForcedBatchInput = { transactions: Hex; globalExitRoot: Hash; minForcedTimestamp: bigint };

/** A relevant L1 log, decoded together with its tx's calldata where the log alone does not say enough. */
export type L1Fact =
  | {
      type: 'SequenceBatches';
      txHash: Hash;
      /** The tx's sender. */
      sender: Address;
      /** The last batch of the sequence (the event's `numBatch`). */
      numBatch: bigint;
      l2Coinbase: Address;
      batches: readonly SequencedBatchInput[];
    }
  | {
      type: 'SequenceForceBatches';
      txHash: Hash;
      sender: Address;
      numBatch: bigint;
      batches: readonly ForcedBatchInput[];
    }
  | {
      type: 'ForceBatch';
      txHash: Hash;
      forceBatchNum: bigint;
      globalExitRoot: Hash;
      sequencer: Address;
      /** From the event, or from the calldata when the forcer was an EOA. */
      transactions: Hex;
    }
  | { type: 'VerifyBatches'; txHash: Hash; numBatch: bigint; stateRoot: Hash; aggregator: Address }
  | { type: 'UpdateGlobalExitRoot'; txHash: Hash; mainnetExitRoot: Hash; rollupExitRoot: Hash };

/** An L1 block with its relevant facts, in log order. */
export type L1BlockFacts = { block: L1BlockHeader; facts: readonly L1Fact[] };

/** A closed batch of the trusted chain, as the comparison needs it. */
export type TrustedBatch = {
  number: bigint;
  /** keccak256 of its batchL2Data. */
  batchHashData: Hash;
  globalExitRoot: Hash;
  timestamp: bigint;
  coinbase: Address;
  accInputHash: Hash;
  stateRoot: Hash;
};

/**
 * Store a scanned L1 range: its blocks with relevant facts (ascending) and its last block. `trusted` holds the
 * trusted chain's closed batches to compare with; `mode: 'trusted'` (a sequencer runs on this node) also counts a
 * batch the trusted chain lacks as a divergence, `permissionless` records it without comparing.
 */
export type SyncL1Range = {
  type: 'SyncL1Range';
  data: {
    blocks: readonly L1BlockFacts[];
    end: L1BlockHeader;
    trusted: ReadonlyMap<bigint, TrustedBatch>;
    mode: 'trusted' | 'permissionless';
  };
};

/** Rewind to `commonAncestor`, the newest stored block L1 still has (or the block before the deployment block). */
export type RecordL1Reorg = {
  type: 'RecordL1Reorg';
  data: { commonAncestor: { number: bigint; hash: Hash } };
};

export type L1SyncCommand = SyncL1Range | RecordL1Reorg;

/**
 * Decides the events of an l1-sync command. Pure.
 *
 * `SyncL1Range` → per block with facts: `L1BlockSynced`, then one event per fact in log order; then the range's
 * last block unless it carried facts. Each virtualized batch is compared field by field with the trusted batch
 * (batchL2Data, global exit root, timestamp, coinbase, then the accInputHash recomputed along the L1 chain), each
 * verification's state root with the trusted batch's. At the first difference the events decided so far are
 * returned followed by `TrustedReorgDetected`, and nothing of the block it was found in.
 *
 * `RecordL1Reorg` → one `ReorgDetected` (none when no stored block is above the ancestor).
 *
 * @throws {L1ChainMismatchError} when the range does not link to the cursor or its blocks disagree (a reorg during
 *   the scan: store nothing, the next pass rewinds).
 * @throws {L1SyncConsistencyError} when the facts contradict the state (a sequence that does not follow the last
 *   virtual batch, a verification past it, a forced batch out of order or unknown).
 * @throws {IllegalStateError} when the range's blocks are out of order or not after the cursor.
 */
export function decide(command: L1SyncCommand, state: L1SyncState): L1SyncEvent[] {
  switch (command.type) {
    case 'SyncL1Range':
      return decideRange(command.data, state);
    case 'RecordL1Reorg':
      return decideReorg(command.data.commonAncestor, state);
    default:
      return assertNever(command, 'l1-sync command');
  }
}

const blockSynced = (b: L1BlockHeader): L1BlockSynced => ({
  type: 'L1BlockSynced',
  data: {
    number: b.number.toString(),
    hash: b.hash,
    parentHash: b.parentHash,
    timestamp: b.timestamp.toString(),
  },
});

function checkRange(data: SyncL1Range['data'], state: L1SyncState): void {
  const cursor = cursorOf(state);
  const headers = [...data.blocks.map((b) => b.block), data.end];
  let previous = cursor;
  for (const [i, h] of headers.entries()) {
    if (previous) {
      if (h.number < previous.number || (h.number === previous.number && previous === cursor)) {
        throw new IllegalStateError(`L1 block ${h.number} is not after L1 block ${previous.number}`);
      }
      if (h.number === previous.number) {
        // Only the range's last block may repeat the last block with facts, and then it is that block.
        if (i !== headers.length - 1) throw new IllegalStateError(`L1 block ${h.number} is listed twice`);
        if (h.hash !== previous.hash) {
          throw new L1ChainMismatchError(
            `two L1 blocks at height ${h.number}: ${previous.hash} and ${h.hash}`,
          );
        }
      }
      if (h.number === previous.number + 1n && h.parentHash !== previous.hash) {
        throw new L1ChainMismatchError(
          `L1 block ${h.number} (${h.hash}) does not extend block ${previous.number} (${previous.hash})`,
        );
      }
    }
    previous = h;
  }
}

function decideRange(data: SyncL1Range['data'], state: L1SyncState): L1SyncEvent[] {
  checkRange(data, state);
  const events: L1SyncEvent[] = [];
  let s = state;
  for (const { block, facts } of data.blocks) {
    const synced = blockSynced(block);
    const blockEvents: L1SyncEvent[] = [synced];
    let t = evolve(s, synced);
    for (const fact of facts) {
      const decided = decideFact(fact, block, t, data);
      if (decided.type === 'TrustedReorgDetected') return [...events, decided];
      blockEvents.push(decided);
      t = evolve(t, decided);
    }
    events.push(...blockEvents);
    s = t;
  }
  const last = cursorOf(s);
  if (!last || data.end.number > last.number) events.push(blockSynced(data.end));
  return events;
}

type Origin = { l1Block: string; l1BlockHash: Hash; txHash: Hash };

function decideFact(
  fact: L1Fact,
  block: L1BlockHeader,
  s: L1SyncState,
  data: SyncL1Range['data'],
): Exclude<L1SyncEvent, L1BlockSynced | ReorgDetected> {
  const origin: Origin = { l1Block: block.number.toString(), l1BlockHash: block.hash, txHash: fact.txHash };
  switch (fact.type) {
    case 'SequenceBatches':
      return virtualize(
        origin,
        'sequence',
        fact.sender,
        fact.numBatch,
        fact.batches.map((b) => ({
          transactions: b.transactions,
          globalExitRoot: b.globalExitRoot,
          timestamp: b.timestamp,
          coinbase: fact.l2Coinbase,
          forced: b.minForcedTimestamp > 0n,
        })),
        s,
        data,
      );
    case 'SequenceForceBatches': {
      // Each consumes the next forced batch; the contract checked the data against it, so must we.
      let next = lastForcedSequenced(s);
      for (const b of fact.batches) {
        next++;
        const rec = findForced(s, next);
        if (!rec) {
          throw new L1SyncConsistencyError(
            `sequenceForceBatches in L1 block ${block.number} consumes forced batch ${next}, which was never observed`,
          );
        }
        if (
          batchHashData(b.transactions) !== rec.transactionsHash ||
          b.globalExitRoot !== rec.globalExitRoot ||
          b.minForcedTimestamp !== rec.timestamp
        ) {
          throw new L1SyncConsistencyError(
            `sequenceForceBatches in L1 block ${block.number} does not match forced batch ${next}`,
          );
        }
      }
      return virtualize(
        origin,
        'forced',
        fact.sender,
        fact.numBatch,
        fact.batches.map((b) => ({
          transactions: b.transactions,
          globalExitRoot: b.globalExitRoot,
          timestamp: block.timestamp,
          coinbase: fact.sender,
          forced: true,
        })),
        s,
        data,
      );
    }
    case 'ForceBatch': {
      const expected = lastForcedBatch(s) + 1n;
      if (fact.forceBatchNum !== expected) {
        throw new L1SyncConsistencyError(
          `forced batch ${fact.forceBatchNum} in L1 block ${block.number}: expected forced batch ${expected}`,
        );
      }
      return {
        type: 'ForcedBatchObserved',
        data: {
          ...origin,
          forcedBatchNumber: fact.forceBatchNum.toString(),
          globalExitRoot: fact.globalExitRoot,
          sequencer: fact.sequencer,
          transactions: fact.transactions,
          timestamp: block.timestamp.toString(),
        },
      };
    }
    case 'VerifyBatches': {
      const from = lastVerifiedBatch(s) + 1n;
      const lastVirtual = lastVirtualBatch(s);
      if (fact.numBatch < from || fact.numBatch > lastVirtual) {
        throw new L1SyncConsistencyError(
          `verification of batches up to ${fact.numBatch} in L1 block ${block.number}: ` +
            `the last verified batch is ${from - 1n} and the last virtual batch ${lastVirtual}`,
        );
      }
      const trusted = data.trusted.get(fact.numBatch);
      const differs = compareField(
        origin,
        fact.numBatch,
        'stateRoot',
        trusted ? trusted.stateRoot : null,
        fact.stateRoot,
        data.mode,
      );
      if (differs) return differs;
      return {
        type: 'ProofVerified',
        data: {
          ...origin,
          fromBatch: from.toString(),
          toBatch: fact.numBatch.toString(),
          stateRoot: fact.stateRoot,
          aggregator: fact.aggregator,
        },
      };
    }
    case 'UpdateGlobalExitRoot': {
      const packed = new Uint8Array(64);
      packed.set(hexToBytes(fact.mainnetExitRoot), 0);
      packed.set(hexToBytes(fact.rollupExitRoot), 32);
      return {
        type: 'GlobalExitRootUpdated',
        data: {
          ...origin,
          mainnetExitRoot: fact.mainnetExitRoot,
          rollupExitRoot: fact.rollupExitRoot,
          globalExitRoot: keccak256Hex(packed),
          timestamp: block.timestamp.toString(),
        },
      };
    }
    default:
      return assertNever(fact, 'L1 fact');
  }
}

function findForced(s: L1SyncState, number: bigint): ForcedRecord | null {
  for (const r of listItems(s.forced)) {
    if (r.number === number) return r;
    if (r.number < number) return null;
  }
  return null;
}

type BatchOnL1 = {
  transactions: Hex;
  globalExitRoot: Hash;
  timestamp: bigint;
  coinbase: Address;
  forced: boolean;
};

function virtualize(
  origin: Origin,
  kind: 'sequence' | 'forced',
  sender: Address,
  numBatch: bigint,
  batches: readonly BatchOnL1[],
  s: L1SyncState,
  data: SyncL1Range['data'],
): BatchesVirtualized | TrustedReorgDetected {
  const count = BigInt(batches.length);
  const from = numBatch - count + 1n;
  const lastVirtual = lastVirtualBatch(s);
  if (count === 0n || from !== lastVirtual + 1n) {
    throw new L1SyncConsistencyError(
      `sequence of batches ${from}..${numBatch} in L1 block ${origin.l1Block} does not follow the last virtual batch ${lastVirtual}`,
    );
  }
  let acc = lastAccInputHash(s);
  let forced = lastForcedSequenced(s);
  const out: VirtualizedBatch[] = [];
  for (const [i, b] of batches.entries()) {
    const number = from + BigInt(i);
    acc = accInputHash({
      oldAccInputHash: acc,
      batchL2Data: b.transactions,
      globalExitRoot: b.globalExitRoot,
      timestamp: b.timestamp,
      coinbase: b.coinbase,
    });
    const forcedBatchNumber = b.forced ? ++forced : null;
    const differs = compareBatch(origin, number, b, acc, data);
    if (differs) return differs;
    out.push({
      number: number.toString(),
      batchL2Data: b.transactions,
      globalExitRoot: b.globalExitRoot,
      timestamp: b.timestamp.toString(),
      coinbase: b.coinbase,
      accInputHash: acc,
      forcedBatchNumber: forcedBatchNumber === null ? null : forcedBatchNumber.toString(),
    });
  }
  return {
    type: 'BatchesVirtualized',
    data: {
      ...origin,
      kind,
      sequencer: sender,
      fromBatch: from.toString(),
      toBatch: numBatch.toString(),
      batches: out,
    },
  };
}

function compareBatch(
  origin: Origin,
  number: bigint,
  b: BatchOnL1,
  acc: Hash,
  data: SyncL1Range['data'],
): TrustedReorgDetected | null {
  const t = data.trusted.get(number);
  if (!t) return compareField(origin, number, 'batch', null, batchHashData(b.transactions), data.mode);
  const pairs: [TrustedReorgField, string, string][] = [
    ['batchL2Data', t.batchHashData, batchHashData(b.transactions)],
    ['globalExitRoot', t.globalExitRoot, b.globalExitRoot],
    ['timestamp', t.timestamp.toString(), b.timestamp.toString()],
    ['coinbase', t.coinbase.toLowerCase(), b.coinbase.toLowerCase()],
    ['accInputHash', t.accInputHash, acc],
  ];
  for (const [field, trusted, l1] of pairs) {
    const differs = compareField(origin, number, field, trusted, l1, data.mode);
    if (differs) return differs;
  }
  return null;
}

/** A `TrustedReorgDetected` when the values differ; a missing trusted value differs only in trusted mode. */
function compareField(
  origin: Origin,
  batchNumber: bigint,
  field: TrustedReorgField,
  trusted: string | null,
  l1: string,
  mode: 'trusted' | 'permissionless',
): TrustedReorgDetected | null {
  if (trusted === null ? mode === 'permissionless' : trusted.toLowerCase() === l1.toLowerCase()) return null;
  return {
    type: 'TrustedReorgDetected',
    data: {
      ...origin,
      batchNumber: batchNumber.toString(),
      field: trusted === null ? 'batch' : field,
      trusted,
      l1,
    },
  };
}

function decideReorg(ancestor: { number: bigint; hash: Hash }, state: L1SyncState): L1SyncEvent[] {
  const cursor = cursorOf(state);
  if (!cursor || ancestor.number >= cursor.number) return [];
  const above = <T>(list: List<T>, at: (t: T) => bigint) => {
    const out: T[] = [];
    for (const t of listItems(list)) {
      if (at(t) <= ancestor.number) break;
      out.push(t);
    }
    return out;
  };
  const range = (from: bigint, to: bigint) => {
    const out: string[] = [];
    for (let n = from; n <= to; n++) out.push(n.toString());
    return out;
  };
  const ascending = <T extends { fromBatch: bigint; toBatch: bigint }>(records: T[]) =>
    records.reverse().flatMap((r) => range(r.fromBatch, r.toBatch));
  return [
    {
      type: 'ReorgDetected',
      data: {
        depth: (cursor.number - ancestor.number).toString(),
        commonAncestor: { number: ancestor.number.toString(), hash: ancestor.hash },
        orphaned: above(state.blocks, (b) => b.number).map((b) => ({
          number: b.number.toString(),
          hash: b.hash,
        })),
        unvirtualized: ascending(above(state.sequences, (r) => r.l1Block)),
        unverified: ascending(above(state.verifications, (r) => r.l1Block)),
        droppedForcedBatches: above(state.forced, (r) => r.l1Block)
          .reverse()
          .map((r) => r.number.toString()),
      },
    },
  ];
}
