/**
 * An in-process node for RPC tests: a fresh database on the test server, the real Postgres event store, the
 * read models with their runner, pool intake over the dev genesis, and the JSON-RPC server on a free port.
 * {@link startReadRpcNode} adds the executor on the same database (its trie store holding the dev genesis) and the
 * read API, with the pool reading state at the latest block's root.
 */
import {
  allProjections,
  createProjectionRunner,
  createReadModelDb,
  type ProjectionRunner,
  type ReadModelDb,
} from '../../projections/index.ts';
import { getLatestBlock } from '../../projections/l2/index.ts';
import { DEV_COINBASE, devGenesis } from '../../src/config/index.ts';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, type EventStore } from '../../src/eventstore/index.ts';
import {
  type AccountReader,
  createExecutor,
  createGenesisAccountReader,
  createStateAccountReader,
  createTrieStore,
  type Executor,
  type TrieStore,
} from '../../src/execution/index.ts';
import { type PoolLimits, REFERENCE_POOL_LIMITS } from '../../src/pool/index.ts';
import type { Address, Hash } from '../../src/primitives/index.ts';
import { createRpcServer } from '../../src/rpc/index.ts';
import {
  createLogWatcher,
  type LogWatcher,
  type LogWatcherOptions,
  logMethods,
} from '../../src/rpc/logs/index.ts';
import { inProcessTracing, simpleMethods } from '../../src/rpc/methods/index.ts';
import { createPoolIntake, poolMethods } from '../../src/rpc/pool/index.ts';
import { type CallPool, createCallPool, readMethods } from '../../src/rpc/read/index.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export const GWEI = 1_000_000_000n;
export const CHAIN_ID = 1001n;

export type RpcNode = {
  url: string;
  /** `ws://…` on the same port. */
  wsUrl: string;
  store: EventStore;
  db: ReadModelDb;
  runner: ProjectionRunner;
  close(): Promise<void>;
};

export type ReadRpcNode = RpcNode & {
  executor: Executor;
  trie: TrieStore;
  /** The root of the dev genesis (already flushed to the trie store). */
  genesisRoot: Hash;
  /** The log watcher behind `logMethods` (filters, subscriptions). */
  logWatcher: LogWatcher;
  /** The call pool the server's calls run on, with `opts.callPool`. */
  calls?: CallPool;
};

type NodeOptions = {
  blockedSenders?: Address[];
  limits?: Partial<PoolLimits>;
  /** Options of the read node's log watcher (limits, filter expiry, clock). */
  logs?: Omit<LogWatcherOptions, 'db'>;
  /** eth_call and eth_estimateGas on a call pool (worker threads, as `lev start` runs them), with these options. */
  callPool?: { size?: number; timeoutMs?: number };
};

export function startRpcNode(opts: NodeOptions = {}): Promise<RpcNode> {
  return startNode(opts, null);
}

/**
 * A node with the executor, the read API (`readMethods`) and the log methods (`logMethods`, with a log watcher
 * built from `opts.logs`) besides the simple and pool methods.
 */
export async function startReadRpcNode(opts: NodeOptions = {}): Promise<ReadRpcNode> {
  const node = await startNode(opts, 'executor');
  return node as ReadRpcNode;
}

async function startNode(opts: NodeOptions, withExecutor: 'executor' | null): Promise<RpcNode | ReadRpcNode> {
  const tdb = await createTestDatabase('rpc');
  const pool = createPgPool(tdb.url);
  try {
    return await build(tdb, pool, opts, withExecutor);
  } catch (err) {
    await pool.end();
    await tdb.drop();
    throw err;
  }
}

async function build(
  tdb: TestDatabase,
  pool: PgPool,
  opts: NodeOptions,
  withExecutor: 'executor' | null,
): Promise<RpcNode | ReadRpcNode> {
  const store = await createPostgresEventStore({ pool });
  const db = createReadModelDb(tdb.url);
  const runner = createProjectionRunner({ store, db, projections: allProjections });
  const running = runner.run();
  await runner.waitForCatchUp();
  const genesis = devGenesis().accounts;

  let accounts: AccountReader = createGenesisAccountReader(genesis);
  let state: {
    executor: Executor;
    trie: TrieStore;
    genesisRoot: Hash;
    logWatcher: LogWatcher;
    calls?: CallPool;
  } | null = null;
  if (withExecutor) {
    const trie = await createTrieStore({ pool });
    const executor = await createExecutor({ store: trie, chainId: CHAIN_ID, genesis });
    await trie.flush();
    const genesisRoot = executor.genesisRoot!;
    accounts = createStateAccountReader(
      executor,
      async () => ((await getLatestBlock(db.pool))?.stateRoot as Hash | undefined) ?? genesisRoot,
    );
    state = {
      executor,
      trie,
      genesisRoot,
      logWatcher: createLogWatcher({ ...opts.logs, db }),
      ...(opts.callPool
        ? { calls: createCallPool({ dbUrl: tdb.url, chainId: CHAIN_ID, ...opts.callPool }) }
        : {}),
    };
  }

  const intake = createPoolIntake({
    store,
    db,
    accounts,
    limits: {
      chainId: CHAIN_ID,
      minGasPrice: GWEI,
      ...REFERENCE_POOL_LIMITS,
      blockedSenders: new Set(opts.blockedSenders ?? []),
      ...opts.limits,
    },
    waitForReadModels: (p) => runner.waitFor(p),
  });
  const deps = {
    chainId: CHAIN_ID,
    minGasPrice: GWEI,
    coinbase: DEV_COINBASE as Address,
    db,
    intake,
    accounts,
  };
  const server = state
    ? await createRpcServer({
        port: 0,
        methods: [...simpleMethods, ...poolMethods, ...readMethods, ...logMethods],
        deps: {
          ...deps,
          executor: state.calls ? { ...state.executor, call: state.calls.call } : state.executor,
          tracing: state.calls ?? inProcessTracing(state.executor),
          logWatcher: state.logWatcher,
        },
        rateLimitPerIp: 0,
      })
    : await createRpcServer({
        port: 0,
        methods: [...simpleMethods, ...poolMethods],
        deps,
        rateLimitPerIp: 0,
      });
  return {
    url: server.url,
    wsUrl: server.wsUrl,
    store,
    db,
    runner,
    ...(state ?? {}),
    async close() {
      await server.close();
      await state?.logWatcher.close();
      await state?.calls?.close();
      await runner.stop();
      await running;
      await db.close();
      await store.close();
      await pool.end();
      await tdb.drop();
    },
  };
}
