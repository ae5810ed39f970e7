/**
 * The eth-tx-manager machine: load (fold the open txs), then tick — one round over the open txs — at once again
 * while a round appended something; when idle, on the next wake (new `l1tx` events projected) or after `poll` ms.
 * A `temporary` failure (the L1 node unreachable, a store hiccup) backs off exponentially and retries without
 * leaving the machine; any other failure fails the machine (the supervisor restarts it, or stops the node on a
 * `critical` one). A `supervisor.stop` lets the running round finish (its appends and broadcasts complete), then
 * stops. Guards and actions are pure; the clock is read only where the effect actors are invoked.
 */
import { assign, fromPromise, setup } from 'xstate';
import { severityOf } from '../../src/errors/index.ts';
import type { EthTxManagerEffects, EthTxManagerState } from './effects.ts';

export type EthTxManagerContext = {
  state: EthTxManagerState | null;
  stopping: boolean;
  /** Consecutive temporary failures (0 after a round that worked out). */
  failures: number;
};

export type EthTxManagerMachineOptions = {
  /** Idle poll interval. @default 1000 */
  pollMs?: number;
  /** First retry delay after a temporary failure; doubles per failure. @default 250 */
  backoffMs?: number;
  /** Longest retry delay. @default 10_000 */
  maxBackoffMs?: number;
};

/** The delay before retry number `failures` (≥ 1): `base × 2^(failures-1)`, at most `max`. Pure. */
export function retryDelay(failures: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, failures - 1));
}

export function createEthTxManagerMachine(
  effects: EthTxManagerEffects,
  opts: EthTxManagerMachineOptions = {},
) {
  const base = opts.backoffMs ?? 250;
  const max = opts.maxBackoffMs ?? 10_000;
  return setup({
    types: {
      context: {} as EthTxManagerContext,
      events: {} as { type: 'supervisor.stop' },
    },
    actors: {
      load: fromPromise<EthTxManagerState>(() => effects.load(Date.now())),
      tick: fromPromise<{ state: EthTxManagerState; worked: boolean }, EthTxManagerState>(({ input }) =>
        effects.tick(input, Date.now()),
      ),
      changed: fromPromise<void>(({ signal }) => effects.changed(signal)),
    },
    delays: {
      poll: opts.pollMs ?? 1000,
      backoff: ({ context }) => retryDelay(context.failures, base, max),
    },
    guards: {
      stopping: ({ context }) => context.stopping,
      loaded: ({ context }) => context.state !== null,
      worked: (_, params: { worked: boolean }) => params.worked,
      temporary: (_, params: { error: unknown }) => severityOf(params.error) === 'temporary',
    },
    actions: {
      markStopping: assign({ stopping: true }),
      countFailure: assign({ failures: ({ context }) => context.failures + 1 }),
    },
  }).createMachine({
    id: 'eth-tx-manager',
    context: { state: null, stopping: false, failures: 0 },
    initial: 'loading',
    on: { 'supervisor.stop': { actions: 'markStopping' } },
    states: {
      loading: {
        invoke: {
          src: 'load',
          onDone: [
            { guard: 'stopping', target: 'stopped' },
            { target: 'ticking', actions: assign({ state: ({ event }) => event.output, failures: 0 }) },
          ],
          // Only temporary failures are handled; anything else is unhandled and fails the machine.
          onError: [
            {
              guard: { type: 'temporary', params: ({ event }) => ({ error: event.error }) },
              target: 'backoff',
              actions: 'countFailure',
            },
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
              actions: assign({ state: ({ event }) => event.output.state, failures: 0 }),
            },
            {
              guard: { type: 'worked', params: ({ event }) => ({ worked: event.output.worked }) },
              target: 'ticking',
              reenter: true,
              actions: assign({ state: ({ event }) => event.output.state, failures: 0 }),
            },
            { target: 'idle', actions: assign({ state: ({ event }) => event.output.state, failures: 0 }) },
          ],
          onError: [
            {
              guard: { type: 'temporary', params: ({ event }) => ({ error: event.error }) },
              target: 'backoff',
              actions: 'countFailure',
            },
          ],
        },
      },
      backoff: {
        always: { guard: 'stopping', target: 'stopped' },
        on: { 'supervisor.stop': { target: 'stopped' } },
        after: {
          backoff: [{ guard: 'loaded', target: 'ticking' }, { target: 'loading' }],
        },
      },
      idle: {
        on: { 'supervisor.stop': { target: 'stopped' } },
        invoke: { src: 'changed', onDone: { target: 'ticking' } },
        after: { poll: { target: 'ticking' } },
      },
      stopped: { type: 'final' },
    },
  });
}
