/**
 * The eth-tx-manager on a Hardhat L1 that mines only when the test says so (automine off, no interval): gas bumps
 * of a tx priced out by the base fee, up to the cap; and an L1 reorg (evm_snapshot → mined → evm_revert → other
 * blocks) that orphans the block of a mined tx before it is confirmed.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { queueL1Tx } from '../../actors/eth-tx-manager/index.ts';
import { getL1Tx, getL1TxAttempts } from '../../projections/l1tx/index.ts';
import { type HardhatDevnet, startHardhatDevnet } from '../../src/l1/index.ts';
import {
  feesOf,
  isValidReplacement,
  type L1TxFees,
  type L1TxSent,
  raiseByPercent,
} from '../../src/streams/l1tx/index.ts';
import { freePort } from '../support/node-process.ts';
import {
  account,
  blockHashAt,
  GWEI,
  mine,
  rpc,
  startManager,
  startNode,
  stateOf,
  streamOf,
  txByHash,
  until,
  untilAll,
} from './eth-tx-manager-harness.ts';

let devnet: HardhatDevnet;
let url: string;

test.before(async () => {
  devnet = await startHardhatDevnet({
    port: await freePort(),
    chainId: 1337,
    automine: false,
    blockTimeMs: 0,
  });
  url = devnet.url;
});
test.after(async () => {
  await devnet.stop();
});

const sentOf = async (store: Parameters<typeof streamOf>[0], id: string) =>
  (await streamOf(store, id)).filter((e) => e.type === 'L1TxSent').map((e) => e.data as L1TxSent['data']);
const maxFee = (f: L1TxFees) => (f.type === 'legacy' ? f.gasPrice : f.maxFeePerGas);

test('a tx priced out by the base fee is bumped (same nonce, +percent or the network price), capped, then mined', async () => {
  const node = await startNode();
  const signer = account(1);
  const cap = 10n * GWEI;
  try {
    const base = BigInt(
      (await rpc<{ baseFeePerGas: string }>(url, 'eth_getBlockByNumber', ['latest', false])).baseFeePerGas,
    );
    await queueL1Tx(node.store, { id: 'bump-1', from: signer.address, to: account(5).address, data: '0xb0' });
    const m = startManager(node, url, {
      signer,
      gasBump: { afterMs: 200, percent: 20, maxGasPrice: cap },
    });
    const [first] = await until('the first attempt', async () => {
      const s = await sentOf(node.store, 'bump-1');
      return s.length > 0 && s;
    });
    assert.equal(
      { max: BigInt(first!.maxFeePerGas!), tip: BigInt(first!.maxPriorityFeePerGas!) },
      { max: 2n * base + GWEI, tip: GWEI },
      'initial fees: 2 × base fee + the suggested tip',
    );

    // The base fee jumps above what the first attempt pays: the next block leaves it out.
    await rpc(url, 'hardhat_setNextBlockBaseFeePerGas', [`0x${(6n * GWEI).toString(16)}`]);
    await mine(url);
    assert.is((await txByHash(url, first!.hash))?.blockNumber ?? null, null, 'priced out: not mined');

    // The manager bumps until the cap leaves no valid replacement, and says so.
    await until('the gas price cap', async () => m.logs.some((l) => l.includes('at the gas price cap')));
    const attempts = await sentOf(node.store, 'bump-1');
    assert.ok(attempts.length >= 2);
    for (const [i, a] of attempts.entries()) {
      assert.is(a.nonce, first!.nonce, 'a bump keeps the nonce');
      assert.ok(maxFee(feesOf(a)) <= cap, 'never above the cap');
      if (i === 0) continue;
      const prev = feesOf(attempts[i - 1]!);
      const next = feesOf(a);
      assert.is(a.reason, 'bump');
      assert.ok(isValidReplacement(prev, next), 'every fee +10% at least');
      assert.ok(maxFee(next) >= raiseByPercent(maxFee(prev), 20) || maxFee(next) === cap, '+20% or the cap');
    }
    const last = attempts[attempts.length - 1]!;
    assert.is(BigInt(last.maxFeePerGas!), cap, 'the last attempt pays the cap');
    // The L1 node holds only the live attempt: each bump replaced the one before.
    assert.ok(await txByHash(url, last.hash), 'the live attempt is in the pool');
    for (const a of attempts.slice(0, -1))
      assert.is(await txByHash(url, a.hash), null, `${a.attempt} replaced`);

    // The base fee falls back below the cap: the capped attempt is mined and confirmed.
    await untilAll(node.store, ['bump-1'], ['confirmed'], { each: () => mine(url) });
    m.stop();
    assert.equal(m.errors, []);
    const st = await stateOf(node.store, 'bump-1');
    assert.ok(st.status === 'confirmed');
    assert.is(st.mined.hash, last.hash);
    assert.is((await sentOf(node.store, 'bump-1')).length, attempts.length, 'no attempt after the cap');

    await node.runner.waitForCatchUp();
    const rows = await getL1TxAttempts(node.db.pool, 'bump-1');
    assert.equal(
      rows.map((r) => [r.attempt, r.reason, r.hash]),
      attempts.map((a) => [a.attempt, a.reason, a.hash]),
    );
    assert.is((await getL1Tx(node.db.pool, 'bump-1'))?.status, 'confirmed');
  } finally {
    await node.close();
  }
});

test('a reorg orphans the block of a mined tx: the same signed tx is sent again, mined in the new chain, confirmed', async () => {
  const node = await startNode();
  const signer = account(2);
  const other = account(6);
  try {
    const snapshot = await rpc<string>(url, 'evm_snapshot');
    await queueL1Tx(node.store, {
      id: 'reorg-1',
      from: signer.address,
      to: account(5).address,
      data: '0xdead',
    });
    const m = startManager(node, url, { signer });
    // The attempt is appended before its broadcast: mine once the node has it.
    await until('the attempt in the pool', async () => {
      const [a] = await sentOf(node.store, 'reorg-1');
      return a !== undefined && (await txByHash(url, a.hash)) !== null;
    });
    await mine(url);
    await untilAll(node.store, ['reorg-1'], ['mined']);
    const before = await stateOf(node.store, 'reorg-1');
    assert.ok(before.status === 'mined');

    // The L1 drops that block (and the tx with it) and grows another chain at that height.
    assert.is(await rpc(url, 'evm_revert', [snapshot]), true);
    const raw = await other.signTransaction({
      chainId: 1337,
      nonce: Number(await rpc<string>(url, 'eth_getTransactionCount', [other.address, 'pending'])),
      to: other.address,
      gasLimit: 21_000,
      maxFeePerGas: 50n * GWEI,
      maxPriorityFeePerGas: GWEI,
    });
    await rpc(url, 'eth_sendRawTransaction', [raw]);
    await mine(url);
    assert.is.not(await blockHashAt(url, before.mined.blockNumber), before.mined.blockHash);

    await until('the reorg to be recorded', async () =>
      (await streamOf(node.store, 'reorg-1')).some((e) => e.type === 'L1TxReorged'),
    );
    await untilAll(node.store, ['reorg-1'], ['confirmed'], { each: () => mine(url) });
    m.stop();
    assert.equal(m.errors, []);

    const events = await streamOf(node.store, 'reorg-1');
    assert.equal(
      events.map((e) => e.type),
      ['L1TxQueued', 'L1TxSent', 'L1TxMined', 'L1TxReorged', 'L1TxMined', 'L1TxConfirmed'],
    );
    const reorged = events[3]!.data as { blockHash: string; blockNumber: string };
    assert.equal(
      { hash: reorged.blockHash, number: BigInt(reorged.blockNumber) },
      { hash: before.mined.blockHash, number: before.mined.blockNumber },
    );
    const after = await stateOf(node.store, 'reorg-1');
    assert.ok(after.status === 'confirmed');
    const [sent] = await sentOf(node.store, 'reorg-1');
    assert.is(after.mined.hash, sent!.hash, 'the same signed tx, not a new one');
    assert.is.not(after.mined.blockHash, before.mined.blockHash);
    assert.is(
      await blockHashAt(url, after.mined.blockNumber),
      after.mined.blockHash,
      'confirmed in the canonical chain',
    );
    assert.is((await txByHash(url, sent!.hash))?.blockHash, after.mined.blockHash);

    await node.runner.waitForCatchUp();
    const row = await getL1Tx(node.db.pool, 'reorg-1');
    assert.equal([row?.status, row?.reorgs, row?.blockHash], ['confirmed', 1, after.mined.blockHash]);
  } finally {
    await node.close();
  }
});

test('pending txs the node dropped from its pool (L1 pending count below them, but each nonce held by one of ours) are broadcast again at their nonces, not re-signed', async () => {
  const node = await startNode();
  const signer = account(4);
  const ids = ['pool-1', 'pool-2', 'pool-3'];
  try {
    const start = await rpc<string>(url, 'eth_getTransactionCount', [signer.address, 'latest']);
    for (const id of ids)
      await queueL1Tx(node.store, { id, from: signer.address, to: account(5).address, data: '0x' });
    const gasBump = { afterMs: 300, percent: 20, maxGasPrice: 100n * GWEI };
    const m1 = startManager(node, url, { signer, gasBump });
    const first = await until('three attempts in the pool', async () => {
      const a = await Promise.all(ids.map(async (id) => (await sentOf(node.store, id))[0]));
      for (const s of a) if (!s || !(await txByHash(url, s.hash))) return false;
      return a as L1TxSent['data'][];
    });
    m1.stop();
    await new Promise((r) => setTimeout(r, 500)); // its last round finishes
    // The node loses its pool (as a node restart does).
    for (const s of first) await rpc(url, 'hardhat_dropTransaction', [s.hash]);
    assert.is(await rpc<string>(url, 'eth_getTransactionCount', [signer.address, 'pending']), start);
    const m = startManager(node, url, { signer, gasBump });

    // Well past the bump delay (the gap rule's wait): the manager puts them back, each at its own nonce.
    await until('all three back in the pool', async () => {
      for (const id of ids) {
        const s = await sentOf(node.store, id);
        if (!(await txByHash(url, s[s.length - 1]!.hash))) return false;
      }
      return true;
    });
    await new Promise((r) => setTimeout(r, 1_000));
    await untilAll(node.store, ids, ['confirmed'], { each: () => mine(url) });
    m.stop();
    assert.equal(m.errors, []);
    for (const [i, id] of ids.entries()) {
      const sent = await sentOf(node.store, id);
      assert.ok(
        sent.every((s) => s.reason !== 'resign' && s.nonce === first[i]!.nonce),
        `${id} kept its nonce`,
      );
      const st = await stateOf(node.store, id);
      assert.ok(st.status === 'confirmed');
    }
    assert.not.match(m.logs.join('\n'), /nonce none of ours fills|the L1 lost the nonces/);
  } finally {
    await node.close();
  }
});

test.run();
