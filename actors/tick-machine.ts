/**
 * The machine of a role that folds its stream once and then works in rounds (the sequencer, the sequence
 * sender): load, then tick — at once again while a round did work; when idle, on `wake` or after `poll` ms,
 * whichever comes first. A `supervisor.stop` lets the running round finish (its appends complete) and then stops —
 * also when that round fails with a temporary error (no retry after a stop).
 * Errors are not handled here: a failing round fails the machine and the supervisor restarts it, which loads
 * again — except, with `retryTemporary`, an error of severity `temporary` (a `NodeError` that says so: L1 or a peer
 * not answering): the machine backs off (doubling from `initialMs` up to `maxMs`) and loads again by itself, so an
 * outage longer than the supervisor's restart window does not escalate and stop the node. An expected-revision
 * conflict (temporary too) is not retried here: it means a second instance of the role, which the supervisor sees. Guards and actions are
 * pure; the clock is read only inside the effect actors.
 */
import { and, assign, fromPromise, setup } from 'xstate';
import { isDeclaredTemporary } from '../src/errors/index.ts';
import { ExpectedRevisionConflictError } from '../src/eventstore/index.ts';

export type TickEffects<S> = {
  /** Folds the role's stream (and repairs what a crash left half done). `signal` aborts when the machine stops. */
  load(nowMs: number, signal: AbortSignal): Promise<S>;
  /** One round at `nowMs`; `worked`: something was appended, so run another round at once. */
  tick(state: S, nowMs: number, signal: AbortSignal): Promise<{ state: S; worked: boolean }>;
  /** Resolves when there may be new work (optional; the poll interval bounds the wait either way). */
  wake?(signal: AbortSignal): Promise<void>;
};

export type TickContext<S> = {
  state: S | null;
  stopping: boolean;
  /** Temporary failures in a row (reset by a round that completes). */
  retries: number;
};

/** Backoff of the in-machine retry of temporary failures. */
export type TickRetry = { initialMs: number; maxMs: number };

/** The backoff before the `retries`-th load after a temporary failure. Pure. */
export const tickRetryDelay = (retry: TickRetry, retries: number): number =>
  Math.min(retry.maxMs, retry.initialMs * 2 ** Math.max(0, retries - 1));

/**
 * Options of a tick-machine role: `onRetries` hears the temporary failures in a row its machine is backing off
 * after (0 again once a round completes) — the supervisor never sees them.
 */
export type TickRoleOptions = { pollMs?: number; onRetries?: (retries: number) => void };

/** The `defineMachineRole` option that reports a tick machine's `retries` to `onRetries`. */
export const reportRetries = (onRetries: ((retries: number) => void) | undefined) =>
  onRetries
    ? { onSnapshot: (snapshot: { context: TickContext<unknown> }) => onRetries(snapshot.context.retries) }
    : {};

/** The state is opaque to the machine (`unknown` inside: xstate's typings do not carry a type parameter). */
export function createTickMachine<S>(
  id: string,
  effects: TickEffects<S>,
  opts: { pollMs?: number; retryTemporary?: TickRetry } = {},
) {
  const wake = effects.wake?.bind(effects) ?? (() => new Promise<void>(() => {}));
  const retry = opts.retryTemporary;
  // A temporary failure backs off and loads again (with `retryTemporary`) — unless a stop was asked for during the
  // round: then it stops (a retry would run again and again until the supervisor gives up waiting). Any other error
  // fails the machine.
  const onError = retry
    ? ([
        { guard: and(['retryable', 'stopping']), target: 'stopped' },
        { guard: 'retryable', target: 'backingOff', actions: 'countRetry' },
      ] as const)
    : [];
  return setup({
    types: {
      context: {} as TickContext<unknown>,
      events: {} as { type: 'supervisor.stop' },
    },
    actors: {
      load: fromPromise<unknown>(({ signal }) => effects.load(Date.now(), signal)),
      tick: fromPromise<{ state: unknown; worked: boolean }, unknown>(({ input, signal }) =>
        effects.tick(input as S, Date.now(), signal),
      ),
      wake: fromPromise<void>(({ signal }) => wake(signal)),
    },
    delays: {
      poll: opts.pollMs ?? 100,
      retry: ({ context }) => (retry ? tickRetryDelay(retry, context.retries) : 0),
    },
    guards: {
      stopping: ({ context }) => context.stopping,
      worked: (_, params: { worked: boolean }) => params.worked,
      // A round refused by its stream's expected revision is not an outage: another instance of this single-instance
      // role appended first (DESIGN §3: it fails loudly). The supervisor sees it, logs it and escalates a repeat.
      retryable: ({ event }) => {
        const error = (event as { error?: unknown }).error;
        return isDeclaredTemporary(error) && !(error instanceof ExpectedRevisionConflictError);
      },
    },
    actions: {
      markStopping: assign({ stopping: true }),
      countRetry: assign({ retries: ({ context }) => context.retries + 1 }),
    },
  }).createMachine({
    id,
    context: { state: null, stopping: false, retries: 0 },
    initial: 'loading',
    on: { 'supervisor.stop': { actions: 'markStopping' } },
    states: {
      loading: {
        invoke: {
          src: 'load',
          onDone: [
            { guard: 'stopping', target: 'stopped' },
            { target: 'ticking', actions: assign({ state: ({ event }) => event.output }) },
          ],
          onError,
        },
      },
      ticking: {
        invoke: {
          src: 'tick',
          input: ({ context }: { context: TickContext<unknown> }) => context.state,
          onDone: [
            {
              guard: 'stopping',
              target: 'stopped',
              actions: assign({ state: ({ event }) => event.output.state }),
            },
            {
              guard: { type: 'worked', params: ({ event }) => ({ worked: event.output.worked }) },
              target: 'ticking',
              reenter: true,
              actions: assign({ state: ({ event }) => event.output.state, retries: 0 }),
            },
            { target: 'idle', actions: assign({ state: ({ event }) => event.output.state, retries: 0 }) },
          ],
          onError,
        },
      },
      // After a temporary failure: wait, then fold the stream again (a failed round may have appended part).
      backingOff: {
        always: { guard: 'stopping', target: 'stopped' },
        on: { 'supervisor.stop': { target: 'stopped' } },
        after: { retry: { target: 'loading' } },
      },
      idle: {
        on: { 'supervisor.stop': { target: 'stopped' } },
        invoke: { src: 'wake', onDone: { target: 'ticking' } },
        after: { poll: { target: 'ticking' } },
      },
      stopped: { type: 'final' },
    },
  });
}

/**
 * `effects` that log a temporary failure once per outage (with the error) and the first round that succeeds after it:
 * the messages of a role whose machine retries temporary failures by itself, which the supervisor never
 * sees.
 */
export function logTemporaryOutages<S>(
  effects: TickEffects<S>,
  log: (msg: string, fields: Record<string, unknown>) => void,
): TickEffects<S> {
  let since: number | null = null;
  /** `ends`: a success ends the outage (a round; a load may read no L1 at all). */
  const watch = async <T>(run: () => Promise<T>, ends: boolean): Promise<T> => {
    try {
      const out = await run();
      if (ends && since !== null) {
        log('answering again after a temporary failure', { failedForMs: Date.now() - since });
        since = null;
      }
      return out;
    } catch (err) {
      if (isDeclaredTemporary(err) && since === null) {
        since = Date.now();
        log('a temporary failure: backing off and retrying', { error: (err as Error).message });
      }
      throw err;
    }
  };
  return {
    load: (nowMs, signal) => watch(() => effects.load(nowMs, signal), false),
    tick: (state, nowMs, signal) => watch(() => effects.tick(state, nowMs, signal), true),
    ...(effects.wake ? { wake: effects.wake.bind(effects) } : {}),
  };
}
