// The `lev` command's compiled form: the CLI's TypeScript (src/, actors/, projections/) bundled by esbuild into
// ESM chunks under node_modules/.cache/lev/<key>/, built on the first run after a source change and reused until the
// next. Running TypeScript through tsx's loader costs about half a second per start on these machines (every module
// goes through the loader thread); the chunks load like any JavaScript, dependencies from node_modules as they are.
//
// - The key is a hash of the contents of every file under the bundled directories, of tsconfig.json and
//   package.json, of this file and of esbuild's version: any edit, checkout, install or change to how the build is
//   made gives a new key, so a stale build never runs. A build whose inputs (esbuild's metafile) include a file
//   the key does not cover is refused. Hashing the sources takes about 15 ms a start.
// - Each module keeps its own `import.meta.url`: the bundler plugin writes in the source file's URL, relative to
//   the chunk (all chunks sit in one directory at a fixed depth under the root), so a moved or copied tree resolves
//   its own files. Files found next to a module — migrations, contract artifacts, worker entries (run by tsx in
//   their thread) — are found exactly as when run from source. Dynamic imports stay lazy (code splitting). Source
//   maps map stack traces back to the .ts lines.
// - Concurrent first runs each build into a private directory and rename it into place; the first rename wins and
//   the others drop theirs. Builds beyond the newest five are removed (a running node may still load a lazy chunk
//   from its own).
// - A failed build (an edit that does not parse) returns null and tells `onError`: the caller runs the sources
//   through tsx, which reports the error against the file.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** The project's layout: its root, the entry module, the directories bundled, where builds go (under the root). */
const PROJECT = {
  root: ROOT,
  entry: 'src/cli/main.ts',
  sourceDirs: ['src', 'actors', 'projections'],
  cacheDir: join(ROOT, 'node_modules/.cache/lev'),
};
/** Files beside the sources that shape the build. */
const CONFIG_FILES = ['tsconfig.json', 'package.json'];
/** Builds kept beside the newest. */
const KEEP = 4;
const esbuildVersion = () =>
  JSON.parse(readFileSync(fileURLToPath(import.meta.resolve('esbuild/package.json')), 'utf8')).version;

function* filesUnder(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

/** The build key of the sources as they are now (`project`: this one unless a test gives another). */
export function buildKey(project = PROJECT) {
  const { root } = project;
  const hash = createHash('sha256');
  const add = (path) => {
    hash.update(`${relative(root, path)}\0`);
    hash.update(readFileSync(path));
    hash.update('\0');
  };
  for (const dir of project.sourceDirs) for (const path of filesUnder(join(root, dir))) add(path);
  for (const file of CONFIG_FILES) if (existsSync(join(root, file))) add(join(root, file));
  add(fileURLToPath(import.meta.url));
  hash.update(esbuildVersion());
  return hash.digest('hex').slice(0, 16);
}

/** Whether `path` (absolute) is one the key covers. */
const keyed = (project, path) =>
  CONFIG_FILES.some((f) => resolve(project.root, f) === path) ||
  project.sourceDirs.some((d) => path.startsWith(resolve(project.root, d) + sep));

/**
 * Keeps each bundled module's own `import.meta.url`: its source file's URL, relative to the chunk that holds it
 * (chunks are written to `<cacheDir>/<key>/`).
 */
const ownMetaUrl = (project) => ({
  name: 'lev-own-import-meta-url',
  setup(build) {
    const chunkDir = join(project.cacheDir, 'key');
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const fromChunk = relative(chunkDir, args.path).split(sep).join('/');
      return {
        contents: readFileSync(args.path, 'utf8').replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(fromChunk)}, import.meta.url).href`,
        ),
        loader: 'ts',
      };
    });
  },
});

/**
 * The URL of the compiled CLI entry (exports `main`), building it when the sources changed; null when it cannot
 * be built (run the sources instead), with the reason told to `onError`.
 * @param {typeof PROJECT} [project]
 * @param {{ onError?: (err: unknown) => void }} [opts]
 */
export async function compiledCli(project = PROJECT, opts = {}) {
  const cache = project.cacheDir;
  let key;
  try {
    key = buildKey(project);
  } catch (err) {
    opts.onError?.(err);
    return null; // sources not where they should be: let tsx say what is missing
  }
  const dir = join(cache, key);
  const entry = join(dir, 'main.mjs');
  if (existsSync(entry)) return pathToFileURL(entry).href;
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    const { build } = await import('esbuild');
    mkdirSync(cache, { recursive: true });
    const { metafile } = await build({
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
      metafile: true,
      logLevel: 'silent',
      plugins: [ownMetaUrl(project)],
    });
    const unkeyed = Object.keys(metafile.inputs)
      .map((input) => resolve(process.cwd(), input))
      .filter((path) => !keyed(project, path));
    if (unkeyed.length > 0)
      throw new Error(`the bundle reads files its build key does not cover: ${unkeyed.join(', ')}`);
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process put the same build in place first
    }
    prune(cache, key);
    return existsSync(entry) ? pathToFileURL(entry).href : null;
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    opts.onError?.(err);
    return null;
  }
}

/** Removes finished builds beyond the newest KEEP (and `key`), and private build directories a day old. */
function prune(cache, key) {
  try {
    const now = Date.now();
    const builds = [];
    for (const name of readdirSync(cache)) {
      const mtimeMs = statSync(join(cache, name)).mtimeMs;
      if (name.includes('.tmp-')) {
        if (mtimeMs < now - 24 * 3600_000) rmSync(join(cache, name), { recursive: true, force: true });
      } else if (name !== key) builds.push({ name, mtimeMs });
    }
    builds.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const b of builds.slice(KEEP)) rmSync(join(cache, b.name), { recursive: true, force: true });
  } catch {
    // a cache that cannot be tidied is still a cache
  }
}
