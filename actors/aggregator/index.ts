/**
 * The aggregator role (DESIGN §3, §7): virtual batches with enough L1 confirmations → proofs from the prover over
 * Connect RPC → `verifyBatchesTrustedAggregator` through the eth-tx-manager; events on the `aggregator` stream.
 * Single instance, fenced by that stream's expected revision.
 */
import { defineMachineRole, type RoleSpec } from '../role.ts';
import { createTickMachine, reportRetries, type TickRoleOptions } from '../tick-machine.ts';
import { type AggregatorDeps, type AggregatorRoleState, createAggregatorEffects } from './effects.ts';

export {
  type AggregatorDeps,
  type AggregatorEffects,
  type AggregatorRoleState,
  createAggregatorEffects,
} from './effects.ts';

/** The supervised aggregator role; a round every `pollMs` (dev: 500 ms) while idle. */
export function aggregatorRole(deps: AggregatorDeps, opts: TickRoleOptions = {}): RoleSpec {
  const effects = createAggregatorEffects(deps);
  // An unreachable prover or L1 (temporary) backs off inside the machine, logged once per outage by the effects: it
  // never reaches the supervisor.
  const machine = createTickMachine<AggregatorRoleState>('aggregator', effects, {
    pollMs: opts.pollMs ?? 1000,
    retryTemporary: { initialMs: 1_000, maxMs: 30_000 },
  });
  return defineMachineRole('aggregator', machine, {
    stopTimeoutMs: 10_000,
    ...reportRetries(opts.onRetries),
  });
}
