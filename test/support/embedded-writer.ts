/**
 * A child process for test/db/embedded.int.spec.ts: starts (or reuses) the embedded Postgres in the data
 * directory given as argv[2], prints `ready <reused> <postmaster pid>`, then commits rows one at a time forever,
 * printing `committed <id>` after each commit returns — so every id printed is durable. The test kills it -9.
 *
 *   node --import tsx test/support/embedded-writer.ts <dataDir>
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/index.ts';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: embedded-writer.ts <dataDir>\n');
  process.exit(2);
}

const server = await startEmbeddedPostgres({ dataDir, database: 'crash' });
const postmasterPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
const client = new pg.Client({ connectionString: server.url });
await client.connect();
await client.query('create table if not exists rows (id integer primary key, note text not null)');
const { rows } = await client.query<{ next: number }>('select coalesce(max(id), 0) + 1 as next from rows');
process.stdout.write(`ready ${server.reused} ${postmasterPid}\n`);
for (let id = rows[0]!.next; ; id++) {
  await client.query('insert into rows (id, note) values ($1, $2)', [id, `row ${id}`]);
  process.stdout.write(`committed ${id}\n`);
}
