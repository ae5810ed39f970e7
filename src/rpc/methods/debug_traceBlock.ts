/**
 * Block and batch traces (zkevm-node-spec §2 `debug_`): every tx of a block, or of a batch, re-executed with the
 * tracer the config names, as `debug_traceTransaction` does one (same tracers, same config, same results).
 *
 * - `debug_traceBlockByNumber(block, config?)` and `debug_traceBlockByHash(hash, config?)` → `[{result}]`, one
 *   entry per tx of the block in order (the reference's shape; block 0 holds none: `[]`); a block that does not
 *   exist → -32000 `block #N not found` / `block 0x… not found` (geth's messages).
 * - `debug_traceBatchByNumber(batch, config?)` → `[{txHash, result}]` over the batch's blocks in order; batch tags
 *   as `zkevm_getBatchByNumber`'s; a batch that does not exist → -32000 `batch #N not found`.
 *
 * All the rows come from one read-model snapshot; the txs are then re-executed one after another.
 */
import { z } from 'zod';
import { getBatch, getBlocksOfBatch } from '../../../projections/l2/index.ts';
import { ServerRpcError } from '../errors.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { blockNumberOrTag, hash } from '../params.ts';
import { findBlock, readSnapshot, tagBatchNumber } from '../read/blocks.ts';
import {
  type TraceDeps,
  type TraceOptions,
  type TxToTrace,
  traceConfig,
  traceTx,
  txsToTrace,
} from './debug_traceTransaction.ts';

/** The `[{result}]` of a block's txs, traced one after another. */
async function blockTraces(
  deps: TraceDeps,
  txs: readonly TxToTrace[],
  options: TraceOptions | undefined,
): Promise<{ result: unknown }[]> {
  const out: { result: unknown }[] = [];
  for (const t of txs) out.push({ result: await traceTx(deps, t, options) });
  return out;
}

export const debug_traceBlockByNumber = defineMethod({
  name: 'debug_traceBlockByNumber',
  params: z.tuple([blockNumberOrTag, traceConfig.optional()]),
  handler: async ([ref, options], ctx: RpcContext<TraceDeps>) => {
    const txs = await readSnapshot(ctx.deps.db, async (sql) => {
      const block = await findBlock(sql, ref);
      if (!block) {
        const name = ref.kind === 'number' ? `#${ref.number}` : ref.tag;
        throw new ServerRpcError(`block ${name} not found`);
      }
      return txsToTrace(sql, [block]);
    });
    return blockTraces(ctx.deps, txs, options);
  },
});

export const debug_traceBlockByHash = defineMethod({
  name: 'debug_traceBlockByHash',
  params: z.tuple([hash, traceConfig.optional()]),
  handler: async ([blockHash, options], ctx: RpcContext<TraceDeps>) => {
    const txs = await readSnapshot(ctx.deps.db, async (sql) => {
      const block = await findBlock(sql, { kind: 'hash', hash: blockHash, requireCanonical: false });
      if (!block) throw new ServerRpcError(`block ${blockHash} not found`);
      return txsToTrace(sql, [block]);
    });
    return blockTraces(ctx.deps, txs, options);
  },
});

export const debug_traceBatchByNumber = defineMethod({
  name: 'debug_traceBatchByNumber',
  params: z.tuple([blockNumberOrTag, traceConfig.optional()]),
  handler: async ([ref, options], ctx: RpcContext<TraceDeps>) => {
    const txs = await readSnapshot(ctx.deps.db, async (sql) => {
      const number = ref.kind === 'number' ? ref.number : await tagBatchNumber(sql, ref.tag);
      const batch = number === null ? null : await getBatch(sql, number);
      if (number === null || !batch) {
        throw new ServerRpcError(`batch ${ref.kind === 'number' ? `#${ref.number}` : ref.tag} not found`);
      }
      return txsToTrace(sql, await getBlocksOfBatch(sql, number));
    });
    const out: { txHash: string; result: unknown }[] = [];
    for (const t of txs) out.push({ txHash: t.tx.hash, result: await traceTx(ctx.deps, t, options) });
    return out;
  },
});
