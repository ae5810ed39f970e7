/**
 * Transport-free JSON-RPC 2.0 dispatch: one parsed payload (a request object or a batch array) in, the
 * serialised response out (`undefined` when there is nothing to answer: notifications). The HTTP and
 * WebSocket transports in `server.ts` share it; tests and tools can call it in-process.
 *
 * Hot-path rules: a synchronous handler is answered synchronously (no promise, no microtask); each response
 * is serialised once, by string concatenation around `JSON.stringify(result)`.
 *
 * Batches run their elements **in order, one after another** (as geth does), so a batch like
 * `[sendRawTransaction, getTransactionCount(pending)]` sees its own write; each element is answered
 * independently, errors included, and notifications get no element.
 */
import { errorToObject } from '../errors/index.ts';
import {
  InternalRpcError,
  InvalidRequestRpcError,
  LimitExceededRpcError,
  MethodNotFoundRpcError,
  ParseRpcError,
  RpcConfigError,
  type RpcError,
  RUNTIME_ERROR_MESSAGE,
  toRpcError,
} from './errors.ts';
import type { RpcContext, RpcMethod } from './method.ts';

/** The subset of a pino logger the RPC layer uses. */
export interface RpcLogger {
  error(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  debug(obj: Record<string, unknown>, msg: string): void;
}

/**
 * Metrics hook, called once per well-formed request object (each batch element counts; payloads rejected
 * with -32700/-32600 are not): the method name (`unknown` for names that are not registered, so labels stay
 * bounded), `0` on success or the JSON-RPC error code, and the handler time in seconds.
 */
export type OnRequest = (method: string, code: number, seconds: number) => void;

/** A serialised response, or undefined when nothing is sent back. */
export type Reply = string | undefined;

export type DispatcherOptions<Deps> = {
  methods: readonly RpcMethod<Deps>[];
  /** Most elements in a batch; a larger batch is answered with one -32005 error. Default 100. */
  batchLimit?: number;
  logger?: RpcLogger | undefined;
  onRequest?: OnRequest | undefined;
};

export interface RpcDispatcher<Deps> {
  readonly batchLimit: number;
  /** Names of the registered methods. */
  readonly methodNames: readonly string[];
  /** Answers a parsed payload. Never throws, never rejects. */
  dispatch(payload: unknown, ctx: RpcContext<Deps>): Reply | Promise<Reply>;
  /** Parses `text` (a -32700 on bad JSON) and dispatches it. Never throws, never rejects. */
  dispatchText(text: string, ctx: RpcContext<Deps>): Reply | Promise<Reply>;
}

const PREFIX = '{"jsonrpc":"2.0","id":';

type Id = string | number | null;

function idJson(id: Id): string {
  return typeof id === 'number' ? String(id) : id === null ? 'null' : JSON.stringify(id);
}

/** Serialises an error response. Pure. */
export function errorResponse(id: Id, err: RpcError<string>): string {
  let body: string;
  try {
    body = JSON.stringify(err.toJsonRpc());
  } catch {
    body = JSON.stringify({ code: err.rpcCode, message: err.shortMessage });
  }
  return `${PREFIX}${idJson(id)},"error":${body}}`;
}

/** The response to a body that is not JSON. */
export const PARSE_ERROR_RESPONSE = errorResponse(null, new ParseRpcError());
/** The message of a batch over the limit (answered with -32005; over HTTP with status 413). */
export const BATCH_LIMIT_MESSAGE = 'batch requests limit exceeded';

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Creates a dispatcher over a fixed set of methods. @throws {RpcConfigError} on a duplicate method name. */
export function createRpcDispatcher<Deps>(opts: DispatcherOptions<Deps>): RpcDispatcher<Deps> {
  const batchLimit = opts.batchLimit ?? 100;
  const { logger, onRequest } = opts;
  const methods = new Map<string, RpcMethod<Deps>>();
  for (const m of opts.methods) {
    if (methods.has(m.name)) throw new RpcConfigError(`JSON-RPC method ${m.name} is registered twice`);
    methods.set(m.name, m);
  }
  const batchLimitResponse = errorResponse(null, new LimitExceededRpcError(BATCH_LIMIT_MESSAGE));
  const emptyBatchResponse = errorResponse(null, new InvalidRequestRpcError('empty batch'));

  function failure(id: Id | undefined, name: string, err: unknown, started: number): Reply {
    const rpcErr = toRpcError(err);
    if (rpcErr !== err && logger) {
      logger.error(
        { method: name, err: errorToObject(err) },
        `JSON-RPC handler failed: ${RUNTIME_ERROR_MESSAGE}`,
      );
    }
    if (onRequest) onRequest(name, rpcErr.rpcCode, (performance.now() - started) / 1000);
    return id === undefined ? undefined : errorResponse(id, rpcErr);
  }

  function success(id: Id | undefined, name: string, result: unknown, started: number): Reply {
    let json: string | undefined;
    try {
      json = JSON.stringify(result);
    } catch (err) {
      return failure(
        id,
        name,
        new InternalRpcError('internal error: result is not serialisable', { cause: err }),
        started,
      );
    }
    if (onRequest) onRequest(name, 0, (performance.now() - started) / 1000);
    if (id === undefined) return undefined;
    return `${PREFIX}${idJson(id)},"result":${json ?? 'null'}}`;
  }

  function one(req: unknown, ctx: RpcContext<Deps>): Reply | Promise<Reply> {
    if (typeof req !== 'object' || req === null || Array.isArray(req)) {
      return errorResponse(
        null,
        new InvalidRequestRpcError('invalid request: want a JSON-RPC request object'),
      );
    }
    const r = req as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    const rawId = r.id;
    // A non-finite number (JSON `1e400` parses to Infinity) has no JSON form to echo: invalid like an object id.
    if (
      rawId !== undefined &&
      rawId !== null &&
      typeof rawId !== 'string' &&
      !(typeof rawId === 'number' && Number.isFinite(rawId))
    ) {
      return errorResponse(
        null,
        new InvalidRequestRpcError('invalid request: id must be a string, number or null'),
      );
    }
    const id = rawId as Id | undefined;
    if (r.jsonrpc !== '2.0') {
      return errorResponse(id ?? null, new InvalidRequestRpcError('invalid request: jsonrpc must be "2.0"'));
    }
    const name = r.method;
    if (typeof name !== 'string') {
      return errorResponse(
        id ?? null,
        new InvalidRequestRpcError('invalid request: method must be a string'),
      );
    }
    const started = onRequest ? performance.now() : 0;
    const method = methods.get(name);
    if (method === undefined) return failure(id, 'unknown', new MethodNotFoundRpcError(name), started);

    let out: unknown;
    try {
      out = method.invoke(r.params, ctx);
    } catch (err) {
      return failure(id, name, err, started);
    }
    if (isThenable(out)) {
      return Promise.resolve(out).then(
        (result) => success(id, name, result, started),
        (err: unknown) => failure(id, name, err, started),
      );
    }
    return success(id, name, out, started);
  }

  async function restOfBatch(
    reqs: readonly unknown[],
    from: number,
    pending: Promise<Reply>,
    parts: string[],
    ctx: RpcContext<Deps>,
  ): Promise<Reply> {
    const first = await pending;
    if (first !== undefined) parts.push(first);
    for (let i = from; i < reqs.length; i++) {
      const reply = await one(reqs[i], ctx);
      if (reply !== undefined) parts.push(reply);
    }
    return parts.length === 0 ? undefined : `[${parts.join(',')}]`;
  }

  function batch(reqs: readonly unknown[], ctx: RpcContext<Deps>): Reply | Promise<Reply> {
    if (reqs.length === 0) return emptyBatchResponse;
    if (reqs.length > batchLimit) return batchLimitResponse;
    const parts: string[] = [];
    for (let i = 0; i < reqs.length; i++) {
      const reply = one(reqs[i], ctx);
      if (typeof reply === 'object') return restOfBatch(reqs, i + 1, reply, parts, ctx);
      if (reply !== undefined) parts.push(reply);
    }
    return parts.length === 0 ? undefined : `[${parts.join(',')}]`;
  }

  function dispatch(payload: unknown, ctx: RpcContext<Deps>): Reply | Promise<Reply> {
    return Array.isArray(payload) ? batch(payload, ctx) : one(payload, ctx);
  }

  return {
    batchLimit,
    methodNames: [...methods.keys()],
    dispatch,
    dispatchText(text, ctx) {
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch {
        return PARSE_ERROR_RESPONSE;
      }
      return dispatch(payload, ctx);
    },
  };
}
