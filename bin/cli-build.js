// The `lev` command's compiled form: the CLI's TypeScript (src/, actors/, projections/) bundled by esbuild into
// ESM chunks under node_modules/.cache/lev/<key>/, built on the first run after a source change and reused until the
// next. Running TypeScript through tsx's loader costs about half a second per start on these machines (every module
// goes through the loader thread); the chunks load like any JavaScript, dependencies from node_modules as they are.
//
// - The key is a hash of every bundled source file's path, size and mtime (plus tsconfig.json, package.json and
//   esbuild's version): an edit, checkout or install makes a new key, so a stale build is never run. Listing the
//   sources takes a few ms.
// - Each module keeps its own `import.meta.url` (replaced by its source file's URL when bundled), so the files it
//   finds next to itself — migrations, contract artifacts, worker entries (run by tsx in their thread) — are found
//   exactly as when run from source. Dynamic imports stay lazy (code splitting). Source maps map stack traces back
//   to the .ts lines.
// - Concurrent first runs each build into a private directory and rename it into place; the first rename wins and
//   the others drop theirs. Builds older than the newest few are removed.
// - A failed build (a syntax error in an edit) returns null: the caller runs the sources through tsx, which reports
//   the error against the file.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The project's layout: its root, the entry module, the directories bundled, where builds go. */
const PROJECT = {
  root: ROOT,
  entry: 'src/cli/main.ts',
  sourceDirs: ['src', 'actors', 'projections'],
  cacheDir: join(ROOT, 'node_modules/.cache/lev'),
};
/** Builds kept beside the newest (a running node may still load chunks from an older one). */
const KEEP = 4;
const esbuildVersion = () =>
  JSON.parse(readFileSync(fileURLToPath(import.meta.resolve('esbuild/package.json')), 'utf8')).version;

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (entry.name.endsWith('.ts')) yield path;
  }
}

/** The build key of the sources as they are now (`project`: this one unless a test gives another). */
export function buildKey(project = PROJECT) {
  const { root } = project;
  const hash = createHash('sha256');
  const stamp = (path) => {
    const s = statSync(path);
    hash.update(`${relative(root, path)}\0${s.size}\0${s.mtimeMs}\n`);
  };
  for (const dir of project.sourceDirs) for (const path of sourceFiles(join(root, dir))) stamp(path);
  for (const file of ['tsconfig.json', 'package.json'])
    if (existsSync(join(root, file))) stamp(join(root, file));
  hash.update(esbuildVersion());
  return hash.digest('hex').slice(0, 16);
}

/** Keeps each bundled module's own `import.meta.url`: its source file's URL. */
const ownMetaUrl = {
  name: 'lev-own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll(
        'import.meta.url',
        JSON.stringify(pathToFileURL(args.path).href),
      ),
      loader: 'ts',
    }));
  },
};

/**
 * The URL of the compiled CLI entry (exports `main`), building it when the sources changed; null when it cannot
 * be built (run the sources instead).
 */
export async function compiledCli(project = PROJECT) {
  const cache = project.cacheDir;
  let key;
  try {
    key = buildKey(project);
  } catch {
    return null; // sources not where they should be: let tsx say what is missing
  }
  const dir = join(cache, key);
  const entry = join(dir, 'main.mjs');
  if (existsSync(entry)) return pathToFileURL(entry).href;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    const { build } = await import('esbuild');
    mkdirSync(cache, { recursive: true });
    await build({
      entryPoints: [join(project.root, project.entry)],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      sourcemap: 'linked',
      logLevel: 'silent',
      plugins: [ownMetaUrl],
    });
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process put the same build in place first
    }
    prune(cache, key);
    return existsSync(entry) ? pathToFileURL(entry).href : null;
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    return null;
  }
}

/** Removes finished builds beyond the newest KEEP (and `key`), and leftovers of builds that died. */
function prune(cache, key) {
  try {
    const builds = readdirSync(cache)
      .filter((name) => name !== key)
      .map((name) => ({ name, mtimeMs: statSync(join(cache, name)).mtimeMs }))
      .sort((a, b) => b.mtimeMs - a.mtimeMs);
    const dayAgo = Date.now() - 24 * 3600_000;
    for (const [i, b] of builds.entries()) {
      const leftover = b.name.includes('.tmp-') && b.mtimeMs < dayAgo;
      if (i >= KEEP || leftover) rmSync(join(cache, b.name), { recursive: true, force: true });
    }
  } catch {
    // a cache that cannot be tidied is still a cache
  }
}
