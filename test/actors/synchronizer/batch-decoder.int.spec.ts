/**
 * The batch decoder with its real worker thread: the same decode as on the calling thread, and every job asked for
 * settles when the worker dies holding it (killed mid-job, or ended by `close()`) — decoded on the calling thread.
 * The worker is real; the test only keeps a handle on it (a spy on `postMessage`) to terminate it mid-job.
 */
import { Worker } from 'node:worker_threads';
import { Wallet } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type BatchDecoder,
  createBatchDecoder,
  type DecodedBatch,
  type DecodeJob,
  decodeBatch,
} from '../../../actors/synchronizer/batch-decoder.ts';
import { encodeBatchL2Data } from '../../../src/batch/index.ts';
import { messageOf } from '../../../src/errors/index.ts';
import { type Hex, hexToBytes } from '../../../src/primitives/index.ts';
import { decodeSignedLegacyTx } from '../../../src/tx/index.ts';

const test = suite('actors/synchronizer/batch-decoder');

const CHAIN_ID = 1001n;
const wallet = new Wallet(`0x${'51'.repeat(32)}`);
/** Bytes that are no tx: decoding fails, on the worker and here alike. */
const JUNK = '0xc0ffee' as Hex;

/** Batch data of `count` transfers (about 0.35 ms each to decode: 300 keep the worker busy for 100 ms). */
async function transfers(count: number, nonce = 0): Promise<Hex> {
  const txs = [];
  for (let i = 0; i < count; i++) {
    const raw = await wallet.signTransaction({
      type: 0,
      chainId: CHAIN_ID,
      nonce: nonce + i,
      gasPrice: 1_000_000_000n,
      gasLimit: 21_000n,
      to: '0x00000000000000000000000000000000000c0ffe',
      value: 1000n + BigInt(i),
    });
    txs.push(decodeSignedLegacyTx(hexToBytes(raw)));
  }
  return `0x${Buffer.from(encodeBatchL2Data(txs)).toString('hex')}` as Hex;
}

/** `promise`, or a rejection naming `what` after `ms`: a job that never settles fails the test. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What `promise` rejects with. @throws when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** The error decoding `data` on this thread raises. */
function decodeError(data: Hex): unknown {
  try {
    decodeBatch(data);
  } catch (err) {
    return err;
  }
  throw new Error('expected a decode error');
}

/** Records the worker each job is posted to and the job ids posted (the decoder keeps its worker to itself). */
function spyOnPosts(): { workers: Worker[]; ids: number[]; restore(): void } {
  const original = Worker.prototype.postMessage;
  const workers: Worker[] = [];
  const ids: number[] = [];
  Worker.prototype.postMessage = function (this: Worker, msg: unknown, ...rest: unknown[]) {
    const m = msg as { id?: unknown; data?: unknown };
    if (typeof m.id === 'number' && typeof m.data === 'string') {
      if (!workers.includes(this)) workers.push(this);
      ids.push(m.id);
    }
    return (original as (this: Worker, ...args: unknown[]) => void).call(this, msg, ...rest);
  };
  return {
    workers,
    ids,
    restore() {
      Worker.prototype.postMessage = original;
    },
  };
}

const decoders: BatchDecoder[] = [];
let big: Hex;
let small: Hex;

test.before(async () => {
  big = await transfers(300);
  small = await transfers(2, 300);
});

test.after(async () => {
  for (const d of decoders) await d.close();
});

test('on the worker: the same decode as on this thread, errors raised by decoding here', async () => {
  const decoder = createBatchDecoder();
  decoders.push(decoder);
  await decoder.ready();
  const spy = spyOnPosts();
  try {
    const jobs = [decoder.submit(small), decoder.submit(JUNK)];
    assert.equal(spy.ids.length, 2, 'both handed to the worker');
    assert.equal(await within(jobs[0]!.result(), 10_000, 'small'), decodeBatch(small));
    assert.equal(
      messageOf(await within(rejection(jobs[1]!.result()), 10_000, 'junk')),
      messageOf(decodeError(JUNK)),
    );
  } finally {
    spy.restore();
  }
});

test('a worker killed while it holds jobs: the awaited one is decoded here at once, the others when asked for', async () => {
  const logs: { msg: string; fields?: Record<string, unknown> }[] = [];
  const decoder = createBatchDecoder({
    log: (msg, fields) => logs.push({ msg, ...(fields ? { fields } : {}) }),
  });
  decoders.push(decoder);
  await decoder.ready();
  const spy = spyOnPosts();
  let awaited: Promise<DecodedBatch>;
  let jobs: DecodeJob[];
  try {
    jobs = [decoder.submit(big), decoder.submit(small), decoder.submit(JUNK)];
    assert.equal(spy.ids.length, 3, 'the worker took all three');
    awaited = jobs[0]!.result(); // waits for the worker, busy decoding 300 txs
    // The thread dies mid-job (an OOM, a native crash): it never answers.
    await spy.workers[0]!.terminate();
  } finally {
    spy.restore();
  }
  assert.equal(await within(awaited, 10_000, 'the awaited job'), decodeBatch(big));
  assert.equal(await within(jobs[1]!.result(), 10_000, 'a held job asked for later'), decodeBatch(small));
  assert.equal(
    messageOf(await within(rejection(jobs[2]!.result()), 10_000, 'a held junk job')),
    messageOf(decodeError(JUNK)),
  );
  // The decoder goes on without a worker.
  assert.equal(await within(decoder.submit(small).result(), 10_000, 'after the crash'), decodeBatch(small));
  assert.ok(
    logs.some(
      (l) => l.msg.startsWith('batch decoder worker stopped') && /exited/.test(String(l.fields?.['reason'])),
    ),
    'the worker loss is logged',
  );
});

test('close() while a result() awaits a job the worker holds: it settles, decoded here', async () => {
  const decoder = createBatchDecoder();
  decoders.push(decoder);
  await decoder.ready();
  const spy = spyOnPosts();
  let awaited: Promise<DecodedBatch>;
  try {
    awaited = decoder.submit(big).result();
    assert.equal(spy.ids.length, 1);
  } finally {
    spy.restore();
  }
  await decoder.close();
  assert.equal(await within(awaited, 10_000, 'the awaited job'), decodeBatch(big));
});

test.run();
