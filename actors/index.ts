/**
 * Actors (DESIGN §3): the supervisor and the roles it runs.
 *
 * Invariants: the supervisor is an xstate actor system, not a retry loop — one child actor per role,
 * one-for-one restarts with exponential backoff, a max-restarts window, escalation on `critical` errors or a
 * full window, and a graceful stop that waits (bounded) for the roles' in-flight work. Machine context holds
 * plain data only; time comes from the actor system's clock; effects on the outside world are hooks driven by
 * emitted events.
 */
export {
  assertRoleName,
  defineMachineRole,
  defineRole,
  drainRoleWork,
  type MachineRoleOptions,
  pendingRoles,
  type RoleArgs,
  RoleExitedError,
  RoleNameError,
  type RoleRun,
  type RoleSettlement,
  type RoleSpec,
} from './role.ts';
export {
  backoffDelay,
  createSupervisor,
  createSupervisorMachine,
  DRAIN_MARGIN_MS,
  defaultDrainTimeoutMs,
  defaultRestartPolicy,
  drainTimeoutFor,
  type RestartPolicy,
  type RoleRecord,
  resolvePolicy,
  type Supervisor,
  type SupervisorClock,
  SupervisorConfigError,
  type SupervisorContext,
  type SupervisorEmitted,
  type SupervisorEvent,
  type SupervisorFailure,
  type SupervisorInput,
  type SupervisorLogger,
  type SupervisorMachine,
  type SupervisorOptions,
  type SupervisorOutput,
} from './supervisor.ts';
