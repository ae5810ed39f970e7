/**
 * Errors: the `NodeError` base with severities (STYLE §11–12) and the domain errors every module shares.
 * Area-specific errors live beside the code that throws them and extend this base.
 */
export {
  errorToObject,
  isDeclaredTemporary,
  messageOf,
  NodeError,
  type NodeErrorOptions,
  type Severity,
  severityOf,
} from './base.ts';
export { assertNever, IllegalStateError, ValidationError } from './domain.ts';
