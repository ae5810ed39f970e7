/**
 * The sequence-sender role (DESIGN §3): closed batches → `sequenceBatches` L1 txs through the eth-tx-manager,
 * `SequenceSent` on the `sequence-sender` stream. Single instance, fenced by that stream's expected revision.
 */
import { defineMachineRole, type RoleSpec } from '../role.ts';
import {
  createTickMachine,
  logTemporaryOutages,
  reportRetries,
  type TickRoleOptions,
} from '../tick-machine.ts';
import { createSequenceSenderEffects, type SequenceSenderDeps, type SequenceSenderState } from './effects.ts';

export {
  createSequenceSenderEffects,
  MAX_SEQUENCE_TX_SIZE,
  type SequenceSenderDeps,
  type SequenceSenderEffects,
  type SequenceSenderState,
  sequenceTxSize,
  signedTxSizeBound,
} from './effects.ts';

/** The supervised sequence-sender role; it looks for closed batches every `pollMs` (dev: 500 ms). */
export function sequenceSenderRole(deps: SequenceSenderDeps, opts: TickRoleOptions = {}): RoleSpec {
  const effects = createSequenceSenderEffects(deps);
  // An L1 outage (temporary) backs off inside the machine, logged once: it never reaches the supervisor.
  const machine = createTickMachine<SequenceSenderState>(
    'sequence-sender',
    deps.log ? logTemporaryOutages(effects, deps.log) : effects,
    { pollMs: opts.pollMs ?? 500, retryTemporary: { initialMs: 1_000, maxMs: 30_000 } },
  );
  return defineMachineRole('sequence-sender', machine, {
    stopTimeoutMs: 10_000,
    ...reportRetries(opts.onRetries),
  });
}
