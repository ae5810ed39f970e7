import { z } from 'zod';
import { toQuantity } from '../../primitives/index.ts';
import { InvalidParamsRpcError } from '../errors.ts';
import { defineMethod, type RpcContext } from '../method.ts';
import { address, blockTag } from '../params.ts';
import { stateBlock } from '../read/blocks.ts';
import type { ReadRpcDeps } from '../read/deps.ts';
import { decodeStorageKey } from '../read/storage-key.ts';

/** Most storage keys one call may ask for (geth's limit). */
export const MAX_PROOF_KEYS = 1024;

/**
 * `eth_getProof(address, storageKeys, block?)` (EIP-1186): the account and storage proofs at the block's state
 * root, from the executor's archive trie. Keys are read as in `eth_getStorageAt`; each comes back as given when it
 * was 32 bytes, else as a quantity (geth). An absent account proves its absence; its slots are 0 with no nodes. A block that does not exist: -32000 `header not found`.
 */
export const eth_getProof = defineMethod({
  name: 'eth_getProof',
  params: z.tuple([address, z.array(z.string()), blockTag.optional()]),
  handler: async ([addr, keys, ref], ctx: RpcContext<ReadRpcDeps>) => {
    if (keys.length > MAX_PROOF_KEYS) throw new InvalidParamsRpcError('too many keys');
    const decoded = keys.map(decodeStorageKey);
    const block = await stateBlock(ctx.deps.db.pool, ref, ctx.deps.head);
    const proof = await ctx.deps.executor.getProof(
      block.stateRoot,
      addr,
      decoded.map((k) => k.slot),
    );
    return {
      address: proof.address,
      accountProof: proof.accountProof,
      balance: toQuantity(proof.balance),
      codeHash: proof.codeHash,
      nonce: toQuantity(proof.nonce),
      storageHash: proof.storageHash,
      // The executor gives no storage entries for an absent account; geth answers each key with 0 and no nodes.
      storageProof: decoded.map((k, i) => {
        const p = proof.storageProof[i];
        return {
          key: k.inputBytes === 32 ? k.slot : toQuantity(BigInt(k.slot)),
          value: toQuantity(p?.value ?? 0n),
          proof: p?.proof ?? [],
        };
      }),
    };
  },
});
