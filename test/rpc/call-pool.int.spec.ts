/**
 * eth_call and eth_estimateGas on the call pool (worker threads, `src/rpc/read/call-pool.ts`) over a real node: a
 * call looping to the gas cap holds a worker, never the node's thread, and is stopped at the timeout with geth's
 * words while the node and the other calls go on.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hex } from '../../src/primitives/index.ts';
import { watchEventLoopLag } from '../support/event-loop.ts';
import { createL2ChainWriter } from '../support/l2-chain.ts';
import { rpc, rpcCall } from '../support/node-process.ts';
import { type ReadRpcNode, startReadRpcNode } from '../support/rpc-node.ts';

const TIMEOUT_MS = 1500;
/** Runtime code looping until out of gas: JUMPDEST PUSH1 0 JUMP. */
const LOOP = '0x5b600056' as Hex;
/** Runtime code returning the 32-byte word 42. */
const FORTY_TWO = '0x602a60005260206000f3' as Hex;
const LOOPER = '0x00000000000000000000000000000000000000aa';
const ANSWER = '0x00000000000000000000000000000000000000bb';

let node: ReadRpcNode;

test.before(async () => {
  node = await startReadRpcNode({ callPool: { size: 2, timeoutMs: TIMEOUT_MS } });
  const chain = createL2ChainWriter({ store: node.store, executor: node.executor, trie: node.trie });
  await chain.genesis(node.genesisRoot, 1_700_000_000n);
  await node.runner.waitFor(chain.position);
  await node.calls!.warmUp();
});
test.after(async () => {
  await node?.close();
});

const rpcError = async (method: string, params: unknown[]) => (await rpc(node.url, method, params)).error;

const callAnswer = () =>
  rpcCall<Hex>(node.url, 'eth_call', [{ to: ANSWER }, 'latest', { [ANSWER]: { code: FORTY_TWO } }]);

test('a call looping to the gas cap is stopped at the timeout; the node’s thread and the other calls go on', async () => {
  // The node's thread: its worst lateness while the work runs.
  const loop = watchEventLoopLag();
  try {
    const started = performance.now();
    const answeredAfter: number[] = [];
    const timed = <T>(p: Promise<T>) => p.finally(() => answeredAfter.push(performance.now() - started));
    const looping = timed(rpcError('eth_call', [{ to: LOOPER }, 'latest', { [LOOPER]: { code: LOOP } }]));
    const estimating = timed(
      rpcError('eth_estimateGas', [{ to: LOOPER }, 'latest', { [LOOPER]: { code: LOOP } }]),
    );
    // Meanwhile: other calls answer, and the node serves other methods.
    for (let i = 0; i < 5; i++) {
      assert.is(BigInt(await callAnswer()), 42n, `call ${i} beside the looping ones`);
      assert.ok(BigInt(await rpcCall<Hex>(node.url, 'eth_blockNumber', [])) >= 0n);
    }
    const [callErr, estimateErr] = await Promise.all([looping, estimating]);
    assert.equal(callErr, { code: -32000, message: `execution aborted (timeout = ${TIMEOUT_MS / 1000}s)` });
    assert.equal(estimateErr, {
      code: -32000,
      message: `execution aborted (timeout = ${TIMEOUT_MS / 1000}s)`,
    });
    // Each at its timeout — or, queued behind the other on one worker, run again on a fresh worker (started in a
    // few seconds on a busy machine) and stopped at its own timeout there.
    for (const ms of answeredAfter) assert.ok(ms >= TIMEOUT_MS && ms < 20_000, `answered after ${ms} ms`);
    assert.ok(loop.maxLagMs() < 500, `the node's thread was held ${Math.round(loop.maxLagMs())} ms`);
  } finally {
    loop.stop();
  }
  // The workers stopped were replaced: calls go on.
  assert.is(BigInt(await callAnswer()), 42n, 'after the timeouts');
  assert.is(
    await rpcCall(node.url, 'eth_estimateGas', [{ to: ANSWER }, 'latest', { [ANSWER]: { code: FORTY_TWO } }]),
    '0x521a',
  );
});

test('the same answers as the node’s own executor: results, reverts, unknown blocks', async () => {
  const REVERT = '0x60006000fd' as Hex; // revert with no data
  const inPool = await rpcError('eth_call', [{ to: LOOPER }, 'latest', { [LOOPER]: { code: REVERT } }]);
  assert.equal(inPool, { code: 3, message: 'execution reverted', data: '0x' } as unknown as typeof inPool);
  const direct = await node.executor.call({
    stateRoot: node.genesisRoot,
    to: ANSWER,
    overrides: { [ANSWER]: { code: FORTY_TWO } },
    block: { number: 0n, timestamp: 0n, coinbase: ANSWER },
  });
  const pooled = await node.calls!.call({
    stateRoot: node.genesisRoot,
    to: ANSWER,
    overrides: { [ANSWER]: { code: FORTY_TWO } },
    block: { number: 0n, timestamp: 0n, coinbase: ANSWER },
  });
  assert.equal(pooled, direct);
  const unknown = `0x${'12'.repeat(32)}` as Hex;
  const err = await node
    .calls!.call({ stateRoot: unknown, to: ANSWER, block: { number: 0n, timestamp: 0n, coinbase: ANSWER } })
    .then(
      () => null,
      (e: Error) => e,
    );
  assert.is(err?.name, 'UnknownStateRootError');
});

test.run();
