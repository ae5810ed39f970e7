/** Errors of the L1 contract helpers (STYLE §12). */
import { NodeError } from '../../errors/index.ts';
import { JsonRpcResponseError, JsonRpcTransportError } from '../../jsonrpc/index.ts';

/** An argument the encoders cannot encode (a hash that is not 32 bytes, a number out of range, ...). */
export class L1ContractInputError extends NodeError<'L1ContractInputError'> {
  override name = 'L1ContractInputError' as const;
  constructor(shortMessage: string, opts: { cause?: unknown } = {}) {
    super(shortMessage, { ...opts, code: 'L1_CONTRACT_INPUT', severity: 'critical' });
  }
}

/** Calldata, a log or revert data that does not decode against the contracts' ABI. */
export class L1DecodeError extends NodeError<'L1DecodeError'> {
  override name = 'L1DecodeError' as const;
  constructor(shortMessage: string, opts: { cause?: unknown } = {}) {
    super(shortMessage, { ...opts, code: 'L1_DECODE', severity: 'critical' });
  }
}

/** A JSON-RPC call to the L1 failed (transport or JSON-RPC error); `rpcCode`/`rpcData` carry the node's answer. */
export class L1RpcError extends NodeError<'L1RpcError'> {
  override name = 'L1RpcError' as const;
  readonly rpcCode: number | undefined;
  readonly rpcData: unknown;
  constructor(shortMessage: string, opts: { cause?: unknown; rpcCode?: number; rpcData?: unknown } = {}) {
    super(shortMessage, {
      ...(opts.cause === undefined ? {} : { cause: opts.cause }),
      code: 'L1_RPC',
      severity: 'temporary',
    });
    this.rpcCode = opts.rpcCode;
    this.rpcData = opts.rpcData;
  }
}

/**
 * `jsonRpcCall`'s failures as {@link L1RpcError}s (the L1's error code and data kept); any other error as it is.
 * Pure.
 */
export function asL1RpcError(err: unknown, method: string): unknown {
  if (err instanceof JsonRpcResponseError)
    return new L1RpcError(`${method}: ${err.error.message}`, {
      rpcCode: err.error.code,
      rpcData: err.error.data,
    });
  if (err instanceof JsonRpcTransportError) return new L1RpcError(err.shortMessage, { cause: err.cause });
  return err;
}

/**
 * Deploying the L1 contracts failed or found a deployment it cannot use: a reverted deploy tx, a deployer whose
 * nonce shows a partial or foreign deployment, or existing contracts with other settings.
 */
export class L1DeploymentError extends NodeError<'L1DeploymentError'> {
  override name = 'L1DeploymentError' as const;
  constructor(shortMessage: string, opts: { cause?: unknown; details?: string } = {}) {
    super(shortMessage, { ...opts, code: 'L1_DEPLOYMENT', severity: 'critical' });
  }
}
