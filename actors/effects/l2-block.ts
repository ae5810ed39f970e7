/**
 * One tx into one L2 block (DESIGN §6), shared by the writers of the `l2` stream: the sequencer (txs from the pool)
 * and the synchronizer of a node without one (txs from batches sequenced on L1). Executes the tx on the tip's root
 * in the open batch's block context and computes what `SealL2Block` carries — so both writers produce the same
 * block, byte for byte, from the same tx.
 */
import { effectiveGasPrice, FULL_EFFECTIVE_PERCENTAGE } from '../../src/batch/index.ts';
import type { Executor, InvalidTxReason } from '../../src/execution/index.ts';
import { encodeReceipt, L2_BLOCK_GAS_LIMIT, oneItemTrieRoot } from '../../src/l2/index.ts';
import { type Address, bytesToHex, type Hash, type Hex } from '../../src/primitives/index.ts';
import type { L2State, SealL2Block } from '../../src/streams/l2/index.ts';
import { toTxData } from '../../src/streams/tx/index.ts';
import { encodeSignedLegacyTx, type LegacyTx } from '../../src/tx/index.ts';

/**
 * Executes `tx` (sender `from`, batch blob `blob`, as bytes or lowercase 0x-hex) as the next block of the open
 * batch of `l2`: the `SealL2Block` command, or why the tx is invalid (nothing changes then). A caller that computed
 * the block's transactions root off this thread (`oneItemTrieRoot(encodeSignedLegacyTx(tx))`) passes it in
 * `precomputed`.
 * @throws {IllegalStateError}-like `Error` when no batch is open; the executor's errors.
 */
export async function executeIntoBlock(
  executor: Executor,
  l2: L2State,
  tx: LegacyTx & { from: Address },
  blob: Uint8Array | Hex,
  precomputed: { transactionsRoot?: Hash } = {},
): Promise<{ command: SealL2Block } | { invalid: InvalidTxReason }> {
  if (l2.status !== 'open') throw new Error('no batch is open: cannot execute a tx into a block');
  const { tip, batch } = l2;
  // The blob's last byte, as the prover reads it: the share of its gas price the tx pays.
  const effectivePercentage = lastByte(blob);
  const result = await executor.executeTx({
    stateRoot: tip.stateRoot,
    tx: { ...tx, effectivePercentage },
    block: {
      number: tip.number + 1n,
      timestamp: batch.timestamp,
      coinbase: batch.coinbase,
      parentHash: tip.hash,
    },
  });
  if (!result.valid) return { invalid: result.error };
  const r = result.receipt;
  const transactionsRoot = precomputed.transactionsRoot ?? oneItemTrieRoot(encodeSignedLegacyTx(tx));
  const receiptsRoot = oneItemTrieRoot(
    encodeReceipt({
      postState: result.stateRoot,
      cumulativeGasUsed: r.cumulativeGasUsed,
      logsBloom: r.logsBloom,
      logs: r.logs,
    }),
  );
  return {
    command: {
      type: 'SealL2Block',
      data: {
        stateRoot: result.stateRoot,
        transactionsRoot,
        receiptsRoot,
        logsBloom: r.logsBloom,
        gasLimit: L2_BLOCK_GAS_LIMIT.toString(),
        gasUsed: r.gasUsed.toString(),
        tx: { ...toTxData(tx), batchBlob: typeof blob === 'string' ? blob : bytesToHex(blob) },
        receipt: {
          status: r.status,
          gasUsed: r.gasUsed.toString(),
          cumulativeGasUsed: r.cumulativeGasUsed.toString(),
          contractAddress: r.createdAddress ?? null,
          logs: r.logs,
          logsBloom: r.logsBloom,
          effectiveGasPrice: effectiveGasPrice(tx.gasPrice, effectivePercentage).toString(),
        },
      },
    },
  };
}

/** The last byte of a batch blob (bytes or 0x-hex): its effective percentage. */
function lastByte(blob: Uint8Array | Hex): number {
  if (typeof blob !== 'string') return blob[blob.length - 1] ?? FULL_EFFECTIVE_PERCENTAGE;
  return blob.length >= 4 ? Number.parseInt(blob.slice(-2), 16) : FULL_EFFECTIVE_PERCENTAGE;
}
