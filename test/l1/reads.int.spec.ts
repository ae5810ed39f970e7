/**
 * The node's own L1 reads (`createL1Reads`): right against a real devnet with the contracts, and bounded in time
 * against an L1 that accepts connections and never answers.
 */
import { createServer, type Socket } from 'node:net';
import { Wallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JsonRpcTransportError } from '../../src/jsonrpc/index.ts';
import { createL1Reads } from '../../src/l1/index.ts';
import type { Address, Hash } from '../../src/primitives/index.ts';
import { AGGREGATOR, DEPLOYER, PROVER, startL1Contracts } from '../support/l1-contracts.ts';

const SIGNER = PROVER.address.toLowerCase() as Address;

test('against the dev L1: head, deployment block, receipts, pending txs, the verifier’s prover registry', async () => {
  const l1 = await startL1Contracts();
  try {
    const reads = createL1Reads(l1.url);
    const rollup = l1.deployment.rollup;
    assert.is(await reads.deploymentBlock(rollup), l1.deployment.deploymentBlock);
    const head = await l1.head();
    assert.is(await reads.blockNumber(), head.number);
    assert.is(await reads.latestTimestamp(), head.timestamp);
    const isProver = reads.proverRegistry(rollup);
    assert.is(await isProver(SIGNER), true);
    assert.is(await isProver(AGGREGATOR.address.toLowerCase() as Address), false);
    const sent = await l1.send(DEPLOYER, DEPLOYER.address, '0x');
    const block = await l1.rpc<{ hash: Hash }>('eth_getBlockByNumber', [sent.blockNumber, false]);
    assert.is(await reads.receiptBlockHash(sent.transactionHash as Hash), block.hash);
    assert.is(await reads.receiptBlockHash(`0x${'00'.repeat(32)}` as Hash), null);
    assert.is(await reads.pendingTx(sent.transactionHash as Hash), false, 'mined: not pending');
    assert.is(await reads.pendingTx(`0x${'00'.repeat(32)}` as Hash), false, 'unknown: not pending');
    await l1.rpc('evm_setAutomine', [false]);
    const raw = await new Wallet(DEPLOYER.privateKey).signTransaction({
      to: DEPLOYER.address,
      nonce: await l1.rpc<string>('eth_getTransactionCount', [DEPLOYER.address, 'latest']).then(Number),
      chainId: BigInt(await l1.rpc<string>('eth_chainId', [])),
      gasLimit: 21_000n,
      gasPrice: 10n ** 10n,
    });
    const hash = await l1.rpc<Hash>('eth_sendRawTransaction', [raw]);
    assert.is(await reads.pendingTx(hash), true, "in L1's pool");
    await l1.rpc('evm_mine', []);
    assert.is(await reads.pendingTx(hash), false, 'mined');
  } finally {
    await l1.stop();
  }
});

test('an L1 that never answers: each read fails (temporary) after its timeout; the registry asks L1 only when called, and again after a failure', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s)); // accepts, reads nothing, answers nothing
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const { port } = silent.address() as { port: number };
  try {
    const reads = createL1Reads(`http://127.0.0.1:${port}`, { timeoutMs: 300 });
    const fails = async (what: string, read: () => Promise<unknown>) => {
      const err = await Promise.race([
        read().then(
          () => 'answered',
          (e: unknown) => e,
        ),
        new Promise((r) => setTimeout(() => r('hung'), 10_000)),
      ]);
      assert.instance(err, JsonRpcTransportError, `${what}: ${String(err)}`);
      assert.is((err as JsonRpcTransportError).severity, 'temporary');
    };
    await fails('blockNumber', () => reads.blockNumber());
    await fails('receiptBlockHash', () => reads.receiptBlockHash(`0x${'00'.repeat(32)}` as Hash));
    const connections = sockets.length;
    const isProver = reads.proverRegistry(`0x${'12'.repeat(20)}` as Address);
    assert.is(sockets.length, connections, 'making the registry reads nothing');
    await fails('isProver', () => isProver(SIGNER));
    await fails('isProver again', () => isProver(SIGNER));
    assert.is(sockets.length, connections + 2, 'the failed verifier lookup is not cached: asked again');
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  }
});

test.run();
