/**
 * The metrics and health endpoint (DESIGN §9, 127.0.0.1:9091): `GET /metrics` (Prometheus text), `/healthz` (200
 * `ok` while the process runs) and `/readyz` (200 when every registered readiness check passes, else 503 with a
 * JSON body naming what is not ready). Components report through a {@link Readiness} registry.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.ts';

export type ReadinessCheck = { ready: boolean; detail?: string; since: string };

export type ReadinessStatus = {
  ready: boolean;
  /** Names of the checks that are not ready (all names when the registry is empty: none). */
  notReady: string[];
  checks: Record<string, ReadinessCheck>;
};

/** Where components say whether they are ready. A check registered without a value starts not ready. */
export type Readiness = {
  /** Declares a check that is not ready yet (so `/readyz` waits for it). No-op if it exists. */
  register(name: string, detail?: string): void;
  /** Sets a check, registering it if needed. */
  ready(name: string, isReady: boolean, detail?: string): void;
  /** Forgets a check (a component that stopped on purpose). */
  remove(name: string): void;
  /** Ready when at least one check exists and all pass. */
  status(): ReadinessStatus;
};

/** Creates an empty readiness registry; `names` are registered as not ready. `now` is for the `since` stamps. */
export function createReadiness(
  names: readonly string[] = [],
  now: () => Date = () => new Date(),
): Readiness {
  const checks = new Map<string, ReadinessCheck>();
  const set = (name: string, ready: boolean, detail?: string) => {
    const prev = checks.get(name);
    const since = prev && prev.ready === ready ? prev.since : now().toISOString();
    checks.set(name, { ready, ...(detail === undefined ? {} : { detail }), since });
  };
  const readiness: Readiness = {
    register(name, detail) {
      if (!checks.has(name)) set(name, false, detail ?? 'starting');
    },
    ready: set,
    remove(name) {
      checks.delete(name);
    },
    status() {
      const all = [...checks.entries()].sort(([a], [b]) => a.localeCompare(b));
      const notReady = all.filter(([, c]) => !c.ready).map(([n]) => n);
      return { ready: all.length > 0 && notReady.length === 0, notReady, checks: Object.fromEntries(all) };
    },
  };
  for (const name of names) readiness.register(name);
  return readiness;
}

export type HealthServerOptions = {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Defaults to 9091; 0 = any free port. */
  port?: number;
  metrics: Metrics;
  readiness: Readiness;
};

export type HealthServer = {
  host: string;
  port: number;
  /** `http://host:port` */
  url: string;
  /** Stops listening and drops open connections; resolves when the server has closed. */
  close(): Promise<void>;
};

/**
 * Starts the metrics and health server; resolves once it listens.
 * @throws the listen error (e.g. `EADDRINUSE`).
 */
export async function createHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    handle(req, res, opts).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `error: ${String(err)}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 9091, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    url: `http://${urlHost}:${port}`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: HealthServerOptions): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const known = path === '/metrics' || path === '/healthz' || path === '/readyz';
  if (!known)
    return send(res, 404, 'text/plain; charset=utf-8', 'not found: try /metrics, /healthz, /readyz\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
  }
  if (path === '/healthz') return send(res, 200, 'text/plain; charset=utf-8', 'ok');
  if (path === '/metrics') return send(res, 200, opts.metrics.contentType, await opts.metrics.text());
  const status = opts.readiness.status();
  const body = status.ready
    ? { ready: true, checks: status.checks }
    : {
        ready: false,
        notReady: status.notReady,
        ...(Object.keys(status.checks).length === 0 ? { reason: 'no readiness checks registered yet' } : {}),
        checks: status.checks,
      };
  return send(res, status.ready ? 200 : 503, 'application/json', `${JSON.stringify(body)}\n`);
}
