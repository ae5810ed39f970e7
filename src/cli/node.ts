/**
 * The composition root of `lev start`: wires the database (embedded or configured), the event store, the read
 * models and their runner, the JSON-RPC server, metrics and health, and runs the roles under the supervisor.
 *
 * Shutdown order (graceful, DESIGN §3): roles stop first (the RPC finishes in-flight requests, the projector its
 * batch), then the event store (in-flight appends finish), the read-model and store pools, the health server and
 * last the embedded Postgres.
 */
import { join } from 'node:path';
import { aggregatorRole } from '../../actors/aggregator/index.ts';
import { ethTxManagerRole } from '../../actors/eth-tx-manager/index.ts';
import { createSupervisor, defineRole, type RoleSpec, type SupervisorOutput } from '../../actors/index.ts';
import { sequenceSenderRole } from '../../actors/sequence-sender/index.ts';
import { sequencerRole } from '../../actors/sequencer/index.ts';
import { createL2Builder, createTrustedNode, synchronizerRole } from '../../actors/synchronizer/index.ts';
import {
  createProjectionRunner,
  createReadModelDb,
  l1SyncProjection,
  type ProjectionRunner,
  projectionsFor,
  readBetweenChanges,
} from '../../projections/index.ts';
import { latestExitRoots, listForcedBatches } from '../../projections/l1sync/index.ts';
import {
  createAbsentReceipts,
  createLatestBlockCache,
  createRecentReceipts,
  L2_HEAD_EVENT_TYPES,
  type LatestBlockCache,
  RECENT_RECEIPTS_EVENT_TYPES,
} from '../../projections/l2/index.ts';
import { createPendingPool } from '../../projections/pool/index.ts';
import {
  type Config,
  type Genesis,
  isPermissionless,
  type KeyName,
  loadGenesis,
  loadKey,
  type Role,
  redactUrl,
} from '../config/index.ts';
import {
  createPgPool,
  type EmbeddedPostgresServer,
  signalSpawnedPostgres,
  startEmbeddedPostgres,
} from '../db/index.ts';
import { createEventStore, type EventStore, type RecordedEvent } from '../eventstore/index.ts';
import {
  type AccountReader,
  createExecutor,
  createGenesisAccountReader,
  createTrieStore,
  type Executor,
} from '../execution/index.ts';
import { createL1Reads, type L1Deployment } from '../l1/index.ts';
import { L2_BLOCK_GAS_LIMIT } from '../l2/index.ts';
import {
  createHealthServer,
  createMetrics,
  createReadiness,
  type Logger,
  type Metrics,
} from '../observability/index.ts';
import type { PoolLimits } from '../pool/index.ts';
import type { Address, Hash } from '../primitives/index.ts';
import { createProverClient } from '../prover/index.ts';
import { createRpcServer } from '../rpc/index.ts';
import { createLogWatcher, logMethods } from '../rpc/logs/index.ts';
import { simpleMethods } from '../rpc/methods/index.ts';
import {
  createPoolIntake,
  createRefusingIntake,
  createRelayedCoinbase,
  createRelayIntake,
  type PoolIntakeDeps,
  poolMethods,
} from '../rpc/pool/index.ts';
import { createCallPool, readMethods } from '../rpc/read/index.ts';
import { createInclusionHandoff, type InclusionHandoff } from '../sequencer/index.ts';
import { L2_EVENT_TYPES, type L2BlockSealed } from '../streams/l2/index.ts';
import { TX_EVENT_TYPES } from '../streams/tx/index.ts';
import { deployDevContracts, ensureDevL1 } from './devnet.ts';
import { onForcedExit } from './signals.ts';

/** Roles this build runs. The others of DESIGN §3 arrive with their issues; `lev start` says so and skips them. */
export const IMPLEMENTED_ROLES: readonly Role[] = [
  'rpc',
  'sequencer',
  'eth-tx-manager',
  'sequence-sender',
  'synchronizer',
  'aggregator',
];

/** The fork id the node runs (DESIGN §6: fork-5 semantics). */
const FORK_ID = 5n;

/** Roles that talk to L1 (with --dev they bring up the dev L1 and its contracts). */
const L1_ROLES: readonly Role[] = ['eth-tx-manager', 'sequence-sender', 'synchronizer', 'aggregator'];

export type RunningNode = {
  /** Settles when the supervisor ends (stopped, or failed naming the role). */
  done: Promise<SupervisorOutput>;
  /** Graceful stop; idempotent. */
  stop(): Promise<void>;
};

/** The keys each role signs with (`eth-tx-manager`: those of the other roles that are set). */
const ROLE_KEYS: Readonly<Record<Role, (config: Config) => readonly KeyName[]>> = {
  rpc: () => [],
  sequencer: () => [],
  'sequence-sender': () => ['sequencer'],
  'eth-tx-manager': (c) => (['sequencer', 'aggregator'] as const).filter((k) => c.keys[k] !== undefined),
  synchronizer: () => [],
  aggregator: () => ['aggregator'],
};

/** What `lev start` reads from files besides the configuration: checked before anything starts. */
export type NodeInputs = { genesis: Genesis };

/**
 * Reads the L2 genesis and decrypts the keys the roles sign with (cached on `config`: the roles' `loadKey` calls
 * get the same wallets), so that a missing or bad file, or a keystore password not set, is a configuration error
 * before any server starts.
 * @throws {ConfigError} naming the key at fault.
 */
export async function loadNodeInputs(config: Config): Promise<NodeInputs> {
  const genesis = await loadGenesis(config);
  const keys = new Set(config.node.roles.flatMap((role) => ROLE_KEYS[role](config)));
  await Promise.all([...keys].map((name) => loadKey(config, name)));
  return { genesis };
}

export type StartNodeOptions = {
  config: Config;
  /** From {@link loadNodeInputs}. */
  inputs: NodeInputs;
  logger: Logger;
  /** Where `ready <name> <url>` lines go. */
  announce: (line: string) => void;
  /**
   * Aborts the start-up (SIGINT/SIGTERM before the node runs): what was started is stopped again and `startNode`
   * rejects with the signal's reason.
   */
  signal?: AbortSignal;
};

export async function startNode({
  config,
  inputs,
  logger,
  announce,
  signal,
}: StartNodeOptions): Promise<RunningNode> {
  const cleanups: (() => Promise<void>)[] = [];
  // A process that exits at once (a second Ctrl-C) still stops the Postgres it spawned, which runs detached; the
  // hook goes once the node has stopped it (cleanups run last to first).
  const dropForcedExitHook = onForcedExit(signalSpawnedPostgres);
  cleanups.push(async () => dropForcedExitHook());
  // pg-pool's end() resolves once it has asked its clients to close, not once they have: the server may stop
  // while they are closing. Connection errors during our own shutdown are expected and not worth a warning.
  let shuttingDown = false;
  const connectionError = (what: string) => (err: Error) => {
    if (shuttingDown) logger.debug({ err }, `${what} connection closed during shutdown`);
    else logger.warn({ err }, `${what} connection error`);
  };
  const cleanup = async () => {
    shuttingDown = true;
    for (const fn of cleanups.splice(0).reverse()) {
      await fn().catch((err: unknown) => logger.warn({ err }, 'shutdown step failed'));
    }
  };

  // Start-up steps that start something are awaited and then checked (what they started is in `cleanups`); reads
  // that hold nothing (an L1 that does not answer may take its whole timeout) are abandoned at once.
  const checkpoint = () => signal?.throwIfAborted();
  const aborted = new Promise<never>((_, reject) => {
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {});
  const unlessAborted = <T>(read: Promise<T>): Promise<T> => {
    checkpoint();
    return signal ? Promise.race([read, aborted]) : read;
  };

  try {
    checkpoint();
    const metrics = createMetrics();
    // Every role this process runs is a check: `rpc` is ready once its server listens (the role says so), the others
    // while the supervisor has them up (not while one backs off after a failure). The projector is `projections`.
    const readiness = createReadiness([
      'postgres',
      'projections',
      ...config.node.roles.filter((r) => IMPLEMENTED_ROLES.includes(r)),
    ]);

    // Database: the configured one, or the embedded server under <dataDir>/pg (DESIGN §4).
    let dbUrl = config.db.url;
    if (!dbUrl) {
      const pgLog = logger.child({ component: 'postgres' });
      const embedded: EmbeddedPostgresServer = await startEmbeddedPostgres({
        dataDir: join(config.node.dataDir, 'pg'),
        onLog: (line) => pgLog.debug(line),
      });
      cleanups.push(() => embedded.stop());
      if (embedded.reused) logger.info({ port: embedded.port }, 'reusing the embedded Postgres left running');
      dbUrl = embedded.url;
    }
    checkpoint();
    readiness.ready('postgres', true);
    announce(`ready postgres ${redactUrl(dbUrl)}`);

    // Event store.
    let store: EventStore;
    if (config.store.kind === 'postgres') {
      const storePool = createPgPool(config.store.url ?? dbUrl, {
        applicationName: 'lev-store',
        onError: connectionError('event store'),
      });
      cleanups.push(() => storePool.end());
      store = await createEventStore({ kind: 'postgres', pool: storePool });
    } else {
      store = await createEventStore({ kind: 'eventstoredb', url: config.store.url! });
    }
    cleanups.push(() => store.close());
    store = instrumentStore(store, metrics);

    // Read models.
    const db = createReadModelDb(dbUrl, {
      onError: connectionError('read-model'),
    });
    cleanups.push(() => db.close());
    const projections = projectionsFor(config.store.kind);
    const runner = createProjectionRunner({
      store,
      db,
      projections,
      onProgress: ({ position }) => {
        for (const p of projections) metrics.projectionPosition.set({ projection: p.name }, Number(position));
      },
    });
    const lagTimer = setInterval(() => {
      store
        .headPosition()
        .then((head) => {
          for (const p of projections) metrics.recordProjection(p.name, runner.position(), head);
        })
        .catch(() => {});
    }, 2000);
    lagTimer.unref();
    cleanups.push(async () => clearInterval(lagTimer));

    const health = await createHealthServer({
      host: config.metrics.host,
      port: config.metrics.port,
      metrics,
      readiness,
    });
    cleanups.push(() => health.close());
    checkpoint();
    announce(`ready metrics ${health.url}/metrics`);

    // Execution state: the archived trie in the same database, shared by the sequencer and state reads.
    const { genesis } = inputs;
    const statePool = createPgPool(dbUrl, {
      applicationName: 'lev-state',
      onError: connectionError('state'),
    });
    cleanups.push(() => statePool.end());
    const trie = await createTrieStore({ pool: statePool });
    const executor = await createExecutor({ store: trie, chainId: BigInt(config.l2.chainId) });
    checkpoint();
    // Before the sequencer created block 0 the state is the genesis allocation itself.
    const genesisAccounts = createGenesisAccountReader(genesis.accounts);
    // The chain head between changes: `latest` reads (RPC, pool checks) query nothing while no block is sealed.
    const head = createLatestBlockCache(runner.watch(L2_HEAD_EVENT_TYPES));
    const accounts: AccountReader = {
      getAccount: async (address) => {
        const tip = await head.latest(db.pool);
        if (!tip) return genesisAccounts.getAccount(address);
        const { nonce, balance } = await executor.getAccount(tip.stateRoot as Hash, address);
        return { nonce, balance };
      },
    };

    // L1: with --dev, the dev L1 (reused when one answers at l1.url, else started here) with the contracts.
    const usesL1 = config.node.roles.some((r) => L1_ROLES.includes(r));
    let l1Deployment: L1Deployment | undefined; // the synchronizer starts at its block
    if (usesL1 && config.dev) {
      const l1Log = logger.child({ component: 'l1-devnet' });
      const l1 = await ensureDevL1(config, (chunk) => l1Log.debug(chunk.trim()));
      if (l1.started) {
        const started = l1.started;
        cleanups.push(() => started.stop());
        logger.info({ url: l1.url }, 'started the dev L1');
      } else logger.info({ url: l1.url }, 'reusing the L1 answering there');
      l1Deployment = await unlessAborted(deployDevContracts(config, l1.url));
      logger.info(
        {
          rollup: l1Deployment.rollup,
          deploymentBlock: l1Deployment.deploymentBlock.toString(),
          reused: l1Deployment.reused,
        },
        'L1 contracts',
      );
      announce(`ready l1 ${l1.url}`);
    }

    /**
     * With --dev, the reference prover (DESIGN §9): one already answering at `prover.url` is used (so it can be
     * restarted on its own), else it runs in this process on `prover.listen`.
     */
    const ensureDevProver = async (): Promise<string> => {
      const probe = createProverClient(config.prover.url, { defaultTimeoutMs: 1000 });
      try {
        const status = await probe.getStatus({});
        logger.info({ url: config.prover.url, prover: status.proverId }, 'using the prover answering there');
        return config.prover.url;
      } catch {
        const { startProver } = await import('./prover.ts');
        const running = await startProver(config, logger);
        cleanups.push(() => running.stop());
        checkpoint();
        announce(`ready prover ${running.url}`);
        return running.url;
      } finally {
        probe.close();
      }
    };

    // The roles' own L1 reads, each with a timeout (the owners of L1 txs check reorgs with the receipts').
    const l1Reads = createL1Reads(config.l1.url);
    const l1ReceiptBlockHash = l1Reads.receiptBlockHash;

    /**
     * A role whose machine retries temporary failures by itself (L1, the prover or the trusted node not answering)
     * stays up for the supervisor through an outage of any length: it is not ready while it backs off.
     */
    const onRetries = (role: Role) => (retries: number) => {
      if (retries === 0) readiness.ready(role, true);
      else readiness.ready(role, false, `backing off after ${retries} temporary failure(s) in a row`);
    };

    const roles: RoleSpec[] = [projectorRole(runner, readiness, logger)];
    // The intake hands admitted txs straight to a sequencer in this process (direct inclusion).
    const handoff =
      config.node.roles.includes('rpc') && config.node.roles.includes('sequencer')
        ? createInclusionHandoff()
        : undefined;
    // The sequencer's view of the pending pool; with direct inclusion the intake's checks read it too (no query).
    const pendingPool = createPendingPool({ store, db });
    for (const role of config.node.roles) {
      if (role === 'rpc') {
        roles.push(
          rpcRole({
            config,
            dbUrl,
            store,
            runner,
            db,
            accounts,
            executor,
            head,
            metrics,
            readiness,
            logger,
            announce,
            handoff,
            admissionView: handoff ? (from, nonce) => pendingPool.admissionView(from, nonce) : undefined,
          }),
        );
      } else if (role === 'sequencer') {
        const seqLog = logger.child({ component: 'sequencer' });
        const l1Changes = runner.watch(l1SyncProjection.canHandle as readonly string[]);
        roles.push(
          sequencerRole({
            store,
            db,
            executor,
            trie,
            genesis: genesis.accounts,
            genesisTimestamp: genesis.timestamp,
            coinbase: config.l2.coinbase,
            limits: {
              maxTxs: config.sequencer.maxTxsPerBatch,
              maxBytes: config.sequencer.maxBatchBytes,
              maxGas: L2_BLOCK_GAS_LIMIT,
              timeoutMs: config.sequencer.batchTimeoutMs,
            },
            readModelsReady: () => runner.waitForCatchUp({ timeoutMs: 24 * 3600_000 }),
            readModelsPosition: () => runner.position(),
            readModelsChanged: runner.watch([...L2_EVENT_TYPES, ...TX_EVENT_TYPES]),
            pool: pendingPool,
            txLifetimeMs: config.pool.txLifetimeMs,
            ...(handoff ? { handoff } : {}),
            // Read again only after the L1 read models changed: the sequencer asks every round.
            pendingForcedBatches: readBetweenChanges(l1Changes, () =>
              listForcedBatches(db.pool, { pendingOnly: true }),
            ),
            latestGlobalExitRoot: readBetweenChanges(
              l1Changes,
              async () => ((await latestExitRoots(db.pool))?.globalExitRoot as Hash) ?? null,
            ),
            log: (msg, fields) => seqLog.info(fields ?? {}, msg),
          }),
        );
      } else if (role === 'eth-tx-manager') {
        const txLog = logger.child({ component: 'eth-tx-manager' });
        const signers = await Promise.all(
          (['sequencer', 'aggregator'] as const)
            .filter((name) => config.keys[name] !== undefined)
            .map((name) => loadKey(config, name)),
        );
        roles.push(
          ethTxManagerRole({
            store,
            db,
            signer: signers,
            l1Url: config.l1.url,
            chainId: config.l1.chainId,
            confirmations: config.l1.confirmations,
            gasBump: {
              afterMs: config.l1.gasBumpAfterMs,
              percent: config.l1.gasBumpPercent,
              maxGasPrice: config.l1.maxGasPrice,
            },
            pollMs: config.dev ? 500 : 1000,
            wake: runner.watch(['L1TxQueued']),
            log: (msg, fields, level) =>
              level === 'warn' ? txLog.warn(fields ?? {}, msg) : txLog.info(fields ?? {}, msg),
          }),
        );
      } else if (role === 'sequence-sender') {
        const sequencer = await loadKey(config, 'sequencer');
        const seqLog = logger.child({ component: 'sequence-sender' });
        roles.push(
          sequenceSenderRole(
            {
              store,
              db,
              rollupAddress: config.l1.rollupAddress as Address,
              sender: sequencer.address.toLowerCase() as Address,
              readModelsReady: () => runner.waitForCatchUp({ timeoutMs: 24 * 3600_000 }),
              l1ReceiptBlockHash,
              l1TxPending: l1Reads.pendingTx,
              l1BlockNumber: l1Reads.blockNumber,
              l1LatestTimestamp: l1Reads.latestTimestamp,
              log: (msg, fields) => seqLog.info(fields ?? {}, msg),
            },
            { pollMs: config.dev ? 500 : 5000, onRetries: onRetries('sequence-sender') },
          ),
        );
      } else if (role === 'synchronizer') {
        const syncLog = logger.child({ component: 'synchronizer' });
        const permissionless = isPermissionless(config.node);
        // A node without a sequencer: its `l2` stream rebuilt from L1, and the trusted node followed ahead of L1.
        const l2Builder = permissionless
          ? createL2Builder({
              store,
              db,
              executor,
              trie,
              genesis: genesis.accounts,
              genesisTimestamp: genesis.timestamp,
              ...(config.rpc.sequencerUrl ? { trustedNode: createTrustedNode(config.rpc.sequencerUrl) } : {}),
              log: (msg, fields) => syncLog.info(fields ?? {}, msg),
            })
          : null;
        if (l2Builder) cleanups.push(() => l2Builder.close());
        roles.push(
          synchronizerRole(
            {
              store,
              l1Url: config.l1.url,
              rollupAddress: config.l1.rollupAddress as Address,
              gerManagerAddress: config.l1.gerManagerAddress as Address,
              fromBlock:
                l1Deployment?.deploymentBlock ??
                (await unlessAborted(l1Reads.deploymentBlock(config.l1.rollupAddress as Address))),
              chunkSize: 100,
              pollMs: config.dev ? 500 : 1000,
              mode: permissionless ? 'permissionless' : 'trusted',
              ...(l2Builder ? { l2Builder } : {}),
              log: (msg, fields) => syncLog.info(fields ?? {}, msg),
            },
            { onRetries: onRetries('synchronizer') },
          ),
        );
      } else if (role === 'aggregator') {
        const aggLog = logger.child({ component: 'aggregator' });
        const aggregatorKey = await loadKey(config, 'aggregator');
        const proverUrl = config.dev ? await ensureDevProver() : config.prover.url;
        checkpoint();
        const prover = createProverClient(proverUrl, { defaultTimeoutMs: 30_000 });
        cleanups.push(async () => prover.close());
        const rollupAddress = config.l1.rollupAddress as Address;
        const isRegisteredProver = l1Reads.proverRegistry(rollupAddress);
        roles.push(
          aggregatorRole(
            {
              store,
              db,
              trie,
              prover,
              chainId: BigInt(config.l2.chainId),
              forkId: FORK_ID,
              aggregator: aggregatorKey.address.toLowerCase() as Address,
              rollupAddress,
              isRegisteredProver,
              l1ReceiptBlockHash,
              l1TxPending: l1Reads.pendingTx,
              l1BlockNumber: l1Reads.blockNumber,
              confirmations: config.l1.confirmations,
              readModelsReady: () => runner.waitForCatchUp({ timeoutMs: 24 * 3600_000 }),
              log: (msg, fields, level) => aggLog[level ?? 'info'](fields ?? {}, msg),
            },
            { pollMs: config.dev ? 500 : 2000, onRetries: onRetries('aggregator') },
          ),
        );
      } else {
        const unknown: string = role;
        logger.warn({ role: unknown }, `role "${unknown}" is not available in this version yet; skipped`);
      }
    }

    const supervisor = createSupervisor({
      roles,
      logger: {
        info: (obj, msg) => logger.info(obj, msg),
        warn: (obj, msg) => logger.warn(obj, msg),
        error: (obj, msg) => logger.error(obj, msg),
      },
      onRestart: (role, attempt, delayMs, error) => {
        metrics.actorRestarts.inc({ role });
        if (role !== 'projector' && role !== 'rpc')
          readiness.ready(role, false, `restarting in ${delayMs} ms (failure ${attempt}): ${error}`);
      },
      onRoleStatus: (role, up) => {
        metrics.actorUp.set({ role }, up ? 1 : 0);
        // The projector and the RPC report their own readiness (caught up, listening) and drop it when they stop.
        if (role === 'projector' || role === 'rpc') return;
        readiness.ready(role, up, up ? undefined : 'down');
      },
    });
    checkpoint();
    supervisor.start();

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        await supervisor.stop();
        await cleanup();
      })();
      return stopping;
    };
    return { done: supervisor.done, stop };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The projection runner as a supervised role: catch up, then follow the log until stopped. */
function projectorRole(
  runner: ProjectionRunner,
  readiness: ReturnType<typeof createReadiness>,
  logger: Logger,
) {
  return defineRole('projector', async ({ signal }) => {
    const running = runner.run(signal);
    runner
      .waitForCatchUp({ timeoutMs: 24 * 3600_000 })
      .then(() => {
        readiness.ready('projections', true);
        logger.info({ position: runner.position().toString() }, 'read models caught up');
      })
      .catch(() => {});
    try {
      await running;
    } finally {
      readiness.ready('projections', false, 'stopped');
    }
  });
}

function rpcRole(deps: {
  config: Config;
  /** The state database, for the call pool's workers. */
  dbUrl: string;
  store: EventStore;
  runner: ProjectionRunner;
  db: ReturnType<typeof createReadModelDb>;
  accounts: AccountReader;
  executor: Executor;
  head: LatestBlockCache;
  metrics: Metrics;
  readiness: ReturnType<typeof createReadiness>;
  logger: Logger;
  announce: (line: string) => void;
  /** The sequencer in this process, if any: admitted txs go to it directly. */
  handoff: InclusionHandoff | undefined;
  /** Its pending pool view, for the intake's checks (see `PoolIntakeDeps.admissionView`). */
  admissionView: PoolIntakeDeps['admissionView'] | undefined;
}): RoleSpec {
  const { config, store, runner, db, accounts, executor, head, metrics, readiness, logger, announce } = deps;
  const limits: PoolLimits = {
    chainId: BigInt(config.l2.chainId),
    minGasPrice: config.l2.minGasPrice,
    accountQueue: config.pool.accountQueue,
    globalQueue: config.pool.globalQueue,
    maxTxBytesSize: config.pool.maxTxBytesSize,
    maxTxDataBytesSize: config.pool.maxTxDataBytesSize,
    blockedSenders: new Set(config.pool.blockedSenders.map((a: string) => a.toLowerCase() as Address)),
  };
  // Txs without a receipt yet, forgotten as the runner commits their blocks: a polling client costs no query.
  const absentReceipts = createAbsentReceipts();
  runner.watch(['L2BlockSealed'], (events) =>
    absentReceipts.included(events.map((e) => (e as RecordedEvent<L2BlockSealed>).data.tx.hash)),
  );
  // And the receipts of the blocks it committed last: the poll that finds a receipt costs no query either.
  const recentReceipts = createRecentReceipts();
  runner.watch(RECENT_RECEIPTS_EVENT_TYPES, (events) => recentReceipts.committed(events));
  // The trusted node keeps a pool (its sequencer may run in another process); a permissionless node relays txs to
  // the trusted sequencer, or refuses them when it knows none.
  const intake = !isPermissionless(config.node)
    ? createPoolIntake({
        store,
        db,
        accounts,
        limits,
        waitForReadModels: (position) => runner.waitFor(position),
        absentReceipts,
        ...(deps.handoff ? { handoff: deps.handoff } : {}),
        ...(deps.admissionView ? { admissionView: deps.admissionView } : {}),
      })
    : config.rpc.sequencerUrl
      ? createRelayIntake({ url: config.rpc.sequencerUrl })
      : createRefusingIntake();
  const rpcLog = logger.child({ component: 'rpc' });
  // Made once, not per run of the role: the runner keeps every watch for good.
  const headChanges =
    config.node.roles.includes('sequencer') || config.node.roles.includes('synchronizer')
      ? runner.watch(L2_HEAD_EVENT_TYPES)
      : null;
  return defineRole('rpc', async ({ signal }) => {
    // Serve only read models that have caught up with the log: a client must never see state older than what
    // the node had already accepted before a restart.
    const aborted = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.race([runner.waitForCatchUp({ timeoutMs: 24 * 3600_000 }), aborted]);
    // A node that builds the L2 (it sequences, or follows L1 and the trusted sequencer) serves nothing before its
    // genesis block: on a fresh data dir the sequencer or the synchronizer creates it just after start, and a
    // client's first eth_getBlockByNumber must not see null, nor its first eth_estimateGas "header not found".
    if (headChanges) {
      const changes = headChanges;
      for (let seen = changes.version(); !signal.aborted && !(await head.latest(db.pool)); ) {
        await changes.changedSince(seen, signal);
        seen = changes.version();
      }
    }
    if (signal.aborted) return;
    // eth_call and eth_estimateGas run on worker threads: a long call holds a worker, not this thread.
    // Started before `ready`: a worker takes about a second of CPU to load, which must not fall on the first calls
    // or on the load that follows `ready`. One that fails to start is started again by the next call.
    const calls = createCallPool({ dbUrl: deps.dbUrl, chainId: BigInt(config.l2.chainId) });
    await calls.warmUp().catch((err: unknown) => rpcLog.warn({ err }, 'call workers failed to start'));
    if (signal.aborted) {
      await calls.close();
      return;
    }
    const logWatcher = createLogWatcher({ db, onError: (err) => rpcLog.warn({ err }, 'log poller failed') });
    const server = await createRpcServer({
      host: config.rpc.host,
      port: config.rpc.port,
      batchLimit: config.rpc.batchLimit,
      maxBodyBytes: config.rpc.maxBodyBytes,
      rateLimitPerIp: config.rpc.rateLimitPerIp,
      methods: [...simpleMethods, ...poolMethods, ...readMethods, ...logMethods],
      deps: {
        chainId: BigInt(config.l2.chainId),
        coinbase:
          isPermissionless(config.node) && config.rpc.sequencerUrl
            ? createRelayedCoinbase({ url: config.rpc.sequencerUrl })
            : config.l2.coinbase,
        minGasPrice: config.l2.minGasPrice,
        db,
        intake,
        accounts,
        executor: { ...executor, call: calls.call },
        tracing: calls,
        head,
        absentReceipts,
        recentReceipts,
        logWatcher,
      },
      logger: rpcLog,
      onRequest: (method, code, seconds) => metrics.recordRpc(method, code, seconds),
    });
    readiness.ready('rpc', true);
    announce(`ready rpc ${server.url}`);
    announce(`ready ws ${server.wsUrl}`);
    try {
      await aborted;
    } finally {
      readiness.ready('rpc', false, 'stopping');
      await server.close();
      await logWatcher.close();
      await calls.close();
    }
  });
}

/** Counts appended events per stream category (`lev_events_appended_total`). */
function instrumentStore(store: EventStore, metrics: Metrics): EventStore {
  return {
    ...store,
    kind: store.kind,
    append: async (streamId, events, expected) => {
      const result = await store.append(streamId, events, expected);
      metrics.recordAppend(streamId, events.length);
      return result;
    },
    appendMany: async (appends) => {
      const results = await store.appendMany(appends);
      for (const a of appends) metrics.recordAppend(a.streamId, a.events.length);
      return results;
    },
    readStream: (s, o) => store.readStream(s, o),
    readAll: (o) => store.readAll(o),
    headPosition: () => store.headPosition(),
    subscribeAll: (o) => store.subscribeAll(o),
    close: () => store.close(),
  };
}
