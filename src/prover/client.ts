/**
 * The prover client (the aggregator's side of DESIGN §7): the typed Connect client of `ProverService` over
 * HTTP/2, binary protobuf, with the Connect protocol (default) or gRPC. Errors come as `ConnectError`;
 * {@link proverErrorSeverity} maps them to the node's severities (STYLE §2.1 rule 14).
 */
import { type Client, Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import type { Severity } from '../errors/index.ts';
import { ProverService } from './gen/levitation/prover/v1/prover_pb.ts';

export type ProverClientOptions = {
  /**
   * The wire protocol: Connect (about 1.5× gRPC's round trips here) or gRPC.
   * @default 'connect'
   */
  protocol?: 'connect' | 'grpc';
  /** A deadline for every call without its own `timeoutMs`, in ms. */
  defaultTimeoutMs?: number;
};

/** The typed client, plus `close()` that ends its HTTP/2 connection (so a process can exit). */
export type ProverClient = Client<typeof ProverService> & { close(): void };

/**
 * A client of the prover at `url` (`http://127.0.0.1:50051`). Connects lazily, on the first call.
 * @throws {TypeError} when `url` is not a URL.
 */
export function createProverClient(url: string, opts: ProverClientOptions = {}): ProverClient {
  const baseUrl = new URL(url).toString().replace(/\/+$/, '');
  const sessionManager = new Http2SessionManager(baseUrl);
  const common = {
    baseUrl,
    sessionManager,
    useBinaryFormat: true,
    ...(opts.defaultTimeoutMs === undefined ? {} : { defaultTimeoutMs: opts.defaultTimeoutMs }),
  };
  const transport =
    opts.protocol === 'grpc'
      ? createGrpcTransport(common)
      : createConnectTransport({ ...common, httpVersion: '2' });
  const client = createClient(ProverService, transport);
  return Object.assign(client, { close: () => sessionManager.abort() });
}

/**
 * The severity of a failed prover call: `temporary` when retrying may help (the prover is down, busy or slow, or
 * forgot the request after a restart: ask again), `critical` when the request itself is wrong or the prover is
 * broken. Pure.
 */
export function proverErrorSeverity(err: unknown): Severity {
  const code = ConnectError.from(err).code;
  switch (code) {
    case Code.Unavailable:
    case Code.DeadlineExceeded:
    case Code.ResourceExhausted:
    case Code.NotFound:
    case Code.Aborted:
    case Code.Canceled:
    case Code.Unknown:
      return 'temporary';
    default:
      return 'critical';
  }
}
