/**
 * `lev replay --reorgs` analysis over a synthetic log with the exact event shapes of the `l1-sync` and
 * `l1tx-<id>` streams: a depth-3 reorg that orphaned a sequence and a verification, the sequence tx reorged out,
 * mined again and confirmed, the batches virtual again, the node consistent again only once L1 is re-synced up to
 * the height it rewound from; a second reorg never recovered from ("not yet"); an L1 tx reorg seen by the
 * eth-tx-manager before the synchronizer, and one no reorg accounts for.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { palette } from '../../src/cli/replay-format.ts';
import {
  analyzeReorgs,
  createReorgAnalyzer,
  formatReorgAnalysis,
  formatReorgReport,
  reorgAnalysisToJsonLines,
} from '../../src/cli/replay-reorgs.ts';
import type { JsonObject, RecordedEvent } from '../../src/eventstore/index.ts';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import type {
  BatchesVirtualized,
  L1BlockSynced,
  ProofVerified,
  ReorgDetected,
  VirtualizedBatch,
} from '../../src/streams/l1sync/index.ts';
import type {
  L1TxConfirmed,
  L1TxMined,
  L1TxQueued,
  L1TxReorged,
  L1TxSent,
} from '../../src/streams/l1tx/index.ts';

const h = (tag: string): Hash => `0x${tag.padStart(64, '0')}` as Hash;
const SEQUENCER = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' as Address;
const ROLLUP = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address;
const TX_ID = 'sequence-from-1-to-2';
const STREAM = `l1tx-${TX_ID}`;

type Data = { type: string; data: object };
let position = 0n;
const revisions = new Map<string, number>();
const log: RecordedEvent[] = [];
function append(streamId: string, e: Data): RecordedEvent {
  position++;
  const revision = (revisions.get(streamId) ?? -1) + 1;
  revisions.set(streamId, revision);
  const recorded: RecordedEvent = {
    id: `id-${position}`,
    streamId,
    revision,
    position,
    type: e.type,
    version: 1,
    data: e.data as JsonObject,
    metadata: {
      at: new Date(Date.UTC(2025, 0, 1, 0, 0, Number(position))).toISOString(),
      actor: streamId === 'l1-sync' ? 'synchronizer' : 'eth-tx-manager',
    },
  };
  log.push(recorded);
  return recorded;
}

const synced = (n: number, tag = `b${n}`): L1BlockSynced => ({
  type: 'L1BlockSynced',
  data: { number: String(n), hash: h(tag), parentHash: h(`b${n - 1}`), timestamp: String(1_700_000_000 + n) },
});
const batch = (n: number): VirtualizedBatch => ({
  number: String(n),
  batchL2Data: '0x' as Hex,
  globalExitRoot: h('0'),
  timestamp: '1700000000',
  coinbase: SEQUENCER,
  accInputHash: h(`acc${n}`),
  forcedBatchNumber: null,
});
const virtualized = (l1Block: number, tag: string, txHash: Hash): BatchesVirtualized => ({
  type: 'BatchesVirtualized',
  data: {
    l1Block: String(l1Block),
    l1BlockHash: h(tag),
    txHash,
    kind: 'sequence',
    sequencer: SEQUENCER,
    fromBatch: '1',
    toBatch: '2',
    batches: [batch(1), batch(2)],
  },
});
const sent = (attempt: number, hash: Hash): L1TxSent => ({
  type: 'L1TxSent',
  data: {
    id: TX_ID,
    attempt,
    reason: attempt === 1 ? 'initial' : 'bump',
    nonce: '0',
    gasLimit: '300000',
    type: 'legacy',
    gasPrice: '1000000000',
    maxFeePerGas: null,
    maxPriorityFeePerGas: null,
    hash,
    raw: '0x01' as Hex,
    sentAt: '2025-01-01T00:00:03.000Z',
  },
});
const mined = (hash: Hash, n: number, tag: string): L1TxMined => ({
  type: 'L1TxMined',
  data: {
    id: TX_ID,
    hash,
    blockNumber: String(n),
    blockHash: h(tag),
    status: 'success',
    gasUsed: '100000',
    effectiveGasPrice: '1000000000',
  },
});
const reorged = (hash: Hash, n: number, tag: string, id = TX_ID): L1TxReorged => ({
  type: 'L1TxReorged',
  data: { id, hash, blockNumber: String(n), blockHash: h(tag) },
});

const TXA = h('a1');
const queued: L1TxQueued = {
  type: 'L1TxQueued',
  data: {
    id: TX_ID,
    owner: 'sequence-sender',
    from: SEQUENCER,
    to: ROLLUP,
    data: '0x5e9145c9' as Hex,
    value: '0',
    gasLimit: null,
  },
};
const verified: ProofVerified = {
  type: 'ProofVerified',
  data: {
    l1Block: '102',
    l1BlockHash: h('b102'),
    txHash: h('v1'),
    fromBatch: '1',
    toBatch: '1',
    stateRoot: h('s1'),
    aggregator: SEQUENCER,
  },
};
const firstReorg: ReorgDetected = {
  type: 'ReorgDetected',
  data: {
    depth: '3',
    commonAncestor: { number: '100', hash: h('b100') },
    orphaned: [
      { number: '103', hash: h('b103') },
      { number: '102', hash: h('b102') },
      { number: '101', hash: h('b101') },
    ],
    unvirtualized: ['1', '2'],
    unverified: ['1'],
    droppedForcedBatches: [],
  },
};
const confirmed: L1TxConfirmed = {
  type: 'L1TxConfirmed',
  data: { id: TX_ID, hash: TXA, blockNumber: '102', blockHash: h('c102'), confirmations: 2 },
};
const secondReorg: ReorgDetected = {
  type: 'ReorgDetected',
  data: {
    depth: '2',
    commonAncestor: { number: '201', hash: h('b201') },
    orphaned: [{ number: '203', hash: h('b203') }],
    unvirtualized: [],
    unverified: [],
    droppedForcedBatches: ['7'],
  },
};

// 1–9: the chain before the reorg
append('l1-sync', synced(100));
append(STREAM, queued);
append(STREAM, sent(1, TXA));
append('l1-sync', virtualized(101, 'b101', TXA)); // 4
append('l1-sync', synced(101));
append(STREAM, mined(TXA, 101, 'b101')); // 6
append('l1-sync', verified); // 7
append('l1-sync', synced(102));
append('l1-sync', synced(103)); // 9: the cursor
// 10: the eth-tx-manager notices first: its block left the chain
const txReorged = append(STREAM, reorged(TXA, 101, 'b101'));
// 11: the synchronizer's reorg
const reorg1 = append('l1-sync', firstReorg);
// 12–16: the same tx mined again on the new chain, the sequence virtual again at block 102 (below the rewound 103)
const minedAgain = append(STREAM, mined(TXA, 102, 'c102'));
const revirtualized = append('l1-sync', virtualized(102, 'c102', TXA));
append('l1-sync', synced(102, 'c102'));
const txConfirmed = append(STREAM, confirmed);
// 16: L1 re-synced up to the height the synchronizer had reached: consistent again
const consistent = append('l1-sync', synced(103, 'c103'));
append('l1-sync', synced(200));
// 18: an L1 tx reorg no L1 reorg of the synchronizer covers (block 150: never stored, between the two)
const stray = append('l1tx-other', reorged(h('b2'), 150, 'x150', 'other'));
// 19: a second reorg, never recovered from
const reorg2 = append('l1-sync', secondReorg);
append('l1-sync', synced(202, 'd202')); // below 203: not consistent yet

test('the first reorg: orphaned blocks, lost and regained status, the L1 tx re-mined, consistent again', () => {
  const a = analyzeReorgs(log);
  assert.is(a.reorgs.length, 2);
  const r = a.reorgs[0]!;
  assert.is(r.position, reorg1.position.toString());
  assert.is(r.at, reorg1.metadata.at);
  assert.equal(
    [r.depth, r.commonAncestor, r.rewoundFrom, r.orphaned.map((b) => b.number)],
    ['3', { number: '100', hash: h('b100') }, '103', ['103', '102', '101']],
  );
  assert.equal([r.unvirtualized, r.unverified, r.droppedForcedBatches], [['1', '2'], ['1'], []]);
  assert.equal(
    r.revirtualized.map((b) => [b.batch, b.position, b.l1Block, b.txHash]),
    [
      ['1', revirtualized.position.toString(), '102', TXA],
      ['2', revirtualized.position.toString(), '102', TXA],
    ],
  );
  assert.equal(r.reverified, [], 'batch 1 was not verified again');
  // The L1TxReorged came BEFORE the ReorgDetected; it is attributed by its block hash.
  assert.equal(r.l1Txs.length, 1);
  const t = r.l1Txs[0]!;
  assert.equal(
    [t.id, t.stream, t.reorged.position, t.reorged.blockNumber],
    [TX_ID, STREAM, txReorged.position.toString(), '101'],
  );
  assert.equal(
    t.after.map((f) => [f.type, f.position, f.hash, f.blockNumber]),
    [
      ['L1TxMined', minedAgain.position.toString(), TXA, '102'],
      ['L1TxConfirmed', txConfirmed.position.toString(), TXA, '102'],
    ],
  );
  // Block 102 of the new chain (BatchesVirtualized, L1BlockSynced) is below the rewound height: not yet.
  assert.equal(r.consistentAgain, {
    position: consistent.position.toString(),
    at: consistent.metadata.at,
    type: 'L1BlockSynced',
    l1Block: '103',
    l1BlockHash: h('c103'),
  });
});

test('the second reorg is not recovered from; the stray L1 tx reorg is reported apart', () => {
  const a = analyzeReorgs(log);
  const r = a.reorgs[1]!;
  assert.is(r.position, reorg2.position.toString());
  assert.equal([r.rewoundFrom, r.droppedForcedBatches, r.l1Txs], ['203', ['7'], []]);
  assert.is(r.consistentAgain, null);
  assert.equal(
    a.unmatchedL1TxReorgs.map((t) => [t.id, t.reorged.position, t.reorged.blockNumber]),
    [['other', stray.position.toString(), '150']],
  );
});

test('text: every part of a report, "not yet" where nothing re-covered the range', () => {
  const a = analyzeReorgs(log);
  const p = palette(false);
  assert.is(
    formatReorgReport(a.reorgs[0]!, p),
    [
      `ReorgDetected at position 11, ${reorg1.metadata.at}: depth 3, L1 rewound from block 103 to 100 0x000000…b100`,
      '  orphaned L1 blocks: 103 0x000000…b103, 102 0x000000…b102, 101 0x000000…b101',
      '  no longer virtual: batches 1 (virtual again at 13, L1 block 102, tx 0x000000…00a1), 2 (virtual again at 13, L1 block 102, tx 0x000000…00a1)',
      '  no longer verified: batches 1 (not verified again yet)',
      '  forced batches dropped: none',
      '  L1 txs re-sent:',
      `    ${TX_ID}: 0x000000…00a1 left L1 block 101 0x000000…b101 (L1TxReorged at 10); then L1TxMined 0x000000…00a1 in L1 block 102 at 12, L1TxConfirmed 0x000000…00a1 in L1 block 102 at 15`,
      `  consistent again at position 16, ${consistent.metadata.at}: L1BlockSynced L1 block 103 0x000000…c103`,
    ].join('\n'),
  );
  const second = formatReorgReport(a.reorgs[1]!, p).split('\n');
  assert.is(second.at(-1), '  consistent again: not yet (no L1 block at or above 203 synced since)');
  assert.is(second[4], '  forced batches dropped: 7');
  const all = formatReorgAnalysis(a, p);
  assert.ok(all.includes('L1TxReorged without a ReorgDetected'));
  assert.ok(all.includes('other: 0x000000…00b2 left L1 block 150'));
  assert.is(formatReorgAnalysis({ reorgs: [], unmatchedL1TxReorgs: [] }, p), 'no L1 reorg recorded');
});

test('selection by position keeps every reorg for attribution but reports only the selected ones', () => {
  const a = analyzeReorgs(log, (e) => e.position >= reorg2.position);
  assert.equal(
    a.reorgs.map((r) => r.position),
    [reorg2.position.toString()],
  );
  assert.equal(a.unmatchedL1TxReorgs, [], 'the stray one is before the selection');
  const b = analyzeReorgs(log, (e) => e.position < reorg2.position);
  // The tx reorg is still attributed to the first reorg, not left unmatched.
  assert.equal(b.reorgs[0]!.l1Txs.length, 1);
});

test('fed page by page it gives the same answer; JSON lines parse with positions as strings', () => {
  const whole = analyzeReorgs(log);
  const paged = createReorgAnalyzer();
  for (let i = 0; i < log.length; i += 3) paged.add(log.slice(i, i + 3));
  assert.equal(paged.result(), whole);
  const lines = reorgAnalysisToJsonLines(whole).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(
    lines.map((l) => [l['kind'], typeof l['position'] === 'string' || typeof l['reorged'] === 'object']),
    [
      ['ReorgDetected', true],
      ['ReorgDetected', true],
      ['L1TxReorged', true],
    ],
  );
});

test('a reorg with no follow-up at all', () => {
  const only = log.filter((e) => e.position <= reorg1.position);
  const a = analyzeReorgs(only);
  assert.equal(
    [a.reorgs[0]!.consistentAgain, a.reorgs[0]!.revirtualized, a.reorgs[0]!.l1Txs[0]!.after],
    [null, [], []],
  );
});

test.run();
