/**
 * The roles that read L1 in rounds (the synchronizer, the sequence sender) under the real supervisor with its default
 * policy, as `lev start` runs them, with L1 at a port where nothing listens for longer than the supervisor's
 * escalation window (more than 5 failures of a role within 60 s: about 3 s of restarts), then a Hardhat devnet on
 * that port: they back off inside their machines, log the outage once, and go on when L1 answers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSupervisor, type SupervisorOutput } from '../../actors/index.ts';
import { synchronizerRole } from '../../actors/synchronizer/index.ts';
import { createPgPool } from '../../src/db/index.ts';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import { type HardhatDevnet, startHardhatDevnet } from '../../src/l1/index.ts';
import type { Address } from '../../src/primitives/index.ts';
import { L1_SYNC_STREAM_ID } from '../../src/streams/l1sync/index.ts';
import { createTestDatabase } from '../support/db.ts';
import { freePort, until } from '../support/node-process.ts';

const test = suite('actors/l1-outage');

test('the synchronizer with L1 refusing connections past the escalation window: no restart, one log line, syncs once L1 is back', async () => {
  const tdb = await createTestDatabase('l1outage');
  const pool = createPgPool(tdb.url);
  const store = await createPostgresEventStore({ pool });
  const port = await freePort();
  let devnet: HardhatDevnet | undefined;
  const lines: { msg: string; fields: Record<string, unknown> }[] = [];
  const restarts: string[] = [];
  const supervisor = createSupervisor({
    roles: [
      synchronizerRole({
        store,
        l1Url: `http://127.0.0.1:${port}`,
        rollupAddress: `0x${'12'.repeat(20)}` as Address,
        gerManagerAddress: `0x${'34'.repeat(20)}` as Address,
        fromBlock: 0n,
        chunkSize: 10,
        idleCursorBlocks: 1,
        pollMs: 200,
        mode: 'trusted',
        log: (msg, fields) => lines.push({ msg, fields: fields ?? {} }),
      }),
    ],
    onRestart: (_role, _attempt, _delay, error) => restarts.push(error),
  });
  let outcome: SupervisorOutput | null = null;
  void supervisor.done.then((o) => {
    outcome = o;
  });
  try {
    supervisor.start();
    await sleep(8_000);
    assert.is(outcome, null, `the supervisor ended: ${JSON.stringify(outcome)}`);
    assert.equal(restarts, [], 'the role did not fail');
    const down = lines.filter((l) => l.msg.startsWith('a temporary failure'));
    assert.is(down.length, 1, `the outage is logged once: ${JSON.stringify(lines)}`);
    assert.equal(await store.readStream(L1_SYNC_STREAM_ID), []);

    devnet = await startHardhatDevnet({ port, chainId: 1337, blockTimeMs: 200 });
    await until(
      'L1 blocks synced',
      async () => (await store.readStream(L1_SYNC_STREAM_ID)).some((e) => e.type === 'L1BlockSynced'),
      60_000,
    );
    assert.ok(lines.some((l) => l.msg.startsWith('answering again')));
    assert.is(outcome, null);
    assert.equal(restarts, []);
    await supervisor.stop();
    assert.equal(await supervisor.done, { status: 'stopped' });
  } finally {
    await supervisor.stop();
    await devnet?.stop();
    await store.close();
    await pool.end();
    await tdb.drop();
  }
});

test.run();
