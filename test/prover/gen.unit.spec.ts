/**
 * The generated protocol code is current: `buf generate` (the committed buf.gen.yaml, the local protoc-gen-es)
 * into a temporary directory gives byte for byte what src/prover/gen/ holds — no file more, none less. When this
 * fails, run `npm run gen` and commit the result.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('prover/codegen');
const ROOT = new URL('../../', import.meta.url).pathname;
const GEN = 'src/prover/gen';

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });

test('src/prover/gen is what buf generate makes of proto/', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lev-buf-'));
  try {
    const bin = join(ROOT, 'node_modules/.bin');
    await promisify(execFile)(join(bin, 'buf'), ['generate', '--template', 'buf.gen.yaml', '-o', out], {
      cwd: ROOT,
      // buf finds the local protoc-gen-es plugin on PATH, as `npm run gen` has it.
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env['PATH'] ?? ''}` },
    });
    const fresh = join(out, GEN);
    const committed = join(ROOT, GEN);
    const files = (dir: string) =>
      walk(dir)
        .map((f) => relative(dir, f))
        .sort();
    assert.equal(files(committed), files(fresh), 'the same files');
    assert.ok(files(fresh).length > 0);
    for (const file of files(fresh)) {
      const same = readFileSync(join(fresh, file)).equals(readFileSync(join(committed, file)));
      assert.ok(same, `${GEN}/${file} is stale: run npm run gen`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
