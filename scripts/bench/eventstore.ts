/**
 * Event store benchmark (Postgres backend): append throughput against the ceiling of plain INSERTs of the same
 * rows measured in the same run, and subscription delivery rates.
 *
 * Method: a fresh database on the given server; the store in schema `lev_es`; a plain table with the same
 * columns and indexes (`like lev_es.events including all`). Every append phase runs from one client loop
 * (sequential: one append in flight), as does its ceiling:
 * - single events, one stream per event (`expectedRevision 'no_stream'`) and one stream for all (`revision`);
 * - ceiling: single-row INSERTs in autocommit from one connection (one prepared statement);
 * - batches of 100 events per append; ceiling: `begin; one 100-row INSERT; commit` from one connection;
 * each phase is measured ROUNDS times, alternating with its ceiling, for PHASE_MS each, and the best round is kept.
 * Then subscription delivery: catch-up over the last 20,000 events (the log is filled up first), and live while 4
 * writers append batches of 10 for LIVE_MS (events delivered / time from the first append to the last delivery).
 * Total ≈ 30 s.
 *
 *   npx tsx scripts/bench/eventstore.ts          # an embedded Postgres in a temp dir, or LEV_BENCH_DB_URL
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createPgPool, startEmbeddedPostgres } from '../../src/db/index.ts';
import {
  createPostgresEventStore,
  type NewEvent,
  type PostgresEventStore,
} from '../../src/eventstore/index.ts';

const PHASE_MS = 1200;
const ROUNDS = 3;
const LIVE_MS = 3000;
const CATCH_UP_EVENTS = 20_000;
const BATCH = 100;

type Row = [string, string, number, string, string, number, string, string];

function makeEvent(i: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'TxReceived',
    data: {
      hash: `0x${randomBytes(32).toString('hex')}`,
      from: `0x${randomBytes(20).toString('hex')}`,
      nonce: String(i),
      gasPrice: '1000000000',
      rawTx: `0x${randomBytes(110).toString('hex')}`,
    },
    metadata: { at: new Date(1_700_000_000_000 + i).toISOString(), actor: 'rpc' },
  };
}

/** The row the store would write for `event`: the plain INSERTs write the same values. */
function rowOf(position: number, stream: string, revision: number, event: NewEvent): Row {
  return [
    String(position),
    stream,
    revision,
    event.id,
    event.type,
    1,
    JSON.stringify(event.data),
    JSON.stringify(event.metadata),
  ];
}

/** Runs `step(i)` sequentially for `ms`; returns units per second (`unitsPerStep` units per step). */
async function rate(
  ms: number,
  unitsPerStep: number,
  step: (i: number) => Promise<unknown>,
): Promise<number> {
  const start = performance.now();
  let i = 0;
  while (performance.now() - start < ms) await step(i++);
  return (i * unitsPerStep) / ((performance.now() - start) / 1000);
}

/**
 * Measures the Postgres event store on a fresh database created on the server `url` (dropped afterwards).
 * Returns rates in events/s and the ratios store ÷ plain INSERT.
 */
export async function benchEventStore(opts: { url: string }): Promise<Record<string, number>> {
  const dbName = `bench_es_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: opts.url });
  await admin.connect();
  await admin.query(`create database ${pg.escapeIdentifier(dbName)}`);
  const dbUrl = new URL(opts.url);
  dbUrl.pathname = `/${dbName}`;
  const pool = createPgPool(dbUrl.toString(), { max: 8 });
  const plain = new pg.Client({ connectionString: dbUrl.toString() });
  let store: PostgresEventStore | undefined;
  try {
    await plain.connect();
    store = await createPostgresEventStore({ pool });
    await plain.query('create schema plain');
    await plain.query('create table plain.events (like lev_es.events including all)');
    const s = store;
    let plainPosition = 0;
    let plainStream = 0;
    const insertOne = (row: Row) =>
      plain.query({
        name: 'plain-one',
        text: `insert into plain.events (position, stream_id, revision, id, type, version, data, metadata)
               values ($1, $2, $3, $4, $5, $6, $7, $8)`,
        values: row,
      });
    const batchSql = `insert into plain.events (position, stream_id, revision, id, type, version, data, metadata)
      values ${Array.from({ length: BATCH }, (_, r) => `(${Array.from({ length: 8 }, (_, c) => `$${r * 8 + c + 1}`).join(', ')})`).join(', ')}`;
    const insertBatch = async (rows: Row[]) => {
      await plain.query('begin');
      await plain.query({ name: 'plain-batch', text: batchSql, values: rows.flat() });
      await plain.query('commit');
    };

    const results: Record<string, number> = {};
    const best = (key: string, value: number) => {
      results[key] = Math.max(results[key] ?? 0, value);
    };
    let single = 0;
    let oneStreamRevision = -1;
    for (let round = 0; round < ROUNDS; round++) {
      best(
        'insert_single_rows_per_s',
        await rate(PHASE_MS, 1, () =>
          insertOne(rowOf(++plainPosition, `p-${plainStream++}`, 0, makeEvent(0))),
        ),
      );
      best(
        'append_single_stream_per_event_per_s',
        await rate(PHASE_MS, 1, () => s.append(`tx-${single++}`, [makeEvent(single)], 'no_stream')),
      );
      best(
        'append_single_one_stream_per_s',
        await rate(PHASE_MS, 1, async () => {
          const r = await s.append(
            'one',
            [makeEvent(0)],
            oneStreamRevision < 0 ? 'no_stream' : oneStreamRevision,
          );
          oneStreamRevision = r.revision;
        }),
      );
      best(
        'insert_batch100_events_per_s',
        await rate(PHASE_MS, BATCH, () => {
          const stream = `pb-${plainStream++}`;
          return insertBatch(
            Array.from({ length: BATCH }, (_, r) => rowOf(++plainPosition, stream, r, makeEvent(r))),
          );
        }),
      );
      best(
        'append_batch100_events_per_s',
        await rate(PHASE_MS, BATCH, (i) =>
          s.append(
            `batch-${round}-${i}`,
            Array.from({ length: BATCH }, (_, r) => makeEvent(r)),
            'no_stream',
          ),
        ),
      );
    }
    results['ratio_single_stream_per_event'] =
      results['append_single_stream_per_event_per_s']! / results['insert_single_rows_per_s']!;
    results['ratio_single_one_stream'] =
      results['append_single_one_stream_per_s']! / results['insert_single_rows_per_s']!;
    results['ratio_batch100'] =
      results['append_batch100_events_per_s']! / results['insert_batch100_events_per_s']!;

    // Catch-up: fill the log to ≥ 20,000 events, then read it all through a subscription.
    for (let head = await s.headPosition(), i = 0; head < BigInt(CATCH_UP_EVENTS); i++) {
      head = (
        await s.append(
          `fill-${i}`,
          Array.from({ length: 500 }, (_, r) => makeEvent(r)),
        )
      ).position;
    }
    const head = await s.headPosition();
    const catchUpFrom = head - BigInt(CATCH_UP_EVENTS);
    results['catch_up_events'] = Number(head - catchUpFrom);
    {
      const start = performance.now();
      let n = 0;
      const sub = s.subscribeAll({ fromPosition: catchUpFrom, maxBatchSize: 1000 });
      for await (const m of sub) {
        if (m.kind === 'events') n += m.events.length;
        if (m.kind === 'caughtUp') break;
      }
      results['subscription_catch_up_events_per_s'] = n / ((performance.now() - start) / 1000);
    }

    // Live: 4 writers append batches of 10 while one subscription follows.
    {
      const from = await s.headPosition();
      const sub = s.subscribeAll({ fromPosition: from });
      let delivered = 0;
      let lastDelivery = 0;
      let appended = 0;
      let writing = true;
      const reader = (async () => {
        for await (const m of sub) {
          if (m.kind !== 'events') continue;
          delivered += m.events.length;
          lastDelivery = performance.now();
          if (!writing && delivered >= appended) break;
        }
      })();
      const start = performance.now();
      await Promise.all(
        Array.from({ length: 4 }, async (_, w) => {
          for (let i = 0; performance.now() - start < LIVE_MS; i++) {
            await s.append(
              `live-${w}-${i % 10}`,
              Array.from({ length: 10 }, (_, r) => makeEvent(r)),
            );
            appended += 10;
          }
        }),
      );
      writing = false;
      const writeSeconds = (performance.now() - start) / 1000;
      if (delivered < appended) await reader;
      else await sub.close();
      await reader;
      results['live_appended_events_per_s'] = appended / writeSeconds;
      results['subscription_live_events_per_s'] = delivered / ((lastDelivery - start) / 1000);
    }
    return results;
  } finally {
    await store?.close();
    await plain.end().catch(() => {});
    await pool.end();
    await admin.query(`drop database if exists ${pg.escapeIdentifier(dbName)} with (force)`).catch(() => {});
    await admin.end();
  }
}

async function main(): Promise<void> {
  let url = process.env['LEV_BENCH_DB_URL'];
  let cleanup = async () => {};
  if (!url) {
    const dir = mkdtempSync(join(tmpdir(), 'lev-bench-es-'));
    const server = await startEmbeddedPostgres({ dataDir: join(dir, 'pg') });
    url = server.adminUrl;
    cleanup = async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  try {
    const results = await benchEventStore({ url });
    const width = Math.max(...Object.keys(results).map((k) => k.length));
    for (const [key, value] of Object.entries(results)) {
      const shown = key.startsWith('ratio') ? value.toFixed(2) : Math.round(value).toLocaleString('en-US');
      process.stdout.write(`${key.padEnd(width)}  ${shown.padStart(12)}\n`);
    }
  } finally {
    await cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
