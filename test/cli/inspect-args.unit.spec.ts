/** `lev inspect` argument parsing: the AT forms and the subjects (pure). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InspectUsageError, parseAt, parseInspectArgs } from '../../src/cli/inspect-args.ts';

const fails = (fn: () => unknown, re: RegExp) => {
  try {
    fn();
  } catch (err) {
    assert.instance(err, InspectUsageError);
    const msg = (err as InspectUsageError).shortMessage;
    assert.ok(re.test(msg), msg);
    assert.not.ok(msg.includes('\n'), 'one line');
    assert.ok(msg.startsWith('lev inspect: '), msg);
    return;
  }
  assert.unreachable('should have thrown');
};

test('AT: position, l2:N, batch:N, l1:N, ISO time', () => {
  assert.equal(parseAt('0'), { kind: 'position', position: 0n });
  assert.equal(parseAt('12345'), { kind: 'position', position: 12345n });
  assert.equal(parseAt('l2:7'), { kind: 'l2', block: 7n });
  assert.equal(parseAt('L2:7'), { kind: 'l2', block: 7n });
  assert.equal(parseAt('batch:3'), { kind: 'batch', batch: 3n });
  assert.equal(parseAt('l1:99'), { kind: 'l1', block: 99n });
  const t = parseAt('2026-01-02T03:04:05.678Z');
  assert.equal(t, {
    kind: 'time',
    ms: Date.parse('2026-01-02T03:04:05.678Z'),
    iso: '2026-01-02T03:04:05.678Z',
  });
  assert.equal(parseAt('2026-01-02T03:04:05+02:00').kind, 'time');
  assert.equal(parseAt('2026-01-02').kind, 'time');
});

test('AT: malformed forms are one-line usage errors', () => {
  fails(() => parseAt(undefined), /--at is required/);
  fails(() => parseAt(''), /--at is required/);
  fails(() => parseAt('l2:'), /l2:N needs a number/);
  fails(() => parseAt('batch:x'), /batch:N needs a number/);
  fails(() => parseAt('l1:-1'), /l1:N needs a number/);
  fails(() => parseAt('l3:4'), /not a log position, l2:N/);
  fails(() => parseAt('-5'), /not a log position/);
  fails(() => parseAt('2026-13-45T99:00:00Z'), /ISO time/);
  fails(() => parseAt('yesterday'), /ISO time/);
});

const A = '0x00000000000000000000000000000000000000aB';

test('subjects and their arguments', () => {
  const acct = parseInspectArgs('account', [A], { at: 'l2:1', slots: '0,0x1', json: true });
  assert.equal(acct.at, { kind: 'l2', block: 1n });
  assert.ok(acct.json);
  assert.not.ok(acct.interactive);
  assert.ok(parseInspectArgs('pool', [], { at: '1', interactive: true }).interactive);
  assert.equal(acct.subject, {
    kind: 'account',
    address: '0x00000000000000000000000000000000000000ab',
    slots: [`0x${'0'.repeat(64)}`, `0x${'0'.repeat(63)}1`],
  });
  assert.equal(parseInspectArgs('storage', [A, '0x2a'], { at: '1' }).subject, {
    kind: 'storage',
    address: '0x00000000000000000000000000000000000000ab',
    slot: `0x${'0'.repeat(62)}2a`,
  });
  assert.equal(parseInspectArgs('block', [], { at: '1' }).subject, { kind: 'block' });
  assert.equal(parseInspectArgs('block', ['5'], { at: '1' }).subject, {
    kind: 'block',
    block: { number: 5n },
  });
  const h = `0x${'Ab'.repeat(32)}`;
  assert.equal(parseInspectArgs('block', [h], { at: '1' }).subject, {
    kind: 'block',
    block: { hash: h.toLowerCase() },
  });
  assert.equal(parseInspectArgs('tx', [h], { at: '1' }).subject, { kind: 'tx', hash: h.toLowerCase() });
  assert.equal(parseInspectArgs('batch', ['2'], { at: '1' }).subject, { kind: 'batch', batch: 2n });
  for (const s of ['sync', 'pool', 'actors'] as const) {
    assert.equal(parseInspectArgs(s, [], { at: '1' }).subject, { kind: s });
  }
});

test('bad subjects and arguments are one-line usage errors', () => {
  fails(() => parseInspectArgs('accounts', [A], { at: '1' }), /unknown subject "accounts"/);
  fails(() => parseInspectArgs('account', [], { at: '1' }), /needs an address/);
  fails(() => parseInspectArgs('account', ['0x1234'], { at: '1' }), /not an address/);
  fails(() => parseInspectArgs('account', [A, 'extra'], { at: '1' }), /unexpected argument "extra"/);
  fails(() => parseInspectArgs('account', [A], { at: '1', slots: 'zz' }), /not a storage slot/);
  fails(() => parseInspectArgs('account', [A], { at: '1', slots: ',' }), /--slots needs/);
  fails(() => parseInspectArgs('storage', [A], { at: '1' }), /storage slot is needed/);
  fails(() => parseInspectArgs('storage', [A, `0x1${'0'.repeat(64)}`], { at: '1' }), /not a storage slot/);
  fails(() => parseInspectArgs('block', ['0x12'], { at: '1' }), /not a block hash/);
  fails(() => parseInspectArgs('block', ['x'], { at: '1' }), /not a block number/);
  fails(() => parseInspectArgs('tx', ['0x12'], { at: '1' }), /not a tx hash/);
  fails(() => parseInspectArgs('batch', [], { at: '1' }), /batch needs a number/);
  fails(() => parseInspectArgs('pool', ['x'], { at: '1' }), /unexpected argument/);
  fails(() => parseInspectArgs('block', [], { at: '1', slots: '1' }), /--slots goes with the account/);
  fails(() => parseInspectArgs('block', [], {}), /--at is required/);
});

test.run();
