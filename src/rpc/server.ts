/**
 * The JSON-RPC server: HTTP POST (single and batch) and WebSocket on the same port (DESIGN §9: 8123).
 *
 * HTTP
 * - `POST` (any path): JSON-RPC 2.0. Content types `application/json`, `application/json-rpc`,
 *   `application/jsonrequest` (parameters such as `charset` allowed), else 415. A body over `maxBodyBytes` is
 *   413: refused from `Content-Length` before reading, or as soon as a streamed body passes the limit (the
 *   connection is then closed instead of drained). A batch over `batchLimit` is 413 with one JSON-RPC error
 *   `-32005 batch requests limit exceeded` (id null). Malformed JSON is `-32700` (id null), HTTP 200. A
 *   payload of only notifications is answered `204 No Content`.
 * - `GET`/`HEAD` → 200 `Levitation JSON RPC Server`; `OPTIONS` → CORS preflight (204); other verbs → 405.
 * - Rate limit: `rateLimitPerIp` HTTP requests (a batch counts once) per second per client IP — the first
 *   `X-Forwarded-For` entry when present (as the original node does; trust it only behind a proxy that sets
 *   it), else the socket address. Over the limit → 429 with a `-32005` JSON-RPC body (id null). The window is
 *   a fixed one-second window, reset by one timer, so the hot path is one map lookup.
 *
 * WebSocket (`ws`, upgraded from the same server): each text or binary message is a payload answered like an
 * HTTP body (batch rules included), the same per-IP budget counted per message; a rate-limited message gets
 * a `-32005` error for each request id in it. A message over `maxBodyBytes` closes the connection with 1009
 * (the `ws` limit). Messages on one connection run concurrently (at most `wsMaxInFlight` at once); responses
 * carry their ids.
 *
 * WebSocket backpressure: the server holds at most about `wsMaxBufferedBytes` of unsent data per connection.
 * - A connection at `wsMaxInFlight` running messages, or whose unsent data is over `wsMaxBufferedBytes`, is held:
 *   its socket is paused (no more reading; TCP flow control stops the client) and the messages already read wait
 *   until it runs below the limit and its send buffer has drained. Held data is bounded by the limit plus the
 *   answers of the messages still running.
 * - A subscription notification (`RpcConnection.send`) to a connection over the limit closes it with 1008
 *   (policy violation): a notification cannot wait (the poller would have to keep every one, so memory again) and
 *   cannot be dropped (the client would miss blocks unknowingly); a client that does not read what it subscribed
 *   to broke the protocol's contract, and 1013 (try again later) would invite it to reconnect into the same state.
 *
 * WebSocket keepalive: every `wsPingIntervalMs` (geth's 30 s) each connection is pinged; one that has sent nothing —
 * no pong, no message — since the previous ping is terminated, its subscriptions with it: a client gone without a
 * close (a dropped network, a killed laptop) would otherwise hold its subscriptions and the notifications written to
 * it until TCP gives up. A held connection (above) is not judged: it reads nothing while held.
 *
 * `close()`: stops listening and answers new requests on open keep-alive connections with 503, and on open
 * WebSocket connections with a -32000 `server is shutting down` error per request id (as the 503's body); waits
 * for in-flight requests (up to `closeTimeoutMs`, then aborts their `ctx.signal`); closes WebSocket clients with
 * 1001; resolves when every socket is closed.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { errorToObject } from '../errors/index.ts';
import {
  BATCH_LIMIT_MESSAGE,
  createRpcDispatcher,
  errorResponse,
  type OnRequest,
  PARSE_ERROR_RESPONSE,
  type Reply,
  type RpcLogger,
} from './dispatch.ts';
import {
  InvalidRequestRpcError,
  LimitExceededRpcError,
  RpcConfigError,
  type RpcError,
  RpcListenError,
  ServerRpcError,
} from './errors.ts';
import type { RpcConnection, RpcContext, RpcMethod } from './method.ts';

/** Default most bytes of unsent data held for one WebSocket connection (see the module header). */
export const DEFAULT_WS_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/** Default most messages (a batch is one) of one WebSocket connection running at once. */
export const DEFAULT_WS_MAX_IN_FLIGHT = 64;
/** Default interval of the WebSocket keepalive pings (geth's `wsPingInterval`); see the module header. */
export const DEFAULT_WS_PING_INTERVAL_MS = 30_000;
/** The least `wsMaxBufferedBytes`: above a socket's write high-water mark, so a full buffer always emits 'drain'. */
const MIN_WS_BUFFERED_BYTES = 64 * 1024;

export type RpcServerOptions<Deps> = {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 8123; 0 picks a free port. */
  port?: number;
  methods: readonly RpcMethod<Deps>[];
  /** Passed to every handler as `ctx.deps`. */
  deps: Deps;
  /** Most requests in one batch. Default 100. */
  batchLimit?: number;
  /** Largest HTTP body or WebSocket message. Default 5 MiB. */
  maxBodyBytes?: number;
  /** Requests per second per client IP; 0 turns the limit off. Default 500. */
  rateLimitPerIp?: number;
  /** `Access-Control-Allow-Origin` value, or false for no CORS headers. Default `*`. */
  cors?: string | false;
  /**
   * Most bytes of unsent data per WebSocket connection before it is held (requests) or closed with 1008
   * (notifications); see the module header. Default {@link DEFAULT_WS_MAX_BUFFERED_BYTES} (4 MiB), at least 64 KiB.
   */
  wsMaxBufferedBytes?: number;
  /** Most messages of one WebSocket connection running at once. Default {@link DEFAULT_WS_MAX_IN_FLIGHT} (64). */
  wsMaxInFlight?: number;
  /**
   * Interval of the WebSocket keepalive pings; a connection silent for a whole interval after a ping is closed (see
   * the module header). 0 turns them off. Default {@link DEFAULT_WS_PING_INTERVAL_MS} (30 s).
   */
  wsPingIntervalMs?: number;
  /** How long `close()` waits for in-flight requests before aborting them. Default 10 s. */
  closeTimeoutMs?: number;
  logger?: RpcLogger;
  /** Metrics hook, see {@link OnRequest}. */
  onRequest?: OnRequest;
};

export interface RpcServer {
  /** `http://host:port` */
  readonly url: string;
  /** `ws://host:port` */
  readonly wsUrl: string;
  readonly port: number;
  /**
   * Requests running, open WebSocket connections, their unsent bytes (summed) and how many are held (see the
   * module header), for tests and metrics.
   */
  stats(): { inFlight: number; wsConnections: number; wsBufferedBytes: number; wsHeld: number };
  /** Graceful, bounded shutdown (see the module header). Idempotent. */
  close(): Promise<void>;
}

const BANNER = 'Levitation JSON RPC Server';
const JSON_CONTENT_TYPES = new Set(['application/json', 'application/json-rpc', 'application/jsonrequest']);
const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const WS_CLOSE_GRACE_MS = 1000;
const SOCKETS_CLOSE_GRACE_MS = 1000;

function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value === 'application/json') return true;
  const semi = value.indexOf(';');
  return JSON_CONTENT_TYPES.has((semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase());
}

function clientIp(req: IncomingMessage): string {
  const xff = req.headers['x-forwarded-for'];
  if (typeof xff === 'string' && xff.length > 0) {
    const comma = xff.indexOf(',');
    const first = (comma < 0 ? xff : xff.slice(0, comma)).trim();
    if (first.length > 0) return first;
  }
  return req.socket.remoteAddress ?? '';
}

function rawDataToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Resolves true when `p` settles within `ms`, false otherwise. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void p.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

const ignore = (): void => {};

/**
 * The per-request context of the HTTP transport. A class so the hot path allocates one small object and no
 * closures; the `signal` (an AbortController and a `close` listener) is created only if a handler reads it.
 */
class HttpContext<Deps> implements RpcContext<Deps> {
  readonly transport = 'http' as const;
  #signal: AbortSignal | undefined;
  constructor(
    readonly ip: string,
    readonly deps: Deps,
    private readonly res: ServerResponse,
    private readonly live: Set<AbortController>,
    private readonly shutdown: AbortSignal,
  ) {}

  get signal(): AbortSignal {
    if (this.#signal !== undefined) return this.#signal;
    const controller = new AbortController();
    this.#signal = controller.signal;
    if (this.shutdown.aborted) controller.abort(this.shutdown.reason);
    else if (!this.res.writableEnded) {
      const { res, live } = this;
      live.add(controller);
      res.once('close', () => {
        live.delete(controller);
        if (!res.writableFinished) controller.abort(new Error('client disconnected'));
      });
    }
    return this.#signal;
  }
}

/**
 * Starts the JSON-RPC server and resolves once it listens.
 * @throws {RpcListenError} when it cannot listen; {@link RpcConfigError} on a duplicate method or a bad option.
 */
export async function createRpcServer<Deps>(opts: RpcServerOptions<Deps>): Promise<RpcServer> {
  const host = opts.host ?? '127.0.0.1';
  const maxBodyBytes = opts.maxBodyBytes ?? 5 * 1024 * 1024;
  const rateLimit = opts.rateLimitPerIp ?? 500;
  const cors = opts.cors === undefined ? '*' : opts.cors;
  const closeTimeoutMs = opts.closeTimeoutMs ?? 10_000;
  const wsMaxBufferedBytes = opts.wsMaxBufferedBytes ?? DEFAULT_WS_MAX_BUFFERED_BYTES;
  const wsMaxInFlight = opts.wsMaxInFlight ?? DEFAULT_WS_MAX_IN_FLIGHT;
  const wsPingIntervalMs = opts.wsPingIntervalMs ?? DEFAULT_WS_PING_INTERVAL_MS;
  const { deps, logger } = opts;
  const requireInt = (name: string, v: number | undefined, min: number): void => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min))
      throw new RpcConfigError(`JSON-RPC server option ${name} must be an integer ≥ ${min}, got ${v}`);
  };
  requireInt('batchLimit', opts.batchLimit, 1);
  requireInt('maxBodyBytes', opts.maxBodyBytes, 1);
  requireInt('rateLimitPerIp', opts.rateLimitPerIp, 0);
  requireInt('port', opts.port, 0);
  requireInt('wsMaxBufferedBytes', opts.wsMaxBufferedBytes, MIN_WS_BUFFERED_BYTES);
  requireInt('wsMaxInFlight', opts.wsMaxInFlight, 1);
  requireInt('wsPingIntervalMs', opts.wsPingIntervalMs, 0);
  const dispatcher = createRpcDispatcher<Deps>({
    methods: opts.methods,
    batchLimit: opts.batchLimit ?? 100,
    logger,
    onRequest: opts.onRequest,
  });
  const batchLimit = dispatcher.batchLimit;

  const rateLimitMessage = `rate limit exceeded: more than ${rateLimit} requests per second from this address`;
  const rateLimitedError = new LimitExceededRpcError(rateLimitMessage);
  const rateLimitedResponse = errorResponse(null, rateLimitedError);
  const tooLargeResponse = errorResponse(
    null,
    new LimitExceededRpcError(`request body too large: limit is ${maxBodyBytes} bytes`),
  );
  const batchLimitResponse = errorResponse(null, new LimitExceededRpcError(BATCH_LIMIT_MESSAGE));
  const contentTypeResponse = errorResponse(
    null,
    new InvalidRequestRpcError(
      'invalid content type: want application/json, application/json-rpc or application/jsonrequest',
    ),
  );
  const shuttingDownError = new ServerRpcError('server is shutting down');
  const shuttingDownResponse = errorResponse(null, shuttingDownError);

  // --- state -------------------------------------------------------------------------------------------
  let closing = false;
  let inFlight = 0;
  let onDrained: (() => void) | undefined;
  const shutdown = new AbortController();
  const liveHttpSignals = new Set<AbortController>();
  /** Open WebSocket connections; `heard`: it sent something (a pong, a message) since the last keepalive ping. */
  const wsConnections = new Set<{
    ws: WebSocket;
    controller: AbortController;
    held(): boolean;
    heard: boolean;
    ip: string;
  }>();
  let nextConnectionId = 1;

  const pingTimer =
    wsPingIntervalMs > 0
      ? setInterval(() => {
          for (const c of wsConnections) {
            if (c.held() || c.ws.readyState !== c.ws.OPEN) continue;
            if (!c.heard) {
              logger?.debug(
                { ip: c.ip, silentMs: wsPingIntervalMs },
                'WebSocket client did not answer the keepalive ping: closing the connection',
              );
              c.ws.terminate();
              continue;
            }
            c.heard = false;
            c.ws.ping();
          }
        }, wsPingIntervalMs)
      : undefined;
  pingTimer?.unref();

  const hits = new Map<string, number>();
  const rateTimer = rateLimit > 0 ? setInterval(() => hits.clear(), 1000) : undefined;
  rateTimer?.unref();
  function allow(ip: string): boolean {
    const n = (hits.get(ip) ?? 0) + 1;
    hits.set(ip, n);
    return n <= rateLimit;
  }

  function finished(): void {
    inFlight--;
    if (inFlight === 0 && onDrained) {
      onDrained();
      onDrained = undefined;
    }
  }

  // --- HTTP --------------------------------------------------------------------------------------------
  function send(res: ServerResponse, status: number, contentType: string, body: string): void {
    if (closing) res.shouldKeepAlive = false;
    if (cors) {
      res.writeHead(status, [
        'Content-Type',
        contentType,
        'Content-Length',
        String(Buffer.byteLength(body)),
        'Access-Control-Allow-Origin',
        cors,
      ]);
    } else {
      res.writeHead(status, ['Content-Type', contentType, 'Content-Length', String(Buffer.byteLength(body))]);
    }
    res.end(body);
  }

  function sendJson(res: ServerResponse, status: number, body: string): void {
    send(res, status, 'application/json', body);
  }

  function sendNoContent(res: ServerResponse): void {
    if (closing) res.shouldKeepAlive = false;
    res.writeHead(204, cors ? ['Access-Control-Allow-Origin', cors] : []);
    res.end();
  }

  /** Refuses an oversized body without reading the rest of it: the connection closes after the reply. */
  function refuseTooLarge(res: ServerResponse): void {
    res.shouldKeepAlive = false;
    sendJson(res, 413, tooLargeResponse);
  }

  function reply(res: ServerResponse, out: Reply): void {
    finished();
    if (res.destroyed) return;
    if (out === undefined) sendNoContent(res);
    else sendJson(res, 200, out);
  }

  function handleBody(body: Buffer, ip: string, res: ServerResponse): void {
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      sendJson(res, 200, PARSE_ERROR_RESPONSE);
      return;
    }
    if (Array.isArray(payload) && payload.length > batchLimit) {
      sendJson(res, 413, batchLimitResponse);
      return;
    }
    inFlight++;
    const out = dispatcher.dispatch(
      payload,
      new HttpContext(ip, deps, res, liveHttpSignals, shutdown.signal),
    );
    if (typeof out === 'object') void out.then((o) => reply(res, o));
    else reply(res, out);
  }

  function onPost(req: IncomingMessage, res: ServerResponse): void {
    if (closing) {
      sendJson(res, 503, shuttingDownResponse);
      return;
    }
    const headers = req.headers;
    if (!isJsonContentType(headers['content-type'])) {
      sendJson(res, 415, contentTypeResponse);
      return;
    }
    const ip = clientIp(req);
    if (rateLimit > 0 && !allow(ip)) {
      sendJson(res, 429, rateLimitedResponse);
      return;
    }
    const declared = headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBodyBytes) {
      refuseTooLarge(res);
      return;
    }
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        if (!res.headersSent) refuseTooLarge(res);
        return;
      }
      if (first === undefined) first = chunk;
      else if (chunks === undefined) chunks = [first, chunk];
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > maxBodyBytes) return;
      handleBody(chunks ? Buffer.concat(chunks, size) : (first ?? Buffer.alloc(0)), ip, res);
    });
    req.on('error', ignore);
  }

  function onPreflight(req: IncomingMessage, res: ServerResponse): void {
    if (!cors) {
      res.writeHead(204, ['Allow', ALLOWED_METHODS]);
      res.end();
      return;
    }
    const requested = req.headers['access-control-request-headers'];
    res.writeHead(204, [
      'Access-Control-Allow-Origin',
      cors,
      'Access-Control-Allow-Methods',
      ALLOWED_METHODS,
      'Access-Control-Allow-Headers',
      requested && requested.length > 0 ? requested : 'Content-Type',
      'Access-Control-Max-Age',
      '600',
    ]);
    res.end();
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method;
    if (method === 'POST') onPost(req, res);
    else if (method === 'GET' || method === 'HEAD') send(res, 200, 'text/plain; charset=utf-8', BANNER);
    else if (method === 'OPTIONS') onPreflight(req, res);
    else {
      res.setHeader('Allow', ALLOWED_METHODS);
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
    }
  }

  // --- WebSocket ---------------------------------------------------------------------------------------
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxBodyBytes, perMessageDeflate: false });

  /** One error per request id in `payload` (so clients can match them), or one with id null. */
  function errorPerId(payload: unknown, err: RpcError<string>): string {
    const idOf = (r: unknown): string | number | null => {
      const id = typeof r === 'object' && r !== null ? (r as { id?: unknown }).id : undefined;
      return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
    };
    if (Array.isArray(payload) && payload.length > 0 && payload.length <= batchLimit) {
      return `[${payload.map((r) => errorResponse(idOf(r), err)).join(',')}]`;
    }
    return errorResponse(idOf(payload), err);
  }

  function onWsConnection(ws: WebSocket, socket: Duplex, req: IncomingMessage): void {
    const ip = clientIp(req);
    const controller = new AbortController();
    /** Messages of this connection dispatched and not yet answered. */
    let running = 0;
    /** Messages read while the connection was held, in order. */
    const waiting: RawData[] = [];
    /** True while the socket is paused (see the module header). */
    let held = false;
    const entry = { ws, controller, held: () => held, heard: true, ip };
    wsConnections.add(entry);
    ws.on('pong', () => {
      entry.heard = true;
    });
    let closed = false;
    const closeCallbacks: (() => void)[] = [];
    const connection: RpcConnection = {
      id: nextConnectionId++,
      get closed() {
        return closed;
      },
      send(message) {
        if (closed || ws.readyState !== ws.OPEN) return false;
        const text = JSON.stringify(message);
        if (ws.bufferedAmount > wsMaxBufferedBytes) {
          logger?.warn(
            { ip, connection: connection.id, bufferedBytes: ws.bufferedAmount },
            'WebSocket client does not read its notifications: closing the connection (1008)',
          );
          ws.close(1008, 'notifications not read');
          return false;
        }
        ws.send(text);
        return true;
      },
      onClose(cb) {
        if (closed) queueMicrotask(cb);
        else closeCallbacks.push(cb);
      },
    };
    const ctx: RpcContext<Deps> = { ip, transport: 'ws', signal: controller.signal, connection, deps };

    const hold = (): void => {
      if (held) return;
      held = true;
      ws.pause();
    };
    const canRun = (): boolean => running < wsMaxInFlight && ws.bufferedAmount <= wsMaxBufferedBytes;
    const sendText = (text: string): void => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(text);
      if (ws.bufferedAmount > wsMaxBufferedBytes) hold();
    };
    /** Runs the waiting messages while the connection may; lets it read again once none waits. */
    const pump = (): void => {
      while (waiting.length > 0 && canRun()) run(waiting.shift()!);
      if (held && waiting.length === 0 && canRun() && ws.readyState === ws.OPEN) {
        held = false;
        ws.resume();
      }
    };
    const doneLater = (out: Reply): void => {
      running--;
      finished();
      if (out !== undefined) sendText(out);
      pump();
    };

    function run(data: RawData): void {
      let payload: unknown;
      try {
        payload = JSON.parse(rawDataToString(data));
      } catch {
        sendText(PARSE_ERROR_RESPONSE);
        return;
      }
      if (closing) {
        sendText(errorPerId(payload, shuttingDownError));
        return;
      }
      if (rateLimit > 0 && !allow(ip)) {
        sendText(errorPerId(payload, rateLimitedError));
        return;
      }
      running++;
      inFlight++;
      const out = dispatcher.dispatch(payload, ctx);
      if (typeof out === 'object') {
        void out.then(doneLater);
        return;
      }
      running--;
      finished();
      if (out !== undefined) sendText(out);
    }

    ws.on('message', (data) => {
      entry.heard = true;
      if (held || waiting.length > 0) {
        waiting.push(data);
        return;
      }
      run(data);
      if (!canRun()) hold();
    });
    // The socket empties its write buffer: a connection held for unsent data may go on.
    socket.on('drain', pump);
    ws.on('error', (err) => logger?.debug({ err: errorToObject(err), ip }, 'WebSocket error'));
    ws.on('close', () => {
      closed = true;
      waiting.length = 0;
      socket.off('drain', pump);
      wsConnections.delete(entry);
      controller.abort(new Error('connection closed'));
      for (const cb of closeCallbacks.splice(0)) {
        try {
          cb();
        } catch (err) {
          logger?.error({ err: errorToObject(err) }, 'WebSocket onClose callback failed');
        }
      }
    });
  }

  // --- server ------------------------------------------------------------------------------------------
  const server = createServer(onRequest);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (closing) {
      socket.destroy();
      return;
    }
    socket.on('error', ignore);
    wss.handleUpgrade(req, socket, head, (ws) => onWsConnection(ws, socket, req));
  });

  const port = await new Promise<number>((resolve, reject) => {
    const onError = (err: Error): void => reject(new RpcListenError(host, opts.port ?? 8123, err));
    server.once('error', onError);
    server.listen(opts.port ?? 8123, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  }).catch((err: unknown) => {
    if (rateTimer) clearInterval(rateTimer);
    if (pingTimer) clearInterval(pingTimer);
    throw err;
  });
  server.on('error', (err) => logger?.error({ err: errorToObject(err) }, 'JSON-RPC server error'));

  async function shutdownNow(): Promise<void> {
    closing = true;
    if (rateTimer) clearInterval(rateTimer);
    if (pingTimer) clearInterval(pingTimer);
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();

    if (inFlight > 0) {
      const drained = await within(
        new Promise<void>((resolve) => {
          onDrained = resolve;
        }),
        closeTimeoutMs,
      );
      if (!drained) {
        logger?.warn({ inFlight, closeTimeoutMs }, 'JSON-RPC close: aborting requests still in flight');
        const reason = new Error('server closing');
        shutdown.abort(reason);
        for (const c of liveHttpSignals) c.abort(reason);
        for (const { controller } of wsConnections) controller.abort(reason);
      }
    }

    const wsClosed = Promise.all(
      [...wsConnections].map(({ ws }) => new Promise<void>((resolve) => ws.once('close', () => resolve()))),
    );
    for (const { ws } of wsConnections) ws.close(1001, 'server shutting down');
    if (!(await within(wsClosed, WS_CLOSE_GRACE_MS))) {
      for (const { ws } of wsConnections) ws.terminate();
    }
    await new Promise<void>((resolve) => wss.close(() => resolve()));

    server.closeIdleConnections();
    if (!(await within(serverClosed, SOCKETS_CLOSE_GRACE_MS))) server.closeAllConnections();
    await serverClosed;
  }

  let closed: Promise<void> | undefined;
  const h = urlHost(host);
  return {
    url: `http://${h}:${port}`,
    wsUrl: `ws://${h}:${port}`,
    port,
    stats() {
      let wsBufferedBytes = 0;
      let wsHeld = 0;
      for (const c of wsConnections) {
        wsBufferedBytes += c.ws.bufferedAmount;
        if (c.held()) wsHeld++;
      }
      return { inFlight, wsConnections: wsConnections.size, wsBufferedBytes, wsHeld };
    },
    close() {
      closed ??= shutdownNow();
      return closed;
    },
  };
}
