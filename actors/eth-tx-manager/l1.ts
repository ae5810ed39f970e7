/**
 * The eth-tx-manager's L1 access: raw JSON-RPC over HTTP (no client-side caching: ethers' getters go stale on a
 * reorged chain, node20-feasibility §7), and the pure readings of what a node answers (send errors, revert data).
 */
import { AbiCoder } from 'ethers';
import { createJsonRpcClient, JsonRpcResponseError, JsonRpcTransportError } from '../../src/jsonrpc/index.ts';
import { isHex } from '../../src/primitives/index.ts';
import { L1RpcError, L1UnavailableError } from './errors.ts';

export type L1Client = {
  /** The endpoint without credentials or path (for messages and logs). */
  readonly endpoint: string;
  /**
   * One JSON-RPC call.
   * @throws {L1UnavailableError} when the node does not answer (temporary).
   * @throws {L1RpcError} when it answers a JSON-RPC error.
   */
  request<T>(method: string, params?: readonly unknown[]): Promise<T>;
};

/** Host and port of a URL: API keys in paths or user info never reach logs. Pure. */
export function endpointOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}

export function createL1Client(url: string, opts: { timeoutMs?: number } = {}): L1Client {
  const endpoint = endpointOf(url);
  const client = createJsonRpcClient(url, {
    timeoutMs: opts.timeoutMs ?? 10_000,
    mapError: (err, method) => {
      if (err instanceof JsonRpcResponseError) return new L1RpcError(method, err.error);
      if (err instanceof JsonRpcTransportError) return new L1UnavailableError(method, endpoint, err.cause);
      return err;
    },
  });
  return { endpoint, request: (method, params = []) => client.call(method, params) };
}

/** How a node answered `eth_sendRawTransaction` with an error. */
export type SendRejection = 'known' | 'nonce_too_low' | 'underpriced' | 'insufficient_funds' | 'other';

/**
 * Reads a send error by the messages geth, erigon, nethermind, besu and Hardhat use (they agree on no codes).
 * Pure.
 */
export function classifySendError(message: string): SendRejection {
  const m = message.toLowerCase();
  if (
    /already known|known transaction|alreadyknown|already imported|already in (the )?(pool|mempool)/.test(m)
  ) {
    return 'known';
  }
  if (/nonce too low|nonce is too low|nonce has already been used|oldnonce|nonce too small/.test(m)) {
    return 'nonce_too_low';
  }
  if (/insufficient funds|enough funds|insufficient balance/.test(m)) return 'insufficient_funds';
  if (/underpriced|fee too low|too low for the next block|less than block base fee|feetoolow/.test(m)) {
    return 'underpriced';
  }
  return 'other';
}

/** Whether a JSON-RPC error from `eth_call`/`eth_estimateGas` is an execution revert (not a node problem). Pure. */
export function isRevert(err: L1RpcError): boolean {
  return (
    err.rpcCode === 3 ||
    /revert|vm exception|invalid opcode/i.test(err.rpcMessage) ||
    revertData(err) !== null
  );
}

/** The revert data of an error (geth puts it in `data`, Hardhat in `data.data`), or null. Pure. */
export function revertData(err: L1RpcError): string | null {
  const d = err.rpcData;
  if (isHex(d) && d.length > 2) return d;
  if (d && typeof d === 'object' && 'data' in d && isHex(d.data) && d.data.length > 2) return d.data;
  return null;
}

/**
 * A readable revert reason: `Error(string)`'s message, `panic 0x..` for `Panic(uint256)`, the selector of a custom
 * error, else the node's message. Pure.
 */
export function revertReason(err: L1RpcError): string {
  const data = revertData(err);
  if (data) {
    try {
      if (data.startsWith('0x08c379a0')) {
        const [msg] = AbiCoder.defaultAbiCoder().decode(['string'], `0x${data.slice(10)}`);
        return String(msg);
      }
      if (data.startsWith('0x4e487b71')) {
        const [code] = AbiCoder.defaultAbiCoder().decode(['uint256'], `0x${data.slice(10)}`);
        return `panic 0x${(code as bigint).toString(16)}`;
      }
    } catch {
      // fall through to the selector
    }
    return `custom error ${data.slice(0, 10)}`;
  }
  return err.rpcMessage;
}
