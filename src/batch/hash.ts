/** The hashes a batch is committed by on L1 (DESIGN §6, pre-etrog `PolygonZkEVM`). Pure. */
import { type Address, bytesToHex, type Hash, type Hex, hexToBytes, keccak256 } from '../primitives/index.ts';
import { toBytes } from './codec.ts';
import { BatchInputError } from './errors.ts';

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * `batchHashData = keccak256(batchL2Data)`. Pure.
 *
 * @throws {BatchInputError} when `batchL2Data` is a string that is not 0x-hex of whole bytes.
 */
export function batchHashData(batchL2Data: Uint8Array | Hex): Hash {
  return bytesToHex(keccak256(toBytes(batchL2Data, 'batchL2Data'))) as Hash;
}

/** What {@link accInputHash} hashes: the batch given by its data or by its {@link batchHashData}. */
export type AccInputHashParams = {
  /** The accumulated input hash of the previous batch (zero for the first). */
  oldAccInputHash: Hash;
  /** The L1 global exit root the batch was sequenced with. */
  globalExitRoot: Hash;
  /** The batch timestamp, seconds; a uint64. */
  timestamp: bigint | number;
  /** The address fees go to (the `l2Coinbase` of `sequenceBatches`). */
  coinbase: Address;
} & ({ batchL2Data: Uint8Array | Hex; batchHashData?: never } | { batchHashData: Hash; batchL2Data?: never });

/**
 * The accumulated input hash as the contract computes it on L1:
 * `keccak256(oldAccInputHash ‖ keccak256(batchL2Data) ‖ globalExitRoot ‖ uint64 BE timestamp ‖ coinbase)`, packed
 * (32 + 32 + 32 + 8 + 20 bytes). Pure.
 *
 * @throws {BatchInputError} when a hash is not 32 bytes, the coinbase not 20, or the timestamp not a uint64.
 */
export function accInputHash(params: AccInputHashParams): Hash {
  const dataHash =
    params.batchHashData !== undefined
      ? fixed(params.batchHashData, 32, 'batchHashData')
      : keccak256(toBytes(params.batchL2Data, 'batchL2Data'));
  const timestamp = BigInt(params.timestamp);
  if (timestamp < 0n || timestamp > UINT64_MAX)
    throw new BatchInputError(`timestamp ${timestamp} is not a uint64`);
  const packed = new Uint8Array(32 + 32 + 32 + 8 + 20);
  packed.set(fixed(params.oldAccInputHash, 32, 'oldAccInputHash'), 0);
  packed.set(dataHash, 32);
  packed.set(fixed(params.globalExitRoot, 32, 'globalExitRoot'), 64);
  new DataView(packed.buffer).setBigUint64(96, timestamp);
  packed.set(fixed(params.coinbase, 20, 'coinbase'), 104);
  return bytesToHex(keccak256(packed)) as Hash;
}

function fixed(hex: string, size: number, what: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = hexToBytes(hex);
  } catch (err) {
    throw new BatchInputError(`${what} is not 0x-hex of whole bytes`, err);
  }
  if (bytes.length !== size) throw new BatchInputError(`${what} is ${bytes.length} bytes, want ${size}`);
  return bytes;
}
