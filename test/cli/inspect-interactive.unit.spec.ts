/** `lev inspect --interactive`: command parsing, bounds, the flat diff, the printed steps and the loop (pure). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type AnswerObject,
  diffAnswers,
  formatStep,
  parseStepCommand,
  runInteractive,
  targetOf,
} from '../../src/cli/inspect-interactive.ts';

test('commands: n, p, g N, q; blank ignored; anything else invalid', () => {
  assert.equal(parseStepCommand('n'), { kind: 'next' });
  assert.equal(parseStepCommand('  p '), { kind: 'prev' });
  assert.equal(parseStepCommand('q'), { kind: 'quit' });
  assert.equal(parseStepCommand('g 42'), { kind: 'goto', position: 42n });
  assert.equal(parseStepCommand('g   7\r'), { kind: 'goto', position: 7n });
  assert.is(parseStepCommand(''), null);
  assert.is(parseStepCommand('   '), null);
  for (const bad of ['x', 'g', 'g -1', 'g 0x10', 'nn', 'next'])
    assert.equal(parseStepCommand(bad), { kind: 'invalid', input: bad.trim() });
});

test('bounds: 0 to the head; a move out of them stays with one line', () => {
  assert.equal(targetOf({ kind: 'next' }, 4n, 10n), { ok: true, position: 5n });
  assert.equal(targetOf({ kind: 'prev' }, 4n, 10n), { ok: true, position: 3n });
  assert.equal(targetOf({ kind: 'prev' }, 1n, 10n), { ok: true, position: 0n });
  assert.equal(targetOf({ kind: 'goto', position: 10n }, 4n, 10n), { ok: true, position: 10n });
  assert.equal(targetOf({ kind: 'goto', position: 0n }, 4n, 10n), { ok: true, position: 0n });
  const before = targetOf({ kind: 'prev' }, 0n, 10n);
  assert.not.ok(before.ok);
  if (!before.ok) assert.match(before.message, /start of the log: staying at 0/);
  const past = targetOf({ kind: 'next' }, 10n, 10n);
  assert.not.ok(past.ok);
  if (!past.ok) assert.match(past.message, /head of the log \(position 10\): staying at 10/);
  const far = targetOf({ kind: 'goto', position: 11n }, 3n, 10n);
  assert.not.ok(far.ok);
  if (!far.ok) {
    assert.match(far.message, /position 11 is beyond the head of the log \(10\): staying at 3/);
    assert.not.ok(far.message.includes('\n'));
  }
});

test('positions that are not consecutive (EventStoreDB): a step lands on the adjacent event', () => {
  // events at 100, 164, 9000; head 9000
  assert.equal(targetOf({ kind: 'next' }, 100n, 9000n, 164n), { ok: true, position: 164n });
  assert.equal(targetOf({ kind: 'prev' }, 164n, 9000n, 100n), { ok: true, position: 100n });
  assert.equal(targetOf({ kind: 'prev' }, 100n, 9000n, 0n), { ok: true, position: 0n });
  assert.equal(targetOf({ kind: 'goto', position: 164n }, 100n, 9000n, 9000n), { ok: true, position: 164n });
  const past = targetOf({ kind: 'next' }, 9000n, 9000n, null);
  assert.not.ok(past.ok);
  if (!past.ok) assert.match(past.message, /head of the log \(position 9000\): staying at 9000/);
  const before = targetOf({ kind: 'prev' }, 0n, 9000n, null);
  assert.not.ok(before.ok);
  if (!before.ok) assert.match(before.message, /start of the log: staying at 0/);
});

test('diff: changed, added and removed top-level fields; nested values compared as JSON', () => {
  const a = { status: 'open', n: '3', nested: { x: 1, y: [1, 2] }, gone: 'g', list: [] as unknown[] };
  const b = { status: 'closed', n: '3', nested: { x: 1, y: [1, 2] }, list: [{ hash: '0x1' }], added: 5 };
  assert.equal(diffAnswers(a, b), {
    status: { from: 'open', to: 'closed' },
    gone: { from: 'g', to: undefined },
    list: { from: [], to: [{ hash: '0x1' }] },
    added: { from: undefined, to: 5 },
  });
  assert.equal(diffAnswers({ nested: { x: 1 } }, { nested: { x: 2 } }), {
    nested: { from: { x: 1 }, to: { x: 2 } },
  });
  assert.equal(diffAnswers(a, structuredClone(a)), {});
  // a subject that did not exist then counts as {}
  assert.equal(diffAnswers(null, { status: 'pending' }), { status: { from: undefined, to: 'pending' } });
  assert.equal(diffAnswers(null, null), {});
});

test('a step as text and as one JSON line', () => {
  const event = { type: 'TxIncluded', stream: 'tx-0xab' };
  const changes = diffAnswers({ pending: [{ hash: '0xab' }], n: '1' }, { pending: [], m: 'new' });
  assert.is(
    formatStep({ position: 12n, event, changes }, false),
    [
      'position 12: TxIncluded on tx-0xab',
      'pending: [{"hash":"0xab"}] → []',
      'n: 1 → (absent)',
      'm: (absent) → new',
    ].join('\n'),
  );
  assert.is(
    formatStep({ position: 13n, event: { type: 'L2BlockSealed', stream: 'l2' }, changes: {} }, false),
    'position 13: L2BlockSealed on l2\n(no change)',
  );
  assert.is(
    formatStep({ position: 0n, event: null, changes: {} }, false),
    'position 0: (before the first event)\n(no change)',
  );
  const line = formatStep({ position: 12n, event, changes }, true);
  assert.not.ok(line.includes('\n'));
  assert.equal(JSON.parse(line), {
    position: '12',
    event,
    changes: { pending: { from: [{ hash: '0xab' }], to: [] }, n: { from: '1' }, m: { to: 'new' } },
  });
});

test('the loop: steps, stays at the bounds, ignores blanks, reports bad commands, stops at q', async () => {
  // a log of 3 events: the answer at position p is {count: p} from position 2 on
  const answers: Record<string, AnswerObject> = {
    0: { count: 0 },
    1: { count: 0 },
    2: { count: 2 },
    3: { count: 3 },
  };
  const asked: bigint[] = [];
  const out: string[] = [];
  async function* lines() {
    yield* ['p', 'n', '', 'n', 'n', 'n', 'x', 'g 0', 'p', 'g 9', 'q', 'n'];
  }
  await runInteractive({
    start: 1n,
    first: answers[1]!,
    head: 3n,
    json: false,
    lines: lines(),
    answerAt: async (p) => {
      asked.push(p);
      return answers[p.toString()]!;
    },
    eventAt: async (p) => (p === 0n ? null : { type: `E${p}`, stream: 's' }),
    write: (l) => out.push(l),
  });
  assert.equal(asked, [0n, 1n, 2n, 3n, 0n], 'n after q is never read');
  assert.equal(out, [
    'position 0: (before the first event)\n(no change)',
    'position 1: E1 on s\n(no change)',
    'position 2: E2 on s\ncount: 0 → 2',
    'position 3: E3 on s\ncount: 2 → 3',
    'already at the head of the log (position 3): staying at 3',
    'unknown command "x"; commands: n (next event), p (previous), g N (go to position N), q (quit)',
    'position 0: (before the first event)\ncount: 3 → 0',
    'already at position 0, the start of the log: staying at 0',
    'position 9 is beyond the head of the log (3): staying at 0',
  ]);
});

test('the loop ends at the end of input; JSON mode writes one object per line', async () => {
  const out: string[] = [];
  async function* lines() {
    yield 'n';
    yield 'n';
  }
  await runInteractive({
    start: 0n,
    first: null,
    head: 1n,
    json: true,
    lines: lines(),
    answerAt: async () => ({ status: 'pending' }),
    eventAt: async (p) => ({ type: 'TxReceived', stream: `tx-${p}` }),
    write: (l) => out.push(l),
  });
  assert.equal(
    out.map((l) => JSON.parse(l)),
    [
      {
        position: '1',
        event: { type: 'TxReceived', stream: 'tx-1' },
        changes: { status: { to: 'pending' } },
      },
      { position: '1', message: 'already at the head of the log (position 1): staying at 1' },
    ],
  );
});

test.run();
