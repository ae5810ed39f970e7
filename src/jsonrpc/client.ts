/**
 * One JSON-RPC 2.0 call over HTTP POST with `fetch` — the node's only JSON-RPC client (L1 reads, the
 * eth-tx-manager, the dev L1, the relay to and the follower of the trusted sequencer). No client library, so no
 * response cache can hide a reorg (ethers caches blocks and the head on reverted devnets). Callers turn the two
 * failure kinds into their own errors: {@link JsonRpcTransportError} (nothing usable came back) and
 * {@link JsonRpcResponseError} (the server answered with a JSON-RPC error).
 */
import { NodeError } from '../errors/index.ts';

export type JsonRpcErrorObject = { code: number; message: string; data?: unknown };

/** No JSON-RPC answer: a refused connection, a timeout, a body that is not JSON-RPC. Temporary. */
export class JsonRpcTransportError extends NodeError<'JsonRpcTransportError'> {
  override name = 'JsonRpcTransportError' as const;
  constructor(
    readonly method: string,
    readonly url: string,
    cause: unknown,
  ) {
    super(`${method} to ${url} failed`, { code: 'JSON_RPC_TRANSPORT', severity: 'temporary', cause });
  }
}

/** The server answered `method` with a JSON-RPC error object. */
export class JsonRpcResponseError extends NodeError<'JsonRpcResponseError'> {
  override name = 'JsonRpcResponseError' as const;
  constructor(
    readonly method: string,
    readonly error: JsonRpcErrorObject,
  ) {
    super(`${method}: ${error.message}`, { code: 'JSON_RPC_ERROR', severity: 'temporary' });
  }
}

export type JsonRpcCallOptions = {
  /** Aborts the call (its reason is thrown as is). */
  signal?: AbortSignal;
  /** Bound on the whole call, ms. @default none */
  timeoutMs?: number;
  /** The request id. @default 1 */
  id?: number;
};

/**
 * Calls `method` at `url` and returns the `result` (which may be `null`).
 * @throws {JsonRpcTransportError} when no JSON-RPC answer came back (the abort reason when `signal` aborted).
 * @throws {JsonRpcResponseError} when the answer is a JSON-RPC error.
 */
export async function jsonRpcCall<T>(
  url: string,
  method: string,
  params: readonly unknown[],
  opts: JsonRpcCallOptions = {},
): Promise<T> {
  const signals = [
    ...(opts.signal ? [opts.signal] : []),
    ...(opts.timeoutMs === undefined ? [] : [AbortSignal.timeout(opts.timeoutMs)]),
  ];
  let body: { result?: T; error?: Partial<JsonRpcErrorObject> };
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: opts.id ?? 1, method, params }),
      ...(signals.length === 0
        ? {}
        : { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) }),
    });
    body = (await res.json()) as typeof body;
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw new JsonRpcTransportError(method, url, err);
  }
  if (body === null || typeof body !== 'object')
    throw new JsonRpcTransportError(method, url, new Error('the answer is not a JSON-RPC object'));
  if (body.error) {
    const e = body.error;
    throw new JsonRpcResponseError(method, {
      code: typeof e.code === 'number' ? e.code : -32603,
      message: typeof e.message === 'string' ? e.message : 'error',
      ...(e.data === undefined ? {} : { data: e.data }),
    });
  }
  if (!('result' in body))
    throw new JsonRpcTransportError(method, url, new Error('the answer has neither result nor error'));
  return body.result as T;
}

export type JsonRpcClient = {
  readonly url: string;
  /** {@link jsonRpcCall} at the client's URL with its timeout and the next request id. */
  call<T>(method: string, params: readonly unknown[], signal?: AbortSignal): Promise<T>;
};

/**
 * A client of one JSON-RPC endpoint: every call bounded by `timeoutMs` (default none), ids counting up. `mapError`
 * turns a failed call's error (a {@link JsonRpcTransportError}, a {@link JsonRpcResponseError}, or the abort of
 * `signal`) into the error its caller throws — each client of an endpoint names its failures in its own terms.
 */
export function createJsonRpcClient(
  url: string,
  opts: {
    timeoutMs?: number;
    mapError?: (err: unknown, method: string, signal?: AbortSignal) => unknown;
  } = {},
): JsonRpcClient {
  let id = 0;
  const { mapError } = opts;
  return {
    url,
    async call<T>(method: string, params: readonly unknown[], signal?: AbortSignal): Promise<T> {
      const call = jsonRpcCall<T>(url, method, params, {
        ...(signal ? { signal } : {}),
        ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
        id: ++id,
      });
      if (!mapError) return call;
      try {
        return await call;
      } catch (err) {
        throw mapError(err, method, signal);
      }
    },
  };
}
