/**
 * `lev prover` (DESIGN §7, §9): the reference prover as its own process, listening on `[prover] listen`
 * (127.0.0.1:50051) and signing with `[keys] prover` (dev key #4 with `--dev`), for the L2 chain `l2.chainId` and
 * fork 5. `lev start --dev` embeds the same thing through {@link startProver}.
 */

import type { Config } from '../config/index.ts';
import { loadKey } from '../config/index.ts';
import { messageOf, NodeError } from '../errors/index.ts';
import type { Logger } from '../observability/index.ts';
import type { Address, Hex } from '../primitives/index.ts';
import { createReferenceProver, type ReferenceProverStatus, startProverServer } from '../prover/index.ts';
import { runUntilSignal } from './signals.ts';

/** The fork the node runs (DESIGN §6: fork 5 semantics). */
export const PROVER_FORK_ID = 5n;

/** The prover's port cannot be bound (taken, or a host this machine does not have). */
export class ProverListenError extends NodeError<'ProverListenError'> {
  override name = 'ProverListenError' as const;
  constructor(listen: string, cause: unknown) {
    super(`the prover cannot listen on ${listen} (prover.listen): ${messageOf(cause)}`, {
      code: 'PROVER_LISTEN',
      severity: 'critical',
      cause,
    });
  }
}

export type RunningProver = {
  /** Where it answers (`http://127.0.0.1:50051`); the real port when `prover.listen` has port 0. */
  url: string;
  /** The address of its key (what the L1 verifier must have registered). */
  address: Address;
  status(): ReferenceProverStatus;
  /** Refuses new requests, cancels the queued ones, waits for the running ones and closes the server. */
  stop(): Promise<void>;
};

/**
 * Starts the reference prover of `config` and its server.
 * @throws {ConfigError} when `[keys] prover` is not set or its keystore does not open.
 * @throws {ProverListenError} when `prover.listen` cannot be bound.
 */
export async function startProver(config: Config, logger: Logger): Promise<RunningProver> {
  const wallet = await loadKey(config, 'prover');
  const log = logger.child({ role: 'prover' });
  const prover = createReferenceProver({
    chainId: BigInt(config.l2.chainId),
    forkId: PROVER_FORK_ID,
    key: wallet.privateKey as Hex,
    logger: log,
  });
  const { host, port } = config.prover.listen;
  let server: Awaited<ReturnType<typeof startProverServer>>;
  try {
    server = await startProverServer({ host, port, prover, logger: log });
  } catch (err) {
    await prover.close();
    throw new ProverListenError(`${host}:${port}`, err);
  }
  try {
    // Fail now, not on the first proof, if the execution workers cannot start.
    await prover.warmUp();
  } catch (err) {
    await Promise.all([prover.close(), server.close()]);
    throw err;
  }
  log.info({ url: server.url, address: prover.address, chainId: config.l2.chainId }, 'prover ready');
  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    address: prover.address,
    status: prover.status,
    stop() {
      stopping ??= Promise.all([prover.close(), server.close()]).then(() => {});
      return stopping;
    },
  };
}

/**
 * `lev prover`: starts the prover, prints `ready prover <url>` and runs until SIGINT or SIGTERM; resolves with the
 * exit status (0 after a clean stop).
 */
export async function runProverCommand(config: Config, logger: Logger): Promise<number> {
  const prover = await startProver(config, logger);
  process.stdout.write(`ready prover ${prover.url}\n`);
  return runUntilSignal({ logger, stop: () => prover.stop() }).done;
}
