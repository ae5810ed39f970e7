import { z } from 'zod';
import type { Address } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';

export type CoinbaseDeps = { readonly coinbase: Address };

/**
 * `eth_coinbase` → the L2 coinbase (`[l2] coinbase`): the address the sequencer's batches pay fees to, the
 * reference's `L2Coinbase`. A permissionless node answers its own setting (the reference relays the call to the
 * trusted sequencer, as it does `eth_gasPrice`, which this node also answers from its configuration).
 */
export const eth_coinbase = defineMethod({
  name: 'eth_coinbase',
  params: z.tuple([]),
  handler: (_params, ctx: RpcContext<CoinbaseDeps>) => ctx.deps.coinbase,
});
