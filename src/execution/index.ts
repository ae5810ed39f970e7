/** Execution state as the rest of the node reads it. Today: the genesis allocation (the EVM arrives in issue 3). */
export {
  type AccountReader,
  type AccountState,
  createGenesisAccountReader,
  type GenesisAccount,
} from './accounts.ts';
