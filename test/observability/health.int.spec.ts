import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHealthServer, createMetrics, createReadiness } from '../../src/observability/index.ts';

const metrics = createMetrics();
const readiness = createReadiness();
const server = await createHealthServer({ host: '127.0.0.1', port: 0, metrics, readiness });

const get = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);

test('listens on the given host and a free port', () => {
  assert.is(server.host, '127.0.0.1');
  assert.ok(server.port > 0);
  assert.is(server.url, `http://127.0.0.1:${server.port}`);
});

test('/healthz answers ok while the process runs', async () => {
  const res = await get('/healthz');
  assert.is(res.status, 200);
  assert.is(await res.text(), 'ok');
});

test('/metrics serves the Prometheus text of the node metrics and the process metrics', async () => {
  metrics.recordAppend('tx-0xabc', 2);
  metrics.recordAppend('l2');
  metrics.recordProjection('blocks', 40n, 42n);
  metrics.recordRpc('eth_chainId', 0, 0.002);
  metrics.recordRpc('eth_sendRawTransaction', -32000, 0.03);
  metrics.actorRestarts.inc({ role: 'sequencer' });
  metrics.actorUp.set({ role: 'sequencer' }, 1);
  const res = await get('/metrics');
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /^lev_events_appended_total\{stream_category="tx"\} 2$/m);
  assert.match(text, /^lev_events_appended_total\{stream_category="l2"\} 1$/m);
  assert.match(text, /^lev_projection_position\{projection="blocks"\} 40$/m);
  assert.match(text, /^lev_projection_lag_events\{projection="blocks"\} 2$/m);
  assert.match(text, /^lev_rpc_requests_total\{method="eth_chainId",code="0"\} 1$/m);
  assert.match(text, /^lev_rpc_requests_total\{method="eth_sendRawTransaction",code="-32000"\} 1$/m);
  assert.match(text, /^lev_rpc_request_duration_seconds_bucket\{le="0\.0025",method="eth_chainId"\} 1$/m);
  assert.match(text, /^lev_rpc_request_duration_seconds_count\{method="eth_sendRawTransaction"\} 1$/m);
  assert.match(text, /^lev_actor_restarts_total\{role="sequencer"\} 1$/m);
  assert.match(text, /^lev_actor_up\{role="sequencer"\} 1$/m);
  assert.match(text, /^process_cpu_user_seconds_total /m);
  assert.match(text, /^nodejs_heap_size_used_bytes /m);
});

test('/readyz is 503 until every registered check passes', async () => {
  const empty = await get('/readyz');
  assert.is(empty.status, 503);
  assert.equal(await empty.json(), {
    ready: false,
    notReady: [],
    reason: 'no readiness checks registered yet',
    checks: {},
  });

  readiness.register('rpc');
  readiness.ready('eventstore', true);
  const waiting = await get('/readyz');
  assert.is(waiting.status, 503);
  const waitingBody = (await waiting.json()) as {
    notReady: string[];
    checks: Record<string, { ready: boolean }>;
  };
  assert.equal(waitingBody.notReady, ['rpc']);
  assert.is(waitingBody.checks['eventstore']?.ready, true);

  readiness.ready('rpc', true, 'http://127.0.0.1:8123');
  const ready = await get('/readyz');
  assert.is(ready.status, 200);
  const readyBody = (await ready.json()) as { ready: boolean; checks: Record<string, { detail?: string }> };
  assert.is(readyBody.ready, true);
  assert.is(readyBody.checks['rpc']?.detail, 'http://127.0.0.1:8123');

  readiness.ready('synchronizer', false, 'L1 unreachable');
  const lost = await get('/readyz');
  assert.is(lost.status, 503);
  const lostBody = (await lost.json()) as { notReady: string[]; checks: Record<string, { detail?: string }> };
  assert.equal(lostBody.notReady, ['synchronizer']);
  assert.is(lostBody.checks['synchronizer']?.detail, 'L1 unreachable');

  readiness.remove('synchronizer');
  assert.is((await get('/readyz')).status, 200);
});

test('unknown paths are 404 and other methods 405', async () => {
  const missing = await get('/nope');
  assert.is(missing.status, 404);
  await missing.text();
  const post = await get('/healthz', { method: 'POST' });
  assert.is(post.status, 405);
  assert.is(post.headers.get('allow'), 'GET, HEAD');
  await post.text();
  const head = await get('/healthz', { method: 'HEAD' });
  assert.is(head.status, 200);
});

test('close() resolves once the server has closed', async () => {
  await server.close();
  await server.close();
  try {
    await get('/healthz');
    assert.unreachable('the server still answers');
  } catch (err) {
    assert.instance(err, TypeError);
  }
});

test('a port in use is an error', async () => {
  const first = await createHealthServer({
    port: 0,
    metrics: createMetrics({ defaultMetrics: false }),
    readiness,
  });
  try {
    await createHealthServer({ port: first.port, metrics, readiness });
    assert.unreachable();
  } catch (err) {
    assert.is((err as NodeJS.ErrnoException).code, 'EADDRINUSE');
  } finally {
    await first.close();
  }
});

test.run();
