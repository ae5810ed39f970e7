/**
 * L2 headers and roots against @ethereumjs's own implementation: a pre-London (Berlin) header has exactly the 15
 * legacy fields, so its hash must equal ours; the tx root must equal `genTransactionsTrieRoot`.
 */
import { createBlockHeader, genTransactionsTrieRoot } from '@ethereumjs/block';
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common';
import { createLegacyTxFromRLP } from '@ethereumjs/tx';
import { Wallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  EMPTY_TRIE_ROOT,
  encodeReceipt,
  type L2BlockHeader,
  l2BlockHash,
  oneItemTrieRoot,
  orderedTrieRoot,
} from '../../src/l2/index.ts';
import { bytesToHex, hexToBytes, keccak256Hex } from '../../src/primitives/index.ts';

const common = createCustomCommon({ chainId: 1001 }, Mainnet, { hardfork: Hardfork.Berlin });
const header: L2BlockHeader = {
  parentHash: keccak256Hex(new Uint8Array([1])),
  coinbase: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
  stateRoot: keccak256Hex(new Uint8Array([2])),
  transactionsRoot: keccak256Hex(new Uint8Array([3])),
  receiptsRoot: keccak256Hex(new Uint8Array([4])),
  logsBloom: `0x${'00'.repeat(255)}01`,
  number: 42n,
  gasLimit: 30_000_000n,
  gasUsed: 21_000n,
  timestamp: 1_700_000_000n,
  extraData: '0x',
};

test('the header hash equals @ethereumjs legacy (Berlin) header hash', () => {
  const ours = l2BlockHash(header);
  const theirs = createBlockHeader(
    {
      parentHash: hexToBytes(header.parentHash),
      coinbase: hexToBytes(header.coinbase),
      stateRoot: hexToBytes(header.stateRoot),
      transactionsTrie: hexToBytes(header.transactionsRoot),
      receiptTrie: hexToBytes(header.receiptsRoot),
      logsBloom: hexToBytes(header.logsBloom),
      difficulty: 0n,
      number: header.number,
      gasLimit: header.gasLimit,
      gasUsed: header.gasUsed,
      timestamp: header.timestamp,
    },
    { common, skipConsensusFormatValidation: true },
  );
  assert.is(ours, bytesToHex(theirs.hash()));
  // block 0 of an empty chain too
  const genesis = { ...header, number: 0n, gasUsed: 0n, parentHash: `0x${'00'.repeat(32)}` as const };
  assert.is.not(l2BlockHash(genesis), ours);
});

test('the transactions root of one tx equals genTransactionsTrieRoot', async () => {
  const w = Wallet.createRandom();
  const raw = await w.signTransaction({
    type: 0,
    chainId: 1001,
    nonce: 0,
    gasPrice: 1n,
    gasLimit: 21000n,
    to: w.address,
  });
  const ours = await orderedTrieRoot([hexToBytes(raw)]);
  const theirs = await genTransactionsTrieRoot([createLegacyTxFromRLP(hexToBytes(raw), { common })]);
  assert.is(ours, bytesToHex(theirs));
  assert.is(await orderedTrieRoot([]), EMPTY_TRIE_ROOT);
});

test('oneItemTrieRoot is the root of a trie holding that one item, short or long', async () => {
  for (const size of [0, 1, 20, 30, 31, 32, 33, 55, 56, 200, 5000]) {
    const item = Uint8Array.from({ length: size }, (_, i) => (i * 7 + size) % 256);
    assert.is(oneItemTrieRoot(item), await orderedTrieRoot([item]), `${size} bytes`);
  }
});

test('receipts encode the post-state root first', () => {
  const enc = encodeReceipt({
    postState: header.stateRoot,
    cumulativeGasUsed: 21000n,
    logsBloom: `0x${'00'.repeat(256)}`,
    logs: [{ address: header.coinbase, topics: [header.parentHash], data: '0x01' }],
  });
  assert.ok(bytesToHex(enc).includes(header.stateRoot.slice(2)));
});

test.run();
