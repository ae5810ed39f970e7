/**
 * Fee arithmetic of L1 txs: the replacement rule nodes enforce and the gas-bump policy. Pure: the network's
 * current suggestion arrives as an argument.
 */
import type { L1TxFees } from './l1tx.ts';

/** The smallest fee increase (percent) Ethereum nodes accept for a replacement of a pending tx (geth, Hardhat). */
export const MIN_REPLACEMENT_BUMP_PERCENT = 10;

/** `value × (100 + percent) / 100`, rounded up. Pure. */
export function raiseByPercent(value: bigint, percent: number): bigint {
  const num = value * BigInt(100 + percent);
  return (num + 99n) / 100n;
}

/**
 * Whether `next` may replace `prev` in a node's pool: the same fee type, and every fee component raised by at
 * least {@link MIN_REPLACEMENT_BUMP_PERCENT} percent (geth and Hardhat check the max fee and the tip). Pure.
 */
export function isValidReplacement(prev: L1TxFees, next: L1TxFees): boolean {
  if (prev.type === 'legacy' && next.type === 'legacy') {
    return next.gasPrice >= raiseByPercent(prev.gasPrice, MIN_REPLACEMENT_BUMP_PERCENT);
  }
  if (prev.type === 'eip1559' && next.type === 'eip1559') {
    return (
      next.maxFeePerGas >= raiseByPercent(prev.maxFeePerGas, MIN_REPLACEMENT_BUMP_PERCENT) &&
      next.maxPriorityFeePerGas >= raiseByPercent(prev.maxPriorityFeePerGas, MIN_REPLACEMENT_BUMP_PERCENT)
    );
  }
  return false;
}

/** The highest fee per gas a tx with these fees can pay (legacy: the price; EIP-1559: the max fee). Pure. */
export const feeCap = (fees: L1TxFees): bigint =>
  fees.type === 'legacy' ? fees.gasPrice : fees.maxFeePerGas;

/**
 * Caps fees at `maxGasPrice` (the max fee; an EIP-1559 tip never exceeds the max fee). Pure.
 */
export function capFees(fees: L1TxFees, maxGasPrice: bigint): L1TxFees {
  if (fees.type === 'legacy') {
    return { type: 'legacy', gasPrice: fees.gasPrice > maxGasPrice ? maxGasPrice : fees.gasPrice };
  }
  let maxFeePerGas = fees.maxFeePerGas;
  if (maxFeePerGas > maxGasPrice) maxFeePerGas = maxGasPrice;
  let tip = fees.maxPriorityFeePerGas;
  if (tip > maxFeePerGas) tip = maxFeePerGas;
  return { type: 'eip1559', maxFeePerGas, maxPriorityFeePerGas: tip };
}

/**
 * The fees of a gas bump: each component raised by `percent` (at least the replacement minimum), or to the
 * network's current suggestion when that is higher, then capped at `maxGasPrice`. Returns `null` when the cap
 * leaves no valid replacement (the tx keeps waiting at its current price). The fee type never changes: a node
 * would not take a replacement of another type as an upgrade. Pure.
 */
export function bumpFees(
  prev: L1TxFees,
  suggested: L1TxFees,
  policy: { percent: number; maxGasPrice: bigint },
): L1TxFees | null {
  const percent = Math.max(policy.percent, MIN_REPLACEMENT_BUMP_PERCENT);
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  let next: L1TxFees;
  if (prev.type === 'legacy') {
    const hint = suggested.type === 'legacy' ? suggested.gasPrice : suggested.maxFeePerGas;
    next = { type: 'legacy', gasPrice: max(raiseByPercent(prev.gasPrice, percent), hint) };
  } else {
    const hint =
      suggested.type === 'eip1559'
        ? suggested
        : { maxFeePerGas: suggested.gasPrice, maxPriorityFeePerGas: 0n };
    next = {
      type: 'eip1559',
      maxFeePerGas: max(raiseByPercent(prev.maxFeePerGas, percent), hint.maxFeePerGas),
      maxPriorityFeePerGas: max(
        raiseByPercent(prev.maxPriorityFeePerGas, percent),
        hint.maxPriorityFeePerGas,
      ),
    };
  }
  const capped = capFees(next, policy.maxGasPrice);
  return isValidReplacement(prev, capped) ? capped : null;
}
