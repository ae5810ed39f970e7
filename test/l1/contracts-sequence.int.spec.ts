// The rollup's sequencing side on a real Hardhat devnet (DESIGN §6, fork-5 semantics): sequenceBatches with the
// accInputHash chain the node computes (src/batch), forceBatch with its fee and event, the trusted sequencer
// consuming forced batches in order, sequenceForceBatches after the timeout — and every revert of each.
import { createRequire } from 'node:module';
import { concat, keccak256 as ethersKeccak, solidityPacked, Transaction, Wallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { accInputHash, type BatchTxInput, encodeBatchL2Data } from '../../src/batch/index.ts';
import {
  decodeForceBatchCalldata,
  decodeSequenceBatchesCalldata,
  decodeSequenceForceBatchesCalldata,
  encodeApprove,
  encodeForceBatch,
  encodeSequenceBatches,
  encodeSequenceForceBatches,
  feeTokenInterface,
  globalExitRootInterface,
  L1_TOPICS,
  rollupInterface,
  type SequenceBatchData,
} from '../../src/l1/index.ts';
import { type Address, bytesToHex, type Hash, type Hex } from '../../src/primitives/index.ts';
import {
  ACCOUNTS,
  BATCH_FEE,
  DEPLOYER,
  FORCE_BATCH_TIMEOUT,
  GENESIS_ROOT,
  type L1Harness,
  SEQUENCER,
  startL1Contracts,
  type TestAccount,
  ZERO_HASH,
} from '../support/l1-contracts.ts';

const USER = ACCOUNTS[5]!;
const OTHER = ACCOUNTS[6]!;
const COINBASE = DEPLOYER.address; // the dev L2 coinbase (DESIGN §6)
const l2Signer = new Wallet(ACCOUNTS[7]!.privateKey);

let l1: L1Harness;
let rollup: Address;
let token: Address;
let ger: Address;

/** Real batchL2Data: `count` transfers signed for L2 chain 1001, starting at `nonce`. */
function batchData(nonce: number, count = 1): Hex {
  const txs: BatchTxInput[] = [];
  for (let i = 0; i < count; i++) {
    const tx = Transaction.from({
      type: 0,
      chainId: 1001n,
      nonce: nonce + i,
      gasPrice: 1_000_000_000n,
      gasLimit: 21_000n,
      to: OTHER.address,
      value: 1n,
      data: '0x',
    });
    tx.signature = l2Signer.signingKey.sign(tx.unsignedHash);
    const sig = tx.signature!;
    txs.push({
      nonce: BigInt(nonce + i),
      gasPrice: 1_000_000_000n,
      gas: 21_000n,
      to: OTHER.address,
      value: 1n,
      data: '0x',
      chainId: 1001n,
      v: 1001n * 2n + 35n + BigInt(sig.yParity),
      r: BigInt(sig.r),
      s: BigInt(sig.s),
    });
  }
  return bytesToHex(encodeBatchL2Data(txs));
}

const rollupView = async (fn: string, args: unknown[] = []) =>
  (await l1.view(rollupInterface, rollup, fn, args))[0];

async function sequenced(n: bigint) {
  const r = await l1.view(rollupInterface, rollup, 'sequencedBatches', [n]);
  return {
    accInputHash: (r[0] as string).toLowerCase() as Hash,
    sequencedTimestamp: r[1] as bigint,
    previousLastBatchSequenced: r[2] as bigint,
  };
}

/** The node's accInputHash chain over `batches` from `old`. */
function chain(old: Hash, batches: readonly SequenceBatchData[], coinbase: Address): Hash {
  let acc = old;
  for (const b of batches) {
    acc = accInputHash({
      oldAccInputHash: acc,
      batchL2Data: b.transactions,
      globalExitRoot: b.globalExitRoot,
      timestamp: b.timestamp,
      coinbase,
    });
  }
  return acc;
}

/** Funds `who` with fee tokens and approves the rollup for `allowance`. */
async function fund(who: TestAccount, amount: bigint, allowance: bigint) {
  await l1.send(DEPLOYER, token, feeTokenInterface.encodeFunctionData('mint', [who.address, amount]) as Hex);
  await l1.send(who, token, encodeApprove(rollup, allowance));
}

/** Forces a batch from USER; returns what sequencing it needs. */
async function force(transactions: Hex) {
  const lastGer = (
    (await l1.view(globalExitRootInterface, ger, 'getLastGlobalExitRoot'))[0] as string
  ).toLowerCase();
  const receipt = await l1.send(USER, rollup, encodeForceBatch(transactions, BATCH_FEE));
  const timestamp = await l1.blockTimestamp(receipt.blockNumber);
  return { receipt, transactions, globalExitRoot: lastGer as Hash, minForcedTimestamp: timestamp };
}

const balance = async (who: Address) =>
  (await l1.view(feeTokenInterface, token, 'balanceOf', [who]))[0] as bigint;

test.before(async () => {
  l1 = await startL1Contracts();
  ({ rollup, feeToken: token, globalExitRootManager: ger } = l1.deployment);
});

test.after(async () => {
  await l1?.stop();
});

test('the deployed rollup reports its configuration through the fork-5 views', async () => {
  assert.is(((await rollupView('trustedSequencer')) as string).toLowerCase(), SEQUENCER.address);
  assert.is(((await rollupView('trustedAggregator')) as string).toLowerCase(), ACCOUNTS[2]!.address);
  assert.is(await rollupView('chainID'), 1001n);
  assert.is(await rollupView('forkID'), 5n);
  assert.is(await rollupView('lastBatchSequenced'), 0n);
  assert.is(await rollupView('lastVerifiedBatch'), 0n);
  assert.is(await rollupView('lastForceBatch'), 0n);
  assert.is(await rollupView('lastForceBatchSequenced'), 0n);
  assert.is(await rollupView('getForcedBatchFee'), BATCH_FEE);
  assert.is(await rollupView('forceBatchTimeout'), FORCE_BATCH_TIMEOUT);
  assert.is(((await rollupView('batchNumToStateRoot', [0n])) as string).toLowerCase(), GENESIS_ROOT);
  assert.is(((await rollupView('feeToken')) as string).toLowerCase(), token);
  assert.is(((await rollupView('globalExitRootManager')) as string).toLowerCase(), ger);
  assert.is(((await rollupView('rollupVerifier')) as string).toLowerCase(), l1.deployment.verifier);
  assert.is(await rollupView('deploymentBlockNumber'), l1.deployment.deploymentBlock);
  assert.is((await sequenced(0n)).accInputHash, ZERO_HASH);
});

test('sequenceBatches: two sequences extend the accInputHash chain exactly as src/batch computes it', () =>
  l1.isolated(async () => {
    // A known GER: the bridge (the deployer on the dev L1) sets a mainnet exit root.
    const mainnetExitRoot = `0x${'5e'.repeat(32)}` as Hash;
    await l1.send(
      DEPLOYER,
      ger,
      globalExitRootInterface.encodeFunctionData('updateExitRoot', [mainnetExitRoot]) as Hex,
    );
    const knownGer = (
      (await l1.view(globalExitRootInterface, ger, 'getLastGlobalExitRoot'))[0] as string
    ).toLowerCase() as Hash;
    const { timestamp: t } = await l1.head();
    const first: SequenceBatchData[] = [
      {
        transactions: batchData(0, 2),
        globalExitRoot: ZERO_HASH,
        timestamp: t - 10n,
        minForcedTimestamp: 0n,
      },
      { transactions: batchData(2), globalExitRoot: knownGer, timestamp: t - 10n, minForcedTimestamp: 0n },
      { transactions: '0x', globalExitRoot: ZERO_HASH, timestamp: t, minForcedTimestamp: 0n },
    ];
    const data = encodeSequenceBatches(first, COINBASE);
    assert.is(data.slice(0, 10), '0x5e9145c9');
    const r1 = await l1.send(SEQUENCER, rollup, data);
    const acc3 = chain(ZERO_HASH, first, COINBASE);
    const s3 = await sequenced(3n);
    assert.is(s3.accInputHash, acc3, 'the contract and the node agree on the accInputHash');
    assert.is(s3.sequencedTimestamp, await l1.blockTimestamp(r1.blockNumber));
    assert.is(s3.previousLastBatchSequenced, 0n);
    assert.is((await sequenced(1n)).accInputHash, ZERO_HASH, 'only the last batch of a sequence is stored');
    assert.is(await rollupView('lastBatchSequenced'), 3n);
    assert.is(await rollupView('lastTimestamp'), t);
    assert.equal(l1.events(r1), [{ type: 'SequenceBatches', numBatch: 3n }]);
    assert.is(r1.logs[0]!.topics[0], L1_TOPICS.SequenceBatches);
    const tx = await l1.rpc<{ input: Hex }>('eth_getTransactionByHash', [r1.transactionHash]);
    assert.equal(decodeSequenceBatchesCalldata(tx.input), { batches: first, l2Coinbase: COINBASE });

    const { timestamp: t2 } = await l1.head();
    const second: SequenceBatchData[] = [
      { transactions: batchData(3, 3), globalExitRoot: knownGer, timestamp: t, minForcedTimestamp: 0n },
      { transactions: batchData(6), globalExitRoot: ZERO_HASH, timestamp: t2, minForcedTimestamp: 0n },
    ];
    const r2 = await l1.send(SEQUENCER, rollup, encodeSequenceBatches(second, OTHER.address));
    const s5 = await sequenced(5n);
    assert.is(s5.accInputHash, chain(acc3, second, OTHER.address), 'the coinbase is part of the hash');
    assert.is.not(s5.accInputHash, chain(acc3, second, COINBASE));
    assert.is(s5.previousLastBatchSequenced, 3n);
    assert.equal(l1.events(r2), [{ type: 'SequenceBatches', numBatch: 5n }]);
  }));

test('sequenceBatches reverts: not the trusted sequencer, no batches, too many, unknown GER, bad timestamps, too long', () =>
  l1.isolated(async () => {
    const { timestamp: t } = await l1.head();
    const ok: SequenceBatchData = {
      transactions: batchData(0),
      globalExitRoot: ZERO_HASH,
      timestamp: t,
      minForcedTimestamp: 0n,
    };
    const seq = (batches: SequenceBatchData[], from = SEQUENCER) =>
      l1.reverts(from, rollup, encodeSequenceBatches(batches, COINBASE));
    assert.is((await seq([ok], USER)).name, 'OnlyTrustedSequencer');
    assert.is((await seq([ok], DEPLOYER)).name, 'OnlyTrustedSequencer', 'not even the admin');
    assert.is((await seq([])).name, 'SequenceZeroBatches');
    const many = Array.from({ length: 1001 }, () => ({ ...ok, transactions: '0x' as Hex }));
    assert.is((await seq(many)).name, 'ExceedMaxVerifyBatches');
    assert.is(
      (await seq([{ ...ok, globalExitRoot: `0x${'77'.repeat(32)}` as Hash }])).name,
      'GlobalExitRootNotExist',
    );
    const { timestamp: now } = await l1.head();
    assert.is(
      (await seq([{ ...ok, timestamp: now + 1000n }])).name,
      'SequencedTimestampInvalid',
      'a timestamp after the L1 block',
    );
    assert.is(
      (
        await seq([
          { ...ok, timestamp: now },
          { ...ok, timestamp: now - 1n },
        ])
      ).name,
      'SequencedTimestampInvalid',
      'a timestamp below the previous batch in the same call',
    );
    const tooLong = `0x${'00'.repeat(120_001)}` as Hex;
    assert.is((await seq([{ ...ok, transactions: tooLong }])).name, 'TransactionsLengthAboveMax');
    // Exactly the maximum is accepted; then a batch older than the last sequenced one is refused.
    await l1.send(
      SEQUENCER,
      rollup,
      encodeSequenceBatches([{ ...ok, transactions: `0x${'00'.repeat(120_000)}` }], COINBASE),
    );
    assert.is(await rollupView('lastBatchSequenced'), 1n);
    assert.is(
      (await seq([{ ...ok, timestamp: t - 1n }])).name,
      'SequencedTimestampInvalid',
      'older than the last batch',
    );
    assert.is(await rollupView('lastBatchSequenced'), 1n, 'reverted calls changed nothing');
  }));

test('forceBatch: takes exactly the fee, stores the forced-batch hash and emits ForceBatch; reverts when underpaid', () =>
  l1.isolated(async () => {
    const txs = batchData(0, 2);
    assert.is(
      (await l1.reverts(USER, rollup, encodeForceBatch(txs, BATCH_FEE))).name,
      'InsufficientAllowance',
      'not approved (the fee token error bubbles up)',
    );
    await l1.send(USER, token, encodeApprove(rollup, 5n * BATCH_FEE));
    assert.is((await l1.reverts(USER, rollup, encodeForceBatch(txs, BATCH_FEE))).name, 'InsufficientBalance');
    await fund(USER, 10n * BATCH_FEE, 5n * BATCH_FEE);
    assert.is(
      (await l1.reverts(USER, rollup, encodeForceBatch(txs, BATCH_FEE - 1n))).name,
      'NotEnoughMaticAmount',
    );
    const tooLong = `0x${'00'.repeat(5001)}` as Hex;
    assert.is(
      (await l1.reverts(USER, rollup, encodeForceBatch(tooLong, BATCH_FEE))).name,
      'TransactionsLengthAboveMax',
    );

    const lastGer = (
      (await l1.view(globalExitRootInterface, ger, 'getLastGlobalExitRoot'))[0] as string
    ).toLowerCase();
    const receipt = await l1.send(USER, rollup, encodeForceBatch(txs, 3n * BATCH_FEE));
    const ts = await l1.blockTimestamp(receipt.blockNumber);
    assert.is(await balance(USER.address), 9n * BATCH_FEE, 'the fee, not the offered amount');
    assert.is(await balance(rollup), BATCH_FEE);
    assert.is(await rollupView('lastForceBatch'), 1n);
    const expected = ethersKeccak(
      solidityPacked(['bytes32', 'bytes32', 'uint64'], [ethersKeccak(txs), lastGer, ts]),
    );
    assert.is(((await rollupView('forcedBatches', [1n])) as string).toLowerCase(), expected);
    assert.equal(l1.events(receipt), [
      {
        type: 'ForceBatch',
        forceBatchNum: 1n,
        lastGlobalExitRoot: lastGer as Hash,
        sequencer: USER.address,
        transactions: '0x',
      },
    ]);
    const tx = await l1.rpc<{ input: Hex }>('eth_getTransactionByHash', [receipt.transactionHash]);
    assert.equal(
      decodeForceBatchCalldata(tx.input),
      { transactions: txs, feeAmount: 3n * BATCH_FEE },
      'an EOA: the data is in the calldata',
    );
  }));

test('forceBatch from a contract carries the transactions in the event', () =>
  l1.isolated(async () => {
    // A forwarder contract, compiled here: the caller of forceBatch is then not tx.origin.
    const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string };
    const source = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;
contract Forwarder {
    function forward(address target, bytes calldata data) external {
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) assembly { revert(add(ret, 32), mload(ret)) }
    }
}`;
    const out = JSON.parse(
      solc.compile(
        JSON.stringify({
          language: 'Solidity',
          sources: { 'Forwarder.sol': { content: source } },
          settings: { evmVersion: 'paris', outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
        }),
      ),
    ) as { contracts: Record<string, Record<string, { evm: { bytecode: { object: string } } }>> };
    const bytecode = `0x${out.contracts['Forwarder.sol']!['Forwarder']!.evm.bytecode.object}`;
    const created = await l1.rpc<string>('eth_sendTransaction', [
      { from: USER.address, data: bytecode, gas: '0x2dc6c0' },
    ]);
    const forwarder = (
      await l1.rpc<{ contractAddress: string }>('eth_getTransactionReceipt', [created])
    ).contractAddress.toLowerCase() as Address;
    const { Interface } = await import('ethers');
    const fwd = new Interface(['function forward(address target, bytes data)']);
    await l1.send(
      DEPLOYER,
      token,
      feeTokenInterface.encodeFunctionData('mint', [forwarder, BATCH_FEE]) as Hex,
    );
    await l1.send(
      USER,
      forwarder,
      fwd.encodeFunctionData('forward', [token, encodeApprove(rollup, BATCH_FEE)]) as Hex,
    );
    const txs = batchData(0);
    const receipt = await l1.send(
      USER,
      forwarder,
      fwd.encodeFunctionData('forward', [rollup, encodeForceBatch(txs, BATCH_FEE)]) as Hex,
    );
    const [event] = l1.events(receipt);
    assert.is(event?.type, 'ForceBatch');
    if (event?.type !== 'ForceBatch') return;
    assert.is(event.sequencer, forwarder);
    assert.is(event.transactions, txs);
  }));

test('the trusted sequencer includes forced batches in order, with their GER and a timestamp ≥ theirs', () =>
  l1.isolated(async () => {
    await fund(USER, 10n * BATCH_FEE, 10n * BATCH_FEE);
    const f1 = await force(batchData(0));
    const f2 = await force(batchData(1, 2));
    assert.is(await rollupView('lastForceBatch'), 2n);
    const { timestamp: now } = await l1.head();
    const asBatch = (f: typeof f1, timestamp = f.minForcedTimestamp): SequenceBatchData => ({
      transactions: f.transactions,
      globalExitRoot: f.globalExitRoot,
      timestamp,
      minForcedTimestamp: f.minForcedTimestamp,
    });
    const seq = (batches: SequenceBatchData[]) =>
      l1.reverts(SEQUENCER, rollup, encodeSequenceBatches(batches, COINBASE));
    assert.is(
      (await seq([asBatch(f2)])).name,
      'ForcedDataDoesNotMatch',
      'the second forced batch before the first',
    );
    assert.is(
      (await seq([{ ...asBatch(f1), transactions: batchData(9) }])).name,
      'ForcedDataDoesNotMatch',
      'other transactions',
    );
    assert.is(
      (await seq([{ ...asBatch(f1), globalExitRoot: ZERO_HASH }])).name,
      'ForcedDataDoesNotMatch',
      'another GER',
    );
    assert.is(
      (await seq([{ ...asBatch(f1), minForcedTimestamp: f1.minForcedTimestamp + 1n, timestamp: now }])).name,
      'ForcedDataDoesNotMatch',
      'another forced timestamp',
    );
    assert.is(
      (await seq([asBatch(f1, f1.minForcedTimestamp - 1n)])).name,
      'SequencedTimestampBelowForcedTimestamp',
    );
    const batches: SequenceBatchData[] = [
      {
        transactions: batchData(5),
        globalExitRoot: ZERO_HASH,
        timestamp: f1.minForcedTimestamp - 5n,
        minForcedTimestamp: 0n,
      },
      asBatch(f1),
      asBatch(f2, now),
    ];
    const r = await l1.send(SEQUENCER, rollup, encodeSequenceBatches(batches, COINBASE));
    assert.is((await sequenced(3n)).accInputHash, chain(ZERO_HASH, batches, COINBASE));
    assert.is(await rollupView('lastForceBatchSequenced'), 2n);
    assert.is(await rollupView('forcedBatches', [1n]), ZERO_HASH, 'consumed forced batches are deleted');
    assert.is(await rollupView('forcedBatches', [2n]), ZERO_HASH);
    assert.equal(l1.events(r), [{ type: 'SequenceBatches', numBatch: 3n }]);
    assert.is(
      (await seq([{ ...asBatch(f1), timestamp: now }])).name,
      'ForcedDataDoesNotMatch',
      'no forced batch left to consume',
    );
  }));

test('sequenceForceBatches: anyone, in order, only after the force timeout; block time and sender in the hash', () =>
  l1.isolated(async () => {
    await fund(USER, 10n * BATCH_FEE, 10n * BATCH_FEE);
    // Sequence one normal batch first so the forced ones chain from a non-zero accInputHash.
    const { timestamp: t } = await l1.head();
    await l1.send(
      SEQUENCER,
      rollup,
      encodeSequenceBatches(
        [{ transactions: batchData(0), globalExitRoot: ZERO_HASH, timestamp: t, minForcedTimestamp: 0n }],
        COINBASE,
      ),
    );
    const acc1 = (await sequenced(1n)).accInputHash;
    const f1 = await force(batchData(1));
    const f2 = await force(batchData(2));
    const data = (fs: (typeof f1)[]) =>
      encodeSequenceForceBatches(
        fs.map((f) => ({
          transactions: f.transactions,
          globalExitRoot: f.globalExitRoot,
          minForcedTimestamp: f.minForcedTimestamp,
        })),
      );
    assert.is(data([f1]).slice(0, 10), '0xd8d1091b');
    assert.is((await l1.reverts(OTHER, rollup, data([f1]))).name, 'ForceBatchTimeoutNotExpired');
    assert.is((await l1.reverts(OTHER, rollup, data([]))).name, 'SequenceZeroBatches');
    assert.is(
      (await l1.reverts(OTHER, rollup, data([f1, f2, f1]))).name,
      'ForceBatchesOverflow',
      'more than were forced',
    );

    await l1.increaseTime(FORCE_BATCH_TIMEOUT);
    assert.is((await l1.reverts(OTHER, rollup, data([f2]))).name, 'ForcedDataDoesNotMatch', 'out of order');
    assert.is(
      (await l1.reverts(OTHER, rollup, data([{ ...f1, transactions: batchData(3) }]))).name,
      'ForcedDataDoesNotMatch',
      'other transactions',
    );
    const r = await l1.send(OTHER, rollup, data([f1, f2]));
    const blockTime = await l1.blockTimestamp(r.blockNumber);
    const expected = chain(
      acc1,
      [f1, f2].map((f) => ({
        transactions: f.transactions,
        globalExitRoot: f.globalExitRoot,
        timestamp: blockTime,
        minForcedTimestamp: 0n,
      })),
      OTHER.address,
    );
    const s3 = await sequenced(3n);
    assert.is(s3.accInputHash, expected, 'timestamp = block.timestamp, coinbase = msg.sender');
    assert.is(s3.previousLastBatchSequenced, 1n);
    assert.is(await rollupView('lastBatchSequenced'), 3n);
    assert.is(await rollupView('lastForceBatchSequenced'), 2n);
    assert.is(await rollupView('lastTimestamp'), blockTime);
    assert.equal(l1.events(r), [{ type: 'SequenceForceBatches', numBatch: 3n }]);
    assert.is(r.logs[0]!.topics[0], L1_TOPICS.SequenceForceBatches);
    const tx = await l1.rpc<{ input: Hex }>('eth_getTransactionByHash', [r.transactionHash]);
    assert.equal(
      decodeSequenceForceBatchesCalldata(tx.input),
      [f1, f2].map((f) => ({
        transactions: f.transactions,
        globalExitRoot: f.globalExitRoot,
        minForcedTimestamp: f.minForcedTimestamp,
      })),
    );
    assert.is(
      (await l1.reverts(OTHER, rollup, data([f1]))).name,
      'ForceBatchesOverflow',
      'nothing left to sequence',
    );
  }));

test('the fee token: transfer, approve, transferFrom (infinite allowance kept), mint only by the minter', () =>
  l1.isolated(async () => {
    const t = (fn: string, args: unknown[]) => feeTokenInterface.encodeFunctionData(fn, args) as Hex;
    assert.is((await l1.reverts(USER, token, t('mint', [USER.address, 1n]))).name, 'OnlyMinter');
    const minted = await l1.send(DEPLOYER, token, t('mint', [USER.address, 100n]));
    assert.is(
      minted.logs[0]!.topics[0],
      ethersKeccak(concat([new TextEncoder().encode('Transfer(address,address,uint256)')])),
    );
    assert.is(
      (await l1.view(feeTokenInterface, token, 'totalSupply'))[0],
      10n ** 24n + 100n,
      'the deployment minted 1e6 tokens',
    );
    await l1.send(USER, token, t('transfer', [OTHER.address, 30n]));
    assert.is(await balance(USER.address), 70n);
    assert.is(await balance(OTHER.address), 30n);
    assert.is(
      (await l1.reverts(USER, token, t('transfer', [OTHER.address, 71n]))).name,
      'InsufficientBalance',
    );
    assert.is(
      (await l1.reverts(USER, token, t('transfer', [`0x${'00'.repeat(20)}`, 1n]))).name,
      'InvalidReceiver',
    );
    await l1.send(USER, token, t('approve', [OTHER.address, 50n]));
    await l1.send(OTHER, token, t('transferFrom', [USER.address, OTHER.address, 20n]));
    assert.is((await l1.view(feeTokenInterface, token, 'allowance', [USER.address, OTHER.address]))[0], 30n);
    assert.is(
      (await l1.reverts(OTHER, token, t('transferFrom', [USER.address, OTHER.address, 31n]))).name,
      'InsufficientAllowance',
    );
    const max = (1n << 256n) - 1n;
    await l1.send(USER, token, t('approve', [OTHER.address, max]));
    await l1.send(OTHER, token, t('transferFrom', [USER.address, OTHER.address, 10n]));
    assert.is((await l1.view(feeTokenInterface, token, 'allowance', [USER.address, OTHER.address]))[0], max);
    assert.is(await balance(USER.address), 40n);
    assert.is((await l1.view(feeTokenInterface, token, 'decimals'))[0], 18n);
  }));

test.run();
