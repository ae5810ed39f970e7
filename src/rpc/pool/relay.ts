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

/** How a relayed call reaches the trusted sequencer: its URL and how long to wait for it. */
type RelayTarget = { url: string; timeoutMs?: number };

/**
 * `method(params)` asked of the trusted sequencer at `url`: its result, or its own JSON-RPC error passed through
 * unchanged; a transport failure or an answer that is not JSON-RPC → -32000 naming the sequencer.
 */
async function relay(target: RelayTarget, method: string, params: unknown[]): Promise<unknown> {
  try {
    return await jsonRpcCall(target.url, method, params, { timeoutMs: target.timeoutMs ?? 30_000 });
  } catch (err) {
    if (err instanceof JsonRpcResponseError) {
      const e = err.error;
      throw new RpcError(e.code, e.message, e.data === undefined ? {} : { data: e.data });
    }
    throw new ServerRpcError(`the trusted sequencer at ${target.url} does not answer`, { cause: err });
  }
}

/** Relays to `url` (see {@link relay}); an answer that is not a tx hash → -32000 naming the sequencer. */
export function createRelayIntake(opts: RelayTarget): PoolIntake {
  return {
    async submit(raw) {
      const result = await relay(opts, 'eth_sendRawTransaction', [bytesToHex(raw)]);
      if (typeof result === 'string' && isHex(result) && result.length === 66) return result as Hash;
      throw new ServerRpcError(`the trusted sequencer at ${opts.url} gave no tx hash`);
    },
  };
}

/**
 * `eth_coinbase` of a node that does not sequence, as the reference answers it: the trusted sequencer's, asked at
 * `url` on each call (see {@link relay}); an answer that is not an address → -32000 naming the sequencer.
 */
export function createRelayedCoinbase(opts: RelayTarget): () => Promise<Address> {
  return async () => {
    const result = await relay(opts, 'eth_coinbase', []);
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
