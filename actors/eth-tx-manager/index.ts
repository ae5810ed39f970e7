/**
 * The eth-tx-manager role (DESIGN §3, §4; reference ethtxmanager): every L1 tx the node sends — sequences,
 * verifications, forced-batch sequencing — is queued by its owner with {@link queueL1Tx} (`L1TxQueued` on
 * `l1tx-<id>`) and signed, sent, bumped, monitored through reorgs and confirmed here.
 *
 * Invariants: single instance, fenced by the `l1tx-<id>` streams' expected revisions; an attempt is appended
 * before it is broadcast, so a restart re-broadcasts the same signed tx and never signs a different tx for a
 * nonce one of ours may still take; a nonce is re-used for a different tx only when it was taken, at confirmed
 * depth, by a tx that is not ours; keys stay inside the signer and never reach a log line.
 */
import { defineMachineRole, type RoleSpec } from '../role.ts';
import { createEthTxManagerEffects, type EthTxManagerDeps } from './effects.ts';
import { createEthTxManagerMachine, type EthTxManagerMachineOptions } from './machine.ts';

export {
  createEthTxManagerEffects,
  type EthTxLog,
  type EthTxManagerDeps,
  type EthTxManagerEffects,
  type EthTxManagerState,
  type GasBumpPolicy,
  type L1Signer,
  type TrackedL1Tx,
  validateEthTxManagerDeps,
} from './effects.ts';
export {
  EthTxManagerConfigError,
  EthTxManagerFencedError,
  L1ChainMismatchError,
  L1InsufficientFundsError,
  L1RpcError,
  L1TxConflictError,
  L1UnavailableError,
} from './errors.ts';
export {
  classifySendError,
  createL1Client,
  endpointOf,
  isRevert,
  type L1Client,
  revertData,
  revertReason,
  type SendRejection,
} from './l1.ts';
export {
  createEthTxManagerMachine,
  type EthTxManagerContext,
  type EthTxManagerMachineOptions,
  retryDelay,
} from './machine.ts';
export {
  type QueueL1TxOptions,
  type QueueL1TxRequest,
  type QueueL1TxResult,
  queueL1Tx,
  readL1Tx,
  toQueuedData,
} from './queue.ts';

/**
 * The supervised eth-tx-manager role.
 * @throws {EthTxManagerConfigError} when a dependency is missing or out of range (e.g. `confirmations: 0`).
 */
export function ethTxManagerRole(
  deps: EthTxManagerDeps,
  opts: Omit<EthTxManagerMachineOptions, 'pollMs'> = {},
): RoleSpec {
  const machine = createEthTxManagerMachine(createEthTxManagerEffects(deps), {
    ...opts,
    ...(deps.pollMs === undefined ? {} : { pollMs: deps.pollMs }),
  });
  return defineMachineRole('eth-tx-manager', machine, { stopTimeoutMs: 15_000 });
}
