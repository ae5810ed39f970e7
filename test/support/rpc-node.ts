/**
 * An in-process node for RPC tests: a fresh database on the test server, the real Postgres event store, the
 * read models with their runner, pool intake over the dev genesis, and the JSON-RPC server on a free port.
 */
import {
  allProjections,
  createProjectionRunner,
  createReadModelDb,
  type ProjectionRunner,
  type ReadModelDb,
} from '../../projections/index.ts';
import { devGenesis } from '../../src/config/index.ts';
import { createPgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, type EventStore } from '../../src/eventstore/index.ts';
import { createGenesisAccountReader } from '../../src/execution/index.ts';
import { type PoolLimits, REFERENCE_POOL_LIMITS } from '../../src/pool/index.ts';
import type { Address } from '../../src/primitives/index.ts';
import { createRpcServer } from '../../src/rpc/index.ts';
import { simpleMethods } from '../../src/rpc/methods/index.ts';
import { createPoolIntake, poolMethods } from '../../src/rpc/pool/index.ts';
import { createTestDatabase } from './db.ts';

export const GWEI = 1_000_000_000n;

export type RpcNode = {
  url: string;
  store: EventStore;
  db: ReadModelDb;
  runner: ProjectionRunner;
  close(): Promise<void>;
};

export async function startRpcNode(
  opts: { blockedSenders?: Address[]; limits?: Partial<PoolLimits> } = {},
): Promise<RpcNode> {
  const tdb = await createTestDatabase('rpc');
  const pool = createPgPool(tdb.url);
  const store = await createPostgresEventStore({ pool });
  const db = createReadModelDb(tdb.url);
  const runner = createProjectionRunner({ store, db, projections: allProjections });
  const running = runner.run();
  await runner.waitForCatchUp();
  const accounts = createGenesisAccountReader((await devGenesis()).accounts);
  const intake = createPoolIntake({
    store,
    db,
    accounts,
    limits: {
      chainId: 1001n,
      minGasPrice: GWEI,
      ...REFERENCE_POOL_LIMITS,
      blockedSenders: new Set(opts.blockedSenders ?? []),
      ...opts.limits,
    },
    waitForReadModels: (p) => runner.waitFor(p),
  });
  const server = await createRpcServer({
    port: 0,
    methods: [...simpleMethods, ...poolMethods],
    deps: { chainId: 1001n, minGasPrice: GWEI, db, intake, accounts },
    rateLimitPerIp: 0,
  });
  return {
    url: server.url,
    store,
    db,
    runner,
    async close() {
      await server.close();
      await runner.stop();
      await running;
      await db.close();
      await store.close();
      await pool.end();
      await tdb.drop();
    },
  };
}
