/**
 * Shared set-up of the eth-tx-manager tests: a real Hardhat L1 (chain 1337, the test mnemonic), a fresh database
 * per test with the real Postgres event store and the projection runner, and the manager run in-process as an
 * xstate actor (so a test can stop it abruptly, as a crash would). L1 reads go through raw JSON-RPC.
 */
import { HDNodeWallet, Wallet } from 'ethers';
import { type Actor, createActor } from 'xstate';
import {
  createEthTxManagerEffects,
  createEthTxManagerMachine,
  type EthTxManagerDeps,
  type EthTxManagerMachineOptions,
} from '../../actors/eth-tx-manager/index.ts';
import {
  allProjections,
  createProjectionRunner,
  createReadModelDb,
  type ProjectionRunner,
  type ReadModelDb,
} from '../../projections/index.ts';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, type EventStore, type RecordedEvent } from '../../src/eventstore/index.ts';
import { devnetRpc, TEST_MNEMONIC } from '../../src/l1/index.ts';
import { foldL1Tx, type L1TxEvent, type L1TxState, l1TxStreamId } from '../../src/streams/l1tx/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

export const GWEI = 1_000_000_000n;

/** Account `i` of the test mnemonic (#1 is the L1 sequencer). */
export function account(i: number): Wallet {
  return new Wallet(HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey);
}

/** A fresh database with the event store, the read models and their runner (running). */
export type Node = {
  store: EventStore;
  db: ReadModelDb;
  runner: ProjectionRunner;
  close(): Promise<void>;
};

export async function startNode(): Promise<Node> {
  const tdb: TestDatabase = await createTestDatabase('ethtx');
  const pool: PgPool = createPgPool(tdb.url);
  const store = await createPostgresEventStore({ pool });
  const db = createReadModelDb(tdb.url);
  const runner = createProjectionRunner({ store, db, projections: allProjections });
  const running = runner.run();
  return {
    store,
    db,
    runner,
    async close() {
      await runner.stop();
      await running.catch(() => {});
      await db.close();
      await store.close();
      await pool.end();
      await tdb.drop();
    },
  };
}

export type RunningManager = {
  actor: Actor<ReturnType<typeof createEthTxManagerMachine>>;
  /** Every log line, as JSON. */
  logs: string[];
  /** Errors the machine failed with. */
  errors: unknown[];
  /** How many times the machine entered each state. */
  entered: Map<string, number>;
  /** Stops the actor at once (no graceful drain): what a crash leaves behind, for the event log. */
  stop(): void;
};

/** Starts a manager in-process on `node` and `l1Url`; `deps` override the defaults. */
export function startManager(
  node: Node,
  l1Url: string,
  deps: Partial<EthTxManagerDeps> & Pick<EthTxManagerDeps, 'signer'>,
  machine: EthTxManagerMachineOptions = {},
): RunningManager {
  const logs: string[] = [];
  const errors: unknown[] = [];
  const entered = new Map<string, number>();
  const effects = createEthTxManagerEffects({
    store: node.store,
    db: node.db,
    l1Url,
    chainId: 1337,
    confirmations: 2,
    gasBump: { afterMs: 60_000, percent: 20, maxGasPrice: 100n * GWEI },
    wake: node.runner.watch(['L1TxQueued']),
    log: (msg, fields, level = 'info') =>
      logs.push(
        JSON.stringify({ level, msg, ...fields }, (_, v) => (typeof v === 'bigint' ? v.toString() : v)),
      ),
    ...deps,
  });
  const actor = createActor(createEthTxManagerMachine(effects, { pollMs: 40, backoffMs: 100, ...machine }));
  let last = '';
  actor.subscribe({
    next: (s) => {
      const value = String(s.value);
      if (value !== last) entered.set(value, (entered.get(value) ?? 0) + 1);
      last = value;
    },
    error: (err) => errors.push(err),
  });
  actor.start();
  return { actor, logs, errors, entered, stop: () => actor.stop() };
}

export const rpc = <T = unknown>(url: string, method: string, params: unknown[] = []) =>
  devnetRpc<T>(url, method, params);

/** Polls `fn` until it returns something other than null/undefined/false (`each` runs between polls). */
export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  opts: { timeoutMs?: number; everyMs?: number; each?: () => Promise<unknown> } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await opts.each?.();
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 40));
  }
}

export async function streamOf(store: EventStore, id: string): Promise<RecordedEvent<L1TxEvent>[]> {
  return (await store.readStream(l1TxStreamId(id))) as RecordedEvent<L1TxEvent>[];
}

export async function stateOf(store: EventStore, id: string): Promise<L1TxState> {
  return foldL1Tx(await streamOf(store, id));
}

/** Waits until every tx in `ids` is in one of `statuses` (`each`: e.g. mine a block between polls). */
export function untilAll(
  store: EventStore,
  ids: readonly string[],
  statuses: readonly L1TxState['status'][],
  opts: { timeoutMs?: number; each?: () => Promise<unknown> } = {},
): Promise<true> {
  return until(
    `${ids.join(', ')} to be ${statuses.join('/')}`,
    async () => {
      for (const id of ids) if (!statuses.includes((await stateOf(store, id)).status)) return false;
      return true as const;
    },
    opts,
  );
}

type RpcTx = {
  hash: string;
  from: string;
  nonce: string;
  to: string | null;
  input: string;
  value: string;
  gas: string;
  blockNumber: string | null;
  blockHash: string | null;
};
type RpcReceipt = { status: string; blockHash: string; blockNumber: string; gasUsed: string } | null;

export const txByHash = (url: string, hash: string) =>
  rpc<RpcTx | null>(url, 'eth_getTransactionByHash', [hash]);
export const receiptOf = (url: string, hash: string) =>
  rpc<RpcReceipt>(url, 'eth_getTransactionReceipt', [hash]);
export const mine = (url: string) => rpc(url, 'evm_mine');
export async function nonceOf(url: string, address: string, tag = 'latest'): Promise<bigint> {
  return BigInt(await rpc<string>(url, 'eth_getTransactionCount', [address, tag]));
}
export async function blockHashAt(url: string, n: bigint): Promise<string | null> {
  const b = await rpc<{ hash: string } | null>(url, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false]);
  return b?.hash ?? null;
}
