/**
 * Observability: structured logs (pino), Prometheus metrics on a per-process registry (prom-client), and the
 * metrics/health HTTP endpoint (`/metrics`, `/healthz`, `/readyz`, 127.0.0.1:9091 by default). Invariants:
 * logs go to stderr (stdout is for command output); metric names and labels are defined only in `metrics.ts`;
 * `/readyz` is 200 only when at least one readiness check is registered and every one passes.
 */
export {
  createHealthServer,
  createReadiness,
  type HealthServer,
  type HealthServerOptions,
  type Readiness,
  type ReadinessCheck,
  type ReadinessStatus,
} from './health.ts';
export { type CreateLoggerOptions, createLogger, LOG_LEVELS, type Logger, type LogLevel } from './logger.ts';
export { createMetrics, type Metrics, streamCategory } from './metrics.ts';
