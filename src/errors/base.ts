/**
 * The one error base of the node (STYLE §12): a short message, optional details, a cause chain that `walk()`
 * follows, a literal `name`, a string `code`, a severity that supervisors route on (STYLE §11), and
 * `toObject()` for structured logs.
 */

/** How the receiver of an error should react: retry with backoff, rewind to a known-good point, or halt. */
export type Severity = 'temporary' | 'reset' | 'critical';

export type NodeErrorOptions = {
  code?: string;
  severity?: Severity;
  details?: string;
  cause?: unknown;
  metaMessages?: string[];
};

export class NodeError<name extends string = 'NodeError'> extends Error {
  override name: name | 'NodeError' = 'NodeError';
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly code: string;
  readonly severity: Severity;
  readonly metaMessages: string[] | undefined;

  constructor(shortMessage: string, opts: NodeErrorOptions = {}) {
    const details = opts.details;
    const message = [
      shortMessage,
      ...(opts.metaMessages ?? []),
      ...(details ? [`Details: ${details}`] : []),
    ].join('\n');
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.shortMessage = shortMessage;
    this.details = details;
    this.code = opts.code ?? 'NODE_ERROR';
    this.severity = opts.severity ?? 'critical';
    this.metaMessages = opts.metaMessages;
  }

  /** Follows the `cause` chain; returns the first error `fn` accepts, or the deepest one without `fn`. */
  walk(fn?: (err: unknown) => boolean): unknown {
    return walk(this, fn);
  }

  toObject(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      severity: this.severity,
      message: this.shortMessage,
      ...(this.details ? { details: this.details } : {}),
      ...(this.cause instanceof Error ? { cause: errorToObject(this.cause) } : {}),
    };
  }
}

function walk(err: unknown, fn?: (err: unknown) => boolean): unknown {
  if (fn?.(err)) return err;
  if (err && typeof err === 'object' && 'cause' in err && err.cause !== undefined) return walk(err.cause, fn);
  return fn ? null : err;
}

/** A plain object for logs from anything thrown. */
export function errorToObject(err: unknown): Record<string, unknown> {
  if (err instanceof NodeError) return err.toObject();
  if (err instanceof Error) {
    return {
      name: err.name,
      message: err.message,
      ...('code' in err && err.code !== undefined ? { code: err.code } : {}),
      ...(err.cause instanceof Error ? { cause: errorToObject(err.cause) } : {}),
    };
  }
  return { message: String(err) };
}

/** The severity of anything thrown: NodeErrors carry theirs; anything else is treated as temporary. */
export function severityOf(err: unknown): Severity {
  return err instanceof NodeError ? err.severity : 'temporary';
}

/**
 * Whether `err` says it is temporary (a `NodeError` of that severity: a peer or L1 not answering) — what a role may
 * retry by itself. Unlike {@link severityOf}, an unknown error does not count.
 */
export function isDeclaredTemporary(err: unknown): boolean {
  return err instanceof NodeError && err.severity === 'temporary';
}

/** The message to show a human for anything thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof NodeError) return err.shortMessage;
  if (err instanceof Error) return err.message;
  return String(err);
}
