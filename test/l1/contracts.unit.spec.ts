// The L1 contract codecs without a chain: selectors and topics are keccak256 of the fork-5 signatures (and the
// spec's values), calldata agrees with viem's encoding of the same `as const` ABIs, logs and reverts decode, and
// the public-inputs hash and attestation follow the documented layout (checked against node:crypto and viem).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  concat,
  decodeEventLog,
  encodeAbiParameters,
  encodeErrorResult,
  encodeEventTopics,
  encodeFunctionData,
  encodePacked,
  keccak256,
  recoverAddress,
  toHex,
} from 'viem';
import {
  attestationVerifierAbi,
  decodeForceBatchCalldata,
  decodeL1Log,
  decodeL1Revert,
  decodeSequenceBatchesCalldata,
  decodeSequenceForceBatchesCalldata,
  decodeVerifyBatchesCalldata,
  encodeApprove,
  encodeForceBatch,
  encodeSequenceBatches,
  encodeSequenceForceBatches,
  encodeVerifyBatches,
  type ForcedBatchData,
  L1_SELECTORS,
  L1_TOPICS,
  L1ContractInputError,
  L1DecodeError,
  levitationFeeTokenAbi,
  levitationGlobalExitRootAbi,
  levitationZkEVMAbi,
  type PublicInputs,
  predictL1ContractAddresses,
  publicInputsBytes,
  publicInputsHash,
  recoverAttestationSigner,
  rollupInterface,
  type SequenceBatchData,
  signAttestation,
} from '../../src/l1/index.ts';
import { type Address, type Hash, type Hex, keccak256Hex } from '../../src/primitives/index.ts';
import { ACCOUNTS } from '../support/l1-contracts.ts';

const sig = (s: string) => keccak256Hex(new TextEncoder().encode(s));
const word = (byte: string) => `0x${byte.repeat(32)}` as Hash;
const COINBASE = ACCOUNTS[0]!.address;
const PROVER = ACCOUNTS[4]!;

const batches: SequenceBatchData[] = [
  {
    transactions: '0xdeadbeef',
    globalExitRoot: word('00'),
    timestamp: 1_700_000_000n,
    minForcedTimestamp: 0n,
  },
  {
    transactions: '0x',
    globalExitRoot: word('ab'),
    timestamp: 1_700_000_005n,
    minForcedTimestamp: 1_699_999_999n,
  },
];
const forced: ForcedBatchData[] = [
  { transactions: '0x0102', globalExitRoot: word('cd'), minForcedTimestamp: 42n },
];
const proof = Array.from({ length: 24 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}` as Hash);

// ---------------------------------------------------------------------------------------------------------------
const abi = suite('selectors and topics');

abi('selectors are keccak256 of the fork-5 signatures, as the spec lists them', () => {
  const signatures: Record<keyof typeof L1_SELECTORS, string> = {
    sequenceBatches: 'sequenceBatches((bytes,bytes32,uint64,uint64)[],address)',
    forceBatch: 'forceBatch(bytes,uint256)',
    sequenceForceBatches: 'sequenceForceBatches((bytes,bytes32,uint64)[])',
    verifyBatchesTrustedAggregator:
      'verifyBatchesTrustedAggregator(uint64,uint64,uint64,bytes32,bytes32,bytes32[24])',
    updateExitRoot: 'updateExitRoot(bytes32)',
    verifyProof: 'verifyProof(bytes32[24],uint256[1])',
  };
  for (const [name, signature] of Object.entries(signatures)) {
    assert.is(L1_SELECTORS[name as keyof typeof L1_SELECTORS], sig(signature).slice(0, 10), signature);
  }
  // zkevm-node-spec §5/§6: pre-etrog sequenceBatches 0x5e9145c9, forceBatch 0xeaeb077b.
  assert.is(L1_SELECTORS.sequenceBatches, '0x5e9145c9');
  assert.is(L1_SELECTORS.forceBatch, '0xeaeb077b');
  // The contract ABI has exactly these functions.
  for (const name of [
    'sequenceBatches',
    'forceBatch',
    'sequenceForceBatches',
    'verifyBatchesTrustedAggregator',
  ]) {
    assert.is(rollupInterface.getFunction(name)?.selector, L1_SELECTORS[name as keyof typeof L1_SELECTORS]);
  }
});

abi('topic0s are keccak256 of the event signatures, with the prefixes the spec lists', () => {
  const signatures: Record<keyof typeof L1_TOPICS, [string, string]> = {
    SequenceBatches: ['SequenceBatches(uint64)', '0x303446e6'],
    ForceBatch: ['ForceBatch(uint64,bytes32,address,bytes)', '0xf94bb37d'],
    SequenceForceBatches: ['SequenceForceBatches(uint64)', '0x648a61dd'],
    VerifyBatchesTrustedAggregator: ['VerifyBatchesTrustedAggregator(uint64,bytes32,address)', '0xcb339b57'],
    UpdateGlobalExitRoot: ['UpdateGlobalExitRoot(bytes32,bytes32)', '0x61014378'],
  };
  for (const [name, [signature, prefix]] of Object.entries(signatures)) {
    const topic = L1_TOPICS[name as keyof typeof L1_TOPICS];
    assert.is(topic, sig(signature), signature);
    assert.ok(topic.startsWith(prefix), `${signature} starts with ${prefix}`);
  }
  const events = [...levitationZkEVMAbi, ...levitationGlobalExitRootAbi].filter((e) => e.type === 'event');
  for (const name of Object.keys(L1_TOPICS)) {
    assert.ok(
      events.some((e) => 'name' in e && e.name === name),
      `${name} is in the ABI`,
    );
  }
});

// ---------------------------------------------------------------------------------------------------------------
const calldata = suite('calldata');

calldata(
  'sequenceBatches: viem encodes the same bytes from the as-const ABI; decoding gives the input back',
  () => {
    const ours = encodeSequenceBatches(batches, COINBASE);
    const viem = encodeFunctionData({
      abi: levitationZkEVMAbi,
      functionName: 'sequenceBatches',
      args: [batches, COINBASE],
    });
    assert.is(ours, viem);
    assert.equal(decodeSequenceBatchesCalldata(ours), { batches, l2Coinbase: COINBASE });
  },
);

calldata(
  'forceBatch, sequenceForceBatches, verifyBatchesTrustedAggregator and approve agree with viem and round-trip',
  () => {
    const fb = encodeForceBatch('0xc0ffee', 10n ** 18n);
    assert.is(
      fb,
      encodeFunctionData({
        abi: levitationZkEVMAbi,
        functionName: 'forceBatch',
        args: ['0xc0ffee', 10n ** 18n],
      }),
    );
    assert.equal(decodeForceBatchCalldata(fb), { transactions: '0xc0ffee', feeAmount: 10n ** 18n });

    const sfb = encodeSequenceForceBatches(forced);
    assert.is(
      sfb,
      encodeFunctionData({ abi: levitationZkEVMAbi, functionName: 'sequenceForceBatches', args: [forced] }),
    );
    assert.equal(decodeSequenceForceBatchesCalldata(sfb), forced);

    const params = {
      initNumBatch: 3n,
      finalNewBatch: 9n,
      newLocalExitRoot: word('1e'),
      newStateRoot: word('5a'),
      proof,
    };
    const vb = encodeVerifyBatches(params);
    assert.is(
      vb,
      encodeFunctionData({
        abi: levitationZkEVMAbi,
        functionName: 'verifyBatchesTrustedAggregator',
        args: [
          0n,
          3n,
          9n,
          params.newLocalExitRoot,
          params.newStateRoot,
          proof as never /* viem types bytes32[24] as a 24-tuple */,
        ],
      }),
    );
    assert.equal(decodeVerifyBatchesCalldata(vb), { pendingStateNum: 0n, ...params });

    const spender = ACCOUNTS[3]!.address;
    assert.is(
      encodeApprove(spender, 5n),
      encodeFunctionData({ abi: levitationFeeTokenAbi, functionName: 'approve', args: [spender, 5n] }),
    );
  },
);

calldata('malformed arguments are refused by name; foreign calldata does not decode', () => {
  const inputFails = (fn: () => unknown, match: RegExp) => {
    try {
      fn();
      assert.unreachable('must throw');
    } catch (err) {
      assert.instance(err, L1ContractInputError);
      assert.match((err as Error).message, match);
    }
  };
  inputFails(
    () => encodeSequenceBatches([{ ...batches[0]!, globalExitRoot: '0x12' as Hash }], COINBASE),
    /batches\[0\]\.globalExitRoot/,
  );
  inputFails(
    () => encodeSequenceBatches([{ ...batches[0]!, timestamp: 1n << 64n }], COINBASE),
    /timestamp .* out of range/,
  );
  inputFails(
    () => encodeSequenceBatches([{ ...batches[0]!, transactions: '0x123' as Hex }], COINBASE),
    /transactions/,
  );
  inputFails(() => encodeSequenceBatches(batches, '0x1234' as Address), /l2Coinbase/);
  inputFails(() => encodeForceBatch('0x', -1n), /feeAmount/);
  inputFails(
    () =>
      encodeVerifyBatches({
        initNumBatch: 0n,
        finalNewBatch: 1n,
        newLocalExitRoot: word('00'),
        newStateRoot: word('00'),
        proof: proof.slice(1),
      }),
    /23 words/,
  );

  const decodeFails = (fn: () => unknown) => {
    try {
      fn();
      assert.unreachable('must throw');
    } catch (err) {
      assert.instance(err, L1DecodeError);
    }
  };
  decodeFails(() => decodeSequenceBatchesCalldata(encodeForceBatch('0x', 1n)));
  decodeFails(() => decodeForceBatchCalldata('0xeaeb077b00'));
  decodeFails(() => decodeVerifyBatchesCalldata('0x'));
  decodeFails(() => decodeSequenceForceBatchesCalldata(encodeSequenceBatches(batches, COINBASE)));
});

// ---------------------------------------------------------------------------------------------------------------
const logs = suite('events and reverts');

logs('each event decodes from topics and data as viem encodes them; other topics give null', () => {
  const sequencer = ACCOUNTS[5]!.address;
  const fbTopics = encodeEventTopics({
    abi: levitationZkEVMAbi,
    eventName: 'ForceBatch',
    args: { forceBatchNum: 7n },
  });
  const fbData = encodeAbiParameters(
    [{ type: 'bytes32' }, { type: 'address' }, { type: 'bytes' }],
    [word('ee'), sequencer, '0xabcd'],
  );
  assert.equal(decodeL1Log({ topics: fbTopics as Hex[], data: fbData }), {
    type: 'ForceBatch',
    forceBatchNum: 7n,
    lastGlobalExitRoot: word('ee'),
    sequencer,
    transactions: '0xabcd',
  });
  const sb = encodeEventTopics({
    abi: levitationZkEVMAbi,
    eventName: 'SequenceBatches',
    args: { numBatch: 12n },
  });
  assert.equal(decodeL1Log({ topics: sb as Hex[], data: '0x' }), { type: 'SequenceBatches', numBatch: 12n });
  const sfb = encodeEventTopics({
    abi: levitationZkEVMAbi,
    eventName: 'SequenceForceBatches',
    args: { numBatch: 13n },
  });
  assert.equal(decodeL1Log({ topics: sfb as Hex[], data: '0x' }), {
    type: 'SequenceForceBatches',
    numBatch: 13n,
  });
  const vb = encodeEventTopics({
    abi: levitationZkEVMAbi,
    eventName: 'VerifyBatchesTrustedAggregator',
    args: { numBatch: 14n, aggregator: ACCOUNTS[2]!.address },
  });
  assert.equal(decodeL1Log({ topics: vb as Hex[], data: word('5a') }), {
    type: 'VerifyBatchesTrustedAggregator',
    numBatch: 14n,
    stateRoot: word('5a'),
    aggregator: ACCOUNTS[2]!.address,
  });
  const ger = encodeEventTopics({
    abi: levitationGlobalExitRootAbi,
    eventName: 'UpdateGlobalExitRoot',
    args: { mainnetExitRoot: word('01'), rollupExitRoot: word('02') },
  });
  assert.equal(decodeL1Log({ topics: ger as Hex[], data: '0x' }), {
    type: 'UpdateGlobalExitRoot',
    mainnetExitRoot: word('01'),
    rollupExitRoot: word('02'),
  });
  // viem reads back what decodeL1Log reads.
  assert.is(
    decodeEventLog({ abi: levitationZkEVMAbi, topics: vb as [Hex, ...Hex[]], data: word('5a') }).eventName,
    'VerifyBatchesTrustedAggregator',
  );

  const transfer = sig('Transfer(address,address,uint256)');
  assert.is(decodeL1Log({ topics: [transfer], data: '0x' }), null);
  assert.is(decodeL1Log({ topics: [], data: '0x' }), null);
  try {
    decodeL1Log({ topics: [L1_TOPICS.ForceBatch, word('00')], data: '0x01' });
    assert.unreachable('must throw');
  } catch (err) {
    assert.instance(err, L1DecodeError);
  }
});

logs('revert data decodes into the contracts’ custom errors, Error(string) and Panic', () => {
  const timeout = encodeErrorResult({ abi: levitationZkEVMAbi, errorName: 'ForceBatchTimeoutNotExpired' });
  assert.equal(decodeL1Revert(timeout), {
    name: 'ForceBatchTimeoutNotExpired',
    signature: 'ForceBatchTimeoutNotExpired()',
    args: [],
  });
  const prover = ACCOUNTS[4]!.address;
  const dup = encodeErrorResult({
    abi: attestationVerifierAbi,
    errorName: 'ProverAlreadyRegistered',
    args: [prover],
  });
  const d = decodeL1Revert(dup);
  assert.is(d?.name, 'ProverAlreadyRegistered');
  assert.is(String(d?.args[0]).toLowerCase(), prover);
  assert.is(
    decodeL1Revert(encodeErrorResult({ abi: levitationGlobalExitRootAbi, errorName: 'OnlyAllowedContracts' }))
      ?.name,
    'OnlyAllowedContracts',
  );
  const reason = concat(['0x08c379a0', encodeAbiParameters([{ type: 'string' }], ['nope'])]);
  assert.equal(decodeL1Revert(reason), { name: 'Error', signature: 'Error(string)', args: ['nope'] });
  assert.is(decodeL1Revert('0x12345678'), null);
  assert.is(decodeL1Revert('0x'), null);
});

// ---------------------------------------------------------------------------------------------------------------
const inputs = suite('public inputs and attestation');

const pi: PublicInputs = {
  aggregator: ACCOUNTS[2]!.address,
  oldStateRoot: word('01'),
  oldAccInputHash: word('02'),
  initNumBatch: 0x0304n,
  chainId: 1001n,
  forkId: 5n,
  newStateRoot: word('06'),
  newAccInputHash: word('07'),
  newLocalExitRoot: word('08'),
  finalNewBatch: 0x0909n,
};

inputs('publicInputsBytes packs the DESIGN §7 fields in the contract’s order (212 bytes)', () => {
  const hex = publicInputsBytes(pi).slice(2);
  assert.is(hex.length, 212 * 2);
  const at = (offset: number, size: number) => `0x${hex.slice(offset * 2, (offset + size) * 2)}`;
  assert.is(at(0, 8), toHex(1001n, { size: 8 }));
  assert.is(at(8, 8), toHex(5n, { size: 8 }));
  assert.is(at(16, 8), '0x0000000000000304');
  assert.is(at(24, 8), '0x0000000000000909');
  assert.is(at(32, 32), pi.oldStateRoot);
  assert.is(at(64, 32), pi.newStateRoot);
  assert.is(at(96, 32), pi.oldAccInputHash);
  assert.is(at(128, 32), pi.newAccInputHash);
  assert.is(at(160, 32), pi.newLocalExitRoot);
  assert.is(at(192, 20), pi.aggregator);
});

inputs('publicInputsHash = keccak256 of the packed fields (viem encodePacked), as 32 bytes', () => {
  for (const finalNewBatch of [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]) {
    const p = { ...pi, finalNewBatch };
    const packed = encodePacked(
      [
        'uint64',
        'uint64',
        'uint64',
        'uint64',
        'bytes32',
        'bytes32',
        'bytes32',
        'bytes32',
        'bytes32',
        'address',
      ],
      [
        BigInt(p.chainId),
        BigInt(p.forkId),
        BigInt(p.initNumBatch),
        p.finalNewBatch,
        p.oldStateRoot,
        p.newStateRoot,
        p.oldAccInputHash,
        p.newAccInputHash,
        p.newLocalExitRoot,
        p.aggregator,
      ],
    );
    assert.is(publicInputsBytes(p), packed);
    assert.is(publicInputsHash(p), keccak256(packed));
  }
  try {
    publicInputsHash({ ...pi, forkId: 1n << 64n });
    assert.unreachable('must throw');
  } catch (err) {
    assert.instance(err, L1ContractInputError);
  }
});

inputs(
  'signAttestation: r, s (low), v in words 0–2, zero tail; a raw-digest signature viem recovers',
  async () => {
    const h = publicInputsHash(pi);
    const p = signAttestation(h, PROVER.privateKey);
    assert.is(p.length, 24);
    assert.ok(p.slice(3).every((w) => BigInt(w) === 0n));
    assert.ok([27n, 28n].includes(BigInt(p[2]!)));
    assert.ok(BigInt(p[1]!) <= 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n);
    const signature = concat([p[0]!, p[1]!, toHex(Number(BigInt(p[2]!)), { size: 1 })]);
    assert.is((await recoverAddress({ hash: h, signature })).toLowerCase(), PROVER.address);
    assert.is(recoverAttestationSigner(p, h), PROVER.address);
    assert.is.not(
      recoverAttestationSigner(p, publicInputsHash({ ...pi, newStateRoot: word('66') })),
      PROVER.address,
    );
  },
);

inputs(
  'recoverAttestationSigner refuses what the verifier refuses: high s, bad v, non-zero tail, wrong length',
  () => {
    const h = publicInputsHash(pi);
    const p = signAttestation(h, PROVER.privateKey);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const highS = [...p];
    highS[1] = `0x${(n - BigInt(p[1]!)).toString(16).padStart(64, '0')}` as Hash;
    highS[2] = `0x${(55n - BigInt(p[2]!)).toString(16).padStart(64, '0')}` as Hash; // the other parity
    assert.is(recoverAttestationSigner(highS, h), null);
    const badV = [...p];
    badV[2] = word('00');
    assert.is(recoverAttestationSigner(badV, h), null);
    const tail = [...p];
    tail[23] = word('01');
    assert.is(recoverAttestationSigner(tail, h), null);
    assert.is(recoverAttestationSigner(p.slice(0, 23), h), null);
    assert.is(
      recoverAttestationSigner(
        Array.from({ length: 24 }, () => word('00')),
        h,
      ),
      null,
    );
    try {
      signAttestation(h, '0x1234');
      assert.unreachable('must throw');
    } catch (err) {
      assert.instance(err, L1ContractInputError);
    }
  },
);

inputs('predictL1ContractAddresses: the CREATE addresses of the deployer’s nonces 0–3', () => {
  assert.equal(predictL1ContractAddresses(ACCOUNTS[0]!.address), {
    feeToken: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
    verifier: '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512',
    globalExitRootManager: '0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0',
    rollup: '0xcf7ed3acca5a467e9e704c703e8d87f634fb0fc9',
  });
});

abi.run();
calldata.run();
logs.run();
inputs.run();
