/**
 * JSON shapes of the trusted chain as Ethereum clients expect them (execution-apis `Block`, `TransactionInfo`,
 * `ReceiptInfo`, `Log`), for fork-5 L2 blocks (DESIGN §6): legacy headers without `baseFeePerGas`, difficulty 0,
 * zero mixHash and nonce, no uncles; type-0 txs (`chainId` omitted for pre-EIP-155 ones); receipts with both the
 * post-state `root` (as the reference) and `status`. Pure.
 */

import { RLP } from '@ethereumjs/rlp';
import type { BlockRow, LogRow, ReceiptRow, TxRow } from '../../../projections/l2/index.ts';
import { EMPTY_UNCLES_HASH, headerFields } from '../../l2/index.ts';
import type { Address, Hash, Hex } from '../../primitives/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { encodeSignedLegacyTx, type SignedLegacyTx } from '../../tx/index.ts';

const ZERO_HASH = `0x${'00'.repeat(32)}`;
const ZERO_NONCE = '0x0000000000000000';

export type RpcTx = {
  blockHash: string;
  blockNumber: string;
  blockTimestamp: string;
  from: string;
  gas: string;
  gasPrice: string;
  hash: string;
  input: string;
  nonce: string;
  to: string | null;
  transactionIndex: string;
  value: string;
  type: '0x0';
  chainId?: string;
  v: string;
  r: string;
  s: string;
};

export type RpcBlock = {
  hash: string;
  parentHash: string;
  sha3Uncles: string;
  miner: string;
  stateRoot: string;
  transactionsRoot: string;
  receiptsRoot: string;
  logsBloom: string;
  difficulty: '0x0';
  totalDifficulty: '0x0';
  number: string;
  gasLimit: string;
  gasUsed: string;
  timestamp: string;
  extraData: '0x';
  mixHash: string;
  nonce: string;
  size: string;
  transactions: string[] | RpcTx[];
  uncles: [];
  /** With `includeExtraInfo`: the global exit root of the block's batch. */
  globalExitRoot?: string;
  /** With `includeExtraInfo`: the block-info-tree root (zero: fork 5 has none). */
  blockInfoRoot?: string;
};

export type RpcLog = {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  blockTimestamp: string;
  transactionHash: string;
  transactionIndex: string;
  logIndex: string;
  removed: false;
};

export type RpcReceipt = {
  blockHash: string;
  blockNumber: string;
  contractAddress: string | null;
  cumulativeGasUsed: string;
  effectiveGasPrice: string;
  from: string;
  gasUsed: string;
  logs: RpcLog[];
  logsBloom: string;
  /** The state root after the tx (fork ≤ 7 receipts). */
  root: string;
  status: '0x0' | '0x1';
  to: string | null;
  transactionHash: string;
  transactionIndex: string;
  type: '0x0';
};

/** The signed legacy tx a row stores. Pure. */
export function signedTxOf(tx: TxRow): SignedLegacyTx {
  return {
    nonce: tx.nonce,
    gasPrice: tx.gasPrice,
    gas: tx.gas,
    to: tx.to as Address | null,
    value: tx.value,
    data: tx.input as Hex,
    chainId: tx.chainId,
    v: tx.v,
    r: BigInt(tx.r),
    s: BigInt(tx.s),
  };
}

/** A mined tx (`TransactionInfo`). Pure. */
export function formatTx(tx: TxRow): RpcTx {
  return {
    blockHash: tx.blockHash,
    blockNumber: toQuantity(tx.blockNumber),
    blockTimestamp: toQuantity(tx.blockTimestamp),
    from: tx.from,
    gas: toQuantity(tx.gas),
    gasPrice: toQuantity(tx.gasPrice),
    hash: tx.hash,
    input: tx.input,
    nonce: toQuantity(tx.nonce),
    to: tx.to,
    transactionIndex: toQuantity(tx.index),
    value: toQuantity(tx.value),
    type: '0x0',
    ...(tx.chainId === 0n ? {} : { chainId: toQuantity(tx.chainId) }),
    v: toQuantity(tx.v),
    r: toQuantity(BigInt(tx.r)),
    s: toQuantity(BigInt(tx.s)),
  };
}

/** Length of an RLP list header for a payload of `n` bytes, plus the payload. */
function rlpListLength(n: number): number {
  if (n < 56) return 1 + n;
  let lengthBytes = 0;
  for (let x = n; x > 0; x = Math.floor(x / 256)) lengthBytes++;
  return 1 + lengthBytes + n;
}

/**
 * The block's size as Ethereum counts it: the length of RLP([header, [signed txs], []]) (no uncles). `txs` are
 * the block's txs in order. Pure.
 */
export function blockSize(block: BlockRow, txs: readonly TxRow[]): number {
  const header = RLP.encode(
    headerFields({
      parentHash: block.parentHash as Hash,
      coinbase: block.coinbase as Address,
      stateRoot: block.stateRoot as Hash,
      transactionsRoot: block.transactionsRoot as Hash,
      receiptsRoot: block.receiptsRoot as Hash,
      logsBloom: block.logsBloom as Hex,
      number: block.number,
      gasLimit: block.gasLimit,
      gasUsed: block.gasUsed,
      timestamp: block.timestamp,
      extraData: '0x',
    }),
  ).length;
  let txsLength = 0;
  for (const tx of txs) txsLength += encodeSignedLegacyTx(signedTxOf(tx)).length;
  return rlpListLength(header + rlpListLength(txsLength) + rlpListLength(0));
}

/**
 * A block (`Block`): tx hashes, or full txs when `fullTx`. `txs` are the block's txs in order; `globalExitRoot`
 * (the `includeExtraInfo` field of the reference) is added when given. Pure.
 */
export function formatBlock(
  block: BlockRow,
  txs: readonly TxRow[],
  opts: { fullTx: boolean; globalExitRoot?: string },
): RpcBlock {
  return {
    hash: block.hash,
    parentHash: block.parentHash,
    sha3Uncles: EMPTY_UNCLES_HASH,
    miner: block.coinbase,
    stateRoot: block.stateRoot,
    transactionsRoot: block.transactionsRoot,
    receiptsRoot: block.receiptsRoot,
    logsBloom: block.logsBloom,
    difficulty: '0x0',
    totalDifficulty: '0x0',
    number: toQuantity(block.number),
    gasLimit: toQuantity(block.gasLimit),
    gasUsed: toQuantity(block.gasUsed),
    timestamp: toQuantity(block.timestamp),
    extraData: '0x',
    mixHash: ZERO_HASH,
    nonce: ZERO_NONCE,
    size: toQuantity(blockSize(block, txs)),
    transactions: opts.fullTx ? txs.map(formatTx) : txs.map((t) => t.hash),
    uncles: [],
    // The reference's extra info: the batch's global exit root, and the block-info-tree root, which fork 5 (this
    // chain's rules) does not have: zero, as the reference reports for blocks before that tree.
    ...(opts.globalExitRoot === undefined
      ? {}
      : { globalExitRoot: opts.globalExitRoot, blockInfoRoot: ZERO_HASH }),
  };
}

/** A log of a mined tx (`Log`). Pure. */
export function formatLog(log: LogRow): RpcLog {
  return {
    address: log.address,
    topics: log.topics,
    data: log.data,
    blockNumber: toQuantity(log.blockNumber),
    blockHash: log.blockHash,
    blockTimestamp: toQuantity(log.blockTimestamp),
    transactionHash: log.txHash,
    transactionIndex: toQuantity(log.txIndex),
    logIndex: toQuantity(log.logIndex),
    removed: false,
  };
}

/** A receipt (`ReceiptInfo`) with the reference's post-state `root`. Pure. */
export function formatReceipt(r: ReceiptRow): RpcReceipt {
  return {
    blockHash: r.blockHash,
    blockNumber: toQuantity(r.blockNumber),
    contractAddress: r.contractAddress,
    cumulativeGasUsed: toQuantity(r.cumulativeGasUsed),
    effectiveGasPrice: toQuantity(r.effectiveGasPrice),
    from: r.from,
    gasUsed: toQuantity(r.gasUsed),
    logs: r.logs.map(formatLog),
    logsBloom: r.logsBloom,
    root: r.root,
    status: r.status === 1 ? '0x1' : '0x0',
    to: r.to,
    transactionHash: r.txHash,
    transactionIndex: toQuantity(r.txIndex),
    type: '0x0',
  };
}
