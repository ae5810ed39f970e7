/**
 * `lev inspect --interactive`: after the first answer, single-letter commands read line by line (a TTY or a pipe)
 * step through the log — `n` the next event, `p` the previous one, `g N` position N, `q` (or the end of input)
 * quits — and each step prints the position's event and only what changed in the subject's answer since the
 * previous step. The parsing, bounds, diff and formatting here are pure; {@link runInteractive} is the loop, its
 * I/O and the per-position answer handed in by `lev inspect`.
 */
import type { GlobalPosition } from '../eventstore/index.ts';

/** One command line. `invalid` carries the line as typed, for the message. */
export type StepCommand =
  | { kind: 'next' }
  | { kind: 'prev' }
  | { kind: 'goto'; position: GlobalPosition }
  | { kind: 'quit' }
  | { kind: 'invalid'; input: string };

/** One field's change: `undefined` is a field absent on that side. */
export type FieldChange = { from: unknown; to: unknown };
export type Changes = Record<string, FieldChange>;

/** The event at a position: its type and stream; `null` for position 0 (before the first event). */
export type StepEvent = { type: string; stream: string } | null;

export type Step = { position: GlobalPosition; event: StepEvent; changes: Changes };

/** The subject's answer as a JSON object; `null` when the subject did not exist at that position. */
export type AnswerObject = Record<string, unknown> | null;

export const INTERACTIVE_HELP = 'commands: n (next event), p (previous), g N (go to position N), q (quit)';

/** Parses one command line; `null` for a blank line (ignored). Pure. */
export function parseStepCommand(line: string): StepCommand | null {
  const t = line.trim();
  if (t === '') return null;
  if (t === 'n') return { kind: 'next' };
  if (t === 'p') return { kind: 'prev' };
  if (t === 'q') return { kind: 'quit' };
  const g = /^g\s+(\d{1,20})$/.exec(t);
  if (g) return { kind: 'goto', position: BigInt(g[1]!) };
  return { kind: 'invalid', input: t };
}

/**
 * Where a move from `current` lands, with the log's positions 0 (before the first event) to `head`; a move out
 * of that range stays, with the one line saying so. `adjacent`: the position of the next (or previous) event when
 * positions are not consecutive (EventStoreDB's), `null` when there is none; without it a step is ±1. Pure.
 */
export function targetOf(
  cmd: { kind: 'next' } | { kind: 'prev' } | { kind: 'goto'; position: GlobalPosition },
  current: GlobalPosition,
  head: GlobalPosition,
  adjacent?: GlobalPosition | null,
): { ok: true; position: GlobalPosition } | { ok: false; message: string } {
  const to =
    cmd.kind === 'goto'
      ? cmd.position
      : adjacent !== undefined
        ? (adjacent ?? (cmd.kind === 'next' ? head + 1n : -1n))
        : cmd.kind === 'next'
          ? current + 1n
          : current - 1n;
  if (to < 0n)
    return { ok: false, message: `already at position 0, the start of the log: staying at ${current}` };
  if (to > head) {
    return {
      ok: false,
      message:
        cmd.kind === 'next'
          ? `already at the head of the log (position ${head}): staying at ${current}`
          : `position ${to} is beyond the head of the log (${head}): staying at ${current}`,
    };
  }
  return { ok: true, position: to };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The flat diff of two answers: each top-level field whose value differs (nested values compared as JSON
 * strings), in the order of `before`'s fields then `after`'s new ones; `null` (did not exist) counts as `{}`.
 * Pure.
 */
export function diffAnswers(before: AnswerObject, after: AnswerObject): Changes {
  const a = before ?? {};
  const b = after ?? {};
  const changes: Changes = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!same(a[k], b[k])) changes[k] = { from: a[k], to: b[k] };
  }
  return changes;
}

/** A field's value in text: strings as they are, an absent field `(absent)`, anything else as JSON. Pure. */
export function formatValue(v: unknown): string {
  if (v === undefined) return '(absent)';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

const eventText = (e: StepEvent) => (e ? `${e.type} on ${e.stream}` : '(before the first event)');

/**
 * A step as printed: text — the header `position N: <type> on <stream>` then `field: old → new` lines or
 * `(no change)`; JSON — one line `{position, event: {type, stream}, changes: {field: {from, to}}}` (the position
 * a decimal string, `event` null at position 0, an absent side omitted). Pure.
 */
export function formatStep(step: Step, json: boolean): string {
  if (json) {
    return JSON.stringify({
      position: step.position.toString(),
      event: step.event,
      changes: step.changes,
    });
  }
  const lines = [`position ${step.position}: ${eventText(step.event)}`];
  const fields = Object.entries(step.changes);
  if (fields.length === 0) lines.push('(no change)');
  for (const [k, c] of fields) lines.push(`${k}: ${formatValue(c.from)} → ${formatValue(c.to)}`);
  return lines.join('\n');
}

/** A one-line message (a bound, a bad command) as printed: as it is, or `{position, message}` in JSON. Pure. */
export function formatMessage(message: string, position: GlobalPosition, json: boolean): string {
  return json ? JSON.stringify({ position: position.toString(), message }) : message;
}

export type InteractiveSession = {
  /** The position of the first answer. */
  start: GlobalPosition;
  /** The first answer (already printed by the caller). */
  first: AnswerObject;
  /** The head of the log, the last position one can step to. */
  head: GlobalPosition;
  json: boolean;
  /** Command lines (stdin through node:readline). */
  lines: AsyncIterable<string>;
  /** The subject's answer at a position. */
  answerAt(position: GlobalPosition): Promise<AnswerObject>;
  /** The event at a position (`null` for 0). */
  eventAt(position: GlobalPosition): Promise<StepEvent>;
  /**
   * The position of the event after (`next`) or before (`prev`, `0n` before the first) `position`, `null` when
   * there is none — for logs whose positions are not 1, 2, 3, …; absent: a step is ±1.
   */
  adjacent?(position: GlobalPosition, direction: 'next' | 'prev'): Promise<GlobalPosition | null>;
  /** Writes one line (the newline is added). */
  write(line: string): void;
};

/**
 * The interactive loop: reads commands until `q` or the end of `lines`, printing each step or a one-line
 * message for a move out of the log or an unknown command (staying put).
 * @throws what `answerAt` or `eventAt` throw.
 */
export async function runInteractive(s: InteractiveSession): Promise<void> {
  let position = s.start;
  let answer = s.first;
  for await (const line of s.lines) {
    const cmd = parseStepCommand(line);
    if (cmd === null) continue;
    if (cmd.kind === 'quit') return;
    if (cmd.kind === 'invalid') {
      s.write(
        formatMessage(`unknown command ${JSON.stringify(cmd.input)}; ${INTERACTIVE_HELP}`, position, s.json),
      );
      continue;
    }
    const to =
      cmd.kind !== 'goto' && s.adjacent
        ? targetOf(cmd, position, s.head, await s.adjacent(position, cmd.kind))
        : targetOf(cmd, position, s.head);
    if (!to.ok) {
      s.write(formatMessage(to.message, position, s.json));
      continue;
    }
    const next = await s.answerAt(to.position);
    const event = await s.eventAt(to.position);
    s.write(formatStep({ position: to.position, event, changes: diffAnswers(answer, next) }, s.json));
    position = to.position;
    answer = next;
  }
}
