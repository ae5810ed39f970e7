/**
 * The `l1-sync` decider: ranges of L1 blocks with facts → events (comparison with the trusted chain, forced batches,
 * verifications, exit roots), the consistency checks, and the reorg walk-back with the rollback `evolve` applies —
 * depth 1, 3, 10, every stored block orphaned, and the same after a restart (events read back from JSON).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { accInputHash, batchHashData } from '../../src/batch/index.ts';
import { IllegalStateError } from '../../src/errors/index.ts';
import { type Address, type Hash, type Hex, hexToBytes, keccak256Hex } from '../../src/primitives/index.ts';
import {
  cursorMatches,
  cursorOf,
  decide,
  evolve,
  findCommonAncestor,
  foldL1Sync,
  initialState,
  type L1BlockFacts,
  type L1BlockHeader,
  L1ChainMismatchError,
  type L1Fact,
  L1SyncConsistencyError,
  type L1SyncEvent,
  type L1SyncState,
  lastAccInputHash,
  lastForcedBatch,
  lastVerifiedBatch,
  lastVirtualBatch,
  nextBlockToScan,
  type ReorgDetected,
  storedBlocks,
  type TrustedBatch,
  type TrustedReorgDetected,
  TrustedReorgError,
} from '../../src/streams/l1sync/index.ts';

const h = (n: number | bigint) => `0x${BigInt(n).toString(16).padStart(64, '0')}` as Hash;
const ZERO = h(0);
const COINBASE = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as Address;
const SEQUENCER = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' as Address;
const OTHER = '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc' as Address;
const T0 = 1_700_000_000n;
const GER = h(0xabc);

/** L1 block `n` of a chain that forks off the main one after `forkAfter` (fork 0: the main chain). */
function l1Block(n: bigint, fork = 0, forkAfter = 0n): L1BlockHeader {
  const hashOf = (m: bigint) =>
    fork === 0 || m <= forkAfter ? h(0x1000000n + m) : h(BigInt(fork) * 0x10000000n + m);
  return { number: n, hash: hashOf(n), parentHash: hashOf(n - 1n), timestamp: T0 + 100n + n * 12n };
}

const batchData = (n: bigint): Hex => `0x${'ee'.repeat(Number(n) + 1)}${n.toString(16).padStart(2, '0')}`;

/** A trusted chain of `count` batches, each with its accInputHash chained from zero. */
function trustedChain(
  count: number,
  tweak: (b: TrustedBatch) => TrustedBatch = (b) => b,
): Map<bigint, TrustedBatch> {
  const out = new Map<bigint, TrustedBatch>();
  let acc = ZERO;
  for (let i = 1n; i <= BigInt(count); i++) {
    const data = batchData(i);
    acc = accInputHash({
      oldAccInputHash: acc,
      batchL2Data: data,
      globalExitRoot: ZERO,
      timestamp: T0 + i,
      coinbase: COINBASE,
    });
    out.set(
      i,
      tweak({
        number: i,
        batchHashData: batchHashData(data),
        globalExitRoot: ZERO,
        timestamp: T0 + i,
        coinbase: COINBASE,
        accInputHash: acc,
        stateRoot: h(0x5000n + i),
      }),
    );
  }
  return out;
}

const sequence = (
  from: bigint,
  to: bigint,
  over: Partial<{ coinbase: Address; ger: Hash; ts: bigint }> = {},
): L1Fact => {
  const batches = [];
  for (let n = from; n <= to; n++) {
    batches.push({
      transactions: batchData(n),
      globalExitRoot: over.ger ?? ZERO,
      timestamp: over.ts ?? T0 + n,
      minForcedTimestamp: 0n,
    });
  }
  return {
    type: 'SequenceBatches',
    txHash: h(0x7000n + to),
    sender: SEQUENCER,
    numBatch: to,
    l2Coinbase: over.coinbase ?? COINBASE,
    batches,
  };
};
const verify = (to: bigint, stateRoot = h(0x5000n + to)): L1Fact => ({
  type: 'VerifyBatches',
  txHash: h(0x8000n + to),
  numBatch: to,
  stateRoot,
  aggregator: OTHER,
});

type RangeOpts = {
  trusted?: Map<bigint, TrustedBatch>;
  mode?: 'trusted' | 'permissionless';
  fork?: number;
  forkAfter?: bigint;
};

function range(
  state: L1SyncState,
  end: bigint,
  withFacts: [bigint, L1Fact[]][] = [],
  o: RangeOpts = {},
): L1SyncEvent[] {
  const blocks: L1BlockFacts[] = withFacts.map(([n, facts]) => ({
    block: l1Block(n, o.fork, o.forkAfter),
    facts,
  }));
  return decide(
    {
      type: 'SyncL1Range',
      data: {
        blocks,
        end: l1Block(end, o.fork, o.forkAfter),
        trusted: o.trusted ?? trustedChain(10),
        mode: o.mode ?? 'trusted',
      },
    },
    state,
  );
}

const apply = (state: L1SyncState, events: L1SyncEvent[]) => events.reduce(evolve, state);
const types = (events: L1SyncEvent[]) => events.map((e) => e.type);

//////// Ranges

const ranges = suite('SyncL1Range');

ranges('a range without facts stores its last block only; the next scan starts after it', () => {
  const events = range(initialState(), 150n);
  assert.equal(types(events), ['L1BlockSynced']);
  assert.equal(events[0]!.data, {
    number: '150',
    hash: l1Block(150n).hash,
    parentHash: l1Block(149n).hash,
    timestamp: String(T0 + 100n + 1800n),
  });
  const s = apply(initialState(), events);
  assert.is(cursorOf(s)?.number, 150n);
  assert.is(nextBlockToScan(s, 100n), 151n);
  assert.is(nextBlockToScan(initialState(), 100n), 100n);
});

ranges('a sequence equal to the trusted chain: virtualized with the accInputHash chained along L1', () => {
  const trusted = trustedChain(3);
  const events = range(
    initialState(),
    110n,
    [
      [105n, [sequence(1n, 2n)]],
      [108n, [sequence(3n, 3n)]],
    ],
    { trusted },
  );
  assert.equal(types(events), [
    'L1BlockSynced',
    'BatchesVirtualized',
    'L1BlockSynced',
    'BatchesVirtualized',
    'L1BlockSynced',
  ]);
  const v = events[1]!.data as Extract<L1SyncEvent, { type: 'BatchesVirtualized' }>['data'];
  assert.equal(
    [v.fromBatch, v.toBatch, v.kind, v.sequencer, v.l1Block, v.txHash],
    ['1', '2', 'sequence', SEQUENCER, '105', h(0x7002)],
  );
  assert.equal(
    v.batches.map((b) => b.accInputHash),
    [trusted.get(1n)!.accInputHash, trusted.get(2n)!.accInputHash],
  );
  assert.equal(v.batches[0]!.forcedBatchNumber, null);
  const s = apply(initialState(), events);
  assert.is(lastVirtualBatch(s), 3n);
  assert.is(lastAccInputHash(s), trusted.get(3n)!.accInputHash);
  assert.is(cursorOf(s)?.number, 110n);
  // the range's last block carried facts: stored once
  const once = range(initialState(), 105n, [[105n, [sequence(1n, 1n)]]], { trusted });
  assert.equal(types(once), ['L1BlockSynced', 'BatchesVirtualized']);
});

ranges(
  'each differing field is a TrustedReorgDetected; earlier blocks are kept, the divergent block is not',
  () => {
    const base = apply(initialState(), range(initialState(), 100n, [[100n, [sequence(1n, 1n)]]]));
    const cases: [string, RangeOpts['trusted'], L1Fact, string | null, string][] = [
      ['globalExitRoot', trustedChain(3), sequence(2n, 2n, { ger: GER }), ZERO, GER],
      ['timestamp', trustedChain(3), sequence(2n, 2n, { ts: T0 + 9n }), String(T0 + 2n), String(T0 + 9n)],
      ['coinbase', trustedChain(3), sequence(2n, 2n, { coinbase: OTHER }), COINBASE, OTHER],
      [
        'batchL2Data',
        trustedChain(3, (b) => (b.number === 2n ? { ...b, batchHashData: h(1) } : b)),
        sequence(2n, 2n),
        h(1),
        batchHashData(batchData(2n)),
      ],
      [
        'accInputHash',
        trustedChain(3, (b) => (b.number === 2n ? { ...b, accInputHash: h(2) } : b)),
        sequence(2n, 2n),
        h(2),
        trustedChain(3).get(2n)!.accInputHash,
      ],
    ];
    for (const [field, trusted, fact, want, l1] of cases) {
      const events = range(
        base,
        110n,
        [
          [103n, [verify(1n)]],
          [107n, [fact]],
        ],
        { ...(trusted ? { trusted } : {}) },
      );
      assert.equal(types(events), ['L1BlockSynced', 'ProofVerified', 'TrustedReorgDetected'], field);
      const d = events[2]!.data as TrustedReorgDetected['data'];
      assert.equal(
        d,
        {
          l1Block: '107',
          l1BlockHash: l1Block(107n).hash,
          txHash: h(0x7002),
          batchNumber: '2',
          field: d.field,
          trusted: want,
          l1,
        },
        field,
      );
      assert.is(d.field, field);
      // nothing of block 107 nor the range's end is stored: a restart finds the divergence again
      assert.is(cursorOf(apply(base, events))?.number, 103n);
    }
  },
);

ranges(
  'a batch the trusted chain lacks: a divergence in trusted mode, recorded as is in permissionless mode',
  () => {
    const trusted = trustedChain(1);
    const t = range(initialState(), 100n, [[100n, [sequence(1n, 2n)]]], { trusted });
    assert.equal(types(t), ['TrustedReorgDetected']);
    assert.equal((t[0]!.data as TrustedReorgDetected['data']).field, 'batch');
    assert.equal((t[0]!.data as TrustedReorgDetected['data']).trusted, null);
    assert.is((t[0]!.data as TrustedReorgDetected['data']).batchNumber, '2');
    const p = range(initialState(), 100n, [[100n, [sequence(1n, 2n)]]], { trusted, mode: 'permissionless' });
    assert.equal(types(p), ['L1BlockSynced', 'BatchesVirtualized']);
    // a batch it has is still compared
    const bad = range(initialState(), 100n, [[100n, [sequence(1n, 1n, { coinbase: OTHER })]]], {
      trusted,
      mode: 'permissionless',
    });
    assert.equal(types(bad), ['TrustedReorgDetected']);
  },
);

ranges('verifications: from the last verified batch + 1, state root compared', () => {
  let s = apply(initialState(), range(initialState(), 100n, [[100n, [sequence(1n, 4n)]]]));
  const ev = range(s, 102n, [
    [101n, [verify(2n)]],
    [102n, [verify(4n)]],
  ]);
  assert.equal(types(ev), ['L1BlockSynced', 'ProofVerified', 'L1BlockSynced', 'ProofVerified']);
  assert.equal(
    ev
      .filter((e) => e.type === 'ProofVerified')
      .map((e) => [e.data.fromBatch, e.data.toBatch, e.data.stateRoot]),
    [
      ['1', '2', h(0x5002)],
      ['3', '4', h(0x5004)],
    ],
  );
  s = apply(s, ev);
  assert.is(lastVerifiedBatch(s), 4n);
  const wrong = range(
    apply(initialState(), range(initialState(), 100n, [[100n, [sequence(1n, 2n)]]])),
    101n,
    [[101n, [verify(2n, h(9))]]],
  );
  assert.equal(types(wrong), ['TrustedReorgDetected']);
  assert.equal((wrong[0]!.data as TrustedReorgDetected['data']).field, 'stateRoot');
  assert.equal((wrong[0]!.data as TrustedReorgDetected['data']).trusted, h(0x5002));
  // past the last virtual batch, or not above the last verified one
  assert.throws(
    () => range(s, 103n, [[103n, [verify(5n)]]]),
    (e: unknown) => e instanceof L1SyncConsistencyError,
  );
  assert.throws(
    () => range(s, 103n, [[103n, [verify(4n)]]]),
    (e: unknown) => e instanceof L1SyncConsistencyError,
  );
});

ranges('forced batches: observed in order, consumed by sequenceBatches and sequenceForceBatches', () => {
  const forced = (n: bigint, tx: Hex): L1Fact => ({
    type: 'ForceBatch',
    txHash: h(0x9000n + n),
    forceBatchNum: n,
    globalExitRoot: GER,
    sequencer: OTHER,
    transactions: tx,
  });
  let s = apply(
    initialState(),
    range(initialState(), 101n, [
      [100n, [forced(1n, '0x01')]],
      [101n, [forced(2n, '0x02')]],
    ]),
  );
  assert.is(lastForcedBatch(s), 2n);
  assert.throws(
    () => range(s, 102n, [[102n, [forced(4n, '0x04')]]]),
    (e: unknown) => e instanceof L1SyncConsistencyError,
  );

  // batch 1 consumes forced batch 1 inside a trusted sequence (minForcedTimestamp ≠ 0)
  const t1 = l1Block(100n).timestamp;
  const seq: L1Fact = {
    type: 'SequenceBatches',
    txHash: h(0x7001),
    sender: SEQUENCER,
    numBatch: 1n,
    l2Coinbase: COINBASE,
    batches: [{ transactions: '0x01', globalExitRoot: GER, timestamp: t1, minForcedTimestamp: t1 }],
  };
  const acc1 = accInputHash({
    oldAccInputHash: ZERO,
    batchL2Data: '0x01',
    globalExitRoot: GER,
    timestamp: t1,
    coinbase: COINBASE,
  });
  const trusted = new Map<bigint, TrustedBatch>([
    [
      1n,
      {
        number: 1n,
        batchHashData: batchHashData('0x01'),
        globalExitRoot: GER,
        timestamp: t1,
        coinbase: COINBASE,
        accInputHash: acc1,
        stateRoot: h(1),
      },
    ],
  ]);
  const ev1 = range(s, 103n, [[103n, [seq]]], { trusted });
  assert.equal(types(ev1), ['L1BlockSynced', 'BatchesVirtualized']);
  assert.is(
    (ev1[1]!.data as { batches: { forcedBatchNumber: string | null }[] }).batches[0]!.forcedBatchNumber,
    '1',
  );
  s = apply(s, ev1);

  // anyone sequences forced batch 2: timestamp = the L1 block's, coinbase = the sender
  const b104 = l1Block(104n);
  const forceSeq: L1Fact = {
    type: 'SequenceForceBatches',
    txHash: h(0x7002),
    sender: OTHER,
    numBatch: 2n,
    batches: [{ transactions: '0x02', globalExitRoot: GER, minForcedTimestamp: l1Block(101n).timestamp }],
  };
  const ev2 = range(s, 104n, [[104n, [forceSeq]]], { trusted, mode: 'permissionless' });
  assert.equal(types(ev2), ['L1BlockSynced', 'BatchesVirtualized']);
  const v = ev2[1]!.data as Extract<L1SyncEvent, { type: 'BatchesVirtualized' }>['data'];
  assert.equal(
    [v.kind, v.sequencer, v.batches[0]!.coinbase, v.batches[0]!.timestamp, v.batches[0]!.forcedBatchNumber],
    ['forced', OTHER, OTHER, String(b104.timestamp), '2'],
  );
  assert.is(
    v.batches[0]!.accInputHash,
    accInputHash({
      oldAccInputHash: acc1,
      batchL2Data: '0x02',
      globalExitRoot: GER,
      timestamp: b104.timestamp,
      coinbase: OTHER,
    }),
  );
  // a forced sequence that does not match what was forced, or forces past what was observed
  const mismatch = {
    ...forceSeq,
    batches: [{ ...forceSeq.batches[0]!, transactions: '0x03' as Hex }],
  } as L1Fact;
  assert.throws(
    () => range(s, 104n, [[104n, [mismatch]]], { trusted, mode: 'permissionless' }),
    (e: unknown) => e instanceof L1SyncConsistencyError,
  );
  const s2 = apply(s, ev2);
  const beyond = { ...forceSeq, numBatch: 3n, batches: [{ ...forceSeq.batches[0]! }] } as L1Fact;
  assert.throws(
    () => range(s2, 105n, [[105n, [beyond]]], { trusted, mode: 'permissionless' }),
    (e: unknown) => e instanceof L1SyncConsistencyError,
  );
});

ranges('exit roots: the global exit root is keccak256(mainnet ‖ rollup)', () => {
  const ev = range(initialState(), 100n, [
    [100n, [{ type: 'UpdateGlobalExitRoot', txHash: h(1), mainnetExitRoot: h(2), rollupExitRoot: h(3) }]],
  ]);
  const packed = new Uint8Array([...hexToBytes(h(2)), ...hexToBytes(h(3))]);
  assert.equal(types(ev), ['L1BlockSynced', 'GlobalExitRootUpdated']);
  assert.is((ev[1]!.data as { globalExitRoot: Hash }).globalExitRoot, keccak256Hex(packed));
});

ranges('consistency: gaps, ranges that do not link to the cursor, blocks out of order', () => {
  const s = apply(initialState(), range(initialState(), 100n, [[100n, [sequence(1n, 1n)]]]));
  assert.throws(
    () => range(s, 101n, [[101n, [sequence(3n, 3n)]]]),
    (e: unknown) => e instanceof L1SyncConsistencyError,
  );
  assert.throws(
    () => range(s, 101n, [[101n, [sequence(1n, 1n)]]]),
    (e: unknown) => e instanceof L1SyncConsistencyError,
  );
  // block 101 of another chain does not extend the cursor 100
  assert.throws(
    () => range(s, 101n, [], { fork: 2, forkAfter: 99n }),
    (e: unknown) => e instanceof L1ChainMismatchError,
  );
  assert.throws(
    () => range(s, 100n),
    (e: unknown) => e instanceof IllegalStateError,
  );
  assert.throws(
    () =>
      range(s, 105n, [
        [103n, []],
        [102n, []],
      ]),
    (e: unknown) => e instanceof IllegalStateError,
  );
});

ranges('the error a divergence halts with names the batch and the field', () => {
  const at = { l1Block: '107', txHash: h(0x70) };
  const differs = new TrustedReorgError({
    ...at,
    batchNumber: '2',
    field: 'coinbase',
    trusted: COINBASE,
    l1: OTHER,
  });
  assert.is(
    differs.shortMessage,
    `trusted reorg: batch 2 differs from L1 in coinbase (trusted ${COINBASE}, L1 ${OTHER}; L1 block 107, tx ${h(0x70)})`,
  );
  assert.equal([differs.severity, differs.batchNumber, differs.field], ['critical', 2n, 'coinbase']);
  const missing = new TrustedReorgError({ ...at, batchNumber: '3', field: 'batch', trusted: null, l1: h(1) });
  assert.match(
    missing.shortMessage,
    /^trusted reorg: batch 3 is on L1 but not in the trusted chain \(L1 block 107/,
  );
});

ranges.run();

//////// Reorgs

const reorgs = suite('reorg walk-back');

/**
 * Syncs blocks 100..120 one per pass (each stored) with batch 1 sequenced in 105, batches 2–3 in 112, a
 * verification of 1–3 in 118 and forced batch 1 in 115.
 */
function syncedHistory(): L1SyncEvent[] {
  let s = initialState();
  const all: L1SyncEvent[] = [];
  const forced: L1Fact = {
    type: 'ForceBatch',
    txHash: h(0x9001),
    forceBatchNum: 1n,
    globalExitRoot: GER,
    sequencer: OTHER,
    transactions: '0x01',
  };
  const facts = new Map<bigint, L1Fact[]>([
    [105n, [sequence(1n, 1n)]],
    [112n, [sequence(2n, 3n)]],
    [115n, [forced]],
    [118n, [verify(3n)]],
  ]);
  for (let n = 100n; n <= 120n; n++) {
    const f = facts.get(n);
    const ev = range(s, n, f ? [[n, f]] : []);
    s = apply(s, ev);
    all.push(...ev);
  }
  return all;
}

/** The reorg the walk finds when L1 has forked after `forkAfter` (null: before the deployment block 100). */
async function walk(state: L1SyncState, forkAfter: bigint) {
  const onL1 = (n: bigint) => (n > 125n ? null : l1Block(n, 7, forkAfter));
  const cursor = cursorOf(state)!;
  const before = cursorMatches(cursor, onL1(cursor.number));
  const { ancestor, compared } = await findCommonAncestor(
    storedBlocks(state),
    async (n) => onL1(n)?.hash ?? null,
  );
  const common = ancestor ?? { number: 99n, hash: onL1(99n)!.hash };
  const events = decide(
    { type: 'RecordL1Reorg', data: { commonAncestor: { number: common.number, hash: common.hash } } },
    state,
  );
  return { before, ancestor, compared, events, after: apply(state, events) };
}

const reorgData = (events: L1SyncEvent[]) => (events[0] as ReorgDetected).data;

reorgs('the cursor still on L1: nothing to do', async () => {
  const s = foldL1Sync(syncedHistory());
  const r = await walk(s, 200n);
  assert.ok(r.before);
  assert.equal(r.events, []);
});

reorgs('depth 1: only the cursor block is orphaned', async () => {
  const s = foldL1Sync(syncedHistory());
  const r = await walk(s, 119n);
  assert.not.ok(r.before);
  assert.is(r.compared, 2);
  assert.equal(reorgData(r.events), {
    depth: '1',
    commonAncestor: { number: '119', hash: l1Block(119n).hash },
    orphaned: [{ number: '120', hash: l1Block(120n).hash }],
    unvirtualized: [],
    unverified: [],
    droppedForcedBatches: [],
  });
  assert.is(cursorOf(r.after)?.number, 119n);
  assert.is(lastVerifiedBatch(r.after), 3n);
});

reorgs('depth 3: the verification is undone, the sequences stay', async () => {
  const s = foldL1Sync(syncedHistory());
  const r = await walk(s, 117n);
  const d = reorgData(r.events);
  assert.is(r.compared, 4);
  assert.equal(
    [d.depth, d.commonAncestor.number, d.orphaned.map((b) => b.number)],
    ['3', '117', ['120', '119', '118']],
  );
  assert.equal([d.unvirtualized, d.unverified, d.droppedForcedBatches], [[], ['1', '2', '3'], []]);
  assert.equal(
    [lastVirtualBatch(r.after), lastVerifiedBatch(r.after), cursorOf(r.after)?.number],
    [3n, 0n, 117n],
  );
});

reorgs(
  'depth 10: a sequence, a forced batch and the verification are undone; syncing again re-chains',
  async () => {
    const s = foldL1Sync(syncedHistory());
    const r = await walk(s, 110n);
    const d = reorgData(r.events);
    assert.equal(
      [d.depth, d.orphaned.length, d.unvirtualized, d.unverified, d.droppedForcedBatches],
      ['10', 10, ['2', '3'], ['1', '2', '3'], ['1']],
    );
    assert.equal(
      [lastVirtualBatch(r.after), lastForcedBatch(r.after), lastAccInputHash(r.after)],
      [1n, 0n, trustedChain(1).get(1n)!.accInputHash],
    );
    assert.is(nextBlockToScan(r.after, 100n), 111n);
    // the new chain sequences batches 2-3 again, in block 114 of fork 7
    const again = range(r.after, 121n, [[114n, [sequence(2n, 3n)]]], { fork: 7, forkAfter: 110n });
    const s2 = apply(r.after, again);
    assert.equal([lastVirtualBatch(s2), lastAccInputHash(s2)], [3n, trustedChain(3).get(3n)!.accInputHash]);
  },
);

reorgs('every stored block orphaned: back to the block before the deployment block', async () => {
  const s = foldL1Sync(syncedHistory());
  const r = await walk(s, 50n);
  assert.is(r.ancestor, null);
  assert.is(r.compared, 21);
  const d = reorgData(r.events);
  assert.equal(
    [d.depth, d.commonAncestor, d.orphaned.length],
    ['21', { number: '99', hash: l1Block(99n, 7, 50n).hash }, 21],
  );
  assert.equal(
    [d.unvirtualized, d.unverified],
    [
      ['1', '2', '3'],
      ['1', '2', '3'],
    ],
  );
  assert.equal(
    [
      cursorOf(r.after),
      lastVirtualBatch(r.after),
      lastVerifiedBatch(r.after),
      nextBlockToScan(r.after, 100n),
    ],
    [null, 0n, 0n, 100n],
  );
});

reorgs('node down: the stream read back after a restart finds the same reorg as a live node', async () => {
  const history = syncedHistory();
  const live = await walk(foldL1Sync(history), 110n);
  const stored = JSON.parse(JSON.stringify(history)) as L1SyncEvent[];
  const restarted = await walk(foldL1Sync(stored), 110n);
  assert.equal(restarted.events, live.events);
  // and a chain that got shorter than the cursor (a restarted devnet) is walked the same way
  const shorter = foldL1Sync([...stored, ...range(foldL1Sync(stored), 130n)]);
  const r = await walk(shorter, 110n);
  assert.equal(
    [reorgData(r.events).depth, reorgData(r.events).orphaned[0]],
    ['20', { number: '130', hash: l1Block(130n).hash }],
  );
});

reorgs.run();
