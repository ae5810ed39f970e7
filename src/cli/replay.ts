/**
 * `lev replay` (DESIGN §9): the event log of the configured store as a timeline, L1 reorgs and their aftermath,
 * a rebuild of every read model into a fresh schema, a row-by-row comparison of that schema with the live one,
 * and a live tail.
 *
 * It reads the log with the node stopped — starting the embedded Postgres under `<dataDir>/pg` itself, and
 * stopping it again — or next to a running node, whose embedded server it then reuses and leaves running. It
 * never appends. Output goes to stdout (one line per event; `--json`: one object per line); progress and notices
 * to stderr. Exit status: 0 done (or Ctrl-C during `--follow`), 1 failure or (with `--diff`) a difference, 2 a bad
 * argument, 130 interrupted.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  createProjectionRunner,
  createReadModelDb,
  DEFAULT_READ_MODEL_SCHEMA,
  migrate,
  projectionsFor,
} from '../../projections/index.ts';
import { type Config, redactUrl } from '../config/index.ts';
import { createPgPool, type PgPool, startEmbeddedPostgres } from '../db/index.ts';
import { assertNever } from '../errors/index.ts';
import {
  createEventStore,
  type EventStore,
  type GlobalPosition,
  type ReadAllPage,
  type RecordedEvent,
} from '../eventstore/index.ts';
import {
  type EventSelection,
  matchesSelection,
  parseReplayArgs,
  type RawReplayOptions,
  type ReplayArgs,
  ReplayUsageError,
  storeFilterOf,
} from './replay-args.ts';
import { diffSchemas, formatSchemaDiff } from './replay-diff.ts';
import { eventToJsonLine, formatEventLine, type Palette, palette, wantsColor } from './replay-format.ts';
import { createProgress } from './replay-progress.ts';
import {
  createReorgAnalyzer,
  formatReorgAnalysis,
  REORG_EVENT_TYPES,
  reorgAnalysisToJsonLines,
} from './replay-reorgs.ts';

const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;
const PAGE = 1000;

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** Declares `lev replay`'s options on `cmd` (the action is the caller's). */
export function configureReplayCommand(cmd: Command): Command {
  return cmd
    .description('the event log as a timeline (filters), L1 reorgs, read-model rebuild and diff, live tail')
    .option('--stream <prefix>', 'only streams starting with PREFIX (repeatable, or a,b)', collect)
    .option('--type <type>', 'only events of TYPE (repeatable, or A,B)', collect)
    .option('--from <position>', 'from this log position (inclusive)')
    .option('--to <position>', 'up to this log position (inclusive); with --rebuild: rebuild up to it')
    .option('--since <iso>', 'only events whose metadata.at is at or after this ISO time')
    .option('--until <iso>', 'only events whose metadata.at is at or before this ISO time')
    .option('--batch <n>', 'only events whose data names batch N')
    .option('--tx <hash>', "only the tx's own stream and the L2 block that carries it")
    .option('--reorgs', 'each L1 reorg with what it undid and when the node was consistent again')
    .option('--json', 'one JSON object per line')
    .option('--follow', 'tail the live log until Ctrl-C (from --from, else from the head)')
    .option('--rebuild', 'rebuild every read model into the fresh schema --schema (up to --to)')
    .option('--diff', 'compare schema --schema with the live read models row by row; exit 1 on a difference')
    .option('--schema <name>', 'the schema of --rebuild or --diff')
    .option('--dev', 'development defaults (data dir ./.lev)')
    .option('--config <file>', 'TOML configuration file');
}

/** Where replay writes; a broken pipe (e.g. `| head`) ends the replay quietly. */
export type ReplayIo = {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
};

type Writer = { write(s: string): Promise<void>; broken(): boolean };

function createWriter(stream: NodeJS.WriteStream, onBroken: () => void): Writer {
  let broken = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    broken = true;
    onBroken();
    if (err.code !== 'EPIPE') process.stderr.write(`lev replay: cannot write output: ${err.message}\n`);
  });
  return {
    broken: () => broken,
    async write(s) {
      if (broken || s === '') return;
      if (stream.write(s)) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off('drain', done);
          stream.off('error', done);
          stream.off('close', done);
          resolve();
        };
        stream.on('drain', done);
        stream.on('error', done);
        stream.on('close', done);
      });
    },
  };
}

/** The database and event store replay reads, and how to let go of them. */
export type OpenedLog = {
  dbUrl: string;
  store: EventStore | undefined;
  close(): Promise<void>;
};

/**
 * Opens the configured database (the embedded server under `<dataDir>/pg` when `db.url` is empty: started here
 * when the node is stopped, reused when it runs) and, when `withStore`, the event store.
 * `command` names the command in those errors (`lev inspect` shares this).
 * @throws {ReplayUsageError} when there is no node data or no event log where the configuration points.
 */
export async function openLog(
  config: Config,
  withStore: boolean,
  command = 'lev replay',
): Promise<OpenedLog> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const fn of closers.splice(0).reverse()) await fn().catch(() => {});
  };
  try {
    let dbUrl = config.db.url;
    if (!dbUrl) {
      const pgDir = join(config.node.dataDir, 'pg');
      if (!existsSync(join(pgDir, 'PG_VERSION'))) {
        throw new ReplayUsageError(
          `${command}: no node data in ${config.node.dataDir} (no embedded Postgres in ${pgDir}); set node.dataDir (LEV_NODE_DATA_DIR) or db.url`,
        );
      }
      const server = await startEmbeddedPostgres({ dataDir: pgDir });
      // A server the running node started stays the node's: stop only the one started here.
      if (!server.reused) closers.push(() => server.stop());
      dbUrl = server.url;
    }
    let store: EventStore | undefined;
    if (withStore) {
      if (config.store.kind === 'postgres') {
        const url = config.store.url ?? dbUrl;
        const pool = createPgPool(url, {
          max: 4,
          applicationName: command.replace(' ', '-'),
          onError: () => {},
        });
        closers.push(() => pool.end());
        const { rows } = await pool.query<{ t: string | null }>(
          "select to_regclass('lev_es.events')::text as t",
        );
        if (!rows[0]?.t) {
          throw new ReplayUsageError(
            `${command}: no event log in ${redactUrl(url)} (no table lev_es.events)`,
          );
        }
        store = await createEventStore({ kind: 'postgres', pool });
      } else {
        store = await createEventStore({ kind: 'eventstoredb', url: config.store.url! });
      }
      const opened = store;
      closers.push(() => opened.close());
    }
    return { dbUrl, store, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Runs `lev replay` with commander's options; `loadConfig` reads the configuration (its `ConfigError` propagates:
 * exit 2 in `main`). Returns the exit status.
 */
export async function replay(
  raw: RawReplayOptions,
  loadConfig: () => Promise<Config>,
  io: ReplayIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  let args: ReplayArgs;
  try {
    args = parseReplayArgs(raw);
  } catch (err) {
    if (err instanceof ReplayUsageError) {
      io.stderr.write(`${err.shortMessage}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const config = await loadConfig();

  const controller = new AbortController();
  // The first Ctrl-C stops reading and lets go of what replay opened; a second one exits at once.
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const out = createWriter(io.stdout, () => controller.abort());
  let log: OpenedLog | undefined;
  try {
    log = await openLog(config, args.mode !== 'diff');
    if (controller.signal.aborted) return args.mode === 'follow' ? EXIT.ok : EXIT.interrupted;
    const p = palette(!args.json && wantsColor(io.stdout.isTTY, io.env));
    const ctx: Ctx = { args, log, out, io, signal: controller.signal, p };
    switch (args.mode) {
      case 'timeline':
        return await timeline(ctx);
      case 'follow':
        return await follow(ctx);
      case 'reorgs':
        return await reorgs(ctx);
      case 'rebuild':
        return await rebuild(ctx);
      case 'diff':
        return await diff(ctx);
      default:
        return assertNever(args.mode, 'replay mode');
    }
  } catch (err) {
    if (err instanceof ReplayUsageError) {
      io.stderr.write(`${err.shortMessage}\n`);
      return EXIT.usage;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await log?.close();
  }
}

type Ctx = {
  args: ReplayArgs;
  log: OpenedLog;
  out: Writer;
  io: ReplayIo;
  signal: AbortSignal;
  p: Palette;
};

const usage = (message: string) => new ReplayUsageError(`lev replay: ${message}`);

/** The head, checked against `--to`. */
async function headFor(store: EventStore, selection: EventSelection): Promise<GlobalPosition> {
  const head = await store.headPosition();
  if (selection.toPosition !== undefined && selection.toPosition > head) {
    throw usage(`--to ${selection.toPosition} is beyond the head of the log (${head})`);
  }
  return head;
}

/**
 * Reads the log after `from` up to `end` (inclusive) page by page, the next page read while the current one is
 * handled. Stops early when `signal` aborts.
 */
async function scan(
  store: EventStore,
  o: {
    from: GlobalPosition;
    end: GlobalPosition;
    filter: ReturnType<typeof storeFilterOf>;
    signal: AbortSignal;
    onPage: (events: RecordedEvent[]) => Promise<void> | void;
  },
): Promise<void> {
  const read = (fromPosition: GlobalPosition) => {
    const page = store.readAll({ fromPosition, limit: PAGE, ...(o.filter ? { filter: o.filter } : {}) });
    page.catch(() => {}); // awaited below, unless the scan stops first
    return page;
  };
  if (o.from >= o.end) return;
  let next: Promise<ReadAllPage> | undefined = read(o.from);
  while (next && !o.signal.aborted) {
    const page: ReadAllPage = await next;
    const last = page.isEnd || page.position >= o.end;
    next = last ? undefined : read(page.position);
    const lastRead = page.events.at(-1)?.position ?? 0n;
    await o.onPage(lastRead > o.end ? page.events.filter((e) => e.position <= o.end) : page.events);
  }
}

async function timeline(ctx: Ctx): Promise<number> {
  const store = ctx.log.store!;
  const sel = ctx.args.selection;
  const head = await headFor(store, sel);
  const started = Date.now();
  let shown = 0;
  let scanned = 0;
  await scan(store, {
    from: sel.fromPosition !== undefined && sel.fromPosition > 0n ? sel.fromPosition - 1n : 0n,
    end: sel.toPosition ?? head,
    filter: storeFilterOf(sel),
    signal: ctx.signal,
    onPage: async (events) => {
      scanned += events.length;
      let chunk = '';
      for (const e of events) {
        if (!matchesSelection(sel, e)) continue;
        chunk += `${ctx.args.json ? eventToJsonLine(e) : formatEventLine(e, ctx.p)}\n`;
        shown++;
      }
      await ctx.out.write(chunk);
    },
  });
  if (ctx.out.broken()) return EXIT.ok;
  if (ctx.signal.aborted) return EXIT.interrupted;
  if (ctx.io.stderr.isTTY) {
    const s = (Date.now() - started) / 1000;
    ctx.io.stderr.write(
      `lev replay: ${shown} event${shown === 1 ? '' : 's'} shown (${scanned} read, log head ${head}) in ${s.toFixed(2)} s\n`,
    );
  }
  return EXIT.ok;
}

async function follow(ctx: Ctx): Promise<number> {
  const store = ctx.log.store!;
  const sel = ctx.args.selection;
  const head = await store.headPosition();
  const from = sel.fromPosition === undefined ? head : sel.fromPosition > 0n ? sel.fromPosition - 1n : 0n;
  const filter = storeFilterOf(sel);
  const subscription = store.subscribeAll({
    fromPosition: from,
    maxBatchSize: PAGE,
    signal: ctx.signal,
    ...(filter ? { filter } : {}),
  });
  let announced = false;
  try {
    for await (const m of subscription) {
      if (ctx.signal.aborted) break;
      if (m.kind === 'caughtUp') {
        if (!announced) {
          announced = true;
          ctx.io.stderr.write(
            `lev replay: following the log after position ${m.position} (Ctrl-C to stop)\n`,
          );
        }
        continue;
      }
      let chunk = '';
      for (const e of m.events) {
        if (matchesSelection(sel, e))
          chunk += `${ctx.args.json ? eventToJsonLine(e) : formatEventLine(e, ctx.p)}\n`;
      }
      await ctx.out.write(chunk);
    }
  } finally {
    await subscription.close();
  }
  return EXIT.ok;
}

async function reorgs(ctx: Ctx): Promise<number> {
  const store = ctx.log.store!;
  const sel = ctx.args.selection;
  const head = await headFor(store, sel);
  const analyzer = createReorgAnalyzer((e) => matchesSelection(sel, e));
  // Follow-ups (re-sent L1 txs, re-synced blocks) can come after --to and L1TxReorged before --from: read it all.
  await scan(store, {
    from: 0n,
    end: head,
    filter: { types: [...REORG_EVENT_TYPES] },
    signal: ctx.signal,
    onPage: (events) => analyzer.add(events),
  });
  if (ctx.signal.aborted) return ctx.out.broken() ? EXIT.ok : EXIT.interrupted;
  const result = analyzer.result();
  await ctx.out.write(
    ctx.args.json
      ? reorgAnalysisToJsonLines(result)
          .map((l) => `${l}\n`)
          .join('')
      : `${formatReorgAnalysis(result, ctx.p)}\n`,
  );
  return EXIT.ok;
}

async function schemaExists(pool: PgPool, schema: string): Promise<boolean> {
  const { rowCount } = await pool.query('select 1 from pg_namespace where nspname = $1', [schema]);
  return (rowCount ?? 0) > 0;
}

async function rebuild(ctx: Ctx): Promise<number> {
  const store = ctx.log.store!;
  const schema = ctx.args.schema!;
  const head = await headFor(store, ctx.args.selection);
  const to = ctx.args.selection.toPosition ?? head;
  const projections = projectionsFor(store.kind);
  const db = createReadModelDb(ctx.log.dbUrl, { schema, max: 2, onError: () => {} });
  try {
    if (await schemaExists(db.pool, schema)) {
      throw usage(
        `schema ${schema} already exists: pick another name, or drop it (drop schema ${schema} cascade)`,
      );
    }
    const started = Date.now();
    const progress = createProgress({
      write: (s) => ctx.io.stderr.write(s),
      tty: ctx.io.stderr.isTTY === true,
      columns: ctx.io.stderr.columns ?? 80,
      total: to,
      label: `rebuild ${schema}`,
    });
    let reached = 0n;
    if (to === 0n) await migrate(db);
    else {
      const runner = createProjectionRunner({
        store,
        db,
        projections,
        stopAt: to,
        onProgress: ({ position }) => {
          reached = position;
          progress.update(position);
        },
      });
      await runner.run(ctx.signal);
      reached = runner.position();
    }
    if (ctx.signal.aborted && reached < to) {
      progress.done(reached);
      ctx.io.stderr.write(
        `lev replay: interrupted at position ${reached}: schema ${schema} is incomplete; drop it (drop schema ${schema} cascade)\n`,
      );
      return EXIT.interrupted;
    }
    progress.done(to);
    const s = (Date.now() - started) / 1000;
    await ctx.out.write(
      `rebuilt ${projections.length} read models (${projections.map((x) => x.name).join(', ')}) into schema ${schema} up to position ${to} in ${s.toFixed(2)} s (${s > 0 ? Math.round(Number(to) / s) : Number(to)} positions/s)\n`,
    );
    return EXIT.ok;
  } finally {
    await db.close();
  }
}

async function diff(ctx: Ctx): Promise<number> {
  const schema = ctx.args.schema!;
  const pool = createPgPool(ctx.log.dbUrl, { max: 1, applicationName: 'lev-replay-diff', onError: () => {} });
  try {
    if (!(await schemaExists(pool, schema))) {
      throw usage(`schema ${schema} does not exist (make it with lev replay --rebuild --schema ${schema})`);
    }
    if (!(await schemaExists(pool, DEFAULT_READ_MODEL_SCHEMA))) {
      ctx.io.stderr.write(
        `lev replay: the live read models (schema ${DEFAULT_READ_MODEL_SCHEMA}) do not exist\n`,
      );
      return EXIT.failed;
    }
    const d = await diffSchemas(pool, DEFAULT_READ_MODEL_SCHEMA, schema);
    await ctx.out.write(`${formatSchemaDiff(d)}\n`);
    return d.different ? EXIT.failed : EXIT.ok;
  } finally {
    await pool.end();
  }
}
