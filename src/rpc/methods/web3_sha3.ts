import { z } from 'zod';
import { hexToBytes, keccak256Hex } from '../../primitives/index.ts';
import { defineMethod } from '../method.ts';
import { hexData } from '../params.ts';

/**
 * `web3_sha3(data)` → keccak256 of the given bytes, with standard Ethereum semantics (`web3_sha3("0x")` is the
 * empty-input hash, `0x00ff` hashes two bytes).
 *
 * The original zkevm-node parses the input as a big integer, so leading zero bytes are dropped before hashing
 * (`0x00ff` hashes like `0xff`). We deliberately do not copy that quirk: every other client (geth, ethers,
 * viem, solidity's `keccak256`) hashes the bytes as given.
 */
export const web3_sha3 = defineMethod({
  name: 'web3_sha3',
  params: z.tuple([hexData]),
  handler: ([data]) => keccak256Hex(hexToBytes(data)),
});
