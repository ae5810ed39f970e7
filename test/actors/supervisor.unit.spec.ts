import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type AnyActorRef, initialTransition, SimulatedClock, setup, transition } from 'xstate';
import {
  backoffDelay,
  createSupervisor,
  createSupervisorMachine,
  DRAIN_MARGIN_MS,
  defaultDrainTimeoutMs,
  defineMachineRole,
  defineRole,
  drainTimeoutFor,
  type RestartPolicy,
  RoleExitedError,
  resolvePolicy,
  type SupervisorConfigError,
  type SupervisorOutput,
} from '../../actors/index.ts';
import { NodeError } from '../../src/errors/index.ts';

/** One run of a scripted role: the test decides when it fails or exits; it finishes when its signal aborts. */
type Run = { fail(err: unknown): void; exit(): void; stopped: boolean };

/** A role whose every start is recorded and driven from the test (no I/O, no timers). */
function scriptedRole(name: string) {
  const runs: Run[] = [];
  const spec = defineRole(
    name,
    ({ signal }) =>
      new Promise<void>((resolve, reject) => {
        const run: Run = { fail: reject, exit: resolve, stopped: false };
        signal.addEventListener('abort', () => {
          run.stopped = true;
          resolve();
        });
        runs.push(run);
      }),
  );
  const last = () => {
    const run = runs.at(-1);
    if (!run) throw new Error(`role ${name} never started`);
    return run;
  };
  return { spec, runs, fail: (err: unknown) => last().fail(err), exit: () => last().exit() };
}

/** Lets promise callbacks (role failures, the drain) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const policy: RestartPolicy = { initialMs: 100, factor: 2, maxMs: 10_000, maxRestarts: 5, windowMs: 60_000 };

type Restart = { role: string; attempt: number; delayMs: number; error: string };

function harness(roles: ReturnType<typeof scriptedRole>[], overrides: Partial<RestartPolicy> = {}) {
  const clock = new SimulatedClock();
  const restarts: Restart[] = [];
  const statuses: [string, boolean][] = [];
  const supervisor = createSupervisor({
    roles: roles.map((r) => r.spec),
    policy: { ...policy, ...overrides },
    clock,
    onRestart: (role, attempt, delayMs, error) => restarts.push({ role, attempt, delayMs, error }),
    onRoleStatus: (role, up) => statuses.push([role, up]),
  });
  let outcome: SupervisorOutput | undefined;
  void supervisor.done.then((o) => {
    outcome = o;
  });
  const value = () => supervisor.actor.getSnapshot().value;
  const advance = async (ms: number) => {
    clock.increment(ms);
    await flush();
  };
  return { clock, supervisor, restarts, statuses, value, advance, outcome: () => outcome };
}

class CriticalError extends NodeError<'CriticalError'> {
  override name = 'CriticalError' as const;
  constructor(message: string) {
    super(message, { code: 'TEST_CRITICAL', severity: 'critical' });
  }
}

test('a role that fails twice then works is restarted after 100 ms, then 200 ms', async () => {
  const seq = scriptedRole('sequencer');
  const h = harness([seq]);
  h.supervisor.start();
  await flush();
  assert.is(seq.runs.length, 1);

  seq.fail(new Error('boom 1'));
  await flush();
  assert.equal(h.value(), { running: { sequencer: 'backoff' } });
  assert.equal(h.restarts, [{ role: 'sequencer', attempt: 1, delayMs: 100, error: 'boom 1' }]);
  await h.advance(99);
  assert.is(seq.runs.length, 1, 'nothing restarts before the backoff has elapsed');
  await h.advance(1);
  assert.is(seq.runs.length, 2);
  assert.equal(h.value(), { running: { sequencer: 'up' } });

  seq.fail(new Error('boom 2'));
  await flush();
  assert.equal(h.restarts.at(-1), { role: 'sequencer', attempt: 2, delayMs: 200, error: 'boom 2' });
  await h.advance(199);
  assert.is(seq.runs.length, 2, 'the second backoff doubles');
  await h.advance(1);
  assert.is(seq.runs.length, 3);

  await h.advance(10_000);
  assert.is(seq.runs.length, 3, 'a working role is left alone');
  assert.is(seq.runs[2]?.stopped, false);
  assert.is(h.supervisor.actor.getSnapshot().context.roles['sequencer']?.restarts, 2);
  assert.equal(h.statuses, [
    ['sequencer', true],
    ['sequencer', false],
    ['sequencer', true],
    ['sequencer', false],
    ['sequencer', true],
  ]);
  await h.supervisor.stop();
});

test('more than maxRestarts failures within the window escalate, naming the role and its last error', async () => {
  const seq = scriptedRole('sequencer');
  const rpc = scriptedRole('rpc');
  const h = harness([seq, rpc], { maxRestarts: 2 });
  h.supervisor.start();
  await flush();
  seq.fail(new Error('boom 1'));
  await flush();
  await h.advance(100);
  seq.fail(new Error('boom 2'));
  await flush();
  await h.advance(200);
  assert.is(h.outcome(), undefined, 'two failures are within maxRestarts');
  seq.fail(new Error('boom 3'));
  await flush();

  assert.equal(h.outcome(), {
    status: 'failed',
    role: 'sequencer',
    error: 'boom 3',
    message: 'role "sequencer" failed 3 times in 60 s; last error: boom 3',
  });
  assert.is(h.value(), 'failed');
  assert.is(h.restarts.length, 2, 'the escalating failure is not restarted');
  assert.is(seq.runs.length, 3);
  assert.is(rpc.runs[0]?.stopped, true, 'escalation stops every role');
  assert.equal(h.statuses.at(-1), ['rpc', false]);
});

test('failures spread beyond the window do not escalate, and the backoff starts over', async () => {
  const seq = scriptedRole('sequencer');
  const h = harness([seq], { maxRestarts: 1, windowMs: 1_000 });
  h.supervisor.start();
  await flush();
  seq.fail(new Error('early'));
  await flush();
  await h.advance(100);
  await h.advance(1_000); // the first failure has left the window
  seq.fail(new Error('later'));
  await flush();
  assert.equal(h.value(), { running: { sequencer: 'backoff' } });
  assert.equal(
    h.restarts.map((r) => [r.attempt, r.delayMs]),
    [
      [1, 100],
      [1, 100],
    ],
  );
  await h.advance(100);
  assert.is(seq.runs.length, 3);

  // The same two failures close together do escalate: the window is what spared them above.
  seq.fail(new Error('soon after'));
  await flush();
  assert.equal(h.outcome(), {
    status: 'failed',
    role: 'sequencer',
    error: 'soon after',
    message: 'role "sequencer" failed 2 times in 1 s; last error: soon after',
  });
});

test('a critical error escalates at once, without a restart', async () => {
  const seq = scriptedRole('sequencer');
  const rpc = scriptedRole('rpc');
  const h = harness([seq, rpc]);
  h.supervisor.start();
  await flush();
  seq.fail(new CriticalError('rollup contract rejected our key'));
  await flush();
  assert.equal(h.outcome(), {
    status: 'failed',
    role: 'sequencer',
    error: 'rollup contract rejected our key',
    message: 'role "sequencer" failed with a critical error: rollup contract rejected our key',
  });
  assert.is(h.restarts.length, 0);
  assert.is(seq.runs.length, 1);
  assert.is(rpc.runs[0]?.stopped, true);
});

test('one-for-one: the other roles keep running while one restarts', async () => {
  const seq = scriptedRole('sequencer');
  const rpc = scriptedRole('rpc');
  const sync = scriptedRole('synchronizer');
  const h = harness([seq, rpc, sync]);
  h.supervisor.start();
  await flush();
  const children = () => h.supervisor.actor.getSnapshot().children as Record<string, AnyActorRef | undefined>;
  const rpcRef = children()['rpc'];
  const syncRef = children()['synchronizer'];
  const seqRef = children()['sequencer'];
  assert.ok(rpcRef && syncRef && seqRef);

  seq.fail(new Error('boom'));
  await flush();
  assert.equal(h.value(), { running: { sequencer: 'backoff', rpc: 'up', synchronizer: 'up' } });
  assert.is(children()['sequencer'], undefined, 'the failed child is gone while it backs off');
  await h.advance(100);
  assert.is.not(children()['sequencer'], seqRef, 'the failed role runs as a new actor');
  assert.is(children()['rpc'], rpcRef);
  assert.is(children()['synchronizer'], syncRef);
  assert.is(rpc.runs.length, 1);
  assert.is(sync.runs.length, 1);
  assert.is(rpc.runs[0]?.stopped, false);
  assert.is(sync.runs[0]?.stopped, false);
  assert.equal(
    h.restarts.map((r) => r.role),
    ['sequencer'],
  );
  await h.supervisor.stop();
});

test('a role that completes without being asked to stop is restarted as a failure', async () => {
  const seq = scriptedRole('sequencer');
  const h = harness([seq]);
  h.supervisor.start();
  await flush();
  seq.exit();
  await flush();
  assert.equal(h.restarts, [
    { role: 'sequencer', attempt: 1, delayMs: 100, error: 'role "sequencer" exited unexpectedly' },
  ]);
  assert.is(h.supervisor.actor.getSnapshot().context.roles['sequencer']?.lastSeverity, 'temporary');
  await h.advance(100);
  assert.is(seq.runs.length, 2);
  await h.supervisor.stop();
});

test('supervisor.stop stops every role, cancels pending restarts and ends stopped', async () => {
  const seq = scriptedRole('sequencer');
  const rpc = scriptedRole('rpc');
  const h = harness([seq, rpc]);
  h.supervisor.start();
  await flush();
  seq.fail(new Error('boom'));
  await flush();
  h.supervisor.actor.send({ type: 'supervisor.stop' });
  await flush();
  assert.equal(h.outcome(), { status: 'stopped' });
  assert.is(h.value(), 'stopped');
  assert.is(rpc.runs[0]?.stopped, true);
  await h.advance(60_000);
  assert.is(seq.runs.length, 1, 'the role backing off is not restarted after the stop');
  assert.equal(
    h.statuses,
    [
      ['sequencer', true],
      ['rpc', true],
      ['sequencer', false],
      ['rpc', false],
    ],
    'each role goes down once',
  );
});

test('the machine is pure: transition() decides restarts and escalations without running anything', () => {
  let starts = 0;
  const machine = createSupervisorMachine([
    defineRole('sequencer', async () => {
      starts++;
    }),
  ]);
  const [s0, a0] = initialTransition(machine, { policy: { ...policy, maxRestarts: 1 } });
  assert.equal(s0.value, { running: { sequencer: 'up' } });
  assert.is(s0.context.roles['sequencer']?.up, true);
  assert.ok(a0.some((a) => a.type === 'xstate.spawnChild'));

  const failed = {
    type: 'xstate.error.actor.sequencer',
    error: new Error('x'),
    actorId: 'sequencer',
  } as const;
  const [s1, a1] = transition(machine, s0, failed);
  assert.equal(s1.value, { running: { sequencer: 'backoff' } });
  assert.equal(s1.context.roles['sequencer'], {
    up: false,
    failures: 1,
    restarts: 1,
    lastError: 'x',
    lastSeverity: 'temporary',
    nextDelayMs: 100,
  });
  const delays = a1
    .filter((a) => a.type === 'xstate.raise')
    .map((a) => (a.params as { delay?: number }).delay);
  assert.equal(delays.sort(), [100, 60_000], 'a backoff timer and the failure leaving the window');

  const [s2] = transition(machine, s1, { type: 'role.failure.expired', role: 'sequencer' });
  assert.is(s2.context.roles['sequencer']?.failures, 0);

  const critical = { ...failed, error: new CriticalError('bad key') };
  const [s3] = transition(machine, s0, critical);
  assert.is(s3.value, 'escalating');
  assert.equal(s3.context.failure, {
    role: 'sequencer',
    error: 'bad key',
    message: 'role "sequencer" failed with a critical error: bad key',
  });

  const exited = { type: 'xstate.done.actor.sequencer', output: undefined, actorId: 'sequencer' } as const;
  const [s4] = transition(machine, s0, exited);
  assert.is(s4.context.roles['sequencer']?.lastError, new RoleExitedError('sequencer').shortMessage);

  const [s5] = transition(machine, s0, { type: 'supervisor.stop' });
  assert.is(s5.value, 'stopping');
  assert.is(starts, 0, 'no role was started by the pure transitions');
});

test('backoff grows by the factor and is capped at maxMs', () => {
  const p = resolvePolicy({ initialMs: 100, factor: 3, maxMs: 1_000 });
  assert.equal(
    [1, 2, 3, 4, 5].map((n) => backoffDelay(p, n)),
    [100, 300, 900, 1_000, 1_000],
  );
});

test('invalid policies and role lists are rejected', () => {
  const seq = scriptedRole('sequencer');
  const fails = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(
      fn,
      (err: SupervisorConfigError) => err.name === 'SupervisorConfigError' && pattern.test(err.message),
    );
  fails(() => resolvePolicy({ factor: 0.5 }), /factor/);
  fails(() => resolvePolicy({ maxRestarts: -1 }), /maxRestarts/);
  fails(() => resolvePolicy({ initialMs: 500, maxMs: 100 }), /maxMs/);
  fails(() => createSupervisor({ roles: [] }), /no roles/);
  fails(() => createSupervisor({ roles: [seq.spec, seq.spec] }), /listed twice/);
  fails(
    () => createSupervisor({ roles: [{ name: 'Bad.Name', logic: seq.spec.logic }] }),
    /invalid role name/,
  );
  assert.throws(() => defineRole('a.b', async () => {}), /invalid role name/);
});

test('the default drain waits past the longest role stop timeout: a role taking 12 s of its 15 s to stop is not cut at 10 s', async () => {
  assert.is(drainTimeoutFor([]), defaultDrainTimeoutMs);
  assert.is(drainTimeoutFor([{ stopTimeoutMs: 5_000 }, {}]), defaultDrainTimeoutMs);
  assert.is(drainTimeoutFor([{ stopTimeoutMs: 15_000 }]), 15_000 + DRAIN_MARGIN_MS);

  const slowStop = setup({ types: { events: {} as { type: 'supervisor.stop' } } }).createMachine({
    initial: 'working',
    states: {
      working: { on: { 'supervisor.stop': 'flushing' } },
      flushing: { after: { 12000: 'done' } },
      done: { type: 'final' },
    },
  });
  const clock = new SimulatedClock();
  const warnings: string[] = [];
  const supervisor = createSupervisor({
    roles: [defineMachineRole('eth-tx-manager', slowStop, { stopTimeoutMs: 15_000 })],
    clock,
    logger: { info: () => {}, warn: (_obj, msg) => warnings.push(msg), error: () => {} },
  });
  supervisor.start();
  await flush();
  let stopped = false;
  const stopping = supervisor.stop().then(() => {
    stopped = true;
  });
  await flush();
  clock.increment(10_500);
  await flush();
  assert.not.ok(stopped, 'still draining at 10.5 s');
  assert.equal(warnings, [], 'not cut at 10 s');
  clock.increment(2_000);
  await stopping;
  assert.equal(await supervisor.done, { status: 'stopped' });
  assert.equal(warnings, [], 'the role finished its stop');
});

test.run();
