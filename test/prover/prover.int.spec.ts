/**
 * The reference prover over real Connect and gRPC (HTTP/2 on loopback) proving a real chain: transfers, a contract
 * deploy and calls (one clearing a slot), an invalid tx the batch skips; batch proofs, aggregation, the final
 * proof checked as the L1 verifier does; and every refusal naming its field.
 */
import { clone } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { getCreateAddress, recoverAddress } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pkg from '../../package.json' with { type: 'json' };
import { accInputHash } from '../../src/batch/index.ts';
import { devAccount } from '../../src/config/index.ts';
import { publicInputsHash, recoverAttestationSigner, signAttestation } from '../../src/l1/index.ts';
import { type Address, bytesToHex, type Hash, type Hex, hexToBytes } from '../../src/primitives/index.ts';
import {
  type BatchProofRequestData,
  createProverClient,
  createReferenceProver,
  fromProtoFinalProof,
  fromProtoRecursiveProof,
  GenBatchProofRequestSchema,
  type GetProofResponse,
  type ProofPublicInputs,
  ProofResult,
  type ProverClient,
  type ProverServer,
  ProverStatus,
  type RecursiveProofData,
  type ReferenceProver,
  startProverServer,
  toProtoBatchProofRequest,
  toProtoPublicInputs,
  toProtoRecursiveProof,
} from '../../src/prover/index.ts';
import { assemble, deployCode } from '../execution/evm-asm.ts';
import { buildTestChain, CHAIN_ID, createSigner, FORK_ID, type TestChain } from './chain.ts';

const test = suite('prover/reference prover over Connect and gRPC');

const PROVER = devAccount(4);
const AGGREGATOR = devAccount(2).address;
const ZERO_ADDRESS = `0x${'00'.repeat(20)}` as Address;
const ETH = 10n ** 18n;
const word = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}` as Hex;

/** The test contract: no calldata returns slot 0; a word v stores it in slot 0 (0 clears the slot). */
// biome-ignore format: one line per branch
const RUNTIME = assemble([
  'CALLDATASIZE', 'ISZERO', ':get', 'JUMPI',
  0, 'CALLDATALOAD', 0, 'SSTORE', 'STOP',
  '@get', 0, 'SLOAD', 0, 'MSTORE', 32, 0, 'RETURN',
]);

let chain: TestChain;
let prover: ReferenceProver;
let server: ProverServer;
let connect: ProverClient;
let grpc: ProverClient;
/** Batch proofs made along the way, by range. */
const proofs = new Map<string, RecursiveProofData>();

test.before(async () => {
  const signer = createSigner();
  const contract = getCreateAddress({ from: devAccount(5).address, nonce: 1 }).toLowerCase() as Address;
  const fresh = '0x000000000000000000000000000000000000beef' as Address;
  chain = await buildTestChain([
    [
      await signer.tx(5, { to: devAccount(6).address, value: 1n * ETH }),
      await signer.tx(5, { to: null, data: deployCode(RUNTIME), gas: 200_000n }),
      await signer.tx(6, { to: devAccount(7).address, value: ETH / 2n }),
    ],
    [
      await signer.tx(7, { to: contract, data: word(42n), gas: 100_000n }),
      await signer.tx(8, { to: devAccount(9).address, value: 1n, nonce: 5 }), // nonce too high: no block
      await signer.tx(7, { to: fresh, value: 12345n }),
      await signer.tx(8, { to: devAccount(9).address, value: 7n }),
    ],
    [
      await signer.tx(6, { to: contract, data: word(0n), gas: 100_000n }), // clears slot 0
      await signer.tx(9, { to: fresh, value: 1n }),
    ],
  ]);
  assert.is(chain.batches[1]!.blocks, 3, 'the invalid tx makes no block');
  assert.is(await chain.executor.getStorage(chain.batches[1]!.newStateRoot, contract, 0n), 42n);
  assert.is(await chain.executor.getStorage(chain.batches[2]!.newStateRoot, contract, 0n), 0n);
  prover = createReferenceProver({
    chainId: CHAIN_ID,
    forkId: FORK_ID,
    key: PROVER.privateKey,
    name: 'test',
  });
  server = await startProverServer({ host: '127.0.0.1', port: 0, prover });
  connect = createProverClient(server.url);
  grpc = createProverClient(server.url, { protocol: 'grpc' });
});

test.after(async () => {
  connect.close();
  grpc.close();
  await prover.close();
  await server.close();
});

async function result(client: ProverClient, id: string): Promise<GetProofResponse> {
  const res = await client.getProof({ id, timeoutMs: 60_000 });
  assert.is(res.id, id);
  return res;
}

async function proveBatch(client: ProverClient, req: BatchProofRequestData): Promise<GetProofResponse> {
  const { id } = await client.genBatchProof(toProtoBatchProofRequest(req));
  return result(client, id);
}

function recursive(res: GetProofResponse): RecursiveProofData {
  assert.is(ProofResult[res.result], 'COMPLETED_OK', `${res.error} (${res.errorField})`);
  assert.is(res.proof.case, 'recursiveProof');
  return fromProtoRecursiveProof(res.proof.case === 'recursiveProof' ? res.proof.value : undefined);
}

function refused(res: GetProofResponse, field: string, text?: string | RegExp): void {
  assert.is(ProofResult[res.result], 'COMPLETED_ERROR', res.error);
  assert.is(res.errorField, field, res.error);
  assert.is(res.proof.case, undefined);
  if (typeof text === 'string') assert.ok(res.error.includes(text), res.error);
  else if (text) assert.match(res.error, text);
}

/** The signer of an intermediate proof, recovered with ethers alone. */
function signerOf(p: RecursiveProofData): Address {
  const hash = publicInputsHash({ ...p.publicInputs, aggregator: ZERO_ADDRESS });
  return recoverAddress(hash, p.signature).toLowerCase() as Address;
}

async function rejects(call: Promise<unknown>, code: Code, text: string): Promise<void> {
  try {
    await call;
  } catch (err) {
    const e = ConnectError.from(err);
    assert.is(Code[e.code], Code[code], e.message);
    assert.ok(e.rawMessage.includes(text), `"${e.rawMessage}" lacks "${text}"`);
    return;
  }
  assert.unreachable(`expected ${Code[code]}`);
}

const key = (p: ProofPublicInputs) => `${p.initNumBatch}-${p.finalNewBatch}`;

test('GetStatus: idle, with the prover key, chain, fork and limits', async () => {
  for (const client of [connect, grpc]) {
    const s = await client.getStatus({});
    assert.is(s.status, ProverStatus.IDLE);
    assert.is(s.proverName, 'test');
    assert.is(s.proverId, PROVER.address);
    assert.is(bytesToHex(s.proverAddress), PROVER.address);
    assert.is(s.chainId, CHAIN_ID);
    assert.is(s.forkId, FORK_ID);
    assert.is(s.versionServer, pkg.version);
    assert.is(s.maxPending, 16);
    assert.equal(s.pendingRequestIds, []);
    assert.is(s.currentRequestId, '');
    assert.ok(s.numberOfCores >= 1);
    assert.ok(s.totalMemory > 0n && s.freeMemory > 0n && s.freeMemory <= s.totalMemory);
  }
  assert.is(prover.address, PROVER.address);
});

test('a batch proof over Connect: re-executed, then signed by the prover key', async () => {
  const req = await chain.proofRequest(0, 1);
  assert.ok(req.witness.nodes.length > 0 && req.witness.codes.length === 0);
  const p = recursive(await proveBatch(connect, req));
  assert.equal(p.publicInputs, chain.publicInputs(0, 1));
  assert.is(hexToBytes(p.signature).length, 65);
  assert.is(signerOf(p), PROVER.address);
  proofs.set(key(p.publicInputs), p);
});

test('a batch proof over gRPC: a contract call and a skipped invalid tx', async () => {
  const req = await chain.proofRequest(1, 2);
  assert.ok(req.witness.codes.length === 1, 'the called code is in the witness');
  const p = recursive(await proveBatch(grpc, req));
  assert.equal(p.publicInputs, chain.publicInputs(1, 2));
  assert.is(signerOf(p), PROVER.address);
  proofs.set(key(p.publicInputs), p);
});

test('one proof of two batches (a slot cleared on the way)', async () => {
  const p = recursive(await proveBatch(connect, await chain.proofRequest(1, 3)));
  assert.equal(p.publicInputs, chain.publicInputs(1, 3));
  assert.is(signerOf(p), PROVER.address);
  proofs.set(key(p.publicInputs), p);
  const last = recursive(await proveBatch(grpc, await chain.proofRequest(2, 3)));
  proofs.set(key(last.publicInputs), last);
});

test('aggregation of adjacent proofs, then the final proof the L1 verifier accepts', async () => {
  const { id } = await connect.genAggregatedProof({
    recursiveProof1: toProtoRecursiveProof(proofs.get('0-1')!),
    recursiveProof2: toProtoRecursiveProof(proofs.get('1-2')!),
  });
  const agg12 = recursive(await result(connect, id));
  assert.equal(agg12.publicInputs, chain.publicInputs(0, 2));
  assert.is(signerOf(agg12), PROVER.address);

  const again = await grpc.genAggregatedProof({
    recursiveProof1: toProtoRecursiveProof(agg12),
    recursiveProof2: toProtoRecursiveProof(proofs.get('2-3')!),
  });
  const agg = recursive(await result(grpc, again.id));
  assert.equal(agg.publicInputs, chain.publicInputs(0, 3));

  const fin = await connect.genFinalProof({
    recursiveProof: toProtoRecursiveProof(agg),
    aggregatorAddr: hexToBytes(AGGREGATOR),
  });
  const res = await result(connect, fin.id);
  assert.is(ProofResult[res.result], 'COMPLETED_OK', res.error);
  assert.is(res.proof.case, 'finalProof');
  const final = fromProtoFinalProof(res.proof.case === 'finalProof' ? res.proof.value : undefined);
  assert.equal(final.publicInputs, chain.publicInputs(0, 3));
  assert.is(final.aggregator, AGGREGATOR);
  const hash = publicInputsHash({ ...final.publicInputs, aggregator: AGGREGATOR });
  assert.is(final.publicInputsHash, hash);
  assert.is(final.proof.length, 24);
  assert.is(recoverAttestationSigner(final.proof, hash), PROVER.address);
  // Bound to the aggregator: for anyone else the attestation recovers another address.
  const other = publicInputsHash({ ...final.publicInputs, aggregator: devAccount(3).address });
  assert.is.not(recoverAttestationSigner(final.proof, other), PROVER.address);
});

test('refuses a wrong new_state_root, naming the field and both roots', async () => {
  const req = await chain.proofRequest(0, 1);
  const claimed = chain.batches[1]!.newStateRoot;
  const res = await proveBatch(connect, {
    ...req,
    publicInputs: { ...req.publicInputs, newStateRoot: claimed },
  });
  refused(
    res,
    'public_inputs.new_state_root',
    `${claimed} differs from the re-executed ${req.publicInputs.newStateRoot}`,
  );
});

test('refuses a wrong new_acc_input_hash and a non-zero local exit root', async () => {
  const req = await chain.proofRequest(0, 1);
  const wrong = chain.batches[1]!.newAccInputHash;
  refused(
    await proveBatch(grpc, { ...req, publicInputs: { ...req.publicInputs, newAccInputHash: wrong } }),
    'public_inputs.new_acc_input_hash',
    `${wrong} differs from the recomputed ${req.publicInputs.newAccInputHash}`,
  );
  refused(
    await proveBatch(connect, { ...req, publicInputs: { ...req.publicInputs, oldAccInputHash: wrong } }),
    'public_inputs.new_acc_input_hash',
  );
  refused(
    await proveBatch(connect, { ...req, publicInputs: { ...req.publicInputs, newLocalExitRoot: word(1n) } }),
    'public_inputs.new_local_exit_root',
  );
});

test('refuses a witness with a node or a code missing, or for another old root', async () => {
  const req = await chain.proofRequest(1, 2);
  const nodes = req.witness.nodes;
  for (const drop of [0, Math.floor(nodes.length / 2), nodes.length - 1]) {
    const witness = { nodes: nodes.filter((_, i) => i !== drop), codes: req.witness.codes };
    refused(await proveBatch(connect, { ...req, witness }), 'witness.nodes', 'the witness lacks');
  }
  refused(
    await proveBatch(grpc, { ...req, witness: { nodes, codes: [] } }),
    'witness.codes',
    'the witness lacks the code',
  );
  // The witness of batch 1 does not prove batch 2's old state.
  const other = await chain.proofRequest(0, 1);
  refused(await proveBatch(connect, { ...req, witness: other.witness }), 'witness.nodes');
  // A claimed old root the witness does not reach (the accInputHash chain still matches).
  refused(
    await proveBatch(connect, {
      ...req,
      publicInputs: { ...req.publicInputs, oldStateRoot: chain.genesisRoot },
    }),
    'witness.nodes',
  );
});

test('refuses batch data that does not decode, naming the batch', async () => {
  const req = await chain.proofRequest(1, 3);
  const bad = { ...req.batches[1]!, batchL2Data: new Uint8Array([0xc1, 0x80, 0x01]) };
  const first = req.batches[0]!;
  const acc1 = accInputHash({ ...first, oldAccInputHash: req.publicInputs.oldAccInputHash });
  const acc2 = accInputHash({
    oldAccInputHash: acc1,
    batchL2Data: bad.batchL2Data,
    globalExitRoot: bad.globalExitRoot,
    timestamp: bad.timestamp,
    coinbase: bad.coinbase,
  });
  refused(
    await proveBatch(connect, {
      ...req,
      batches: [first, bad],
      publicInputs: { ...req.publicInputs, newAccInputHash: acc2 },
    }),
    'batches[1].batch_l2_data',
  );
});

test('refuses to aggregate proofs that are not adjacent or not its own', async () => {
  const p01 = proofs.get('0-1')!;
  const p12 = proofs.get('1-2')!;
  const p23 = proofs.get('2-3')!;
  const aggregate = async (a: RecursiveProofData, b: RecursiveProofData) => {
    const { id } = await connect.genAggregatedProof({
      recursiveProof1: toProtoRecursiveProof(a),
      recursiveProof2: toProtoRecursiveProof(b),
    });
    return result(connect, id);
  };
  refused(await aggregate(p01, p23), 'recursive_proof_2.public_inputs.init_num_batch', 'final_new_batch 1');
  refused(await aggregate(p12, p01), 'recursive_proof_2.public_inputs.init_num_batch');
  refused(await aggregate(p01, p01), 'recursive_proof_2.public_inputs.init_num_batch');

  // A foreign key's attestation of true public inputs.
  const foreignHash = publicInputsHash({ ...p12.publicInputs, aggregator: ZERO_ADDRESS });
  const words = signAttestation(foreignHash, devAccount(5).privateKey);
  const foreign: RecursiveProofData = {
    publicInputs: p12.publicInputs,
    signature: `0x${words[0]!.slice(2)}${words[1]!.slice(2)}${words[2]!.slice(-2)}`,
  };
  assert.is(signerOf(foreign), devAccount(5).address);
  refused(await aggregate(p01, foreign), 'recursive_proof_2.signature', devAccount(5).address);
  // Its own signature over public inputs someone changed.
  const forged: RecursiveProofData = {
    ...p01,
    publicInputs: {
      ...p01.publicInputs,
      newStateRoot: p12.publicInputs.oldStateRoot.replace(/.$/, '0') as Hash,
    },
  };
  refused(await aggregate(forged, p12), 'recursive_proof_1.signature');
  // A signature that is no attestation at all (s = 0).
  const junk: RecursiveProofData = { ...p12, signature: `0x${'11'.repeat(32)}${'00'.repeat(32)}1b` };
  refused(await aggregate(p01, junk), 'recursive_proof_2.signature', 'not a valid attestation');

  const { id } = await grpc.genFinalProof({
    recursiveProof: toProtoRecursiveProof(foreign),
    aggregatorAddr: hexToBytes(AGGREGATOR),
  });
  refused(await result(grpc, id), 'recursive_proof.signature');
});

test('malformed requests: INVALID_ARGUMENT naming the field', async () => {
  const req = await chain.proofRequest(1, 3);
  const good = toProtoBatchProofRequest(req);
  const variant = (edit: (r: typeof good) => void) => {
    const r = clone(GenBatchProofRequestSchema, good);
    edit(r);
    return r;
  };
  const invalid = (r: typeof good, text: string) =>
    Promise.all([
      rejects(connect.genBatchProof(r), Code.InvalidArgument, text),
      rejects(grpc.genBatchProof(r), Code.InvalidArgument, text),
    ]);
  await invalid(
    variant((r) => {
      r.publicInputs!.oldStateRoot = r.publicInputs!.oldStateRoot.slice(1);
    }),
    'public_inputs.old_state_root must be 32 bytes, got 31',
  );
  await invalid(
    variant((r) => {
      r.publicInputs = undefined;
    }),
    'public_inputs is missing',
  );
  await invalid(
    variant((r) => {
      r.witness = undefined;
    }),
    'witness is missing',
  );
  await invalid(
    variant((r) => {
      r.publicInputs!.chainId = 1002n;
    }),
    "public_inputs.chain_id 1002 is not this prover's chain id 1001",
  );
  await invalid(
    variant((r) => {
      r.publicInputs!.forkId = 4n;
    }),
    'public_inputs.fork_id 4',
  );
  await invalid(
    variant((r) => {
      r.batches.pop();
    }),
    'batches has 1 entries, want 2',
  );
  await invalid(
    variant((r) => {
      r.publicInputs!.finalNewBatch = 1n;
    }),
    'public_inputs.final_new_batch 1 must be above init_num_batch 1',
  );
  await invalid(
    variant((r) => {
      r.batches[1]!.batchNumber = 4n;
    }),
    'batches[1].batch_number is 4, want 3',
  );
  await invalid(
    variant((r) => {
      r.batches[0]!.coinbase = new Uint8Array(19);
    }),
    'batches[0].coinbase must be 20 bytes, got 19',
  );
  await invalid(
    variant((r) => {
      r.batches[1]!.globalExitRoot = new Uint8Array(0);
    }),
    'batches[1].global_exit_root must be 32 bytes, got 0',
  );

  const p = toProtoRecursiveProof(proofs.get('0-1')!);
  await rejects(
    connect.genAggregatedProof({
      recursiveProof1: { ...p, signature: p.signature.slice(1) },
      recursiveProof2: p,
    }),
    Code.InvalidArgument,
    'recursive_proof_1.signature must be 65 bytes, got 64',
  );
  await rejects(
    connect.genAggregatedProof({ recursiveProof1: p }),
    Code.InvalidArgument,
    'recursive_proof_2 is missing',
  );
  await rejects(
    grpc.genAggregatedProof({
      recursiveProof1: p,
      recursiveProof2: {
        ...p,
        publicInputs: toProtoPublicInputs({ ...chain.publicInputs(1, 2), chainId: 7n }),
      },
    }),
    Code.InvalidArgument,
    'recursive_proof_2.public_inputs.chain_id 7',
  );
  await rejects(
    connect.genFinalProof({ recursiveProof: p, aggregatorAddr: new Uint8Array(19) }),
    Code.InvalidArgument,
    'aggregator_addr must be 20 bytes, got 19',
  );
  await rejects(
    connect.genFinalProof({ recursiveProof: p, aggregatorAddr: new Uint8Array(20) }),
    Code.InvalidArgument,
    'aggregator_addr must not be the zero address',
  );
  assert.equal((await connect.getStatus({})).pendingRequestIds, [], 'nothing was queued');
});

test('GetProof of an unknown id: NOT_FOUND; Cancel of an unknown or finished one: false', async () => {
  const unknown = '00000000-0000-4000-8000-000000000000';
  for (const client of [connect, grpc]) {
    await rejects(
      client.getProof({ id: unknown, timeoutMs: 0 }),
      Code.NotFound,
      `unknown proof request ${unknown} (the prover may have restarted)`,
    );
    assert.is((await client.cancel({ id: unknown })).cancelled, false);
  }
  const { id } = await connect.genBatchProof(toProtoBatchProofRequest(await chain.proofRequest(0, 1)));
  recursive(await result(connect, id));
  assert.is((await grpc.cancel({ id })).cancelled, false);
  recursive(await result(grpc, id));
});

test('GetProof with a timeout_ms past 2^31 ms (a timer overflow) still waits for the proof', async () => {
  for (const timeoutMs of [2 ** 31, 0xffffffff]) {
    const { id } = await connect.genBatchProof(toProtoBatchProofRequest(await chain.proofRequest(1, 3)));
    const res = await connect.getProof({ id, timeoutMs });
    assert.is(res.id, id);
    recursive(res);
  }
});

test.run();
