/**
 * Independent recomputations of what a JSON-RPC node claims about its chain, for end-to-end tests: the signed bytes
 * of a tx from its RPC fields, the ordered trie root of a block's txs or receipts, a logs bloom, and EIP-1186 account
 * and storage proofs checked against a state root. Built on ethers and @ethereumjs/{mpt,rlp}, not on node code.
 */
import { createMPT, verifyMerkleProof } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { getBytes, hexlify, keccak256, Signature, Transaction, toBeArray } from 'ethers';

/** The fields of an `eth_getTransactionByHash` / full-block tx this module reads. */
export type RpcTxFields = {
  hash: string;
  type: string;
  chainId?: string;
  nonce: string;
  gasPrice: string;
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
  gas: string;
  to: string | null;
  value: string;
  input: string;
  v: string;
  r: string;
  s: string;
  accessList?: { address: string; storageKeys: string[] }[];
};

/** The fields of an `eth_getTransactionReceipt` this module reads. */
export type RpcReceiptFields = {
  type: string;
  status: string;
  /** Pre-Byzantium style post-tx state root (the zkEVM reference's receipts up to fork 7). */
  root?: string | null;
  cumulativeGasUsed: string;
  logs: { address: string; topics: string[]; data: string }[];
};

/**
 * The signed tx bytes (the trie value and the preimage of its hash) rebuilt from its RPC fields. Pure.
 * @throws when the rebuilt tx does not hash to `tx.hash` (the RPC fields do not describe the tx).
 */
export function signedTxBytes(tx: RpcTxFields): Uint8Array {
  const type = Number(tx.type);
  const rebuilt = Transaction.from({
    type,
    ...(tx.chainId !== undefined ? { chainId: BigInt(tx.chainId) } : {}),
    nonce: Number(tx.nonce),
    gasLimit: BigInt(tx.gas),
    to: tx.to,
    value: BigInt(tx.value),
    data: tx.input,
    ...(type === 2
      ? { maxFeePerGas: BigInt(tx.maxFeePerGas!), maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas!) }
      : { gasPrice: BigInt(tx.gasPrice) }),
    ...(type >= 1 ? { accessList: tx.accessList ?? [] } : {}),
    signature: Signature.from({ r: tx.r, s: tx.s, v: BigInt(tx.v) }),
  });
  if (rebuilt.hash !== tx.hash)
    throw new Error(`tx ${tx.hash}: its RPC fields rebuild to ${rebuilt.hash} (${rebuilt.serialized})`);
  return getBytes(rebuilt.serialized);
}

/**
 * The consensus encoding of a receipt (EIP-2718: type byte first for typed txs). Its first field is the post-tx
 * state root when the receipt has a `root` (as geth encodes a receipt with PostState), else the status. Pure.
 */
export function receiptBytes(receipt: RpcReceiptFields): Uint8Array {
  const hasRoot = receipt.root !== undefined && receipt.root !== null && receipt.root !== '0x';
  const body = RLP.encode([
    hasRoot ? getBytes(receipt.root!) : BigInt(receipt.status) === 1n ? Uint8Array.of(1) : Uint8Array.of(),
    toBeArray(BigInt(receipt.cumulativeGasUsed)),
    getBytes(logsBloom(receipt.logs)),
    receipt.logs.map((l) => [getBytes(l.address), l.topics.map((t) => getBytes(t)), getBytes(l.data)]),
  ]);
  const type = Number(receipt.type);
  return type === 0 ? body : Uint8Array.from([type, ...body]);
}

/** The root of the trie with keys rlp(0), rlp(1), … → `items` (a block's txs or receipts root). */
export async function orderedTrieRoot(items: Uint8Array[]): Promise<string> {
  const trie = await createMPT();
  for (const [i, item] of items.entries()) await trie.put(RLP.encode(i), item);
  return hexlify(trie.root());
}

/** The 2048-bit bloom of logs' addresses and topics (yellow paper M3:2048). Pure. */
export function logsBloom(logs: readonly { address: string; topics: readonly string[] }[]): string {
  const bloom = new Uint8Array(256);
  for (const log of logs) {
    for (const item of [log.address, ...log.topics]) {
      const h = getBytes(keccak256(item));
      for (let i = 0; i < 6; i += 2) {
        const bit = ((h[i]! << 8) | h[i + 1]!) & 2047;
        bloom[255 - (bit >> 3)]! |= 1 << (bit & 7);
      }
    }
  }
  return hexlify(bloom);
}

/** keccak256(rlp('')): the root of the empty trie. */
export const EMPTY_TRIE_ROOT = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421';

export type ProvenAccount = { nonce: bigint; balance: bigint; storageHash: string; codeHash: string };

/**
 * Verifies an account proof of `address` against `stateRoot`; the account it proves, or null for a proven absence.
 * @throws when the proof does not verify against the root.
 */
export async function verifyAccountProof(
  stateRoot: string,
  address: string,
  proof: readonly string[],
): Promise<ProvenAccount | null> {
  const value = await verifyMerkleProof(
    getBytes(address),
    proof.map((p) => getBytes(p)),
    { root: getBytes(stateRoot), useKeyHashing: true },
  );
  if (value === null) return null;
  const [nonce, balance, storageHash, codeHash] = RLP.decode(value) as Uint8Array[];
  return {
    nonce: BigInt(hexlify(nonce!) === '0x' ? 0 : hexlify(nonce!)),
    balance: BigInt(hexlify(balance!) === '0x' ? 0 : hexlify(balance!)),
    storageHash: hexlify(storageHash!),
    codeHash: hexlify(codeHash!),
  };
}

/**
 * Verifies a storage proof of `slot` against an account's `storageHash`; the slot's value (0 for a proven absence).
 * @throws when the proof does not verify against the root.
 */
export async function verifyStorageProof(
  storageHash: string,
  slot: bigint,
  proof: readonly string[],
): Promise<bigint> {
  // The empty trie proves every key absent with no nodes (geth answers so); @ethereumjs rejects an empty proof.
  if (storageHash === EMPTY_TRIE_ROOT && proof.length === 0) return 0n;
  const value = await verifyMerkleProof(
    getBytes(`0x${slot.toString(16).padStart(64, '0')}`),
    proof.map((p) => getBytes(p)),
    { root: getBytes(storageHash), useKeyHashing: true },
  );
  if (value === null) return 0n;
  const bytes = RLP.decode(value) as Uint8Array;
  return bytes.length === 0 ? 0n : BigInt(hexlify(bytes));
}
