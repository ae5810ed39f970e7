import { z } from 'zod';
import { defineMethod } from '../method.ts';

/**
 * `eth_syncing` → false: a node serving the trusted chain it sequences (or its read models of it) is never behind a
 * peer it syncs from. (The reference answers `{startingBlock, currentBlock, highestBlock}` on a non-sequencer node
 * relaying to a trusted one; that mode is not part of this node yet.)
 */
export const eth_syncing = defineMethod({
  name: 'eth_syncing',
  params: z.tuple([]),
  handler: () => false as const,
});
