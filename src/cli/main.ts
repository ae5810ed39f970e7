/**
 * The `lev` command line (DESIGN §9). Every command: bad arguments or configuration → one line on stderr naming
 * what is wrong, exit status 2.
 */
import { Command, CommanderError } from 'commander';
import {
  ConfigError,
  checkRoleRequirements,
  describeConfig,
  formatConfig,
  loadConfig,
} from '../config/index.ts';
import { messageOf } from '../errors/index.ts';
import type { L1Deployment } from '../l1/index.ts';
import { createLogger } from '../observability/index.ts';
import { configureInspectCommand, inspect } from './inspect.ts';
import type { RawInspectOptions } from './inspect-args.ts';
import type { RunningNode } from './node.ts';
import { configureReplayCommand, replay } from './replay.ts';
import type { RawReplayOptions } from './replay-args.ts';
import { runUntilSignal } from './signals.ts';

/** Exit statuses. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

type CommonOptions = { dev?: boolean; roles?: string; config?: string };

const splitRoles = (roles: string | undefined) =>
  roles === undefined
    ? undefined
    : roles
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean);

async function configFrom(opts: CommonOptions) {
  const roles = splitRoles(opts.roles);
  return loadConfig({
    ...(opts.config === undefined ? {} : { file: opts.config }),
    flags: { dev: opts.dev ?? false, ...(roles === undefined ? {} : { roles }) },
  });
}

async function start(opts: CommonOptions): Promise<number> {
  const config = await configFrom(opts);
  // Every setting the roles need, the genesis and the keys are checked before anything starts: a configuration
  // error is one line and exit 2, with no server started and no `ready` line printed.
  checkRoleRequirements(config);
  // Loaded when needed: the node pulls in the EVM, the L1 contracts and every role (seconds of start-up that
  // `lev info` and `lev replay` do not need).
  const { IMPLEMENTED_ROLES, loadNodeInputs, startNode } = await import('./node.ts');
  const inputs = await loadNodeInputs(config);
  const logger = createLogger({ name: 'lev' });
  const announce = (line: string) => process.stdout.write(`${line}\n`);
  logger.info(
    {
      roles: config.node.roles,
      implemented: IMPLEMENTED_ROLES,
      dataDir: config.node.dataDir,
      dev: config.dev,
    },
    'starting',
  );
  // Signals are handled from here on: one during the start-up aborts it and stops what was started (the embedded
  // Postgres runs detached: the default handler would leave it running), as the graceful stop of a running node.
  const starting = new AbortController();
  const started = startNode({ config, inputs, logger, announce, signal: starting.signal });
  const run = runUntilSignal({
    logger,
    stop: async () => {
      starting.abort(new Error('stopped during start-up'));
      const running = await started.catch(() => undefined);
      await running?.stop();
    },
  });
  let node: RunningNode;
  try {
    node = await started;
  } catch (err) {
    if (starting.signal.aborted) return run.done;
    throw err;
  }
  void node.done.then(async (out) => {
    if (out.status !== 'failed') return;
    process.stderr.write(`lev: stopping: ${out.message}\n`);
    await node.stop().catch(() => {});
    run.finish(EXIT.failed);
  });
  return run.done;
}

/** `lev devnet`: the dev L1 alone, until SIGINT/SIGTERM. */
async function devnet(opts: CommonOptions): Promise<number> {
  const config = await configFrom({ ...opts, dev: true });
  const { deployDevContracts, probeChainId, startDevL1 } = await import('./devnet.ts');
  const existing = await probeChainId(config.l1.url);
  if (existing !== null) {
    process.stderr.write(
      `lev: an L1 already answers at ${config.l1.url} (chain id ${existing}); not starting another\n`,
    );
    return EXIT.failed;
  }
  const l1 = await startDevL1(config);
  let deployment: L1Deployment;
  try {
    deployment = await deployDevContracts(config, l1.url);
  } catch (err) {
    await l1.stop();
    throw err;
  }
  process.stdout.write(`ready l1 ${l1.url}\n`);
  printDeployment(deployment);
  const exited = new Promise<void>((resolve) => l1.child.once('exit', () => resolve()));
  return new Promise<number>((resolve) => {
    let stopping = false;
    // A terminal's Ctrl-C reaches the Hardhat child too (same process group): stopping is expected then.
    const onSignal = () => {
      stopping = true;
      void l1.stop().then(() => resolve(EXIT.ok));
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    void exited.then(() => {
      const sig = l1.child.signalCode;
      if (stopping || sig === 'SIGINT' || sig === 'SIGTERM') return resolve(EXIT.ok);
      process.stderr.write('lev: the L1 devnet exited\n');
      resolve(EXIT.failed);
    });
  });
}

/** `lev prover`: the reference prover alone, until SIGINT/SIGTERM. */
async function prover(opts: CommonOptions): Promise<number> {
  const config = await configFrom(opts);
  const { runProverCommand } = await import('./prover.ts');
  return runProverCommand(config, createLogger({ name: 'lev' }));
}

/** One `l1 <name> <address>` line per contract (stdout), after the `ready l1` line. */
function printDeployment(d: L1Deployment): void {
  for (const [name, address] of [
    ['rollup', d.rollup],
    ['globalExitRootManager', d.globalExitRootManager],
    ['verifier', d.verifier],
    ['feeToken', d.feeToken],
  ] as const) {
    process.stdout.write(`l1 ${name} ${address}\n`);
  }
  process.stdout.write(`l1 deploymentBlock ${d.deploymentBlock}\n`);
}

async function info(opts: CommonOptions & { json?: boolean }): Promise<number> {
  const config = await configFrom(opts);
  if (opts.json) process.stdout.write(`${JSON.stringify(describeConfig(config), null, 2)}\n`);
  else process.stdout.write(`${formatConfig(config)}\n`);
  return EXIT.ok;
}

function program(run: (p: Promise<number>) => void): Command {
  const cmd = new Command('lev')
    .description('Levitation: a zkEVM rollup node with a decentralized sequencer')
    .exitOverride()
    .configureOutput({
      writeErr: (s) =>
        process.stderr.write(s.split('\n').find((l) => l.trim()) ? `${s.trim().split('\n')[0]}\n` : s),
    });
  const common = (c: Command) =>
    c
      .option('--dev', 'development defaults: embedded Postgres under ./.lev, dev keys and genesis')
      .option('--roles <roles>', 'comma-separated roles to run (default: all)')
      .option('--config <file>', 'TOML configuration file');
  common(cmd.command('start').description('run the node')).action((o: CommonOptions) => run(start(o)));
  cmd
    .command('devnet')
    .description('run the local dev L1 alone (Hardhat, chain 1337 on 127.0.0.1:8545)')
    .option('--config <file>', 'TOML configuration file')
    .action((o: CommonOptions) => run(devnet(o)));
  cmd
    .command('prover')
    .description('run the reference prover alone (Connect RPC and gRPC, 127.0.0.1:50051)')
    .option('--dev', 'development defaults: dev key #4')
    .option('--config <file>', 'TOML configuration file')
    .action((o: CommonOptions) => run(prover(o)));
  common(cmd.command('info').description('show the configuration in effect'))
    .option('--json', 'machine-readable output')
    .action((o: CommonOptions & { json?: boolean }) => run(info(o)));
  configureReplayCommand(cmd.command('replay')).action((o: RawReplayOptions) =>
    run(replay(o, () => configFrom(o))),
  );
  configureInspectCommand(cmd.command('inspect')).action(
    (subject: string, args: string[], o: RawInspectOptions) =>
      run(inspect(subject, args, o, () => configFrom(o))),
  );
  return cmd;
}

/** Runs `lev` with `argv` (without node and script) and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  let pending: Promise<number> | undefined;
  try {
    await program((p) => {
      pending = p;
    }).parseAsync(argv, { from: 'user' });
    return pending ? await pending : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.shortMessage}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`lev: ${messageOf(err)}\n`);
    return EXIT.failed;
  }
}
