/**
 * The sequencer under load, crashed: `lev start --dev --roles rpc,sequencer`, txs from several senders streaming
 * in, kill -9 of the node and its Postgres in the middle, restart, the rest sent again. The `l2` stream must
 * then hold every tx exactly once, in blocks numbered 1..N without gaps, each linked to its parent, in batches
 * whose batchL2Data is exactly their blocks' txs.
 */
import { rmSync } from 'node:fs';
import { HDNodeWallet, Transaction } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBatchL2Data } from '../../src/batch/index.ts';
import { createPgPool } from '../../src/db/index.ts';
import { createPostgresEventStore } from '../../src/eventstore/index.ts';
import type { BatchClosed, L2BlockSealed, L2Event } from '../../src/streams/l2/index.ts';
import {
  crashWithPostgres,
  freePort,
  type LevProcess,
  rpc,
  runLev,
  tempDataDir,
} from '../support/node-process.ts';

const MNEMONIC = 'test test test test test test test test test test test junk';
const SENDERS = 3;
const PER_SENDER = 20;
const wallets = Array.from({ length: SENDERS }, (_, i) =>
  HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${i + 5}`),
);

test('kill -9 under load: every tx sealed once, blocks contiguous and linked', async () => {
  const dataDir = tempDataDir();
  const env = {
    LEV_NODE_DATA_DIR: dataDir,
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
    LEV_SEQUENCER_MAX_TXS_PER_BATCH: '7',
  };
  const start = async () => {
    const node = runLev(['start', '--dev', '--roles', 'rpc,sequencer'], env);
    return { node, url: await node.ready('rpc') };
  };
  const raws = await Promise.all(
    wallets.flatMap((w) =>
      Array.from({ length: PER_SENDER }, (_, nonce) =>
        w.signTransaction({
          type: 0,
          chainId: 1001,
          nonce,
          gasPrice: 1_000_000_000n,
          gasLimit: 21_000n,
          to: wallets[0]!.address,
          value: 1n,
        }),
      ),
    ),
  );
  const hashes = raws.map((r) => Transaction.from(r).hash!);
  let node: LevProcess | undefined;
  try {
    let url: string;
    ({ node, url } = await start());
    // Stream half of each sender's txs, then crash while the sequencer works on them.
    for (let n = 0; n < PER_SENDER / 2; n++) {
      await Promise.all(
        wallets.map((_, s) => rpc(url, 'eth_sendRawTransaction', [raws[s * PER_SENDER + n]])),
      );
    }
    await crashWithPostgres(node, dataDir);

    ({ node, url } = await start());
    for (let n = 0; n < PER_SENDER; n++) {
      await Promise.all(
        wallets.map((_, s) => rpc(url, 'eth_sendRawTransaction', [raws[s * PER_SENDER + n]])),
      );
    }
    // Wait until every sender's state nonce reached PER_SENDER.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const counts = await Promise.all(
        wallets.map((w) => rpc<string>(url, 'eth_getTransactionCount', [w.address, 'latest'])),
      );
      if (counts.every((c) => c.result === `0x${PER_SENDER.toString(16)}`)) break;
      assert.ok(
        Date.now() < deadline,
        `not all txs sealed: ${JSON.stringify(counts.map((c) => c.result))}\n${node.output().slice(-3000)}`,
      );
      await new Promise((r) => setTimeout(r, 250));
    }
    // Let the open batch close (2 s timeout), then stop gracefully and read the log.
    await new Promise((r) => setTimeout(r, 2500));
    node.child.kill('SIGTERM');
    assert.is((await node.exited).code, 0, node.output().slice(-3000));

    const started = await start();
    node = started.node;
    const pgLine = /^ready postgres (\S+)$/m.exec(node.output())![1]!.replace('***', 'password');
    const pool = createPgPool(pgLine);
    const store = await createPostgresEventStore({ pool });
    const events = (await store.readStream('l2')) as unknown as L2Event[];
    await store.close();
    await pool.end();

    const blocks = events.filter((e): e is L2BlockSealed => e.type === 'L2BlockSealed').map((e) => e.data);
    assert.equal(
      blocks.map((b) => b.number),
      blocks.map((_, i) => String(i + 1)),
      'block numbers 1..N without gaps',
    );
    const genesis = events[0]!;
    assert.is(genesis.type, 'L2GenesisCreated');
    let parent = (genesis as { data: { blockHash: string } }).data.blockHash;
    for (const b of blocks) {
      assert.is(b.parentHash, parent, `block ${b.number} parent`);
      parent = b.hash;
    }
    const sealed = blocks.map((b) => b.tx.hash).sort();
    assert.equal(sealed, [...hashes].sort(), 'every tx exactly once');
    for (const closed of events
      .filter((e): e is BatchClosed => e.type === 'BatchClosed')
      .map((e) => e.data)) {
      const inBatch = blocks.filter((b) => b.batchNumber === closed.batchNumber).map((b) => b.tx.hash);
      assert.equal(
        decodeBatchL2Data(closed.batchL2Data).map((t) => t.hash),
        inBatch,
        `batch ${closed.batchNumber}`,
      );
      assert.ok(inBatch.length <= 7);
    }
  } finally {
    await crashWithPostgres(node, dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
