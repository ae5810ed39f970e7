/**
 * Pool intake benchmark: `eth_sendRawTransaction` accepted per second through the whole path (HTTP server,
 * decoding and sender recovery, pool rules against the read model, append to the event store, and waiting for
 * the read model — read-your-writes), with 32 requests in flight. Txs are signed up front (40 senders × 50 nonces,
 * every sender funded in a custom genesis), so the figure is the node's, not the signer's.
 *
 *   npx tsx scripts/bench/pool.ts
 */
import { Wallet } from 'ethers';
import { allProjections, createProjectionRunner, createReadModelDb } from '../../projections/index.ts';
import { DEV_COINBASE } from '../../src/config/index.ts';
import { createPgPool } from '../../src/db/index.ts';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import { createGenesisAccountReader } from '../../src/execution/index.ts';
import { REFERENCE_POOL_LIMITS } from '../../src/pool/index.ts';
import type { Address } from '../../src/primitives/index.ts';
import { createRpcServer } from '../../src/rpc/index.ts';
import { simpleMethods } from '../../src/rpc/methods/index.ts';
import { createPoolIntake, poolMethods } from '../../src/rpc/pool/index.ts';

const SENDERS = 40;
const PER_SENDER = 50;
const IN_FLIGHT = 32;
const GWEI = 1_000_000_000n;

export async function benchSendRawTransaction(opts: { url: string }): Promise<Record<string, number>> {
  const wallets = Array.from({ length: SENDERS }, () => Wallet.createRandom());
  const accounts = createGenesisAccountReader(
    wallets.map((w) => ({ address: w.address, balance: 10n ** 24n, nonce: 0n })),
  );
  const raws: string[] = [];
  for (let n = 0; n < PER_SENDER; n++) {
    for (const w of wallets) {
      raws.push(
        await w.signTransaction({
          type: 0,
          chainId: 1001,
          nonce: n,
          gasPrice: GWEI,
          gasLimit: 21000n,
          to: wallets[0]!.address,
          value: 1n,
        }),
      );
    }
  }
  const pool = createPgPool(opts.url);
  const store = await createPostgresEventStore({ pool });
  const db = createReadModelDb(opts.url);
  const runner = createProjectionRunner({ store, db, projections: allProjections });
  const running = runner.run();
  await runner.waitForCatchUp();
  const intake = createPoolIntake({
    store,
    db,
    accounts,
    limits: {
      chainId: 1001n,
      minGasPrice: GWEI,
      ...REFERENCE_POOL_LIMITS,
      globalQueue: 0,
      blockedSenders: new Set(),
    },
    waitForReadModels: (p) => runner.waitFor(p),
  });
  const server = await createRpcServer({
    port: 0,
    methods: [...simpleMethods, ...poolMethods],
    deps: { chainId: 1001n, minGasPrice: GWEI, coinbase: DEV_COINBASE as Address, db, intake, accounts },
    rateLimitPerIp: 0,
  });
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let i = next++; i < raws.length; i = next++) {
        const res = await fetch(server.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: i,
            method: 'eth_sendRawTransaction',
            params: [raws[i]],
          }),
        });
        const body = (await res.json()) as { result?: string };
        if (!body.result) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await server.close();
  await runner.stop();
  await running;
  await db.close();
  await store.close();
  await pool.end();
  if (errors > 0) throw new Error(`${errors} of ${raws.length} txs were refused`);
  return {
    'pool.sendRawTransaction.acceptedPerSecond': Math.round(raws.length / seconds),
    'pool.txs': raws.length,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { runStandalone } = await import('./standalone.ts');
  await runStandalone('pool', benchSendRawTransaction);
}
