import { z } from 'zod';
import { ServerRpcError } from '../errors.ts';
import { defineMethod } from '../method.ts';

/** `eth_newPendingTransactionFilter()`: -32000 `not supported yet`, as the reference. */
export const eth_newPendingTransactionFilter = defineMethod({
  name: 'eth_newPendingTransactionFilter',
  params: z.tuple([]),
  handler: (): never => {
    throw new ServerRpcError('not supported yet');
  },
});
