/** Runs one benchmark on its own: an embedded Postgres in a temp dir unless `LEV_BENCH_DB_URL` is set. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/index.ts';

export async function runStandalone(
  name: string,
  bench: (opts: { url: string }) => Promise<Record<string, number>>,
): Promise<void> {
  let url = process.env['LEV_BENCH_DB_URL'];
  let stop = async () => {};
  if (!url) {
    const dir = mkdtempSync(join(tmpdir(), `lev-bench-${name}-`));
    const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), database: `bench_${name}` });
    url = pg.url;
    stop = async () => {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  try {
    const results = await bench({ url });
    for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(48)} ${v}`);
  } finally {
    await stop();
  }
}
