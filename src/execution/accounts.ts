/**
 * Account state as the pool and the RPC read it. Until the executor exists (issue 3), the state is the L2
 * genesis itself: accounts keep their genesis nonce and balance.
 */
import { type Address, toAddress } from '../primitives/index.ts';

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
