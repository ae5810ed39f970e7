/**
 * The in-memory view of the pending pool (projections/pool/pending.ts) over a real Postgres store and read
 * models: the read model's pending txs as of its checkpoint, then the log after it, folded as the pool projection
 * folds it — a tx appended here, or by another process's store, is seen without the projector writing it first.
 */
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  allProjections,
  createProjectionRunner,
  createReadModelDb,
  migrate,
} from '../../projections/index.ts';
import { createPendingPool, getAdmissionView, listPending } from '../../projections/pool/index.ts';
import { createPgPool } from '../../src/db/index.ts';
import { createPostgresEventStore, type EventStore, type Subscription } from '../../src/eventstore/index.ts';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import { type TxEvent, txStreamId } from '../../src/streams/tx/index.ts';
import { createTestDatabase } from '../support/db.ts';

const FROM = '0x00000000000000000000000000000000000a11ce' as Address;
const ctx = () => ({ actor: 'test', at: new Date().toISOString() });
const hex32 = () => `0x${randomBytes(32).toString('hex')}` as Hash;

function received(nonce: number): TxEvent {
  return {
    type: 'TxReceived',
    data: {
      hash: hex32(),
      from: FROM,
      nonce: String(nonce),
      gasPrice: '1000000000',
      gas: '21000',
      to: FROM,
      value: '1',
      data: '0x',
      chainId: '1001',
      v: '2037',
      r: hex32(),
      s: hex32(),
      raw: '0xf86c' as Hex,
      ip: null,
    },
  };
}

async function harness() {
  const tdb = await createTestDatabase('pendpool');
  const pool = createPgPool(tdb.url);
  const store = await createPostgresEventStore({ pool });
  const db = createReadModelDb(tdb.url);
  await migrate(db);
  const append = async (e: TxEvent, on: EventStore = store) =>
    (await on.append(txStreamId(e.data.hash), envelope([e], ctx()))).position;
  /** Applies the log up to its head (the node's runner does this continuously). */
  const project = async () => {
    const runner = createProjectionRunner({
      store,
      db,
      projections: allProjections,
      stopAt: await store.headPosition(),
    });
    await runner.run();
  };
  return {
    url: tdb.url,
    store,
    db,
    append,
    project,
    async close() {
      await store.close?.();
      await db.close();
      await pool.end();
      await tdb.drop();
    },
  };
}

test('the read model as of its checkpoint, then the log: adds, ends, positions and wake-ups', async () => {
  const h = await harness();
  const following = new AbortController();
  try {
    const [a, b, c] = [received(0), received(1), received(2)];
    await h.append(a);
    await h.append(b);
    await h.project(); // a and b are in the read model
    await h.append({
      type: 'TxIncluded',
      data: { hash: a.data.hash, blockNumber: '1', blockHash: hex32(), batchNumber: '1', status: 'success' },
    });
    const view = createPendingPool({ store: h.store, db: h.db });
    await view.start(following.signal);
    await view.waitFor(await h.store.headPosition());
    assert.equal(
      view.pending().map((t) => t.hash),
      [b.data.hash],
      'b from the read model; a ended by the log after its checkpoint',
    );
    const seen = view.version();
    const woken = view.changedSince(seen);
    const cPosition = await h.append(c);
    await woken;
    await view.waitFor(cPosition);
    const got = view.pending().find((t) => t.hash === c.data.hash);
    assert.ok(got, 'c is pending without the projector having run');
    assert.equal(
      [got.nonce, got.gasPrice, got.gas, got.value, got.chainId, got.v, got.position, got.from],
      [2n, 1_000_000_000n, 21_000n, 1n, 1001n, 2037n, cPosition, FROM],
    );
    const pendingInReadModel = await listPending(h.db.pool);
    assert.equal(
      pendingInReadModel.map((t) => t.hash),
      [a.data.hash, b.data.hash],
      'the read model is behind',
    );

    const before = view.version();
    const ends = [
      { type: 'TxReplaced', data: { hash: b.data.hash, replacedBy: hex32() } },
      { type: 'TxFailed', data: { hash: c.data.hash, reason: 'nonce too low' } },
    ] as TxEvent[];
    let last = 0n;
    for (const e of ends) last = await h.append(e);
    await view.waitFor(last);
    assert.equal(view.pending(), [], 'replaced and failed txs are no longer pending');
    assert.is(view.version(), before, 'ends do not wake a sequencer');
    assert.ok(view.position() >= last);

    // What the projector makes of the same log agrees.
    await h.project();
    assert.equal(await listPending(h.db.pool), []);
  } finally {
    following.abort();
    await h.close();
  }
});

test("another process's appends are seen; a restart reloads from the read model", async () => {
  const h = await harness();
  const first = new AbortController();
  try {
    const view = createPendingPool({ store: h.store, db: h.db });
    await view.start(first.signal);
    // A second store on the same schema: another RPC process.
    const otherPool = createPgPool(h.url);
    const otherStore = await createPostgresEventStore({ pool: otherPool });
    try {
      const tx = received(0);
      const position = await h.append(tx, otherStore);
      await view.waitFor(position);
      assert.equal(
        view.pending().map((t) => t.hash),
        [tx.data.hash],
      );

      // Restarted (the sequencer's load after a failure): the old subscription ends, the new one starts over.
      first.abort();
      await h.project();
      const again = new AbortController();
      await view.start(again.signal);
      assert.equal(
        view.pending().map((t) => t.hash),
        [tx.data.hash],
        'now from the read model',
      );
      const next = received(1);
      await view.waitFor(await h.append(next));
      assert.equal(
        view.pending().map((t) => t.hash),
        [tx.data.hash, next.data.hash],
      );
      again.abort();
    } finally {
      await otherStore.close?.();
      await otherPool.end();
    }
  } finally {
    first.abort();
    await h.close();
  }
});

test('a subscription that fails: before catch-up start rejects; after it, pending() throws and a waiting sequencer wakes', async () => {
  const h = await harness();
  const following = new AbortController();
  const failingAfter = (caughtUp: boolean): EventStore =>
    Object.assign(Object.create(h.store) as EventStore, {
      subscribeAll: (): Subscription => ({
        [Symbol.asyncIterator]: async function* () {
          if (caughtUp) yield { kind: 'caughtUp' as const, position: 0n };
          await new Promise((r) => setTimeout(r, 20));
          throw new Error('connection terminated');
        },
        close: async () => {},
      }),
    });
  try {
    const early = createPendingPool({ store: failingAfter(false), db: h.db });
    const err = await early.start(following.signal).then(
      () => null,
      (e: Error) => e,
    );
    assert.match(String(err?.message), 'connection terminated');

    const view = createPendingPool({ store: failingAfter(true), db: h.db });
    await view.start(following.signal);
    assert.equal(view.pending(), []);
    await view.changedSince(view.version());
    assert.throws(() => view.pending(), /connection terminated/);
  } finally {
    following.abort();
    await h.close();
  }
});

test('a store that closes under the view: pending() throws, saying the view stopped', async () => {
  const h = await harness();
  const following = new AbortController();
  try {
    const pool = createPgPool(h.url);
    const store = await createPostgresEventStore({ pool });
    const view = createPendingPool({ store, db: h.db });
    await view.start(following.signal);
    const seen = view.version();
    await store.close();
    await view.changedSince(seen);
    assert.throws(() => view.pending(), /stopped following the log/);
    await pool.end();
  } finally {
    following.abort();
    await h.close();
  }
});

test("the intake's admission view: the pending count and a sender's txs of one nonce, while the view follows", async () => {
  const h = await harness();
  const following = new AbortController();
  try {
    const view = createPendingPool({ store: h.store, db: h.db });
    assert.is(view.admissionView(FROM, 0n), null, 'not started: the intake queries the read model');
    const [a, b] = [received(0), received(1)];
    await h.append(a);
    await h.project(); // a from the read model's snapshot
    await view.start(following.signal);
    const other = { ...received(1), data: { ...received(1).data, gasPrice: '2000000000' } } as TxEvent;
    await view.waitFor(await h.append(b));
    await view.waitFor(await h.append(other)); // a second tx of nonce 1
    const at = (nonce: bigint) => {
      const v = view.admissionView(FROM, nonce);
      return v && { pendingCount: v.pendingCount, sameNonce: v.sameNonce.map((t) => t.hash) };
    };
    assert.equal(at(0n), { pendingCount: 3, sameNonce: [a.data.hash] });
    assert.equal(
      at(1n),
      { pendingCount: 3, sameNonce: [b.data.hash, other.data.hash] },
      'in the order received',
    );
    assert.equal(
      view.admissionView('0x00000000000000000000000000000000000b0b00' as Address, 0n)?.sameNonce,
      [],
    );
    await view.waitFor(
      await h.append({
        type: 'TxIncluded',
        data: {
          hash: b.data.hash,
          blockNumber: '1',
          blockHash: hex32(),
          batchNumber: '1',
          status: 'success',
        },
      }),
    );
    assert.equal(at(1n), { pendingCount: 2, sameNonce: [other.data.hash] }, 'an ended tx leaves it');
    // What the read model answers once projected agrees.
    await h.project();
    const fromReadModel = await getAdmissionView(h.db.pool, FROM, 1n);
    assert.equal(
      { pendingCount: fromReadModel.pendingCount, sameNonce: fromReadModel.sameNonce.map((t) => t.hash) },
      at(1n),
    );
    following.abort();
    assert.is(view.admissionView(FROM, 0n), null, 'stopped: the intake queries the read model again');
  } finally {
    following.abort();
    await h.close();
  }
});

test.run();
