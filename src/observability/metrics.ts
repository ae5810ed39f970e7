/**
 * Prometheus metrics of one node process, on a registry of its own (never prom-client's global one, so several
 * nodes can live in one test process). Names and labels are fixed here; components record through the typed
 * accessors and never create metrics themselves.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export type Metrics = {
  registry: Registry;
  /** `lev_events_appended_total{stream_category}`: events appended, by stream category (`tx`, `l2`, …). */
  eventsAppended: Counter<'stream_category'>;
  /** `lev_projection_position{projection}`: the global position each read model has reached. */
  projectionPosition: Gauge<'projection'>;
  /** `lev_projection_lag_events{projection}`: events between the log's head and each read model. */
  projectionLag: Gauge<'projection'>;
  /** `lev_rpc_requests_total{method,code}`: JSON-RPC calls by method and result code (0 = success). */
  rpcRequests: Counter<'method' | 'code'>;
  /** `lev_rpc_request_duration_seconds{method}`. */
  rpcRequestDuration: Histogram<'method'>;
  /** `lev_actor_restarts_total{role}`: supervisor restarts. */
  actorRestarts: Counter<'role'>;
  /** `lev_actor_up{role}`: 1 while the role's actor runs, else 0. */
  actorUp: Gauge<'role'>;

  /** Counts `count` events appended to `stream`. */
  recordAppend(stream: string, count?: number): void;
  /** Sets a projection's position and its lag behind `head` (both global positions). */
  recordProjection(projection: string, position: bigint, head: bigint): void;
  /** Counts one JSON-RPC call and observes its duration. `code` is 0 for success or the JSON-RPC error code. */
  recordRpc(method: string, code: number, seconds: number): void;
  /** Prometheus text exposition of everything. */
  text(): Promise<string>;
  contentType: string;
};

/**
 * The category of a stream for metric labels: its name without the id part (`tx-0xab…` → `tx`, `l1tx-12` →
 * `l1tx`); fixed streams (`l2`, `sequence-sender`, `l1-sync`, `aggregator`) are their own category. Pure.
 */
export function streamCategory(stream: string): string {
  const hex = stream.indexOf('-0x');
  if (hex > 0) return stream.slice(0, hex);
  const digits = /^(.+?)-\d/.exec(stream);
  return digits ? digits[1]! : stream;
}

/** Creates the metrics of one process on a fresh registry, with the default process metrics (`process_*`, `nodejs_*`). */
export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const eventsAppended = new Counter({
    name: 'lev_events_appended_total',
    help: 'Events appended to the event store, by stream category',
    labelNames: ['stream_category'] as const,
    registers,
  });
  const projectionPosition = new Gauge({
    name: 'lev_projection_position',
    help: 'Global position of the last event each read model applied',
    labelNames: ['projection'] as const,
    registers,
  });
  const projectionLag = new Gauge({
    name: 'lev_projection_lag_events',
    help: 'Events between the head of the log and each read model',
    labelNames: ['projection'] as const,
    registers,
  });
  const rpcRequests = new Counter({
    name: 'lev_rpc_requests_total',
    help: 'JSON-RPC calls by method and result code (0 = success)',
    labelNames: ['method', 'code'] as const,
    registers,
  });
  const rpcRequestDuration = new Histogram({
    name: 'lev_rpc_request_duration_seconds',
    help: 'JSON-RPC call duration by method',
    labelNames: ['method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const actorRestarts = new Counter({
    name: 'lev_actor_restarts_total',
    help: 'Actor restarts by the supervisor, by role',
    labelNames: ['role'] as const,
    registers,
  });
  const actorUp = new Gauge({
    name: 'lev_actor_up',
    help: '1 while the role actor runs, else 0',
    labelNames: ['role'] as const,
    registers,
  });

  return {
    registry,
    eventsAppended,
    projectionPosition,
    projectionLag,
    rpcRequests,
    rpcRequestDuration,
    actorRestarts,
    actorUp,
    recordAppend(stream, count = 1) {
      eventsAppended.inc({ stream_category: streamCategory(stream) }, count);
    },
    recordProjection(projection, position, head) {
      projectionPosition.set({ projection }, Number(position));
      projectionLag.set({ projection }, Number(head > position ? head - position : 0n));
    },
    recordRpc(method, code, seconds) {
      rpcRequests.inc({ method, code: String(code) });
      rpcRequestDuration.observe({ method }, seconds);
    },
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
