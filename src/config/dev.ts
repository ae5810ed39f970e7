/**
 * The development accounts (DESIGN §9): the test mnemonic `test test … junk` at m/44'/60'/0'/0/i, funded on every
 * chain. #0 L1 deployer and L2 coinbase, #1 L1 sequencer, #2 aggregator, #3 DS relayer, #4 prover key; #5–#9 are
 * left for users and tests. Derivation is deterministic; the seed is computed once per process.
 */
import { createRequire } from 'node:module';
import type { HDNodeWallet } from 'ethers';
import { type Address, type Hex, toAddress } from '../primitives/index.ts';

/** ethers, loaded when a dev account is first derived (only `--dev` needs them): not on every command's start-up. */
const loadEthers = () => createRequire(import.meta.url)('ethers') as typeof import('ethers');

/** The well-known test mnemonic. Never use these keys on a public network. */
export const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

/** Which dev account plays which part (DESIGN §9). */
export const DEV_ACCOUNT = {
  deployer: 0,
  coinbase: 0,
  sequencer: 1,
  aggregator: 2,
  dsRelayer: 3,
  prover: 4,
} as const;

let root: HDNodeWallet | undefined;
const cache = new Map<number, { privateKey: Hex; address: Address }>();

/**
 * The dev account `index` (0–9 are funded): its private key and lowercase address. Deterministic.
 * @throws {RangeError} for a negative or non-integer index.
 */
export function devAccount(index: number): { privateKey: Hex; address: Address } {
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** 31)
    throw new RangeError(`bad dev account index ${index}`);
  const hit = cache.get(index);
  if (hit) return hit;
  root ??= loadEthers().HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0");
  const wallet = root.deriveChild(index);
  const account = { privateKey: wallet.privateKey as Hex, address: toAddress(wallet.address) };
  cache.set(index, account);
  return account;
}
