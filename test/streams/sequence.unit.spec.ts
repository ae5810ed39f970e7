import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IllegalStateError } from '../../src/errors/index.ts';
import { decide, foldSequence, initialState, sequenceL1TxId } from '../../src/streams/sequence/index.ts';

test('sequences are consecutive from batch 1 and name their L1 tx', () => {
  const first = decide({ type: 'SendSequence', data: { fromBatch: 1n, toBatch: 3n } }, initialState());
  assert.equal(first, [
    { type: 'SequenceSent', data: { fromBatch: '1', toBatch: '3', l1TxId: 'sequence-from-1-to-3' } },
  ]);
  const state = foldSequence(first);
  assert.equal(state, {
    lastSentBatch: 3n,
    last: { fromBatch: 1n, toBatch: 3n, l1TxId: 'sequence-from-1-to-3' },
    sent: [{ fromBatch: 1n, toBatch: 3n, l1TxId: 'sequence-from-1-to-3' }],
    attempts: new Map([['1-3', 1]]),
  });
  const second = decide({ type: 'SendSequence', data: { fromBatch: 4n, toBatch: 4n } }, state);
  assert.is(foldSequence([...first, ...second]).lastSentBatch, 4n);
  assert.is(sequenceL1TxId(12n, 15n), 'sequence-from-12-to-15');
});

test('a gap, an overlap or an empty sequence is refused', () => {
  const state = foldSequence(
    decide({ type: 'SendSequence', data: { fromBatch: 1n, toBatch: 2n } }, initialState()),
  );
  for (const [fromBatch, toBatch, message] of [
    [4n, 5n, /must start at batch 3 \(the last sent is 2\), not 4/],
    [2n, 5n, /must start at batch 3/],
    [3n, 2n, /empty sequence 3\.\.2/],
  ] as const) {
    try {
      decide({ type: 'SendSequence', data: { fromBatch, toBatch } }, state);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, IllegalStateError);
      assert.match((err as Error).message, message);
    }
  }
});

test('a sequence L1 lost is sent again from where it started, under a new L1 tx id', () => {
  const sent = [...decide({ type: 'SendSequence', data: { fromBatch: 1n, toBatch: 2n } }, initialState())];
  sent.push(...decide({ type: 'SendSequence', data: { fromBatch: 3n, toBatch: 4n } }, foldSequence(sent)));
  const again = decide({ type: 'ResendSequence', data: { fromBatch: 3n, toBatch: 4n } }, foldSequence(sent));
  assert.equal(again, [
    {
      type: 'SequenceSent',
      data: { fromBatch: '3', toBatch: '4', l1TxId: 'sequence-from-3-to-4-attempt-2', resent: true },
    },
  ]);
  const state = foldSequence([...sent, ...again]);
  assert.is(state.lastSentBatch, 4n);
  assert.equal(
    state.sent.map((s) => s.l1TxId),
    ['sequence-from-1-to-2', 'sequence-from-3-to-4-attempt-2'],
  );
  // The first one lost too: its re-send replaces it, the later one stays.
  const first = decide({ type: 'ResendSequence', data: { fromBatch: 1n, toBatch: 2n } }, state);
  assert.equal(
    foldSequence([...sent, ...again, ...first]).sent.map((s) => s.l1TxId),
    ['sequence-from-1-to-2-attempt-2', 'sequence-from-3-to-4-attempt-2'],
  );
  for (const [fromBatch, toBatch, message] of [
    [2n, 4n, /a re-send repeats a sent sequence; none was 2\.\.4/],
    [3n, 5n, /covers batches already sent \(1\.\.4\), not 3\.\.5/],
  ] as const) {
    try {
      decide({ type: 'ResendSequence', data: { fromBatch, toBatch } }, state);
      assert.unreachable();
    } catch (err) {
      assert.instance(err, IllegalStateError);
      assert.match((err as Error).message, message);
    }
  }
});

test.run();
