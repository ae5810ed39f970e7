/**
 * How a long-running command (`lev start`, `lev prover`) ends: SIGINT or SIGTERM asks for a graceful stop, a second
 * signal exits at once (status 130) after the hooks registered with {@link onForcedExit} ran. Resolves with the exit
 * status: 0 after a clean stop, 1 when stopping failed, or what `finish` was given when the command ended on its own.
 */
import { errorToObject } from '../errors/index.ts';
import type { Logger } from '../observability/index.ts';

const forcedExitHooks = new Set<() => void>();

/**
 * Registers `hook` to run, synchronously, just before a second signal exits the process at once: the last resort
 * for what would outlive it (the embedded Postgres runs detached, in its own process group). Returns its removal.
 */
export function onForcedExit(hook: () => void): () => void {
  forcedExitHooks.add(hook);
  return () => {
    forcedExitHooks.delete(hook);
  };
}

export function runUntilSignal(opts: { logger: Logger; stop: () => Promise<void> }): {
  done: Promise<number>;
  /** Ends the command with `status` (e.g. a node that failed by itself, already stopped). */
  finish(status: number): void;
} {
  const { logger } = opts;
  let finish: (status: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    finish = resolve;
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting now');
        for (const hook of forcedExitHooks) {
          try {
            hook();
          } catch {
            // exiting anyway
          }
        }
        process.exit(130);
      }
      logger.info({ signal }, 'stopping');
      opts.stop().then(
        () => {
          logger.info('stopped');
          resolve(0);
        },
        (err: unknown) => {
          logger.error({ err: errorToObject(err) }, 'stopped with an error');
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return { done, finish };
}
