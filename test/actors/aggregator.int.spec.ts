/**
 * The aggregator role in-process under the real supervisor with its default policy (as `lev start` runs it), on a
 * real Postgres (event store, read models, archived trie) and a real reference prover over Connect RPC, with L1 at
 * a port where nothing listens (connections refused) for longer than the supervisor's escalation window, then a
 * Hardhat devnet started on that port.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { aggregatorRole } from '../../actors/aggregator/index.ts';
import { createSupervisor, type SupervisorOutput } from '../../actors/index.ts';
import { allProjections, createProjectionRunner, createReadModelDb } from '../../projections/index.ts';
import { devAccount } from '../../src/config/index.ts';
import { createPgPool } from '../../src/db/index.ts';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import { createTrieStore } from '../../src/execution/index.ts';
import {
  devnetRpc,
  type HardhatDevnet,
  predictL1ContractAddresses,
  startHardhatDevnet,
  verifierInterface,
} from '../../src/l1/index.ts';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import { createProverClient, createReferenceProver, startProverServer } from '../../src/prover/index.ts';
import { createTestDatabase } from '../support/db.ts';
import { freePort, until } from '../support/node-process.ts';

const test = suite('actors/aggregator');

type LogLine = { level: string; msg: string; fields: Record<string, unknown> };

test('L1 refusing connections past the escalation window: the role backs off, logs once, goes on when L1 is back', async () => {
  const tdb = await createTestDatabase('aggregator');
  const pool = createPgPool(tdb.url);
  const store = await createPostgresEventStore({ pool });
  const db = createReadModelDb(tdb.url);
  const runner = createProjectionRunner({ store, db, projections: allProjections });
  const running = runner.run();
  const trie = await createTrieStore({ pool });
  const referenceProver = createReferenceProver({
    chainId: 1001n,
    forkId: 5n,
    key: devAccount(4).privateKey,
  });
  const proverServer = await startProverServer({ host: '127.0.0.1', port: 0, prover: referenceProver });
  const prover = createProverClient(proverServer.url);
  const port = await freePort();
  const l1Url = `http://127.0.0.1:${port}`;
  let devnet: HardhatDevnet | undefined;
  const { rollup: rollupAddress, verifier } = predictL1ContractAddresses(devAccount(0).address);

  const lines: LogLine[] = [];
  const blockNumbers: bigint[] = [];
  const restarts: string[] = [];
  const role = aggregatorRole(
    {
      store,
      db,
      trie,
      prover,
      chainId: 1001n,
      forkId: 5n,
      aggregator: devAccount(2).address,
      rollupAddress,
      isRegisteredProver: async (signer: Address) => {
        const data = verifierInterface.encodeFunctionData('isProver', [signer]);
        return BigInt(await devnetRpc<Hex>(l1Url, 'eth_call', [{ to: verifier, data }, 'latest'])) === 1n;
      },
      l1ReceiptBlockHash: async (hash: Hash) =>
        (await devnetRpc<{ blockHash: Hash } | null>(l1Url, 'eth_getTransactionReceipt', [hash]))
          ?.blockHash ?? null,
      l1BlockNumber: async () => {
        const n = BigInt(await devnetRpc<Hex>(l1Url, 'eth_blockNumber'));
        blockNumbers.push(n);
        return n;
      },
      confirmations: 2,
      readModelsReady: () => runner.waitForCatchUp({ timeoutMs: 60_000 }),
      log: (msg, fields, level) => lines.push({ level: level ?? 'info', msg, fields: fields ?? {} }),
    },
    { pollMs: 500 },
  );
  const supervisor = createSupervisor({
    roles: [role],
    onRestart: (_role, _attempt, _delay, error) => restarts.push(error),
  });
  let outcome: SupervisorOutput | null = null;
  void supervisor.done.then((o) => {
    outcome = o;
  });
  try {
    supervisor.start();
    // The default policy escalates after more than 5 failures of a role within 60 s: about 3 s of failing rounds.
    await sleep(10_000);
    assert.is(outcome, null, `the supervisor ended: ${JSON.stringify(outcome)}`);
    assert.equal(restarts, [], 'the role did not fail');
    const down = lines.filter((l) => l.msg.startsWith('L1 is unavailable'));
    assert.is(down.length, 1, 'the outage is logged once');
    assert.is(down[0]!.level, 'warn');
    assert.match(String(down[0]!.fields['reason']), 'eth_blockNumber');
    assert.is(blockNumbers.length, 0);

    devnet = await startHardhatDevnet({ port, chainId: 1337 });
    await until(
      'the aggregator back on L1',
      async () => lines.some((l) => l.msg === 'L1 answers again'),
      60_000,
    );
    // Rounds go on at the poll interval, reading L1.
    const seen = blockNumbers.length;
    await until('more rounds on L1', async () => blockNumbers.length >= seen + 3, 10_000);
    assert.is(outcome, null);
    assert.equal(restarts, []);
    assert.is(lines.filter((l) => l.msg.startsWith('L1 is unavailable')).length, 1);
    assert.is(lines.filter((l) => l.level !== 'info').length, 1, JSON.stringify(lines));
    await supervisor.stop();
    assert.equal(await supervisor.done, { status: 'stopped' });
  } finally {
    await supervisor.stop();
    await devnet?.stop();
    prover.close();
    await proverServer.close();
    await referenceProver.close();
    await runner.stop();
    await running.catch(() => {});
    await db.close();
    await store.close();
    await pool.end();
    await tdb.drop();
  }
});

test.run();
