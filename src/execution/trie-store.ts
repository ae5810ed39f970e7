/**
 * The trie node store (DESIGN §5): the key-value `DB` that `@ethereumjs/mpt` keeps state-trie nodes and contract
 * code in, backed by Postgres.
 *
 * - Content-addressed and append-only: a key is the hash of its value (trie nodes by keccak, code by `c`‖keccak),
 *   so a stored row never changes, every historical root stays readable (archive), and `del` is ignored (the
 *   trie only deletes when node pruning is on, which the executor never enables).
 * - Writes are buffered in memory and reach Postgres only in {@link TrieStore.flush}: one multi-row
 *   `insert … on conflict do nothing` (several in one transaction for batches above a few thousand rows). Callers flush before appending the event that names
 *   a new root, so a persisted root always has all its nodes.
 * - Reads see the unflushed buffer first, then a hot LRU cache bounded in bytes, then Postgres. Writes never
 *   touch Postgres out of order (they only fill the buffer), so the "program order" trap of a per-op SQL store
 *   (feasibility §5 b) cannot occur; concurrent misses for the same key share one query.
 * - Values arrive as strings or as bytes depending on the trie's value encoding; the type is stored alongside
 *   (`is_string`) and given back as it came (feasibility §5 a).
 */

import type { BatchDBOp, DB } from '@ethereumjs/util';
import { type PgPool, withTransaction } from '../db/index.ts';
import { NodeError } from '../errors/index.ts';
import { createTwoGenerationCache } from './cache.ts';

/** The schema the state lives in (its own, not the read models' `lev_rm`: state is not rebuilt by projections). */
export const STATE_SCHEMA = 'lev_state';

const TABLE = `${STATE_SCHEMA}.trie_nodes`;
/** Rows per insert statement inside one flush transaction (keeps each statement's parameters a few MB). */
const ROWS_PER_STATEMENT = 4000;
/** Rough per-entry overhead of a cache entry beyond its key and value bytes (Map slot, strings, object). */
const ENTRY_OVERHEAD = 96;
const HEX_KEY = /^(?:[0-9a-f]{2})*$/;

export type TrieValue = string | Uint8Array;

export type TrieStoreStats = {
  /** Entries written and not yet flushed (including those in a flush under way). */
  pendingNodes: number;
  pendingBytes: number;
  cachedNodes: number;
  cachedBytes: number;
  /** Reads answered from the buffer or the cache. */
  hits: number;
  /** Reads that went to Postgres. */
  dbReads: number;
  /** Rows sent to Postgres by flushes so far (including ones already stored). */
  flushedNodes: number;
};

/** A trie node store: the `DB` the trie reads and writes, plus an explicit flush to Postgres. */
export type TrieStore = DB<string, TrieValue> & {
  /**
   * Writes every buffered entry to Postgres in one transaction and moves them to the cache. Concurrent calls
   * are serialised; an entry written during a flush goes to the next one.
   * @throws {TrieStoreError} when Postgres fails; the entries stay buffered for the next flush.
   */
  flush(): Promise<{ nodes: number; bytes: number }>;
  /** Counters for metrics and benchmarks. */
  stats(): TrieStoreStats;
};

export type TrieStoreOptions = {
  pool: PgPool;
  /** Bound of the hot cache, in bytes of keys and values (default 128 MiB). */
  cacheBytes?: number;
};

/** Postgres failed under the trie store (reading a node or flushing). Retry later. */
export class TrieStoreError extends NodeError<'TrieStoreError'> {
  override name = 'TrieStoreError' as const;
  constructor(shortMessage: string, opts: { cause?: unknown } = {}) {
    super(shortMessage, { ...opts, code: 'TRIE_STORE', severity: 'temporary' });
  }
}

/**
 * Creates the state schema and the node table if they do not exist (idempotent, safe to run concurrently).
 * @throws {TrieStoreError} when Postgres fails.
 */
export async function ensureTrieStoreSchema(pool: PgPool): Promise<void> {
  try {
    await withTransaction(pool, async (client) => {
      // Concurrent `create … if not exists` can still collide in the catalog; serialise them.
      await client.query(`select pg_advisory_xact_lock(hashtext('${TABLE}'))`);
      await client.query(`create schema if not exists ${STATE_SCHEMA}`);
      await client.query(
        `create table if not exists ${TABLE} (
           key bytea primary key,
           value bytea not null,
           is_string boolean not null
         )`,
      );
    });
  } catch (err) {
    throw new TrieStoreError('cannot create the trie node table', { cause: err });
  }
}

/**
 * Opens the trie node store over `pool`, creating its table if needed.
 * @throws {TrieStoreError} when the schema cannot be created.
 */
export async function createTrieStore(opts: TrieStoreOptions): Promise<TrieStore> {
  await ensureTrieStoreSchema(opts.pool);
  return openTrieStore(opts);
}

/** The store itself, for a pool whose schema is known to exist (see {@link createTrieStore}). */
function openTrieStore({ pool, cacheBytes = 128 * 1024 * 1024 }: TrieStoreOptions): TrieStore {
  let pending = new Map<string, TrieValue>();
  let pendingBytes = 0;
  /** The batch a flush is writing: still readable until it has moved to the cache. */
  let flushing: Map<string, TrieValue> | null = null;
  let flushingBytes = 0;
  let flushChain: Promise<unknown> = Promise.resolve();
  const cache = createTwoGenerationCache<TrieValue>(cacheBytes, sizeOf);
  const inflight = new Map<string, Promise<TrieValue | undefined>>();
  const counters = { hits: 0, dbReads: 0, flushedNodes: 0 };

  async function readFromDb(key: string): Promise<TrieValue | undefined> {
    counters.dbReads++;
    let rows: { value: Buffer; is_string: boolean }[];
    try {
      ({ rows } = await pool.query<{ value: Buffer; is_string: boolean }>({
        name: 'lev_trie_get',
        text: `select value, is_string from ${TABLE} where key = $1`,
        values: [Buffer.from(key, 'hex')],
      }));
    } catch (err) {
      throw new TrieStoreError(`cannot read trie node ${key.slice(0, 16)}…`, { cause: err });
    }
    const row = rows[0];
    if (!row) return undefined;
    // A copy, not a view into pg's shared buffer slab, so the cache accounts for what it really holds.
    const value: TrieValue = row.is_string ? row.value.toString('utf8') : new Uint8Array(row.value);
    cache.set(key, value);
    return value;
  }

  async function writeBatch(batch: Map<string, TrieValue>): Promise<void> {
    const entries = [...batch];
    const insert = (chunk: [string, TrieValue][]) => ({
      name: 'lev_trie_put',
      text: `insert into ${TABLE} (key, value, is_string)
             select * from unnest($1::bytea[], $2::bytea[], $3::boolean[])
             on conflict (key) do nothing`,
      values: [
        chunk.map(([k]) => Buffer.from(k, 'hex')),
        chunk.map(([, v]) =>
          typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.buffer, v.byteOffset, v.byteLength),
        ),
        chunk.map(([, v]) => typeof v === 'string'),
      ],
    });
    // A block's worth of nodes is one statement (its own transaction, one round trip); more is several
    // statements in one transaction.
    if (entries.length <= ROWS_PER_STATEMENT) {
      await pool.query(insert(entries));
      return;
    }
    await withTransaction(pool, async (client) => {
      for (let at = 0; at < entries.length; at += ROWS_PER_STATEMENT)
        await client.query(insert(entries.slice(at, at + ROWS_PER_STATEMENT)));
    });
  }

  async function flushOnce(): Promise<{ nodes: number; bytes: number }> {
    if (pending.size === 0) return { nodes: 0, bytes: 0 };
    const batch = pending;
    const bytes = pendingBytes;
    flushing = batch;
    flushingBytes = bytes;
    pending = new Map();
    pendingBytes = 0;
    try {
      await writeBatch(batch);
    } catch (err) {
      // Keep everything for the next flush; entries written meanwhile are newer copies of the same content.
      for (const [k, v] of batch) {
        if (!pending.has(k)) {
          pending.set(k, v);
          pendingBytes += sizeOf(k, v);
        }
      }
      throw new TrieStoreError(`cannot flush ${batch.size} trie nodes`, { cause: err });
    } finally {
      flushing = null;
      flushingBytes = 0;
    }
    for (const [k, v] of batch) cache.set(k, v);
    counters.flushedNodes += batch.size;
    return { nodes: batch.size, bytes };
  }

  const store: TrieStore = {
    async get(key) {
      const k = checkKey(key);
      const buffered = pending.get(k) ?? flushing?.get(k) ?? cache.get(k);
      if (buffered !== undefined) {
        counters.hits++;
        return buffered;
      }
      let read = inflight.get(k);
      if (!read) {
        read = readFromDb(k).finally(() => inflight.delete(k));
        inflight.set(k, read);
      }
      return read;
    },
    async put(key, value) {
      const k = checkKey(key);
      // Content-addressed: a key buffered or already stored holds this very value.
      if (pending.has(k) || flushing?.has(k) || cache.has(k)) return;
      pending.set(k, value);
      pendingBytes += sizeOf(k, value);
    },
    async del(key) {
      // Archive: nodes are immutable and shared between roots; nothing is ever deleted.
      checkKey(key);
    },
    async batch(ops: BatchDBOp<string, TrieValue>[]) {
      for (const op of ops) {
        if (op.type === 'put') await store.put(op.key, op.value);
        else await store.del(op.key);
      }
    },
    shallowCopy: () => store,
    open: async () => {},
    flush() {
      const run = flushChain.then(flushOnce, flushOnce);
      flushChain = run.catch(() => {});
      return run;
    },
    stats: () => ({
      pendingNodes: pending.size + (flushing?.size ?? 0),
      pendingBytes: pendingBytes + flushingBytes,
      cachedNodes: cache.size(),
      cachedBytes: cache.bytes(),
      ...counters,
    }),
  };
  return store;
}

/** Keys come from the trie as unprefixed lowercase hex (node hash, or `63`‖hash for code). */
function checkKey(key: string): string {
  const k = key.toLowerCase();
  if (!HEX_KEY.test(k)) throw new TypeError(`trie store keys are unprefixed hex, got ${key.slice(0, 20)}`);
  return k;
}

function sizeOf(key: string, value: TrieValue): number {
  return ENTRY_OVERHEAD + key.length + (typeof value === 'string' ? value.length : value.byteLength);
}
