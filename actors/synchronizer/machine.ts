/**
 * The synchronizer machine: the shared tick machine — load (fold `l1-sync`, build the trusted view), then passes, at
 * once again while there is work (a reorg recorded, L1 blocks left to scan), else after `poll` ms. Errors fail the
 * machine with their severity (an L1 outage is temporary and restarts the role, which folds the stream again; a
 * trusted reorg is critical and halts the node). The abort signal reaches the L1 calls.
 */
import { createTickMachine, type TickContext } from '../tick-machine.ts';
import type { SynchronizerEffects, SynchronizerState } from './effects.ts';

export type SynchronizerContext = TickContext<SynchronizerState>;

export function createSynchronizerMachine(effects: SynchronizerEffects, opts: { pollMs?: number } = {}) {
  return createTickMachine<SynchronizerState>(
    'synchronizer',
    {
      load: (_nowMs, signal) => effects.load(signal),
      tick: (state, nowMs, signal) => effects.tick(state, nowMs, signal),
    },
    { pollMs: opts.pollMs ?? 1000 },
  );
}
