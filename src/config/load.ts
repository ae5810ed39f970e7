/**
 * Loading the configuration (DESIGN §9): defaults < TOML file < environment `LEV_<SECTION>_<KEY>` < flags.
 * Every value is validated by its key's schema; anything wrong — an unknown section, key or `LEV_` variable, a
 * wrong type, a bad address, URL, port or key — is a {@link ConfigError} whose one-line message names the key and
 * where its value came from.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { badValue, ConfigError, oneLine } from './errors.ts';
import { rememberEnv } from './keys.ts';
import {
  CONFIG_SPEC,
  type ConfigSections,
  camelFromSnake,
  configEnvName,
  ESDB_PROTOCOLS,
  KEY_NAMES,
  type KeySpec,
  POSTGRES_PROTOCOLS,
  SECTIONS,
  type SectionName,
  upperSnake,
} from './schema.ts';

/** The validated configuration: plain data (wei amounts as bigints), plus where each value came from. */
export type Config = ConfigSections & {
  /** Started with `--dev`. */
  dev: boolean;
  /** The TOML file read, absolute; `undefined` when none. */
  configFile: string | undefined;
  /** `section.key` → where its value came from: `default`, `dev default`, a file path, an env var, a flag. */
  sources: Record<string, string>;
};

export type ConfigFlags = {
  dev?: boolean;
  /** `--roles`; each item may itself be comma-separated. */
  roles?: string[];
};

export type LoadConfigOptions = {
  /** `--config`: a TOML file. */
  file?: string;
  /** Defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  flags?: ConfigFlags;
  /** Relative paths from the environment, flags and defaults resolve here; defaults to `process.cwd()`. */
  cwd?: string;
};

/**
 * `LEV_` variables that are not configuration keys and are therefore allowed: logging, test and bench settings,
 * and keystore passwords (`LEV_KEYS_<NAME>_PASSWORD`, NAME one of the `[keys]`).
 */
export const ENV_ALLOWLIST: readonly (string | RegExp)[] = [
  'LEV_LOG_LEVEL',
  'LEV_LOG_PRETTY',
  /^LEV_TEST_/,
  /^LEV_BENCH_/,
  /^LEV_KEYS_[A-Z0-9_]+_PASSWORD$/,
];

/** A value with its source; `shown` is what an error line prints (the raw environment string). */
type Layer = { value: unknown; source: string; base: string; shown?: unknown };

/** Every configuration key's environment variable → its `section.key`. */
const ENV_INDEX = new Map<string, { section: SectionName; key: string }>(
  SECTIONS.flatMap((section) =>
    Object.keys(CONFIG_SPEC[section]).map((key) => [configEnvName(section, key), { section, key }] as const),
  ),
);

function specOf(section: SectionName, key: string): KeySpec<unknown> | undefined {
  const table = CONFIG_SPEC[section] as Record<string, KeySpec<unknown>>;
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function isSection(name: string): name is SectionName {
  return (SECTIONS as string[]).includes(name);
}

/**
 * Loads and validates the configuration. Reads the TOML file when `file` is given; touches nothing else (keystores
 * are decrypted later by `loadKey`, the genesis is read by `loadGenesis`).
 * @throws {ConfigError} one line naming the key and the source of the bad value, or the file that cannot be read.
 */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<Config> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const dev = opts.flags?.dev ?? false;
  const layers = new Map<string, Layer>();

  for (const section of SECTIONS) {
    for (const [key, spec] of Object.entries(CONFIG_SPEC[section]) as [string, KeySpec<unknown>][]) {
      const source = dev && spec.devDefault ? 'dev default' : 'default';
      layers.set(`${section}.${key}`, { value: spec.default(dev), source, base: cwd });
    }
  }

  let configFile: string | undefined;
  if (opts.file !== undefined) {
    configFile = resolve(cwd, opts.file);
    const table = await readToml(opts.file, configFile);
    applyFile(layers, table, opts.file, dirname(configFile));
  }

  applyEnv(layers, env, cwd);

  if (opts.flags?.roles !== undefined) {
    layers.set('node.roles', {
      value: opts.flags.roles,
      source: '--roles',
      base: cwd,
      shown: opts.flags.roles.join(','),
    });
  }

  const sections: Record<string, Record<string, unknown>> = {};
  const sources: Record<string, string> = {};
  for (const section of SECTIONS) {
    const out: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(CONFIG_SPEC[section]) as [string, KeySpec<unknown>][]) {
      const name = `${section}.${key}`;
      const layer = layers.get(name)!;
      const parsed = spec.schema.safeParse(layer.value);
      if (!parsed.success) {
        const reason = parsed.error.issues[0]?.message ?? 'invalid value';
        const shown = 'shown' in layer ? layer.shown : layer.value;
        throw badValue(name, shown, layer.source, reason, { secret: isSecretValue(spec, layer.value) });
      }
      out[key] = spec.resolvePaths ? spec.resolvePaths(parsed.data, layer.base) : parsed.data;
      sources[name] = layer.source;
    }
    sections[section] = out;
  }

  const config = { ...(sections as unknown as ConfigSections), dev, configFile, sources } satisfies Config;
  checkStore(config);
  rememberEnv(config, env);
  return config;
}

/** Raw keys are secret; keystore paths are not. */
function isSecretValue(spec: KeySpec<unknown>, value: unknown): boolean {
  if (!spec.secret) return false;
  return !(typeof value === 'string' && value !== '' && !/^0x/i.test(value));
}

async function readToml(given: string, path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(err);
    throw new ConfigError(`config: cannot read the config file ${given}: ${oneLine(why)}`, {
      source: given,
      cause: err,
    });
  }
  try {
    return parseToml(text, { integersAsBigInt: 'asNeeded' }) as Record<string, unknown>;
  } catch (err) {
    const first = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
    const where = err instanceof TomlError ? ` (line ${err.line}, column ${err.column})` : '';
    throw new ConfigError(`config: cannot parse the config file ${given}: ${oneLine(first)}${where}`, {
      source: given,
      cause: err,
    });
  }
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function applyFile(layers: Map<string, Layer>, table: Record<string, unknown>, source: string, base: string) {
  for (const [section, body] of Object.entries(table)) {
    if (!isSection(section)) {
      if (!isTable(body)) {
        throw new ConfigError(
          `config: unknown key ${section} at the top level (from ${source}): settings belong in a section (${SECTIONS.map((s) => `[${s}]`).join(', ')})`,
          { key: section, source },
        );
      }
      const hint = suggest(section, SECTIONS);
      throw new ConfigError(
        `config: unknown section [${section}] (from ${source})${hint ? `; did you mean [${hint}]?` : `; sections: ${SECTIONS.join(', ')}`}`,
        { key: section, source },
      );
    }
    if (!isTable(body)) {
      throw badValue(section, body, source, `expected a [${section}] table`);
    }
    const keys = Object.keys(CONFIG_SPEC[section]);
    for (const [key, value] of Object.entries(body)) {
      if (!specOf(section, key)) {
        const hint = suggest(key, keys);
        throw new ConfigError(
          `config: unknown key ${section}.${key} (from ${source})${hint ? `; did you mean ${section}.${hint}?` : `; [${section}] has ${keys.join(', ')}`}`,
          { key: `${section}.${key}`, source },
        );
      }
      layers.set(`${section}.${key}`, { value, source, base });
    }
  }
}

function applyEnv(layers: Map<string, Layer>, env: NodeJS.ProcessEnv, cwd: string) {
  const names = Object.keys(env)
    .filter((n) => n.startsWith('LEV_'))
    .sort();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined) continue;
    if (isAllowedEnv(name)) continue;
    const hit = ENV_INDEX.get(name);
    if (!hit) throw unknownEnv(name);
    const spec = specOf(hit.section, hit.key)!;
    layers.set(`${hit.section}.${hit.key}`, {
      value: fromEnvString(spec.env, raw),
      source: name,
      base: cwd,
      shown: raw,
    });
  }
}

/** @throws {ConfigError} for a password variable of a key that does not exist. */
function isAllowedEnv(name: string): boolean {
  const allowed = ENV_ALLOWLIST.some((p) => (typeof p === 'string' ? p === name : p.test(name)));
  if (!allowed) return false;
  const password = /^LEV_KEYS_([A-Z0-9_]+)_PASSWORD$/.exec(name);
  if (password) {
    const keyName = camelFromSnake(password[1]!);
    if (!(KEY_NAMES as readonly string[]).includes(keyName)) {
      throw new ConfigError(
        `config: unknown environment variable ${name}: keys.${keyName} is not a key (keys: ${KEY_NAMES.join(', ')})`,
        { key: `keys.${keyName}`, source: name },
      );
    }
  }
  return true;
}

function unknownEnv(name: string): ConfigError {
  const section = SECTIONS.find((s) => name.startsWith(`LEV_${upperSnake(s)}_`));
  if (!section) {
    const guess = camelFromSnake(name.slice(4).split('_')[0] ?? '');
    return new ConfigError(
      `config: unknown environment variable ${name}: there is no section [${guess}] (sections: ${SECTIONS.join(', ')})`,
      { source: name },
    );
  }
  const key = camelFromSnake(name.slice(`LEV_${upperSnake(section)}_`.length));
  const known = Object.keys(CONFIG_SPEC[section]).map((k) => configEnvName(section, k));
  const hint = suggest(name, known);
  return new ConfigError(
    `config: unknown environment variable ${name}: ${section}.${key} is not a configuration key${hint ? `; did you mean ${hint}?` : `; [${section}] has ${known.join(', ')}`}`,
    { key: `${section}.${key}`, source: name },
  );
}

/** Environment strings become the type the schema expects; anything unreadable stays a string for the error. */
function fromEnvString(kind: KeySpec<unknown>['env'], raw: string): unknown {
  const text = raw.trim();
  switch (kind) {
    case 'int':
      return /^-?\d+$/.test(text) ? Number(text) : raw;
    case 'bigint':
    case 'string':
      return text;
    case 'list':
      return text.split(',');
    default: {
      const never: never = kind;
      return never;
    }
  }
}

function checkStore(config: Config) {
  const { kind, url } = config.store;
  const source = config.sources['store.url']!;
  if (kind === 'eventstoredb') {
    if (url === undefined) {
      throw new ConfigError(
        `config: store.url is not set (from ${source}): store.kind = "eventstoredb" (from ${config.sources['store.kind']}) needs an esdb:// URL`,
        { key: 'store.url', source },
      );
    }
    if (!(ESDB_PROTOCOLS as readonly string[]).includes(new URL(url).protocol)) {
      throw badValue('store.url', url, source, 'store.kind = "eventstoredb" needs an esdb:// URL');
    }
  } else if (
    url !== undefined &&
    !(POSTGRES_PROTOCOLS as readonly string[]).includes(new URL(url).protocol)
  ) {
    throw badValue(
      'store.url',
      url,
      source,
      'store.kind = "postgres" needs a postgres:// URL (or none: the [db] one)',
    );
  }
}

/** The closest candidate within a small edit distance, if any. Pure. */
function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_v, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
