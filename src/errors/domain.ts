import { NodeError } from './base.ts';

/** A command that the current state of its stream does not allow (thrown by `decide`). */
export class IllegalStateError extends NodeError<'IllegalStateError'> {
  override name = 'IllegalStateError' as const;
  constructor(shortMessage: string, opts: { details?: string } = {}) {
    super(shortMessage, { ...opts, code: 'ILLEGAL_STATE', severity: 'critical' });
  }
}

/** Input that fails validation (a bad argument, a malformed record); the message names what is wrong. */
export class ValidationError extends NodeError<'ValidationError'> {
  override name = 'ValidationError' as const;
  constructor(shortMessage: string, opts: { details?: string; cause?: unknown } = {}) {
    super(shortMessage, { ...opts, code: 'VALIDATION', severity: 'critical' });
  }
}

/** Exhaustiveness check for switches over unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new IllegalStateError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
