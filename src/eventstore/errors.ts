/**
 * Errors of the event store (DESIGN §4): a typed, retryable conflict for optimistic concurrency, and one error
 * for everything else (bad input, unknown schema versions, a closed store, backend failures).
 */
import { NodeError, type Severity } from '../errors/index.ts';
import type { ExpectedRevision, StreamRevision } from './types.ts';

/**
 * The stream was not at the revision the caller expected: someone else appended first (or the stream does not
 * exist / already exists). Temporary: reload the stream, decide again, retry.
 */
export class ExpectedRevisionConflictError extends NodeError<'ExpectedRevisionConflictError'> {
  override name = 'ExpectedRevisionConflictError' as const;
  readonly streamId: string;
  readonly expected: ExpectedRevision;
  /** The stream's revision when the append was refused; `'no_stream'` when it does not exist. */
  readonly actual: StreamRevision | 'no_stream';

  constructor(streamId: string, expected: ExpectedRevision, actual: StreamRevision | 'no_stream') {
    super(`stream ${streamId} is at ${describe(actual)}, expected ${describe(expected)}`, {
      code: 'EXPECTED_REVISION_CONFLICT',
      severity: 'temporary',
    });
    this.streamId = streamId;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Anything else the event store refuses or fails at. `code` tells which. */
export type EventStoreErrorCode =
  /** The caller passed something the store cannot take (empty id, non-JSON data, bad option). */
  | 'EVENT_STORE_INVALID_INPUT'
  /** An event id is already stored in another stream, or only some of an append's ids are stored. */
  | 'EVENT_STORE_ID_CONFLICT'
  /** An event's schema version is unknown to this code (newer than it knows, or an upcaster is missing). */
  | 'EVENT_STORE_UNKNOWN_VERSION'
  /** The store (or the subscription) was closed. */
  | 'EVENT_STORE_CLOSED'
  /** The backend failed (connection lost, server error). */
  | 'EVENT_STORE_BACKEND';

const SEVERITY: Record<EventStoreErrorCode, Severity> = {
  EVENT_STORE_INVALID_INPUT: 'critical',
  EVENT_STORE_ID_CONFLICT: 'critical',
  EVENT_STORE_UNKNOWN_VERSION: 'critical',
  EVENT_STORE_CLOSED: 'critical',
  EVENT_STORE_BACKEND: 'temporary',
};

export class EventStoreError extends NodeError<'EventStoreError'> {
  override name = 'EventStoreError' as const;
  override readonly code: EventStoreErrorCode;

  constructor(shortMessage: string, opts: { code: EventStoreErrorCode; details?: string; cause?: unknown }) {
    super(shortMessage, { ...opts, severity: SEVERITY[opts.code] });
    this.code = opts.code;
  }
}

export type EventStoreErrorType = ExpectedRevisionConflictError | EventStoreError;

/** A backend failure (temporary), with the cause's message as details. Both backends use it. */
export function backendError(message: string, cause: unknown): EventStoreError {
  const details = cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause);
  return new EventStoreError(message, {
    code: 'EVENT_STORE_BACKEND',
    cause,
    ...(details === undefined ? {} : { details }),
  });
}

function describe(revision: ExpectedRevision | 'no_stream'): string {
  return typeof revision === 'number' ? `revision ${revision}` : revision;
}
