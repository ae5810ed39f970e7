/**
 * The `l1tx-<id>` decider and the fee rules: given events, when a command, then events or a refusal.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IllegalStateError } from '../../src/errors/index.ts';
import type { Hash } from '../../src/primitives/index.ts';
import {
  bumpFees,
  capFees,
  decide,
  feeFields,
  foldL1Tx,
  isL1TxId,
  isValidReplacement,
  type L1TxCommand,
  type L1TxEvent,
  type L1TxFees,
  type L1TxSent,
  l1TxIdOf,
  l1TxStreamId,
  lastAttempt,
  raiseByPercent,
} from '../../src/streams/l1tx/index.ts';

const h = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hash;
const FROM = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8' as const;
const GWEI = 1_000_000_000n;

const queued: L1TxEvent = {
  type: 'L1TxQueued',
  data: {
    id: 'seq-1',
    owner: 'sequence-sender',
    from: FROM,
    to: '0x0000000000000000000000000000000000000001',
    data: '0xabcd',
    value: '0',
    gasLimit: null,
  },
};

const sent = (
  attempt: number,
  reason: L1TxSent['data']['reason'],
  nonce: number,
  fees: L1TxFees,
  hash = h(100 + attempt),
): L1TxSent => ({
  type: 'L1TxSent',
  data: {
    id: 'seq-1',
    attempt,
    reason,
    nonce: String(nonce),
    gasLimit: '100000',
    ...feeFields(fees),
    hash,
    raw: '0x02',
    sentAt: new Date(1_000 * attempt).toISOString(),
  },
});
const f1559 = (max: bigint, tip: bigint): L1TxFees => ({
  type: 'eip1559',
  maxFeePerGas: max,
  maxPriorityFeePerGas: tip,
});
const mined = (hash: Hash, block: Hash, status: 'success' | 'reverted' = 'success'): L1TxEvent => ({
  type: 'L1TxMined',
  data: {
    id: 'seq-1',
    hash,
    blockNumber: '7',
    blockHash: block,
    status,
    gasUsed: '50000',
    effectiveGasPrice: '2000000000',
  },
});

/** given(events).when(command) → the decided events; folding them must be legal too. */
const given = (events: readonly L1TxEvent[]) => ({
  when(command: L1TxCommand): L1TxEvent[] {
    return decide(command, foldL1Tx(events));
  },
  refuses(command: L1TxCommand, message: RegExp) {
    try {
      decide(command, foldL1Tx(events));
    } catch (err) {
      assert.instance(err, IllegalStateError);
      assert.match((err as Error).message, message);
      return;
    }
    assert.unreachable(`${command.type} must be refused`);
  },
});

const s1 = sent(1, 'initial', 4, f1559(3n * GWEI, GWEI));

test('stream ids and tx ids', () => {
  assert.is(l1TxStreamId('seq-1'), 'l1tx-seq-1');
  assert.is(l1TxIdOf('l1tx-seq-1'), 'seq-1');
  assert.is(l1TxIdOf('tx-0x01'), null);
  assert.ok(isL1TxId('verify:12-15_a.b'));
  assert.not.ok(isL1TxId(''));
  assert.not.ok(isL1TxId('-x'));
  assert.not.ok(isL1TxId('a b'));
  assert.not.ok(isL1TxId('x'.repeat(201)));
});

test('a tx is queued once; its first attempt is attempt 1, reason initial', () => {
  assert.equal(given([]).when({ type: 'QueueL1Tx', data: queued.data as never }), [queued]);
  given([queued]).refuses({ type: 'QueueL1Tx', data: queued.data as never }, /already queued/);
  assert.equal(given([queued]).when({ type: 'SendL1Tx', data: s1.data }), [s1]);
  given([queued]).refuses(
    { type: 'SendL1Tx', data: sent(2, 'initial', 4, f1559(3n * GWEI, GWEI)).data },
    /attempt 1/,
  );
  given([]).refuses({ type: 'SendL1Tx', data: s1.data }, /unknown/);
  const state = foldL1Tx([queued, s1]);
  assert.is(state.status, 'sent');
  assert.equal(lastAttempt(state)?.nonce, 4n);
  assert.equal(lastAttempt(state)?.sentAtMs, 1000);
});

test('a gas bump keeps the nonce and raises every fee by at least 10%', () => {
  const history = [queued, s1];
  const ok = sent(2, 'bump', 4, f1559(3_300_000_000n, 1_100_000_000n));
  assert.equal(given(history).when({ type: 'SendL1Tx', data: ok.data }), [ok]);
  given(history).refuses(
    { type: 'SendL1Tx', data: sent(2, 'bump', 4, f1559(3_300_000_000n, 1_099_999_999n)).data },
    /at least 10%/,
  );
  given(history).refuses(
    { type: 'SendL1Tx', data: sent(2, 'bump', 5, f1559(9n * GWEI, 3n * GWEI)).data },
    /keeps the nonce/,
  );
  given(history).refuses(
    { type: 'SendL1Tx', data: sent(3, 'bump', 4, f1559(9n * GWEI, 3n * GWEI)).data },
    /does not follow/,
  );
  given(history).refuses(
    { type: 'SendL1Tx', data: sent(2, 'bump', 4, { type: 'legacy', gasPrice: 9n * GWEI }).data },
    /at least 10%/,
  );
});

test('a re-sign takes another nonce: higher (taken by a foreign tx) or lower (lost by the L1), never the live one', () => {
  const history = [queued, s1];
  const up = sent(2, 'resign', 5, f1559(2n * GWEI, GWEI));
  assert.equal(given(history).when({ type: 'SendL1Tx', data: up.data }), [up]);
  // The L1 lost its chain below nonce 4 (a devnet restarted from genesis): re-signed down to what it expects.
  const down = sent(2, 'resign', 0, f1559(2n * GWEI, GWEI));
  assert.equal(given(history).when({ type: 'SendL1Tx', data: down.data }), [down]);
  assert.equal(lastAttempt(foldL1Tx([...history, down]))?.nonce, 0n);
  // The same nonce is a replacement: only a bump, with its fee rule.
  given(history).refuses(
    { type: 'SendL1Tx', data: sent(2, 'resign', 4, f1559(9n * GWEI, 3n * GWEI)).data },
    /another nonce/,
  );
  given([...history, down]).refuses(
    { type: 'SendL1Tx', data: sent(3, 'resign', 0, f1559(9n * GWEI, 3n * GWEI)).data },
    /another nonce/,
  );
  // Attempts still follow each other, and a re-signed tx is bumped at its new nonce.
  given(history).refuses(
    { type: 'SendL1Tx', data: sent(3, 'resign', 0, f1559(2n * GWEI, GWEI)).data },
    /does not follow/,
  );
  const bumped = sent(3, 'bump', 0, f1559(3n * GWEI, 2n * GWEI));
  assert.equal(given([...history, down]).when({ type: 'SendL1Tx', data: bumped.data }), [bumped]);
  given([...history, down]).refuses(
    { type: 'SendL1Tx', data: sent(3, 'bump', 4, f1559(3n * GWEI, 2n * GWEI)).data },
    /keeps the nonce/,
  );
});

test('a receipt must be of one of the attempts; a reorg returns the tx to sent; confirmation needs the block', () => {
  const history = [queued, s1];
  given(history).refuses({ type: 'RecordL1TxMined', data: mined(h(999), h(7)).data as never }, /not one of/);
  const m = mined(s1.data.hash, h(7));
  assert.equal(given(history).when({ type: 'RecordL1TxMined', data: m.data as never }), [m]);

  const reorg: L1TxEvent = {
    type: 'L1TxReorged',
    data: { id: 'seq-1', hash: s1.data.hash, blockNumber: '7', blockHash: h(7) },
  };
  given([...history, m]).refuses(
    { type: 'RecordL1TxReorged', data: { ...reorg.data, blockHash: h(8) } as never },
    /not mined in block/,
  );
  assert.equal(given([...history, m]).when({ type: 'RecordL1TxReorged', data: reorg.data as never }), [
    reorg,
  ]);
  const after = foldL1Tx([...history, m, reorg]);
  assert.is(after.status, 'sent');
  assert.is(after.status === 'sent' && after.reorgs, 1);
  given([...history, m, reorg]).refuses(
    {
      type: 'ConfirmL1Tx',
      data: { id: 'seq-1', hash: s1.data.hash, blockNumber: '7', blockHash: h(7), confirmations: 2 },
    },
    /cannot confirm: it is sent/,
  );

  const confirm: L1TxCommand = {
    type: 'ConfirmL1Tx',
    data: { id: 'seq-1', hash: s1.data.hash, blockNumber: '7', blockHash: h(7), confirmations: 2 },
  };
  given([...history, m]).refuses(
    { type: 'ConfirmL1Tx', data: { ...confirm.data, blockHash: h(9) } } as L1TxCommand,
    /not mined in block/,
  );
  assert.equal(given([...history, m]).when(confirm), [{ type: 'L1TxConfirmed', data: confirm.data }]);
  const done = [...history, m, { type: 'L1TxConfirmed', data: confirm.data } as L1TxEvent];
  assert.is(foldL1Tx(done).status, 'confirmed');
  given(done).refuses(
    { type: 'SendL1Tx', data: sent(2, 'bump', 4, f1559(9n * GWEI, 9n * GWEI)).data },
    /confirmed/,
  );
  given(done).refuses(
    {
      type: 'RecordL1TxReorged',
      data: { id: 'seq-1', hash: s1.data.hash, blockNumber: '7', blockHash: h(7) },
    },
    /confirmed/,
  );
});

test('failures: reverted only after a reverted receipt; estimate/no-key only before signing', () => {
  const fail = (code: 'reverted' | 'estimate_reverted' | 'no_key'): L1TxCommand => ({
    type: 'FailL1Tx',
    data: { id: 'seq-1', code, reason: 'nope', hash: null, blockNumber: null, blockHash: null },
  });
  assert.is(given([queued]).when(fail('no_key'))[0]?.type, 'L1TxFailed');
  assert.is(foldL1Tx([queued, ...given([queued]).when(fail('estimate_reverted'))]).status, 'failed');
  given([queued, s1]).refuses(fail('no_key'), /after it was signed/);
  given([queued, s1]).refuses(fail('reverted'), /without a reverted receipt/);
  given([queued, s1, mined(s1.data.hash, h(7))]).refuses(fail('reverted'), /without a reverted receipt/);
  const reverted = [queued, s1, mined(s1.data.hash, h(7), 'reverted')];
  given(reverted).refuses(
    {
      type: 'ConfirmL1Tx',
      data: { id: 'seq-1', hash: s1.data.hash, blockNumber: '7', blockHash: h(7), confirmations: 1 },
    },
    /a reverted tx fails/,
  );
  const failed = foldL1Tx([...reverted, ...given(reverted).when(fail('reverted'))]);
  assert.is(failed.status, 'failed');
  assert.is(failed.status === 'failed' && failed.mined?.blockHash, h(7));
});

test('events are plain JSON: bigints travel as decimal strings', () => {
  const events = [queued, s1, mined(s1.data.hash, h(7))];
  assert.equal(JSON.parse(JSON.stringify(events)), events);
  assert.is(s1.data.maxFeePerGas, '3000000000');
  assert.is(s1.data.gasPrice, null);
});

test('fees: replacement minimum, caps and bumps', () => {
  assert.is(raiseByPercent(100n, 10), 110n);
  assert.is(raiseByPercent(101n, 10), 112n); // 111.1 rounds up
  assert.ok(isValidReplacement({ type: 'legacy', gasPrice: 100n }, { type: 'legacy', gasPrice: 110n }));
  assert.not.ok(isValidReplacement({ type: 'legacy', gasPrice: 100n }, { type: 'legacy', gasPrice: 109n }));
  assert.not.ok(isValidReplacement({ type: 'legacy', gasPrice: 100n }, f1559(200n, 200n)));
  assert.equal(capFees(f1559(50n, 40n), 30n), f1559(30n, 30n));
  assert.equal(capFees({ type: 'legacy', gasPrice: 50n }, 60n), { type: 'legacy', gasPrice: 50n });

  const policy = { percent: 20, maxGasPrice: 1000n };
  // percent applies to every component
  assert.equal(bumpFees(f1559(100n, 10n), f1559(50n, 5n), policy), f1559(120n, 12n));
  // the network's suggestion wins when higher
  assert.equal(bumpFees(f1559(100n, 10n), f1559(500n, 30n), policy), f1559(500n, 30n));
  // a percent below the replacement minimum is raised to it
  assert.equal(
    bumpFees(
      { type: 'legacy', gasPrice: 100n },
      { type: 'legacy', gasPrice: 1n },
      { percent: 5, maxGasPrice: 1000n },
    ),
    {
      type: 'legacy',
      gasPrice: 110n,
    },
  );
  // capped, still a valid replacement
  assert.equal(
    bumpFees(f1559(100n, 10n), f1559(5000n, 30n), { percent: 20, maxGasPrice: 115n }),
    f1559(115n, 30n),
  );
  // at the cap: no valid replacement left
  assert.is(bumpFees(f1559(115n, 30n), f1559(5000n, 30n), { percent: 20, maxGasPrice: 115n }), null);
  assert.is(bumpFees({ type: 'legacy', gasPrice: 950n }, { type: 'legacy', gasPrice: 1n }, policy), null);
});

test.run();
