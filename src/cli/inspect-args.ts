/**
 * `lev inspect` arguments (DESIGN §9): the AT forms (a global position, `l2:N`, `batch:N`, `l1:N`, an ISO time)
 * and the subjects with their arguments, checked into an {@link InspectArgs}. Every bad value is an
 * {@link InspectUsageError}: one line, exit status 2. Pure: no I/O, no clock.
 */
import { NodeError } from '../errors/index.ts';
import type { GlobalPosition } from '../eventstore/index.ts';
import { type Address, type Hash, type Hex, toAddress } from '../primitives/index.ts';

/** A bad `lev inspect` argument: its message is the one line printed before exiting with status 2. */
export class InspectUsageError extends NodeError<'InspectUsageError'> {
  override name = 'InspectUsageError' as const;
  constructor(message: string) {
    super(message, { code: 'INSPECT_USAGE', severity: 'critical' });
  }
}

/** Where in the log to look: each form resolves to one global position (the state after that event). */
export type At =
  | { kind: 'position'; position: GlobalPosition }
  | { kind: 'l2'; block: bigint }
  | { kind: 'batch'; batch: bigint }
  | { kind: 'l1'; block: bigint }
  /** Epoch milliseconds; `iso` as given, for messages. */
  | { kind: 'time'; ms: number; iso: string };

export type InspectSubject =
  | { kind: 'account'; address: Address; slots: Hex[] }
  | { kind: 'storage'; address: Address; slot: Hex }
  | { kind: 'block'; block?: { number: bigint } | { hash: Hash } }
  | { kind: 'tx'; hash: Hash }
  | { kind: 'batch'; batch: bigint }
  | { kind: 'sync' }
  | { kind: 'pool' }
  | { kind: 'actors' };

/** `interactive`: step through the log after the first answer (`--interactive`, `-i`). */
export type InspectArgs = { at: At; subject: InspectSubject; json: boolean; interactive: boolean };

/** The options as commander hands them over. */
export type RawInspectOptions = {
  at?: string;
  slots?: string;
  json?: boolean;
  interactive?: boolean;
  dev?: boolean;
  config?: string;
};

export const INSPECT_SUBJECTS = [
  'account',
  'storage',
  'block',
  'tx',
  'batch',
  'sync',
  'pool',
  'actors',
] as const;

const NUMBER_RE = /^\d{1,20}$/;
const HASH_RE = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const SLOT_RE = /^0x[0-9a-fA-F]{1,64}$/;
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const bad = (message: string) => new InspectUsageError(`lev inspect: ${message}`);

/**
 * Parses an AT value: digits (a global position), `l2:N`, `batch:N`, `l1:N`, or an ISO-8601 time. Pure.
 * @throws {InspectUsageError} for anything else.
 */
export function parseAt(value: string | undefined): At {
  if (value === undefined || value === '') {
    throw bad('--at is required: a log position N, l2:N, batch:N, l1:N or an ISO time');
  }
  const v = value.trim();
  if (NUMBER_RE.test(v)) return { kind: 'position', position: BigInt(v) };
  const m = /^(l2|batch|l1):(.*)$/i.exec(v);
  if (m) {
    const form = m[1]!.toLowerCase() as 'l2' | 'batch' | 'l1';
    const n = m[2]!;
    if (!NUMBER_RE.test(n)) throw bad(`--at ${JSON.stringify(value)}: ${form}:N needs a number N`);
    return form === 'batch' ? { kind: 'batch', batch: BigInt(n) } : { kind: form, block: BigInt(n) };
  }
  const ms = ISO_RE.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw bad(
      `--at ${JSON.stringify(value)} is not a log position, l2:N, batch:N, l1:N or an ISO time (e.g. 2025-01-31T12:00:00Z)`,
    );
  }
  return { kind: 'time', ms, iso: v };
}

function address(what: string, value: string | undefined): Address {
  if (value === undefined) throw bad(`${what} needs an address (0x and 40 hex digits)`);
  if (!ADDRESS_RE.test(value)) throw bad(`${JSON.stringify(value)} is not an address (0x and 40 hex digits)`);
  return toAddress(value);
}

/** A storage slot as a 32-byte 0x-hex word (a decimal number or up to 32 bytes of hex). Pure. */
function slot(value: string | undefined): Hex {
  if (value === undefined || value === '') throw bad('a storage slot is needed (0x-hex or a decimal number)');
  let n: bigint;
  if (SLOT_RE.test(value)) n = BigInt(value);
  else if (NUMBER_RE.test(value) || /^\d{1,78}$/.test(value)) n = BigInt(value);
  else throw bad(`${JSON.stringify(value)} is not a storage slot (0x and up to 64 hex digits, or decimal)`);
  if (n >= 1n << 256n) throw bad(`storage slot ${value} does not fit in 32 bytes`);
  return `0x${n.toString(16).padStart(64, '0')}` as Hex;
}

function number(what: string, value: string | undefined): bigint {
  if (value === undefined) throw bad(`${what} needs a number`);
  if (!NUMBER_RE.test(value)) throw bad(`${JSON.stringify(value)} is not a ${what} number`);
  return BigInt(value);
}

function hash(what: string, value: string | undefined): Hash {
  if (value === undefined) throw bad(`${what} needs a hash (0x and 64 hex digits)`);
  if (!HASH_RE.test(value))
    throw bad(`${JSON.stringify(value)} is not a ${what} hash (0x and 64 hex digits)`);
  return value.toLowerCase() as Hash;
}

function noMore(rest: string[], usage: string): void {
  if (rest.length > 0) throw bad(`unexpected argument ${JSON.stringify(rest[0])} (usage: ${usage})`);
}

/**
 * Checks `--at`, the subject and its arguments. Pure.
 * @throws {InspectUsageError} naming the first bad argument.
 */
export function parseInspectArgs(subject: string, args: string[], raw: RawInspectOptions): InspectArgs {
  const at = parseAt(raw.at);
  const json = raw.json === true;
  const [a, b, ...rest] = args;
  let s: InspectSubject;
  if (raw.slots !== undefined && subject !== 'account') throw bad('--slots goes with the account subject');
  switch (subject) {
    case 'account': {
      const slots =
        raw.slots === undefined
          ? []
          : raw.slots
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean)
              .map(slot);
      if (raw.slots !== undefined && slots.length === 0) throw bad('--slots needs slots S1,S2');
      s = { kind: 'account', address: address('account', a) as Address, slots };
      noMore(b === undefined ? rest : [b, ...rest], 'account ADDR [--slots S1,S2]');
      break;
    }
    case 'storage':
      s = { kind: 'storage', address: address('storage', a), slot: slot(b) };
      noMore(rest, 'storage ADDR SLOT');
      break;
    case 'block':
      s =
        a === undefined
          ? { kind: 'block' }
          : a.startsWith('0x')
            ? { kind: 'block', block: { hash: hash('block', a) } }
            : { kind: 'block', block: { number: number('block', a) } };
      noMore(b === undefined ? rest : [b, ...rest], 'block [N|HASH]');
      break;
    case 'tx':
      s = { kind: 'tx', hash: hash('tx', a) };
      noMore(b === undefined ? rest : [b, ...rest], 'tx HASH');
      break;
    case 'batch':
      s = { kind: 'batch', batch: number('batch', a) };
      noMore(b === undefined ? rest : [b, ...rest], 'batch N');
      break;
    case 'sync':
    case 'pool':
    case 'actors':
      s = { kind: subject };
      noMore(args, subject);
      break;
    default:
      throw bad(`unknown subject ${JSON.stringify(subject)} (one of ${INSPECT_SUBJECTS.join(', ')})`);
  }
  return { at, subject: s, json, interactive: raw.interactive === true };
}

/** AT as the user wrote it, for messages. Pure. */
export function formatAt(at: At): string {
  switch (at.kind) {
    case 'position':
      return String(at.position);
    case 'l2':
      return `l2:${at.block}`;
    case 'batch':
      return `batch:${at.batch}`;
    case 'l1':
      return `l1:${at.block}`;
    case 'time':
      return at.iso;
  }
}
