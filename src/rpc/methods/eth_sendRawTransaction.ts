import { z } from 'zod';
import { InvalidTxInputError, PoolError } from '../../pool/index.ts';
import { hexToBytes } from '../../primitives/index.ts';
import { InvalidParamsRpcError, ServerRpcError } from '../errors.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import type { PoolRpcDeps } from '../pool/deps.ts';

const HEX_DIGITS = /^[0-9a-fA-F]*$/;

/**
 * The bytes of the input as the reference reads them (`hex.DecodeHex`): a `0x` prefix is optional and an odd
 * number of digits gets a leading 0 (`0x123` is 0x0123); null when it is not hex. Pure.
 */
function decodeTxInput(input: string): Uint8Array | null {
  let digits = input.startsWith('0x') ? input.slice(2) : input;
  if (!HEX_DIGITS.test(digits)) return null;
  if (digits.length % 2 !== 0) digits = `0${digits}`;
  return hexToBytes(`0x${digits}`);
}

/**
 * Admits a signed legacy tx to the pool and returns its hash once the pool read model shows it, so the client's
 * next call sees it. Pool rejections: -32000 with the reference message (zkevm-node-spec §3); input that is not
 * hex, or bytes that are not a transaction: -32602 `invalid tx input` (spec §11) with the reason in `data`.
 */
export const eth_sendRawTransaction = defineMethod({
  name: 'eth_sendRawTransaction',
  params: z.tuple([z.string({ error: 'expected a hex string' })]),
  handler: async ([input], ctx: RpcContext<PoolRpcDeps>) => {
    const raw = decodeTxInput(input);
    if (!raw) throw new InvalidParamsRpcError('invalid tx input', { data: 'not a hex string' });
    try {
      return await ctx.deps.intake.submit(raw, ctx.ip);
    } catch (err) {
      if (err instanceof PoolError) throw new ServerRpcError(err.shortMessage, { cause: err });
      if (err instanceof InvalidTxInputError)
        throw new InvalidParamsRpcError('invalid tx input', { data: err.message });
      throw err;
    }
  },
});
