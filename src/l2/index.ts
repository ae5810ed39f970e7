/**
 * L2 blocks as the zkEVM (fork 5) builds them: one tx per block, legacy Ethereum headers without base fee,
 * receipts carrying the post-state root. Pure.
 */
export {
  EMPTY_TRIE_ROOT,
  EMPTY_UNCLES_HASH,
  encodeReceipt,
  headerFields,
  L2_BLOCK_GAS_LIMIT,
  type L2BlockHeader,
  type L2Log,
  l2BlockHash,
  oneItemTrieRoot,
  orderedTrieRoot,
} from './header.ts';
