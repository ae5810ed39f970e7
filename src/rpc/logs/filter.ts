/**
 * The log filter object of `eth_getLogs`, `eth_newFilter` and `eth_subscribe('logs', …)`: parsing with geth-style
 * messages, resolving its block range against the read models, and matching a log in memory (for the poller).
 * Pure except {@link resolveLogBlocks} (reads the read models).
 */
import { z } from 'zod';
import type { SqlClient } from '../../../projections/index.ts';
import type { LogBlocks, LogRow } from '../../../projections/l2/index.ts';
import type { Address, Hash } from '../../primitives/index.ts';
import { InvalidParamsRpcError } from '../errors.ts';
import { address, type BlockNumberRef, blockNumberOrTag, hash } from '../params.ts';
import { tagBlockNumber } from '../read/blocks.ts';

/** A parsed log filter. `topics[i]` null = any topic at position i, else one of the listed topics. */
export type LogFilter = {
  readonly addresses: readonly Address[];
  readonly topics: readonly (readonly Hash[] | null)[];
} & (
  | { readonly kind: 'range'; readonly fromBlock?: BlockNumberRef; readonly toBlock?: BlockNumberRef }
  | { readonly kind: 'hash'; readonly blockHash: Hash }
);

/** The most topic positions a filter may name (a log has at most 4 topics). */
export const MAX_TOPICS = 4;

/** geth's message when `blockHash` comes with `fromBlock`/`toBlock`. */
export const BLOCK_HASH_AND_RANGE_MESSAGE =
  'cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other';

const present = (v: unknown) => v !== undefined && v !== null;

function field<T>(schema: z.ZodType<T>, value: unknown, name: string): { value: T } | { error: string } {
  const r = schema.safeParse(value);
  return r.success ? { value: r.data } : { error: `${name}: ${r.error.issues[0]?.message ?? 'invalid'}` };
}

/** Parses a filter object; returns the filter or a message. */
function parseFilter(value: unknown): LogFilter | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `expected a filter object, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`;
  const obj = value as Record<string, unknown>;

  let addresses: Address[] = [];
  if (present(obj['address'])) {
    const raw = Array.isArray(obj['address']) ? obj['address'] : [obj['address']];
    for (const a of raw) {
      const parsed = field(address, a, 'address');
      if ('error' in parsed) return parsed.error;
      addresses.push(parsed.value);
    }
    addresses = [...new Set(addresses)];
  }

  const topics: (Hash[] | null)[] = [];
  if (present(obj['topics'])) {
    if (!Array.isArray(obj['topics'])) return 'topics: expected an array';
    if (obj['topics'].length > MAX_TOPICS) return 'topics: exceed max topics';
    for (const [i, t] of obj['topics'].entries()) {
      if (t === null || t === undefined) {
        topics.push(null);
        continue;
      }
      const alternatives = Array.isArray(t) ? t : [t];
      const list: Hash[] = [];
      let any = alternatives.length === 0;
      for (const h of alternatives) {
        if (h === null) {
          any = true;
          continue;
        }
        const parsed = field(hash, h, `topics.${i}`);
        if ('error' in parsed) return parsed.error;
        list.push(parsed.value);
      }
      topics.push(any ? null : [...new Set(list)]);
    }
    while (topics.length > 0 && topics.at(-1) === null) topics.pop();
  }

  if (present(obj['blockHash'])) {
    if (present(obj['fromBlock']) || present(obj['toBlock'])) return BLOCK_HASH_AND_RANGE_MESSAGE;
    const blockHash = field(hash, obj['blockHash'], 'blockHash');
    if ('error' in blockHash) return blockHash.error;
    return { kind: 'hash', blockHash: blockHash.value, addresses, topics };
  }
  const range: { fromBlock?: BlockNumberRef; toBlock?: BlockNumberRef } = {};
  for (const name of ['fromBlock', 'toBlock'] as const) {
    if (!present(obj[name])) continue;
    const ref = field(blockNumberOrTag, obj[name], name);
    if ('error' in ref) return ref.error;
    range[name] = ref.value;
  }
  return { kind: 'range', ...range, addresses, topics };
}

/**
 * The zod schema of a filter param: `{fromBlock?, toBlock?, address?, topics?}` or `{blockHash, address?, topics?}`
 * → {@link LogFilter}. `fromBlock`/`toBlock` are tags or numbers (absent = `latest`), `address` one address or a
 * list (any of them), `topics` positional (null = any, a list = any of them, at most 4). A failure is -32602.
 */
export const logFilter = z.unknown().transform((value, ctx): LogFilter => {
  const out = parseFilter(value);
  if (typeof out === 'string') {
    ctx.issues.push({ code: 'custom', message: out, input: value });
    return z.NEVER;
  }
  return out;
});

/**
 * The block number a bound names now (`latest`/`pending` = the highest block; absent = `latest`); null before the
 * first block.
 */
export async function boundBlockNumber(
  sql: SqlClient,
  ref: BlockNumberRef | undefined,
): Promise<bigint | null> {
  if (ref === undefined) return tagBlockNumber(sql, 'latest');
  return ref.kind === 'number' ? ref.number : tagBlockNumber(sql, ref.tag);
}

/**
 * The blocks a filter covers now, or null when it covers none (no blocks yet, or from > to).
 * @throws {InvalidParamsRpcError} -32602 `logs are limited to a N block range` when to − from exceeds
 *   `maxBlockRange` (the reference's check); -32602 `invalid block range` for numbers from > to (geth's check).
 */
export async function resolveLogBlocks(
  sql: SqlClient,
  filter: LogFilter,
  maxBlockRange: number,
): Promise<LogBlocks | null> {
  if (filter.kind === 'hash') return { blockHash: filter.blockHash };
  // Two numbers the wrong way round are the caller's mistake (geth's check). The reference also refuses a range
  // whose tags resolve the wrong way round; we keep geth's `[]` there (`fromBlock` past the head, as a client polling
  // for the next block sends, or `latest`..`earliest`).
  if (
    filter.fromBlock?.kind === 'number' &&
    filter.toBlock?.kind === 'number' &&
    filter.fromBlock.number > filter.toBlock.number
  )
    throw new InvalidParamsRpcError('invalid block range');
  const fromBlock = await boundBlockNumber(sql, filter.fromBlock);
  const toBlock = await boundBlockNumber(sql, filter.toBlock);
  if (fromBlock === null || toBlock === null || fromBlock > toBlock) return null;
  if (toBlock - fromBlock > BigInt(maxBlockRange))
    throw new InvalidParamsRpcError(`logs are limited to a ${maxBlockRange} block range`);
  return { fromBlock, toBlock };
}

/** Whether `log` matches the filter's addresses and topics (blocks are not checked). Pure. */
export function matchesLog(filter: Pick<LogFilter, 'addresses' | 'topics'>, log: LogRow): boolean {
  if (filter.addresses.length > 0 && !filter.addresses.includes(log.address as Address)) return false;
  for (const [i, alternatives] of filter.topics.entries()) {
    if (alternatives === null) continue;
    const topic = log.topics[i];
    if (topic === undefined || !alternatives.includes(topic as Hash)) return false;
  }
  return true;
}
