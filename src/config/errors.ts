/**
 * The configuration error: one line that names the key (`section.key`), where its value came from (file path,
 * environment variable or flag) and what is wrong with it. Always critical: a node with a bad configuration
 * must not start (DESIGN §9: one line on stderr, exit status 2).
 */
import { NodeError } from '../errors/index.ts';

export type ConfigErrorOptions = {
  /** The key at fault as `section.key`, when there is one. */
  key?: string;
  /** Where the value came from: a file path, an environment variable name, a flag, or `default`. */
  source?: string;
  cause?: unknown;
};

export class ConfigError extends NodeError<'ConfigError'> {
  override name = 'ConfigError' as const;
  readonly key: string | undefined;
  readonly source: string | undefined;

  /** `message` is one line and starts with `config:` (see {@link describeProblem}). */
  constructor(message: string, opts: ConfigErrorOptions = {}) {
    super(message, {
      code: 'CONFIG',
      severity: 'critical',
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
    });
    this.key = opts.key;
    this.source = opts.source;
  }
}

/** Renders a value for an error line: JSON-ish, bigints as digits, secrets hidden, long values shortened. Pure. */
export function showValue(value: unknown, secret = false): string {
  if (secret) return '<redacted>';
  let text: string;
  if (typeof value === 'bigint') text = value.toString();
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text =
        JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ??
        String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * Builds the ConfigError for a bad value: `config: rpc.port = "abc" (from LEV_RPC_PORT): expected an integer port`.
 * Pure.
 */
export function badValue(
  key: string,
  value: unknown,
  source: string,
  reason: string,
  opts: { secret?: boolean; cause?: unknown } = {},
): ConfigError {
  return new ConfigError(
    `config: ${key} = ${showValue(value, opts.secret)} (from ${source}): ${oneLine(reason)}`,
    {
      key,
      source,
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
    },
  );
}

/** Collapses whitespace so a reason taken from a library error stays on one line. Pure. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ').trim();
}
