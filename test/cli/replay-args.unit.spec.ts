/**
 * `lev replay` argument checks and event selection (pure): every malformed value and forbidden combination is one
 * `lev replay: …` line; the batch and tx predicates over the event shapes of the `l2`, `tx-<hash>`,
 * `sequence-sender`, `l1-sync` and `l1tx-<id>` streams.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  matchesSelection,
  mentionsBatch,
  mentionsTx,
  parseReplayArgs,
  type RawReplayOptions,
  ReplayUsageError,
  storeFilterOf,
} from '../../src/cli/replay-args.ts';
import type { JsonObject, RecordedEvent } from '../../src/eventstore/index.ts';

const HASH = `0x${'ab'.repeat(32)}`;
const OTHER = `0x${'cd'.repeat(32)}`;

function fails(raw: RawReplayOptions, message: RegExp) {
  try {
    parseReplayArgs(raw);
  } catch (err) {
    assert.instance(err, ReplayUsageError);
    const line = (err as ReplayUsageError).shortMessage;
    assert.not.match(line, /\n/);
    assert.match(line, /^lev replay: /);
    assert.match(line, message);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(raw)}`);
}

test('malformed values', () => {
  fails({ from: 'abc' }, /--from "abc" is not a log position/);
  fails({ to: '-1' }, /--to "-1"/);
  fails({ from: '1.5' }, /--from/);
  fails({ since: 'yesterday' }, /--since "yesterday" is not an ISO-8601 time/);
  fails({ until: '2025-13-45T00:00:00Z' }, /--until/);
  fails({ batch: 'x1' }, /--batch "x1" is not a batch number/);
  fails({ tx: '0x1234' }, /--tx "0x1234" is not a tx hash/);
  fails({ tx: `${HASH}00` }, /--tx/);
  fails({ type: ['Tx Included'] }, /--type "Tx Included"/);
  fails({ stream: [' , '] }, /--stream needs/);
  fails({ rebuild: true, schema: 'Bad-Name' }, /--schema "Bad-Name" is not a schema name/);
});

test('forbidden combinations', () => {
  fails({ diff: true }, /--diff needs --schema NAME/);
  fails({ rebuild: true }, /--rebuild needs --schema NAME/);
  fails({ schema: 'rb1' }, /--schema needs --rebuild or --diff/);
  fails({ rebuild: true, diff: true, schema: 'rb1' }, /--rebuild and --diff cannot be combined/);
  fails({ follow: true, reorgs: true }, /--reorgs and --follow cannot be combined/);
  fails({ rebuild: true, schema: 'lev_rm' }, /reserved/);
  fails({ diff: true, schema: 'lev_es' }, /reserved/);
  fails({ diff: true, schema: 'pg_catalog' }, /reserved/);
  fails({ rebuild: true, schema: 'rb1', type: ['TxIncluded'] }, /--type cannot be combined with --rebuild/);
  fails({ diff: true, schema: 'rb1', to: '5' }, /--to cannot be combined with --diff/);
  fails({ reorgs: true, tx: HASH }, /--tx cannot be combined with --reorgs/);
  fails({ follow: true, to: '5' }, /--to cannot be combined with --follow/);
  fails({ from: '9', to: '3' }, /--from 9 is after --to 3/);
  fails({ since: '2025-02-01', until: '2025-01-01' }, /--since 2025-02-01 is after --until 2025-01-01/);
  fails({ rebuild: true, schema: 'rb1', json: true }, /--json cannot be combined with --rebuild/);
});

test('accepted forms', () => {
  const a = parseReplayArgs({
    stream: ['l2,tx-', 'sequence-sender'],
    type: ['TxIncluded', 'L2BlockSealed'],
    from: '0',
    to: '10',
    since: '2025-01-01',
    until: '2025-01-02T03:04:05.678+01:00',
    batch: '3',
    tx: HASH.toUpperCase().replace('0X', '0x'),
    json: true,
  });
  assert.is(a.mode, 'timeline');
  assert.ok(a.json);
  assert.equal(a.selection, {
    streamPrefixes: ['l2', 'tx-', 'sequence-sender'],
    types: ['TxIncluded', 'L2BlockSealed'],
    fromPosition: 0n,
    toPosition: 10n,
    sinceMs: Date.parse('2025-01-01'),
    untilMs: Date.parse('2025-01-02T03:04:05.678+01:00'),
    batch: 3n,
    tx: HASH,
  });
  assert.equal(parseReplayArgs({ rebuild: true, schema: 'rb1', to: '7' }), {
    mode: 'rebuild',
    json: false,
    selection: { toPosition: 7n },
    schema: 'rb1',
  });
  assert.is(parseReplayArgs({ reorgs: true, json: true, from: '3' }).mode, 'reorgs');
  assert.is(parseReplayArgs({ follow: true, type: ['TxIncluded'] }).mode, 'follow');
});

let pos = 0n;
const ev = (
  streamId: string,
  type: string,
  data: object,
  at = '2025-01-01T00:00:00.000Z',
): RecordedEvent => ({
  id: `e${++pos}`,
  streamId,
  revision: 0,
  position: pos,
  type,
  version: 1,
  data: data as JsonObject,
  metadata: { at, actor: 'test' },
});

test('batch: every field that names a batch, and nothing else', () => {
  const yes = [
    ev('l2', 'BatchOpened', { batchNumber: '3' }),
    ev('l2', 'L2BlockSealed', { number: '9', batchNumber: '3', tx: { hash: HASH } }),
    ev('l2', 'BatchClosed', { batchNumber: '3', firstBlock: '9', lastBlock: '9' }),
    ev(`tx-${HASH}`, 'TxIncluded', { hash: HASH, blockNumber: '9', batchNumber: '3' }),
    ev('sequence-sender', 'SequenceSent', { fromBatch: '2', toBatch: '4', l1TxId: 'sequence-from-2-to-4' }),
    ev('l1tx-sequence-from-2-to-4', 'L1TxSent', { id: 'sequence-from-2-to-4', attempt: 1 }),
    // A sequence sent again after L1 lost it (sequenceL1TxId with an attempt).
    ev('l1tx-sequence-from-2-to-4-attempt-2', 'L1TxSent', {
      id: 'sequence-from-2-to-4-attempt-2',
      attempt: 1,
    }),
    ev('l1tx-sequence-from-3-to-3-attempt-12', 'L1TxConfirmed', { id: 'sequence-from-3-to-3-attempt-12' }),
    ev('l1-sync', 'BatchesVirtualized', { fromBatch: '3', toBatch: '3', batches: [{ number: '3' }] }),
    ev('l1-sync', 'ProofVerified', { fromBatch: '1', toBatch: '3' }),
    ev('l1-sync', 'ReorgDetected', { depth: '1', unvirtualized: ['3'], unverified: [] }),
    ev('l1-sync', 'ReorgDetected', { depth: '1', unvirtualized: [], unverified: ['3'] }),
    ev('l1-sync', 'TrustedReorgDetected', { batchNumber: '3', field: 'stateRoot' }),
    ev('l2', 'TrustedStateReset', { toBatch: '2', toBlock: '5', reason: 'x' }),
  ];
  const no = [
    ev('l2', 'BatchOpened', { batchNumber: '4' }),
    ev('l2', 'L2BlockSealed', { number: '3', batchNumber: '1' }),
    ev('l2', 'L2GenesisCreated', { stateRoot: HASH }),
    ev('sequence-sender', 'SequenceSent', { fromBatch: '4', toBatch: '6', l1TxId: 'sequence-from-4-to-6' }),
    ev('l1tx-sequence-from-4-to-6', 'L1TxMined', { id: 'sequence-from-4-to-6', blockNumber: '3' }),
    ev('l1tx-sequence-from-4-to-6-attempt-2', 'L1TxSent', {
      id: 'sequence-from-4-to-6-attempt-2',
      attempt: 3,
    }),
    ev('l1tx-x', 'L1TxSent', { id: 'sequence-from-2-to-4-attempt-' }),
    ev('l1-sync', 'L1BlockSynced', { number: '3' }),
    ev('l1-sync', 'ForcedBatchObserved', { forcedBatchNumber: '3' }),
    ev('l1-sync', 'ReorgDetected', { depth: '3', unvirtualized: ['4'], unverified: ['2'] }),
    ev('l2', 'TrustedStateReset', { toBatch: '4', toBlock: '9', reason: 'x' }),
    ev(`tx-${HASH}`, 'TxReceived', { hash: HASH, nonce: '3' }),
  ];
  for (const e of yes) assert.ok(mentionsBatch(e, 3n), `${e.type} ${JSON.stringify(e.data)}`);
  for (const e of no) assert.not.ok(mentionsBatch(e, 3n), `${e.type} ${JSON.stringify(e.data)}`);
  assert.ok(mentionsBatch(ev('l2', 'L2GenesisCreated', {}), 0n), 'the genesis is batch 0');
});

test('tx: its stream, the block that carries it, the TxReplaced it caused', () => {
  assert.ok(mentionsTx(ev(`tx-${HASH}`, 'TxReceived', { hash: HASH }), HASH));
  assert.ok(mentionsTx(ev(`tx-${HASH}`, 'TxIncluded', { hash: HASH }), HASH));
  assert.ok(mentionsTx(ev('l2', 'L2BlockSealed', { tx: { hash: HASH } }), HASH));
  assert.ok(mentionsTx(ev(`tx-${OTHER}`, 'TxReplaced', { hash: OTHER, replacedBy: HASH }), HASH));
  assert.not.ok(mentionsTx(ev(`tx-${OTHER}`, 'TxReceived', { hash: OTHER }), HASH));
  assert.not.ok(mentionsTx(ev('l2', 'L2BlockSealed', { tx: { hash: OTHER } }), HASH));
  assert.not.ok(mentionsTx(ev('l2', 'BatchClosed', { batchNumber: '1' }), HASH));
});

test('a selection is the conjunction of its criteria; the store filter is a superset', () => {
  const sel = parseReplayArgs({
    stream: ['l2'],
    from: '2',
    since: '2025-01-01T00:00:01Z',
    until: '2025-01-01T00:00:05Z',
  }).selection;
  pos = 0n;
  const events = [
    ev('l2', 'BatchOpened', {}, '2025-01-01T00:00:03Z'), // position 1: before --from
    ev('l2', 'BatchOpened', {}, '2025-01-01T00:00:03Z'), // 2: in
    ev('tx-x', 'TxReceived', {}, '2025-01-01T00:00:03Z'), // 3: other stream
    ev('l2', 'BatchClosed', {}, '2025-01-01T00:00:00Z'), // 4: before --since
    ev('l2', 'BatchClosed', {}, '2025-01-01T00:00:05Z'), // 5: at --until (inclusive)
    ev('l2', 'BatchClosed', {}, '2025-01-01T00:00:05.001Z'), // 6: after
  ];
  assert.equal(
    events.filter((e) => matchesSelection(sel, e)).map((e) => e.position),
    [2n, 5n],
  );
  assert.equal(storeFilterOf(sel), { streamPrefixes: ['l2'] });
  assert.equal(storeFilterOf(parseReplayArgs({ tx: HASH }).selection), { streamPrefixes: ['tx-', 'l2'] });
  assert.equal(storeFilterOf(parseReplayArgs({ type: ['TxIncluded'] }).selection), { types: ['TxIncluded'] });
  assert.is(storeFilterOf(parseReplayArgs({ batch: '1' }).selection), undefined);
});

test.run();
