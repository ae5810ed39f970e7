/**
 * The supervisor (DESIGN §3): an xstate actor system that spawns one child actor per role and supervises it,
 * since xstate itself has no supervision.
 *
 * - One-for-one: when a role fails (`xstate.error.actor.<role>`, or `xstate.done.actor.<role>` though nobody
 *   asked it to stop: "exited unexpectedly"), only that role is restarted, after an exponential backoff.
 * - The backoff attempt is the number of the role's failures inside the restart window, so a role that has
 *   been healthy for a whole window starts again from `initialMs`.
 * - More than `maxRestarts` failures of one role within `windowMs`, or one failure of severity `critical`
 *   (STYLE §11), escalates: every role is stopped and the machine ends in `failed` with a message naming the
 *   role and its last error.
 * - `supervisor.stop` stops every role, waits (bounded) for their in-flight work, and ends in `stopped`.
 *
 * The machine is pure: context is plain data (the policy, counters, last error messages); guards and actions
 * read only context and events. Time enters only through the actor system's clock: each failure schedules a
 * delayed `role.failure.expired` event `windowMs` later, which takes it out of the window, and backoffs are
 * `after` transitions with named delays, so a `SimulatedClock` drives everything in tests. Side effects
 * (metrics, logs) are outside: the machine `emit`s `role.*` / `supervisor.*` events and `createSupervisor`
 * turns them into hook calls and log lines.
 */
import {
  type ActorOptions,
  type AnyActorLogic,
  assign,
  createActor,
  emit,
  enqueueActions,
  fromPromise,
  raise,
  setup,
  stopChild,
} from 'xstate';
import { errorToObject, messageOf, NodeError, type Severity, severityOf } from '../src/errors/index.ts';
import {
  assertRoleName,
  drainRoleWork,
  pendingRoles,
  RoleExitedError,
  type RoleSettlement,
  type RoleSpec,
} from './role.ts';

/** When and how often a failed role is restarted. Plain data, held in the supervisor's context. */
export type RestartPolicy = {
  /** Backoff before the first restart inside a window. */
  readonly initialMs: number;
  /** Each further failure inside the window multiplies the backoff by this. */
  readonly factor: number;
  /** The backoff never exceeds this. */
  readonly maxMs: number;
  /** More failures than this of one role within `windowMs` escalate. */
  readonly maxRestarts: number;
  /** The window failures are counted in. */
  readonly windowMs: number;
};

/** 100 ms doubling up to 10 s; more than 5 failures of one role within a minute escalate. */
export const defaultRestartPolicy: RestartPolicy = {
  initialMs: 100,
  factor: 2,
  maxMs: 10_000,
  maxRestarts: 5,
  windowMs: 60_000,
};

/** How long a stop waits for the roles' in-flight work before it gives up on them. */
export const defaultDrainTimeoutMs = 10_000;
/** What the default drain waits past the longest stop timeout of a role. */
export const DRAIN_MARGIN_MS = 2_000;

/** The default drain timeout for `roles`: 10 s, or the longest role stop timeout and a margin. Pure. */
export function drainTimeoutFor(roles: readonly Pick<RoleSpec, 'stopTimeoutMs'>[]): number {
  const longest = Math.max(0, ...roles.map((r) => r.stopTimeoutMs ?? 0));
  return Math.max(defaultDrainTimeoutMs, longest + DRAIN_MARGIN_MS);
}

/** A supervisor configuration that cannot work (bad policy numbers, duplicate or invalid role names). */
export class SupervisorConfigError extends NodeError<'SupervisorConfigError'> {
  override name = 'SupervisorConfigError' as const;
  constructor(message: string) {
    super(message, { code: 'SUPERVISOR_CONFIG', severity: 'critical' });
  }
}

/**
 * The backoff before restarting a role that has failed `failures` times inside the window (1 for the first):
 * `min(maxMs, initialMs * factor^(failures - 1))`. Pure.
 */
export function backoffDelay(policy: RestartPolicy, failures: number): number {
  return Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, failures - 1));
}

/** What the supervisor knows about one role. */
export type RoleRecord = {
  /** Whether the role's child actor is running (false while it backs off and after a stop). */
  readonly up: boolean;
  /** Failures inside the current window (each leaves it `windowMs` after it happened). */
  readonly failures: number;
  /** Restarts scheduled since the supervisor started. */
  readonly restarts: number;
  readonly lastError: string | null;
  readonly lastSeverity: Severity | null;
  /** The backoff of the pending (or last) restart. */
  readonly nextDelayMs: number;
};

/** Why the supervisor gave up: the role, its last error message, and the full sentence for humans. */
export type SupervisorFailure = { readonly role: string; readonly error: string; readonly message: string };

export type SupervisorContext = {
  readonly policy: RestartPolicy;
  readonly drainTimeoutMs: number;
  readonly roles: Readonly<Record<string, RoleRecord>>;
  readonly failure: SupervisorFailure | null;
};

export type SupervisorInput = { policy?: Partial<RestartPolicy>; drainTimeoutMs?: number };

/** The machine's output: `stopped` after `supervisor.stop`, `failed` after an escalation. */
export type SupervisorOutput =
  | { readonly status: 'stopped' }
  | ({ readonly status: 'failed' } & SupervisorFailure);

type RoleErrorEvent = { type: `xstate.error.actor.${string}`; error: unknown; actorId: string };
type RoleDoneEvent = { type: `xstate.done.actor.${string}`; output: unknown; actorId: string };

/** Messages the supervisor accepts; the `xstate.*` ones come from its children. */
export type SupervisorEvent =
  | { type: 'supervisor.stop' }
  | { type: 'role.failure.expired'; role: string }
  | RoleErrorEvent
  | RoleDoneEvent;

/** Messages the supervisor emits to listeners (`actor.on(type, fn)`): its whole observable behaviour. */
export type SupervisorEmitted =
  | { type: 'role.up'; role: string }
  | { type: 'role.down'; role: string; reason: 'failed' | 'stopped' }
  | { type: 'role.failed'; role: string; error: unknown; severity: Severity; failures: number }
  | { type: 'role.restarting'; role: string; attempt: number; delayMs: number; error: string }
  | ({ type: 'supervisor.escalated' } & SupervisorFailure)
  | { type: 'supervisor.drained'; failures: RoleSettlement[] }
  | { type: 'supervisor.drain.timeout'; timeoutMs: number };

type RoleParams = { role: string };

const DRAIN = 'drainRoles';

/** The named delay of a role's backoff (read from its record). */
function backoffDelayName(role: string): string {
  return `backoff.${role}`;
}

/** The error a role failed with: the child's error, or a `RoleExitedError` when it completed. Pure. */
function failureOf(event: SupervisorEvent, role: string): unknown {
  return event.type === `xstate.error.actor.${role}` && 'error' in event
    ? event.error
    : new RoleExitedError(role);
}

function recordOf(context: SupervisorContext, role: string): RoleRecord {
  const record = context.roles[role];
  if (!record) throw new Error(`unknown role "${role}"`);
  return record;
}

/** `60000` → `60 s`, `1500` → `1.5 s`, `250` → `250 ms`. Pure. */
function formatDuration(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The escalation for `role` given its record. Pure. */
function escalationOf(context: SupervisorContext, role: string): SupervisorFailure {
  const record = recordOf(context, role);
  const error = record.lastError ?? 'unknown error';
  const message =
    record.lastSeverity === 'critical'
      ? `role "${role}" failed with a critical error: ${error}`
      : `role "${role}" failed ${record.failures} times in ${formatDuration(context.policy.windowMs)}; last error: ${error}`;
  return { role, error, message };
}

/**
 * Resolves and checks a restart policy. Pure.
 * @throws {SupervisorConfigError} when a number is out of range.
 */
export function resolvePolicy(policy: Partial<RestartPolicy> = {}): RestartPolicy {
  const resolved = { ...defaultRestartPolicy, ...policy };
  const { initialMs, factor, maxMs, maxRestarts, windowMs } = resolved;
  const bad = (what: string) => new SupervisorConfigError(`invalid restart policy: ${what}`);
  if (!(Number.isFinite(initialMs) && initialMs >= 0)) throw bad('initialMs must be a number >= 0');
  if (!(Number.isFinite(factor) && factor >= 1)) throw bad('factor must be a number >= 1');
  if (!(Number.isFinite(maxMs) && maxMs >= initialMs)) throw bad('maxMs must be a number >= initialMs');
  if (!(Number.isInteger(maxRestarts) && maxRestarts >= 0)) throw bad('maxRestarts must be an integer >= 0');
  if (!(Number.isFinite(windowMs) && windowMs > 0)) throw bad('windowMs must be a number > 0');
  return resolved;
}

function checkRoles(roles: readonly RoleSpec[]): void {
  if (roles.length === 0) throw new SupervisorConfigError('no roles to supervise');
  const seen = new Set<string>();
  for (const { name } of roles) {
    try {
      assertRoleName(name);
    } catch (err) {
      throw new SupervisorConfigError(messageOf(err));
    }
    if (seen.has(name)) throw new SupervisorConfigError(`role "${name}" is listed twice`);
    seen.add(name);
  }
}

/**
 * Builds the supervisor machine for these roles. The roles' logic is registered as named actors (`src` =
 * role name, so `machine.provide({ actors })` can swap one) and their inputs stay in this closure, never in
 * context. Creating it does nothing; it runs only inside an actor.
 *
 * States: `running` (parallel, one region per role: `up` → `failing` → `backoff` → `up`), then `stopping` →
 * `stopped`, or `escalating` → `failed`. Both end states are final and carry a `SupervisorOutput`.
 * @throws {SupervisorConfigError} when there are no roles, or a name is invalid or repeated.
 */
export function createSupervisorMachine(roles: readonly RoleSpec[]) {
  checkRoles(roles);
  const names = roles.map((r) => r.name);
  const inputs = new Map(roles.map((r) => [r.name, r.input]));
  const actors: Record<string, AnyActorLogic> = Object.fromEntries(roles.map((r) => [r.name, r.logic]));
  actors[DRAIN] = fromPromise<RoleSettlement[]>(({ system }) => drainRoleWork(system));
  const delays: Record<string, (args: { context: SupervisorContext }) => number> = {
    drainTimeout: ({ context }) => context.drainTimeoutMs,
  };
  for (const name of names) {
    delays[backoffDelayName(name)] = ({ context }) => recordOf(context, name).nextDelayMs;
  }

  const machineSetup = setup({
    types: {
      context: {} as SupervisorContext,
      events: {} as SupervisorEvent,
      input: {} as SupervisorInput,
      output: {} as SupervisorOutput,
      emitted: {} as SupervisorEmitted,
    },
    actors,
    delays,
    guards: {
      /** A critical error, or more than `maxRestarts` failures inside the window. */
      mustEscalate: ({ context }, { role }: RoleParams) => {
        const record = recordOf(context, role);
        return record.lastSeverity === 'critical' || record.failures > context.policy.maxRestarts;
      },
    },
    actions: {
      spawnRole: enqueueActions(({ enqueue }, { role }: RoleParams) => {
        enqueue.spawnChild(role, { id: role, input: inputs.get(role) });
        enqueue.assign(({ context }) => ({
          roles: { ...context.roles, [role]: { ...recordOf(context, role), up: true } },
        }));
        enqueue.emit({ type: 'role.up', role });
      }),
      /** Counts the failure into the window and computes the next backoff from context alone. */
      recordFailure: assign(({ context, event }, { role }: RoleParams) => {
        const error = failureOf(event, role);
        const record = recordOf(context, role);
        const failures = record.failures + 1;
        const next: RoleRecord = {
          ...record,
          up: false,
          failures,
          lastError: messageOf(error),
          lastSeverity: severityOf(error),
          nextDelayMs: backoffDelay(context.policy, failures),
        };
        return { roles: { ...context.roles, [role]: next } };
      }),
      /** The failed child is done; remove it from the children so its id can be spawned again. */
      releaseRole: stopChild((_, { role }: RoleParams) => role),
      emitFailed: emit(({ context, event }, { role }: RoleParams) => {
        const record = recordOf(context, role);
        return {
          type: 'role.failed' as const,
          role,
          error: failureOf(event, role),
          severity: record.lastSeverity ?? 'temporary',
          failures: record.failures,
        };
      }),
      emitDown: emit((_, { role }: RoleParams) => ({
        type: 'role.down' as const,
        role,
        reason: 'failed' as const,
      })),
      /** The failure leaves the window `windowMs` from now, on the actor system's clock. */
      scheduleFailureExpiry: raise(
        (_, { role }: RoleParams) => ({ type: 'role.failure.expired' as const, role }),
        {
          delay: ({ context }) => context.policy.windowMs,
        },
      ),
      expireFailure: assign(({ context, event }) => {
        if (event.type !== 'role.failure.expired') return {};
        const record = context.roles[event.role];
        if (!record) return {};
        const next: RoleRecord = { ...record, failures: Math.max(0, record.failures - 1) };
        return { roles: { ...context.roles, [event.role]: next } };
      }),
      recordRestart: assign(({ context }, { role }: RoleParams) => {
        const record = recordOf(context, role);
        return { roles: { ...context.roles, [role]: { ...record, restarts: record.restarts + 1 } } };
      }),
      emitRestarting: emit(({ context }, { role }: RoleParams) => {
        const record = recordOf(context, role);
        return {
          type: 'role.restarting' as const,
          role,
          attempt: record.failures,
          delayMs: record.nextDelayMs,
          error: record.lastError ?? 'unknown error',
        };
      }),
      recordEscalation: assign(({ context }, { role }: RoleParams) => ({
        failure: escalationOf(context, role),
      })),
      emitEscalated: emit(({ context }, { role }: RoleParams) => ({
        type: 'supervisor.escalated' as const,
        ...escalationOf(context, role),
      })),
      /**
       * Stops every running role (aborting promise roles' signals); their in-flight work is drained next.
       * Timers of roles backing off die with the `running` state.
       */
      stopAllRoles: enqueueActions(({ enqueue, context }) => {
        const roles: Record<string, RoleRecord> = {};
        for (const [role, record] of Object.entries(context.roles)) {
          roles[role] = { ...record, up: false };
          if (!record.up) continue;
          enqueue.stopChild(role);
          enqueue.emit({ type: 'role.down', role, reason: 'stopped' });
        }
        enqueue.assign({ roles });
      }),
      emitDrained: emit(({ event }) => ({
        type: 'supervisor.drained' as const,
        failures:
          event.type === `xstate.done.actor.${DRAIN}` && 'output' in event
            ? (event.output as RoleSettlement[])
            : [],
      })),
      emitDrainTimeout: emit(({ context }) => ({
        type: 'supervisor.drain.timeout' as const,
        timeoutMs: context.drainTimeoutMs,
      })),
    },
  });

  const roleRegion = (role: string) => {
    const params = { role };
    return machineSetup.createStateConfig({
      initial: 'up',
      states: {
        up: {
          entry: { type: 'spawnRole', params },
          on: {
            [`xstate.error.actor.${role}`]: { target: 'failing' },
            [`xstate.done.actor.${role}`]: { target: 'failing' },
          },
        },
        failing: {
          entry: [
            { type: 'recordFailure', params },
            { type: 'releaseRole', params },
            { type: 'scheduleFailureExpiry', params },
            { type: 'emitFailed', params },
            { type: 'emitDown', params },
          ],
          always: [
            {
              guard: { type: 'mustEscalate', params },
              target: '#supervisor.escalating',
              actions: [
                { type: 'recordEscalation', params },
                { type: 'emitEscalated', params },
              ],
            },
            {
              target: 'backoff',
              actions: [
                { type: 'recordRestart', params },
                { type: 'emitRestarting', params },
              ],
            },
          ],
        },
        backoff: {
          after: { [backoffDelayName(role)]: 'up' },
        },
      },
    });
  };

  const draining = (target: 'stopped' | 'failed') =>
    machineSetup.createStateConfig({
      invoke: {
        src: DRAIN,
        onDone: { target, actions: 'emitDrained' },
        onError: { target },
      },
      after: { drainTimeout: { target, actions: 'emitDrainTimeout' } },
    });

  return machineSetup.createMachine({
    id: 'supervisor',
    context: ({ input }) => ({
      policy: resolvePolicy(input.policy),
      drainTimeoutMs: input.drainTimeoutMs ?? defaultDrainTimeoutMs,
      roles: Object.fromEntries(
        names.map((name): [string, RoleRecord] => [
          name,
          { up: false, failures: 0, restarts: 0, lastError: null, lastSeverity: null, nextDelayMs: 0 },
        ]),
      ),
      failure: null,
    }),
    initial: 'running',
    states: {
      running: {
        type: 'parallel',
        states: Object.fromEntries(names.map((name) => [name, roleRegion(name)])),
        on: {
          'supervisor.stop': { target: 'stopping' },
          'role.failure.expired': { actions: 'expireFailure' },
        },
      },
      stopping: {
        entry: 'stopAllRoles',
        ...draining('stopped'),
      },
      stopped: { type: 'final' },
      escalating: {
        entry: 'stopAllRoles',
        ...draining('failed'),
      },
      failed: { type: 'final' },
    },
    output: ({ context }): SupervisorOutput =>
      context.failure ? { status: 'failed', ...context.failure } : { status: 'stopped' },
  });
}

/** The supervisor machine type. */
export type SupervisorMachine = ReturnType<typeof createSupervisorMachine>;

/** The clock the supervisor's actor system runs on (xstate's `Clock`; `SimulatedClock` in tests). */
export type SupervisorClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

/** A structured logger (pino's shape). */
export type SupervisorLogger = {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
};

export type SupervisorOptions = {
  roles: readonly RoleSpec[];
  policy?: Partial<RestartPolicy>;
  /**
   * How long a stop (or an escalation) waits for the roles' in-flight work; default 10 s, or longer than the longest
   * `stopTimeoutMs` of a role by {@link DRAIN_MARGIN_MS} (so a role is never cut before its own stop timeout).
   */
  drainTimeoutMs?: number;
  logger?: SupervisorLogger;
  /** A restart was scheduled: the role's `attempt`-th failure in the window, restarting in `delayMs`. */
  onRestart?: (role: string, attempt: number, delayMs: number, error: string) => void;
  /** A role went up (spawned) or down (failed or stopped). */
  onRoleStatus?: (role: string, up: boolean) => void;
  clock?: SupervisorClock;
};

export type Supervisor = {
  /** The root actor of the supervisor's actor system. */
  readonly actor: ReturnType<typeof createActor<SupervisorMachine>>;
  /** Starts every role. Idempotent. */
  start(): void;
  /**
   * Stops every role and resolves once their in-flight work has settled or the drain timeout has passed (the
   * roles still running are then logged). After an escalation it resolves once the supervisor has failed.
   */
  stop(): Promise<void>;
  /**
   * Settles once the supervisor has ended: `stopped`, or `failed` naming the role and its last error (or the
   * role `supervisor` if the machine itself crashed). Never rejects.
   */
  readonly done: Promise<SupervisorOutput>;
};

/**
 * Creates a supervisor over `roles` (not started). Hooks and the logger run outside the machine, driven by
 * the events it emits; a hook that throws is logged and ignored.
 * @throws {SupervisorConfigError} on an invalid policy or role list.
 */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { logger, onRestart, onRoleStatus } = options;
  const machine = createSupervisorMachine(options.roles);
  const input: SupervisorInput = { policy: resolvePolicy(options.policy) };
  input.drainTimeoutMs = options.drainTimeoutMs ?? drainTimeoutFor(options.roles);
  const actor = createActor(machine, options.clock ? { input, clock: options.clock } : { input });

  const hook = (name: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      logger?.error({ hook: name, err: messageOf(err) }, `supervisor hook ${name} threw`);
    }
  };
  actor.on('role.up', ({ role }) => {
    logger?.info({ role }, `role ${role} up`);
    if (onRoleStatus) hook('onRoleStatus', () => onRoleStatus(role, true));
  });
  actor.on('role.down', ({ role }) => {
    if (onRoleStatus) hook('onRoleStatus', () => onRoleStatus(role, false));
  });
  actor.on('role.failed', ({ role, error, severity, failures }) => {
    logger?.warn(
      { role, severity, failures, err: errorToObject(error) },
      `role ${role} failed: ${messageOf(error)}`,
    );
  });
  actor.on('role.restarting', ({ role, attempt, delayMs, error }) => {
    logger?.info({ role, attempt, delayMs }, `restarting role ${role} in ${delayMs} ms`);
    if (onRestart) hook('onRestart', () => onRestart(role, attempt, delayMs, error));
  });
  actor.on('supervisor.escalated', ({ role, error, message }) => {
    logger?.error({ role, error }, message);
  });
  actor.on('supervisor.drained', ({ failures }) => {
    for (const { role, error } of failures)
      logger?.error({ role, error }, `role ${role} failed while stopping`);
  });
  actor.on('supervisor.drain.timeout', ({ timeoutMs }) => {
    const unfinished = [...new Set(pendingRoles(actor.system))];
    logger?.warn(
      { roles: unfinished, timeoutMs },
      `roles did not finish within ${formatDuration(timeoutMs)}: ${unfinished.join(', ')}`,
    );
  });

  let resolveDone: (outcome: SupervisorOutput) => void = () => {};
  const done = new Promise<SupervisorOutput>((resolve) => {
    resolveDone = resolve;
  });
  actor.subscribe({
    next: (snapshot) => {
      if (snapshot.status === 'done' && snapshot.output) resolveDone(snapshot.output);
    },
    error: (err) => {
      const error = messageOf(err);
      resolveDone({ status: 'failed', role: 'supervisor', error, message: `supervisor failed: ${error}` });
    },
    complete: () => resolveDone({ status: 'stopped' }),
  });

  let started = false;
  return {
    actor,
    done,
    start() {
      if (started) return;
      started = true;
      actor.start();
    },
    async stop() {
      if (!started) {
        started = true;
        actor.stop();
        resolveDone({ status: 'stopped' });
      } else if (actor.getSnapshot().status === 'active') {
        actor.send({ type: 'supervisor.stop' });
      }
      await done;
    },
  };
}
