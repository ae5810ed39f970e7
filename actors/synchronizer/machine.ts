/**
 * The synchronizer machine: load (fold `l1-sync`, build the trusted view), then pass — at once again while there is
 * work (a reorg recorded, L1 blocks left to scan), else after `poll` ms. A `supervisor.stop` lets the running pass
 * finish (its append completes) and then stops. Errors are not handled here: a failing pass fails the machine with
 * the error's severity (an L1 outage is temporary and restarts the role, which folds the stream again; a trusted
 * reorg is critical and halts the node). Guards and actions are pure; the clock is read only by the effect actors.
 */
import { assign, fromPromise, setup } from 'xstate';
import type { SynchronizerEffects, SynchronizerState } from './effects.ts';

export type SynchronizerContext = { state: SynchronizerState | null; stopping: boolean };

export function createSynchronizerMachine(effects: SynchronizerEffects, opts: { pollMs?: number } = {}) {
  return setup({
    types: {
      context: {} as SynchronizerContext,
      events: {} as { type: 'supervisor.stop' },
    },
    actors: {
      load: fromPromise<SynchronizerState>(({ signal }) => effects.load(signal)),
      pass: fromPromise<{ state: SynchronizerState; worked: boolean }, SynchronizerState>(
        ({ input, signal }) => effects.tick(input, Date.now(), signal),
      ),
    },
    delays: { poll: opts.pollMs ?? 1000 },
    guards: {
      stopping: ({ context }) => context.stopping,
      worked: (_, params: { worked: boolean }) => params.worked,
    },
    actions: {
      markStopping: assign({ stopping: true }),
    },
  }).createMachine({
    id: 'synchronizer',
    context: { state: null, stopping: false },
    initial: 'loading',
    on: { 'supervisor.stop': { actions: 'markStopping' } },
    states: {
      loading: {
        invoke: {
          src: 'load',
          onDone: [
            { guard: 'stopping', target: 'stopped' },
            { target: 'passing', actions: assign({ state: ({ event }) => event.output }) },
          ],
        },
      },
      passing: {
        invoke: {
          src: 'pass',
          input: ({ context }) => context.state!,
          onDone: [
            {
              guard: 'stopping',
              target: 'stopped',
              actions: assign({ state: ({ event }) => event.output.state }),
            },
            {
              guard: { type: 'worked', params: ({ event }) => ({ worked: event.output.worked }) },
              target: 'passing',
              reenter: true,
              actions: assign({ state: ({ event }) => event.output.state }),
            },
            { target: 'idle', actions: assign({ state: ({ event }) => event.output.state }) },
          ],
        },
      },
      idle: {
        on: { 'supervisor.stop': { target: 'stopped' } },
        after: { poll: { target: 'passing' } },
      },
      stopped: { type: 'final' },
    },
  });
}
