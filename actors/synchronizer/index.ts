/**
 * The synchronizer role (DESIGN §2–§4, zkevm-node-spec §7): follows L1 — batches virtualized and verified, forced
 * batches, global exit roots, L1 reorgs — into the `l1-sync` stream, and compares what L1 sequenced with the trusted
 * chain (`l2`). Single instance, fenced by the `l1-sync` stream's expected revision.
 */
import { defineMachineRole, type RoleSpec } from '../role.ts';
import { reportRetries, type TickRoleOptions } from '../tick-machine.ts';
import { createSynchronizerEffects, type SynchronizerDeps } from './effects.ts';
import { createSynchronizerMachine } from './machine.ts';

export {
  createSynchronizerEffects,
  type SynchronizerDeps,
  type SynchronizerEffects,
  type SynchronizerLog,
  type SynchronizerState,
  type TrustedView,
} from './effects.ts';
export { createL1Reader, type L1Log, type L1Reader, type L1Transaction } from './l1.ts';
export { createL2Builder, type L2Builder, type L2BuilderDeps, L2RebuildError } from './l2-builder.ts';
export { createSynchronizerMachine, type SynchronizerContext } from './machine.ts';
export {
  createTrustedNode,
  MAX_BATCH_L2_DATA_BYTES,
  parseTrustedBatch,
  type TrustedNode,
  type TrustedNodeBatch,
  TrustedNodeError,
} from './trusted-node.ts';

/**
 * The supervised synchronizer role, built from plain deps (`pollMs` sets the idle wait).
 * @throws {RangeError} when `chunkSize` is below 1.
 */
export function synchronizerRole(
  deps: SynchronizerDeps,
  opts: Pick<TickRoleOptions, 'onRetries'> = {},
): RoleSpec {
  return defineMachineRole(
    'synchronizer',
    createSynchronizerMachine(createSynchronizerEffects(deps), {
      ...(deps.pollMs === undefined ? {} : { pollMs: deps.pollMs }),
      ...(deps.log ? { log: deps.log } : {}),
    }),
    { stopTimeoutMs: 10_000, ...reportRetries(opts.onRetries) },
  );
}
