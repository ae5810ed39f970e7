import { z } from 'zod';
import { listPending, type PoolTx } from '../../../projections/pool/index.ts';
import type { Address } from '../../primitives/index.ts';
import { toQuantity } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { address } from '../params.ts';
import type { PoolRpcDeps } from '../pool/deps.ts';
import {
  formatPendingTx,
  nonceKey,
  type RpcPendingTx,
  senderKey,
  splitBySenderNonce,
} from '../pool/format.ts';

type BySender = Map<Address, PoolTx[]>;

function groupBySender(txs: readonly PoolTx[]): BySender {
  const groups: BySender = new Map();
  for (const tx of txs) {
    const list = groups.get(tx.from);
    if (list) list.push(tx);
    else groups.set(tx.from, [tx]);
  }
  return groups;
}

async function split(groups: BySender, deps: PoolRpcDeps) {
  return Promise.all(
    [...groups].map(async ([from, txs]) => {
      const { nonce } = await deps.accounts.getAccount(from);
      return { from, ...splitBySenderNonce(txs, nonce) };
    }),
  );
}

const byNonce = (txs: readonly PoolTx[]): Record<string, RpcPendingTx> =>
  Object.fromEntries(txs.map((tx) => [nonceKey(tx.nonce), formatPendingTx(tx)]));

/** geth's pool content: `{pending, queued}` by checksummed sender, then by decimal nonce. */
export const txpool_content = defineMethod({
  name: 'txpool_content',
  params: z.tuple([]),
  handler: async (_params, ctx: RpcContext<PoolRpcDeps>) => {
    const content = {
      pending: {} as Record<string, Record<string, RpcPendingTx>>,
      queued: {} as Record<string, Record<string, RpcPendingTx>>,
    };
    for (const { from, pending, queued } of await split(
      groupBySender(await listPending(ctx.deps.db.pool)),
      ctx.deps,
    )) {
      if (pending.length > 0) content.pending[senderKey(from)] = byNonce(pending);
      if (queued.length > 0) content.queued[senderKey(from)] = byNonce(queued);
    }
    return content;
  },
});

/** One sender's pool content: `{pending, queued}` by decimal nonce. */
export const txpool_contentFrom = defineMethod({
  name: 'txpool_contentFrom',
  params: z.tuple([address]),
  handler: async ([from], ctx: RpcContext<PoolRpcDeps>) => {
    const txs = await listPending(ctx.deps.db.pool, from);
    const { nonce } = await ctx.deps.accounts.getAccount(from);
    const { pending, queued } = splitBySenderNonce(txs, nonce);
    return { pending: byNonce(pending), queued: byNonce(queued) };
  },
});

/** Counts of pending (executable) and queued (behind a nonce gap) txs. */
export const txpool_status = defineMethod({
  name: 'txpool_status',
  params: z.tuple([]),
  handler: async (_params, ctx: RpcContext<PoolRpcDeps>) => {
    let pending = 0;
    let queued = 0;
    for (const s of await split(groupBySender(await listPending(ctx.deps.db.pool)), ctx.deps)) {
      pending += s.pending.length;
      queued += s.queued.length;
    }
    return { pending: toQuantity(pending), queued: toQuantity(queued) };
  },
});
