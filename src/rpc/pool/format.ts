/** JSON shapes of pool txs as Ethereum clients expect them (execution-apis `PendingTransactionInfo`). */
import { getAddress } from 'ethers';
import type { PoolTx } from '../../../projections/pool/index.ts';
import { toQuantity } from '../../primitives/index.ts';

export type RpcPendingTx = {
  blockHash: null;
  blockNumber: null;
  blockTimestamp: null;
  transactionIndex: null;
  hash: string;
  from: string;
  type: '0x0';
  nonce: string;
  gas: string;
  gasPrice: string;
  to: string | null;
  value: string;
  input: string;
  chainId?: string;
  v: string;
  r: string;
  s: string;
};

/** A pending (not yet included) legacy tx; `chainId` is omitted for pre-EIP-155 txs. Pure. */
export function formatPendingTx(tx: PoolTx): RpcPendingTx {
  return {
    blockHash: null,
    blockNumber: null,
    blockTimestamp: null,
    transactionIndex: null,
    hash: tx.hash,
    from: tx.from,
    type: '0x0',
    nonce: toQuantity(tx.nonce),
    gas: toQuantity(tx.gas),
    gasPrice: toQuantity(tx.gasPrice),
    to: tx.to,
    value: toQuantity(tx.value),
    input: tx.input,
    ...(tx.chainId === 0n ? {} : { chainId: toQuantity(tx.chainId) }),
    v: toQuantity(tx.v),
    r: toQuantity(BigInt(tx.r)),
    s: toQuantity(BigInt(tx.s)),
  };
}

export type PoolContent = {
  pending: Record<string, Record<string, RpcPendingTx>>;
  queued: Record<string, Record<string, RpcPendingTx>>;
};

/**
 * The tx the sequencer takes at a nonce when the pool holds two of one sender and nonce (possible across RPC
 * instances): the higher gas price, on a tie the later one (src/sequencer/policy.ts). Pure.
 */
function sequencerPick(a: PoolTx, b: PoolTx): PoolTx {
  if (a.gasPrice !== b.gasPrice) return a.gasPrice > b.gasPrice ? a : b;
  return a.position > b.position ? a : b;
}

/**
 * Splits a sender's pending txs into geth's `pending` (a gap-free run of nonces from the state nonce) and
 * `queued` (the rest, waiting for a gap to fill), one tx per nonce: of two with the same nonce, the one the
 * sequencer would take ({@link sequencerPick}), so `txpool_content` (keyed by nonce) and `txpool_status` agree.
 * Pure.
 */
export function splitBySenderNonce(
  txs: readonly PoolTx[],
  stateNonce: bigint,
): { pending: PoolTx[]; queued: PoolTx[] } {
  const byNonce = new Map<bigint, PoolTx>();
  for (const tx of txs) {
    const other = byNonce.get(tx.nonce);
    byNonce.set(tx.nonce, other ? sequencerPick(other, tx) : tx);
  }
  const pending: PoolTx[] = [];
  const queued: PoolTx[] = [];
  let next = stateNonce;
  for (const tx of [...byNonce.values()].sort((a, b) =>
    a.nonce < b.nonce ? -1 : a.nonce > b.nonce ? 1 : 0,
  )) {
    if (tx.nonce === next) {
      pending.push(tx);
      next++;
    } else {
      queued.push(tx);
    }
  }
  return { pending, queued };
}

/** geth keys `txpool_content` by checksummed sender and by decimal nonce. */
export const senderKey = (address: string): string => getAddress(address);
export const nonceKey = (nonce: bigint): string => nonce.toString(10);
