/**
 * Worker threads on our TypeScript modules. A `worker_threads` worker does not inherit the parent's `--import tsx`:
 * its boot script registers tsx first when the entry is a `.ts` file (tests, `npx lev` from source), then imports
 * the entry; a compiled `.js` entry is imported as it is.
 */
import { Worker } from 'node:worker_threads';

/** The boot script of a worker running `entry` (a file URL). Pure. */
export function workerBootScript(entry: string): string {
  if (!entry.endsWith('.ts')) return `import(${JSON.stringify(entry)});`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
}

/** Starts a worker thread running the module at `entry` (a file URL), named `name` in inspectors and traces. */
export function startModuleWorker(entry: string, name: string): Worker {
  return new Worker(workerBootScript(entry), { eval: true, name });
}
