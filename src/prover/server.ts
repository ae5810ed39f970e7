/**
 * The prover's HTTP/2 server (DESIGN §7): cleartext HTTP/2 (h2c) with Connect's Node adapter, so one port
 * answers the Connect protocol, gRPC and gRPC-Web. Port 0 takes a free port (reported back).
 */
import { createServer, type Http2Server, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { Logger } from '../observability/index.ts';
import { ProverService } from './gen/levitation/prover/v1/prover_pb.ts';
import type { ReferenceProver } from './service.ts';

export type ProverServerOptions = {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** What it serves (its `impl`); the server does not close it. */
  prover: Pick<ReferenceProver, 'impl'>;
  logger?: Logger;
  /**
   * How long `close()` lets open calls (e.g. a long-polling `GetProof`) finish before it drops their connections.
   * @default 2000
   */
  closeGraceMs?: number;
};

export type ProverServer = {
  /** `http://host:port` (IPv6 hosts in brackets). */
  url: string;
  /** The port listened on (the real one when 0 was asked). */
  port: number;
  /** Stops accepting connections, ends open sessions (dropping them after the grace period) and waits. */
  close(): Promise<void>;
};

/**
 * Serves `prover` at `host:port`.
 * @throws the listen error (e.g. `EADDRINUSE`) when the port cannot be bound.
 */
export async function startProverServer(opts: ProverServerOptions): Promise<ProverServer> {
  const { logger: log } = opts;
  const server: Http2Server = createServer(
    connectNodeAdapter({ routes: (router) => router.service(ProverService, opts.prover.impl) }),
  );
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    // A client that vanishes mid-call must not take the server down.
    session.on('error', (err) => log?.debug({ err }, 'prover http/2 session error'));
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(opts.port, opts.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => log?.error({ err }, 'prover server error'));
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${port}`;
  log?.debug({ url }, 'prover listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const session of sessions) session.close();
        if (sessions.size === 0) return;
        const timer = setTimeout(() => {
          for (const session of sessions) session.destroy();
        }, opts.closeGraceMs ?? 2000);
        server.once('close', () => clearTimeout(timer));
      });
      return closing;
    },
  };
}
