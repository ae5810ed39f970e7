/**
 * The L2 genesis (DESIGN §9): `{ "accounts": [ { "address", "balance" (decimal wei), "nonce", "bytecode"?,
 * "storage"? (slot → value, hex) } ] }` — the shape of the `genesis` entries in `reference/vectors/` (their extra
 * fields such as `pvtKey` or `isSmartContract` are ignored). With `--dev` and no file: accounts #0–#9 of the test
 * mnemonic with 10,000 ETH each. An optional `"timestamp"` (unix seconds, default 0) is block 0's: block 0 is a
 * pure function of the genesis, so every node of the chain — trusted or rebuilding from L1 — has the same one.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Address, Hex } from '../primitives/index.ts';
import { devAccount } from './dev.ts';
import { badValue, ConfigError, oneLine, showValue } from './errors.ts';
import type { Config } from './load.ts';
import { addressSchema } from './schema.ts';

export type GenesisAccount = {
  address: Address;
  balance: bigint;
  nonce: bigint;
  /** Runtime code, 0x-hex; absent for accounts without code. */
  bytecode?: Hex;
  /** Slot → value, both lowercase 0x-hex padded to 32 bytes. */
  storage?: Record<Hex, Hex>;
};

export type Genesis = {
  accounts: GenesisAccount[];
  /** Block 0's timestamp, unix seconds. @default 0 */
  timestamp: bigint;
};

/** Each dev account holds this much on L2 (10,000 ETH). */
export const DEV_GENESIS_BALANCE = 10_000n * 10n ** 18n;
const DEV_GENESIS_ACCOUNTS = 10;

const decimal = (what: string) =>
  z.unknown().transform((v, ctx): bigint => {
    if (typeof v === 'string' && /^[0-9]+$/.test(v)) return BigInt(v);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    ctx.addIssue({ code: 'custom', message: `expected ${what} as a decimal string` });
    return z.NEVER;
  });

const HEX_WORD = /^0x[0-9a-fA-F]{1,64}$/;
const pad32 = (h: string) => `0x${h.slice(2).toLowerCase().padStart(64, '0')}` as Hex;

const accountSchema = z.object(
  {
    address: addressSchema(),
    balance: decimal('a wei amount'),
    nonce: decimal('a nonce').refine((n) => n < 2n ** 64n, { error: 'expected a nonce below 2^64' }),
    bytecode: z
      .string({ error: 'expected 0x-prefixed hex of whole bytes' })
      .regex(/^0x(?:[0-9a-fA-F]{2})*$/, { error: 'expected 0x-prefixed hex of whole bytes' })
      .transform((s) => s.toLowerCase() as Hex)
      .optional(),
    storage: z
      .record(
        z.string().regex(HEX_WORD, { error: 'expected a slot of at most 32 bytes of 0x-hex' }),
        z.string({ error: 'expected a value of at most 32 bytes of 0x-hex' }).regex(HEX_WORD, {
          error: 'expected a value of at most 32 bytes of 0x-hex',
        }),
        { error: 'expected an object of slot → value' },
      )
      .optional(),
  },
  { error: 'expected an object { address, balance, nonce, bytecode?, storage? }' },
);

/**
 * The L2 genesis of this configuration: `l2.genesisFile`, or with `--dev` and no file the dev genesis.
 * @throws {ConfigError} naming the file and the entry at fault (unreadable, not JSON, a bad field, a duplicate
 *   address), or when there is neither a file nor `--dev`.
 */
export async function loadGenesis(config: Config): Promise<Genesis> {
  const file = config.l2.genesisFile;
  const source = config.sources['l2.genesisFile'] ?? 'default';
  if (file === undefined) {
    if (config.dev) return devGenesis();
    throw new ConfigError(
      `config: l2.genesisFile is not set (from ${source}): a node without --dev needs the L2 genesis file`,
      { key: 'l2.genesisFile', source },
    );
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badValue(
      'l2.genesisFile',
      file,
      source,
      `cannot read it: ${code === 'ENOENT' ? 'no such file' : err}`,
      {
        cause: err,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw badValue(
      'l2.genesisFile',
      file,
      source,
      `not valid JSON: ${oneLine(String((err as Error).message))}`,
      {
        cause: err,
      },
    );
  }
  const fail = (reason: string) => badValue('l2.genesisFile', file, source, reason);
  if (
    typeof json !== 'object' ||
    json === null ||
    !Array.isArray((json as { accounts?: unknown }).accounts)
  ) {
    throw fail('expected a JSON object { "accounts": [...] }');
  }
  const rawTimestamp = (json as { timestamp?: unknown }).timestamp;
  let timestamp = 0n;
  if (rawTimestamp !== undefined) {
    if (typeof rawTimestamp !== 'number' || !Number.isSafeInteger(rawTimestamp) || rawTimestamp < 0)
      throw fail(`timestamp = ${showValue(rawTimestamp)}: expected unix seconds (a non-negative integer)`);
    timestamp = BigInt(rawTimestamp);
  }
  const seen = new Set<Address>();
  const accounts: GenesisAccount[] = [];
  for (const [i, entry] of (json as { accounts: unknown[] }).accounts.entries()) {
    const parsed = accountSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      const value = issue.path.reduce<unknown>((v, p) => (v as Record<PropertyKey, unknown>)?.[p], entry);
      const shown = issue.path.length > 0 ? ` = ${showValue(value)}` : '';
      throw fail(`accounts[${i}]${addressHint(entry)}${path}${shown}: ${issue.message}`);
    }
    const { address, balance, nonce, bytecode, storage } = parsed.data;
    if (seen.has(address)) throw fail(`accounts[${i}] (${address}): duplicate address`);
    seen.add(address);
    const account: GenesisAccount = { address, balance, nonce };
    if (bytecode !== undefined && bytecode !== '0x') account.bytecode = bytecode;
    if (storage !== undefined && Object.keys(storage).length > 0) {
      account.storage = Object.fromEntries(Object.entries(storage).map(([k, v]) => [pad32(k), pad32(v)]));
    }
    accounts.push(account);
  }
  return { accounts, timestamp };
}

function addressHint(entry: unknown): string {
  const a = (entry as { address?: unknown } | null)?.address;
  return typeof a === 'string' ? ` (${a})` : '';
}

/** Accounts #0–#9 of the test mnemonic with 10,000 ETH each, nonce 0. Deterministic. */
export function devGenesis(): Genesis {
  return {
    accounts: Array.from({ length: DEV_GENESIS_ACCOUNTS }, (_v, i) => ({
      address: devAccount(i).address,
      balance: DEV_GENESIS_BALANCE,
      nonce: 0n,
    })),
    timestamp: 0n,
  };
}
