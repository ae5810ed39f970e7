/**
 * `lev replay` arguments and event selection (DESIGN §9): the raw commander options checked into a
 * {@link ReplayArgs} (every bad value is a {@link ReplayUsageError}: one line, exit status 2), the store-side
 * filter that narrows what is read, and the exact per-event predicate. Pure: no I/O, no clock.
 */
import { NodeError } from '../errors/index.ts';
import type { EventFilter, GlobalPosition, JsonValue, RecordedEvent } from '../eventstore/index.ts';

/** A bad `lev replay` argument: its message is the one line printed before exiting with status 2. */
export class ReplayUsageError extends NodeError<'ReplayUsageError'> {
  override name = 'ReplayUsageError' as const;
  constructor(message: string) {
    super(message, { code: 'REPLAY_USAGE', severity: 'critical' });
  }
}

/** The options as commander hands them over (strings; repeatable options as arrays). */
export type RawReplayOptions = {
  stream?: string[];
  type?: string[];
  from?: string;
  to?: string;
  since?: string;
  until?: string;
  batch?: string;
  tx?: string;
  reorgs?: boolean;
  json?: boolean;
  follow?: boolean;
  rebuild?: boolean;
  diff?: boolean;
  schema?: string;
  /** `--dev` and `--config` belong to the configuration, not to the selection. */
  dev?: boolean;
  config?: string;
};

export type ReplayMode = 'timeline' | 'reorgs' | 'follow' | 'rebuild' | 'diff';

/** What to show: every field is a conjunct; a list matches when any of its items does. */
export type EventSelection = {
  streamPrefixes?: string[];
  types?: string[];
  /** Inclusive. */
  fromPosition?: GlobalPosition;
  /** Inclusive. */
  toPosition?: GlobalPosition;
  /** Epoch milliseconds, inclusive, compared with `metadata.at`. */
  sinceMs?: number;
  untilMs?: number;
  batch?: bigint;
  /** Lowercase 0x-hash. */
  tx?: string;
};

export type ReplayArgs = {
  mode: ReplayMode;
  json: boolean;
  selection: EventSelection;
  /** `--rebuild` / `--diff`. */
  schema?: string;
};

/** Schemas a rebuild or a diff must never target. */
export const RESERVED_SCHEMAS = ['lev_rm', 'lev_es', 'public', 'information_schema'] as const;
const SCHEMA_RE = /^[a-z_][a-z0-9_]{0,62}$/;
const POSITION_RE = /^\d{1,20}$/;
const BATCH_RE = /^\d{1,20}$/;
const HASH_RE = /^0x[0-9a-fA-F]{64}$/;
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const TYPE_RE = /^[A-Za-z][A-Za-z0-9]*$/;

const bad = (message: string) => new ReplayUsageError(`lev replay: ${message}`);

function position(flag: string, value: string): GlobalPosition {
  if (!POSITION_RE.test(value)) throw bad(`${flag} ${JSON.stringify(value)} is not a log position (digits)`);
  return BigInt(value);
}

function time(flag: string, value: string): number {
  const ms = ISO_RE.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw bad(`${flag} ${JSON.stringify(value)} is not an ISO-8601 time (e.g. 2025-01-31T12:00:00Z)`);
  }
  return ms;
}

const list = (values: string[] | undefined) =>
  values
    ?.flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

/**
 * Checks the raw options: formats (positions, ISO times, batch numbers, 32-byte hashes, schema names) and the
 * combinations the modes allow. Pure.
 * @throws {ReplayUsageError} naming the first bad argument.
 */
export function parseReplayArgs(raw: RawReplayOptions): ReplayArgs {
  const selection: EventSelection = {};
  const streams = list(raw.stream);
  if (raw.stream !== undefined) {
    if (!streams?.length) throw bad('--stream needs a stream id prefix (e.g. l2, tx-, l1tx-)');
    selection.streamPrefixes = streams;
  }
  const types = list(raw.type);
  if (raw.type !== undefined) {
    const wrong = types?.find((t) => !TYPE_RE.test(t));
    if (!types?.length || wrong !== undefined) {
      throw bad(
        `--type ${JSON.stringify(wrong ?? raw.type.join(','))} is not an event type (e.g. TxIncluded)`,
      );
    }
    selection.types = types;
  }
  if (raw.from !== undefined) selection.fromPosition = position('--from', raw.from);
  if (raw.to !== undefined) selection.toPosition = position('--to', raw.to);
  if (raw.since !== undefined) selection.sinceMs = time('--since', raw.since);
  if (raw.until !== undefined) selection.untilMs = time('--until', raw.until);
  if (raw.batch !== undefined) {
    if (!BATCH_RE.test(raw.batch)) throw bad(`--batch ${JSON.stringify(raw.batch)} is not a batch number`);
    selection.batch = BigInt(raw.batch);
  }
  if (raw.tx !== undefined) {
    if (!HASH_RE.test(raw.tx))
      throw bad(`--tx ${JSON.stringify(raw.tx)} is not a tx hash (0x and 64 hex digits)`);
    selection.tx = raw.tx.toLowerCase();
  }
  if (
    selection.fromPosition !== undefined &&
    selection.toPosition !== undefined &&
    selection.fromPosition > selection.toPosition
  ) {
    throw bad(`--from ${selection.fromPosition} is after --to ${selection.toPosition}`);
  }
  if (
    selection.sinceMs !== undefined &&
    selection.untilMs !== undefined &&
    selection.sinceMs > selection.untilMs
  ) {
    throw bad(`--since ${raw.since} is after --until ${raw.until}`);
  }

  const modes = (
    [
      ['--rebuild', raw.rebuild],
      ['--diff', raw.diff],
      ['--reorgs', raw.reorgs],
      ['--follow', raw.follow],
    ] as const
  ).filter(([, on]) => on);
  if (modes.length > 1) throw bad(`${modes[0]![0]} and ${modes[1]![0]} cannot be combined`);
  const mode: ReplayMode = raw.rebuild
    ? 'rebuild'
    : raw.diff
      ? 'diff'
      : raw.reorgs
        ? 'reorgs'
        : raw.follow
          ? 'follow'
          : 'timeline';
  const json = raw.json === true;

  const given = (keys: (keyof EventSelection)[]) =>
    keys.filter((k) => selection[k] !== undefined).map((k) => FLAG_OF[k]);
  const refuse = (flags: string[], what: string) => {
    if (flags.length > 0) throw bad(`${flags[0]} cannot be combined with ${what}`);
  };

  if (mode === 'rebuild' || mode === 'diff') {
    if (raw.schema === undefined) throw bad(`--${mode} needs --schema NAME`);
    if (!SCHEMA_RE.test(raw.schema)) {
      throw bad(`--schema ${JSON.stringify(raw.schema)} is not a schema name (lowercase letters, digits, _)`);
    }
    if ((RESERVED_SCHEMAS as readonly string[]).includes(raw.schema) || raw.schema.startsWith('pg_')) {
      throw bad(`--schema ${raw.schema} is reserved (the live read models are lev_rm, the log lev_es)`);
    }
    const allowed: (keyof EventSelection)[] = mode === 'rebuild' ? ['toPosition'] : [];
    refuse(
      given(ALL_KEYS.filter((k) => !allowed.includes(k))),
      mode === 'rebuild' ? '--rebuild (only --to and --schema)' : '--diff (only --schema)',
    );
    if (json) throw bad(`--json cannot be combined with --${mode}`);
    return { mode, json, selection, schema: raw.schema };
  }
  if (raw.schema !== undefined) throw bad('--schema needs --rebuild or --diff');
  if (mode === 'reorgs') {
    refuse(given(['streamPrefixes', 'types', 'batch', 'tx']), '--reorgs (only --from/--to/--since/--until)');
  }
  if (mode === 'follow') refuse(given(['toPosition', 'untilMs']), '--follow');
  return { mode, json, selection };
}

const FLAG_OF: Record<keyof EventSelection, string> = {
  streamPrefixes: '--stream',
  types: '--type',
  fromPosition: '--from',
  toPosition: '--to',
  sinceMs: '--since',
  untilMs: '--until',
  batch: '--batch',
  tx: '--tx',
};
const ALL_KEYS = Object.keys(FLAG_OF) as (keyof EventSelection)[];

/**
 * What the store can filter (stream prefixes, types): a superset of the selection, to be narrowed by
 * {@link matchesSelection}. `undefined` reads everything. Pure.
 */
export function storeFilterOf(selection: EventSelection): EventFilter | undefined {
  const filter: EventFilter = {};
  if (selection.streamPrefixes) filter.streamPrefixes = selection.streamPrefixes;
  else if (selection.tx !== undefined) filter.streamPrefixes = ['tx-', 'l2'];
  if (selection.types) filter.types = selection.types;
  return filter.streamPrefixes || filter.types ? filter : undefined;
}

/** Whether `event` is selected (every given criterion holds). Pure. */
export function matchesSelection(selection: EventSelection, event: RecordedEvent): boolean {
  const s = selection;
  if (s.fromPosition !== undefined && event.position < s.fromPosition) return false;
  if (s.toPosition !== undefined && event.position > s.toPosition) return false;
  if (s.streamPrefixes && !s.streamPrefixes.some((p) => event.streamId.startsWith(p))) return false;
  if (s.types && !s.types.includes(event.type)) return false;
  if (s.sinceMs !== undefined || s.untilMs !== undefined) {
    const at = Date.parse(event.metadata.at);
    if (Number.isNaN(at)) return false;
    if (s.sinceMs !== undefined && at < s.sinceMs) return false;
    if (s.untilMs !== undefined && at > s.untilMs) return false;
  }
  if (s.batch !== undefined && !mentionsBatch(event, s.batch)) return false;
  if (s.tx !== undefined && !mentionsTx(event, s.tx)) return false;
  return true;
}

/** A sequence's L1 tx id (`sequenceL1TxId`): `sequence-from-A-to-B`, `-attempt-N` when it was sent again. */
const SEQUENCE_ID_RE = /^sequence-from-(\d+)-to-(\d+)(?:-attempt-\d+)?$/;

const asBig = (v: JsonValue | undefined): bigint | undefined =>
  typeof v === 'string' && /^\d+$/.test(v) ? BigInt(v) : typeof v === 'number' ? BigInt(v) : undefined;

const inRange = (n: bigint, from: bigint | undefined, to: bigint | undefined) =>
  from !== undefined && to !== undefined && from <= n && n <= to;

/**
 * Whether the event's data names batch `n`: `batchNumber`; a `fromBatch`..`toBatch` range (sequences,
 * virtualizations, verifications); `batches[].number`; the `unvirtualized`/`unverified` lists of a reorg; a
 * `TrustedStateReset` to `n` or below (it undoes `n`); the L1 tx of a sequence (`id` `sequence-from-A-to-B`, or
 * `sequence-from-A-to-B-attempt-N` when sent again);
 * `L2GenesisCreated` for batch 0. Pure.
 */
export function mentionsBatch(event: RecordedEvent, n: bigint): boolean {
  const d = event.data;
  if (event.type === 'L2GenesisCreated') return n === 0n;
  if (event.type === 'TrustedStateReset') {
    const to = asBig(d['toBatch']);
    return to !== undefined && n >= to;
  }
  if (asBig(d['batchNumber']) === n) return true;
  if (inRange(n, asBig(d['fromBatch']), asBig(d['toBatch']))) return true;
  const batches = d['batches'];
  if (Array.isArray(batches)) {
    for (const b of batches) {
      if (b && typeof b === 'object' && !Array.isArray(b) && asBig(b['number']) === n) return true;
    }
  }
  for (const key of ['unvirtualized', 'unverified']) {
    const l = d[key];
    if (Array.isArray(l) && l.some((v) => asBig(v) === n)) return true;
  }
  const id = d['id'];
  if (typeof id === 'string') {
    const m = SEQUENCE_ID_RE.exec(id);
    if (m && inRange(n, BigInt(m[1]!), BigInt(m[2]!))) return true;
  }
  return false;
}

/**
 * Whether the event concerns tx `hash` (lowercase): its own `tx-<hash>` stream, the `L2BlockSealed` that
 * carries it, or the `TxReplaced` of the tx it replaced. Pure.
 */
export function mentionsTx(event: RecordedEvent, hash: string): boolean {
  if (event.streamId.toLowerCase() === `tx-${hash}`) return true;
  const d = event.data;
  if (event.type === 'L2BlockSealed') {
    const tx = d['tx'];
    return !!tx && typeof tx === 'object' && !Array.isArray(tx) && String(tx['hash']).toLowerCase() === hash;
  }
  if (event.type === 'TxReplaced') return String(d['replacedBy']).toLowerCase() === hash;
  return false;
}
