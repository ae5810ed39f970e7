/**
 * A fresh database per test file on the server the test runner started (`LEV_TEST_DB_URL`, see scripts/test.js),
 * so test files can run in parallel without seeing each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type TestDatabase = {
  /** Connection URL of the new database. */
  url: string;
  /** Drops it (ending any connection still open on it). */
  drop(): Promise<void>;
};

/** The runner's server URL; fails clearly when the test is not run through scripts/test.js. */
export function testServerUrl(): string {
  const url = process.env['LEV_TEST_DB_URL'];
  if (!url) throw new Error('LEV_TEST_DB_URL is not set: run tests through `node scripts/test.js`');
  return url;
}

/** Creates `t_<random>` on the test server. */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (c) => c.query(`create database ${pg.escapeIdentifier(name)}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin(serverUrl, (c) =>
        c.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`),
      );
    },
  };
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
