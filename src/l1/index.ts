/** L1: the dev L1 (a Hardhat node). */
export {
  type DevnetAccount,
  DevnetStartError,
  devnetRpc,
  type HardhatDevnet,
  type HardhatDevnetOptions,
  hardhatConfig,
  startHardhatDevnet,
  TEST_MNEMONIC,
} from './devnet.ts';
