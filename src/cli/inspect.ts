/**
 * `lev inspect --at AT SUBJECT [ARGS] [--json]` (DESIGN §9): time travel. AT resolves to one global position of
 * the event log (the state after that event); the subject is then answered as of that position from indexed
 * queries on the log (`lev_es.events`, or its mirror `lev_rm.event_log` when the store is EventStoreDB), the
 * read models where they locate an event (`l2_blocks.position`), the archive trie (account state at the root of
 * the last L2 block sealed by then) and folds of only the streams a subject needs, read up to AT.
 *
 * Like `lev replay` it opens the configured database (the embedded server started here when the node is
 * stopped, reused when it runs) and never appends; it never connects to EventStoreDB. Exit status: 0 answered, 1 failure or a subject that did not
 * exist then, 2 a bad argument.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { type Config, loadGenesis } from '../config/index.ts';
import { createPgPool, type PgPool } from '../db/index.ts';
import type { GlobalPosition, RecordedEvent } from '../eventstore/index.ts';
import { type Address, type Hash, type Hex, hexToBytes, keccak256Hex } from '../primitives/index.ts';
import { AGGREGATOR_STREAM_ID, type AggregatorEvent, foldAggregator } from '../streams/aggregator/index.ts';
import {
  cursorOf,
  foldL1Sync,
  L1_SYNC_STREAM_ID,
  type L1SyncEvent,
  lastForcedBatch,
  lastVerifiedBatch,
  lastVirtualBatch,
} from '../streams/l1sync/index.ts';
import { foldL1Tx, type L1TxEvent, lastAttempt } from '../streams/l1tx/index.ts';
import type { L2BlockSealed } from '../streams/l2/index.ts';
import { foldSequence, SEQUENCE_SENDER_STREAM_ID, type SequenceEvent } from '../streams/sequence/index.ts';
import { foldTx, type TxEvent, type TxIncluded, txStreamId } from '../streams/tx/index.ts';
import {
  type At,
  formatAt,
  type InspectArgs,
  InspectUsageError,
  parseInspectArgs,
  type RawInspectOptions,
} from './inspect-args.ts';
import {
  type AnswerObject,
  INTERACTIVE_HELP,
  runInteractive,
  type StepEvent,
} from './inspect-interactive.ts';
import { type OpenedLog, openLog } from './replay.ts';
import { ReplayUsageError } from './replay-args.ts';

const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Declares `lev inspect`'s arguments and options on `cmd` (the action is the caller's). */
export function configureInspectCommand(cmd: Command): Command {
  return cmd
    .description(
      'time travel: a subject (account, storage, block, tx, batch, sync, pool, actors) as it was at a point of the log',
    )
    .argument(
      '<subject>',
      'account ADDR | storage ADDR SLOT | block [N|HASH] | tx HASH | batch N | sync | pool | actors',
    )
    .argument('[args...]', "the subject's arguments")
    .option('--at <at>', 'a log position N, l2:N, batch:N, l1:N or an ISO time')
    .option('--slots <slots>', 'account: storage slots to show, S1,S2')
    .option('--json', 'JSON output')
    .option('-i, --interactive', 'then step through the log, commands on stdin: n, p, g N, q')
    .option('--dev', 'development defaults (data dir ./.lev)')
    .option('--config <file>', 'TOML configuration file');
}

/** `stdin`: the `--interactive` commands (default `process.stdin`). */
export type InspectIo = {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
};

export type InspectOptions = {
  /**
   * Where to query the log. @default the store's own table for the Postgres store, the read models' mirror
   * (`lev_rm.event_log`) for any other
   */
  events?: EventsTable;
};

/** The subject existed at no point up to AT (exit 1, one line). */
class NotThenError extends Error {}

/**
 * Where the log is queried: the Postgres store's own table, or — for a store SQL cannot reach (EventStoreDB) — the
 * read models' mirror of it, `event_log` (projections/log), kept by the node with the other read models.
 */
export type EventsTable = 'lev_es.events' | 'lev_rm.event_log';

type Ctx = {
  config: Config;
  /** The database holding {@link Ctx.events}. */
  es: PgPool;
  events: EventsTable;
  /** The read models' and the trie's database. */
  db: PgPool;
  position: GlobalPosition;
  at: At;
};

/**
 * Runs `lev inspect` with commander's arguments; `loadConfig` reads the configuration (its `ConfigError`
 * propagates: exit 2 in `main`). Returns the exit status.
 */
export async function inspect(
  subject: string,
  args: string[],
  raw: RawInspectOptions,
  loadConfig: () => Promise<Config>,
  io: InspectIo = { stdout: process.stdout, stderr: process.stderr },
  opts: InspectOptions = {},
): Promise<number> {
  let parsed: ReturnType<typeof parseInspectArgs>;
  try {
    parsed = parseInspectArgs(subject, args, raw);
  } catch (err) {
    if (err instanceof InspectUsageError) {
      io.stderr.write(`${err.shortMessage}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const config = await loadConfig();
  let log: OpenedLog | undefined;
  const pools: PgPool[] = [];
  try {
    log = await openLog(config, false, 'lev inspect');
    const events: EventsTable =
      opts.events ?? (config.store.kind === 'postgres' ? 'lev_es.events' : 'lev_rm.event_log');
    // The log's database: the store's for its own table, the read models' for the mirror.
    const esUrl = events === 'lev_es.events' ? (config.store.url ?? log.dbUrl) : log.dbUrl;
    const es = createPgPool(esUrl, { max: 2, applicationName: 'lev-inspect', onError: () => {} });
    pools.push(es);
    const { rows } = await es.query<{ t: string | null }>('select to_regclass($1)::text as t', [events]);
    if (!rows[0]?.t) {
      throw new InspectUsageError(
        events === 'lev_es.events'
          ? 'lev inspect: no event log (no table lev_es.events)'
          : `lev inspect: no mirror of the ${config.store.kind} log (no table lev_rm.event_log): start the node once with this store, it keeps the mirror`,
      );
    }
    const db =
      esUrl === log.dbUrl
        ? es
        : createPgPool(log.dbUrl, { max: 2, applicationName: 'lev-inspect', onError: () => {} });
    if (db !== es) pools.push(db);
    const position = await resolveAt(es, db, parsed.at, events);
    const ctx: Ctx = { config, es, events, db, position, at: parsed.at };
    if (parsed.interactive) return await interactive(ctx, parsed, io);
    const out = await answer(ctx, parsed.subject);
    io.stdout.write(parsed.json ? `${JSON.stringify(out.json, null, 2)}\n` : `${out.text}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof InspectUsageError || err instanceof ReplayUsageError) {
      io.stderr.write(`${err.shortMessage}\n`);
      return EXIT.usage;
    }
    if (err instanceof NotThenError) {
      io.stderr.write(`lev inspect: ${err.message}\n`);
      return EXIT.failed;
    }
    throw err;
  } finally {
    for (const p of pools) await p.end().catch(() => {});
    await log?.close();
  }
}

/**
 * `--interactive`: the first answer, then the steps read from stdin (see inspect-interactive.ts), each
 * recomputing the subject at its position on the same store and databases.
 */
async function interactive(ctx: Ctx, parsed: InspectArgs, io: InspectIo): Promise<number> {
  const T = ctx.events;
  const objectOf = (json: unknown): Record<string, unknown> =>
    typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : { value: json };
  const answerAt = async (position: GlobalPosition): Promise<AnswerObject> => {
    try {
      return objectOf((await answer({ ...ctx, position }, parsed.subject)).json);
    } catch (err) {
      if (err instanceof NotThenError) return null;
      throw err;
    }
  };
  const eventAt = async (position: GlobalPosition): Promise<StepEvent> => {
    if (position === 0n) return null;
    const { rows } = await ctx.es.query<{ type: string; stream_id: string }>(
      `select type, stream_id from ${T} where position = $1`,
      [position.toString()],
    );
    const e = rows[0];
    return e ? { type: e.type, stream: e.stream_id } : null;
  };
  // Steps go from event to event as the log holds them: the Postgres store's positions are 1, 2, 3, …,
  // EventStoreDB's (in the mirror) are not.
  const adjacent = async (position: GlobalPosition, direction: 'next' | 'prev') => {
    const { rows } = await ctx.es.query<{ p: string | null }>(
      direction === 'next'
        ? `select min(position)::text as p from ${T} where position > $1`
        : `select max(position)::text as p from ${T} where position < $1`,
      [position.toString()],
    );
    const p = rows[0]?.p ?? null;
    return p !== null ? BigInt(p) : direction === 'prev' && position > 0n ? 0n : null;
  };
  let first: AnswerObject;
  try {
    const out = await answer(ctx, parsed.subject);
    first = objectOf(out.json);
    if (!parsed.json) io.stdout.write(`${out.text}\n`);
  } catch (err) {
    if (!(err instanceof NotThenError)) throw err;
    first = null;
    if (!parsed.json) io.stderr.write(`lev inspect: ${err.message}\n`);
  }
  if (parsed.json) {
    const event = await eventAt(ctx.position);
    io.stdout.write(`${JSON.stringify({ position: ctx.position.toString(), event, answer: first })}\n`);
  }
  const input = io.stdin ?? process.stdin;
  if ((input as { isTTY?: boolean }).isTTY) io.stderr.write(`${INTERACTIVE_HELP}\n`);
  const head = await headOf(ctx.es, T);
  const rl = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
  // The iterator now, in the same tick: readline drops the lines (and the close) emitted before it exists.
  const it = rl[Symbol.asyncIterator]();
  try {
    await runInteractive({
      start: ctx.position,
      first,
      head,
      json: parsed.json,
      lines: { [Symbol.asyncIterator]: () => it },
      answerAt,
      eventAt,
      adjacent,
      write: (line) => io.stdout.write(`${line}\n`),
    });
  } finally {
    rl.close();
  }
  return EXIT.ok;
}

const usage = (message: string) => new InspectUsageError(`lev inspect: ${message}`);

/////// AT → position

type EventRow = {
  position: string;
  stream_id: string;
  revision: number;
  type: string;
  data: Record<string, unknown>;
  metadata: { at: string };
};

async function headOf(es: PgPool, T: EventsTable): Promise<bigint> {
  const { rows } = await es.query<{ p: string | null }>(`select max(position)::text as p from ${T}`);
  return BigInt(rows[0]?.p ?? 0);
}

/**
 * The global position AT names. One indexed query per form (the l2 stream through its (stream, revision) index,
 * the read model's `l2_blocks` primary key for `l2:N`); an ISO time scans `metadata.at`.
 * @throws {InspectUsageError} for a position beyond the head, or a block or batch the log never reached.
 */
export async function resolveAt(
  es: PgPool,
  db: PgPool,
  at: At,
  T: EventsTable = 'lev_es.events',
): Promise<GlobalPosition> {
  const last = await headOf(es, T);
  const one = async (sql: string, params: unknown[]) =>
    (await es.query<{ p: string | null }>(sql, params)).rows[0]?.p ?? null;
  switch (at.kind) {
    case 'position':
      if (at.position > last) throw usage(`--at ${at.position} is beyond the head of the log (${last})`);
      return at.position;
    case 'l2': {
      let p: string | null = null;
      const rm = await db
        .query<{ p: string }>('select position::text as p from lev_rm.l2_blocks where number = $1', [
          at.block.toString(),
        ])
        .catch(() => ({ rows: [] as { p: string }[] }));
      p = rm.rows[0]?.p ?? null;
      if (p === null) {
        // Not (yet) projected, or undone by a reset: the log itself.
        p = await one(
          at.block === 0n
            ? `select position::text as p from ${T} where stream_id = 'l2' and type = 'L2GenesisCreated' order by revision desc limit 1`
            : `select position::text as p from ${T} where stream_id = 'l2' and type = 'L2BlockSealed' and data->>'number' = $1 order by revision desc limit 1`,
          at.block === 0n ? [] : [at.block.toString()],
        );
      }
      if (p === null) throw usage(`--at l2:${at.block}: L2 block ${at.block} was never sealed`);
      return BigInt(p);
    }
    case 'batch': {
      const p = await one(
        at.batch === 0n
          ? `select position::text as p from ${T} where stream_id = 'l2' and type = 'L2GenesisCreated' order by revision desc limit 1`
          : `select position::text as p from ${T} where stream_id = 'l2' and type = 'BatchClosed' and data->>'batchNumber' = $1 order by revision desc limit 1`,
        at.batch === 0n ? [] : [at.batch.toString()],
      );
      if (p === null) throw usage(`--at batch:${at.batch}: batch ${at.batch} never closed`);
      return BigInt(p);
    }
    case 'l1': {
      // The block's `L1BlockSynced` comes first, then what the synchronizer learned from that block (sequences,
      // verifications, forced batches, exit roots): the last event of the stream before the next block or reorg.
      const p = await one(
        `with chosen as (
           select revision from ${T} where stream_id = $1 and type = 'L1BlockSynced'
             and (data->>'number')::numeric <= $2 order by revision desc limit 1),
         next as (
           select e.revision from ${T} e, chosen c where e.stream_id = $1 and e.revision > c.revision
             and e.type in ('L1BlockSynced', 'ReorgDetected') order by e.revision limit 1)
         select e.position::text as p from ${T} e, chosen c
           where e.stream_id = $1 and e.revision >= c.revision
             and e.revision < coalesce((select revision from next), 2147483647)
           order by e.revision desc limit 1`,
        [L1_SYNC_STREAM_ID, at.block.toString()],
      );
      if (p === null) throw usage(`--at l1:${at.block}: no L1 block at or before ${at.block} was synced`);
      return BigInt(p);
    }
    case 'time': {
      const p = await one(
        `select max(position)::text as p from ${T} where (metadata->>'at')::timestamptz <= $1::timestamptz`,
        [new Date(at.ms).toISOString()],
      );
      return p === null ? 0n : BigInt(p);
    }
  }
}

/////// the l2 stream as of a position

type Sealed = { position: bigint; at: string; data: Record<string, unknown> };

/** The newest `L2BlockSealed` with `number` at or before `p` (`L2GenesisCreated` for block 0). */
async function sealedBlock(es: PgPool, T: EventsTable, p: bigint, number: bigint): Promise<Sealed | null> {
  const { rows } = await es.query<EventRow>(
    number === 0n
      ? `select position::text as position, type, data, metadata from ${T}
           where stream_id = 'l2' and type = 'L2GenesisCreated' and position <= $1 order by revision desc limit 1`
      : `select position::text as position, type, data, metadata from ${T}
           where stream_id = 'l2' and type = 'L2BlockSealed' and position <= $1 and data->>'number' = $2
           order by revision desc limit 1`,
    number === 0n ? [p.toString()] : [p.toString(), number.toString()],
  );
  const r = rows[0];
  return r ? { position: BigInt(r.position), at: r.metadata.at, data: blockData(r) } : null;
}

/** Block 0's data in the shape of an `L2BlockSealed`'s. */
function blockData(r: EventRow): Record<string, unknown> {
  if (r.type !== 'L2GenesisCreated') return r.data;
  return {
    number: '0',
    hash: r.data['blockHash'],
    batchNumber: '0',
    timestamp: r.data['timestamp'],
    stateRoot: r.data['stateRoot'],
  };
}

/** The tip of the trusted chain after event `p`: the last block sealed (or kept by a reset) by then; null before genesis. */
async function tipAt(es: PgPool, T: EventsTable, p: bigint): Promise<Sealed | null> {
  const { rows } = await es.query<EventRow>(
    `select position::text as position, type, data, metadata from ${T}
       where stream_id = 'l2' and position <= $1 and type in ('L2GenesisCreated', 'L2BlockSealed', 'TrustedStateReset')
       order by revision desc limit 1`,
    [p.toString()],
  );
  const r = rows[0];
  if (!r) return null;
  if (r.type === 'TrustedStateReset')
    return sealedBlock(es, T, BigInt(r.position), BigInt(String(r.data['toBlock'])));
  return { position: BigInt(r.position), at: r.metadata.at, data: blockData(r) };
}

/////// subjects

type Answer = { json: unknown; text: string };

async function answer(ctx: Ctx, subject: ReturnType<typeof parseInspectArgs>['subject']): Promise<Answer> {
  switch (subject.kind) {
    case 'account':
      return account(ctx, subject.address, subject.slots);
    case 'storage': {
      const a = await account(ctx, subject.address, [subject.slot]);
      const value = (a.json as { storage: Record<string, string> }).storage[subject.slot]!;
      return { json: { address: subject.address, slot: subject.slot, value }, text: value };
    }
    case 'block':
      return block(ctx, subject.block);
    case 'tx':
      return tx(ctx, subject.hash);
    case 'batch':
      return batch(ctx, subject.batch);
    case 'sync':
      return sync(ctx);
    case 'pool':
      return pool(ctx);
    case 'actors':
      return actors(ctx);
  }
}

const header = (ctx: Ctx) => `at ${formatAt(ctx.at)} (log position ${ctx.position})`;

const word = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}` as Hex;

/**
 * An account at the state root of the last L2 block sealed at or before AT; before block 0, the genesis state
 * (the root of `L2GenesisCreated` when the log has one, else the configured genesis allocation).
 */
async function account(ctx: Ctx, address: Address, slots: Hex[]): Promise<Answer> {
  const T = ctx.events;
  const tip = await tipAt(ctx.es, ctx.events, ctx.position);
  let root = tip?.data['stateRoot'] as Hash | undefined;
  if (!root) {
    const g = await ctx.es.query<{ data: { stateRoot: Hash } }>(
      `select data from ${T} where stream_id = 'l2' and type = 'L2GenesisCreated' order by revision limit 1`,
    );
    root = g.rows[0]?.data.stateRoot;
  }
  let json: {
    address: Address;
    balance: string;
    nonce: number;
    codeHash: Hash;
    storage: Record<string, Hex>;
  };
  // Loaded when needed: the EVM is seconds of start-up the other subjects do not need.
  const { createExecutor, createTrieStore, EMPTY_CODE_HASH } = await import('../execution/index.ts');
  if (root) {
    const trie = await createTrieStore({ pool: ctx.db });
    const executor = await createExecutor({ store: trie, chainId: BigInt(ctx.config.l2.chainId) });
    const a = await executor.getAccount(root, address);
    const storage: Record<string, Hex> = {};
    for (const s of slots) storage[s] = word(await executor.getStorage(root, address, s));
    json = { address, balance: a.balance.toString(), nonce: Number(a.nonce), codeHash: a.codeHash, storage };
  } else {
    const genesis = await loadGenesis(ctx.config);
    const g = genesis.accounts.find((x) => x.address.toLowerCase() === address.toLowerCase());
    const storage: Record<string, Hex> = {};
    for (const s of slots) {
      const entry = Object.entries(g?.storage ?? {}).find(([k]) => BigInt(k) === BigInt(s));
      storage[s] = word(entry ? BigInt(entry[1]) : 0n);
    }
    json = {
      address,
      balance: (g?.balance ?? 0n).toString(),
      nonce: Number(g?.nonce ?? 0n),
      codeHash: g?.bytecode && g.bytecode !== '0x' ? keccak256Hex(hexToBytes(g.bytecode)) : EMPTY_CODE_HASH,
      storage,
    };
  }
  const where = tip ? `L2 block ${String(tip.data['number'])}` : 'genesis allocation';
  const text = [
    `${header(ctx)}, state of ${where}`,
    `address   ${json.address}`,
    `balance   ${json.balance} wei`,
    `nonce     ${json.nonce}`,
    `codeHash  ${json.codeHash}`,
    ...Object.entries(json.storage).map(([k, v]) => `storage   ${k} = ${v}`),
  ].join('\n');
  return { json, text };
}

function blockJson(b: Sealed): Record<string, unknown> {
  const d = b.data;
  const t = d['tx'] as Record<string, unknown> | undefined;
  const r = d['receipt'] as Record<string, unknown> | undefined;
  return {
    number: String(d['number']),
    hash: d['hash'],
    parentHash: d['parentHash'] ?? null,
    batchNumber: String(d['batchNumber']),
    timestamp: String(d['timestamp']),
    coinbase: d['coinbase'] ?? null,
    stateRoot: d['stateRoot'],
    transactionsRoot: d['transactionsRoot'] ?? null,
    receiptsRoot: d['receiptsRoot'] ?? null,
    gasLimit: d['gasLimit'] ?? null,
    gasUsed: d['gasUsed'] ?? '0',
    tx: t
      ? {
          hash: t['hash'],
          from: t['from'],
          to: t['to'],
          nonce: t['nonce'],
          value: t['value'],
          gasPrice: t['gasPrice'],
          status: r?.['status'] === 1 ? 'success' : 'reverted',
        }
      : null,
    sealedAt: { position: b.position.toString(), at: b.at },
  };
}

const kv = (o: Record<string, unknown>, indent = ''): string =>
  Object.entries(o)
    .map(([k, v]) =>
      v !== null && typeof v === 'object'
        ? `${indent}${k}:\n${kv(v as Record<string, unknown>, `${indent}  `)}`
        : `${indent}${k.padEnd(17)} ${String(v)}`,
    )
    .join('\n');

async function block(ctx: Ctx, which: { number: bigint } | { hash: Hash } | undefined): Promise<Answer> {
  const T = ctx.events;
  const tip = await tipAt(ctx.es, ctx.events, ctx.position);
  if (!tip) throw new NotThenError(`no L2 block existed ${header(ctx)}`);
  const tipNumber = BigInt(String(tip.data['number']));
  let b: Sealed | null = tip;
  if (which && 'number' in which) {
    if (which.number > tipNumber) {
      throw new NotThenError(
        `L2 block ${which.number} did not exist ${header(ctx)} (the tip was ${tipNumber})`,
      );
    }
    b = await sealedBlock(ctx.es, ctx.events, ctx.position, which.number);
  } else if (which) {
    const { rows } = await ctx.es.query<EventRow>(
      `select position::text as position, type, data, metadata from ${T}
         where stream_id = 'l2' and position <= $1 and
           ((type = 'L2BlockSealed' and data->>'hash' = $2) or (type = 'L2GenesisCreated' and data->>'blockHash' = $2))
         order by revision desc limit 1`,
      [ctx.position.toString(), which.hash],
    );
    const r = rows[0];
    b = null;
    if (r) {
      // Still the chain's block of that number then: not above the tip, not replaced by a block sealed after a
      // reset (the newest seal of its number by AT is this one).
      const number = BigInt(String(blockData(r)['number']));
      const current = number <= tipNumber ? await sealedBlock(ctx.es, T, ctx.position, number) : null;
      if (current?.position === BigInt(r.position)) b = current;
    }
  }
  if (!b) throw new NotThenError(`no such L2 block ${header(ctx)}`);
  const json = blockJson(b);
  return { json, text: `${header(ctx)}\n${kv(json)}` };
}

/**
 * The `L2BlockSealed` events holding a tx `hash` in `(after, AT]`. The sequencer appends a round's `TxIncluded`
 * events after all its blocks (and a forced batch's blocks have none), so a tx is included from the seal of its
 * block on — the pool projection's rule. A position range of the primary key, only the `l2` stream's seals kept.
 */
async function sealsHolding(ctx: Ctx, hashes: readonly string[], after: bigint): Promise<RecordedEvent[]> {
  if (hashes.length === 0) return [];
  const { rows } = await ctx.es.query<EventRow & { id: string; version: number }>(
    `select position::text as position, stream_id, revision, id, type, version, data, metadata from ${ctx.events}
       where position > $1 and position <= $2 and stream_id = 'l2' and type = 'L2BlockSealed'
         and data->'tx'->>'hash' = any($3) order by position`,
    [after.toString(), ctx.position.toString(), hashes],
  );
  return rows.map(recorded);
}

/** A tx's inclusion as a `TxIncluded` says it, or as the `L2BlockSealed` of its block does. */
function inclusionOf(e: RecordedEvent): TxIncluded['data'] {
  if (e.type === 'TxIncluded') return e.data as TxIncluded['data'];
  const d = e.data as L2BlockSealed['data'];
  return {
    hash: d.tx.hash,
    blockNumber: d.number,
    blockHash: d.hash,
    batchNumber: d.batchNumber,
    status: d.receipt.status === 1 ? 'success' : 'reverted',
  };
}

async function tx(ctx: Ctx, hash: Hash): Promise<Answer> {
  const own = (await readTxStream(ctx, hash)).filter((e) => e.position <= ctx.position);
  if (own.length === 0) throw new NotThenError(`tx ${hash} was unknown ${header(ctx)}`);
  // The seals of blocks holding it after it was received count as its inclusion (see sealsHolding).
  const seals = await sealsHolding(ctx, [hash], own[0]!.position);
  const upTo = [...own, ...seals].sort((a, b) => (a.position < b.position ? -1 : 1));
  const state = foldTx(
    upTo.map((e) =>
      e.type === 'L2BlockSealed' ? { type: 'TxIncluded', data: inclusionOf(e) } : e,
    ) as unknown as TxEvent[],
  );
  const last = [...upTo].reverse().find((e) => e.type === 'TxIncluded' || e.type === 'L2BlockSealed');
  const included = last ? inclusionOf(last) : null;
  const json = {
    hash,
    status: state.status,
    ...(included
      ? {
          inclusion: {
            blockNumber: included.blockNumber,
            blockHash: included.blockHash,
            batchNumber: included.batchNumber,
            status: included.status,
          },
        }
      : {}),
    ...('reason' in state ? { reason: state.reason } : {}),
    ...('replacedBy' in state ? { replacedBy: state.replacedBy } : {}),
    events: upTo.map((e) => ({
      position: e.position.toString(),
      stream: e.streamId,
      revision: e.revision,
      type: e.type,
      at: e.metadata.at,
    })),
  };
  const text = [
    `${header(ctx)}: tx ${hash} ${state.status}`,
    ...(included
      ? [`included in L2 block ${included.blockNumber} (batch ${included.batchNumber}), ${included.status}`]
      : []),
    ...json.events.map(
      (e) =>
        `  ${e.position.padStart(8)}  ${e.at}  ${e.type}${e.stream === txStreamId(hash) ? '' : ` on ${e.stream}`}`,
    ),
  ].join('\n');
  return { json, text };
}

/** The tx stream up to AT. */
async function readTxStream(ctx: Ctx, hash: Hash): Promise<RecordedEvent[]> {
  const T = ctx.events;
  const { rows } = await ctx.es.query<EventRow & { id: string; version: number }>(
    `select position::text as position, stream_id, revision, id, type, version, data, metadata
       from ${T} where stream_id = $1 and position <= $2 order by revision`,
    [txStreamId(hash), ctx.position.toString()],
  );
  return rows.map(recorded);
}

const recorded = (r: EventRow & { id: string; version: number }): RecordedEvent =>
  ({
    id: r.id,
    type: r.type,
    version: r.version,
    data: r.data,
    metadata: r.metadata,
    streamId: r.stream_id,
    revision: r.revision,
    position: BigInt(r.position),
  }) as RecordedEvent;

/** The `l1-sync` stream folded up to AT. */
/** The `aggregator` stream folded up to AT, and its last `ProofFailed`. */
async function aggregatorAt(ctx: Ctx) {
  const T = ctx.events;
  const { rows } = await ctx.es.query<{ type: string; data: Record<string, unknown> }>(
    `select type, data from ${T} where stream_id = $1 and position <= $2 order by revision`,
    [AGGREGATOR_STREAM_ID, ctx.position.toString()],
  );
  const state = foldAggregator(rows as unknown as AggregatorEvent[]);
  const failed = rows.filter((r) => r.type === 'ProofFailed').at(-1)?.data ?? null;
  return {
    state,
    lastFailure: failed
      ? {
          batches: `${failed['fromBatch']}..${failed['toBatch']}`,
          kind: failed['kind'],
          cause: failed['cause'],
          field: failed['field'],
          reason: failed['reason'],
        }
      : null,
  };
}

async function l1SyncAt(ctx: Ctx) {
  const T = ctx.events;
  const { rows } = await ctx.es.query<{ type: string; data: Record<string, unknown> }>(
    `select type, data from ${T} where stream_id = $1 and position <= $2 order by revision`,
    [L1_SYNC_STREAM_ID, ctx.position.toString()],
  );
  return foldL1Sync(rows as unknown as L1SyncEvent[]);
}

async function batch(ctx: Ctx, n: bigint): Promise<Answer> {
  const T = ctx.events;
  const p = ctx.position.toString();
  const { rows } = await ctx.es.query<EventRow>(
    `select position::text as position, type, data, metadata from ${T}
       where stream_id = 'l2' and position <= $1 and
         (type = 'TrustedStateReset' or (type in ('BatchOpened', 'BatchClosed') and data->>'batchNumber' = $2)
          or (type = 'L2GenesisCreated' and $2 = '0'))
       order by revision desc limit 1`,
    [p, n.toString()],
  );
  const last = rows[0];
  let status: 'unknown' | 'open' | 'closed' | 'virtual' | 'verified' = 'unknown';
  let closed: Record<string, unknown> | null = null;
  if (last?.type === 'TrustedStateReset' && n > BigInt(String(last.data['toBatch']))) status = 'unknown';
  else if (last?.type === 'TrustedStateReset') {
    // Kept by the reset: its last open/close event before the reset tells.
    const before = await ctx.es.query<EventRow>(
      `select position::text as position, type, data, metadata from ${T}
         where stream_id = 'l2' and position <= $1 and
           ((type in ('BatchOpened', 'BatchClosed') and data->>'batchNumber' = $2) or (type = 'L2GenesisCreated' and $2 = '0'))
         order by revision desc limit 1`,
      [last.position, n.toString()],
    );
    const r = before.rows[0];
    status = r ? (r.type === 'BatchOpened' ? 'open' : 'closed') : 'unknown';
    if (r && r.type !== 'BatchOpened') closed = r.data;
  } else if (last) {
    status = last.type === 'BatchOpened' ? 'open' : 'closed';
    if (last.type !== 'BatchOpened') closed = last.data;
  }
  const l1 = await l1SyncAt(ctx);
  if (status === 'closed' || (status === 'unknown' && n <= lastVirtualBatch(l1) && n > 0n)) {
    if (n <= lastVerifiedBatch(l1)) status = 'verified';
    else if (n <= lastVirtualBatch(l1)) status = 'virtual';
  }
  if (n === 0n && status === 'closed') status = 'verified'; // batch 0 is the genesis, verified by definition
  const json = {
    number: n.toString(),
    status,
    ...(closed && closed['reason'] !== undefined
      ? {
          closeReason: closed['reason'],
          stateRoot: closed['stateRoot'],
          accInputHash: closed['accInputHash'],
          firstBlock: closed['firstBlock'],
          lastBlock: closed['lastBlock'],
        }
      : {}),
    lastVirtualBatch: lastVirtualBatch(l1).toString(),
    lastVerifiedBatch: lastVerifiedBatch(l1).toString(),
  };
  return { json, text: `${header(ctx)}\n${kv(json)}` };
}

async function sync(ctx: Ctx): Promise<Answer> {
  const l1 = await l1SyncAt(ctx);
  const cursor = cursorOf(l1);
  const json = {
    l1Block: cursor ? { number: cursor.number.toString(), hash: cursor.hash } : null,
    lastVirtualBatch: lastVirtualBatch(l1).toString(),
    lastVerifiedBatch: lastVerifiedBatch(l1).toString(),
    lastForcedBatch: lastForcedBatch(l1).toString(),
  };
  return { json, text: `${header(ctx)}\n${kv(json)}` };
}

async function pool(ctx: Ctx): Promise<Answer> {
  const T = ctx.events;
  // A tx is pending then when the last event of its stream up to AT is its TxReceived, and no block sealed after
  // it holds it (its TxIncluded follows all the blocks of the sequencer's round; a forced batch's blocks have none).
  const { rows: received } = await ctx.es.query<{ data: Record<string, string | null>; position: string }>(
    `select e.data, e.position::text as position from ${T} e
       where e.type = 'TxReceived' and e.position <= $1 and e.stream_id like 'tx-%'
         and not exists (select 1 from ${T} f
                          where f.stream_id = e.stream_id and f.revision > e.revision and f.position <= $1)
       order by e.position`,
    [ctx.position.toString()],
  );
  const first = received[0] ? BigInt(received[0].position) : 0n;
  const seals = await sealsHolding(
    ctx,
    received.map((r) => String(r.data['hash'])),
    first,
  );
  const sealedAfter = (hash: string, p: bigint) =>
    seals.some((e) => e.position > p && (e.data as L2BlockSealed['data']).tx.hash === hash);
  const rows = received.filter((r) => !sealedAfter(String(r.data['hash']), BigInt(r.position)));
  const pending = rows.map(({ data: d, position }) => ({
    hash: d['hash'],
    from: d['from'],
    nonce: d['nonce'],
    to: d['to'],
    value: d['value'],
    gasPrice: d['gasPrice'],
    receivedAt: position,
  }));
  const text = [
    `${header(ctx)}: ${pending.length} pending tx${pending.length === 1 ? '' : 's'}`,
    ...pending.map(
      (t) =>
        `  ${t.hash}  from ${t.from} nonce ${t.nonce} to ${t.to ?? '(create)'} value ${t.value} gasPrice ${t.gasPrice}`,
    ),
  ].join('\n');
  return { json: { pending }, text };
}

async function actors(ctx: Ctx): Promise<Answer> {
  const T = ctx.events;
  const p = ctx.position.toString();
  const tip = await tipAt(ctx.es, ctx.events, ctx.position);
  // sequencer: its folded `l2` state — the tip, the last closed batch, the open batch (if any). A trusted reset
  // closes the chain at the batch it keeps (`toBatch`), whatever was open or closed after it.
  const batchEvents = await ctx.es.query<EventRow>(
    `select position::text as position, type, data, metadata from ${T}
       where stream_id = 'l2' and position <= $1
         and type in ('BatchOpened', 'BatchClosed', 'L2GenesisCreated', 'TrustedStateReset')
       order by revision desc limit 2`,
    [p],
  );
  const [b, before] = batchEvents.rows;
  const closedRow = b?.type === 'BatchOpened' ? before : b;
  const lastClosed = closedRow
    ? closedRow.type === 'L2GenesisCreated'
      ? {
          number: '0',
          stateRoot: closedRow.data['stateRoot'],
          accInputHash: `0x${'00'.repeat(32)}`,
          timestamp: String(closedRow.data['timestamp']),
        }
      : {
          number: String(closedRow.data[closedRow.type === 'TrustedStateReset' ? 'toBatch' : 'batchNumber']),
          stateRoot: closedRow.data['stateRoot'],
          accInputHash: closedRow.data['accInputHash'],
          timestamp: String(closedRow.data['timestamp']),
        }
    : null;
  const openBlocks =
    b?.type === 'BatchOpened'
      ? (
          await ctx.es.query<{ n: string }>(
            // Its blocks are the L2BlockSealed after it: a position range (primary key), not a scan of the stream.
            `select count(*)::text as n from ${T} where position > $2 and position <= $1
               and stream_id = 'l2' and type = 'L2BlockSealed'`,
            [p, b.position],
          )
        ).rows[0]!.n
      : null;
  // sequence sender: its folded stream.
  const sequence = foldSequence(
    (
      await ctx.es.query<{ type: string; data: Record<string, unknown> }>(
        `select type, data from ${T} where stream_id = $1 and position <= $2 order by revision`,
        [SEQUENCE_SENDER_STREAM_ID, p],
      )
    ).rows as unknown as SequenceEvent[],
  );
  // eth-tx-manager: each L1 tx not ended at AT, folded from its stream.
  const lastOfEach = await ctx.es.query<{ stream_id: string; type: string }>(
    `select e.stream_id, e.type from ${T} e
       where e.stream_id like 'l1tx-%' and e.position <= $1
         and not exists (select 1 from ${T} f
                         where f.stream_id = e.stream_id and f.revision > e.revision and f.position <= $1)`,
    [p],
  );
  const open = lastOfEach.rows
    .filter((r) => r.type !== 'L1TxConfirmed' && r.type !== 'L1TxFailed')
    .map((r) => r.stream_id);
  const l1txEvents = await ctx.es.query<{ stream_id: string; type: string; data: Record<string, unknown> }>(
    `select stream_id, type, data from ${T} where stream_id = any($2) and position <= $1
       order by stream_id, revision`,
    [p, open],
  );
  const byStream = new Map<string, L1TxEvent[]>();
  for (const r of l1txEvents.rows) {
    const list = byStream.get(r.stream_id) ?? [];
    list.push({ type: r.type, data: r.data } as unknown as L1TxEvent);
    byStream.set(r.stream_id, list);
  }
  const openTxs = [...byStream].map(([stream, events]) => {
    const state = foldL1Tx(events);
    const attempt = lastAttempt(state);
    return {
      id: stream.slice('l1tx-'.length),
      last: events.at(-1)!.type,
      status: state.status,
      ...(state.status === 'unknown' ? {} : { from: 'request' in state ? state.request.from : null }),
      ...(attempt
        ? {
            nonce: attempt.nonce.toString(),
            attempts: 'attempts' in state ? state.attempts.length : 0,
            hash: attempt.hash,
          }
        : {}),
    };
  });
  const l1 = await l1SyncAt(ctx);
  const cursor = cursorOf(l1);
  const agg = await aggregatorAt(ctx);
  const range = (r: { from: bigint; to: bigint }) => `${r.from}..${r.to}`;
  const json = {
    sequencer: {
      tip: tip
        ? { number: String(tip.data['number']), hash: tip.data['hash'], stateRoot: tip.data['stateRoot'] }
        : null,
      batch: b
        ? b.type === 'BatchOpened'
          ? { number: String(b.data['batchNumber']), status: 'open' }
          : { number: lastClosed!.number, status: 'closed' }
        : null,
      lastClosedBatch: lastClosed,
      openBatch:
        b?.type === 'BatchOpened'
          ? {
              number: String(b.data['batchNumber']),
              timestamp: String(b.data['timestamp']),
              coinbase: b.data['coinbase'],
              globalExitRoot: b.data['globalExitRoot'],
              blocks: openBlocks,
              forcedBatchNumber: b.data['forcedBatchNumber'] ?? null,
            }
          : null,
    },
    'sequence-sender': {
      lastSequence: sequence.last
        ? {
            fromBatch: sequence.last.fromBatch.toString(),
            toBatch: sequence.last.toBatch.toString(),
            l1TxId: sequence.last.l1TxId,
          }
        : null,
      lastSentBatch: sequence.lastSentBatch.toString(),
      sequences: sequence.sent.length,
    },
    'eth-tx-manager': { openTxs },
    synchronizer: {
      l1Block: cursor ? cursor.number.toString() : null,
      lastVirtualBatch: lastVirtualBatch(l1).toString(),
      lastVerifiedBatch: lastVerifiedBatch(l1).toString(),
      lastForcedBatch: lastForcedBatch(l1).toString(),
    },
    // The aggregator's folded stream: what it waits for, holds and has sent (proofs at or below the last verified
    // batch included: the role forgets those, the log keeps them).
    aggregator: {
      pending: [...agg.state.pending.values()].map((p) => ({
        kind: p.kind,
        batches: range(p),
        requestId: p.requestId,
        prover: p.prover,
      })),
      proofs: [...agg.state.proofs.values()].map((p) => range(p)),
      final: agg.state.final ? { batches: range(agg.state.final), signer: agg.state.final.signer } : null,
      verification: agg.state.verification
        ? { batches: range(agg.state.verification), l1TxId: agg.state.verification.l1TxId }
        : null,
      lastFailure: agg.lastFailure,
    },
  };
  return { json, text: `${header(ctx)}\n${kv(json)}` };
}
