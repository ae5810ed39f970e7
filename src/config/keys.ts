/**
 * Signing keys (`[keys]`): a raw private key (dev) or an encrypted JSON keystore, decrypted only when a role first
 * needs it, with its password from `LEV_KEYS_<NAME>_PASSWORD` in the environment the configuration was loaded
 * from. Passwords never enter the `Config` data.
 */
import { readFile } from 'node:fs/promises';
import type { Wallet } from 'ethers';
import { badValue, ConfigError, oneLine } from './errors.ts';
import type { Config } from './load.ts';
import { configEnvName, type KeyName } from './schema.ts';

const envs = new WeakMap<object, NodeJS.ProcessEnv>();
const wallets = new WeakMap<object, Map<KeyName, Promise<Wallet>>>();

/** Records the environment a configuration was loaded from (for keystore passwords). */
export function rememberEnv(config: object, env: NodeJS.ProcessEnv): void {
  envs.set(config, env);
}

/**
 * The wallet of key `name` (not connected to a provider). A keystore is read and decrypted on the first call
 * (scrypt: may take a second) and the result is cached for this `config`.
 * @throws {ConfigError} when the key is not set, the keystore cannot be read, its password variable is not set,
 *   or it does not decrypt.
 */
export function loadKey(config: Config, name: KeyName): Promise<Wallet> {
  let cache = wallets.get(config);
  if (!cache) {
    cache = new Map();
    wallets.set(config, cache);
  }
  const hit = cache.get(name);
  if (hit) return hit;
  const pending = decrypt(config, name);
  cache.set(name, pending);
  // A failure is not cached: fixing the environment and retrying must work.
  pending.catch(() => cache.delete(name));
  return pending;
}

async function decrypt(config: Config, name: KeyName): Promise<Wallet> {
  const key = `keys.${name}`;
  const ref = config.keys[name];
  const source = config.sources[key] ?? 'default';
  if (ref === undefined) {
    throw new ConfigError(
      `config: ${key} is not set (from ${source}): set [keys] ${name} or ${configEnvName('keys', name)}`,
      { key, source },
    );
  }
  // ethers is loaded when a key is first needed, not by every command that reads its configuration.
  const { Wallet } = await import('ethers');
  if (ref.kind === 'raw') return new Wallet(ref.privateKey);
  let json: string;
  try {
    json = await readFile(ref.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badValue(
      key,
      ref.path,
      source,
      `cannot read the keystore: ${code === 'ENOENT' ? 'no such file' : String(err)}`,
      {
        cause: err,
      },
    );
  }
  const env = envs.get(config) ?? process.env;
  const password = env[ref.passwordEnv];
  if (password === undefined) {
    throw badValue(key, ref.path, source, `the keystore's password is not set (${ref.passwordEnv})`);
  }
  try {
    const wallet = await Wallet.fromEncryptedJson(json, password);
    return wallet instanceof Wallet ? wallet : new Wallet(wallet.privateKey);
  } catch (err) {
    const why =
      err instanceof Error ? ((err as { shortMessage?: string }).shortMessage ?? err.message) : String(err);
    throw badValue(
      key,
      ref.path,
      source,
      `cannot decrypt the keystore with ${ref.passwordEnv}: ${oneLine(why)}`,
      {
        cause: err,
      },
    );
  }
}
