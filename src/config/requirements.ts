/**
 * What each role needs beyond the defaults. `loadConfig` cannot know which settings matter (with `--dev` the CLI
 * fills the contract addresses after deploying to the devnet), so the composition root calls
 * {@link checkRoleRequirements} once the configuration is complete, before starting the roles.
 */
import { ConfigError } from './errors.ts';
import type { Config } from './load.ts';
import { configEnvName, type Role } from './schema.ts';

type Requirement = { key: string; isSet: (config: Config) => boolean };

const rollup: Requirement = { key: 'l1.rollupAddress', isSet: (c) => c.l1.rollupAddress !== undefined };
const gerManager: Requirement = {
  key: 'l1.gerManagerAddress',
  isSet: (c) => c.l1.gerManagerAddress !== undefined,
};
const sequencerKey: Requirement = { key: 'keys.sequencer', isSet: (c) => c.keys.sequencer !== undefined };
const aggregatorKey: Requirement = { key: 'keys.aggregator', isSet: (c) => c.keys.aggregator !== undefined };

/** The settings without a usable default that each role reads. */
export const ROLE_REQUIREMENTS: Readonly<Record<Role, readonly Requirement[]>> = {
  rpc: [],
  sequencer: [],
  'sequence-sender': [rollup, sequencerKey],
  'eth-tx-manager': [sequencerKey, aggregatorKey],
  synchronizer: [rollup, gerManager],
  aggregator: [rollup, aggregatorKey],
};

/**
 * Checks that every setting the given roles need is present. Pure.
 * @throws {ConfigError} naming the first missing key, the role that needs it and how to set it.
 */
export function checkRoleRequirements(config: Config, roles: readonly Role[] = config.node.roles): void {
  for (const role of roles) {
    for (const req of ROLE_REQUIREMENTS[role]) {
      if (req.isSet(config)) continue;
      const [section, key] = req.key.split('.') as [string, string];
      const source = config.sources[req.key] ?? 'default';
      throw new ConfigError(
        `config: ${req.key} is not set (from ${source}): role ${role} needs it; set [${section}] ${key} or ${configEnvName(section, key)}`,
        { key: req.key, source },
      );
    }
  }
}
