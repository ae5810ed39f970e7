/**
 * Views of a configuration for people and tools: {@link describeConfig} (plain JSON for `lev info --json`) and
 * {@link formatConfig} (aligned text). Secrets never appear: raw keys show only their address, URL passwords are
 * masked. Pure.
 */
import type { Config } from './load.ts';
import { CONFIG_SPEC, type KeyRef, SECTIONS } from './schema.ts';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Masks the password of a URL (`postgres://lev:***@db/lev`). Pure. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function describeKey(ref: KeyRef | undefined): Json {
  if (ref === undefined) return null;
  if (ref.kind === 'raw') return { kind: 'raw', address: ref.address };
  return { kind: 'keystore', path: ref.path, passwordEnv: ref.passwordEnv };
}

function toJson(value: unknown): Json {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return String(value);
}

/**
 * A plain JSON-able object of the configuration: bigints as decimal strings, unset values as `null`,
 * `prover.listen` as `host:port`, keys as their address or keystore path, URL passwords masked. Pure.
 */
export function describeConfig(config: Config): Record<string, Json> {
  const listen = config.prover.listen;
  return {
    dev: config.dev,
    configFile: config.configFile ?? null,
    node: toJson(config.node),
    db: {
      url: config.db.url === undefined ? null : redactUrl(config.db.url),
      embedded: config.db.url === undefined,
    },
    store: {
      kind: config.store.kind,
      url: config.store.url === undefined ? null : redactUrl(config.store.url),
    },
    rpc: toJson(config.rpc),
    l2: toJson(config.l2),
    sequencer: toJson(config.sequencer),
    l1: { ...(toJson(config.l1) as Record<string, Json>), url: redactUrl(config.l1.url) },
    prover: {
      url: redactUrl(config.prover.url),
      listen: listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`,
    },
    keys: {
      sequencer: describeKey(config.keys.sequencer),
      aggregator: describeKey(config.keys.aggregator),
      prover: describeKey(config.keys.prover),
    },
    pool: toJson(config.pool),
    metrics: toJson(config.metrics),
    sources: { ...config.sources },
  };
}

function showJson(value: Json): string {
  if (value === null) return '(not set)';
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.map(showJson).join(', ');
  if (typeof value === 'object') {
    if (value['kind'] === 'raw') return `raw key of ${value['address']}`;
    if (value['kind'] === 'keystore')
      return `keystore ${value['path']} (password in ${value['passwordEnv']})`;
    return JSON.stringify(value);
  }
  return String(value);
}

/**
 * The configuration as text: one `[section]` block per section, one `key = value  (source)` line per key, in
 * the order of the key table. Pure.
 */
export function formatConfig(config: Config): string {
  const described = describeConfig(config);
  const lines: string[] = [];
  lines.push(
    `mode   ${config.dev ? 'dev' : 'production'}${config.configFile ? `, config ${config.configFile}` : ''}`,
  );
  const keyWidth = Math.max(...SECTIONS.flatMap((s) => Object.keys(CONFIG_SPEC[s]).map((k) => k.length)));
  for (const section of SECTIONS) {
    lines.push('', `[${section}]`);
    const body = described[section] as Record<string, Json>;
    const rows = Object.keys(CONFIG_SPEC[section]).map((key) => ({
      key,
      value: showJson(body[key] ?? null),
      source: config.sources[`${section}.${key}`] ?? 'default',
    }));
    const valueWidth = Math.min(60, Math.max(...rows.map((r) => r.value.length)));
    for (const r of rows)
      lines.push(`${r.key.padEnd(keyWidth)} = ${r.value.padEnd(valueWidth)}  (${r.source})`);
  }
  return lines.join('\n');
}
