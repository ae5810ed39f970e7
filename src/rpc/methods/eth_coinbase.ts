import { z } from 'zod';
import type { Address } from '../../primitives/index.ts';
import { defineMethod, type RpcContext } from '../method.ts';

/** The L2 coinbase: this node's setting, or how to ask for it (a permissionless node asks the trusted sequencer). */
export type CoinbaseDeps = { readonly coinbase: Address | (() => Promise<Address>) };

/**
 * `eth_coinbase` → the L2 coinbase, the address the sequencer's batches pay fees to (the reference's
 * `L2Coinbase`): `[l2] coinbase` on a node that sequences; a node that does not relays the call to the trusted
 * sequencer at `rpc.sequencerUrl`, as the reference does.
 */
export const eth_coinbase = defineMethod({
  name: 'eth_coinbase',
  params: z.tuple([]),
  handler: (_params, ctx: RpcContext<CoinbaseDeps>) => {
    const { coinbase } = ctx.deps;
    return typeof coinbase === 'function' ? coinbase() : coinbase;
  },
});
