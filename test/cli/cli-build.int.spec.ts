/**
 * The compiled `lev` (bin/cli-build.js) on a small project of its own in a temp dir: the build runs the entry and
 * its lazy imports, each module keeps its own `import.meta.url`, a source change makes a new build and an unchanged
 * tree reuses the last, concurrent first runs agree, a source that does not parse gives null (run from source), old
 * builds are pruned. And the real CLI compiled answers as from source.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
// @ts-expect-error: plain JS beside the CLI's bin script, no declarations
import { buildKey, compiledCli } from '../../bin/cli-build.js';

type Project = { root: string; entry: string; sourceDirs: string[]; cacheDir: string };
const dirs: string[] = [];

function project(): Project {
  const root = mkdtempSync(join(tmpdir(), 'lev-cli-build-'));
  dirs.push(root);
  mkdirSync(join(root, 'src/cli'), { recursive: true });
  mkdirSync(join(root, 'src/data'), { recursive: true });
  writeFileSync(join(root, 'src/data/greeting.txt'), 'hello');
  writeFileSync(
    join(root, 'src/data/read.ts'),
    `import { readFileSync } from 'node:fs';
     export const here: string = import.meta.url;
     export const greeting = (): string => readFileSync(new URL('./greeting.txt', import.meta.url), 'utf8');`,
  );
  writeFileSync(
    join(root, 'src/cli/main.ts'),
    `export const here: string = import.meta.url;
     export async function main(args: string[]): Promise<string> {
       const { greeting, here: readHere } = await import('../data/read.ts');
       return JSON.stringify({ args, greeting: greeting(), readHere });
     }`,
  );
  return { root, entry: 'src/cli/main.ts', sourceDirs: ['src'], cacheDir: join(root, 'cache') };
}

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('the compiled entry runs, lazy imports included, each module at its own import.meta.url', async () => {
  const p = project();
  const url = await compiledCli(p);
  assert.ok(url?.startsWith(pathToFileURL(p.cacheDir).href), String(url));
  const mod = await import(url);
  assert.is(mod.here, pathToFileURL(join(p.root, 'src/cli/main.ts')).href);
  const out = JSON.parse(await mod.main(['x']));
  assert.equal(out, {
    args: ['x'],
    greeting: 'hello',
    readHere: pathToFileURL(join(p.root, 'src/data/read.ts')).href,
  });
  // The lazy import is a chunk of its own.
  const [build] = readdirSync(p.cacheDir);
  assert.ok(readdirSync(join(p.cacheDir, build!)).filter((f) => f.endsWith('.mjs')).length >= 2);
});

test('an unchanged tree reuses its build; a change makes a new one', async () => {
  const p = project();
  const first = await compiledCli(p);
  assert.is(await compiledCli(p), first);
  const key = buildKey(p);
  writeFileSync(join(p.root, 'src/data/more.ts'), 'export const more = 1;');
  assert.is.not(buildKey(p), key, 'a new file');
  const added = buildKey(p);
  writeFileSync(join(p.root, 'src/data/more.ts'), 'export const more = 2;');
  assert.is.not(buildKey(p), added, 'an edit of the same size');
  const second = await compiledCli(p);
  assert.ok(second && second !== first);
  assert.is(readdirSync(p.cacheDir).length, 2);
});

test('concurrent first runs agree on one build', async () => {
  const p = project();
  const urls = await Promise.all([compiledCli(p), compiledCli(p), compiledCli(p)]);
  assert.ok(urls[0]);
  assert.equal(new Set(urls).size, 1);
  assert.is(readdirSync(p.cacheDir).length, 1, 'no leftover private build directories');
});

test('a source that does not parse gives null (the caller runs the sources) and leaves nothing behind', async () => {
  const p = project();
  writeFileSync(join(p.root, 'src/data/read.ts'), 'export const broken = ;');
  assert.is(await compiledCli(p), null);
  assert.equal(readdirSync(p.cacheDir), []);
});

test('old builds are pruned: the newest five stay', async () => {
  const p = project();
  for (let i = 0; i < 7; i++) {
    writeFileSync(join(p.root, 'src/data/n.ts'), `export const n = ${i};`);
    assert.ok(await compiledCli(p));
  }
  assert.is(readdirSync(p.cacheDir).length, 5);
});

test('a moved tree runs its own files, not those of where it was built', async () => {
  const p = project();
  const before = await compiledCli(p);
  const moved = `${p.root}-moved`;
  dirs.push(moved);
  renameSync(p.root, moved); // keeps every mtime, as mv, cp -a and rsync -a do
  const q = { ...p, root: moved, cacheDir: join(moved, 'cache') };
  const url = await compiledCli(q);
  assert.is(
    url,
    before?.replace(pathToFileURL(p.root).href, pathToFileURL(moved).href),
    'the same build, moved',
  );
  const mod = await import(url!);
  assert.is(mod.here, pathToFileURL(join(moved, 'src/cli/main.ts')).href);
  assert.is(JSON.parse(await mod.main([])).greeting, 'hello');
});

test('a build reading a file its key does not cover is refused', async () => {
  const p = project();
  writeFileSync(join(p.root, 'outside.json'), '{"x":1}');
  writeFileSync(
    join(p.root, 'src/cli/main.ts'),
    `import outside from '../../outside.json';
     export async function main(): Promise<number> { return outside.x; }`,
  );
  const errors: unknown[] = [];
  assert.is(await compiledCli(p, { onError: (err: unknown) => errors.push(err) }), null);
  assert.match(String(errors[0]), /outside\.json/);
});

test('the real CLI compiles, and compiled answers as from source', async () => {
  const run = promisify(execFile);
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const errors: unknown[] = [];
  assert.ok(await compiledCli(undefined, { onError: (err: unknown) => errors.push(err) }), String(errors[0]));
  const compiled = await run(process.execPath, [join(root, 'bin/lev.js'), '--help'], { cwd: root });
  const source = await run(process.execPath, ['--import', 'tsx', '-e', HELP_FROM_SOURCE], { cwd: root });
  assert.is(compiled.stdout, source.stdout);
  assert.ok(compiled.stdout.includes('Usage: lev'));
});

const HELP_FROM_SOURCE = `
  const { main } = await import('./src/cli/main.ts');
  process.exitCode = await main(['--help']);
`;

test.run();
