/**
 * The synchronizer's L1 reads over raw JSON-RPC (src/jsonrpc): block headers by number and hash, logs,
 * transactions. No client library, so no response cache can hide a reorg (ethers caches blocks and the head). Every call honours
 * an abort signal and a timeout; failures are `L1RpcError`s (temporary: the role retries with backoff).
 */
import { createJsonRpcClient } from '../../src/jsonrpc/index.ts';
import { asL1RpcError } from '../../src/l1/index.ts';
import { type Address, type Hash, type Hex, toAddress } from '../../src/primitives/index.ts';
import type { L1BlockHeader } from '../../src/streams/l1sync/index.ts';

/** A log as `eth_getLogs` returns it, numbers parsed. */
export type L1Log = {
  address: Address;
  topics: Hash[];
  data: Hex;
  blockNumber: bigint;
  blockHash: Hash;
  transactionHash: Hash;
  logIndex: number;
  removed: boolean;
};

/** The parts of a transaction the synchronizer decodes. */
export type L1Transaction = {
  hash: Hash;
  from: Address;
  to: Address | null;
  input: Hex;
  blockHash: Hash | null;
};

export type L1Reader = {
  /** The latest block number. */
  blockNumber(signal?: AbortSignal): Promise<bigint>;
  /** The canonical block at `number`, or null when L1 has none (yet). */
  blockByNumber(number: bigint, signal?: AbortSignal): Promise<L1BlockHeader | null>;
  /** The block with `hash`, or null when L1 does not know it. */
  blockByHash(hash: Hash, signal?: AbortSignal): Promise<L1BlockHeader | null>;
  /** Logs of `addresses` in blocks `fromBlock`..`toBlock`, as L1 returns them. */
  logs(
    q: { fromBlock: bigint; toBlock: bigint; addresses: readonly Address[] },
    signal?: AbortSignal,
  ): Promise<L1Log[]>;
  /** The transaction with `hash`, or null. */
  transaction(hash: Hash, signal?: AbortSignal): Promise<L1Transaction | null>;
};

type RawBlock = { number: string; hash: string; parentHash: string; timestamp: string };
type RawLog = {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
};
type RawTx = { hash: string; from: string; to: string | null; input: string; blockHash: string | null };

const lower = <T extends string>(s: string) => s.toLowerCase() as T;
const quantity = (n: bigint) => `0x${n.toString(16)}`;

const toHeader = (b: RawBlock | null): L1BlockHeader | null =>
  b === null
    ? null
    : {
        number: BigInt(b.number),
        hash: lower<Hash>(b.hash),
        parentHash: lower<Hash>(b.parentHash),
        timestamp: BigInt(b.timestamp),
      };

/**
 * A reader of the L1 at `url`. `timeoutMs` bounds each call (default 30 s).
 */
export function createL1Reader(url: string, opts: { timeoutMs?: number } = {}): L1Reader {
  const { call } = createJsonRpcClient(url, { timeoutMs: opts.timeoutMs ?? 30_000, mapError: asL1RpcError });

  return {
    blockNumber: async (signal) => BigInt(await call<string>('eth_blockNumber', [], signal)),
    blockByNumber: async (number, signal) =>
      toHeader(await call<RawBlock | null>('eth_getBlockByNumber', [quantity(number), false], signal)),
    blockByHash: async (hash, signal) =>
      toHeader(await call<RawBlock | null>('eth_getBlockByHash', [hash, false], signal)),
    async logs(q, signal) {
      const raw = await call<RawLog[]>(
        'eth_getLogs',
        [{ fromBlock: quantity(q.fromBlock), toBlock: quantity(q.toBlock), address: q.addresses }],
        signal,
      );
      return raw.map((l) => ({
        address: toAddress(l.address),
        topics: l.topics.map((t) => lower<Hash>(t)),
        data: lower<Hex>(l.data),
        blockNumber: BigInt(l.blockNumber),
        blockHash: lower<Hash>(l.blockHash),
        transactionHash: lower<Hash>(l.transactionHash),
        logIndex: Number(BigInt(l.logIndex)),
        removed: l.removed === true,
      }));
    },
    async transaction(hash, signal) {
      const t = await call<RawTx | null>('eth_getTransactionByHash', [hash], signal);
      return t === null
        ? null
        : {
            hash: lower<Hash>(t.hash),
            from: toAddress(t.from),
            to: t.to === null ? null : toAddress(t.to),
            input: lower<Hex>(t.input),
            blockHash: t.blockHash === null ? null : lower<Hash>(t.blockHash),
          };
    },
  };
}
