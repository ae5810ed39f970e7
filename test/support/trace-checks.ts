/**
 * Independent checks of a struct-log trace against the call tree and the receipt of the same tx: the gas each step
 * leaves must be what the step before it had minus its cost (plus what a callee handed back), and the tx's gas
 * used must follow from the last step, the refund counter and EIP-3529's cap.
 */
import type { CallFrame, StructLog } from '../../src/execution/index.ts';

const CALLS = new Set(['CALL', 'CALLCODE', 'DELEGATECALL', 'STATICCALL']);
const CREATES = new Set(['CREATE', 'CREATE2']);

/** Every frame under `top`, in the order they were entered (depth first), SELFDESTRUCT frames left out. */
export function framesInOrder(top: CallFrame): CallFrame[] {
  return (top.calls ?? []).flatMap((f) => (f.type === 'SELFDESTRUCT' ? [] : [f, ...framesInOrder(f)]));
}

/**
 * The gas-accounting mismatches of a trace (empty when it adds up). `top` is the callTracer's tree of the same tx
 * (its CALL/CREATE frames in order match the struct logs' CALL/CREATE steps: no call may fail before entering its
 * callee). Rules, per step:
 * - the first step has the tx's gas minus its intrinsic gas;
 * - the next step of the same frame has `gas - gasCost`; after a CALL-family step plus what the callee did not use
 *   of what it got (`gasCost` includes the gas handed over), after a CREATE minus what the creation used;
 * - gas used before refunds = the tx's gas minus what the top frame's last step left (plus the code deposit of a
 *   creation tx); the receipt's gas used is that minus the refund counter, capped at a fifth (EIP-3529), for a tx
 *   that did not fail.
 */
export function gasAccountingProblems(
  logs: readonly StructLog[],
  top: CallFrame,
  tx: { gas: bigint; intrinsic: bigint; gasUsed: bigint; failed: boolean },
): string[] {
  const problems: string[] = [];
  const frames = framesInOrder(top);
  let entered = 0;
  if (logs[0] && BigInt(logs[0].gas) !== tx.gas - tx.intrinsic)
    problems.push(`first step has ${logs[0].gas} gas, want ${tx.gas - tx.intrinsic}`);
  for (const [i, log] of logs.entries()) {
    const callee = CALLS.has(log.op) || CREATES.has(log.op) ? frames[entered++] : undefined;
    let j = i + 1;
    while (j < logs.length && logs[j]!.depth > log.depth) j++;
    const next = logs[j];
    if (!next || next.depth < log.depth) continue; // the frame ended at this step
    let expected = BigInt(log.gas) - BigInt(log.gasCost);
    if (callee && CALLS.has(log.op)) expected += BigInt(callee.gas) - BigInt(callee.gasUsed);
    if (callee && CREATES.has(log.op)) expected -= BigInt(callee.gasUsed);
    if (BigInt(next.gas) !== expected)
      problems.push(
        `step ${i} (${log.op} at pc ${log.pc}): the next step has ${next.gas} gas, want ${expected}`,
      );
  }
  if (entered !== frames.length) problems.push(`${entered} call steps for ${frames.length} call frames`);
  const last = logs.findLast((l) => l.depth === 1);
  if (last) {
    let used = tx.gas - (BigInt(last.gas) - BigInt(last.gasCost));
    // A creation tx also pays 200 gas a byte of the code it deposits, after its last step.
    if (top.type === 'CREATE' && !tx.failed) used += (200n * BigInt((top.output ?? '0x').length - 2)) / 2n;
    const refund = tx.failed ? 0n : BigInt(last.refund ?? 0);
    const cap = used / 5n;
    const gasUsed = used - (refund < cap ? refund : cap);
    if (gasUsed !== tx.gasUsed) problems.push(`gas used from the steps ${gasUsed}, receipt ${tx.gasUsed}`);
  }
  return problems;
}
