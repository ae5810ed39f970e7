/**
 * Errors of the eth-tx-manager, each with the severity the supervisor routes on (STYLE §11): an L1 node that
 * does not answer is `temporary` (the machine backs off and retries), a JSON-RPC error is `temporary` unless it
 * is one of the cases below, a configuration or funding problem is `critical` (the node stops with the message).
 */
import { NodeError } from '../../src/errors/index.ts';

/** A role dependency is missing or out of range. The message names the setting. */
export class EthTxManagerConfigError extends NodeError<'EthTxManagerConfigError'> {
  override name = 'EthTxManagerConfigError' as const;
  constructor(shortMessage: string) {
    super(`eth-tx-manager: ${shortMessage}`, { code: 'ETH_TX_MANAGER_CONFIG', severity: 'critical' });
  }
}

/** The L1 node could not be reached, timed out or answered something that is not JSON-RPC. */
export class L1UnavailableError extends NodeError<'L1UnavailableError'> {
  override name = 'L1UnavailableError' as const;
  readonly method: string;
  constructor(method: string, endpoint: string, cause: unknown) {
    const why =
      cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : '';
    super(`L1 node ${endpoint} did not answer ${method}`, {
      code: 'L1_UNAVAILABLE',
      severity: 'temporary',
      cause,
      ...(why ? { details: why } : {}),
    });
    this.method = method;
  }
}

/** The L1 node answered a JSON-RPC error. `rpcMessage`, `rpcCode` and `rpcData` are the node's. */
export class L1RpcError extends NodeError<'L1RpcError'> {
  override name = 'L1RpcError' as const;
  readonly method: string;
  readonly rpcCode: number;
  readonly rpcMessage: string;
  readonly rpcData: unknown;
  constructor(method: string, error: { code: number; message: string; data?: unknown }) {
    super(`L1 ${method} failed: ${error.message}`, { code: 'L1_RPC_ERROR', severity: 'temporary' });
    this.method = method;
    this.rpcCode = error.code;
    this.rpcMessage = error.message;
    this.rpcData = error.data;
  }
}

/** The L1 account cannot pay for a tx: the operator must fund it. */
export class L1InsufficientFundsError extends NodeError<'L1InsufficientFundsError'> {
  override name = 'L1InsufficientFundsError' as const;
  readonly address: string;
  constructor(address: string, l1TxId: string, cause: unknown) {
    super(
      `L1 account ${address} has insufficient funds for l1 tx ${l1TxId}: fund it, then restart the node`,
      {
        code: 'L1_INSUFFICIENT_FUNDS',
        severity: 'critical',
        cause,
        ...(cause instanceof L1RpcError ? { details: cause.rpcMessage } : {}),
      },
    );
    this.address = address;
  }
}

/** The L1 node is on another chain than the configured one. */
export class L1ChainMismatchError extends NodeError<'L1ChainMismatchError'> {
  override name = 'L1ChainMismatchError' as const;
  constructor(endpoint: string, expected: bigint, actual: bigint) {
    super(`L1 node ${endpoint} is on chain ${actual}, the node is configured for L1 chain ${expected}`, {
      code: 'L1_CHAIN_MISMATCH',
      severity: 'critical',
    });
  }
}

/**
 * Someone else appended to an `l1tx-<id>` stream this manager writes: a second eth-tx-manager is running. The
 * role is single-instance (DESIGN §3); it stops rather than fork a tx's history.
 */
export class EthTxManagerFencedError extends NodeError<'EthTxManagerFencedError'> {
  override name = 'EthTxManagerFencedError' as const;
  constructor(streamId: string, cause: unknown) {
    super(`another eth-tx-manager appended to ${streamId}: run one eth-tx-manager per node`, {
      code: 'ETH_TX_MANAGER_FENCED',
      severity: 'critical',
      cause,
    });
  }
}

/** `queueL1Tx` with an id already queued for a different tx. */
export class L1TxConflictError extends NodeError<'L1TxConflictError'> {
  override name = 'L1TxConflictError' as const;
  readonly l1TxId: string;
  constructor(id: string) {
    super(`l1 tx ${id} was already queued with different content: use a new id for a different tx`, {
      code: 'L1TX_CONFLICT',
      severity: 'critical',
    });
    this.l1TxId = id;
  }
}
