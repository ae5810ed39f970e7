/**
 * The trusted sequencer's JSON-RPC as a permissionless node follows it (zkevm-node-spec §7, trusted-state sync):
 * `zkevm_getBatchByNumber(n, false)`, parsed and checked (the next batch is asked for directly: one call per idle
 * round, as polling `zkevm_batchNumber` first would be). What it says is a claim: the
 * follower re-executes every batch and keeps it only when the result is the claimed one. An answer whose fields do
 * not have a batch's shape on L1 is a temporary {@link TrustedNodeError}, as no answer is; a batch that parses but
 * cannot be staged or does not re-execute to its claims is refused by the builder — neither stops the node.
 */
import { NodeError } from '../../src/errors/index.ts';
import { createJsonRpcClient } from '../../src/jsonrpc/index.ts';
import {
  type Address,
  type Hash,
  type Hex,
  isAddress,
  isHex,
  toAddress,
} from '../../src/primitives/index.ts';

/** The most bytes of batchL2Data the rollup contract takes (`TransactionsLengthAboveMax`; MaxBatchBytesSize). */
export const MAX_BATCH_L2_DATA_BYTES = 120_000;
const UINT64_LIMIT = 1n << 64n;

/** A batch as the trusted node announces it. */
export type TrustedNodeBatch = {
  number: bigint;
  /** A batch forced on L1: its forced batch number; null otherwise. */
  forcedBatchNumber: bigint | null;
  coinbase: Address;
  globalExitRoot: Hash;
  timestamp: bigint;
  /** Zero hashes while the batch is open. */
  stateRoot: Hash;
  accInputHash: Hash;
  closed: boolean;
  batchL2Data: Hex;
};

export type TrustedNode = {
  /** The node's URL. */
  readonly url: string;
  /** Batch `n`, or null when it has none. */
  batch(n: bigint, signal?: AbortSignal): Promise<TrustedNodeBatch | null>;
};

/** The trusted node did not answer, or answered something that is not a batch. Temporary: followed again later. */
export class TrustedNodeError extends NodeError<'TrustedNodeError'> {
  override name = 'TrustedNodeError' as const;
  constructor(shortMessage: string, cause?: unknown) {
    super(shortMessage, {
      code: 'TRUSTED_NODE',
      severity: 'temporary',
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

type RawBatch = Record<string, unknown>;

const hash = (v: unknown, field: string): Hash => {
  if (typeof v !== 'string' || !isHex(v) || v.length !== 66)
    throw new Error(`${field} is not a 32-byte hash`);
  return v.toLowerCase() as Hash;
};
const quantity = (v: unknown, field: string): bigint => {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]+$/.test(v)) throw new Error(`${field} is not a quantity`);
  return BigInt(v);
};

/**
 * Parses one `zkevm_getBatchByNumber` result: every field has the shape a batch's field has on L1 (an address, a
 * uint64 timestamp, at most {@link MAX_BATCH_L2_DATA_BYTES} of data), so whatever it claims can be staged and
 * checked. Pure.
 * @throws {Error} naming the field that is wrong.
 */
export function parseTrustedBatch(raw: RawBatch): TrustedNodeBatch {
  const data = raw['batchL2Data'];
  if (typeof data !== 'string' || !isHex(data) || data.length % 2 !== 0)
    throw new Error('batchL2Data is not hex bytes');
  if ((data.length - 2) / 2 > MAX_BATCH_L2_DATA_BYTES)
    throw new Error(`batchL2Data is ${(data.length - 2) / 2} bytes, above ${MAX_BATCH_L2_DATA_BYTES}`);
  if (typeof raw['closed'] !== 'boolean') throw new Error('closed is not a boolean');
  if (!isAddress(raw['coinbase'])) throw new Error('coinbase is not an address');
  const timestamp = quantity(raw['timestamp'], 'timestamp');
  if (timestamp >= UINT64_LIMIT) throw new Error(`timestamp ${timestamp} is not a uint64`);
  return {
    number: quantity(raw['number'], 'number'),
    forcedBatchNumber:
      raw['forcedBatchNumber'] === undefined || raw['forcedBatchNumber'] === null
        ? null
        : quantity(raw['forcedBatchNumber'], 'forcedBatchNumber'),
    coinbase: toAddress(raw['coinbase']),
    globalExitRoot: hash(raw['globalExitRoot'], 'globalExitRoot'),
    timestamp,
    stateRoot: hash(raw['stateRoot'], 'stateRoot'),
    accInputHash: hash(raw['accInputHash'], 'accInputHash'),
    closed: raw['closed'],
    batchL2Data: data.toLowerCase() as Hex,
  };
}

export function createTrustedNode(url: string, opts: { timeoutMs?: number } = {}): TrustedNode {
  const { call } = createJsonRpcClient(url, {
    timeoutMs: opts.timeoutMs ?? 10_000,
    mapError: (err, method, signal) =>
      signal?.aborted
        ? err
        : new TrustedNodeError(`the trusted node at ${url} did not answer ${method}`, err),
  });
  return {
    url,
    async batch(n, signal) {
      const raw = await call<RawBatch | null>(
        'zkevm_getBatchByNumber',
        [`0x${n.toString(16)}`, false],
        signal,
      );
      if (raw === null) return null;
      try {
        const b = parseTrustedBatch(raw);
        if (b.number !== n) throw new Error(`number is ${b.number}, asked for ${n}`);
        return b;
      } catch (err) {
        throw new TrustedNodeError(
          `the trusted node at ${url} gave a bad batch ${n}: ${(err as Error).message}`,
        );
      }
    },
  };
}
