/**
 * The JSON-RPC server over real sockets: HTTP through fetch and node:http, WebSocket through `ws`.
 * Every bad input is followed by a good request to show the server keeps serving.
 */
import { request } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { z } from 'zod';
import type { Address } from '../../src/primitives/index.ts';
import {
  blockTag,
  boolean,
  createRpcServer,
  defineMethod,
  ExecutionRevertedRpcError,
  LimitExceededRpcError,
  quantity,
  RpcConfigError,
  type RpcContext,
  RpcListenError,
  type RpcLogger,
  type RpcServer,
  rpcErrorCodes,
  ServerRpcError,
} from '../../src/rpc/index.ts';
import { simpleMethods } from '../../src/rpc/methods/index.ts';

type Deps = { chainId: bigint; minGasPrice: bigint; coinbase: Address };
const deps: Deps = {
  chainId: 1001n,
  minGasPrice: 1_000_000_000n,
  coinbase: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
};

type Json = Record<string, unknown>;
type RpcResponse = {
  jsonrpc: string;
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
};

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

// --- methods used only by these tests (real handlers, exercising each error path) ----------------------
let gate = deferred();
let slowStarted = deferred();
let lastSignal: AbortSignal | undefined;
const testMethods = [
  defineMethod({
    name: 'test_echo',
    params: z.tuple([quantity, blockTag.optional(), boolean.optional()]),
    handler: ([n, block, flag]) => ({
      n: n.toString(),
      block: block ? { ...block, number: String(block.kind === 'number' ? block.number : '') } : null,
      flag: flag ?? null,
    }),
  }),
  defineMethod({
    name: 'test_ctx',
    params: z.tuple([]),
    handler: (_p, ctx: RpcContext<Deps>) => ({
      ip: ctx.ip,
      transport: ctx.transport,
      aborted: ctx.signal.aborted,
      connection: ctx.connection !== undefined,
      chainId: ctx.deps.chainId.toString(),
    }),
  }),
  defineMethod({
    name: 'test_async',
    params: z.tuple([quantity]),
    handler: async ([n]) => {
      await new Promise((r) => setImmediate(r));
      return `0x${n.toString(16)}`;
    },
  }),
  defineMethod({
    name: 'test_slow',
    params: z.tuple([]),
    handler: async (_p, ctx) => {
      lastSignal = ctx.signal;
      slowStarted.resolve();
      await gate.promise;
      return 'done';
    },
  }),
  defineMethod({
    name: 'test_throw',
    params: z.tuple([]),
    handler: () => {
      throw new Error('database exploded');
    },
  }),
  defineMethod({
    name: 'test_reject',
    params: z.tuple([]),
    handler: async () => {
      await Promise.resolve();
      throw new TypeError('async explosion');
    },
  }),
  defineMethod({
    name: 'test_pool',
    params: z.tuple([]),
    handler: () => {
      throw new ServerRpcError('nonce too low');
    },
  }),
  defineMethod({
    name: 'test_revert',
    params: z.tuple([]),
    handler: async () => {
      throw new ExecutionRevertedRpcError({ reason: 'not owner', data: '0x08c379a0' });
    },
  }),
  defineMethod({
    name: 'test_limit',
    params: z.tuple([]),
    handler: () => {
      throw new LimitExceededRpcError('query returned more than 10000 results');
    },
  }),
  defineMethod({
    name: 'test_bigint',
    params: z.tuple([]),
    handler: () => 1n,
  }),
  defineMethod({
    name: 'test_notify',
    params: z.tuple([z.string()]),
    handler: ([text], ctx) => {
      const conn = ctx.connection;
      if (!conn) throw new ServerRpcError('websocket only');
      setImmediate(() => conn.send({ jsonrpc: '2.0', method: 'test_notification', params: { text } }));
      conn.onClose(() => connectionClosed.resolve(conn.id));
      return conn.id;
    },
  }),
  defineMethod({
    name: 'test_big',
    params: z.tuple([z.number()]),
    handler: ([kib]) => 'x'.repeat(kib * 1024),
  }),
  defineMethod({
    name: 'test_flood',
    params: z.tuple([z.number(), z.number()]),
    handler: ([count, kib], ctx) => {
      const conn = ctx.connection;
      if (!conn) throw new ServerRpcError('websocket only');
      const text = 'x'.repeat(kib * 1024);
      floodSent = 0;
      floodStopped = deferred();
      const next = (): void => {
        if (
          floodSent >= count ||
          !conn.send({ jsonrpc: '2.0', method: 'test_notification', params: { text } })
        ) {
          floodStopped.resolve();
          return;
        }
        floodSent++;
        setImmediate(next);
      };
      setImmediate(next);
      return true;
    },
  }),
];
let connectionClosed = deferred<number>();
/** Notifications `test_flood` got sent before the connection refused one. */
let floodSent = 0;
let floodStopped = deferred();

const logged: { level: string; obj: Json; msg: string }[] = [];
const logger: RpcLogger = {
  error: (obj, msg) => logged.push({ level: 'error', obj, msg }),
  warn: (obj, msg) => logged.push({ level: 'warn', obj, msg }),
  debug: (obj, msg) => logged.push({ level: 'debug', obj, msg }),
};
const metrics: [string, number, number][] = [];

let server: RpcServer;
let limited: RpcServer;

// --- helpers ------------------------------------------------------------------------------------------
async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function call(body: unknown, url = server.url): Promise<RpcResponse> {
  const r = await post(url, body);
  assert.is(r.status, 200, r.text);
  return JSON.parse(r.text) as RpcResponse;
}

const req = (method: string, params?: unknown[], id: unknown = 1): Json =>
  params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };

/** The server still answers a good request. */
async function assertAlive(url = server.url): Promise<void> {
  const r = await call(req('eth_chainId', [], 'alive'), url);
  assert.equal(r, { jsonrpc: '2.0', id: 'alive', result: '0x3e9' });
}

function raw(
  url: string,
  opts: {
    method: string;
    headers?: Record<string, string | number>;
    body?: Buffer | string;
    chunks?: Buffer[];
  },
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const r = request(url, { method: opts.method, headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    r.on('error', reject);
    if (opts.chunks) {
      for (const c of opts.chunks) r.write(c);
      r.end();
    } else r.end(opts.body);
  });
}

/** A WebSocket client that queues every message, so none is lost between awaits. */
type WsClient = { ws: WebSocket; next(): Promise<unknown>; call(payload: unknown): Promise<unknown> };

async function wsOpen(url: string): Promise<WsClient> {
  const ws = new WebSocket(url);
  const queue: unknown[] = [];
  const waiters: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  ws.on('message', (data) => {
    const msg: unknown = JSON.parse(String(data));
    const w = waiters.shift();
    if (w) w.resolve(msg);
    else queue.push(msg);
  });
  ws.on('close', (code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`closed ${code}`));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = (): Promise<unknown> =>
    queue.length > 0
      ? Promise.resolve(queue.shift())
      : ws.readyState !== ws.OPEN
        ? Promise.reject(new Error('closed'))
        : new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  return {
    ws,
    next,
    call(payload) {
      ws.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
      return next();
    },
  };
}

async function wsClose({ ws }: WsClient): Promise<void> {
  if (ws.readyState === ws.CLOSED) return;
  const closed = new Promise((r) => ws.once('close', r));
  ws.close();
  await closed;
}

test.before(async () => {
  server = await createRpcServer({
    port: 0,
    methods: [...simpleMethods, ...testMethods],
    deps,
    logger,
    onRequest: (m, code, s) => metrics.push([m, code, s]),
  });
  limited = await createRpcServer({
    port: 0,
    methods: simpleMethods,
    deps,
    batchLimit: 3,
    maxBodyBytes: 1000,
    rateLimitPerIp: 5,
  });
});

test.after(async () => {
  await server.close();
  await limited.close();
});

// --- HTTP basics --------------------------------------------------------------------------------------
test('GET and HEAD answer the banner; other verbs are 405', async () => {
  const get = await fetch(`${server.url}/`);
  assert.is(get.status, 200);
  assert.is(await get.text(), 'Levitation JSON RPC Server');
  const head = await raw(server.url, { method: 'HEAD' });
  assert.is(head.status, 200);
  assert.is(head.body, '');
  for (const method of ['PUT', 'DELETE', 'PATCH']) {
    const r = await fetch(server.url, { method, body: '{}' });
    assert.is(r.status, 405, method);
    assert.match(r.headers.get('allow') ?? '', /POST/);
    await r.text();
  }
  await assertAlive();
});

test('single request with and without params; any path', async () => {
  assert.equal(await call(req('eth_chainId')), { jsonrpc: '2.0', id: 1, result: '0x3e9' });
  assert.equal(await call(req('eth_chainId', [], 'abc')), { jsonrpc: '2.0', id: 'abc', result: '0x3e9' });
  assert.equal(await call(req('eth_chainId', [], null)), { jsonrpc: '2.0', id: null, result: '0x3e9' });
  assert.equal(await call(req('test_async', ['0x10'], 7), `${server.url}/some/path`), {
    jsonrpc: '2.0',
    id: 7,
    result: '0x10',
  });
});

test('batch: each element answered in order, errors included, notifications omitted', async () => {
  const r = (await call([
    req('eth_chainId', [], 1),
    req('test_async', ['0xff'], 2),
    { jsonrpc: '2.0', method: 'eth_chainId' },
    req('nope_nothing', [], 3),
    req('web3_sha3', ['abc'], 4),
    42,
    req('test_throw', [], 5),
    req('net_version', [], 6),
  ])) as unknown as RpcResponse[];
  assert.is(r.length, 7);
  assert.equal(
    r.map((x) => x.id),
    [1, 2, 3, 4, null, 5, 6],
  );
  assert.is(r[0]?.result, '0x3e9');
  assert.is(r[1]?.result, '0xff');
  assert.is(r[2]?.error?.code, -32601);
  assert.is(r[3]?.error?.code, -32602);
  assert.is(r[4]?.error?.code, -32600);
  assert.is(r[5]?.error?.code, -32000);
  assert.is(r[6]?.result, '1001');
});

test('notifications: a single one and a batch of only notifications get 204 and no body', async () => {
  const one = await post(server.url, { jsonrpc: '2.0', method: 'eth_chainId' });
  assert.is(one.status, 204);
  assert.is(one.text, '');
  const many = await post(server.url, [
    { jsonrpc: '2.0', method: 'eth_chainId' },
    { jsonrpc: '2.0', method: 'does_not_exist' },
    { jsonrpc: '2.0', method: 'test_throw' },
  ]);
  assert.is(many.status, 204);
  assert.is(many.text, '');
  await assertAlive();
});

test('batch limit: 413 with one -32005 error; at the limit is fine; empty batch is -32600', async () => {
  const over = await post(
    server.url,
    Array.from({ length: 101 }, (_, i) => req('eth_chainId', [], i)),
  );
  assert.is(over.status, 413);
  assert.equal(JSON.parse(over.text), {
    jsonrpc: '2.0',
    id: null,
    error: { code: -32005, message: 'batch requests limit exceeded' },
  });
  const at = (await call(
    Array.from({ length: 100 }, (_, i) => req('eth_chainId', [], i)),
  )) as unknown as unknown[];
  assert.is(at.length, 100);
  const small = await post(
    limited.url,
    Array.from({ length: 4 }, (_, i) => req('eth_chainId', [], i)),
  );
  assert.is(small.status, 413);
  const empty = await call([]);
  assert.equal(empty, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'empty batch' } });
  await assertAlive();
});

// --- error classes ------------------------------------------------------------------------------------
test('-32700 on malformed JSON, id null', async () => {
  for (const body of ['{"jsonrpc":"2.0",', 'not json', '', '[{]']) {
    const r = await post(server.url, body);
    assert.is(r.status, 200);
    const parsed = JSON.parse(r.text) as RpcResponse;
    assert.is(parsed.id, null);
    assert.is(parsed.error?.code, rpcErrorCodes.parse);
    await assertAlive();
  }
});

test('-32600 on non-request payloads, with the request id when it has one', async () => {
  const cases: [unknown, unknown][] = [
    [1, null],
    ['"hello"', null],
    [null, null],
    [{ id: 7, method: 'eth_chainId' }, 7],
    [{ jsonrpc: '1.0', id: 'x', method: 'eth_chainId' }, 'x'],
    [{ jsonrpc: '2.0', id: 8, method: 5 }, 8],
    [{ jsonrpc: '2.0', id: 9 }, 9],
    [{ jsonrpc: '2.0', id: { a: 1 }, method: 'eth_chainId' }, null],
  ];
  for (const [body, id] of cases) {
    const r = await call(body);
    assert.is(r.error?.code, -32600, JSON.stringify(body));
    assert.is(r.id, id, JSON.stringify(body));
    await assertAlive();
  }
});

test('-32600 for a numeric id JSON turns into a non-finite number (1e400), id null; the batch stays JSON', async () => {
  const invalidId = {
    jsonrpc: '2.0',
    id: null,
    error: { code: -32600, message: 'invalid request: id must be a string, number or null' },
  };
  const single = await post(server.url, '{"jsonrpc":"2.0","id":1e400,"method":"eth_chainId"}');
  assert.is(single.status, 200);
  assert.equal(JSON.parse(single.text), invalidId);
  const batch = await post(
    server.url,
    '[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},{"jsonrpc":"2.0","id":-1e999,"method":"eth_chainId"},' +
      '{"jsonrpc":"2.0","id":3,"method":"net_version"}]',
  );
  assert.equal(JSON.parse(batch.text), [
    { jsonrpc: '2.0', id: 1, result: '0x3e9' },
    invalidId,
    { jsonrpc: '2.0', id: 3, result: '1001' },
  ]);
  // Rate-limited WebSocket messages echo their ids too: a non-finite one is null there as well.
  const s = await createRpcServer({ port: 0, methods: simpleMethods, deps, rateLimitPerIp: 1 });
  const ws = new WebSocket(s.wsUrl);
  await new Promise((r) => ws.once('open', r));
  const texts: string[] = [];
  ws.on('message', (d) => texts.push(String(d)));
  for (let i = 0; i < 10; i++) ws.send('{"jsonrpc":"2.0","id":1e400,"method":"eth_chainId"}');
  for (let i = 0; i < 100 && texts.length < 10; i++) await new Promise((r) => setTimeout(r, 10));
  ws.close();
  await s.close();
  assert.is(texts.length, 10);
  for (const t of texts) assert.is((JSON.parse(t) as RpcResponse).id, null);
  await assertAlive();
});

test('-32601 names the method', async () => {
  const r = await call(req('eth_sendTransaction', [{}], 3));
  assert.equal(r, {
    jsonrpc: '2.0',
    id: 3,
    error: { code: -32601, message: 'the method eth_sendTransaction does not exist/is not available' },
  });
  const proto = await call(req('__proto__', [], 4));
  assert.is(proto.error?.message, 'the method __proto__ does not exist/is not available');
  await assertAlive();
});

test('-32602 names the argument and the reason', async () => {
  const cases: [unknown[] | undefined | Json, string][] = [
    [undefined, 'missing value for required argument 0'],
    [[], 'missing value for required argument 0'],
    [['0x1', 'latest', true, 4], 'too many arguments, want at most 3'],
    [['12'], 'invalid argument 0: hex string without 0x prefix'],
    [['0x01'], 'invalid argument 0: hex number with leading zero digits'],
    [['0x'], 'invalid argument 0: hex string "0x"'],
    [['0xzz'], 'invalid argument 0: invalid hex string'],
    [[`0x1${'0'.repeat(64)}`], 'invalid argument 0: hex number > 256 bits'],
    [[1], 'invalid argument 0: expected a hex quantity string, got number'],
    [
      ['0x1', 'newest'],
      'invalid argument 1: invalid block tag "newest": want latest, pending, earliest, safe, finalized or a hex number',
    ],
    [['0x1', 'latest', 'yes'], 'invalid argument 2: expected a boolean, got string'],
    [{ a: 1 }, 'invalid params: want an array of positional arguments'],
  ];
  for (const [params, message] of cases) {
    const body =
      params === undefined ? req('test_echo') : { jsonrpc: '2.0', id: 1, method: 'test_echo', params };
    const r = await call(body);
    assert.equal(r.error, { code: -32602, message }, JSON.stringify(params));
  }
  const ok = await call(req('test_echo', ['0x2a', { blockNumber: '0x5' }, null]));
  assert.equal(ok.result, { n: '42', block: { kind: 'number', number: '5' }, flag: null });
  const tag = await call(req('test_echo', ['0x0', 'safe']));
  assert.equal(tag.result, { n: '0', block: { kind: 'tag', tag: 'safe', number: '' }, flag: null });
  await assertAlive();
});

test('handler errors: pool string -32000, runtime error -32000 (logged), revert 3 with data, -32005, -32603', async () => {
  logged.length = 0;
  assert.equal((await call(req('test_pool'))).error, { code: -32000, message: 'nonce too low' });
  assert.equal((await call(req('test_throw'))).error, { code: -32000, message: 'runtime error' });
  assert.equal((await call(req('test_reject'))).error, { code: -32000, message: 'runtime error' });
  assert.equal((await call(req('test_revert'))).error, {
    code: 3,
    message: 'execution reverted: not owner',
    data: '0x08c379a0',
  });
  assert.equal((await call(req('test_limit'))).error, {
    code: -32005,
    message: 'query returned more than 10000 results',
  });
  assert.equal((await call(req('test_bigint'))).error?.code, -32603);
  const errors = logged.filter((l) => l.level === 'error');
  const causes = errors.map((l) => JSON.stringify(l.obj));
  assert.ok(
    causes.some((c) => c.includes('database exploded') && c.includes('test_throw')),
    causes.join('\n'),
  );
  assert.ok(
    causes.some((c) => c.includes('async explosion')),
    causes.join('\n'),
  );
  assert.ok(!causes.some((c) => c.includes('nonce too low')), 'RpcErrors are not logged as failures');
  await assertAlive();
});

test('metrics hook: method (unknown for unregistered names), code, seconds', async () => {
  metrics.length = 0;
  await call(req('eth_chainId'));
  await call(req('no_such_thing'));
  await call(req('test_pool'));
  assert.is(metrics.length, 3);
  assert.equal(
    metrics.map(([m, c]) => [m, c]),
    [
      ['eth_chainId', 0],
      ['unknown', -32601],
      ['test_pool', -32000],
    ],
  );
  assert.ok(metrics.every(([, , s]) => s >= 0 && s < 60));
});

test('context: ip from X-Forwarded-For or the socket, transport, deps', async () => {
  const direct = (await call(req('test_ctx'))).result as Json;
  assert.equal(direct, {
    ip: direct['ip'],
    transport: 'http',
    aborted: false,
    connection: false,
    chainId: '1001',
  });
  assert.match(String(direct['ip']), /127\.0\.0\.1/);
  const viaProxy = await post(server.url, req('test_ctx'), { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' });
  assert.is((JSON.parse(viaProxy.text) as { result: Json }).result['ip'], '203.0.113.7');
});

test('ctx.signal aborts when the HTTP client goes away mid-request', async () => {
  gate = deferred();
  slowStarted = deferred();
  const r = request(server.url, { method: 'POST', headers: { 'content-type': 'application/json' } });
  r.on('error', () => {});
  r.end(JSON.stringify(req('test_slow', [], 'gone')));
  await slowStarted.promise;
  const signal = lastSignal;
  assert.ok(signal);
  assert.is(signal.aborted, false);
  const aborted = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  r.destroy();
  assert.ok(await aborted, 'the signal was not aborted within 10 s of the disconnect');
  gate.resolve();
  await assertAlive();
});

// --- HTTP limits ----------------------------------------------------------------------------------------
test('415 unless the content type is a JSON one (parameters allowed)', async () => {
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
    const r = await post(server.url, req('eth_chainId'), { 'content-type': type });
    assert.is(r.status, 415, type);
    assert.is((JSON.parse(r.text) as RpcResponse).error?.code, -32600);
  }
  const none = await raw(server.url, { method: 'POST', body: JSON.stringify(req('eth_chainId')) });
  assert.is(none.status, 415);
  for (const type of [
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON;charset=UTF-8',
    'application/json-rpc',
    'application/jsonrequest',
  ]) {
    const r = await post(server.url, req('eth_chainId'), { 'content-type': type });
    assert.is(r.status, 200, type);
  }
  await assertAlive();
});

test('413 for a body over the limit, by Content-Length and when streamed', async () => {
  const big = JSON.stringify({ ...req('eth_chainId'), pad: 'x'.repeat(2000) });
  const declared = await raw(limited.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) },
    body: big,
  });
  assert.is(declared.status, 413);
  assert.is((JSON.parse(declared.body) as RpcResponse).error?.code, -32005);
  const streamed = await raw(limited.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    chunks: [Buffer.from(big.slice(0, 600)), Buffer.from(big.slice(600))],
  });
  assert.is(streamed.status, 413);
  const fits = JSON.stringify({ ...req('eth_chainId'), pad: 'x'.repeat(800) });
  const ok = await raw(limited.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    chunks: [Buffer.from(fits.slice(0, 300)), Buffer.from(fits.slice(300))],
  });
  assert.is(ok.status, 200);
  assert.is((JSON.parse(ok.body) as RpcResponse).result, '0x3e9');
  await assertAlive(limited.url);
});

test('429 with a -32005 body past the per-IP rate, counted per address', async () => {
  const burst = await Promise.all(
    Array.from({ length: 30 }, () =>
      post(limited.url, req('eth_chainId'), { 'x-forwarded-for': '198.51.100.1' }),
    ),
  );
  const refused = burst.filter((r) => r.status === 429);
  assert.ok(refused.length >= 10, `only ${refused.length} of 30 refused`);
  const body = JSON.parse(refused[0]?.text ?? '{}') as RpcResponse;
  assert.is(body.error?.code, -32005);
  assert.is(body.id, null);
  assert.ok(burst.filter((r) => r.status === 200).length >= 5);
  const other = await post(limited.url, req('eth_chainId'), { 'x-forwarded-for': '198.51.100.2' });
  assert.is(other.status, 200);
});

test('CORS: preflight and the origin header on answers', async () => {
  const pre = await fetch(server.url, {
    method: 'OPTIONS',
    headers: {
      origin: 'https://dapp.example',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, x-custom',
    },
  });
  assert.is(pre.status, 204);
  assert.is(pre.headers.get('access-control-allow-origin'), '*');
  assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.is(pre.headers.get('access-control-allow-headers'), 'content-type, x-custom');
  const r = await post(server.url, req('eth_chainId'), { origin: 'https://dapp.example' });
  assert.is(r.headers.get('access-control-allow-origin'), '*');
  await assertAlive();
});

// --- WebSocket ----------------------------------------------------------------------------------------
test('WebSocket: single, batch, notifications, errors, and it keeps serving', async () => {
  const ws = await wsOpen(server.wsUrl);
  try {
    assert.equal(await ws.call(req('eth_chainId', [], 1)), { jsonrpc: '2.0', id: 1, result: '0x3e9' });
    const batch = (await ws.call([
      req('net_version', [], 'a'),
      { jsonrpc: '2.0', method: 'eth_chainId' },
      req('nope', [], 'b'),
      req('test_async', ['0x1'], 'c'),
    ])) as RpcResponse[];
    assert.equal(
      batch.map((r) => [r.id, r.result ?? r.error?.code]),
      [
        ['a', '1001'],
        ['b', -32601],
        ['c', '0x1'],
      ],
    );
    assert.equal(await ws.call('{oops'), {
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'parse error' },
    });
    assert.is(((await ws.call([])) as RpcResponse).error?.code, -32600);
    const over = (await ws.call(
      Array.from({ length: 101 }, (_, i) => req('eth_chainId', [], i)),
    )) as RpcResponse;
    assert.equal(over.error, { code: -32005, message: 'batch requests limit exceeded' });
    const ctx = (await ws.call(req('test_ctx', [], 2))) as { result: Json };
    assert.is(ctx.result['transport'], 'ws');
    assert.is(ctx.result['connection'], true);
    // A notification pushed through ctx.connection after the response.
    connectionClosed = deferred<number>();
    const first = (await ws.call(req('test_notify', ['hello'], 3))) as RpcResponse;
    assert.is(first.id, 3);
    const note = (await ws.next()) as Json;
    assert.equal(note, { jsonrpc: '2.0', method: 'test_notification', params: { text: 'hello' } });
    assert.equal(await ws.call(req('eth_chainId', [], 4)), { jsonrpc: '2.0', id: 4, result: '0x3e9' });
    // onClose callbacks run when the client goes away.
    const connId = first.result as number;
    await wsClose(ws);
    assert.is(await connectionClosed.promise, connId);
  } finally {
    await wsClose(ws);
  }
  await assertAlive();
});

test('WebSocket: rate limit per message answers each id with -32005; oversized message closes with 1009', async () => {
  const client = await wsOpen(limited.wsUrl);
  const { ws } = client;
  const expected = 30;
  for (let i = 0; i < expected; i++) ws.send(JSON.stringify(req('eth_chainId', [], i)));
  const replies: RpcResponse[] = [];
  for (let i = 0; i < expected; i++) replies.push((await client.next()) as RpcResponse);
  assert.equal(
    replies.map((r) => r.id).sort((a, b) => Number(a) - Number(b)),
    Array.from({ length: expected }, (_, i) => i),
  );
  const refused = replies.filter((r) => r.error?.code === -32005);
  assert.ok(refused.length >= 10, `only ${refused.length} refused`);
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  ws.send(JSON.stringify({ ...req('eth_chainId'), pad: 'x'.repeat(2000) }));
  assert.is(await closed, 1009);
  const again = await wsOpen(limited.wsUrl);
  const r = (await again.call(req('net_version', [], 'n'))) as RpcResponse;
  assert.ok(r.result === '1001' || r.error?.code === -32005);
  await wsClose(again);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `pred` until true (each 10 ms, up to `ms`). */
async function until(pred: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !pred(); await sleep(10))
    if (Date.now() > end) throw new Error('timed out');
}

test('WebSocket backpressure: a client that stops reading is held with bounded server memory; others are served', async () => {
  const CAP = 256 * 1024;
  const IN_FLIGHT = 4;
  const s = await createRpcServer({
    port: 0,
    methods: [...simpleMethods, ...testMethods],
    deps,
    rateLimitPerIp: 0,
    wsMaxBufferedBytes: CAP,
    wsMaxInFlight: IN_FLIGHT,
  });
  const stalled = await wsOpen(s.wsUrl);
  try {
    stalled.ws.pause(); // the client stops reading its socket
    const N = 600; // 600 answers of 64 KiB: ~38 MiB, far more than the kernel's socket buffers hold
    for (let i = 0; i < N; i++) stalled.ws.send(JSON.stringify(req('test_big', [64], i)));
    await until(() => s.stats().wsHeld === 1);
    let most = 0;
    for (let i = 0; i < 50; i++) {
      most = Math.max(most, s.stats().wsBufferedBytes);
      await sleep(10);
    }
    // The cap, plus the answers of the messages that were running when it was reached, plus one.
    const bound = CAP + (IN_FLIGHT + 1) * 66 * 1024;
    assert.ok(most > 0 && most <= bound, `server held ${most} bytes for the client, bound ${bound}`);
    // Another client on its own socket is served meanwhile.
    const other = await wsOpen(s.wsUrl);
    assert.equal(await other.call(req('eth_chainId', [], 'o')), { jsonrpc: '2.0', id: 'o', result: '0x3e9' });
    await wsClose(other);
    // Once the client reads again every request is answered, none lost.
    stalled.ws.resume();
    const ids = new Set<unknown>();
    for (let i = 0; i < N; i++) {
      const r = (await stalled.next()) as RpcResponse;
      assert.is((r.result as string).length, 64 * 1024);
      ids.add(r.id);
    }
    assert.is(ids.size, N);
    assert.is(s.stats().wsHeld, 0);
  } finally {
    await wsClose(stalled);
    await s.close();
  }
});

test('WebSocket: at most wsMaxInFlight messages of a connection run at once; the rest wait, none is lost', async () => {
  const s = await createRpcServer({
    port: 0,
    methods: [...simpleMethods, ...testMethods],
    deps,
    wsMaxInFlight: 2,
  });
  const client = await wsOpen(s.wsUrl);
  try {
    gate = deferred();
    slowStarted = deferred();
    for (let i = 0; i < 5; i++) client.ws.send(JSON.stringify(req('test_slow', [], i)));
    await slowStarted.promise;
    await sleep(50);
    assert.is(s.stats().inFlight, 2);
    assert.is(s.stats().wsHeld, 1);
    gate.resolve();
    const ids: unknown[] = [];
    for (let i = 0; i < 5; i++) ids.push(((await client.next()) as RpcResponse).id);
    assert.equal(
      ids.sort((a, b) => Number(a) - Number(b)),
      [0, 1, 2, 3, 4],
    );
    assert.is(s.stats().inFlight, 0);
  } finally {
    await wsClose(client);
    await s.close();
  }
});

test('WebSocket: notifications to a client that does not read them close it with 1008 once over the cap', async () => {
  const CAP = 256 * 1024;
  const s = await createRpcServer({
    port: 0,
    methods: [...simpleMethods, ...testMethods],
    deps,
    wsMaxBufferedBytes: CAP,
  });
  const client = await wsOpen(s.wsUrl);
  const closed = new Promise<number>((r) => client.ws.once('close', (code) => r(code)));
  try {
    client.ws.send(JSON.stringify(req('test_flood', [2000, 64], 1)));
    await sleep(50);
    client.ws.pause();
    await floodStopped.promise;
    assert.ok(floodSent < 2000, 'the server stopped sending');
    let most = 0;
    for (let i = 0; i < 10; i++) {
      most = Math.max(most, s.stats().wsBufferedBytes);
      await sleep(10);
    }
    assert.ok(most <= CAP + 66 * 1024, `server held ${most} bytes`);
    client.ws.resume();
    assert.is(await closed, 1008);
  } finally {
    await wsClose(client);
    await s.close();
  }
  await assertAlive();
});

test('WebSocket keepalive: a client that answers no ping is closed; one that does stays, served', async () => {
  const s = await createRpcServer({ port: 0, methods: simpleMethods, deps, wsPingIntervalMs: 100 });
  const alive = await wsOpen(s.wsUrl);
  // A client gone without a close: its socket open, nothing read or answered (no pong).
  const gone = new WebSocket(s.wsUrl, { autoPong: false });
  await new Promise((resolve, reject) => gone.once('open', resolve).once('error', reject));
  const goneClosed = new Promise<number>((r) => gone.once('close', (code) => r(code)));
  try {
    assert.is(s.stats().wsConnections, 2);
    // Pinged at 100 ms, silent until 200 ms: closed then, without a close frame (1006 on the client's side).
    assert.is(await Promise.race([goneClosed, sleep(3000).then(() => 'still open after 3 s')]), 1006);
    await sleep(450); // several more pings
    assert.is(s.stats().wsConnections, 1);
    assert.equal(await alive.call(req('eth_chainId', [], 7)), { jsonrpc: '2.0', id: 7, result: '0x3e9' });
  } finally {
    gone.terminate();
    await wsClose(alive);
    await s.close();
  }
});

test('bad wiring fails loudly: duplicate method, bad option, port in use', async () => {
  const failure = (p: Promise<RpcServer>): Promise<unknown> =>
    p.then(
      async (s) => {
        await s.close();
        return undefined;
      },
      (e: unknown) => e,
    );
  const dup = await failure(
    createRpcServer({ port: 0, methods: [...simpleMethods, ...simpleMethods], deps }),
  );
  assert.instance(dup, RpcConfigError);
  assert.match((dup as Error).message, 'eth_chainId is registered twice');
  const bad = await failure(createRpcServer({ port: 0, methods: simpleMethods, deps, batchLimit: 0 }));
  assert.instance(bad, RpcConfigError);
  assert.match((bad as Error).message, 'batchLimit');
  const inUse = await failure(createRpcServer({ port: server.port, methods: simpleMethods, deps }));
  assert.instance(inUse, RpcListenError);
  assert.match((inUse as Error).message, 'EADDRINUSE');
  await assertAlive();
});

// --- shutdown -----------------------------------------------------------------------------------------
test('close() waits for an in-flight slow handler, then stops serving', async () => {
  const s = await createRpcServer({ port: 0, methods: [...simpleMethods, ...testMethods], deps });
  gate = deferred();
  slowStarted = deferred();
  const { ws } = await wsOpen(s.wsUrl);
  let wsClosedAt: 'before-release' | 'after-release' | undefined;
  let released = false;
  const wsClosed = new Promise<number>((r) =>
    ws.once('close', (code) => {
      wsClosedAt = released ? 'after-release' : 'before-release';
      r(code);
    }),
  );
  const inFlight = post(s.url, req('test_slow', [], 'slow'));
  await slowStarted.promise;
  let closed = false;
  const closing = s.close().then(() => {
    closed = true;
  });
  // New connections are refused while the slow request is still running.
  let refused = false;
  try {
    await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  } catch {
    refused = true;
  }
  assert.ok(refused, 'a new connection after close() must be refused');
  // Give a server that did not wait the time to close its WebSocket clients; ours must not have.
  await new Promise((r) => setTimeout(r, 50));
  assert.is(closed, false);
  assert.is(wsClosedAt, undefined, 'WebSocket clients are closed only after in-flight requests finish');
  released = true;
  gate.resolve();
  const r = await inFlight;
  assert.is(r.status, 200);
  assert.equal(JSON.parse(r.text), { jsonrpc: '2.0', id: 'slow', result: 'done' });
  await closing;
  assert.ok(closed);
  assert.is(await wsClosed, 1001);
  assert.is(wsClosedAt, 'after-release');
  assert.is(lastSignal?.aborted, false);
  await s.close(); // idempotent
});

test('close(): a WebSocket request sent while in-flight ones drain is answered -32000 server is shutting down', async () => {
  const s = await createRpcServer({ port: 0, methods: [...simpleMethods, ...testMethods], deps });
  gate = deferred();
  slowStarted = deferred();
  const client = await wsOpen(s.wsUrl);
  client.ws.send(JSON.stringify(req('test_slow', [], 'slow')));
  await slowStarted.promise;
  const closing = s.close();
  const shuttingDown = { code: -32000, message: 'server is shutting down' };
  assert.equal(await client.call(req('eth_chainId', [], 2)), { jsonrpc: '2.0', id: 2, error: shuttingDown });
  assert.equal(await client.call([req('eth_chainId', [], 3), req('net_version', [], 4)]), [
    { jsonrpc: '2.0', id: 3, error: shuttingDown },
    { jsonrpc: '2.0', id: 4, error: shuttingDown },
  ]);
  gate.resolve();
  assert.equal(await client.next(), { jsonrpc: '2.0', id: 'slow', result: 'done' });
  await closing;
});

test('close() is bounded: a handler that never finishes is aborted through ctx.signal', async () => {
  const s = await createRpcServer({ port: 0, methods: testMethods, deps, closeTimeoutMs: 100 });
  gate = deferred();
  slowStarted = deferred();
  const inFlight = post(s.url, req('test_slow', [], 'stuck')).catch((e: unknown) => e);
  await slowStarted.promise;
  await s.close();
  assert.is(lastSignal?.aborted, true);
  gate.resolve();
  await inFlight;
});

test.run();
