/**
 * `lev replay --reorgs` (DESIGN §9): each `ReorgDetected` of the `l1-sync` stream with what it undid — the L1
 * blocks it orphaned, the batches that lost virtual or verified status (and when they got it back), the L1 txs
 * whose mining block left the chain (`L1TxReorged` on their `l1tx-<id>` streams, with the `L1TxSent`/
 * `L1TxMined`/… that followed) — and when the node was consistent with L1 again: the first `L1BlockSynced` or
 * `BatchesVirtualized` after it at or above the highest orphaned height (the cursor it rewound from).
 *
 * The analysis folds the log in order (feed it page by page) and keeps only what open reorgs still need. Pure: no
 * I/O, no clock.
 */
import type { JsonObject, JsonValue, RecordedEvent } from '../eventstore/index.ts';
import type { Palette } from './replay-format.ts';
import { shortHex } from './replay-format.ts';

/** The event types the analysis reads (the store-side filter of `--reorgs`). */
export const REORG_EVENT_TYPES = [
  'ReorgDetected',
  'L1BlockSynced',
  'BatchesVirtualized',
  'ProofVerified',
  'L1TxReorged',
  'L1TxSent',
  'L1TxMined',
  'L1TxConfirmed',
  'L1TxFailed',
] as const;

/** Where and when something was recorded: the event's global position (decimal string) and `metadata.at`. */
export type LogPoint = { position: string; at: string };

export type L1BlockRef = { number: string; hash: string };

/** An event of an `l1tx-<id>` stream after its `L1TxReorged`. */
export type L1TxFollowUp = LogPoint & {
  type: string;
  hash: string | null;
  blockNumber: string | null;
  attempt: number | null;
  reason: string | null;
};

/** One L1 tx whose mining block was orphaned, and what the eth-tx-manager did next. */
export type ReorgedL1Tx = {
  id: string;
  stream: string;
  reorged: LogPoint & { hash: string; blockNumber: string; blockHash: string };
  after: L1TxFollowUp[];
};

/** A batch that regained the status a reorg removed: the event that gave it back. */
export type RegainedBatch = LogPoint & { batch: string; l1Block: string; txHash: string };

export type ReorgReport = LogPoint & {
  kind: 'ReorgDetected';
  depth: string;
  commonAncestor: L1BlockRef;
  orphaned: L1BlockRef[];
  unvirtualized: string[];
  unverified: string[];
  droppedForcedBatches: string[];
  /** The L1 height the synchronizer had reached (common ancestor + depth). */
  rewoundFrom: string;
  l1Txs: ReorgedL1Tx[];
  revirtualized: RegainedBatch[];
  reverified: RegainedBatch[];
  /** The first event that re-synced L1 at or above `rewoundFrom`; null: not yet. */
  consistentAgain: (LogPoint & { type: string; l1Block: string; l1BlockHash: string }) | null;
};

export type ReorgAnalysis = {
  reorgs: ReorgReport[];
  /** `L1TxReorged` the synchronizer recorded no reorg for (its cursor was below the block, or not yet there). */
  unmatchedL1TxReorgs: ReorgedL1Tx[];
};

export type ReorgAnalyzer = {
  /** Feeds the next events, in log order. */
  add(events: readonly RecordedEvent[]): void;
  /** The analysis of everything fed so far. */
  result(): ReorgAnalysis;
};

type Tracked = {
  report: ReorgReport;
  position: bigint;
  ancestor: bigint;
  target: bigint;
  orphanedHashes: Set<string>;
  pendingVirtual: Set<bigint>;
  pendingVerified: Set<bigint>;
  selected: boolean;
};

const text = (v: JsonValue | undefined): string => (v === undefined || v === null ? '' : String(v));
const strings = (v: JsonValue | undefined): string[] => (Array.isArray(v) ? v.map((x) => text(x)) : []);
const refs = (v: JsonValue | undefined): L1BlockRef[] =>
  Array.isArray(v) ? v.map((b) => ({ number: text(field(b, 'number')), hash: text(field(b, 'hash')) })) : [];
const field = (v: JsonValue | undefined, key: string): JsonValue | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject)[key] : undefined;
const big = (v: JsonValue | undefined): bigint | null => {
  const s = text(v);
  return /^\d+$/.test(s) ? BigInt(s) : null;
};
const point = (e: RecordedEvent): LogPoint => ({ position: e.position.toString(), at: e.metadata.at });

/**
 * A fresh analysis. `select` picks the `ReorgDetected` (and unmatched `L1TxReorged`) to report; every reorg is
 * still used to attribute L1 tx reorgs. Pure.
 */
export function createReorgAnalyzer(select: (e: RecordedEvent) => boolean = () => true): ReorgAnalyzer {
  const all: Tracked[] = [];
  let open: Tracked[] = [];
  const l1TxReorgs: { item: ReorgedL1Tx; position: bigint; selected: boolean }[] = [];
  const following = new Map<string, ReorgedL1Tx>();

  function onReorg(e: RecordedEvent) {
    const d = e.data;
    const ancestor = big(field(d['commonAncestor'], 'number')) ?? 0n;
    const depth = big(d['depth']) ?? 0n;
    const orphaned = refs(d['orphaned']);
    const highest = orphaned.reduce((m, b) => {
      const n = big(b.number);
      return n !== null && n > m ? n : m;
    }, ancestor + depth);
    const report: ReorgReport = {
      kind: 'ReorgDetected',
      ...point(e),
      depth: depth.toString(),
      commonAncestor: {
        number: text(field(d['commonAncestor'], 'number')),
        hash: text(field(d['commonAncestor'], 'hash')),
      },
      orphaned,
      unvirtualized: strings(d['unvirtualized']),
      unverified: strings(d['unverified']),
      droppedForcedBatches: strings(d['droppedForcedBatches']),
      rewoundFrom: highest.toString(),
      l1Txs: [],
      revirtualized: [],
      reverified: [],
      consistentAgain: null,
    };
    const t: Tracked = {
      report,
      position: e.position,
      ancestor,
      target: highest,
      orphanedHashes: new Set(orphaned.map((b) => b.hash.toLowerCase())),
      pendingVirtual: new Set(report.unvirtualized.map((b) => BigInt(b))),
      pendingVerified: new Set(report.unverified.map((b) => BigInt(b))),
      selected: select(e),
    };
    all.push(t);
    open.push(t);
  }

  function onSynced(e: RecordedEvent, l1Block: bigint | null, l1BlockHash: string) {
    if (l1Block === null) return;
    for (const t of open) {
      if (t.report.consistentAgain || l1Block < t.target) continue;
      t.report.consistentAgain = {
        ...point(e),
        type: e.type,
        l1Block: l1Block.toString(),
        l1BlockHash,
      };
    }
  }

  function onRegained(e: RecordedEvent, which: 'pendingVirtual' | 'pendingVerified') {
    const d = e.data;
    const from = big(d['fromBatch']);
    const to = big(d['toBatch']);
    if (from === null || to === null) return;
    for (const t of open) {
      const pending = t[which];
      for (const b of [...pending]) {
        if (b < from || b > to) continue;
        pending.delete(b);
        (which === 'pendingVirtual' ? t.report.revirtualized : t.report.reverified).push({
          ...point(e),
          batch: b.toString(),
          l1Block: text(d['l1Block']),
          txHash: text(d['txHash']),
        });
      }
    }
  }

  function add(events: readonly RecordedEvent[]) {
    for (const e of events) {
      const d = e.data;
      switch (e.type) {
        case 'ReorgDetected':
          onReorg(e);
          break;
        case 'L1BlockSynced':
          onSynced(e, big(d['number']), text(d['hash']));
          break;
        case 'BatchesVirtualized':
          onSynced(e, big(d['l1Block']), text(d['l1BlockHash']));
          onRegained(e, 'pendingVirtual');
          break;
        case 'ProofVerified':
          onRegained(e, 'pendingVerified');
          break;
        case 'L1TxReorged': {
          const item: ReorgedL1Tx = {
            id: text(d['id']) || e.streamId.replace(/^l1tx-/, ''),
            stream: e.streamId,
            reorged: {
              ...point(e),
              hash: text(d['hash']),
              blockNumber: text(d['blockNumber']),
              blockHash: text(d['blockHash']),
            },
            after: [],
          };
          l1TxReorgs.push({ item, position: e.position, selected: select(e) });
          following.set(e.streamId, item);
          break;
        }
        case 'L1TxSent':
        case 'L1TxMined':
        case 'L1TxConfirmed':
        case 'L1TxFailed': {
          const item = following.get(e.streamId);
          if (!item) break;
          item.after.push({
            ...point(e),
            type: e.type,
            hash: d['hash'] === undefined || d['hash'] === null ? null : text(d['hash']),
            blockNumber:
              d['blockNumber'] === undefined || d['blockNumber'] === null ? null : text(d['blockNumber']),
            attempt: typeof d['attempt'] === 'number' ? d['attempt'] : null,
            reason:
              e.type === 'L1TxFailed' ? text(d['reason']) : e.type === 'L1TxSent' ? text(d['reason']) : null,
          });
          if (e.type === 'L1TxConfirmed' || e.type === 'L1TxFailed') following.delete(e.streamId);
          break;
        }
        default:
          break;
      }
    }
    open = open.filter(
      (t) => !t.report.consistentAgain || t.pendingVirtual.size > 0 || t.pendingVerified.size > 0,
    );
  }

  function result(): ReorgAnalysis {
    const byReorg = new Map<Tracked, ReorgedL1Tx[]>();
    const unmatched: ReorgedL1Tx[] = [];
    for (const { item, position, selected } of l1TxReorgs) {
      const number = big(item.reorged.blockNumber);
      const closest = (ts: Tracked[]) =>
        ts.reduce<Tracked | undefined>((best, t) => {
          const dist = (x: Tracked) =>
            x.position > position ? x.position - position : position - x.position;
          return best === undefined || dist(t) < dist(best) ? t : best;
        }, undefined);
      const owner =
        closest(all.filter((t) => t.orphanedHashes.has(item.reorged.blockHash.toLowerCase()))) ??
        closest(all.filter((t) => number !== null && number > t.ancestor && number <= t.target));
      if (owner) byReorg.set(owner, [...(byReorg.get(owner) ?? []), structuredClone(item)]);
      else if (selected) unmatched.push(structuredClone(item));
    }
    return {
      reorgs: all
        .filter((t) => t.selected)
        .map((t) => ({ ...structuredClone(t.report), l1Txs: byReorg.get(t) ?? [] })),
      unmatchedL1TxReorgs: unmatched,
    };
  }

  return { add, result };
}

/** The analysis of a whole list of events in log order. Pure. */
export function analyzeReorgs(
  events: readonly RecordedEvent[],
  select?: (e: RecordedEvent) => boolean,
): ReorgAnalysis {
  const a = createReorgAnalyzer(select);
  a.add(events);
  return a.result();
}

const MAX_LISTED_BLOCKS = 20;

function describeFollowUp(f: L1TxFollowUp): string {
  const bits = [f.type];
  if (f.type === 'L1TxSent') bits.push(`attempt ${f.attempt ?? '?'} (${f.reason ?? '?'})`);
  if (f.hash) bits.push(shortHex(f.hash));
  if (f.blockNumber && f.type !== 'L1TxSent') bits.push(`in L1 block ${f.blockNumber}`);
  if (f.type === 'L1TxFailed' && f.reason) bits.push(`: ${f.reason}`);
  bits.push(`at ${f.position}`);
  return bits.join(' ');
}

function describeL1Tx(t: ReorgedL1Tx): string {
  const head = `${t.id}: ${shortHex(t.reorged.hash)} left L1 block ${t.reorged.blockNumber} ${shortHex(t.reorged.blockHash)} (L1TxReorged at ${t.reorged.position})`;
  return t.after.length === 0
    ? `${head}; nothing since`
    : `${head}; then ${t.after.map(describeFollowUp).join(', ')}`;
}

function describeRegained(lost: string[], regained: RegainedBatch[], what: string): string {
  if (lost.length === 0) return 'none';
  const parts = lost.map((b) => {
    const r = regained.find((x) => x.batch === b);
    return r
      ? `${b} (${what} again at ${r.position}, L1 block ${r.l1Block}, tx ${shortHex(r.txHash)})`
      : `${b} (not ${what} again yet)`;
  });
  return `batches ${parts.join(', ')}`;
}

/** The text lines of one reorg report (no trailing newline). Pure. */
export function formatReorgReport(r: ReorgReport, p: Palette): string {
  const blocks = r.orphaned.slice(0, MAX_LISTED_BLOCKS).map((b) => `${b.number} ${shortHex(b.hash)}`);
  if (r.orphaned.length > MAX_LISTED_BLOCKS) blocks.push(`… ${r.orphaned.length - MAX_LISTED_BLOCKS} more`);
  const lines = [
    `${p.bold(p.red('ReorgDetected'))} at position ${r.position}, ${r.at}: depth ${r.depth}, L1 rewound from block ${r.rewoundFrom} to ${r.commonAncestor.number} ${shortHex(r.commonAncestor.hash)}`,
    `  orphaned L1 blocks: ${blocks.length === 0 ? 'none stored' : blocks.join(', ')}`,
    `  no longer virtual: ${describeRegained(r.unvirtualized, r.revirtualized, 'virtual')}`,
    `  no longer verified: ${describeRegained(r.unverified, r.reverified, 'verified')}`,
    `  forced batches dropped: ${r.droppedForcedBatches.length === 0 ? 'none' : r.droppedForcedBatches.join(', ')}`,
  ];
  if (r.l1Txs.length === 0) lines.push('  L1 txs re-sent: none');
  else {
    lines.push('  L1 txs re-sent:');
    for (const t of r.l1Txs) lines.push(`    ${describeL1Tx(t)}`);
  }
  const c = r.consistentAgain;
  lines.push(
    c
      ? `  ${p.green('consistent again')} at position ${c.position}, ${c.at}: ${c.type} L1 block ${c.l1Block} ${shortHex(c.l1BlockHash)}`
      : `  ${p.yellow('consistent again: not yet')} (no L1 block at or above ${r.rewoundFrom} synced since)`,
  );
  return lines.join('\n');
}

/** The text of a whole analysis (no trailing newline). Pure. */
export function formatReorgAnalysis(a: ReorgAnalysis, p: Palette): string {
  const parts = a.reorgs.map((r) => formatReorgReport(r, p));
  if (a.reorgs.length === 0) parts.push('no L1 reorg recorded');
  if (a.unmatchedL1TxReorgs.length > 0) {
    parts.push(
      [
        `${p.yellow('L1TxReorged')} without a ReorgDetected (the synchronizer had not stored the block):`,
        ...a.unmatchedL1TxReorgs.map((t) => `  ${describeL1Tx(t)}`),
      ].join('\n'),
    );
  }
  return parts.join('\n\n');
}

/** The `--reorgs --json` lines: one object per reorg, then one per unmatched L1 tx reorg. Pure. */
export function reorgAnalysisToJsonLines(a: ReorgAnalysis): string[] {
  return [
    ...a.reorgs.map((r) => JSON.stringify(r)),
    ...a.unmatchedL1TxReorgs.map((t) => JSON.stringify({ kind: 'L1TxReorged', ...t })),
  ];
}
