#!/usr/bin/env node
// Runs every test file under test/ with uvu (each file is its own process, `node --import tsx FILE`, two at a time), against one embedded
// Postgres started here for the whole run (DESIGN §4: the same server `npm start` uses), and ends with the
// line `N passed, M failed`. Exits non-zero when anything failed, a file crashed, or no test ran.
//
//   node scripts/test.js [--tier unit|int|e2e] [--jobs N] [FILTER...]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { register } from 'tsx/esm/api';
import { compiledCli } from '../bin/cli-build.js';

register();
const { startEmbeddedPostgres } = await import('../src/db/index.ts');

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const tierAt = args.indexOf('--tier');
const tier = tierAt >= 0 ? args.splice(tierAt, 2)[1] : undefined;
const jobsAt = args.indexOf('--jobs');
const jobs = jobsAt >= 0 ? Number(args.splice(jobsAt, 2)[1]) : 2;
const filters = args;
const FILE_TIMEOUT_MS = 10 * 60_000;

const walk = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
const files = walk(join(root, 'test'))
  .filter((f) => /\.(unit|int|e2e)\.spec\.ts$/.test(f))
  .filter((f) => !tier || f.endsWith(`.${tier}.spec.ts`))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();

// The compiled `lev` the e2e tests spawn, built once here rather than by their first processes at once. A build
// that fails would leave them running the sources through tsx, unnoticed: stop here instead.
if (!(await compiledCli(undefined, { onError: (err) => console.error(err) }))) {
  console.error('the compiled CLI (bin/cli-build.js) could not be built');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const pgDir = mkdtempSync(join(tmpdir(), 'lev-test-pg-'));
const pg = await startEmbeddedPostgres({ dataDir: pgDir, port: 0 });
const env = {
  ...process.env,
  NO_COLOR: '1',
  FORCE_COLOR: '0',
  LEV_TEST_DB_URL: pg.url,
  LEV_LOG_LEVEL: process.env.LEV_LOG_LEVEL ?? 'silent',
};

function runFile(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => {
      out += `\n[test runner] killed after ${FILE_TIMEOUT_MS / 1000} s\n`;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const passed = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
      let failed = total - passed - skipped;
      // A file that crashed or exited non-zero without counting a failure still counts as one.
      if (code !== 0 && failed === 0) failed = 1;
      resolve({ file, code, total, passed, skipped, failed, out });
    });
  });
}

const started = Date.now();
const results = [];
const queue = [...files];
await Promise.all(
  Array.from({ length: Math.max(1, jobs) }, async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const r = await runFile(file);
      results.push(r);
      const name = relative(root, file);
      const mark = r.failed > 0 ? 'FAIL' : 'ok  ';
      process.stdout.write(`${mark} ${name}  (${r.passed}/${r.total})\n`);
      if (r.failed > 0) process.stdout.write(r.out.replace(/^/gm, '    | ') + '\n');
    }
  }),
);
await pg.stop();
rmSync(pgDir, { recursive: true, force: true });

const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
const skipped = results.reduce((n, r) => n + r.skipped, 0);
for (const r of results.filter((x) => x.failed > 0))
  process.stdout.write(`failed: ${relative(root, r.file)}\n`);
process.stdout.write(`\n${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
if (passed + failed === 0) process.stdout.write('no test ran\n');
process.stdout.write(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed > 0 || passed + failed === 0 ? 1 : 0);
