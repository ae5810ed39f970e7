/**
 * The synchronizer machine: the shared tick machine — load (fold `l1-sync`, build the trusted view), then passes, at
 * once again while there is work (a reorg recorded, L1 blocks left to scan), else after `poll` ms. An L1 outage
 * (temporary) backs off inside the machine (1 s doubling to 30 s) and folds the stream again, logged once per
 * outage — the supervisor never sees it, so a long outage does not stop the node; other errors fail the machine with
 * their severity (a trusted reorg is critical and halts the node). The abort signal reaches the L1 calls.
 */
import { createTickMachine, logTemporaryOutages, type TickContext } from '../tick-machine.ts';
import type { SynchronizerEffects, SynchronizerState } from './effects.ts';

export type SynchronizerContext = TickContext<SynchronizerState>;

/** Backoff of the synchronizer's own retries while L1 (or the trusted node) does not answer. */
export const SYNCHRONIZER_RETRY = { initialMs: 1_000, maxMs: 30_000 };

export function createSynchronizerMachine(
  effects: SynchronizerEffects,
  opts: { pollMs?: number; log?: (msg: string, fields: Record<string, unknown>) => void } = {},
) {
  const tickEffects = {
    load: (_nowMs: number, signal: AbortSignal) => effects.load(signal),
    tick: (state: SynchronizerState, nowMs: number, signal: AbortSignal) =>
      effects.tick(state, nowMs, signal),
  };
  return createTickMachine<SynchronizerState>(
    'synchronizer',
    opts.log ? logTemporaryOutages(tickEffects, opts.log) : tickEffects,
    { pollMs: opts.pollMs ?? 1000, retryTemporary: SYNCHRONIZER_RETRY },
  );
}
