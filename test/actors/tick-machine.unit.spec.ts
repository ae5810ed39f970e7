/**
 * The tick machine's stop: a `supervisor.stop` lets the running round end, and wins over the retry of a round
 * that then fails with a temporary error (L1 not answering). Scripted effects; real (short) timers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor } from 'xstate';
import { createTickMachine, type TickEffects } from '../../actors/tick-machine.ts';
import { NodeError } from '../../src/errors/index.ts';

const temporary = () => new NodeError('L1 does not answer', { severity: 'temporary' });

/** Runs `effects` and sends `supervisor.stop` after `stopAfterMs`; resolves with the final status and state. */
async function stopDuringRound(effects: TickEffects<number>, stopAfterMs: number) {
  const actor = createActor(
    createTickMachine('demo', effects, { pollMs: 10, retryTemporary: { initialMs: 20, maxMs: 20 } }),
  );
  const ended = new Promise<void>((resolve) => actor.subscribe({ complete: () => resolve() }));
  actor.start();
  await sleep(stopAfterMs);
  actor.send({ type: 'supervisor.stop' });
  const stopped = await Promise.race([ended.then(() => true), sleep(1_000).then(() => false)]);
  const snapshot = actor.getSnapshot();
  actor.stop();
  return { stopped, status: snapshot.status, value: snapshot.value };
}

test('a stop during a round that then fails temporarily stops the machine, no retry', async () => {
  let loads = 0;
  let ticks = 0;
  const out = await stopDuringRound(
    {
      load: async () => {
        loads++;
        return 0;
      },
      tick: async () => {
        ticks++;
        await sleep(100);
        throw temporary();
      },
    },
    30,
  );
  assert.equal(out, { stopped: true, status: 'done', value: 'stopped' });
  assert.is(loads, 1, 'loaded again after the stop');
  assert.is(ticks, 1);
});

test('a stop during a load (after a temporary failure) that fails temporarily again stops the machine', async () => {
  let loads = 0;
  const out = await stopDuringRound(
    {
      load: async () => {
        loads++;
        if (loads > 1) await sleep(100);
        throw temporary();
      },
      tick: async (state) => ({ state, worked: false }),
    },
    // The first load failed at once, the backoff (20 ms) is over: the second load is running.
    50,
  );
  assert.equal(out, { stopped: true, status: 'done', value: 'stopped' });
  assert.is(loads, 2);
});

test('without a stop, a temporary failure backs off and loads again', async () => {
  let loads = 0;
  const actor = createActor(
    createTickMachine(
      'demo',
      {
        load: async () => {
          loads++;
          if (loads < 3) throw temporary();
          return 0;
        },
        tick: async (state: number) => ({ state, worked: false }),
      },
      { pollMs: 10, retryTemporary: { initialMs: 10, maxMs: 10 } },
    ),
  );
  actor.start();
  await sleep(200);
  assert.is(loads, 3);
  assert.is(actor.getSnapshot().status, 'active');
  actor.send({ type: 'supervisor.stop' });
  await sleep(50);
  assert.is(actor.getSnapshot().status, 'done');
  actor.stop();
});

test.run();
