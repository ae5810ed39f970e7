/**
 * The relaying intake of a permissionless node (src/rpc/pool/relay.ts) against a real HTTP JSON-RPC server: the
 * sequencer's answer passes through (hash, or error with code, message and data); a dead or confused sequencer and
 * a node without one give -32000 naming why.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RpcError } from '../../src/rpc/errors.ts';
import { createRefusingIntake, createRelayedCoinbase, createRelayIntake } from '../../src/rpc/pool/index.ts';
import { freePort } from '../support/node-process.ts';

const test = suite('rpc/relay');
const HASH = `0x${'ab'.repeat(32)}`;
const RAW = new Uint8Array([0xf8, 0x6b, 0x01]);
let server: Server;
let url = '';
let answer: unknown = {};
let received: unknown;

test.before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received = JSON.parse(body);
      res.setHeader('content-type', 'application/json');
      res.end(
        typeof answer === 'string'
          ? answer
          : JSON.stringify({ jsonrpc: '2.0', id: 1, ...(answer as object) }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function failure(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    return e as RpcError;
  }
  throw new Error('relayed, not refused');
}

test('the raw tx goes as it came; the hash comes back', async () => {
  answer = { result: HASH };
  assert.is(await createRelayIntake({ url }).submit(RAW, '127.0.0.1'), HASH);
  assert.equal(received, { jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: ['0xf86b01'] });
});

test('the sequencer’s error passes through: code, message and data', async () => {
  answer = { error: { code: -32000, message: 'nonce too low', data: { x: 1 } } };
  const err = await failure(createRelayIntake({ url }).submit(RAW, '127.0.0.1'));
  assert.instance(err, RpcError);
  assert.equal(err.toJsonRpc(), { code: -32000, message: 'nonce too low', data: { x: 1 } });
});

test('a confused or dead sequencer, and a node without one, are -32000 naming why', async () => {
  answer = 'not json';
  let err = await failure(createRelayIntake({ url }).submit(RAW, '127.0.0.1'));
  assert.is(err.rpcCode, -32000);
  assert.match(err.message, new RegExp(`the trusted sequencer at ${url} does not answer`));
  answer = { result: 'yes' };
  err = await failure(createRelayIntake({ url }).submit(RAW, '127.0.0.1'));
  assert.match(err.message, /gave no tx hash/);
  const dead = `http://127.0.0.1:${await freePort()}`;
  err = await failure(createRelayIntake({ url: dead }).submit(RAW, '127.0.0.1'));
  assert.match(err.message, /does not answer/);
  err = await failure(createRefusingIntake().submit(RAW, '127.0.0.1'));
  assert.is(err.rpcCode, -32000);
  assert.match(err.message, /set rpc\.sequencerUrl/);
});

test('eth_coinbase of a node that does not sequence: the sequencer’s, asked each time; its errors pass through', async () => {
  const coinbase = createRelayedCoinbase({ url });
  answer = { result: '0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266' };
  assert.is(await coinbase(), '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266');
  assert.equal(received, { jsonrpc: '2.0', id: 1, method: 'eth_coinbase', params: [] });
  const error = { code: -32601, message: 'the method eth_coinbase does not exist/is not available' };
  answer = { error };
  assert.equal((await failure(coinbase())).toJsonRpc(), error);
  answer = { result: '0x1234' };
  assert.match((await failure(coinbase())).message, /gave no coinbase address/);
  const dead = `http://127.0.0.1:${await freePort()}`;
  assert.match((await failure(createRelayedCoinbase({ url: dead })())).message, /does not answer/);
});

test.run();
