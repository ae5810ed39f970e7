/**
 * Receipts of the blocks the runner committed last, kept in memory: a client polling `eth_getTransactionReceipt`
 * finds its receipt, once its block is in the read models, without a query. Together with {@link AbsentReceipts}
 * the polls of a tx cost no query at all while both remember it.
 *
 * An entry is added only after the runner committed the block's projection (a receipt served from here is one a
 * query would return at that moment) and built by {@link receiptFromSealed}, the row `getReceipt` reads back. A
 * committed `TrustedStateReset` empties the cache: the blocks it undoes lose their receipts. Another process's
 * runner may commit a reset before this one sees it; for that moment this cache, like the head cache, answers as
 * of the position this runner has reached.
 */
import type { RecordedEvent } from '../../src/eventstore/index.ts';
import { type Address, contractAddress } from '../../src/primitives/index.ts';
import type { L2BlockSealed } from '../../src/streams/l2/index.ts';
import type { ReceiptRow } from './queries.ts';

export type RecentReceipts = {
  /** The receipt of `txHash` if its block is among the last ones committed. */
  get(txHash: string): ReceiptRow | undefined;
  /** The runner committed these events (`L2BlockSealed`, `TrustedStateReset`), in log order. */
  committed(events: readonly RecordedEvent[]): void;
};

/** The event types {@link RecentReceipts.committed} needs to see. */
export const RECENT_RECEIPTS_EVENT_TYPES = ['L2BlockSealed', 'TrustedStateReset'] as const;

/** Receipts kept at most; the oldest go first. */
const MAX_RECEIPTS = 8192;

export function createRecentReceipts(maxReceipts = MAX_RECEIPTS): RecentReceipts {
  const receipts = new Map<string, ReceiptRow>();
  return {
    get: (txHash) => receipts.get(txHash.toLowerCase()),
    committed(events) {
      for (const e of events) {
        if (e.type === 'TrustedStateReset') {
          receipts.clear();
          continue;
        }
        if (e.type !== 'L2BlockSealed') continue;
        const receipt = receiptFromSealed((e as RecordedEvent<L2BlockSealed>).data);
        const key = receipt.txHash.toLowerCase();
        receipts.delete(key); // re-inserted last: the oldest stay first
        receipts.set(key, receipt);
        if (receipts.size > maxReceipts) receipts.delete(receipts.keys().next().value as string);
      }
    },
  };
}

/** The receipt row of a sealed block's tx, as `getReceipt` reads it from the projected tables. Pure. */
export function receiptFromSealed(d: L2BlockSealed['data']): ReceiptRow {
  const blockNumber = BigInt(d.number);
  const blockTimestamp = BigInt(d.timestamp);
  return {
    txHash: d.tx.hash,
    txIndex: 0,
    blockNumber,
    blockHash: d.hash,
    from: d.tx.from,
    to: d.tx.to,
    status: d.receipt.status === 1 ? 1 : 0,
    gasUsed: BigInt(d.receipt.gasUsed),
    cumulativeGasUsed: BigInt(d.receipt.cumulativeGasUsed),
    contractAddress: sealedContractAddress(d),
    logsBloom: d.receipt.logsBloom,
    effectiveGasPrice: BigInt(d.receipt.effectiveGasPrice),
    root: d.stateRoot,
    logs: d.receipt.logs.map((l, i) => ({
      blockNumber,
      blockHash: d.hash,
      blockTimestamp,
      txHash: d.tx.hash,
      txIndex: 0,
      logIndex: i,
      address: l.address,
      topics: [...l.topics],
      data: l.data,
    })),
  };
}

/**
 * The receipt's `contractAddress`: for any contract creation the address it creates at (CREATE from the sender at
 * the tx's nonce), a reverted or failed one too — as geth's receipts and the reference's (the ROM's `create_address`
 * is set for every deploy) — and null for a call. A sealed receipt names the address only when the creation
 * succeeded. Pure.
 */
export function sealedContractAddress(d: Pick<L2BlockSealed['data'], 'tx' | 'receipt'>): Address | null {
  if (d.receipt.contractAddress !== null) return d.receipt.contractAddress;
  return d.tx.to === null ? contractAddress(d.tx.from, BigInt(d.tx.nonce)) : null;
}
