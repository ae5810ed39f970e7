/**
 * L2 block headers, transaction and receipt roots (DESIGN §6, zkevm-node-spec §2 "L2 semantics"): one tx per
 * block; the header is an Ethereum LEGACY header (15 fields, no baseFeePerGas) with difficulty 0, nonce 0,
 * mixHash 0, no uncles; hash = keccak256(RLP(header)). Receipts are encoded as the reference (fork ≤ 7) does:
 * the first field is the post-state root (`PostState`), not the status byte. Pure (the tries are in memory).
 */

import { createMPT } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import {
  type Address,
  bytesToHex,
  type Hash,
  type Hex,
  hexToBytes,
  keccak256,
  keccak256Hex,
} from '../primitives/index.ts';

/** keccak256(RLP([])): the uncles hash of a block without uncles. */
export const EMPTY_UNCLES_HASH: Hash = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347';
/** Root of an empty trie. */
export const EMPTY_TRIE_ROOT: Hash = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421';
/** Gas limit of every L2 block (DESIGN §6). */
export const L2_BLOCK_GAS_LIMIT = 30_000_000n;
const ZERO_HASH = `0x${'00'.repeat(32)}` as Hash;
const ZERO_NONCE: Hex = '0x0000000000000000';

export type L2BlockHeader = {
  parentHash: Hash;
  coinbase: Address;
  stateRoot: Hash;
  transactionsRoot: Hash;
  receiptsRoot: Hash;
  logsBloom: Hex;
  number: bigint;
  gasLimit: bigint;
  gasUsed: bigint;
  timestamp: bigint;
  extraData: Hex;
};

export type L2Log = { address: Address; topics: Hash[]; data: Hex };

/** The 15 legacy header fields in consensus order. Pure. */
export function headerFields(h: L2BlockHeader): Uint8Array[] {
  return [
    hexToBytes(h.parentHash),
    hexToBytes(EMPTY_UNCLES_HASH),
    hexToBytes(h.coinbase),
    hexToBytes(h.stateRoot),
    hexToBytes(h.transactionsRoot),
    hexToBytes(h.receiptsRoot),
    hexToBytes(h.logsBloom),
    uint(0n), // difficulty
    uint(h.number),
    uint(h.gasLimit),
    uint(h.gasUsed),
    uint(h.timestamp),
    hexToBytes(h.extraData),
    hexToBytes(ZERO_HASH), // mixHash
    hexToBytes(ZERO_NONCE),
  ];
}

/** keccak256(RLP(header)). Pure. */
export function l2BlockHash(h: L2BlockHeader): Hash {
  return bytesToHex(keccak256(RLP.encode(headerFields(h)))) as Hash;
}

/** Receipt as the reference encodes it for fork ≤ 7: [postStateRoot, cumulativeGasUsed, bloom, logs]. Pure. */
export function encodeReceipt(r: {
  postState: Hash;
  cumulativeGasUsed: bigint;
  logsBloom: Hex;
  logs: readonly L2Log[];
}) {
  return RLP.encode([
    hexToBytes(r.postState),
    uint(r.cumulativeGasUsed),
    hexToBytes(r.logsBloom),
    r.logs.map((l) => [hexToBytes(l.address), l.topics.map((t) => hexToBytes(t)), hexToBytes(l.data)]),
  ]);
}

/** Root of the trie `RLP(index) → item` over a block's items (signed txs or encoded receipts). */
export async function orderedTrieRoot(items: readonly Uint8Array[]): Promise<Hash> {
  if (items.length === 0) return EMPTY_TRIE_ROOT;
  const trie = await createMPT();
  for (const [i, item] of items.entries()) await trie.put(RLP.encode(i), item);
  return bytesToHex(trie.root()) as Hash;
}

/** The path of the only leaf of a one-item ordered trie: key RLP(0) = 0x80, hex-prefix encoded (even leaf: 0x20). */
const FIRST_ITEM_LEAF_PATH = Uint8Array.of(0x20, 0x80);

/**
 * `orderedTrieRoot([item])` without building a trie, synchronously — a block's transactions and receipts roots (one
 * tx per block), computed on every block: a trie holding one item is one leaf node `[path, item]`, and the root is
 * the hash of that node whatever its size (an empty item, as in a trie, is no entry). Pure.
 */
export function oneItemTrieRoot(item: Uint8Array): Hash {
  if (item.length === 0) return EMPTY_TRIE_ROOT; // an empty value is no entry: the trie stays empty
  return keccak256Hex(RLP.encode([FIRST_ITEM_LEAF_PATH, item]));
}

function uint(value: bigint): Uint8Array {
  if (value === 0n) return new Uint8Array();
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return hexToBytes(`0x${hex}`);
}
