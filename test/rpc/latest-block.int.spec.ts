/**
 * `eth_getBlockByNumber('latest')` from the head cache: the header comes from the cache, the txs from the read
 * models — which may already hold another block at that number (a trusted reset re-sealed it and the cache has not
 * moved yet: the instant between the runner's commit and its bump, or a lagging runner in another process). The
 * answer is one block, never one block's header with another's txs.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createProjectionRunner,
  createReadModelDb,
  type ProjectionRunner,
  type ReadModelDb,
} from '../../projections/index.ts';
import { createLatestBlockCache, l2Projection } from '../../projections/l2/index.ts';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, type EventStore } from '../../src/eventstore/index.ts';
import type { Hash, Hex } from '../../src/primitives/index.ts';
import { readBlock } from '../../src/rpc/methods/eth_getBlockByNumber.ts';
import type { RpcTx } from '../../src/rpc/read/format.ts';
import { foldL2, type L2BlockSealed, type L2Command } from '../../src/streams/l2/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { createL2Commands, type L2Commands } from '../support/l2-chain.ts';

const h = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hash;
const COINBASE = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as const;

let tdb: TestDatabase;
let pool: PgPool;
let store: EventStore;
let db: ReadModelDb;
let runner: ProjectionRunner;
let running: Promise<void>;
let l2: L2Commands;

const command = (c: L2Command) => l2.command(c);

/** A block command as the event store holds it (bigints as decimal strings). */
const seal = (root: number, txHash: Hash, nonce: number): L2Command =>
  ({
    type: 'SealL2Block',
    data: {
      stateRoot: h(root),
      transactionsRoot: h(root + 1),
      receiptsRoot: h(root + 2),
      logsBloom: `0x${'00'.repeat(256)}` as Hex,
      gasLimit: '30000000',
      gasUsed: '21000',
      tx: {
        hash: txHash,
        from: COINBASE,
        nonce: String(nonce),
        gasPrice: '1000000000',
        gas: '21000',
        to: COINBASE,
        value: '0',
        data: '0x',
        chainId: '1001',
        v: '2037',
        r: h(5),
        s: h(6),
        batchBlob: '0xaa',
      },
      receipt: {
        status: 1,
        gasUsed: '21000',
        cumulativeGasUsed: '21000',
        contractAddress: null,
        logs: [],
        logsBloom: `0x${'00'.repeat(256)}`,
        effectiveGasPrice: '1000000000',
      },
    },
  }) as unknown as L2Command;

test.before(async () => {
  tdb = await createTestDatabase('latest');
  pool = createPgPool(tdb.url);
  store = await createPostgresEventStore({ pool });
  l2 = createL2Commands(store);
  db = createReadModelDb(tdb.url);
  runner = createProjectionRunner({ store, db, projections: [l2Projection] });
  running = runner.run();
});

test.after(async () => {
  await runner.stop();
  await running;
  await db.close();
  await store.close();
  await pool.end();
  await tdb.drop();
});

test("latest read while the cache still names a block a trusted reset replaced: that block whole, or the new one — never the old header with the new block's tx", async () => {
  await command({ type: 'CreateGenesis', data: { stateRoot: h(1), timestamp: 0n } });
  await command({ type: 'OpenBatch', data: { timestamp: 10n, coinbase: COINBASE, globalExitRoot: h(0) } });
  await command(seal(100, h(0xa1), 0));
  await command({
    type: 'CloseBatch',
    data: { reason: 'full_txs', batchL2Data: '0xaa', accInputHash: h(9) },
  });
  const afterBatch1 = foldL2(l2.history);
  await command({ type: 'OpenBatch', data: { timestamp: 20n, coinbase: COINBASE, globalExitRoot: h(0) } });
  await command(seal(200, h(0xa2), 1));
  const { position } = await command({
    type: 'CloseBatch',
    data: { reason: 'full_txs', batchL2Data: '0xaa', accInputHash: h(10) },
  });
  await runner.waitFor(position);

  let version = 0; // the head watch's version; the test bumps it late, as a lagging runner would
  const head = createLatestBlockCache({ version: () => version });
  const before = await readBlock({ db, head }, { kind: 'tag', tag: 'latest' }, false, false);
  assert.equal(before?.transactions, [h(0xa2)]);

  // A trusted reset undoes block 2 and re-seals number 2 with another tx; the cache has not moved.
  if (afterBatch1.status !== 'closed') throw new Error('batch 1 is not closed');
  const block1 = l2.history.find((e) => e.type === 'L2BlockSealed') as L2BlockSealed;
  await command({
    type: 'ResetTrustedState',
    data: {
      to: { batch: afterBatch1.lastBatch, tip: { number: 1n, hash: block1.data.hash, stateRoot: h(100) } },
      reason: 'test',
    },
  } as unknown as L2Command);
  await command({ type: 'OpenBatch', data: { timestamp: 30n, coinbase: COINBASE, globalExitRoot: h(0) } });
  const resealed = await command(seal(300, h(0xb2), 1));
  await runner.waitFor(resealed.position);

  // Full txs: not formatted before, so read — the new block, whole.
  const full = await readBlock({ db, head }, { kind: 'tag', tag: 'latest' }, true, false);
  if (!full) throw new Error('no latest block');
  assert.equal(
    full.transactions.map((t) => (t as RpcTx).hash),
    [h(0xb2)],
    "the re-sealed block's tx",
  );
  assert.is(full.stateRoot, h(300), 'with its own header');
  assert.is((full.transactions[0] as RpcTx).blockHash, full.hash);
  // Hashes only: formatted before, under the old block's hash — the old block, whole (the cache may lag, never mix).
  const hashes = await readBlock({ db, head }, { kind: 'tag', tag: 'latest' }, false, false);
  assert.is(hashes?.stateRoot, h(200));
  assert.equal(hashes?.transactions, [h(0xa2)]);
  version++;
  const after = await readBlock({ db, head }, { kind: 'tag', tag: 'latest' }, false, false);
  assert.is(after?.stateRoot, h(300));
  assert.equal(after?.transactions, [h(0xb2)]);
});

test.run();
