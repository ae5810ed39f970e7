/**
 * The sequencer role (DESIGN §3, §6): takes ready pool txs, executes one per L2 block, opens and closes batches,
 * appending to `l2` and the txs' streams. Single instance, fenced by the `l2` stream's expected revision.
 */
import { defineMachineRole, type RoleSpec } from '../role.ts';
import { createSequencerEffects, type SequencerDeps } from './effects.ts';
import { createSequencerMachine } from './machine.ts';

export {
  createSequencerEffects,
  type SequencerDeps,
  type SequencerEffects,
  type SequencerState,
} from './effects.ts';
export { createSequencerMachine, type SequencerContext } from './machine.ts';

/** The supervised sequencer role. Its hand-off (if any) is closed whenever a run ends: the intake appends alone. */
export function sequencerRole(deps: SequencerDeps, opts: { pollMs?: number } = {}): RoleSpec {
  return defineMachineRole('sequencer', createSequencerMachine(createSequencerEffects(deps), opts), {
    stopTimeoutMs: 10_000,
    onSettled: () => deps.handoff?.close(),
  });
}
