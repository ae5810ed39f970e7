/**
 * Account state as the pool and the RPC read it: the genesis allocation (before any block exists, or on a node
 * without state), or the executor's state at the latest root.
 */
import { type Address, type Hash, toAddress } from '../primitives/index.ts';

export type AccountState = { nonce: bigint; balance: bigint };

export type AccountReader = {
  /** Nonce and balance at the latest state; zeros for an unknown account. */
  getAccount(address: Address): Promise<AccountState>;
};

export type GenesisAccount = { address: string; balance: bigint; nonce: bigint };

/** An account reader over the genesis allocation. */
export function createGenesisAccountReader(accounts: readonly GenesisAccount[]): AccountReader {
  const byAddress = new Map<string, AccountState>(
    accounts.map((a) => [toAddress(a.address), { nonce: a.nonce, balance: a.balance }]),
  );
  const empty: AccountState = { nonce: 0n, balance: 0n };
  return {
    getAccount: async (address) => byAddress.get(toAddress(address)) ?? empty,
  };
}

/** What {@link createStateAccountReader} needs of the executor. */
export type StateReader = {
  getAccount(stateRoot: Hash, address: Address): Promise<AccountState>;
};

/**
 * An account reader over executed state: each read asks `latestRoot()` for the root to read at (e.g. the root
 * of the last L2 block in the read model), so it always answers for the latest state.
 * @throws {UnknownStateRootError} (from the executor) when the root is not in the trie store.
 */
export function createStateAccountReader(
  executor: StateReader,
  latestRoot: () => Hash | Promise<Hash>,
): AccountReader {
  return {
    getAccount: async (address) => {
      const { nonce, balance } = await executor.getAccount(await latestRoot(), toAddress(address));
      return { nonce, balance };
    },
  };
}
