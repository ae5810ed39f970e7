/**
 * Configuration (DESIGN §9). Invariants:
 * - precedence is defaults < TOML file (`--config`) < environment `LEV_<SECTION>_<KEY>` < flags (`--dev`,
 *   `--roles`);
 * - every unknown section, key or `LEV_` variable (outside {@link ENV_ALLOWLIST}) and every bad value is a
 *   critical {@link ConfigError} with a one-line message naming `section.key` and the value's source;
 * - the `Config` is plain data (wei as bigints); secrets (raw keys) are hidden by `describeConfig` and
 *   `formatConfig`; keystore passwords never enter it (`loadKey` reads them when a key is first needed).
 */
export { describeConfig, formatConfig, redactUrl } from './describe.ts';
export { DEV_ACCOUNT, DEV_MNEMONIC, devAccount } from './dev.ts';
export { ConfigError, type ConfigErrorOptions } from './errors.ts';
export {
  DEV_GENESIS_BALANCE,
  devGenesis,
  type Genesis,
  type GenesisAccount,
  loadGenesis,
} from './genesis.ts';
export { loadKey } from './keys.ts';
export {
  type Config,
  type ConfigFlags,
  ENV_ALLOWLIST,
  type LoadConfigOptions,
  loadConfig,
} from './load.ts';
export { checkRoleRequirements, ROLE_REQUIREMENTS } from './requirements.ts';
export {
  CONFIG_SPEC,
  type ConfigSections,
  configEnvName,
  DEV_COINBASE,
  type HostPort,
  isPermissionless,
  KEY_NAMES,
  type KeyName,
  type KeyRef,
  keyPasswordEnv,
  NODE_MODES,
  type NodeMode,
  ROLES,
  type Role,
  STORE_KINDS,
  type StoreKind,
} from './schema.ts';
