/**
 * The sequencer machine: the shared tick machine (load by folding `l2`, then rounds), woken by pool changes when
 * idle; the poll interval also drives batch timeouts.
 */
import { createTickMachine, type TickContext } from '../tick-machine.ts';
import type { SequencerEffects, SequencerState } from './effects.ts';

export type SequencerContext = TickContext<SequencerState>;

export function createSequencerMachine(effects: SequencerEffects, opts: { pollMs?: number } = {}) {
  return createTickMachine<SequencerState>(
    'sequencer',
    {
      load: (nowMs, signal) => effects.load(nowMs, signal),
      tick: (state, nowMs) => effects.tick(state, nowMs),
      wake: (signal) => effects.poolChanged(signal),
    },
    opts,
  );
}
