/**
 * `lev replay` benchmark (issue 6): a log of ~100k events in the node's real shapes — per tx `TxReceived`,
 * `L2BlockSealed` (decided by the `l2` decider: real numbers, parents and hashes) and `TxIncluded`, batches of 100
 * blocks opened and closed — written through the event store, then:
 *
 *   replay   `lev replay --json > /dev/null` as a child process (the real command, start-up included; the net rate
 *            subtracts the start-up measured with `--to 1`), against a peer: the same rows read with one plain
 *            SELECT per 5,000 and written as JSON lines to /dev/null in this process — the floor of reading the log;
 *   rebuild  `lev replay --rebuild --schema NAME` (every read model into a fresh schema), then `--diff`.
 *
 *   npm run bench -- replay
 */
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { allProjections, createReadModelDb, rebuildReadModels } from '../../projections/index.ts';
import { createPgPool } from '../../src/db/index.ts';
import { createEventStore, type NewEvent } from '../../src/eventstore/index.ts';
import { type Address, bytesToHex, type Hash, type Hex, keccak256 } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import { decide, evolve, initialState, L2_STREAM_ID, type L2State } from '../../src/streams/l2/index.ts';
import { txStreamId } from '../../src/streams/tx/index.ts';

const TXS = Number(process.env['LEV_BENCH_REPLAY_TXS'] ?? 33_000);
const PER_BATCH = 100;
const CHUNK = 500;
const ROOT = new URL('../../', import.meta.url).pathname;

const word = (n: number, salt: string) =>
  bytesToHex(keccak256(new TextEncoder().encode(`${salt}:${n}`))) as Hash;
const address = (n: number) => `0x${word(n, 'addr').slice(26)}` as Address;

async function writeLog(url: string): Promise<number> {
  const pool = createPgPool(url);
  const store = await createEventStore({ kind: 'postgres', pool });
  const at = { actor: 'bench', at: new Date(1_700_000_000_000).toISOString() };
  let l2: L2State = initialState();
  let revision = -1;
  const l2Append = async (events: ReturnType<typeof decide>) => {
    await store.append(L2_STREAM_ID, envelope(events, at), revision < 0 ? 'no_stream' : revision);
    revision += events.length;
  };
  const stage = (cmd: Parameters<typeof decide>[0], into: ReturnType<typeof decide>) => {
    const events = decide(cmd, l2);
    l2 = events.reduce(evolve, l2);
    into.push(...events);
  };
  const genesis: ReturnType<typeof decide> = [];
  stage({ type: 'CreateGenesis', data: { stateRoot: word(0, 'root'), timestamp: 1_700_000_000n } }, genesis);
  await l2Append(genesis);

  let count = 0;
  for (let start = 0; start < TXS; start += CHUNK) {
    const received: { streamId: string; events: NewEvent[] }[] = [];
    const included: { streamId: string; events: NewEvent[] }[] = [];
    const l2Events: ReturnType<typeof decide> = [];
    for (let i = start; i < Math.min(TXS, start + CHUNK); i++) {
      if (l2.status === 'closed') {
        stage(
          {
            type: 'OpenBatch',
            data: {
              timestamp: 1_700_000_000n + BigInt(i),
              coinbase: address(0),
              globalExitRoot: word(0, 'ger'),
            },
          },
          l2Events,
        );
      }
      const hash = word(i, 'tx');
      const blob = `0x${'ab'.repeat(110)}${i.toString(16).padStart(8, '0')}` as Hex;
      const tx = {
        hash,
        from: address(1 + (i % 64)),
        nonce: String(Math.floor(i / 64)),
        gasPrice: '1000000000',
        gas: '21000',
        to: address(9999),
        value: '1',
        data: '0x' as Hex,
        chainId: '1001',
        v: '2037',
        r: word(i, 'r'),
        s: word(i, 's'),
      };
      received.push({
        streamId: txStreamId(hash),
        events: envelope([{ type: 'TxReceived', data: { ...tx, raw: blob, ip: '127.0.0.1' } }], at),
      });
      const sealed: ReturnType<typeof decide> = [];
      stage(
        {
          type: 'SealL2Block',
          data: {
            stateRoot: word(i + 1, 'root'),
            transactionsRoot: word(i, 'txroot'),
            receiptsRoot: word(i, 'rcroot'),
            logsBloom: `0x${'00'.repeat(256)}` as Hex,
            gasLimit: '30000000',
            gasUsed: '21000',
            tx: { ...tx, batchBlob: blob },
            receipt: {
              status: 1,
              gasUsed: '21000',
              cumulativeGasUsed: '21000',
              contractAddress: null,
              logs: [],
              logsBloom: `0x${'00'.repeat(256)}` as Hex,
              effectiveGasPrice: '1000000000',
            },
          },
        },
        sealed,
      );
      l2Events.push(...sealed);
      const block = sealed[0]!.data as { number: string; hash: Hash; batchNumber: string };
      included.push({
        streamId: txStreamId(hash),
        events: envelope(
          [
            {
              type: 'TxIncluded',
              data: {
                hash,
                blockNumber: block.number,
                blockHash: block.hash,
                batchNumber: block.batchNumber,
                status: 'success',
              },
            },
          ],
          at,
        ),
      });
      if (l2.status === 'open' && l2.batch.blobs.length >= PER_BATCH) {
        const batchL2Data = `0x${l2.batch.blobs.map((b) => b.slice(2)).join('')}` as Hex;
        stage(
          { type: 'CloseBatch', data: { reason: 'full_txs', batchL2Data, accInputHash: word(i, 'acc') } },
          l2Events,
        );
      }
    }
    await store.appendMany(received);
    await l2Append(l2Events);
    await store.appendMany(included);
    count += received.length + l2Events.length + included.length;
  }
  // The live read models, as a node would have them (`--diff` compares a rebuild with these).
  const db = createReadModelDb(url);
  await rebuildReadModels({ store, db, projections: allProjections });
  await db.close();
  await store.close();
  await pool.end();
  return count + genesis.length;
}

/** Runs `lev replay ARGS` with stdout to /dev/null; resolves with the wall seconds, rejects on a non-zero exit. */
const lev = (url: string, args: string[]) => levCommand(url, ['replay', ...args]);

/** Runs `lev ARGS` with stdout to /dev/null; resolves with the wall seconds, rejects on a non-zero exit. */
function levCommand(url: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/lev.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, LEV_DB_URL: url, LEV_LOG_LEVEL: 'warn', NO_COLOR: '1' },
      stdio: ['ignore', openSync('/dev/null', 'w'), 'pipe'],
    });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve((performance.now() - started) / 1000)
        : reject(new Error(`lev ${args.join(' ')} exited ${code}: ${err.trim()}`)),
    );
  });
}

/** The peer: the log read with plain SELECTs (5,000 rows each) and written as JSON lines to /dev/null. */
async function plainRead(url: string): Promise<number> {
  const pool = createPgPool(url);
  const out = openSync('/dev/null', 'w');
  const { writeSync } = await import('node:fs');
  const started = performance.now();
  let after = '0';
  for (;;) {
    const { rows } = await pool.query<Record<string, string>>(
      `select position::text as position, stream_id, revision, type, version, data::text as data,
              metadata::text as metadata
         from lev_es.events where position > $1 order by position limit 5000`,
      [after],
    );
    if (rows.length === 0) break;
    let chunk = '';
    for (const r of rows) {
      chunk += `${JSON.stringify({
        position: r['position'],
        stream: r['stream_id'],
        revision: r['revision'],
        type: r['type'],
        version: r['version'],
        data: JSON.parse(r['data']!),
        metadata: JSON.parse(r['metadata']!),
      })}\n`;
    }
    writeSync(out, chunk);
    after = rows.at(-1)!['position']!;
  }
  const seconds = (performance.now() - started) / 1000;
  await pool.end();
  return seconds;
}

export async function benchReplay(opts: { url: string }): Promise<Record<string, number>> {
  const events = await writeLog(opts.url);
  const startup = await lev(opts.url, ['--to', '1']);
  const replay = await lev(opts.url, ['--json']);
  const peer = await plainRead(opts.url);
  const rebuild = await lev(opts.url, ['--rebuild', '--schema', 'rm_bench']);
  const diff = await lev(opts.url, ['--diff', '--schema', 'rm_bench']);
  const net = (s: number) => events / Math.max(s - startup, 1e-3);
  // `lev inspect` near the start and at the end of the log: the same process start-up, so the difference is what
  // the log's length costs the answer.
  const blocks = TXS;
  const batches = Math.floor(TXS / PER_BATCH);
  const inspect = async (early: string[], late: string[]) => ({
    early: await levCommand(opts.url, ['inspect', ...early]),
    late: await levCommand(opts.url, ['inspect', ...late]),
  });
  // (`account`/`storage` read the archived trie, which this synthetic log has no nodes for: one indexed lookup of
  // the block, then trie reads, whatever the log's length.)
  const lastTx = word(TXS - 1, 'tx');
  const subjects = {
    tx: await inspect(['--at', '10', 'tx', word(1, 'tx')], ['--at', String(events), 'tx', lastTx]),
    batch: await inspect(
      ['--at', 'batch:1', 'batch', '1'],
      ['--at', `batch:${batches}`, 'batch', String(batches)],
    ),
    block: await inspect(['--at', 'l2:2', 'block'], ['--at', `l2:${blocks}`, 'block']),
    pool: await inspect(['--at', '10', 'pool'], ['--at', String(events), 'pool']),
    actors: await inspect(['--at', '10', 'actors'], ['--at', String(events), 'actors']),
  };
  return {
    'replay.events': events,
    'replay.startup.seconds': startup,
    'replay.json.eventsPerSecond.wall': events / replay,
    'replay.json.eventsPerSecond.net': net(replay),
    'replay.plainSelect.eventsPerSecond': events / peer,
    'replay.json.vs.plainSelect.ratio': net(replay) / (events / peer),
    'replay.rebuild.eventsPerSecond.wall': events / rebuild,
    'replay.rebuild.eventsPerSecond.net': net(rebuild),
    'replay.diff.seconds': diff,
    ...Object.fromEntries(
      Object.entries(subjects).flatMap(([name, t]) => [
        [`inspect.${name}.atStart.seconds`, t.early],
        [`inspect.${name}.atEnd.seconds`, t.late],
      ]),
    ),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { runStandalone } = await import('./standalone.ts');
  await runStandalone('replay', benchReplay);
}
