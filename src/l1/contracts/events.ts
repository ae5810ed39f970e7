/** Decoders of the L1 contracts' events the node syncs (topics in {@link L1_TOPICS}). Pure. */
import type { LogDescription } from 'ethers';
import { type Address, type Hash, type Hex, toAddress } from '../../primitives/index.ts';
import { L1_TOPICS } from './artifacts.ts';
import { globalExitRootInterface, rollupInterface } from './calldata.ts';
import { L1DecodeError } from './errors.ts';

/** A decoded L1 contract event. */
export type L1ContractEvent =
  | { type: 'SequenceBatches'; numBatch: bigint }
  | {
      type: 'ForceBatch';
      forceBatchNum: bigint;
      lastGlobalExitRoot: Hash;
      /** The caller of `forceBatch`. */
      sequencer: Address;
      /** Empty (`0x`) when the caller was an EOA: the transactions are then in the tx's calldata. */
      transactions: Hex;
    }
  | { type: 'SequenceForceBatches'; numBatch: bigint }
  | { type: 'VerifyBatchesTrustedAggregator'; numBatch: bigint; stateRoot: Hash; aggregator: Address }
  | { type: 'UpdateGlobalExitRoot'; mainnetExitRoot: Hash; rollupExitRoot: Hash };

/** The part of a log the decoder reads (eth_getLogs / receipt shape). */
export type L1LogLike = { topics: readonly string[]; data: string };

const hash = (v: unknown): Hash => (v as string).toLowerCase() as Hash;

/**
 * Decodes a log of the rollup or the GER manager by its topic0; null when topic0 is none of {@link L1_TOPICS}
 * (other events of these contracts, or another contract's). The caller filters by emitter address. Pure.
 * @throws {L1DecodeError} when topic0 is known but topics or data do not decode.
 */
export function decodeL1Log(log: L1LogLike): L1ContractEvent | null {
  const topic0 = log.topics[0]?.toLowerCase();
  const known = Object.values(L1_TOPICS) as string[];
  if (topic0 === undefined || !known.includes(topic0)) return null;
  const iface = topic0 === L1_TOPICS.UpdateGlobalExitRoot ? globalExitRootInterface : rollupInterface;
  let parsed: LogDescription | null;
  try {
    parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
  } catch (err) {
    throw new L1DecodeError(`log with topic0 ${topic0} does not decode`, { cause: err });
  }
  if (!parsed) throw new L1DecodeError(`log with topic0 ${topic0} does not decode`);
  const a = parsed.args;
  switch (parsed.name) {
    case 'SequenceBatches':
      return { type: 'SequenceBatches', numBatch: a[0] as bigint };
    case 'ForceBatch':
      return {
        type: 'ForceBatch',
        forceBatchNum: a[0] as bigint,
        lastGlobalExitRoot: hash(a[1]),
        sequencer: toAddress(a[2] as string),
        transactions: (a[3] as string).toLowerCase() as Hex,
      };
    case 'SequenceForceBatches':
      return { type: 'SequenceForceBatches', numBatch: a[0] as bigint };
    case 'VerifyBatchesTrustedAggregator':
      return {
        type: 'VerifyBatchesTrustedAggregator',
        numBatch: a[0] as bigint,
        stateRoot: hash(a[1]),
        aggregator: toAddress(a[2] as string),
      };
    case 'UpdateGlobalExitRoot':
      return { type: 'UpdateGlobalExitRoot', mainnetExitRoot: hash(a[0]), rollupExitRoot: hash(a[1]) };
    default:
      throw new L1DecodeError(`unexpected event ${parsed.name}`);
  }
}
