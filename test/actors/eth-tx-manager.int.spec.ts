/**
 * The eth-tx-manager against a real Hardhat L1 (automine on: a block per tx; confirmations come from blocks the
 * test mines) and the real Postgres store and read models: queue → sign → send → mined → confirmed, nonces in
 * queue order, idempotent queueing, keys kept out of logs, a crash between the append of an attempt and its
 * broadcast, a nonce taken by a tx that is not ours, reverts, and the error severities.
 */
import { Wallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  EthTxManagerConfigError,
  ethTxManagerRole,
  L1ChainMismatchError,
  L1InsufficientFundsError,
  L1TxConflictError,
  queueL1Tx,
  readL1Tx,
} from '../../actors/eth-tx-manager/index.ts';
import { createSupervisor } from '../../actors/index.ts';
import { getL1Tx, listL1Txs } from '../../projections/l1tx/index.ts';
import { severityOf } from '../../src/errors/index.ts';
import { type HardhatDevnet, startHardhatDevnet } from '../../src/l1/index.ts';
import type { L1TxSent } from '../../src/streams/l1tx/index.ts';
import { assemble, deployCode } from '../execution/evm-asm.ts';
import { freePort } from '../support/node-process.ts';
import {
  account,
  blockHashAt,
  GWEI,
  mine,
  type Node,
  nonceOf,
  receiptOf,
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
    automine: true,
    blockTimeMs: 0,
  });
  url = devnet.url;
});
test.after(async () => {
  await devnet.stop();
});

const mineEach = () => mine(url);
const types = async (node: Node, id: string) => (await streamOf(node.store, id)).map((e) => e.type);
const sentOf = async (node: Node, id: string) =>
  (await streamOf(node.store, id))
    .filter((e) => e.type === 'L1TxSent')
    .map((e) => e.data as L1TxSent['data']);

test('queued txs are signed in queue order, mined, and confirmed only after `confirmations` blocks', async () => {
  const node = await startNode();
  const seq = account(1);
  const key = seq.privateKey.slice(2).toLowerCase();
  const to = account(5).address;
  const start = await nonceOf(url, seq.address);
  try {
    const first = await queueL1Tx(
      node.store,
      { id: 'seq-1', from: seq.address, to, data: '0x1234' },
      { actor: 'sequence-sender' },
    );
    assert.ok(first.queued);
    await queueL1Tx(
      node.store,
      { id: 'seq-2', from: seq.address, to, data: '0x', gasLimit: 50_000n },
      { actor: 'sequence-sender' },
    );
    // Idempotent by id: the same tx again is a no-op; a different tx under a used id is refused.
    const again = await queueL1Tx(
      node.store,
      { id: 'seq-1', from: seq.address.toLowerCase(), to, data: '0x1234' },
      { actor: 'sequence-sender' },
    );
    assert.equal(
      { queued: again.queued, position: again.position },
      { queued: false, position: first.position },
    );
    try {
      await queueL1Tx(node.store, { id: 'seq-1', from: seq.address, to, data: '0x9999' });
      assert.unreachable('a different tx under a used id');
    } catch (err) {
      assert.instance(err, L1TxConflictError);
    }

    const m = startManager(node, url, { signer: seq });
    // Queued while the manager runs: picked up from the log.
    await queueL1Tx(
      node.store,
      { id: 'seq-3', from: seq.address, to, data: '0x', value: 1n },
      { actor: 'aggregator' },
    );

    // Automine puts each tx in its own block; nothing else is mined yet, so seq-3's block is the head and it has
    // one confirmation of the two required: it stays mined however many rounds the manager runs.
    await untilAll(node.store, ['seq-1', 'seq-2', 'seq-3'], ['mined', 'confirmed']);
    const idleBefore = m.entered.get('idle') ?? 0;
    await until('three more idle rounds', async () => (m.entered.get('idle') ?? 0) >= idleBefore + 3);
    assert.is((await stateOf(node.store, 'seq-3')).status, 'mined');

    await untilAll(node.store, ['seq-1', 'seq-2', 'seq-3'], ['confirmed'], { each: mineEach });
    m.stop();
    assert.equal(m.errors, []);

    const nonces: bigint[] = [];
    for (const id of ['seq-1', 'seq-2', 'seq-3']) {
      assert.equal(await types(node, id), ['L1TxQueued', 'L1TxSent', 'L1TxMined', 'L1TxConfirmed']);
      const [sent] = await sentOf(node, id);
      const st = await stateOf(node.store, id);
      assert.ok(st.status === 'confirmed');
      const onChain = await txByHash(url, sent!.hash);
      const receipt = await receiptOf(url, sent!.hash);
      assert.equal(
        {
          from: onChain?.from.toLowerCase(),
          nonce: BigInt(onChain!.nonce),
          gas: BigInt(onChain!.gas),
          status: receipt?.status,
        },
        {
          from: seq.address.toLowerCase(),
          nonce: BigInt(sent!.nonce),
          gas: BigInt(sent!.gasLimit),
          status: '0x1',
        },
      );
      assert.is(receipt?.blockHash, st.mined.blockHash);
      assert.is(
        await blockHashAt(url, st.mined.blockNumber),
        st.mined.blockHash,
        'confirmed in a canonical block',
      );
      nonces.push(BigInt(sent!.nonce));
    }
    assert.equal(nonces, [start, start + 1n, start + 2n], 'nonces in queue order');
    assert.is(await nonceOf(url, seq.address), start + 3n, 'no other tx was sent');

    const [s1] = await sentOf(node, 'seq-1');
    const r1 = await receiptOf(url, s1!.hash);
    assert.ok(BigInt(s1!.gasLimit) > BigInt(r1!.gasUsed), 'estimated with a margin');
    assert.is(s1!.gasLimit, ((BigInt(r1!.gasUsed) * 120n + 99n) / 100n).toString());
    assert.is(s1!.type, 'eip1559', 'EIP-1559 fees on an L1 with a base fee');
    assert.is((await txByHash(url, (await sentOf(node, 'seq-3'))[0]!.hash))?.value, '0x1');

    const folded = await readL1Tx(node.store, 'seq-2');
    assert.equal([folded.state.status, folded.revision], ['confirmed', 3]);
    assert.equal((await readL1Tx(node.store, 'nope')).revision, -1);

    // The read model.
    await node.runner.waitForCatchUp();
    const rows = await listL1Txs(node.db.pool);
    assert.equal(
      rows.map((r) => [r.id, r.status, r.owner, r.nonce, r.hashes.length]),
      [
        ['seq-1', 'confirmed', 'sequence-sender', start, 1],
        ['seq-2', 'confirmed', 'sequence-sender', start + 1n, 1],
        ['seq-3', 'confirmed', 'aggregator', start + 2n, 1],
      ],
    );
    const row = await getL1Tx(node.db.pool, 'seq-2');
    assert.is(row?.txHash, (await sentOf(node, 'seq-2'))[0]!.hash);
    assert.is(row?.confirmations, 2);

    // Keys never reach a log line, though sent txs are logged.
    const all = m.logs.join('\n').toLowerCase();
    assert.ok(all.includes((await sentOf(node, 'seq-1'))[0]!.hash), 'the sent tx is logged');
    assert.not.ok(all.includes(key), 'no private key in the logs');
    assert.not.ok(all.includes('test test test'), 'no mnemonic in the logs');
  } finally {
    await node.close();
  }
});

test('a crash between the append of an attempt and its broadcast: the restart sends that same tx, nonces stay unique', async () => {
  const node = await startNode();
  const signer = account(2);
  const start = await nonceOf(url, signer.address);
  const to = account(5).address;
  try {
    for (const id of ['crash-a', 'crash-b', 'crash-c']) {
      await queueL1Tx(node.store, { id, from: signer.address, to, data: '0xc0de' });
    }
    let crashed: (a: L1TxSent['data']) => void = () => {};
    const crashedAt = new Promise<L1TxSent['data']>((resolve) => {
      crashed = resolve;
    });
    const m1 = startManager(node, url, {
      signer,
      hooks: {
        beforeBroadcast: (a) => {
          if (a.id !== 'crash-b') return;
          crashed(a);
          return new Promise<void>(() => {}); // the process "dies" here: the broadcast never happens
        },
      },
    });
    const pending = await crashedAt;
    m1.stop();
    assert.is(await txByHash(url, pending.hash), null, 'the L1 never saw crash-b before the crash');
    assert.is(
      (await stateOf(node.store, 'crash-c')).status,
      'queued',
      'crash-c was not signed before the crash',
    );

    const m2 = startManager(node, url, { signer });
    await untilAll(node.store, ['crash-a', 'crash-b', 'crash-c'], ['confirmed'], { each: mineEach });
    m2.stop();
    assert.equal(m2.errors, []);

    const sentB = await sentOf(node, 'crash-b');
    assert.is(sentB.length, 1, 'crash-b was not signed again');
    const b = await stateOf(node.store, 'crash-b');
    assert.ok(b.status === 'confirmed');
    assert.is(b.mined.hash, pending.hash, 'the tx signed before the crash is the one mined');

    const byNonce = new Map<string, string>();
    for (const id of ['crash-a', 'crash-b', 'crash-c']) {
      for (const s of await sentOf(node, id)) {
        assert.not.ok(
          byNonce.has(s.nonce) && byNonce.get(s.nonce) !== id,
          `nonce ${s.nonce} used by two txs`,
        );
        byNonce.set(s.nonce, id);
        const onChain = await txByHash(url, s.hash);
        assert.is(BigInt(onChain!.nonce), BigInt(s.nonce));
      }
    }
    // crash-c got the nonce after crash-b's although the L1's pending count did not include crash-b at restart.
    assert.equal(
      [...byNonce.entries()].sort(),
      [
        [start.toString(), 'crash-a'],
        [(start + 1n).toString(), 'crash-b'],
        [(start + 2n).toString(), 'crash-c'],
      ].sort(),
    );
    assert.is(await nonceOf(url, signer.address), start + 3n);
  } finally {
    await node.close();
  }
});

test('a nonce taken by a tx that is not ours: re-signed with a fresh nonce once the taker is confirmed', async () => {
  const node = await startNode();
  const signer = account(9);
  const to = account(5).address;
  let foreignHash = '';
  try {
    await queueL1Tx(node.store, { id: 'taken-1', from: signer.address, to, data: '0x01' });
    const m = startManager(node, url, {
      signer,
      hooks: {
        // Between our append and our broadcast, someone else with the key uses the nonce (automine mines it).
        beforeBroadcast: async (a) => {
          if (a.id !== 'taken-1' || a.attempt !== 1) return;
          const raw = await signer.signTransaction({
            chainId: 1337,
            nonce: Number(a.nonce),
            to: signer.address,
            gasLimit: 21_000,
            maxFeePerGas: 50n * GWEI,
            maxPriorityFeePerGas: 2n * GWEI,
          });
          foreignHash = await rpc<string>(url, 'eth_sendRawTransaction', [raw]);
        },
      },
    });
    await untilAll(node.store, ['taken-1'], ['confirmed'], { each: mineEach });
    m.stop();
    assert.equal(m.errors, []);

    const sent = await sentOf(node, 'taken-1');
    assert.equal(
      sent.map((s) => [s.attempt, s.reason]),
      [
        [1, 'initial'],
        [2, 'resign'],
      ],
    );
    assert.is(BigInt(sent[1]!.nonce), BigInt(sent[0]!.nonce) + 1n);
    const st = await stateOf(node.store, 'taken-1');
    assert.ok(st.status === 'confirmed');
    assert.is(st.mined.hash, sent[1]!.hash);
    assert.is(
      BigInt((await txByHash(url, foreignHash))!.nonce),
      BigInt(sent[0]!.nonce),
      'the foreign tx holds it',
    );
    assert.is(await txByHash(url, sent[0]!.hash), null, 'our first attempt never made it');
    const logs = m.logs.join('\n');
    assert.match(logs, /nonce too low/);
    assert.match(logs, /not ours: re-signing/);
  } finally {
    await node.close();
  }
});

test('reverts: a reverted receipt fails with its reason once confirmed; a reverting estimate and a missing key fail at once', async () => {
  const node = await startNode();
  const signer = account(5);
  const deployer = account(7);
  try {
    // A contract that always reverts with Error("nope").
    const reason = Buffer.from('nope').toString('hex').padEnd(64, '0');
    const runtime = assemble([
      `0x08c379a0${'00'.repeat(28)}`,
      0,
      'MSTORE',
      0x20,
      4,
      'MSTORE',
      4,
      0x24,
      'MSTORE',
      `0x${reason}`,
      0x44,
      'MSTORE',
      0x64,
      0,
      'REVERT',
    ]);
    const deploy = await deployer.signTransaction({
      chainId: 1337,
      nonce: Number(await nonceOf(url, deployer.address)),
      data: deployCode(runtime),
      gasLimit: 200_000,
      maxFeePerGas: 50n * GWEI,
      maxPriorityFeePerGas: GWEI,
    });
    const deployHash = await rpc<string>(url, 'eth_sendRawTransaction', [deploy]);
    const contract = (await rpc<{ contractAddress: string }>(url, 'eth_getTransactionReceipt', [deployHash]))
      .contractAddress;

    const start = await nonceOf(url, signer.address);
    await queueL1Tx(node.store, {
      id: 'rev-chain',
      from: signer.address,
      to: contract,
      data: '0x',
      gasLimit: 100_000n,
    });
    await queueL1Tx(node.store, { id: 'rev-estimate', from: signer.address, to: contract, data: '0x' });
    await queueL1Tx(node.store, { id: 'no-key', from: account(8).address, to: contract, data: '0x' });
    const m = startManager(node, url, { signer });
    await untilAll(node.store, ['rev-chain', 'rev-estimate', 'no-key'], ['failed'], { each: mineEach });
    m.stop();
    assert.equal(m.errors, []);

    assert.equal(await types(node, 'rev-chain'), ['L1TxQueued', 'L1TxSent', 'L1TxMined', 'L1TxFailed']);
    const chain = await stateOf(node.store, 'rev-chain');
    assert.ok(chain.status === 'failed');
    assert.equal(
      { code: chain.code, reason: chain.reason, receipt: chain.mined?.status },
      {
        code: 'reverted',
        reason: 'nope',
        receipt: 'reverted',
      },
    );
    assert.equal(await types(node, 'rev-estimate'), ['L1TxQueued', 'L1TxFailed']);
    const est = await stateOf(node.store, 'rev-estimate');
    assert.equal(est.status === 'failed' && [est.code, est.reason], ['estimate_reverted', 'nope']);
    const noKey = await stateOf(node.store, 'no-key');
    assert.ok(noKey.status === 'failed' && noKey.code === 'no_key');
    assert.match(noKey.status === 'failed' ? noKey.reason : '', account(8).address.toLowerCase());
    assert.is(
      await nonceOf(url, signer.address),
      start + 1n,
      'only the tx that reached the chain used a nonce',
    );

    await node.runner.waitForCatchUp();
    const row = await getL1Tx(node.db.pool, 'rev-chain');
    assert.equal(
      [row?.status, row?.failureCode, row?.failureReason, row?.receiptStatus],
      ['failed', 'reverted', 'nope', 'reverted'],
    );
  } finally {
    await node.close();
  }
});

test('insufficient funds stop the manager with a critical error naming the address', async () => {
  const node = await startNode();
  const poor = Wallet.createRandom();
  try {
    await queueL1Tx(node.store, {
      id: 'poor-1',
      from: poor.address,
      to: account(5).address,
      data: '0x',
      gasLimit: 21_000n,
    });
    const m = startManager(node, url, { signer: poor });
    const err = await until('the manager to fail', async () => m.errors[0]);
    assert.instance(err, L1InsufficientFundsError);
    assert.is(severityOf(err), 'critical');
    assert.match((err as Error).message, poor.address.toLowerCase());
    assert.match((err as Error).message, /insufficient funds/);
    assert.not.ok((err as Error).message.includes(poor.privateKey.slice(2)));
  } finally {
    await node.close();
  }
});

test('an L1 on another chain is a critical error', async () => {
  const node = await startNode();
  try {
    const m = startManager(node, url, { signer: account(1), chainId: 1 });
    const err = await until('the manager to fail', async () => m.errors[0]);
    assert.instance(err, L1ChainMismatchError);
    assert.is(severityOf(err), 'critical');
    assert.match((err as Error).message, /chain 1337/);
  } finally {
    await node.close();
  }
});

test('an unreachable L1 is temporary: the manager backs off, retries, and sends once the node answers', async () => {
  const node = await startNode();
  const port = await freePort();
  let late: HardhatDevnet | null = null;
  try {
    const signer = account(6);
    await queueL1Tx(node.store, { id: 'late-1', from: signer.address, to: account(5).address, data: '0x' });
    const m = startManager(
      node,
      `http://127.0.0.1:${port}/`,
      { signer },
      { backoffMs: 50, maxBackoffMs: 400 },
    );
    await until('two retries', async () => (m.entered.get('backoff') ?? 0) >= 2);
    assert.is(m.actor.getSnapshot().status, 'active');
    assert.match(m.logs.join('\n'), /did not answer eth_chainId/);

    late = await startHardhatDevnet({ port, chainId: 1337, automine: true, blockTimeMs: 0 });
    const lateUrl = late.url;
    await untilAll(node.store, ['late-1'], ['confirmed'], { each: () => mine(lateUrl) });
    m.stop();
    assert.equal(m.errors, []);
  } finally {
    await late?.stop();
    await node.close();
  }
});

test('under the supervisor, with legacy fees: the role built from plain deps sends, confirms and stops cleanly', async () => {
  const node = await startNode();
  const signer = account(4);
  try {
    await queueL1Tx(node.store, {
      id: 'legacy-1',
      from: signer.address,
      to: account(5).address,
      data: '0x0102',
    });
    const supervisor = createSupervisor({
      roles: [
        ethTxManagerRole({
          store: node.store,
          db: node.db,
          signer,
          l1Url: url,
          chainId: 1337n,
          confirmations: 1,
          gasBump: { afterMs: 60_000, percent: 10, maxGasPrice: 100n * GWEI },
          pollMs: 40,
          feeMode: 'legacy',
        }),
      ],
    });
    supervisor.start();
    await untilAll(node.store, ['legacy-1'], ['confirmed'], { each: mineEach });
    await supervisor.stop();
    assert.equal(await supervisor.done, { status: 'stopped' });

    const [sent] = await sentOf(node, 'legacy-1');
    assert.equal([sent?.type, sent?.maxFeePerGas], ['legacy', null]);
    const paid = BigInt(sent!.gasPrice!);
    assert.ok(paid > 0n && paid <= 100n * GWEI, 'the node price, within the cap');
    const onChain = await rpc<{ type: string; gasPrice: string }>(url, 'eth_getTransactionByHash', [
      sent!.hash,
    ]);
    assert.equal([onChain.type, BigInt(onChain.gasPrice)], ['0x0', BigInt(sent!.gasPrice!)]);
    const st = await stateOf(node.store, 'legacy-1');
    assert.ok(st.status === 'confirmed');
    assert.is(await blockHashAt(url, st.mined.blockNumber), st.mined.blockHash);
  } finally {
    await node.close();
  }
});

test('bad settings are refused with a clear message', async () => {
  const node = await startNode();
  try {
    const deps = {
      store: node.store,
      db: node.db,
      signer: account(1),
      l1Url: url,
      chainId: 1337,
      confirmations: 0,
      gasBump: { afterMs: 1000, percent: 20, maxGasPrice: GWEI },
    };
    const refuse = (d: typeof deps, message: RegExp) => {
      try {
        ethTxManagerRole(d);
        assert.unreachable('must be refused');
      } catch (err) {
        assert.instance(err, EthTxManagerConfigError);
        assert.is(severityOf(err), 'critical');
        assert.match((err as Error).message, message);
      }
    };
    refuse(deps, /confirmations must be an integer ≥ 1 .*got 0/);
    refuse({ ...deps, confirmations: 2, gasBump: { ...deps.gasBump, percent: 5 } }, /percent must be .*≥ 10/);
    refuse({ ...deps, confirmations: 2, gasBump: { ...deps.gasBump, maxGasPrice: 0n } }, /maxGasPrice/);
    assert.is(ethTxManagerRole({ ...deps, confirmations: 1 }).name, 'eth-tx-manager');
  } finally {
    await node.close();
  }
});

test('the L1 restarts from genesis while a tx is open: after the bump delay the open txs are re-signed from nonce 0 in queue order, and a new tx follows them', async () => {
  const node = await startNode();
  const signer = account(3);
  const to = account(5).address;
  const afterMs = 1_000;
  try {
    const m = startManager(node, url, {
      signer,
      gasBump: { afterMs, percent: 20, maxGasPrice: 100n * GWEI },
    });
    for (const id of ['lost-1', 'lost-2', 'lost-3'])
      await queueL1Tx(node.store, { id, from: signer.address, to, data: '0x01' });
    await untilAll(node.store, ['lost-1', 'lost-2', 'lost-3'], ['confirmed'], { each: mineEach });
    await queueL1Tx(node.store, { id: 'open-a', from: signer.address, to, data: '0x0a' });
    await untilAll(node.store, ['open-a'], ['mined']); // 1 of 2 confirmations
    const nonceA = (await sentOf(node, 'open-a'))[0]!.nonce;
    assert.is(BigInt(nonceA), (await nonceOf(url, signer.address)) - 1n);
    assert.ok(BigInt(nonceA) >= 3n);

    // The devnet comes back from genesis: the account's nonce is 0 again, open-a's block is gone.
    const resetAt = Date.now();
    await rpc(url, 'hardhat_reset', []);
    assert.is(await nonceOf(url, signer.address), 0n);
    await queueL1Tx(node.store, { id: 'open-b', from: signer.address, to, data: '0x0b' });
    await untilAll(node.store, ['open-a', 'open-b'], ['confirmed'], { each: mineEach, timeoutMs: 20_000 });
    await queueL1Tx(node.store, { id: 'after', from: signer.address, to, data: '0x0c' });
    await untilAll(node.store, ['after'], ['confirmed'], { each: mineEach });
    m.stop();
    assert.equal(m.errors, []);

    const a = await sentOf(node, 'open-a');
    const b = await sentOf(node, 'open-b');
    assert.equal(
      a.map((s) => [s.reason, s.nonce]),
      [
        ['initial', nonceA],
        ['resign', '0'],
      ],
    );
    assert.equal(
      b.map((s) => [s.reason, s.nonce]),
      [
        ['initial', (BigInt(nonceA) + 1n).toString()],
        ['resign', '1'],
      ],
      'open-b first got a nonce after open-a, then followed it down',
    );
    assert.equal(
      (await sentOf(node, 'after')).map((s) => [s.reason, s.nonce]),
      [['initial', '2']],
    );
    assert.ok(
      Date.parse(a[1]!.sentAt) - resetAt >= afterMs,
      're-signed only once the gap lasted the bump delay',
    );
    for (const [id, nonce] of [
      ['open-a', 0n],
      ['open-b', 1n],
      ['after', 2n],
    ] as const) {
      const st = await stateOf(node.store, id);
      assert.ok(st.status === 'confirmed');
      const onChain = await txByHash(url, st.mined.hash);
      assert.is(BigInt(onChain!.nonce), nonce, `${id} landed at nonce ${nonce}`);
      assert.is(await blockHashAt(url, BigInt(onChain!.blockNumber!)), st.mined.blockHash);
    }
    for (const s of [a[0]!, b[0]!])
      assert.is(await txByHash(url, s.hash), null, 'the lost attempts never ran');
    assert.is(await nonceOf(url, signer.address), 3n);
    const logs = m.logs.join('\n');
    assert.match(logs, /re-signing them from its nonce in queue order/);
    assert.not.match(logs, /the L1 node refused/, 'nothing above the gap was broadcast');
  } finally {
    await node.close();
  }
});

test.run();
