/**
 * `lev inspect` on an EventStoreDB store, only when `LEV_TEST_EVENTSTORE_URL` is set (no server can run on the
 * build machines; see DESIGN §4): the node's read models keep the mirror of the log (`projectionsFor('eventstoredb')`
 * through the runner), and inspect answers from it with EventStoreDB's own positions. Otherwise it says so in one
 * line and registers no test.
 */
import { Wallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createProjectionRunner, createReadModelDb, projectionsFor } from '../../projections/index.ts';
import { inspect } from '../../src/cli/inspect.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createEventStoreDbEventStore } from '../../src/eventstore/index.ts';
import { hexToBytes } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import { toTxData, txStreamId } from '../../src/streams/tx/index.ts';
import { decodeSignedLegacyTx } from '../../src/tx/index.ts';
import { captureIo } from '../support/capture.ts';
import { createTestDatabase } from '../support/db.ts';

const url = process.env['LEV_TEST_EVENTSTORE_URL'];

if (url) {
  test('a tx received into EventStoreDB, inspected from the mirror at EventStoreDB positions', async () => {
    const db = await createTestDatabase('inspect_esdb');
    const store = await createEventStoreDbEventStore({ connectionString: url });
    const rm = createReadModelDb(db.url);
    try {
      const wallet = Wallet.createRandom();
      const raw = await wallet.signTransaction({
        type: 0,
        chainId: 1001n,
        nonce: 0,
        gasPrice: 1_000_000_000n,
        gasLimit: 21_000n,
        to: wallet.address,
        value: 1n,
      });
      const tx = decodeSignedLegacyTx(hexToBytes(raw as `0x${string}`));
      const { position } = await store.append(
        txStreamId(tx.hash),
        envelope(
          [
            {
              type: 'TxReceived',
              data: { ...toTxData({ ...tx, from: tx.from! }), raw: raw as `0x${string}`, ip: null },
            },
          ],
          { actor: 'rpc', at: new Date().toISOString() },
        ),
        'no_stream',
      );
      const runner = createProjectionRunner({
        store,
        db: rm,
        projections: projectionsFor('eventstoredb'),
        stopAt: await store.headPosition(),
      });
      await runner.run();
      const out = captureIo();
      const code = await inspect(
        'tx',
        [tx.hash],
        { at: position.toString(), json: true },
        () =>
          loadConfig({
            env: { LEV_STORE_KIND: 'eventstoredb', LEV_STORE_URL: url, LEV_DB_URL: db.url },
          }),
        out.io,
      );
      assert.is(code, 0, out.stderr());
      const answer = JSON.parse(out.stdout()) as {
        status: string;
        events: { position: string; type: string }[];
      };
      assert.is(answer.status, 'pending');
      assert.equal(answer.events, [
        {
          position: position.toString(),
          stream: txStreamId(tx.hash),
          revision: 0,
          type: 'TxReceived',
          at: answer.events[0]!['at' as never],
        },
      ]);
    } finally {
      await rm.close();
      await store.close();
      await db.drop();
    }
  });
} else {
  console.log('lev inspect on eventstoredb skipped: LEV_TEST_EVENTSTORE_URL is not set');
}

test.run();
