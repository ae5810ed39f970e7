/**
 * How `lev replay` prints events (DESIGN §9): one line per event — position, time, stream@revision, type and a
 * short summary of its data, coloured on a terminal — or, with `--json`, one object per line
 * `{position, stream, revision, type, version, data, metadata}` with the position as a decimal string and `data`
 * exactly as stored. Pure.
 */
import type { JsonObject, JsonValue, RecordedEvent } from '../eventstore/index.ts';

/** ANSI styles; every function is the identity when colour is off. */
export type Palette = {
  dim(s: string): string;
  bold(s: string): string;
  cyan(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  magenta(s: string): string;
  blue(s: string): string;
};

const sgr = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;

/** The palette for `color` (on: ANSI escapes; off: plain text). Pure. */
export function palette(color: boolean): Palette {
  if (!color) {
    const id = (s: string) => s;
    return { dim: id, bold: id, cyan: id, green: id, yellow: id, red: id, magenta: id, blue: id };
  }
  return {
    dim: sgr(2, 22),
    bold: sgr(1, 22),
    cyan: sgr(36, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    red: sgr(31, 39),
    magenta: sgr(35, 39),
    blue: sgr(34, 39),
  };
}

/**
 * Whether to colour a stream: a terminal, unless `NO_COLOR` is set; `FORCE_COLOR` (not `0`) forces it. Pure
 * (the caller passes the environment and the stream's `isTTY`).
 */
export function wantsColor(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '' && force !== '0') return true;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (force === '0') return false;
  return isTTY === true;
}

/** The `--json` line of an event (no trailing newline). Pure. */
export function eventToJsonLine(e: RecordedEvent): string {
  return JSON.stringify({
    position: e.position.toString(),
    stream: e.streamId,
    revision: e.revision,
    type: e.type,
    version: e.version,
    data: e.data,
    metadata: e.metadata,
  });
}

/** `0x1234…cdef` for long hex, the value itself otherwise. Pure. */
export function shortHex(v: string): string {
  return /^0x[0-9a-fA-F]{17,}$/.test(v) ? `${v.slice(0, 8)}…${v.slice(-4)}` : v;
}

const str = (v: JsonValue | undefined): string =>
  v === undefined
    ? '?'
    : v === null
      ? 'null'
      : typeof v === 'string'
        ? shortHex(v)
        : Array.isArray(v)
          ? `[${v.map((x) => str(x)).join(',')}]`
          : typeof v === 'object'
            ? '{…}'
            : String(v);

const obj = (v: JsonValue | undefined): JsonObject =>
  v && typeof v === 'object' && !Array.isArray(v) ? v : {};

const range = (from: JsonValue | undefined, to: JsonValue | undefined) =>
  from === to ? str(from) : `${str(from)}..${str(to)}`;

/** `key=value` pairs of the fields that matter, per event type; other types show their scalar fields. */
const SUMMARIES: Record<string, (d: JsonObject) => [string, string][]> = {
  TxReceived: (d) => [
    ['from', str(d['from'])],
    ['nonce', str(d['nonce'])],
    ['to', str(d['to'])],
    ['value', str(d['value'])],
    ['gasPrice', str(d['gasPrice'])],
  ],
  TxReplaced: (d) => [['replacedBy', str(d['replacedBy'])]],
  TxIncluded: (d) => [
    ['block', str(d['blockNumber'])],
    ['batch', str(d['batchNumber'])],
    ['status', str(d['status'])],
  ],
  TxFailed: (d) => [['reason', str(d['reason'])]],
  TxInvalidated: (d) => [['reason', str(d['reason'])]],
  L2GenesisCreated: (d) => [
    ['block', '0'],
    ['hash', str(d['blockHash'])],
    ['stateRoot', str(d['stateRoot'])],
  ],
  BatchOpened: (d) => [
    ['batch', str(d['batchNumber'])],
    ['timestamp', str(d['timestamp'])],
    ['coinbase', str(d['coinbase'])],
  ],
  L2BlockSealed: (d) => [
    ['block', str(d['number'])],
    ['batch', str(d['batchNumber'])],
    ['tx', str(obj(d['tx'])['hash'])],
    ['status', obj(d['receipt'])['status'] === 1 ? 'success' : 'reverted'],
    ['gasUsed', str(d['gasUsed'])],
    ['hash', str(d['hash'])],
  ],
  BatchClosed: (d) => [
    ['batch', str(d['batchNumber'])],
    ['reason', str(d['reason'])],
    ['blocks', d['firstBlock'] === null ? 'none' : range(d['firstBlock'], d['lastBlock'])],
    ['stateRoot', str(d['stateRoot'])],
  ],
  TrustedStateReset: (d) => [
    ['toBatch', str(d['toBatch'])],
    ['toBlock', str(d['toBlock'])],
    ['reason', str(d['reason'])],
  ],
  SequenceSent: (d) => [
    ['batches', range(d['fromBatch'], d['toBatch'])],
    ['l1tx', str(d['l1TxId'])],
  ],
  ProofRequested: (d) => [
    ['kind', str(d['kind'])],
    ['batches', range(d['fromBatch'], d['toBatch'])],
    ['request', str(d['requestId'])],
  ],
  ProofGenerated: (d) => [
    ['batches', range(d['fromBatch'], d['toBatch'])],
    ['newStateRoot', str(obj(obj(d['proof'])['publicInputs'])['newStateRoot'])],
  ],
  ProofAggregated: (d) => [
    ['batches', range(d['fromBatch'], d['toBatch'])],
    ['newStateRoot', str(obj(obj(d['proof'])['publicInputs'])['newStateRoot'])],
  ],
  FinalProofGenerated: (d) => [
    ['batches', range(d['fromBatch'], d['toBatch'])],
    ['signer', str(d['signer'])],
  ],
  ProofFailed: (d) => [
    ['kind', str(d['kind'])],
    ['batches', range(d['fromBatch'], d['toBatch'])],
    ['cause', str(d['cause'])],
    ['field', str(d['field'])],
    ['retryable', str(d['retryable'])],
    ['reason', str(d['reason'])],
  ],
  VerificationSent: (d) => [
    ['batches', range(d['fromBatch'], d['toBatch'])],
    ['l1tx', str(d['l1TxId'])],
  ],
  L1TxQueued: (d) => [
    ['owner', str(d['owner'])],
    ['from', str(d['from'])],
    ['to', str(d['to'])],
  ],
  L1TxSent: (d) => [
    ['attempt', str(d['attempt'])],
    ['reason', str(d['reason'])],
    ['nonce', str(d['nonce'])],
    ['hash', str(d['hash'])],
  ],
  L1TxMined: (d) => [
    ['hash', str(d['hash'])],
    ['block', str(d['blockNumber'])],
    ['status', str(d['status'])],
  ],
  L1TxReorged: (d) => [
    ['hash', str(d['hash'])],
    ['block', str(d['blockNumber'])],
    ['blockHash', str(d['blockHash'])],
  ],
  L1TxConfirmed: (d) => [
    ['hash', str(d['hash'])],
    ['block', str(d['blockNumber'])],
    ['confirmations', str(d['confirmations'])],
  ],
  L1TxFailed: (d) => [
    ['code', str(d['code'])],
    ['reason', str(d['reason'])],
  ],
  L1BlockSynced: (d) => [
    ['l1Block', str(d['number'])],
    ['hash', str(d['hash'])],
  ],
  BatchesVirtualized: (d) => [
    ['batches', range(d['fromBatch'], d['toBatch'])],
    ['kind', str(d['kind'])],
    ['l1Block', str(d['l1Block'])],
    ['tx', str(d['txHash'])],
  ],
  ForcedBatchObserved: (d) => [
    ['forcedBatch', str(d['forcedBatchNumber'])],
    ['l1Block', str(d['l1Block'])],
  ],
  ProofVerified: (d) => [
    ['batches', range(d['fromBatch'], d['toBatch'])],
    ['l1Block', str(d['l1Block'])],
    ['stateRoot', str(d['stateRoot'])],
  ],
  GlobalExitRootUpdated: (d) => [
    ['ger', str(d['globalExitRoot'])],
    ['l1Block', str(d['l1Block'])],
  ],
  ReorgDetected: (d) => [
    ['depth', str(d['depth'])],
    ['ancestor', str(obj(d['commonAncestor'])['number'])],
    ['orphaned', String(Array.isArray(d['orphaned']) ? d['orphaned'].length : 0)],
    ['unvirtualized', str(d['unvirtualized'])],
    ['unverified', str(d['unverified'])],
  ],
  TrustedReorgDetected: (d) => [
    ['batch', str(d['batchNumber'])],
    ['field', str(d['field'])],
    ['trusted', str(d['trusted'])],
    ['l1', str(d['l1'])],
  ],
};

/** The `key=value` summary of an event's data (hashes shortened). Pure. */
export function summarize(e: RecordedEvent): string {
  const known = SUMMARIES[e.type];
  const pairs: [string, string][] = known
    ? known(e.data)
    : Object.entries(e.data)
        .filter(([, v]) => v === null || typeof v !== 'object')
        .slice(0, 8)
        .map(([k, v]) => [k, str(v)]);
  return pairs.map(([k, v]) => `${k}=${v}`).join(' ');
}

const FAILED = /Failed|Invalidated|Reorg|Reset/;
const GOOD = /Included|Sealed|Confirmed|Mined|Verified|Virtualized|Closed|Created/;

function typeColor(type: string, p: Palette): (s: string) => string {
  if (FAILED.test(type)) return p.red;
  if (GOOD.test(type)) return p.green;
  if (/Sent|Queued|Replaced|Received|Opened/.test(type)) return p.yellow;
  return p.blue;
}

/** One timeline line: `position  at  stream@revision  Type  key=value …`. Pure. */
export function formatEventLine(e: RecordedEvent, p: Palette): string {
  return [
    p.dim(e.position.toString().padStart(7)),
    p.dim(e.metadata.at),
    p.cyan(`${e.streamId}@${e.revision}`),
    p.bold(typeColor(e.type, p)(e.type)),
    summarize(e),
  ].join('  ');
}
