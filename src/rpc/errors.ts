/**
 * JSON-RPC errors (EIP-1474 codes, STYLE §13): one subclass per code, each with its `static code` and the
 * instance `rpcCode` the wire carries. `rpcErrorCodes` is the single table. Handlers throw these; anything
 * else a handler throws becomes `-32000 "runtime error"` (see {@link toRpcError}).
 */

import { NodeError } from '../errors/index.ts';
import type { Hex } from '../primitives/index.ts';

/** Every JSON-RPC error code the node answers with (EIP-1474, plus 3 for reverts as geth does). */
export const rpcErrorCodes = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  server: -32000,
  limitExceeded: -32005,
  executionReverted: 3,
} as const;

export type RpcErrorCode = (typeof rpcErrorCodes)[keyof typeof rpcErrorCodes];

const CODE_NAMES = new Map<number, string>(
  Object.entries(rpcErrorCodes).map(([name, code]) => [
    code,
    `RPC_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`,
  ]),
);

/** The NodeError `code` for a JSON-RPC code: `RPC_METHOD_NOT_FOUND`, `RPC_SERVER`, …, or `RPC_<n>`. */
function codeNameOf(rpcCode: number): string {
  return CODE_NAMES.get(rpcCode) ?? `RPC_${rpcCode}`;
}

export type RpcErrorOptions = {
  /** The JSON-RPC `error.data` member; omitted from the response when undefined. */
  data?: unknown;
  cause?: unknown;
  details?: string;
};

/**
 * Base of every error a JSON-RPC client sees. The wire message is `shortMessage` (never the details or the
 * cause, which are for logs). Severity is `temporary`: a failed request never stops the node.
 */
export class RpcError<name extends string = 'RpcError'> extends NodeError<name | 'RpcError'> {
  override name: name | 'RpcError' | 'NodeError' = 'RpcError';
  readonly rpcCode: number;
  readonly data: unknown;

  constructor(rpcCode: number, message: string, opts: RpcErrorOptions = {}) {
    super(message, {
      code: codeNameOf(rpcCode),
      severity: 'temporary',
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
      ...(opts.details === undefined ? {} : { details: opts.details }),
    });
    this.rpcCode = rpcCode;
    this.data = opts.data;
  }

  /** The JSON-RPC `error` member. */
  toJsonRpc(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.rpcCode, message: this.shortMessage }
      : { code: this.rpcCode, message: this.shortMessage, data: this.data };
  }
}

/** -32700: the body is not valid JSON. */
export class ParseRpcError extends RpcError<'ParseRpcError'> {
  static readonly code = rpcErrorCodes.parse;
  override name = 'ParseRpcError' as const;
  constructor(message = 'parse error', opts: RpcErrorOptions = {}) {
    super(ParseRpcError.code, message, opts);
  }
}

/** -32600: valid JSON that is not a JSON-RPC 2.0 request. */
export class InvalidRequestRpcError extends RpcError<'InvalidRequestRpcError'> {
  static readonly code = rpcErrorCodes.invalidRequest;
  override name = 'InvalidRequestRpcError' as const;
  constructor(message = 'invalid request', opts: RpcErrorOptions = {}) {
    super(InvalidRequestRpcError.code, message, opts);
  }
}

/** -32601: no such method (or not exposed). The message names the method, as the original node does. */
export class MethodNotFoundRpcError extends RpcError<'MethodNotFoundRpcError'> {
  static readonly code = rpcErrorCodes.methodNotFound;
  override name = 'MethodNotFoundRpcError' as const;
  readonly method: string;
  constructor(method: string, opts: RpcErrorOptions = {}) {
    super(MethodNotFoundRpcError.code, `the method ${method} does not exist/is not available`, opts);
    this.method = method;
  }
}

/** -32602: the params do not fit the method (`invalid argument 0: …`, `missing value for required argument 1`). */
export class InvalidParamsRpcError extends RpcError<'InvalidParamsRpcError'> {
  static readonly code = rpcErrorCodes.invalidParams;
  override name = 'InvalidParamsRpcError' as const;
  constructor(message = 'invalid params', opts: RpcErrorOptions = {}) {
    super(InvalidParamsRpcError.code, message, opts);
  }
}

/** -32603: the server failed in a way that is its own fault (e.g. a result that cannot be serialised). */
export class InternalRpcError extends RpcError<'InternalRpcError'> {
  static readonly code = rpcErrorCodes.internal;
  override name = 'InternalRpcError' as const;
  constructor(message = 'internal error', opts: RpcErrorOptions = {}) {
    super(InternalRpcError.code, message, opts);
  }
}

/**
 * -32000: the default server error. Pool rejections use it with the pool's error string verbatim as the
 * message (`nonce too low`, `gas price too low`, …: zkevm-node-spec §3).
 */
export class ServerRpcError extends RpcError<'ServerRpcError'> {
  static readonly code = rpcErrorCodes.server;
  override name = 'ServerRpcError' as const;
  constructor(message: string, opts: RpcErrorOptions = {}) {
    super(ServerRpcError.code, message, opts);
  }
}

/** 3: the call reverted. Message `execution reverted[: reason]`, data = the raw revert bytes. */
export class ExecutionRevertedRpcError extends RpcError<'ExecutionRevertedRpcError'> {
  static readonly code = rpcErrorCodes.executionReverted;
  override name = 'ExecutionRevertedRpcError' as const;
  readonly reason: string | undefined;
  constructor(args: { data: Hex; reason?: string | undefined }, opts: Omit<RpcErrorOptions, 'data'> = {}) {
    super(
      ExecutionRevertedRpcError.code,
      // geth: any reason that decodes, the empty one too (`Error("")` → "execution reverted: ").
      args.reason !== undefined ? `execution reverted: ${args.reason}` : 'execution reverted',
      { ...opts, data: args.data },
    );
    this.reason = args.reason;
  }
}

/** -32005: a limit was hit (rate limit, body size, batch size). */
export class LimitExceededRpcError extends RpcError<'LimitExceededRpcError'> {
  static readonly code = rpcErrorCodes.limitExceeded;
  override name = 'LimitExceededRpcError' as const;
  constructor(message = 'limit exceeded', opts: RpcErrorOptions = {}) {
    super(LimitExceededRpcError.code, message, opts);
  }
}

/** The message a client sees for any handler failure that is not an {@link RpcError}. */
export const RUNTIME_ERROR_MESSAGE = 'runtime error';

/**
 * Normalises anything a handler threw: RpcErrors pass through; anything else becomes
 * `ServerRpcError('runtime error')` with the original as its cause (for the log, never for the client).
 * Pure.
 */
export function toRpcError(err: unknown): RpcError<string> {
  if (err instanceof RpcError) return err;
  return new ServerRpcError(RUNTIME_ERROR_MESSAGE, { cause: err });
}

export type RpcErrorType =
  | ParseRpcError
  | InvalidRequestRpcError
  | MethodNotFoundRpcError
  | InvalidParamsRpcError
  | InternalRpcError
  | ServerRpcError
  | ExecutionRevertedRpcError
  | LimitExceededRpcError;

/** The server was configured wrongly (e.g. a method registered twice). Critical: fix the wiring. */
export class RpcConfigError extends NodeError<'RpcConfigError'> {
  override name = 'RpcConfigError' as const;
  constructor(message: string) {
    super(message, { code: 'RPC_CONFIG', severity: 'critical' });
  }
}

/**
 * The server could not listen. A port in use may be freed (a previous process still exiting): temporary, so the
 * supervisor retries with backoff and escalates if it stays taken. A bad host or a forbidden port: critical.
 */
export class RpcListenError extends NodeError<'RpcListenError'> {
  override name = 'RpcListenError' as const;
  constructor(host: string, port: number, cause: unknown) {
    super(
      `JSON-RPC server cannot listen on ${host}:${port}: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        code: 'RPC_LISTEN',
        severity: (cause as { code?: string } | undefined)?.code === 'EADDRINUSE' ? 'temporary' : 'critical',
        cause,
      },
    );
  }
}
