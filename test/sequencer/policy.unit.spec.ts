import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type BatchLimits,
  closeReason,
  fitsNoBatch,
  type OpenBatchView,
  orderReadyTxs,
  type PoolCandidate,
} from '../../src/sequencer/index.ts';

const limits: BatchLimits = { maxTxs: 3, maxBytes: 1000, maxGas: 100_000n, timeoutMs: 2000 };
const batch = (over: Partial<OpenBatchView> = {}): OpenBatchView => ({
  txCount: 1,
  bytes: 100,
  gasUsed: 21_000n,
  openedAtMs: 10_000,
  globalExitRoot: '0x00',
  ...over,
});

const closing = suite('closeReason');

closing('open while under every limit', () => {
  assert.is(closeReason(batch(), limits, { nowMs: 11_999 }, { bytes: 100, gas: 21_000n }), null);
});
closing('timeout once the batch is 2 s old (not while empty)', () => {
  assert.is(closeReason(batch(), limits, { nowMs: 12_000 }), 'timeout');
  assert.is(closeReason(batch({ txCount: 0 }), limits, { nowMs: 99_000 }), null);
});
closing('full by tx count, by bytes, by gas', () => {
  assert.is(closeReason(batch({ txCount: 3 }), limits, { nowMs: 10_000 }), 'full_txs');
  assert.is(
    closeReason(batch({ bytes: 950 }), limits, { nowMs: 10_000 }, { bytes: 51, gas: 21_000n }),
    'full_bytes',
  );
  assert.is(closeReason(batch({ bytes: 950 }), limits, { nowMs: 10_000 }, { bytes: 50, gas: 21_000n }), null);
  assert.is(
    closeReason(batch({ gasUsed: 80_000n }), limits, { nowMs: 10_000 }, { bytes: 1, gas: 21_000n }),
    'full_gas',
  );
});
closing('a GER change and a forced-batch deadline close it', () => {
  assert.is(closeReason(batch(), limits, { nowMs: 10_000, globalExitRoot: '0x01' }), 'ger_changed');
  assert.is(closeReason(batch(), limits, { nowMs: 10_000, forcedDeadlineMs: 10_000 }), 'forced_deadline');
});
closing('a tx too big for an empty batch does not close it', () => {
  assert.is(
    closeReason(batch({ txCount: 0, bytes: 0 }), limits, { nowMs: 10_000 }, { bytes: 5000, gas: 1n }),
    null,
  );
});
closing('a tx that fits no batch, not even an empty one: its gas, then its bytes', () => {
  assert.is(fitsNoBatch({ bytes: 5000, gas: 1n }, limits), 'oversized data');
  assert.is(fitsNoBatch({ bytes: 1, gas: limits.maxGas + 1n }, limits), 'exceeds block gas limit');
  assert.is(fitsNoBatch({ bytes: limits.maxBytes, gas: limits.maxGas }, limits), null);
});
closing.run();

const ordering = suite('orderReadyTxs');
let pos = 0n;
const tx = (from: string, nonce: number, gasPrice: number): PoolCandidate => ({
  hash: `${from}-${nonce}-${gasPrice}`,
  from,
  nonce: BigInt(nonce),
  gasPrice: BigInt(gasPrice),
  position: pos++,
});

ordering('per-sender nonce order; across senders the higher price first; ties by arrival', () => {
  const a1 = tx('a', 1, 50);
  const c0 = tx('c', 0, 10);
  const a0 = tx('a', 0, 5);
  const b0 = tx('b', 0, 10);
  const { ready } = orderReadyTxs([a1, b0, a0, c0], () => 0n);
  // b0 and c0 tie at 10: c0 arrived first (its position is lower). a1 waits for a0 despite its price.
  assert.equal(
    ready.map((t) => t.hash),
    ['c-0-10', 'b-0-10', 'a-0-5', 'a-1-50'],
  );
});

ordering('txs behind a nonce gap wait; txs below the state nonce are stale', () => {
  const { ready, stale } = orderReadyTxs([tx('a', 3, 1), tx('a', 5, 1), tx('a', 1, 1)], () => 3n);
  assert.equal(
    ready.map((t) => t.hash),
    ['a-3-1'],
  );
  assert.equal(
    stale.map((t) => t.hash),
    ['a-1-1'],
  );
});

ordering('two txs with one nonce: the better price runs, the other is skipped', () => {
  const { ready } = orderReadyTxs([tx('a', 0, 1), tx('a', 0, 9), tx('a', 1, 1)], () => 0n);
  assert.equal(
    ready.map((t) => t.hash),
    ['a-0-9', 'a-1-1'],
  );
});
ordering(
  'two txs with one nonce at one price: the later runs (it replaces the earlier, as in the reference)',
  () => {
    const earlier = { ...tx('a', 0, 5), hash: 'earlier' };
    const later = { ...tx('a', 0, 5), hash: 'later' };
    const cheaper = { ...tx('a', 0, 4), hash: 'cheaper' };
    for (const order of [
      [earlier, later, cheaper],
      [cheaper, later, earlier],
    ]) {
      const { ready } = orderReadyTxs([...order, tx('a', 1, 1)], () => 0n);
      assert.equal(
        ready.map((t) => t.hash),
        ['later', 'a-1-1'],
      );
    }
  },
);
ordering.run();
