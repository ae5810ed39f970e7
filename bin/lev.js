#!/usr/bin/env node
// The `lev` command: runs the CLI compiled (bin/cli-build.js: built once per source change, source-mapped), or —
// when it cannot be built — its TypeScript sources through tsx.
import { compiledCli } from './cli-build.js';

let entry = await compiledCli();
if (entry) process.setSourceMapsEnabled(true);
else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = new URL('../src/cli/main.ts', import.meta.url).href;
}
const { main } = await import(entry);
process.exit(await main(process.argv.slice(2)));
