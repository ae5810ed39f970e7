/**
 * The direct-inclusion hand-off (src/sequencer/handoff.ts): what the intake gets back in each outcome, and when the
 * sequencer is woken. The rounds that settle it are tested with a real store in test/actors/sequencer.int.spec.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NewEvent } from '../../src/eventstore/index.ts';
import { createInclusionHandoff } from '../../src/sequencer/index.ts';
import type { TxReceived } from '../../src/streams/tx/index.ts';

const received = (n: number) =>
  ({
    type: 'TxReceived',
    id: `id-${n}`,
    data: { hash: `0x${String(n).padStart(64, '0')}` },
    metadata: { at: '2026-11-26T00:00:00.000Z', actor: 'rpc' },
  }) as unknown as NewEvent<TxReceived>;

test('before the sequencer opens it, and after it closes it, every offer is declined at once', async () => {
  const handoff = createInclusionHandoff();
  assert.is(await handoff.offer(received(1)), null, 'not open yet');
  handoff.open();
  handoff.close();
  assert.is(await handoff.offer(received(2)), null, 'closed');
  assert.equal(handoff.take(), [], 'nothing was queued');
});

test('an offer resolves with how the round that took it settled it', async () => {
  const handoff = createInclusionHandoff();
  handoff.open();
  const offers = [1, 2, 3].map((n) => handoff.offer(received(n)));
  const taken = handoff.take();
  assert.equal(
    taken.map((h) => h.received.id),
    ['id-1', 'id-2', 'id-3'],
    'all of them, in the order offered',
  );
  assert.equal(handoff.take(), [], 'taken once');
  taken[0]!.settle({ kind: 'committed', position: 42n });
  taken[1]!.settle({ kind: 'declined' });
  taken[2]!.settle({ kind: 'committed', position: 42n });
  assert.equal(await Promise.all(offers), [42n, null, 42n]);
});

test('closing declines the txs no round took, not those a round holds', async () => {
  const handoff = createInclusionHandoff();
  handoff.open();
  const held = handoff.offer(received(1));
  const [inRound] = handoff.take();
  const waiting = handoff.offer(received(2));
  handoff.close();
  assert.is(await waiting, null, 'declined: the intake appends it itself');
  inRound!.settle({ kind: 'committed', position: 7n });
  assert.is(await held, 7n, 'the round that took it still settles it');
});

test('offered() wakes an idle sequencer on the next offer, at once when one waits, and on abort', async () => {
  const handoff = createInclusionHandoff();
  handoff.open();
  let woken = false;
  const waiting = handoff.offered().then(() => {
    woken = true;
  });
  await Promise.resolve();
  assert.not.ok(woken, 'nothing offered yet');
  void handoff.offer(received(1));
  await waiting;
  assert.ok(woken, 'woken by the offer');
  await handoff.offered(); // one waits: at once
  handoff.take();

  const ctl = new AbortController();
  const aborted = handoff.offered(ctl.signal);
  ctl.abort();
  await aborted; // resolves instead of hanging
});

test.run();
