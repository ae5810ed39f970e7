/**
 * The tick machine's fencing on a real Postgres event store: a round refused by its stream's expected revision
 * (another instance of the role appended first) is not retried inside the machine like an L1 outage — the machine
 * fails, so the supervisor logs it, counts the restart and escalates a second instance that keeps conflicting.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor } from 'xstate';
import { createTickMachine } from '../../actors/tick-machine.ts';
import { createPgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, ExpectedRevisionConflictError } from '../../src/eventstore/index.ts';
import { createTestDatabase } from '../support/db.ts';

const event = () => ({
  id: crypto.randomUUID(),
  type: 'DemoTicked',
  data: {},
  metadata: { at: new Date().toISOString(), actor: 'demo' },
});

test('a round refused by the expected revision fails the machine (not a silent in-machine retry)', async () => {
  const db = await createTestDatabase();
  const pool = createPgPool(db.url, { max: 2 });
  const store = await createPostgresEventStore({ pool });
  let loads = 0;
  const actor = createActor(
    createTickMachine(
      'demo',
      {
        load: async () => {
          loads++;
          const events = await store.readStream('demo');
          // Another instance appends between this one's load and its round.
          await store.append('demo', [event()], events.length === 0 ? 'no_stream' : events.length - 1);
          return events.length - 1;
        },
        tick: async (revision: number) => {
          await store.append('demo', [event()], revision < 0 ? 'no_stream' : revision);
          return { state: revision + 1, worked: false };
        },
      },
      { pollMs: 10, retryTemporary: { initialMs: 10, maxMs: 10 } },
    ),
  );
  try {
    const failed = new Promise<unknown>((resolve) => actor.subscribe({ error: resolve }));
    actor.start();
    const error = await Promise.race([failed, sleep(1_000).then(() => 'still running')]);
    assert.instance(error, ExpectedRevisionConflictError, `${String(error)} after ${loads} loads`);
    assert.is(loads, 1);
  } finally {
    actor.stop();
    await store.close();
    await pool.end();
    await db.drop();
  }
});

test.run();
