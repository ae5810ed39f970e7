// Verification on a real Hardhat devnet: verifyBatchesTrustedAggregator with an attestation signed by the prover
// key (#4) over the public-inputs hash computed here in TypeScript (fork-5 formula), every revert; the
// attestation verifier's registry; the GER manager; the admin setters; the deterministic deployment.
import { getCreateAddress, solidityPackedKeccak256 } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  deployL1Contracts,
  encodeSequenceBatches,
  encodeVerifyBatches,
  globalExitRootInterface,
  L1_TOPICS,
  L1DeploymentError,
  predictL1ContractAddresses,
  publicInputsBytes,
  publicInputsHash,
  rollupInterface,
  signAttestation,
  verifierInterface,
} from '../../src/l1/index.ts';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import {
  ACCOUNTS,
  AGGREGATOR,
  BATCH_FEE,
  DEPLOYER,
  FORCE_BATCH_TIMEOUT,
  GENESIS_ROOT,
  type L1Harness,
  PROVER,
  SEQUENCER,
  startL1Contracts,
  type TestAccount,
  ZERO_HASH,
} from '../support/l1-contracts.ts';

const USER = ACCOUNTS[5]!;
const OTHER_PROVER = ACCOUNTS[6]!;

let l1: L1Harness;
let rollup: Address;
let ger: Address;
let verifier: Address;

const word = (byte: string) => `0x${byte.repeat(32)}` as Hash;
const rollupView = async (fn: string, args: unknown[] = []) =>
  (await l1.view(rollupInterface, rollup, fn, args))[0];
const accOf = async (n: bigint) =>
  ((await l1.view(rollupInterface, rollup, 'sequencedBatches', [n]))[0] as string).toLowerCase() as Hash;

/** Sequences `count` empty-data batches as one sequence. */
async function sequence(count: number) {
  const { timestamp } = await l1.head();
  const batches = Array.from({ length: count }, (_, i) => ({
    transactions: `0x0${i}` as Hex,
    globalExitRoot: ZERO_HASH,
    timestamp,
    minForcedTimestamp: 0n,
  }));
  await l1.send(SEQUENCER, rollup, encodeSequenceBatches(batches, DEPLOYER.address));
}

type Claim = {
  initNumBatch: bigint;
  finalNewBatch: bigint;
  oldStateRoot: Hash;
  newStateRoot: Hash;
  newLocalExitRoot: Hash;
};

/** The public-inputs hash of `claim` as the aggregator and the prover compute it (no contract call). */
async function inputsHash(claim: Claim, aggregator: Address = AGGREGATOR.address) {
  return publicInputsHash({
    aggregator,
    oldStateRoot: claim.oldStateRoot,
    oldAccInputHash: claim.initNumBatch === 0n ? ZERO_HASH : await accOf(claim.initNumBatch),
    initNumBatch: claim.initNumBatch,
    chainId: 1001n,
    forkId: 5n,
    newStateRoot: claim.newStateRoot,
    newAccInputHash: await accOf(claim.finalNewBatch),
    newLocalExitRoot: claim.newLocalExitRoot,
    finalNewBatch: claim.finalNewBatch,
  });
}

const verifyData = (claim: Claim, proof: readonly Hash[], pendingStateNum = 0n) =>
  encodeVerifyBatches({
    pendingStateNum,
    initNumBatch: claim.initNumBatch,
    finalNewBatch: claim.finalNewBatch,
    newLocalExitRoot: claim.newLocalExitRoot,
    newStateRoot: claim.newStateRoot,
    proof,
  });

test.before(async () => {
  l1 = await startL1Contracts();
  ({ rollup, globalExitRootManager: ger, verifier } = l1.deployment);
});

test.after(async () => {
  await l1?.stop();
});

test('verifyBatchesTrustedAggregator: an attestation by the prover key over the TS public-inputs hash is accepted', () =>
  l1.isolated(async () => {
    await sequence(2); // batches 1–2
    await sequence(1); // batch 3
    const claim: Claim = {
      initNumBatch: 0n,
      finalNewBatch: 2n,
      oldStateRoot: GENESIS_ROOT,
      newStateRoot: word('b2'),
      newLocalExitRoot: word('1e'),
    };
    const expectedBytes = publicInputsBytes({
      aggregator: AGGREGATOR.address,
      oldStateRoot: GENESIS_ROOT,
      oldAccInputHash: ZERO_HASH,
      initNumBatch: 0n,
      chainId: 1001n,
      forkId: 5n,
      newStateRoot: claim.newStateRoot,
      newAccInputHash: await accOf(2n),
      newLocalExitRoot: claim.newLocalExitRoot,
      finalNewBatch: 2n,
    });
    const onChain = await l1.view(
      rollupInterface,
      rollup,
      'getInputSnarkBytes',
      [0n, 2n, claim.newLocalExitRoot, GENESIS_ROOT, claim.newStateRoot],
      AGGREGATOR.address,
    );
    assert.is(
      (onChain[0] as string).toLowerCase(),
      expectedBytes,
      'the packed bytes agree with the contract',
    );

    const hash = await inputsHash(claim);
    const data = verifyData(claim, signAttestation(hash, PROVER.privateKey));
    assert.is(data.slice(0, 10), '0x2b0006fa');
    const r = await l1.send(AGGREGATOR, rollup, data);
    assert.is(await rollupView('lastVerifiedBatch'), 2n);
    assert.is(await rollupView('getLastVerifiedBatch'), 2n);
    assert.is(((await rollupView('batchNumToStateRoot', [2n])) as string).toLowerCase(), claim.newStateRoot);
    const events = l1.events(r);
    assert.equal(events, [
      { type: 'UpdateGlobalExitRoot', mainnetExitRoot: ZERO_HASH, rollupExitRoot: claim.newLocalExitRoot },
      {
        type: 'VerifyBatchesTrustedAggregator',
        numBatch: 2n,
        stateRoot: claim.newStateRoot,
        aggregator: AGGREGATOR.address,
      },
    ]);
    assert.ok(r.logs.some((l) => l.topics[0] === L1_TOPICS.VerifyBatchesTrustedAggregator));
    // The GER manager took the new rollup exit root.
    const g = (fn: string, args: unknown[] = []) => l1.view(globalExitRootInterface, ger, fn, args);
    assert.is(((await g('lastRollupExitRoot'))[0] as string).toLowerCase(), claim.newLocalExitRoot);
    const newGer = solidityPackedKeccak256(['bytes32', 'bytes32'], [ZERO_HASH, claim.newLocalExitRoot]);
    assert.is(((await g('getLastGlobalExitRoot'))[0] as string).toLowerCase(), newGer);
    assert.is((await g('globalExitRootMap', [newGer]))[0], await l1.blockTimestamp(r.blockNumber));

    // The next proof starts from the verified batch.
    const next: Claim = {
      initNumBatch: 2n,
      finalNewBatch: 3n,
      oldStateRoot: claim.newStateRoot,
      newStateRoot: word('b3'),
      newLocalExitRoot: claim.newLocalExitRoot,
    };
    const r2 = await l1.send(
      AGGREGATOR,
      rollup,
      verifyData(next, signAttestation(await inputsHash(next), PROVER.privateKey)),
    );
    assert.is(await rollupView('lastVerifiedBatch'), 3n);
    assert.equal(
      l1.events(r2),
      [
        {
          type: 'VerifyBatchesTrustedAggregator',
          numBatch: 3n,
          stateRoot: next.newStateRoot,
          aggregator: AGGREGATOR.address,
        },
      ],
      'an unchanged exit root adds no global exit root',
    );
  }));

test('verifyBatchesTrustedAggregator reverts: wrong sender, bad proofs, batches out of range', () =>
  l1.isolated(async () => {
    await sequence(2); // 1–2
    await sequence(1); // 3
    const claim: Claim = {
      initNumBatch: 0n,
      finalNewBatch: 2n,
      oldStateRoot: GENESIS_ROOT,
      newStateRoot: word('b2'),
      newLocalExitRoot: word('1e'),
    };
    const hash = await inputsHash(claim);
    const good = signAttestation(hash, PROVER.privateKey);
    const fails = async (data: Hex, from: TestAccount = AGGREGATOR) =>
      (await l1.reverts(from, rollup, data)).name;

    assert.is(await fails(verifyData(claim, good), USER), 'OnlyTrustedAggregator');
    assert.is(await fails(verifyData(claim, good), SEQUENCER), 'OnlyTrustedAggregator');
    assert.is(await fails(verifyData(claim, good, 1n)), 'PendingStateDoesNotExist');
    assert.is(
      await fails(verifyData(claim, signAttestation(hash, OTHER_PROVER.privateKey))),
      'InvalidProof',
      'unregistered signer',
    );
    assert.is(
      await fails(verifyData({ ...claim, newStateRoot: word('bb') }, good)),
      'InvalidProof',
      'a state root other than the attested one',
    );
    assert.is(
      await fails(verifyData({ ...claim, newLocalExitRoot: word('ee') }, good)),
      'InvalidProof',
      'an exit root other than the attested one',
    );
    assert.is(
      await fails(
        verifyData(claim, signAttestation(await inputsHash(claim, USER.address), PROVER.privateKey)),
      ),
      'InvalidProof',
      'attested for another aggregator',
    );
    const tampered = [...good];
    tampered[3] = word('01');
    assert.is(await fails(verifyData(claim, tampered)), 'InvalidProof', 'a non-zero word after v');
    const badV = [...good];
    badV[2] = `0x${'00'.repeat(31)}1d` as Hash;
    assert.is(await fails(verifyData(claim, badV)), 'InvalidProof', 'v = 29');
    assert.is(
      await fails(
        verifyData(
          claim,
          Array.from({ length: 24 }, () => ZERO_HASH),
        ),
      ),
      'InvalidProof',
      'an empty proof',
    );

    assert.is(
      await fails(verifyData({ ...claim, finalNewBatch: 4n }, good)),
      'NewAccInputHashDoesNotExist',
      'finalNewBatch beyond the last sequenced batch',
    );
    assert.is(
      await fails(verifyData({ ...claim, finalNewBatch: 1n }, good)),
      'NewAccInputHashDoesNotExist',
      'finalNewBatch inside a sequence',
    );
    assert.is(
      await fails(verifyData({ ...claim, initNumBatch: 2n, finalNewBatch: 3n }, good)),
      'OldStateRootDoesNotExist',
      'initNumBatch not verified yet',
    );
    assert.is(
      await fails(verifyData({ ...claim, finalNewBatch: 0n }, good)),
      'FinalNumBatchBelowLastVerifiedBatch',
    );

    await l1.send(AGGREGATOR, rollup, verifyData(claim, good));
    assert.is(await fails(verifyData(claim, good)), 'FinalNumBatchBelowLastVerifiedBatch', 'a replay');
    assert.is(
      await fails(verifyData({ ...claim, initNumBatch: 1n, finalNewBatch: 3n }, good)),
      'OldStateRootDoesNotExist',
      'initNumBatch that is not a verified batch',
    );
    assert.is(await rollupView('lastVerifiedBatch'), 2n, 'reverted calls changed nothing');
  }));

test('the attestation verifier: the owner alone adds and removes prover keys; verifyProof follows the registry', () =>
  l1.isolated(async () => {
    const v = (fn: string, args: unknown[]) => verifierInterface.encodeFunctionData(fn, args) as Hex;
    const isProver = async (a: Address) => (await l1.view(verifierInterface, verifier, 'isProver', [a]))[0];
    const signal = word('3c');
    const verify = async (proof: Hash[]) =>
      (await l1.view(verifierInterface, verifier, 'verifyProof', [proof, [BigInt(signal)]]))[0];
    const byProver = signAttestation(signal, PROVER.privateKey);
    const byOther = signAttestation(signal, OTHER_PROVER.privateKey);

    assert.is(
      ((await l1.view(verifierInterface, verifier, 'owner'))[0] as string).toLowerCase(),
      DEPLOYER.address,
    );
    assert.is(await isProver(PROVER.address), true, 'registered by the deployment');
    assert.is((await l1.view(verifierInterface, verifier, 'proverCount'))[0], 1n);
    assert.is(await verify(byProver), true);
    assert.is(await verify(byOther), false);
    assert.is(
      (
        (
          await l1.view(verifierInterface, verifier, 'attestationSigner', [byOther, BigInt(signal)])
        )[0] as string
      ).toLowerCase(),
      OTHER_PROVER.address,
    );

    assert.is((await l1.reverts(USER, verifier, v('addProver', [OTHER_PROVER.address]))).name, 'OnlyOwner');
    assert.is((await l1.reverts(PROVER, verifier, v('removeProver', [PROVER.address]))).name, 'OnlyOwner');
    assert.is(
      (await l1.reverts(DEPLOYER, verifier, v('addProver', [`0x${'00'.repeat(20)}`]))).name,
      'InvalidProverAddress',
    );
    const dup = await l1.reverts(DEPLOYER, verifier, v('addProver', [PROVER.address]));
    assert.is(dup.name, 'ProverAlreadyRegistered');
    assert.is((dup.args[0] as string).toLowerCase(), PROVER.address);
    assert.is(
      (await l1.reverts(DEPLOYER, verifier, v('removeProver', [USER.address]))).name,
      'ProverNotRegistered',
    );

    const added = await l1.send(DEPLOYER, verifier, v('addProver', [OTHER_PROVER.address]));
    assert.is(added.logs[0]!.topics[0], verifierInterface.getEvent('ProverAdded')!.topicHash);
    assert.is(await isProver(OTHER_PROVER.address), true);
    assert.is(await verify(byOther), true);
    await l1.send(DEPLOYER, verifier, v('removeProver', [PROVER.address]));
    assert.is(await isProver(PROVER.address), false);
    assert.is(await verify(byProver), false, 'a removed key no longer verifies');
    assert.is((await l1.view(verifierInterface, verifier, 'proverCount'))[0], 1n);

    // The rollup follows the registry: a proof by the removed key is refused.
    await sequence(1);
    const claim: Claim = {
      initNumBatch: 0n,
      finalNewBatch: 1n,
      oldStateRoot: GENESIS_ROOT,
      newStateRoot: word('c1'),
      newLocalExitRoot: ZERO_HASH,
    };
    const h = await inputsHash(claim);
    assert.is(
      (await l1.reverts(AGGREGATOR, rollup, verifyData(claim, signAttestation(h, PROVER.privateKey)))).name,
      'InvalidProof',
    );
    await l1.send(AGGREGATOR, rollup, verifyData(claim, signAttestation(h, OTHER_PROVER.privateKey)));

    await l1.send(DEPLOYER, verifier, v('transferOwnership', [USER.address]));
    assert.is((await l1.reverts(DEPLOYER, verifier, v('addProver', [PROVER.address]))).name, 'OnlyOwner');
    await l1.send(USER, verifier, v('addProver', [PROVER.address]));
    assert.is(await isProver(PROVER.address), true);
  }));

test('the GER manager: the bridge sets the mainnet exit root, others are refused, a known GER is not re-announced', () =>
  l1.isolated(async () => {
    const g = (fn: string, args: unknown[] = []) => l1.view(globalExitRootInterface, ger, fn, args);
    const update = (root: Hash) =>
      globalExitRootInterface.encodeFunctionData('updateExitRoot', [root]) as Hex;
    assert.is(((await g('rollupAddress'))[0] as string).toLowerCase(), rollup);
    assert.is(((await g('bridgeAddress'))[0] as string).toLowerCase(), DEPLOYER.address);
    assert.is(
      ((await g('getLastGlobalExitRoot'))[0] as string).toLowerCase(),
      solidityPackedKeccak256(['bytes32', 'bytes32'], [ZERO_HASH, ZERO_HASH]),
    );
    assert.is((await l1.reverts(USER, ger, update(word('01')))).name, 'OnlyAllowedContracts');
    assert.is((await l1.reverts(SEQUENCER, ger, update(word('01')))).name, 'OnlyAllowedContracts');

    const root = word('5e');
    const r = await l1.send(DEPLOYER, ger, update(root));
    assert.equal(l1.events(r), [
      { type: 'UpdateGlobalExitRoot', mainnetExitRoot: root, rollupExitRoot: ZERO_HASH },
    ]);
    assert.equal(r.logs[0]!.topics, [L1_TOPICS.UpdateGlobalExitRoot, root, ZERO_HASH], 'both roots indexed');
    const newGer = solidityPackedKeccak256(['bytes32', 'bytes32'], [root, ZERO_HASH]);
    assert.is(((await g('lastMainnetExitRoot'))[0] as string).toLowerCase(), root);
    assert.is(((await g('getLastGlobalExitRoot'))[0] as string).toLowerCase(), newGer);
    const stamped = (await g('globalExitRootMap', [newGer]))[0];
    assert.is(stamped, await l1.blockTimestamp(r.blockNumber));

    await l1.increaseTime(5n);
    const again = await l1.send(DEPLOYER, ger, update(root));
    assert.equal(l1.events(again), [], 'the same GER is not announced twice');
    assert.is((await g('globalExitRootMap', [newGer]))[0], stamped, 'and keeps its first timestamp');

    // The rollup accepts a batch with the GER now known.
    const { timestamp } = await l1.head();
    await l1.send(
      SEQUENCER,
      rollup,
      encodeSequenceBatches(
        [{ transactions: '0x', globalExitRoot: newGer as Hash, timestamp, minForcedTimestamp: 0n }],
        DEPLOYER.address,
      ),
    );
    assert.is(await rollupView('lastBatchSequenced'), 1n);
  }));

test('the admin alone changes the trusted sequencer and aggregator', () =>
  l1.isolated(async () => {
    const set = (fn: string, a: Address) => rollupInterface.encodeFunctionData(fn, [a]) as Hex;
    assert.is(((await rollupView('admin')) as string).toLowerCase(), DEPLOYER.address);
    assert.is((await l1.reverts(USER, rollup, set('setTrustedSequencer', USER.address))).name, 'OnlyAdmin');
    assert.is(
      (await l1.reverts(SEQUENCER, rollup, set('setTrustedSequencer', USER.address))).name,
      'OnlyAdmin',
    );
    assert.is(
      (await l1.reverts(AGGREGATOR, rollup, set('setTrustedAggregator', USER.address))).name,
      'OnlyAdmin',
    );
    const r = await l1.send(DEPLOYER, rollup, set('setTrustedSequencer', USER.address));
    assert.is(r.logs[0]!.topics[0], rollupInterface.getEvent('SetTrustedSequencer')!.topicHash);
    assert.is(((await rollupView('trustedSequencer')) as string).toLowerCase(), USER.address);
    const { timestamp } = await l1.head();
    const batch = encodeSequenceBatches(
      [{ transactions: '0x', globalExitRoot: ZERO_HASH, timestamp, minForcedTimestamp: 0n }],
      DEPLOYER.address,
    );
    assert.is((await l1.reverts(SEQUENCER, rollup, batch)).name, 'OnlyTrustedSequencer');
    await l1.send(USER, rollup, batch);
    await l1.send(DEPLOYER, rollup, set('setTrustedAggregator', USER.address));
    assert.is(((await rollupView('trustedAggregator')) as string).toLowerCase(), USER.address);
  }));

test('deployment: deterministic addresses from the deployer nonces; found again instead of redeployed', async () => {
  const d = l1.deployment;
  assert.equal(
    {
      feeToken: d.feeToken,
      verifier: d.verifier,
      globalExitRootManager: d.globalExitRootManager,
      rollup: d.rollup,
    },
    predictL1ContractAddresses(DEPLOYER.address),
  );
  for (const [nonce, a] of [d.feeToken, d.verifier, d.globalExitRootManager, d.rollup].entries()) {
    assert.is(getCreateAddress({ from: DEPLOYER.address, nonce }).toLowerCase(), a);
  }
  // The well-known first CREATE addresses of account #0.
  assert.is(d.feeToken, '0x5fbdb2315678afecb367f032d93f642f64180aa3');
  assert.is(d.rollup, '0xcf7ed3acca5a467e9e704c703e8d87f634fb0fc9');
  assert.is(d.deployer, DEPLOYER.address);
  assert.is(d.l1ChainId, 1337n);
  assert.is(d.reused, false);
  const created = await l1.rpc<{ number: string }>('eth_getBlockByNumber', [
    `0x${d.deploymentBlock.toString(16)}`,
    false,
  ]);
  assert.ok(created, 'the deployment block exists');
  assert.is(
    await l1.rpc('eth_getCode', [d.rollup, `0x${(d.deploymentBlock - 1n).toString(16)}`]),
    '0x',
    'not before it',
  );
  assert.is.not(await l1.rpc('eth_getCode', [d.rollup, `0x${d.deploymentBlock.toString(16)}`]), '0x');

  const base = {
    url: l1.url,
    deployerKey: DEPLOYER.privateKey,
    sequencer: SEQUENCER.address,
    aggregator: AGGREGATOR.address,
    provers: [PROVER.address],
    genesisRoot: GENESIS_ROOT,
  };
  const nonceBefore = await l1.rpc<string>('eth_getTransactionCount', [DEPLOYER.address, 'latest']);
  const again = await deployL1Contracts(base);
  assert.equal(again, { ...d, reused: true });
  assert.is(
    await l1.rpc('eth_getTransactionCount', [DEPLOYER.address, 'latest']),
    nonceBefore,
    'nothing sent',
  );

  const refused = async (opts: Parameters<typeof deployL1Contracts>[0], match: RegExp) => {
    try {
      await deployL1Contracts(opts);
      assert.unreachable('must refuse');
    } catch (err) {
      assert.instance(err, L1DeploymentError);
      assert.match((err as Error).message, match);
    }
  };
  await refused({ ...base, genesisRoot: word('99') }, /genesis root/);
  await refused({ ...base, chainId: 1002n }, /chainID/);
  await refused({ ...base, provers: [OTHER_PROVER.address] }, /not registered/);
  // A deployer that already sent something else: its nonce-0..3 addresses hold no contracts.
  const busy = ACCOUNTS[8]!;
  await l1.send(busy, USER.address, '0x');
  await refused({ ...base, deployerKey: busy.privateKey }, /not all at their addresses/);
});

test('deployment found again: refused when the rollup trusts another sequencer or aggregator, or has another force timeout or fee', async () => {
  const base = {
    url: l1.url,
    deployerKey: DEPLOYER.privateKey,
    sequencer: SEQUENCER.address,
    aggregator: AGGREGATOR.address,
    provers: [PROVER.address],
    genesisRoot: GENESIS_ROOT,
  };
  const refused = async (opts: Parameters<typeof deployL1Contracts>[0], match: RegExp) => {
    try {
      await deployL1Contracts(opts);
      assert.unreachable('must refuse');
    } catch (err) {
      assert.instance(err, L1DeploymentError);
      assert.match(`${(err as Error).message} ${(err as L1DeploymentError).details}`, match);
    }
  };
  // A node configured with other keys than the rollup was deployed with: its sequences and verifications would
  // all revert (OnlyTrustedSequencer / OnlyTrustedAggregator).
  await refused({ ...base, sequencer: USER.address }, /trusted sequencer/);
  await refused({ ...base, aggregator: USER.address }, /trusted aggregator/);
  await refused({ ...base, forceBatchTimeout: FORCE_BATCH_TIMEOUT + 1n }, /forceBatchTimeout/);
  await refused({ ...base, batchFee: BATCH_FEE * 2n }, /fee/);
  const again = await deployL1Contracts({
    ...base,
    forceBatchTimeout: FORCE_BATCH_TIMEOUT,
    batchFee: BATCH_FEE,
  });
  assert.is(again.reused, true);
});

test.run();
