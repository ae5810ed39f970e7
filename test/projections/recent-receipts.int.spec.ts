/**
 * Receipts served from memory: `receiptFromSealed` gives, for every shape of receipt, exactly the row `getReceipt`
 * reads back from the projected tables; the recent-receipts cache follows committed blocks, its bound and resets.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createProjectionRunner, createReadModelDb, type ReadModelDb } from '../../projections/index.ts';
import {
  createRecentReceipts,
  getReceipt,
  l2Projection,
  receiptFromSealed,
} from '../../projections/l2/index.ts';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, type EventStore, type RecordedEvent } from '../../src/eventstore/index.ts';
import type { Hash, Hex } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  decide,
  foldL2,
  L2_STREAM_ID,
  type L2BlockSealed,
  type L2Command,
  type L2Event,
  type SealL2Block,
} from '../../src/streams/l2/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const h = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as Hash;
const COINBASE = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as const;

let tdb: TestDatabase;
let pool: PgPool;
let store: EventStore;
let db: ReadModelDb;
const history: L2Event[] = [];

async function command(c: L2Command) {
  const events = decide(c, foldL2(history));
  await store.append(
    L2_STREAM_ID,
    envelope(events, { actor: 'sequencer', at: new Date(0).toISOString() }),
    history.length === 0 ? 'no_stream' : history.length - 1,
  );
  history.push(...events);
}

/** A sealed transfer, then `change` shapes its tx and receipt. */
function seal(n: number, change: (d: SealL2Block['data']) => void = () => {}): SealL2Block {
  const data: SealL2Block['data'] = {
    stateRoot: h(100 + n),
    transactionsRoot: h(200 + n),
    receiptsRoot: h(300 + n),
    logsBloom: `0x${'00'.repeat(256)}`,
    gasLimit: '30000000',
    gasUsed: '21000',
    tx: {
      hash: h(400 + n),
      from: COINBASE,
      nonce: String(n),
      gasPrice: '1000000000',
      gas: '21000',
      to: '0x00000000000000000000000000000000000000aa',
      value: '1',
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
  };
  change(data);
  return { type: 'SealL2Block', data };
}

test.before(async () => {
  tdb = await createTestDatabase('recent_receipts');
  pool = createPgPool(tdb.url);
  store = await createPostgresEventStore({ pool });
  db = createReadModelDb(tdb.url);
});
test.after(async () => {
  await db.close();
  await store.close();
  await pool.end();
  await tdb.drop();
});

test('receiptFromSealed gives the receipt getReceipt reads back; recent receipts follow commits and resets', async () => {
  await command({ type: 'CreateGenesis', data: { stateRoot: h(1), timestamp: 0n } });
  await command({ type: 'OpenBatch', data: { timestamp: 1000n, coinbase: COINBASE, globalExitRoot: h(0) } });
  await command(seal(1)); // a transfer
  await command(
    seal(2, (d) => {
      d.tx.to = null; // a creation
      d.receipt.contractAddress = '0x00000000000000000000000000000000000000cc';
      d.receipt.gasUsed = d.receipt.cumulativeGasUsed = '153000';
      d.receipt.logs = [
        { address: '0x00000000000000000000000000000000000000cc', topics: [h(9)], data: '0x' },
      ];
    }),
  );
  await command(
    seal(3, (d) => {
      d.receipt.status = 0; // reverted
      d.receipt.effectiveGasPrice = '7';
    }),
  );
  await command(
    seal(4, (d) => {
      d.receipt.logs = [
        { address: COINBASE, topics: [], data: '0x' },
        { address: COINBASE, topics: [h(1), h(2), h(3), h(4)], data: '0xdeadbeef' as Hex },
        { address: '0x00000000000000000000000000000000000000bb', topics: [h(5)], data: '0x00' as Hex },
      ];
    }),
  );
  const runner = createProjectionRunner({ store, db, projections: [l2Projection] });
  const running = runner.run();
  await runner.waitForCatchUp();
  const all = await store.readStream(L2_STREAM_ID);
  const sealed = all.filter((e): e is RecordedEvent<L2BlockSealed> => e.type === 'L2BlockSealed');
  assert.is(sealed.length, 4);
  for (const e of sealed) {
    const row = await getReceipt(db.pool, e.data.tx.hash);
    assert.ok(row, `receipt of block ${e.data.number}`);
    assert.equal(receiptFromSealed(e.data), row, `block ${e.data.number}`);
  }
  await runner.stop();
  await running;

  const recent = createRecentReceipts(2);
  const upTo = (i: number) => all.indexOf(sealed[i]!) + 1;
  recent.committed(all.slice(0, upTo(1))); // genesis, batch, blocks 1 and 2
  assert.equal(recent.get(sealed[0]!.data.tx.hash), receiptFromSealed(sealed[0]!.data));
  assert.equal(
    recent.get(`0x${sealed[1]!.data.tx.hash.slice(2).toUpperCase()}`),
    receiptFromSealed(sealed[1]!.data),
    'any hex case',
  );
  recent.committed(all.slice(upTo(1), upTo(2))); // block 3: the oldest goes
  assert.is(recent.get(sealed[0]!.data.tx.hash), undefined, 'at most 2 kept');
  assert.ok(recent.get(sealed[2]!.data.tx.hash));
  const reset = {
    ...all[0]!,
    type: 'TrustedStateReset',
    data: { toBatch: '0', toBlock: '0' },
  } as RecordedEvent;
  recent.committed([reset, sealed[3]!]); // a reset, then a block sealed after it
  assert.is(recent.get(sealed[1]!.data.tx.hash), undefined, 'a reset empties it');
  assert.is(recent.get(sealed[2]!.data.tx.hash), undefined);
  assert.equal(recent.get(sealed[3]!.data.tx.hash), receiptFromSealed(sealed[3]!.data));
  assert.is(recent.get(h(999)), undefined);
});

test.run();
