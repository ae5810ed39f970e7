/**
 * Roles: the units the supervisor spawns, one child actor per `--roles` entry (DESIGN §3).
 *
 * A role is `{ name, logic, input? }`. Any xstate actor logic will do, but the two helpers here add what a
 * graceful stop needs and xstate does not give: when xstate stops a promise actor it aborts its signal and then
 * ignores the promise, so nothing would wait for the work still in flight. `defineRole` and
 * `defineMachineRole` record each running role's promise in a registry keyed by the actor system the role runs
 * in (outside any machine context, which holds plain data only), and `drainRoleWork(system)` waits for it.
 */
import {
  type ActorSystem,
  type ActorSystemInfo,
  type AnyActorLogic,
  type AnyStateMachine,
  createActor,
  type EventObject,
  fromPromise,
  type InputFrom,
  type SnapshotFrom,
} from 'xstate';
import { messageOf, NodeError } from '../src/errors/index.ts';

/** One role to supervise: its name (also the child actor's id), its actor logic and the logic's input. */
export type RoleSpec = {
  readonly name: string;
  readonly logic: AnyActorLogic;
  readonly input?: unknown;
  /**
   * How long the role may take to stop (a machine role's `stopTimeoutMs`): the supervisor's default drain waits at
   * least this long.
   */
  readonly stopTimeoutMs?: number;
};

/** What a role's work function receives: its name, its input, and a signal that aborts when it must stop. */
export type RoleArgs<TInput> = {
  readonly role: string;
  readonly input: TInput;
  /** Aborted when the supervisor stops the role; the work should then finish what is in flight and return. */
  readonly signal: AbortSignal;
};

/** A role's work: runs until `signal` aborts, then settles. Returning earlier counts as an unexpected exit. */
export type RoleRun<TInput> = (args: RoleArgs<TInput>) => PromiseLike<unknown>;

/** A role that completed although nobody asked it to stop; the supervisor treats it as a failure. */
export class RoleExitedError extends NodeError<'RoleExitedError'> {
  override name = 'RoleExitedError' as const;
  constructor(role: string) {
    super(`role "${role}" exited unexpectedly`, { code: 'ROLE_EXITED', severity: 'temporary' });
  }
}

/** A role name the supervisor cannot use (it becomes a child id and a state key). */
export class RoleNameError extends NodeError<'RoleNameError'> {
  override name = 'RoleNameError' as const;
  constructor(role: string) {
    super(`invalid role name "${role}"`, {
      code: 'ROLE_NAME',
      severity: 'critical',
      details: 'a role name is lowercase letters, digits and dashes, starting with a letter',
    });
  }
}

const ROLE_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Checks a role name: lowercase letters, digits and dashes, starting with a letter (it becomes a child actor
 * id, a state key and part of event types, where dots would be read as path separators). Pure.
 * @throws {RoleNameError} when the name does not fit.
 */
export function assertRoleName(name: string): void {
  if (!ROLE_NAME.test(name)) throw new RoleNameError(name);
}

/** How a role's in-flight work ended once it was awaited: `error` is null when it finished cleanly. */
export type RoleSettlement = { readonly role: string; readonly error: string | null };

type Tracked = { readonly role: string; readonly settled: Promise<RoleSettlement> };

/** In-flight role work per actor system. Weak, so a finished system and its entries can be collected. */
/** Any actor system (the `system` of an actor or of its logic's arguments). */
export type AnyActorSystem = ActorSystem<ActorSystemInfo>;

const inFlight = new WeakMap<AnyActorSystem, Set<Tracked>>();

function track(system: AnyActorSystem, role: string, work: PromiseLike<unknown>, signal: AbortSignal): void {
  let entries = inFlight.get(system);
  if (!entries) {
    entries = new Set();
    inFlight.set(system, entries);
  }
  const set = entries;
  const settled = Promise.resolve(work).then(
    (): RoleSettlement => ({ role, error: null }),
    (err: unknown): RoleSettlement => ({ role, error: isAbortOutcome(err, signal) ? null : messageOf(err) }),
  );
  const entry: Tracked = { role, settled };
  set.add(entry);
  void settled.then(() => set.delete(entry));
}

/** A rejection caused by the stop itself (the signal's reason or an `AbortError`) is a clean finish. */
function isAbortOutcome(err: unknown, signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  return err === signal.reason || (err instanceof Error && err.name === 'AbortError');
}

/**
 * Waits for every role promise in flight in `system` when called (roles built with `defineRole` or
 * `defineMachineRole`), and returns those that rejected with anything but their own abort. Never rejects.
 * Roles built from other logic are not tracked: xstate stops them at once.
 */
export async function drainRoleWork(system: AnyActorSystem): Promise<RoleSettlement[]> {
  const entries = [...(inFlight.get(system) ?? [])];
  const settled = await Promise.all(entries.map((entry) => entry.settled));
  return settled.filter((s) => s.error !== null);
}

/** Names of the roles whose work is still in flight in `system` (one name per running promise). */
export function pendingRoles(system: AnyActorSystem): string[] {
  return [...(inFlight.get(system) ?? [])].map((entry) => entry.role);
}

/** Starts `run` so that a synchronous throw becomes a rejection like any other failure. */
function startWork<TInput>(run: RoleRun<TInput>, args: RoleArgs<TInput>): PromiseLike<unknown> {
  try {
    return run(args);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Defines a role whose work is an async function, wrapped in `fromPromise`. The running promise is tracked
 * per actor system, so the supervisor's stop waits for the work to finish after its signal aborts (see
 * `drainRoleWork`). A rejection is a role failure (its severity decides restart or escalation); resolving
 * before the signal aborts is an unexpected exit.
 * @throws {RoleNameError} when `name` is not a valid role name.
 */
export function defineRole<TInput = undefined>(
  name: string,
  run: RoleRun<TInput>,
  options: { input?: TInput } = {},
): RoleSpec {
  assertRoleName(name);
  const logic = fromPromise<unknown, TInput>(({ input, signal, system }) => {
    const work = startWork(run, { role: name, input, signal });
    track(system, name, work, signal);
    return work;
  });
  return 'input' in options ? { name, logic, input: options.input } : { name, logic };
}

/** Options of `defineMachineRole`. */
export type MachineRoleOptions<TMachine extends AnyStateMachine> = {
  /** The machine's input at every (re)start. */
  input?: InputFrom<TMachine>;
  /** Sent to the machine when the role must stop; it should finish in-flight work and reach a final state. */
  stopEvent?: EventObject;
  /** How long the machine may take to reach a final state after `stopEvent` before it is stopped outright. */
  stopTimeoutMs?: number;
  /** Called each time a run of the machine ends (done, stopped or failed), before the role settles. */
  onSettled?: () => void;
  /** Called with each snapshot of the running machine (e.g. its readiness read off its context). */
  onSnapshot?: (snapshot: SnapshotFrom<TMachine>) => void;
};

/**
 * Defines a role run by a state machine. Each (re)start creates a fresh actor of `machine` (which rebuilds
 * its state by folding its stream) on the supervisor's clock. When the role must stop, the machine receives
 * `stopEvent` (default `supervisor.stop`) if it accepts it, else it is stopped at once; the role settles when
 * the machine is done or stopped. A machine error is the role's failure, with the error's own severity.
 * @throws {RoleNameError} when `name` is not a valid role name.
 */
export function defineMachineRole<TMachine extends AnyStateMachine>(
  name: string,
  machine: TMachine,
  options: MachineRoleOptions<TMachine> = {},
): RoleSpec {
  assertRoleName(name);
  const stopEvent = options.stopEvent ?? { type: 'supervisor.stop' };
  const stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
  const logic = fromPromise<void, InputFrom<TMachine> | undefined>(({ input, signal, system }) => {
    const logic: AnyStateMachine = machine;
    const actor = createActor(logic, { input, clock: system._clock });
    const work = new Promise<void>((resolve, reject) => {
      let timer: unknown;
      const settle = (fn: () => void) => () => {
        if (timer !== undefined) system._clock.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        options.onSettled?.();
        fn();
      };
      const onAbort = () => {
        if (actor.getSnapshot().can(stopEvent)) {
          actor.send(stopEvent);
          timer = system._clock.setTimeout(() => actor.stop(), stopTimeoutMs);
        } else {
          actor.stop();
        }
      };
      const onSnapshot = options.onSnapshot as ((snapshot: unknown) => void) | undefined;
      actor.subscribe({
        ...(onSnapshot ? { next: onSnapshot } : {}),
        complete: settle(resolve),
        error: (err) => settle(() => reject(err))(),
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
    track(system, name, work, signal);
    actor.start();
    return work;
  });
  return 'input' in options
    ? { name, logic, input: options.input, stopTimeoutMs }
    : { name, logic, stopTimeoutMs };
}
