/**
 * The configuration keys (DESIGN §9): one table with, for every `section.key`, its zod schema, its default, how an
 * environment string is read, and a line of documentation. The `Config` type below is checked against the table
 * at compile time, so the table and the type cannot drift. Pure.
 */

import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
// The module itself, not src/l1's index: that one loads ethers and every contract ABI, which no command needs just
// to read its configuration.
import { predictL1ContractAddresses } from '../l1/contracts/addresses.ts';
import { REFERENCE_POOL_LIMITS, REFERENCE_TX_LIFETIME_MS } from '../pool/index.ts';
import {
  type Address,
  checksumAddress,
  type Hex,
  privateKeyToAddress,
  toAddress,
} from '../primitives/index.ts';
import { DEV_ACCOUNT, devAccount } from './dev.ts';

/** The node's roles (DESIGN §3); `--roles` defaults to all of them. */
export const ROLES = [
  'rpc',
  'sequencer',
  'sequence-sender',
  'eth-tx-manager',
  'synchronizer',
  'aggregator',
] as const;
export type Role = (typeof ROLES)[number];

export const NODE_MODES = ['auto', 'trusted', 'permissionless'] as const;
export type NodeMode = (typeof NODE_MODES)[number];

/** Whether this is a permissionless node (`node.mode`; `auto`: a synchronizer without a sequencer). Pure. */
export const isPermissionless = (node: { mode: NodeMode; roles: readonly Role[] }): boolean =>
  node.mode === 'permissionless' ||
  (node.mode === 'auto' && node.roles.includes('synchronizer') && !node.roles.includes('sequencer'));

export const STORE_KINDS = ['postgres', 'eventstoredb'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** The keys a node may hold (`[keys]`). */
export const KEY_NAMES = ['sequencer', 'aggregator', 'prover'] as const;
export type KeyName = (typeof KEY_NAMES)[number];

/**
 * Where a signing key comes from: a raw private key (dev), or an encrypted JSON keystore whose password is read
 * from the environment variable `passwordEnv` when the key is first needed (see `loadKey`).
 */
export type KeyRef =
  | { kind: 'raw'; privateKey: Hex; address: Address }
  | { kind: 'keystore'; path: string; passwordEnv: string };

export type HostPort = { host: string; port: number };

/** Every section of the configuration, after validation. Plain data; wei amounts are bigints. */
export type ConfigSections = {
  node: {
    /** Where the node keeps its files (embedded Postgres under `<dataDir>/pg`); absolute. */
    dataDir: string;
    roles: Role[];
    /**
     * `trusted`: a process of the trusted node (its sequencer may run in another process on the same store): the
     * RPC keeps the pool, the synchronizer compares L1 with the trusted chain. `permissionless`: a node of its own
     * that rebuilds the chain from L1 and relays txs (`rpc.sequencerUrl`). `auto`: permissionless when the roles
     * include the synchronizer but not the sequencer (`--roles rpc,synchronizer`), else trusted (e.g. an RPC-only
     * process in front of the trusted node's store).
     */
    mode: NodeMode;
  };
  db: {
    /** Postgres URL of the read models; `undefined` = the embedded server under `<dataDir>/pg`. */
    url: string | undefined;
  };
  store: {
    kind: StoreKind;
    /** For `eventstoredb`: its `esdb://` URL (required). For `postgres`: `undefined` = the `db` database. */
    url: string | undefined;
  };
  rpc: {
    host: string;
    /** 0 = any free port (tests). */
    port: number;
    /** Largest JSON-RPC batch accepted. */
    batchLimit: number;
    /** Largest request body accepted, in bytes. */
    maxBodyBytes: number;
    /** Requests per second per client IP; 0 = unlimited. */
    rateLimitPerIp: number;
    /**
     * The trusted sequencer's JSON-RPC: a node without the sequencer role relays `eth_sendRawTransaction` there
     * (the reference's `SequencerNodeURI`). Undefined: such a node refuses txs.
     */
    sequencerUrl: string | undefined;
  };
  l2: {
    chainId: number;
    /** Path of the L2 genesis JSON (absolute); `undefined` = the dev genesis (with `--dev`). */
    genesisFile: string | undefined;
    /** Minimum gas price in wei, returned by `eth_gasPrice`. */
    minGasPrice: bigint;
    /** Receives the fees of the batches this node sequences. */
    coinbase: Address;
  };
  sequencer: {
    maxTxsPerBatch: number;
    maxBatchBytes: number;
    /** A batch closes this long after it opened. */
    batchTimeoutMs: number;
  };
  l1: {
    url: string;
    chainId: number;
    rollupAddress: Address | undefined;
    gerManagerAddress: Address | undefined;
    /** L1 confirmations awaited before acting on a block (e.g. proving a virtual batch); at least 1. */
    confirmations: number;
    /** The eth-tx-manager raises the fees of a tx not mined this long after it was sent. */
    gasBumpAfterMs: number;
    /** By this percent each time (at least 10: nodes refuse smaller replacements). */
    gasBumpPercent: number;
    /** Never more per gas than this, in wei (at the cap a tx waits at its price). */
    maxGasPrice: bigint;
  };
  prover: {
    /** Where the aggregator reaches the prover. */
    url: string;
    /** Where `lev prover` listens. */
    listen: HostPort;
  };
  keys: {
    sequencer: KeyRef | undefined;
    aggregator: KeyRef | undefined;
    prover: KeyRef | undefined;
  };
  pool: {
    /** Nonces accepted ahead of the state nonce (reference `AccountQueue`); 0 = unlimited. */
    accountQueue: number;
    /** Pending txs the whole pool holds (reference `GlobalQueue`); 0 = unlimited. */
    globalQueue: number;
    /** Largest batch-encoded tx accepted, in bytes (reference `MaxTxBytesSize`). */
    maxTxBytesSize: number;
    /** Largest tx data accepted, in bytes (reference `MaxTxDataBytesSize`). */
    maxTxDataBytesSize: number;
    /** Senders whose txs the pool refuses (`blocked sender`). */
    blockedSenders: Address[];
    /**
     * A pending tx older than this fails `expired` (reference `TxLifetimeMax`, 3 h; checked every 10 min, or every
     * lifetime if shorter); 0 = never.
     */
    txLifetimeMs: number;
  };
  metrics: {
    host: string;
    /** 0 = any free port (tests). */
    port: number;
  };
};

export type SectionName = keyof ConfigSections;

/** How an environment string is turned into a value before validation. */
export type EnvKind = 'int' | 'bigint' | 'string' | 'list';

export type KeySpec<T> = {
  env: EnvKind;
  schema: z.ZodType<T>;
  /** The raw default (validated like any other value); `dev` is true under `--dev`. */
  default: (dev: boolean) => unknown;
  /** Whether the default differs under `--dev` (its source reads `dev default`). */
  devDefault?: boolean;
  /** Hide the value in errors and descriptions. */
  secret?: boolean;
  /** Resolves relative paths inside the value against `base` (the config file's folder, or the cwd). */
  resolvePaths?: (value: T, base: string) => T;
  doc: string;
};

export type ConfigSpec = {
  [S in SectionName]: { [K in keyof ConfigSections[S]]: KeySpec<ConfigSections[S][K]> };
};

// ---------------------------------------------------------------------------------------------------------------
// Schemas. Each failure carries a reason that reads after "…: " in the error line.

const int = (min: number, max: number, expected: string) =>
  z
    .number({ error: expected })
    .int({ error: expected })
    .min(min, { error: expected })
    .max(max, { error: expected });

const MAX = Number.MAX_SAFE_INTEGER;
const listenPort = () => int(0, 65535, 'expected an integer port 0–65535 (0 = any free port)');
const positive = (what = 'a positive integer') => int(1, MAX, `expected ${what}`);
const nonNegative = (what = 'a non-negative integer') => int(0, MAX, `expected ${what}`);
const chainId = () => int(1, MAX, 'expected a positive integer chain id');

/** `''` (an empty env var or TOML string) means "not set". */
const optional = <T>(schema: z.ZodType<T>): z.ZodType<T | undefined> =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]+)$/;
const host = () =>
  z
    .string({ error: 'expected a host name or IP address' })
    .regex(HOST_RE, { error: 'expected a host name or IP address' });

function urlWith(protocols: readonly string[], what: string) {
  const expected = `expected ${what} URL (${protocols.map((p) => `${p}//`).join(', ')})`;
  return z.string({ error: expected }).refine(
    (s) => {
      try {
        return protocols.includes(new URL(s).protocol);
      } catch {
        return false;
      }
    },
    { error: expected },
  );
}

export const POSTGRES_PROTOCOLS = ['postgres:', 'postgresql:'] as const;
export const ESDB_PROTOCOLS = ['esdb:', 'esdb+discover:'] as const;

const ADDRESS_EXPECTED = 'expected a 0x-prefixed 20-byte address';
/** A 0x address, any case (mixed case must be a valid EIP-55 checksum); output lowercase. */
export const addressSchema = () =>
  z
    .string({ error: ADDRESS_EXPECTED })
    .regex(/^0x[0-9a-fA-F]{40}$/, { error: ADDRESS_EXPECTED })
    .refine(
      (s) => {
        if (s === s.toLowerCase() || s.slice(2) === s.slice(2).toUpperCase()) return true;
        return checksumAddress(s) === s;
      },
      { error: 'bad EIP-55 checksum: check the address or write it in lower case' },
    )
    .transform((s) => toAddress(s));

const WEI_EXPECTED = 'expected a non-negative integer amount of wei (a decimal string or an integer)';
const wei = () =>
  z.unknown().transform((v, ctx): bigint => {
    if (typeof v === 'bigint' && v >= 0n) return v;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'string' && /^[0-9]+$/.test(v)) return BigInt(v);
    ctx.addIssue({ code: 'custom', message: WEI_EXPECTED });
    return z.NEVER;
  });

const pathString = (what: string) =>
  z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });

const resolvePath = (p: string, base: string) => (isAbsolute(p) ? p : resolve(base, p));

/** A comma-separated string or a list of (comma-separated) strings, trimmed, without empties. */
const stringList = (expected: string) =>
  z.union([z.string(), z.array(z.string())], { error: expected }).transform((v) =>
    (Array.isArray(v) ? v : [v])
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  );

const roles = () =>
  stringList('expected a list of roles').transform((list, ctx) => {
    if (list.length === 0) {
      ctx.addIssue({ code: 'custom', message: `expected at least one role (roles: ${ROLES.join(', ')})` });
      return z.NEVER;
    }
    for (const role of list) {
      if (!(ROLES as readonly string[]).includes(role)) {
        ctx.addIssue({ code: 'custom', message: `unknown role "${role}" (roles: ${ROLES.join(', ')})` });
        return z.NEVER;
      }
    }
    return [...new Set(list)] as Role[];
  });

const addressList = () =>
  stringList('expected a list of addresses').transform((list, ctx) => {
    const out: Address[] = [];
    for (const item of list) {
      const parsed = addressSchema().safeParse(item);
      if (!parsed.success) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(item)}: ${parsed.error.issues[0]?.message}`,
        });
        return z.NEVER;
      }
      out.push(parsed.data);
    }
    return out;
  });

const hostPort = () => {
  const expected = 'expected host:port with a port 0–65535';
  return z.string({ error: expected }).transform((s, ctx): HostPort => {
    const at = s.lastIndexOf(':');
    const hostPart = s.slice(0, at);
    const portPart = s.slice(at + 1);
    const port = Number(portPart);
    if (at <= 0 || !/^\d+$/.test(portPart) || port > 65535 || !HOST_RE.test(hostPart)) {
      ctx.addIssue({ code: 'custom', message: expected });
      return z.NEVER;
    }
    return { host: hostPart.replace(/^\[(.*)\]$/, '$1'), port };
  });
};

// secp256k1 group order: a private key must be in [1, n).
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

const keyRef = (name: KeyName) => {
  const expected = 'expected a 0x-prefixed 32-byte private key or the path of an encrypted JSON keystore';
  return z.string({ error: expected }).transform((s, ctx): KeyRef => {
    if (s.startsWith('0x') || s.startsWith('0X')) {
      const k = /^0x[0-9a-fA-F]{64}$/i.test(s) ? BigInt(s) : -1n;
      if (k <= 0n || k >= SECP256K1_N) {
        ctx.addIssue({ code: 'custom', message: `${expected} (not a valid secp256k1 private key)` });
        return z.NEVER;
      }
      const privateKey = s.toLowerCase() as Hex;
      return { kind: 'raw', privateKey, address: privateKeyToAddress(privateKey) };
    }
    if (s.trim() === '') {
      ctx.addIssue({ code: 'custom', message: expected });
      return z.NEVER;
    }
    return { kind: 'keystore', path: s, passwordEnv: keyPasswordEnv(name) };
  });
};

/** The environment variable holding the password of the keystore of key `name`. Pure. */
export function keyPasswordEnv(name: KeyName): string {
  return `LEV_KEYS_${name.toUpperCase()}_PASSWORD`;
}

const devKey = (name: keyof typeof DEV_ACCOUNT) => (dev: boolean) =>
  dev ? devAccount(DEV_ACCOUNT[name]).privateKey : '';

const keySpec = (name: KeyName): KeySpec<KeyRef | undefined> => ({
  env: 'string',
  schema: optional(keyRef(name)),
  default: devKey(name),
  devDefault: true,
  secret: true,
  resolvePaths: (v, base) => (v?.kind === 'keystore' ? { ...v, path: resolvePath(v.path, base) } : v),
  doc: `the ${name} key: a raw 0x private key (dev) or the path of an encrypted JSON keystore (password in ${keyPasswordEnv(name)})`,
});

/** Dev coinbase: account #0 of the test mnemonic, as in the original's local setup. */
/** The dev L1 contracts: deployed by dev account #0 at fixed nonces, so their addresses are known in advance. */
export const devL1Addresses = () => predictL1ContractAddresses(devAccount(DEV_ACCOUNT.deployer).address);

export const DEV_COINBASE = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';

/** The table of every configuration key. */
export const CONFIG_SPEC: ConfigSpec = {
  node: {
    dataDir: {
      env: 'string',
      schema: pathString('a directory path'),
      default: () => './.lev',
      resolvePaths: resolvePath,
      doc: 'where the node keeps its files (embedded Postgres in <dataDir>/pg)',
    },
    roles: {
      env: 'list',
      schema: roles(),
      default: () => [...ROLES],
      doc: `roles this process runs: ${ROLES.join(', ')}`,
    },
    mode: {
      env: 'string',
      schema: z.enum(NODE_MODES, { error: `expected one of ${NODE_MODES.join(', ')}` }),
      default: () => 'auto',
      doc: 'trusted (part of the trusted node), permissionless (rebuilds from L1, relays txs) or auto (by roles)',
    },
  },
  db: {
    url: {
      env: 'string',
      schema: optional(urlWith(POSTGRES_PROTOCOLS, 'a Postgres')),
      default: () => '',
      doc: 'Postgres URL of the read models; empty = embedded Postgres under <dataDir>/pg',
    },
  },
  store: {
    kind: {
      env: 'string',
      schema: z.enum(STORE_KINDS, { error: `expected one of ${STORE_KINDS.join(', ')}` }),
      default: () => 'postgres',
      doc: 'event store backend: postgres or eventstoredb',
    },
    url: {
      env: 'string',
      schema: optional(urlWith([...POSTGRES_PROTOCOLS, ...ESDB_PROTOCOLS], 'an event store')),
      default: () => '',
      doc: 'event store URL: esdb:// for eventstoredb (required); for postgres empty = the [db] database',
    },
  },
  rpc: {
    host: { env: 'string', schema: host(), default: () => '127.0.0.1', doc: 'JSON-RPC listen address' },
    port: { env: 'int', schema: listenPort(), default: () => 8123, doc: 'JSON-RPC HTTP + WebSocket port' },
    batchLimit: {
      env: 'int',
      schema: positive(),
      default: () => 100,
      doc: 'largest JSON-RPC batch accepted',
    },
    maxBodyBytes: {
      env: 'int',
      schema: positive(),
      default: () => 5 * 1024 * 1024,
      doc: 'largest request body, in bytes',
    },
    rateLimitPerIp: {
      env: 'int',
      schema: nonNegative(),
      default: () => 500,
      doc: 'requests per second per client IP; 0 = unlimited',
    },
    sequencerUrl: {
      env: 'string',
      schema: optional(urlWith(['http:', 'https:'], 'a JSON-RPC')),
      default: () => '',
      doc: 'trusted sequencer JSON-RPC; a node without the sequencer role relays eth_sendRawTransaction there',
    },
  },
  l2: {
    chainId: { env: 'int', schema: chainId(), default: () => 1001, doc: 'L2 chain id' },
    genesisFile: {
      env: 'string',
      schema: optional(pathString('a file path')),
      default: () => '',
      resolvePaths: (v, base) => (v === undefined ? v : resolvePath(v, base)),
      doc: 'L2 genesis JSON; empty with --dev = accounts #0–#9 of the test mnemonic with 10,000 ETH',
    },
    minGasPrice: {
      env: 'bigint',
      schema: wei(),
      default: () => '1000000000',
      doc: 'minimum gas price in wei (eth_gasPrice)',
    },
    coinbase: {
      env: 'string',
      schema: addressSchema(),
      default: () => DEV_COINBASE,
      doc: 'receives the fees of the batches this node sequences',
    },
  },
  sequencer: {
    maxTxsPerBatch: {
      env: 'int',
      schema: positive(),
      default: () => 100,
      doc: 'a batch closes at this many txs',
    },
    maxBatchBytes: {
      env: 'int',
      // The rollup contract refuses a sequence with a batch above 120000 bytes (TransactionsLengthAboveMax).
      schema: int(
        1,
        120_000,
        'expected a positive integer of at most 120000 (the contract refuses larger batches)',
      ),
      default: () => 120_000,
      doc: 'a batch closes before its batchL2Data exceeds this many bytes (at most 120000)',
    },
    batchTimeoutMs: {
      env: 'int',
      schema: positive(),
      default: () => 2000,
      doc: 'a batch closes this many ms after it opened',
    },
  },
  l1: {
    url: {
      env: 'string',
      // Every L1 client of the node speaks HTTP (fetch): a ws:// URL would fail every call.
      schema: urlWith(['http:', 'https:'], 'an L1 JSON-RPC'),
      default: () => 'http://127.0.0.1:8545',
      doc: 'L1 JSON-RPC endpoint',
    },
    chainId: { env: 'int', schema: chainId(), default: () => 1337, doc: 'L1 chain id' },
    rollupAddress: {
      env: 'string',
      schema: optional(addressSchema()),
      default: (dev: boolean) => (dev ? devL1Addresses().rollup : ''),
      devDefault: true,
      doc: 'the rollup contract on L1 (with --dev: the devnet deployment)',
    },
    gerManagerAddress: {
      env: 'string',
      schema: optional(addressSchema()),
      default: (dev: boolean) => (dev ? devL1Addresses().globalExitRootManager : ''),
      devDefault: true,
      doc: 'the global-exit-root manager on L1 (with --dev: the devnet deployment)',
    },
    confirmations: {
      env: 'int',
      schema: positive('an integer ≥ 1 (nothing waits on zero confirmations)'),
      default: () => 2,
      doc: 'L1 confirmations awaited before proving',
    },
    gasBumpAfterMs: {
      env: 'int',
      schema: positive(),
      default: (dev: boolean) => (dev ? 10_000 : 120_000),
      devDefault: true,
      doc: 'the eth-tx-manager raises the fees of an L1 tx not mined this many ms after it was sent',
    },
    gasBumpPercent: {
      env: 'int',
      schema: int(
        10,
        1000,
        'expected an integer percent from 10 (nodes refuse smaller replacements) to 1000',
      ),
      default: () => 20,
      doc: 'by this percent per bump',
    },
    maxGasPrice: {
      env: 'bigint',
      schema: wei(),
      default: () => '1000000000000',
      doc: 'the most an L1 tx pays per gas, in wei (at the cap it waits at its price)',
    },
  },
  prover: {
    url: {
      env: 'string',
      schema: urlWith(['http:', 'https:'], 'a prover'),
      default: () => 'http://127.0.0.1:50051',
      doc: 'where the aggregator reaches the prover (Connect RPC)',
    },
    listen: {
      env: 'string',
      schema: hostPort(),
      default: () => '127.0.0.1:50051',
      doc: 'where lev prover listens',
    },
  },
  keys: {
    sequencer: keySpec('sequencer'),
    aggregator: keySpec('aggregator'),
    prover: keySpec('prover'),
  },
  pool: {
    accountQueue: {
      env: 'int',
      schema: nonNegative(),
      default: () => REFERENCE_POOL_LIMITS.accountQueue,
      doc: 'nonces accepted ahead of the state nonce; 0 = unlimited',
    },
    globalQueue: {
      env: 'int',
      schema: nonNegative(),
      default: () => REFERENCE_POOL_LIMITS.globalQueue,
      doc: 'pending txs the pool holds; 0 = unlimited',
    },
    maxTxBytesSize: {
      env: 'int',
      schema: positive(),
      default: () => REFERENCE_POOL_LIMITS.maxTxBytesSize,
      doc: 'largest signed tx (RLP), in bytes',
    },
    maxTxDataBytesSize: {
      env: 'int',
      schema: positive(),
      default: () => REFERENCE_POOL_LIMITS.maxTxDataBytesSize,
      doc: 'largest tx data, in bytes',
    },
    blockedSenders: {
      env: 'list',
      schema: addressList(),
      default: () => [],
      doc: 'senders the pool refuses (comma-separated in the environment)',
    },
    txLifetimeMs: {
      env: 'int',
      schema: nonNegative(),
      default: () => REFERENCE_TX_LIFETIME_MS,
      doc: "a pending tx older than this many ms fails 'expired' (checked every 10 min, or every lifetime if shorter); 0 = never",
    },
  },
  metrics: {
    host: {
      env: 'string',
      schema: host(),
      default: () => '127.0.0.1',
      doc: 'metrics and health listen address',
    },
    port: { env: 'int', schema: listenPort(), default: () => 9091, doc: '/metrics, /healthz, /readyz port' },
  },
};

export const SECTIONS = Object.keys(CONFIG_SPEC) as SectionName[];

/** `batchTimeoutMs` → `BATCH_TIMEOUT_MS`. Pure. */
export function upperSnake(camel: string): string {
  return camel.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** `BATCH_TIMEOUT_MS` → `batchTimeoutMs`. Pure. */
export function camelFromSnake(snake: string): string {
  return snake.toLowerCase().replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The environment variable of `section.key`: `LEV_<SECTION>_<KEY>` (`LEV_SEQUENCER_BATCH_TIMEOUT_MS`). Pure. */
export function configEnvName(section: string, key: string): string {
  return `LEV_${upperSnake(section)}_${upperSnake(key)}`;
}
