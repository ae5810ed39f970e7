import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fromPromise, setup } from 'xstate';
import {
  createSupervisor,
  defineMachineRole,
  defineRole,
  type SupervisorLogger,
} from '../../actors/index.ts';

/** Resolves when the signal aborts. */
const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));

/** A promise the test resolves by hand. */
function latch() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

type LogLine = { level: 'info' | 'warn' | 'error'; obj: Record<string, unknown>; msg: string };
function memoryLogger(): SupervisorLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}

test('stop() resolves only after in-flight work has finished', async () => {
  const order: string[] = [];
  const started = latch();
  const supervisor = createSupervisor({
    roles: [
      defineRole('sequencer', async ({ signal }) => {
        started.open();
        await aborted(signal);
        order.push('abort seen');
        await sleep(200); // sealing the block in progress
        order.push('in-flight work finished');
      }),
      defineRole('rpc', ({ signal }) => aborted(signal)),
    ],
  });
  supervisor.start();
  await started.opened;
  await supervisor.stop();
  order.push('stop resolved');
  assert.equal(order, ['abort seen', 'in-flight work finished', 'stop resolved']);
  assert.equal(await supervisor.done, { status: 'stopped' });
});

test('a role that fails every time makes done report it and its last error', async () => {
  let attempts = 0;
  let healthyFinished = false;
  const restarts: number[] = [];
  const logger = memoryLogger();
  const supervisor = createSupervisor({
    roles: [
      defineRole('healthy', async ({ signal }) => {
        await aborted(signal);
        await sleep(20);
        healthyFinished = true;
      }),
      defineRole('aggregator', async () => {
        attempts++;
        throw new Error(`prover unreachable (attempt ${attempts})`);
      }),
    ],
    policy: { initialMs: 1, factor: 2, maxMs: 10, maxRestarts: 3, windowMs: 60_000 },
    logger,
    onRestart: (_role, attempt) => restarts.push(attempt),
  });
  supervisor.start();
  const outcome = await supervisor.done;
  assert.equal(outcome, {
    status: 'failed',
    role: 'aggregator',
    error: 'prover unreachable (attempt 4)',
    message: 'role "aggregator" failed 4 times in 60 s; last error: prover unreachable (attempt 4)',
  });
  assert.is(attempts, 4);
  assert.equal(restarts, [1, 2, 3]);
  assert.ok(healthyFinished, 'the escalation drains the other roles too');
  assert.ok(
    outcome.status === 'failed' && logger.lines.some((l) => l.level === 'error' && l.msg === outcome.message),
    'the escalation is logged as an error',
  );
  await supervisor.stop(); // after an escalation, stop() just resolves
});

test('stop() gives up on a role that ignores its signal after the drain timeout, and names it', async () => {
  const stuck = latch();
  const started = latch();
  const logger = memoryLogger();
  const supervisor = createSupervisor({
    roles: [
      defineRole('eth-tx-manager', async () => {
        started.open();
        await stuck.opened;
      }),
    ],
    drainTimeoutMs: 50,
    logger,
  });
  supervisor.start();
  await started.opened;
  await supervisor.stop();
  const warning = logger.lines.find((l) => l.level === 'warn' && l.msg.startsWith('roles did not finish'));
  assert.ok(warning, 'the timeout is logged');
  assert.equal(warning.obj['roles'], ['eth-tx-manager']);
  stuck.open();
});

test('a machine role receives supervisor.stop and finishes its in-flight work before stop() resolves', async () => {
  let flushed = false;
  let runs = 0;
  const secondRun = latch();
  const roleMachine = setup({
    types: { events: {} as { type: 'supervisor.stop' } },
    actors: {
      flush: fromPromise(async () => {
        await sleep(50);
        flushed = true;
      }),
      work: fromPromise(async ({ signal }) => {
        runs++;
        if (runs === 1) throw new Error('first run fails');
        secondRun.open();
        await aborted(signal);
      }),
    },
  }).createMachine({
    initial: 'working',
    states: {
      working: { invoke: { src: 'work' }, on: { 'supervisor.stop': 'flushing' } },
      flushing: { invoke: { src: 'flush', onDone: 'done' } },
      done: { type: 'final' },
    },
  });
  const restarts: string[] = [];
  const supervisor = createSupervisor({
    roles: [defineMachineRole('synchronizer', roleMachine)],
    policy: { initialMs: 1 },
    onRestart: (_role, _attempt, _delay, error) => restarts.push(error),
  });
  supervisor.start();
  await secondRun.opened;
  await supervisor.stop();
  assert.equal(restarts, ['first run fails'], 'a machine error is the role failing');
  assert.ok(flushed, 'stop waited for the machine to reach its final state');
  assert.equal(await supervisor.done, { status: 'stopped' });
});

test.run();
