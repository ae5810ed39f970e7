/**
 * The pool admission rules, in the reference node's order and with its exact messages
 * (`reference/zkevm-node-spec.md` §3). Pure: the account state and the pool's view arrive as arguments.
 */
import { isIP } from 'node:net';
import { L2_BLOCK_GAS_LIMIT } from '../l2/index.ts';
import type { Address, Hash } from '../primitives/index.ts';
import type { DecodedLegacyTx, DecodedTx } from './decode.ts';
import { PoolError } from './errors.ts';

export type PoolLimits = {
  chainId: bigint;
  minGasPrice: bigint;
  /** Nonces accepted ahead of the state nonce (reference `AccountQueue`, 64; 0 = unlimited). */
  accountQueue: number;
  /** Pending txs the whole pool holds (reference `GlobalQueue`, 1024; 0 = unlimited). */
  globalQueue: number;
  /** Largest signed tx accepted, in bytes (reference `MaxTxBytesSize`, 100132). */
  maxTxBytesSize: number;
  /** Largest tx data accepted, in bytes (reference `MaxTxDataBytesSize`, 100000). */
  maxTxDataBytesSize: number;
  blockedSenders: ReadonlySet<Address>;
};

/** What the pool and the state say about the sender when the tx arrives. */
export type PoolView = {
  /** Sender's nonce and balance at the latest state. */
  account: { nonce: bigint; balance: bigint };
  /** Number of pending txs in the whole pool. */
  pendingCount: number;
  /** Pending txs of the same sender with the same nonce. */
  sameNonce: readonly { hash: Hash; gasPrice: bigint; gas: bigint }[];
};

export type Admission = {
  tx: DecodedLegacyTx;
  /** The pending tx this one replaces (same sender and nonce), if any. */
  replaces: Hash | null;
};

/** The reference node's pool limits (zkevm-node-spec §3): the defaults of the `[pool]` configuration. */
export const REFERENCE_POOL_LIMITS = {
  accountQueue: 64,
  globalQueue: 1024,
  maxTxBytesSize: 100_132,
  maxTxDataBytesSize: 100_000,
} as const satisfies Partial<PoolLimits>;

/**
 * The reference's `TxLifetimeMax` (zkevm-node-spec §3, defaults): a pending tx older than this fails `expired` —
 * one behind a nonce gap would otherwise hold its place in `globalQueue` for good. The `[pool]` default.
 */
export const REFERENCE_TX_LIFETIME_MS = 3 * 3_600_000;
/** How often the reference looks for expired txs (every 10 min). */
export const REFERENCE_TX_EXPIRY_CHECK_MS = 10 * 60_000;

const MAX_UINT64 = 2n ** 64n - 1n;
export const TX_GAS = 21_000n;
export const TX_GAS_CONTRACT_CREATION = 53_000n;
const TX_DATA_NON_ZERO_GAS = 16n;
const TX_DATA_ZERO_GAS = 4n;

/**
 * The checks that need nothing but the tx and the limits (reference rules 1–6). Run them before reading any
 * state, so a malformed tx costs no database round trip.
 *
 * @throws {PoolError} with the reference message of the first rule broken.
 */
export function checkStatelessRules(tx: DecodedTx, limits: PoolLimits, ip?: string): DecodedLegacyTx {
  if (ip && isIP(ip) === 0) throw new PoolError('invalid_ip', 'invalid IP address');
  if (tx.chainId !== limits.chainId && tx.chainId !== 0n)
    throw new PoolError('invalid_chain_id', 'invalid chain id');
  if (tx.type !== 0) throw new PoolError('tx_type_not_supported', 'transaction type not supported');
  const legacy = tx as DecodedLegacyTx;
  if ((legacy.raw.length - 2) / 2 > limits.maxTxBytesSize)
    throw new PoolError('oversized_data', 'oversized data');
  if (limits.blockedSenders.has(legacy.from)) throw new PoolError('blocked_sender', 'blocked sender');
  return legacy;
}

/**
 * The rules that need the sender's state and the pool (reference rules 9–16), in order.
 *
 * @throws {PoolError} with the reference message of the first rule broken.
 */
export function checkStatefulRules(tx: DecodedLegacyTx, view: PoolView, limits: PoolLimits): Admission {
  const { nonce, balance } = view.account;
  if (tx.nonce < nonce) throw new PoolError('nonce_too_low', 'nonce too low');
  if (limits.accountQueue > 0 && tx.nonce > nonce + BigInt(limits.accountQueue) - 1n) {
    throw new PoolError('nonce_too_high', 'nonce too high');
  }
  if (limits.globalQueue > 0 && view.pendingCount >= limits.globalQueue) {
    throw new PoolError('pool_full', 'txpool is full');
  }
  if (tx.gasPrice < limits.minGasPrice) throw new PoolError('gas_price_too_low', 'gas price too low');
  if (balance < tx.value + tx.gasPrice * tx.gas) {
    throw new PoolError('insufficient_funds', 'insufficient funds for gas * price + value');
  }
  if (tx.gas < intrinsicGas(tx)) throw new PoolError('intrinsic_gas_too_low', 'intrinsic gas too low');

  let replaces: Hash | null = null;
  const cost = tx.gasPrice * tx.gas;
  for (const other of view.sameNonce) {
    if (other.hash === tx.hash) throw new PoolError('already_known', 'already known');
    if (other.gasPrice * other.gas > cost) {
      throw new PoolError('replacement_underpriced', 'replacement transaction underpriced');
    }
    replaces = other.hash;
  }

  const dataBytes = (tx.data.length - 2) / 2;
  if (dataBytes > limits.maxTxDataBytesSize) {
    throw new PoolError(
      'data_too_big',
      `data size bigger than allowed, current size is ${dataBytes} bytes and max allowed is ${limits.maxTxDataBytesSize} bytes`,
    );
  }
  if (tx.chainId > MAX_UINT64) {
    throw new PoolError('chain_id_too_high', `chain id higher than allowed, max allowed is ${MAX_UINT64}`);
  }
  // Rule 17's batch-gas check: a tx that could never fit an L2 block (DESIGN §6: 30,000,000 gas).
  if (tx.gas > L2_BLOCK_GAS_LIMIT) throw new PoolError('exceeds_block_gas_limit', 'exceeds block gas limit');
  return { tx, replaces };
}

/**
 * Intrinsic gas of a legacy tx: 21000 (53000 for a creation) plus 16 per non-zero and 4 per zero data byte.
 *
 * @throws {PoolError} `gas uint64 overflow` when the sum leaves uint64, as the reference does.
 */
export function intrinsicGas(tx: Pick<DecodedLegacyTx, 'to' | 'data'>): bigint {
  let gas = tx.to === null ? TX_GAS_CONTRACT_CREATION : TX_GAS;
  const hex = tx.data;
  let zeros = 0n;
  let nonZeros = 0n;
  for (let i = 2; i < hex.length; i += 2) {
    if (hex.charCodeAt(i) === 48 && hex.charCodeAt(i + 1) === 48) zeros++;
    else nonZeros++;
  }
  gas += nonZeros * TX_DATA_NON_ZERO_GAS + zeros * TX_DATA_ZERO_GAS;
  if (gas > MAX_UINT64) throw new PoolError('gas_uint64_overflow', 'gas uint64 overflow');
  return gas;
}
