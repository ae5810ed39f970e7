/** The trusted node's batches as a follower parses them: every field checked and named when wrong. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createTrustedNode,
  MAX_BATCH_L2_DATA_BYTES,
  parseTrustedBatch,
  TrustedNodeError,
} from '../../../actors/synchronizer/index.ts';

const H = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const RAW = {
  number: '0x2',
  coinbase: '0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  stateRoot: H(1),
  globalExitRoot: H(0),
  accInputHash: H(2),
  timestamp: '0x6553f100',
  closed: true,
  batchL2Data: '0xAABB',
  blocks: [],
  transactions: [],
};

test('a batch as zkevm_getBatchByNumber gives it: numbers parsed, hex lowercased', () => {
  assert.equal(parseTrustedBatch(RAW), {
    number: 2n,
    forcedBatchNumber: null,
    coinbase: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
    globalExitRoot: H(0),
    timestamp: 0x6553f100n,
    stateRoot: H(1),
    accInputHash: H(2),
    closed: true,
    batchL2Data: '0xaabb',
  });
  assert.is(parseTrustedBatch({ ...RAW, forcedBatchNumber: '0x3' }).forcedBatchNumber, 3n);
});

test('a wrong field is named', () => {
  for (const [patch, field] of [
    [{ number: 2 }, 'number'],
    [{ stateRoot: '0x12' }, 'stateRoot'],
    [{ accInputHash: null }, 'accInputHash'],
    [{ batchL2Data: '0xabc' }, 'batchL2Data'],
    [{ closed: 'yes' }, 'closed'],
    [{ timestamp: '12' }, 'timestamp'],
    [{ forcedBatchNumber: 'x' }, 'forcedBatchNumber'],
    // The fields of a batch on L1: what does not fit one cannot be staged (a claim refused, never a node stop).
    [{ coinbase: 'not-an-address' }, 'coinbase'],
    [{ coinbase: '0x1234' }, 'coinbase'],
    [{ coinbase: 7 }, 'coinbase'],
    [{ timestamp: '0x10000000000000000' }, 'timestamp'],
    [{ batchL2Data: `0x${'ab'.repeat(MAX_BATCH_L2_DATA_BYTES + 1)}` }, 'batchL2Data'],
  ] as const) {
    assert.throws(
      () => parseTrustedBatch({ ...RAW, ...patch }),
      (e: unknown) => e instanceof Error && e.message.startsWith(field),
      field,
    );
  }
});

test('the limits themselves are batches: a uint64 timestamp, 120000 bytes of data', () => {
  assert.is(MAX_BATCH_L2_DATA_BYTES, 120_000, "the rollup contract's (zkevm-node-spec: MaxBatchBytesSize)");
  const b = parseTrustedBatch({
    ...RAW,
    timestamp: '0xffffffffffffffff',
    batchL2Data: `0x${'ab'.repeat(MAX_BATCH_L2_DATA_BYTES)}`,
  });
  assert.is(b.timestamp, (1n << 64n) - 1n);
  assert.is(b.batchL2Data.length, 2 + 2 * MAX_BATCH_L2_DATA_BYTES);
});

test('a node that does not answer, or answers another batch: TrustedNodeError naming the URL', async () => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      const { id } = JSON.parse(body) as { id: number };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ jsonrpc: '2.0', id, result: { ...RAW, number: '0x7' } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const wrong = await createTrustedNode(url)
      .batch(2n)
      .catch((e: unknown) => e);
    assert.ok(wrong instanceof TrustedNodeError);
    assert.match((wrong as Error).message, /gave a bad batch 2: number is 7, asked for 2/);
  } finally {
    await new Promise((r) => server.close(r));
  }
  const down = await createTrustedNode(url, { timeoutMs: 2000 })
    .batch(1n)
    .catch((e: unknown) => e);
  assert.ok(down instanceof TrustedNodeError);
  assert.match(
    (down as Error).message,
    new RegExp(`the trusted node at ${url} did not answer zkevm_getBatchByNumber`),
  );
});

test.run();
