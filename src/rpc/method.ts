/**
 * The method API: `defineMethod({ name, params, handler })`. `params` is a zod 4 tuple schema for the
 * positional params (trailing items may be `.optional()`); the handler receives the parsed tuple and a
 * {@link RpcContext}. Arity is checked before zod runs, so clients get geth's messages
 * (`too many arguments, want at most 1`, `missing value for required argument 0`), then each failing item is
 * reported as `invalid argument <index>: <reason>`. All of this is -32602.
 */
import type { z } from 'zod';
import { InvalidParamsRpcError } from './errors.ts';

/** A WebSocket connection as a handler sees it (for `eth_subscribe` notifications). */
export interface RpcConnection {
  /** Unique per server, increasing. */
  readonly id: number;
  /** True once the socket has closed; `send` is then a no-op. */
  readonly closed: boolean;
  /**
   * JSON-serialises `message` and sends it as one text frame. Returns false (and sends nothing) once the
   * connection is closed.
   * @throws {TypeError} when `message` cannot be JSON-serialised (e.g. holds a bigint).
   */
  send(message: unknown): boolean;
  /** Runs `cb` once when the connection closes (immediately, on a microtask, if it already has). */
  onClose(cb: () => void): void;
}

/** What a handler gets besides its params. `Deps` is whatever the server was created with. */
export interface RpcContext<Deps> {
  /** The client: the first `X-Forwarded-For` entry when present, else the socket's remote address. */
  readonly ip: string;
  readonly transport: 'http' | 'ws';
  /** Aborted when the client goes away or the server's close deadline passes. */
  readonly signal: AbortSignal;
  /** The WebSocket connection (ws transport only). */
  readonly connection?: RpcConnection;
  readonly deps: Deps;
}

/**
 * A registered method, type-erased for the server: `invoke` validates the raw params and runs the handler.
 * `Deps` is contravariant: a method needing `{ chainId }` fits any server whose deps include `chainId`.
 */
export interface RpcMethod<Deps = unknown> {
  readonly name: string;
  /** Fewest positional params accepted (the rest are optional). */
  readonly minArgs: number;
  /** Most positional params accepted (`Infinity` with a rest schema). */
  readonly maxArgs: number;
  /**
   * Validates `rawParams` (the request's `params` member, possibly undefined) and runs the handler.
   * Returns the result or a promise of it.
   * @throws {InvalidParamsRpcError} when the params do not fit; whatever the handler throws.
   */
  readonly invoke: (rawParams: unknown, ctx: RpcContext<Deps>) => unknown;
}

/** A method with its typed parts kept, for direct calls in tests. */
export interface DefinedMethod<Name extends string, Schema extends z.ZodTuple, Result, Deps>
  extends RpcMethod<Deps> {
  readonly name: Name;
  readonly params: Schema;
  readonly handler: (params: z.output<Schema>, ctx: RpcContext<Deps>) => Result | Promise<Result>;
}

export type MethodDefinition<Name extends string, Schema extends z.ZodTuple, Result, Deps> = {
  /** `<namespace>_<method>`, e.g. `eth_chainId`. */
  name: Name;
  /** A zod tuple of the positional params; schemas must be synchronous (no async refinements). */
  params: Schema;
  /**
   * Returns a JSON-ready value (hex strings, not bigints) or a promise of one. Throw an `RpcError` subclass
   * to answer with that code; anything else becomes -32000 `runtime error` and is logged.
   */
  handler: (params: z.output<Schema>, ctx: RpcContext<Deps>) => Result | Promise<Result>;
};

const NO_ARGS: readonly never[] = Object.freeze([]);

/**
 * Defines a JSON-RPC method. `Deps` is inferred from the handler's `ctx` annotation
 * (`(params, ctx: RpcContext<{ chainId: bigint }>) => …`). Pure (builds a description).
 *
 * `null` at an optional position counts as absent, as geth treats it.
 *
 * @example
 * defineMethod({
 *   name: 'eth_getBalance',
 *   params: z.tuple([address, blockTag.optional()]),
 *   handler: async ([addr, block], ctx: RpcContext<{ state: StateReader }>) => …,
 * });
 */
export function defineMethod<const Name extends string, Schema extends z.ZodTuple, Result, Deps = unknown>(
  def: MethodDefinition<Name, Schema, Result, Deps>,
): DefinedMethod<Name, Schema, Result, Deps> {
  const { name, params, handler } = def;
  const items = params.def.items;
  const maxArgs = params.def.rest ? Number.POSITIVE_INFINITY : items.length;
  const optional = items.map(isOptional);
  let minArgs = items.length;
  while (minArgs > 0 && optional[minArgs - 1]) minArgs--;
  const hasOptional = minArgs < items.length;

  const invoke = (rawParams: unknown, ctx: RpcContext<Deps>): unknown => {
    let args: readonly unknown[];
    if (rawParams === undefined || rawParams === null) args = NO_ARGS;
    else if (Array.isArray(rawParams)) args = rawParams;
    else throw new InvalidParamsRpcError('invalid params: want an array of positional arguments');

    if (args.length > maxArgs) throw new InvalidParamsRpcError(`too many arguments, want at most ${maxArgs}`);
    if (args.length < minArgs)
      throw new InvalidParamsRpcError(`missing value for required argument ${args.length}`);
    if (maxArgs === 0) return handler(NO_ARGS as z.output<Schema>, ctx);

    if (hasOptional) {
      for (let i = minArgs; i < args.length; i++) {
        if (args[i] === null) {
          args = args.map((v, j) => (j >= minArgs && v === null ? undefined : v));
          break;
        }
      }
    }
    const parsed = params.safeParse(args);
    if (!parsed.success) throw invalidParams(parsed.error);
    return handler(parsed.data, ctx);
  };

  return { name, params, handler, minArgs, maxArgs, invoke };
}

/** zod 4 marks schemas that accept a missing value (`.optional()`, `.default()`) with `optin: 'optional'`. */
function isOptional(item: z.core.SomeType): boolean {
  return (item as { _zod: { optin?: string } })._zod.optin === 'optional';
}

function invalidParams(error: z.ZodError): InvalidParamsRpcError {
  const issue = error.issues[0];
  if (!issue) return new InvalidParamsRpcError();
  const [index, ...path] = issue.path;
  if (typeof index !== 'number') return new InvalidParamsRpcError(`invalid params: ${issue.message}`);
  const where = path.length > 0 ? `${path.map(String).join('.')}: ` : '';
  return new InvalidParamsRpcError(`invalid argument ${index}: ${where}${issue.message}`, { cause: error });
}
