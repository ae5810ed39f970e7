/**
 * The sequencer machine: load (fold `l2`), then tick — at once again while there is work; when idle, on the next
 * pool change or after `poll` ms, whichever comes first (the poll also drives batch timeouts). A `supervisor.stop` lets the running tick finish (its appends complete) and then stops. Errors are not
 * handled here: a failing tick fails the machine, and the supervisor restarts it, which folds the stream again.
 * Guards and actions are pure; the clock is read only inside the effect actors.
 */
import { assign, fromPromise, setup } from 'xstate';
import type { SequencerEffects, SequencerState } from './effects.ts';

export type SequencerContext = { state: SequencerState | null; stopping: boolean };

export function createSequencerMachine(effects: SequencerEffects, opts: { pollMs?: number } = {}) {
  return setup({
    types: {
      context: {} as SequencerContext,
      events: {} as { type: 'supervisor.stop' },
    },
    actors: {
      load: fromPromise<SequencerState>(() => effects.load(Date.now())),
      tick: fromPromise<{ state: SequencerState; worked: boolean }, SequencerState>(({ input }) =>
        effects.tick(input, Date.now()),
      ),
      poolChanged: fromPromise<void>(({ signal }) => effects.poolChanged(signal)),
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
    id: 'sequencer',
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
          input: ({ context }) => context.state!,
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
        invoke: { src: 'poolChanged', onDone: { target: 'ticking' } },
        after: { poll: { target: 'ticking' } },
      },
      stopped: { type: 'final' },
    },
  });
}
