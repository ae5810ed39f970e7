import { z } from 'zod';
import type { SqlClient } from '../../../projections/index.ts';
import { getStateRootsInRange } from '../../../projections/l2/index.ts';
import { InvalidParamsRpcError } from '../errors.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { type BlockNumberRef, blockNumberOrTag } from '../params.ts';
import { readSnapshot, tagBlockNumber } from '../read/blocks.ts';
import type { ReadRpcDeps } from '../read/deps.ts';

/** The widest range one call may ask for (`to − from`), the reference's `MaxNativeBlockHashBlockRange`. */
export const MAX_NATIVE_BLOCK_HASH_RANGE = 60_000n;

const resolve = async (sql: SqlClient, ref: BlockNumberRef): Promise<bigint> =>
  ref.kind === 'number' ? ref.number : ((await tagBlockNumber(sql, ref.tag)) ?? 0n);

/**
 * `zkevm_getNativeBlockHashesInRange({fromBlock, toBlock})` → the state roots ("native block hashes", what BLOCKHASH
 * sees) of the L2 blocks in the inclusive range that exist. A missing `fromBlock` or `toBlock` is block 0, as in the
 * reference (its `NativeBlockHashBlockRangeFilter` fields are not pointers): `{fromBlock: "0x1"}` alone is an
 * invalid range. -32602 `invalid block range` when to < from; -32602 `native block hashes are limited to a 60000
 * block range` when to − from exceeds it (the reference's messages).
 */
export const zkevm_getNativeBlockHashesInRange = defineMethod({
  name: 'zkevm_getNativeBlockHashesInRange',
  params: z.tuple([
    z.object({ fromBlock: blockNumberOrTag.optional(), toBlock: blockNumberOrTag.optional() }),
  ]),
  handler: ([filter], ctx: RpcContext<Pick<ReadRpcDeps, 'db'>>) =>
    readSnapshot(ctx.deps.db, async (sql) => {
      const from = filter.fromBlock ? await resolve(sql, filter.fromBlock) : 0n;
      const to = filter.toBlock ? await resolve(sql, filter.toBlock) : 0n;
      if (to < from) throw new InvalidParamsRpcError('invalid block range');
      if (to - from > MAX_NATIVE_BLOCK_HASH_RANGE)
        throw new InvalidParamsRpcError(
          `native block hashes are limited to a ${MAX_NATIVE_BLOCK_HASH_RANGE} block range`,
        );
      return getStateRootsInRange(sql, from, to);
    }),
});
