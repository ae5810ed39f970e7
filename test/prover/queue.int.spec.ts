/**
 * The prover's queue over real Connect: bounded (`max_pending`), cancellable while queued or running, responsive
 * while a slow batch (a contract looping for ~12M gas) executes, and drained on close.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { getCreateAddress } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { devAccount } from '../../src/config/index.ts';
import { type Address, type Hex, hexToBytes } from '../../src/primitives/index.ts';
import {
  createProverClient,
  createReferenceProver,
  type GenBatchProofRequest,
  ProofResult,
  type ProverClient,
  type ProverServer,
  ProverStatus,
  type ReferenceProver,
  startProverServer,
  toProtoBatchProofRequest,
  toProtoRecursiveProof,
} from '../../src/prover/index.ts';
import { assemble, deployCode } from '../execution/evm-asm.ts';
import { until } from '../support/node-process.ts';
import { buildTestChain, CHAIN_ID, createSigner, FORK_ID, type TestChain } from './chain.ts';

const test = suite('prover/queue');

const LOOPS = 300_000n;
/** Runtime: counts calldata word 0 down to zero, then stops (~40 gas a round). */
// biome-ignore format: one line per part
const LOOP = assemble([
  0, 'CALLDATALOAD',
  '@top', 'DUP1', 'ISZERO', ':end', 'JUMPI', 1, 'SWAP1', 'SUB', ':top', 'JUMP',
  '@end', 'STOP',
]);

let prover: ReferenceProver;
let server: ProverServer;
let client: ProverClient;
let chain: TestChain;
let slow: GenBatchProofRequest;
let fast: GenBatchProofRequest;

test.before(async () => {
  const signer = createSigner();
  const loop = getCreateAddress({ from: devAccount(5).address, nonce: 0 }).toLowerCase() as Address;
  chain = await buildTestChain([
    [
      await signer.tx(5, { to: null, data: deployCode(LOOP), gas: 200_000n }),
      await signer.tx(6, { to: devAccount(7).address, value: 1n }),
    ],
    [
      await signer.tx(6, {
        to: loop,
        data: `0x${LOOPS.toString(16).padStart(64, '0')}` as Hex,
        gas: 29_000_000n,
      }),
    ],
  ]);
  slow = toProtoBatchProofRequest(await chain.proofRequest(1, 2));
  fast = toProtoBatchProofRequest(await chain.proofRequest(0, 1));
  prover = createReferenceProver({
    chainId: CHAIN_ID,
    forkId: FORK_ID,
    key: devAccount(4).privateKey,
    maxPending: 2,
    concurrency: 1,
  });
  server = await startProverServer({ host: '127.0.0.1', port: 0, prover });
  client = createProverClient(server.url);
});

test.after(async () => {
  client.close();
  await prover.close();
  await server.close();
});

const resultOf = async (id: string, timeoutMs = 60_000) => {
  const res = await client.getProof({ id, timeoutMs });
  return { name: ProofResult[res.result], res };
};

test('max_pending 2: the third request is refused, a queued one cancelled, the running one completes', async () => {
  const a = await client.genBatchProof(slow);
  const b = await client.genBatchProof(slow);
  try {
    await client.genBatchProof(fast);
    assert.unreachable('a third pending request must be refused');
  } catch (err) {
    const e = ConnectError.from(err);
    assert.is(Code[e.code], 'ResourceExhausted', e.message);
    assert.is(e.rawMessage, 'prover queue is full: 2 requests pending (max_pending 2)');
  }
  // Responsive while `a` executes.
  const status = await client.getStatus({});
  assert.is(ProverStatus[status.status], 'COMPUTING');
  assert.is(status.currentRequestId, a.id);
  assert.equal(status.pendingRequestIds, [a.id, b.id]);
  assert.is(status.maxPending, 2);
  assert.is((await resultOf(b.id, 0)).name, 'PENDING');

  assert.is((await client.cancel({ id: b.id })).cancelled, true);
  const cancelled = await resultOf(b.id, 0);
  assert.is(cancelled.name, 'CANCELLED');
  assert.is(cancelled.res.proof.case, undefined);
  assert.is((await client.cancel({ id: b.id })).cancelled, false, 'already cancelled');
  assert.equal((await client.getStatus({})).pendingRequestIds, [a.id]);

  // The slot b held is free again.
  const d = await client.genBatchProof(fast);
  const done = await resultOf(a.id);
  assert.is(done.name, 'COMPLETED_OK', done.res.error);
  assert.is(done.res.proof.case, 'recursiveProof');
  assert.is((await resultOf(d.id)).name, 'COMPLETED_OK');
  assert.is((await resultOf(b.id, 0)).name, 'CANCELLED', 'a cancelled result stays readable');
  assert.is(ProverStatus[(await client.getStatus({})).status], 'IDLE');
});

test('cancelling a running request stops it; the next one runs on a fresh worker', async () => {
  const e = await client.genBatchProof(slow);
  await until(
    'the slow request to run',
    async () => (await client.getStatus({})).currentRequestId === e.id,
    10_000,
  );
  assert.is((await client.cancel({ id: e.id })).cancelled, true);
  assert.is((await resultOf(e.id, 0)).name, 'CANCELLED');
  assert.equal((await client.getStatus({})).pendingRequestIds, []);
  const f = await client.genBatchProof(fast);
  const res = await resultOf(f.id);
  assert.is(res.name, 'COMPLETED_OK', res.res.error);
});

test('GetProof long-polls: it answers when the proof is done, before its timeout', async () => {
  const g = await client.genBatchProof(fast);
  const res = await resultOf(g.id, 120_000);
  assert.is(res.name, 'COMPLETED_OK');
});

test('close: queued and running requests are cancelled, new ones refused as UNAVAILABLE', async () => {
  const other = createReferenceProver({ chainId: CHAIN_ID, forkId: FORK_ID, key: devAccount(4).privateKey });
  const otherServer = await startProverServer({ host: '127.0.0.1', port: 0, prover: other });
  const c = createProverClient(otherServer.url, { protocol: 'grpc' });
  try {
    const x = await c.genBatchProof(slow);
    const y = await c.genBatchProof(slow);
    const waiting = c.getProof({ id: y.id, timeoutMs: 60_000 });
    await other.close();
    assert.is(ProofResult[(await waiting).result], 'CANCELLED', 'a waiting GetProof is answered at once');
    for (const id of [x.id, y.id]) {
      const res = await c.getProof({ id, timeoutMs: 0 });
      assert.is(ProofResult[res.result], 'CANCELLED');
      assert.is(res.error, 'the prover is shutting down');
    }
    assert.is(other.status().state, 'closed');
    try {
      await c.genBatchProof(fast);
      assert.unreachable('a closed prover takes no request');
    } catch (err) {
      assert.is(Code[ConnectError.from(err).code], 'Unavailable');
    }
  } finally {
    c.close();
    await other.close();
    await otherServer.close();
  }
});

test('finished results are bounded: beyond retainResults the oldest is forgotten (NOT_FOUND)', async () => {
  const small = createReferenceProver({
    chainId: CHAIN_ID,
    forkId: FORK_ID,
    key: devAccount(4).privateKey,
    retainResults: 2,
  });
  const smallServer = await startProverServer({ host: '127.0.0.1', port: 0, prover: small });
  const c = createProverClient(smallServer.url);
  try {
    // Final proofs of a proof this prover did not sign: refused at once, without re-execution.
    const p = toProtoRecursiveProof({
      publicInputs: chain.publicInputs(0, 1),
      signature: `0x${'11'.repeat(32)}${'22'.repeat(32)}1b`,
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { id } = await c.genFinalProof({
        recursiveProof: p,
        aggregatorAddr: hexToBytes(devAccount(2).address),
      });
      const res = await c.getProof({ id, timeoutMs: 60_000 });
      assert.is(ProofResult[res.result], 'COMPLETED_ERROR');
      assert.is(res.errorField, 'recursive_proof.signature');
      ids.push(id);
    }
    try {
      await c.getProof({ id: ids[0]!, timeoutMs: 0 });
      assert.unreachable('the oldest result is dropped');
    } catch (err) {
      assert.is(Code[ConnectError.from(err).code], 'NotFound');
    }
    for (const id of ids.slice(1)) {
      assert.is(ProofResult[(await c.getProof({ id, timeoutMs: 0 })).result], 'COMPLETED_ERROR');
    }
    assert.is(small.status().retained, 2);
  } finally {
    c.close();
    await small.close();
    await smallServer.close();
  }
});

test.run();
