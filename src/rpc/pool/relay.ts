/**
 * `eth_sendRawTransaction` on a node without the sequencer role (zkevm-node-spec §1: the reference relays to its
 * `SequencerNodeURI`): the raw tx goes to the trusted sequencer's JSON-RPC as it came, and its answer — the hash,
 * or its error with code, message and data — is this node's answer. No local pool: a tx nobody sequences would
 * wait forever. Without a sequencer URL such a node refuses txs, saying why.
 */
import { JsonRpcResponseError, jsonRpcCall } from '../../jsonrpc/index.ts';
import { type Address, bytesToHex, type Hash, isAddress, isHex } from '../../primitives/index.ts';
import { RpcError, ServerRpcError } from '../errors.ts';
import type { PoolIntake } from './intake.ts';

/**
 * Relays to `url`. Transport failures and non-JSON-RPC answers → -32000 naming the sequencer; the sequencer's own
 * JSON-RPC errors pass through unchanged.
 */
export function createRelayIntake(opts: { url: string; timeoutMs?: number }): PoolIntake {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return {
    async submit(raw) {
      let result: unknown;
      try {
        result = await jsonRpcCall(opts.url, 'eth_sendRawTransaction', [bytesToHex(raw)], { timeoutMs });
      } catch (err) {
        if (err instanceof JsonRpcResponseError) {
          const e = err.error;
          throw new RpcError(e.code, e.message, e.data === undefined ? {} : { data: e.data });
        }
        throw new ServerRpcError(`the trusted sequencer at ${opts.url} does not answer`, { cause: err });
      }
      if (typeof result === 'string' && isHex(result) && result.length === 66) return result as Hash;
      throw new ServerRpcError(`the trusted sequencer at ${opts.url} gave no tx hash`);
    },
  };
}

/**
 * `eth_coinbase` of a node that does not sequence, as the reference answers it: the trusted sequencer's, asked at
 * `url` on each call. Its JSON-RPC error passes through; no answer or not an address → -32000 naming it.
 */
export function createRelayedCoinbase(opts: { url: string; timeoutMs?: number }): () => Promise<Address> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return async () => {
    let result: unknown;
    try {
      result = await jsonRpcCall(opts.url, 'eth_coinbase', [], { timeoutMs });
    } catch (err) {
      if (err instanceof JsonRpcResponseError) {
        const e = err.error;
        throw new RpcError(e.code, e.message, e.data === undefined ? {} : { data: e.data });
      }
      throw new ServerRpcError(`the trusted sequencer at ${opts.url} does not answer`, { cause: err });
    }
    if (typeof result === 'string' && isAddress(result)) return result.toLowerCase() as Address;
    throw new ServerRpcError(`the trusted sequencer at ${opts.url} gave no coinbase address`);
  };
}

/** The intake of a node that neither sequences nor knows a sequencer: every tx refused with the reason. */
export function createRefusingIntake(): PoolIntake {
  return {
    async submit() {
      throw new ServerRpcError(
        'this node does not sequence transactions: set rpc.sequencerUrl to relay them to the trusted sequencer',
      );
    },
  };
}
