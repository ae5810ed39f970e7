/**
 * Structured logs with pino: JSON lines for machines, pino-pretty for a person at a terminal (when the
 * destination is a TTY, or `LEV_LOG_PRETTY=1`; `LEV_LOG_PRETTY=0` forces JSON). Logs go to stderr by default so
 * stdout stays free for command output (`ready <name> <url>` lines, `--json` results). Writes are synchronous, so
 * the last lines before a crash are not lost.
 */
import { type DestinationStream, type Level, type LoggerOptions as PinoOptions, pino } from 'pino';
import pinoPretty from 'pino-pretty';
import { ConfigError } from '../config/index.ts';
import { NodeError } from '../errors/index.ts';

export type Logger = pino.Logger;
export type LogLevel = Level | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type CreateLoggerOptions = {
  /** Defaults to `LEV_LOG_LEVEL`, else `info`. */
  level?: string;
  /** Defaults to `LEV_LOG_PRETTY` (`1`/`0`), else whether the destination is a TTY. */
  pretty?: boolean;
  /** Bound as `name` on every line. */
  name?: string;
  /** Defaults to `stderr`. */
  destination?: 'stdout' | 'stderr' | NodeJS.WritableStream;
  /** Where `LEV_LOG_LEVEL` and `LEV_LOG_PRETTY` are read; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
};

function isLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/**
 * Creates a logger.
 * @throws {ConfigError} for an unknown level (from the option or `LEV_LOG_LEVEL`).
 */
export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const env = opts.env ?? process.env;
  const fromEnv = opts.level === undefined && env['LEV_LOG_LEVEL'] !== undefined;
  const level = (opts.level ?? env['LEV_LOG_LEVEL'] ?? 'info').trim().toLowerCase();
  if (!isLevel(level)) {
    const source = fromEnv ? 'LEV_LOG_LEVEL' : 'createLogger';
    throw new ConfigError(
      `config: log level = ${JSON.stringify(opts.level ?? env['LEV_LOG_LEVEL'])} (from ${source}): expected one of ${LOG_LEVELS.join(', ')}`,
      { source },
    );
  }
  const target = opts.destination ?? 'stderr';
  const stream: NodeJS.WritableStream =
    target === 'stdout' ? process.stdout : target === 'stderr' ? process.stderr : target;
  const envPretty = env['LEV_LOG_PRETTY'];
  const pretty =
    opts.pretty ??
    (envPretty === '1' || envPretty === 'true'
      ? true
      : envPretty === '0' || envPretty === 'false'
        ? false
        : (stream as { isTTY?: boolean }).isTTY === true);

  const options: PinoOptions = {
    level,
    ...(opts.name === undefined ? {} : { name: opts.name }),
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['privateKey', '*.privateKey', 'password', '*.password'], censor: '<redacted>' },
    serializers: {
      err: (err: unknown) =>
        err instanceof NodeError
          ? { ...err.toObject(), stack: err.stack }
          : pino.stdSerializers.err(err as Error),
    },
  };

  let destination: DestinationStream;
  if (pretty) {
    destination = pinoPretty({
      destination: target === 'stdout' ? 1 : target === 'stderr' ? 2 : stream,
      sync: true,
      colorize: (stream as { isTTY?: boolean }).isTTY === true && env['NO_COLOR'] === undefined,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
  } else if (target === 'stdout' || target === 'stderr') {
    destination = pino.destination({ fd: target === 'stdout' ? 1 : 2, sync: true });
  } else {
    destination = stream as DestinationStream;
  }
  return pino(options, destination);
}
