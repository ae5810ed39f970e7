/**
 * The machine of a role that folds its stream once and then works in rounds (the sequencer, the sequence
 * sender): load, then tick — at once again while a round did work; when idle, on `wake` or after `poll` ms,
 * whichever comes first. A `supervisor.stop` lets the running round finish (its appends complete) and then stops.
 * Errors are not handled here: a failing round fails the machine and the supervisor restarts it, which loads
 * again. Guards and actions are pure; the clock is read only inside the effect actors.
 */
import { assign, fromPromise, setup } from 'xstate';

export type TickEffects<S> = {
  /** Folds the role's stream (and repairs what a crash left half done). `signal` aborts when the machine stops. */
  load(nowMs: number, signal: AbortSignal): Promise<S>;
  /** One round at `nowMs`; `worked`: something was appended, so run another round at once. */
  tick(state: S, nowMs: number, signal: AbortSignal): Promise<{ state: S; worked: boolean }>;
  /** Resolves when there may be new work (optional; the poll interval bounds the wait either way). */
  wake?(signal: AbortSignal): Promise<void>;
};

export type TickContext<S> = { state: S | null; stopping: boolean };

/** The state is opaque to the machine (`unknown` inside: xstate's typings do not carry a type parameter). */
export function createTickMachine<S>(id: string, effects: TickEffects<S>, opts: { pollMs?: number } = {}) {
  const wake = effects.wake?.bind(effects) ?? (() => new Promise<void>(() => {}));
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
    delays: { poll: opts.pollMs ?? 100 },
    guards: {
      stopping: ({ context }) => context.stopping,
      worked: (_, params: { worked: boolean }) => params.worked,
    },
    actions: {
      markStopping: assign({ stopping: true }),
    },
  }).createMachine({
    id,
    context: { state: null, stopping: false },
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
              actions: assign({ state: ({ event }) => event.output.state }),
            },
            { target: 'idle', actions: assign({ state: ({ event }) => event.output.state }) },
          ],
        },
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
