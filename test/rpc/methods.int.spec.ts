/**
 * The simple methods against a real server: raw JSON-RPC over fetch, and through ethers' providers (HTTP and
 * WebSocket) as a dapp would use them.
 */
import { JsonRpcProvider, keccak256, WebSocketProvider } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pkg from '../../package.json' with { type: 'json' };
import type { Address } from '../../src/primitives/index.ts';
import { createRpcServer, type RpcServer } from '../../src/rpc/index.ts';
import { CLIENT_VERSION, simpleMethods } from '../../src/rpc/methods/index.ts';

const COINBASE = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as Address;
const deps = { chainId: 1001n, minGasPrice: 1_000_000_000n, coinbase: COINBASE };
let server: RpcServer;

async function call(
  method: string,
  params?: unknown[],
): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, ...(params ? { params } : {}) }),
  });
  assert.is(res.status, 200);
  return (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
}

test.before(async () => {
  server = await createRpcServer({ port: 0, methods: simpleMethods, deps });
});

test.after(async () => {
  await server.close();
});

test('eth_chainId is the chain id as a quantity', async () => {
  assert.equal(await call('eth_chainId', []), { jsonrpc: '2.0', id: 1, result: '0x3e9' });
  assert.equal((await call('eth_chainId')).result, '0x3e9');
});

test("eth_coinbase is the L2 coinbase; the reference's fixed answers for compilers, protocol version and uncles", async () => {
  assert.is((await call('eth_coinbase', [])).result, COINBASE);
  assert.equal((await call('eth_getCompilers', [])).result, []);
  assert.is((await call('eth_protocolVersion', [])).result, '0x0');
  const hash = `0x${'ab'.repeat(32)}`;
  assert.is((await call('eth_getUncleByBlockHashAndIndex', [hash, '0x0'])).result, null);
  assert.is((await call('eth_getUncleByBlockNumberAndIndex', ['latest', '0x0'])).result, null);
  assert.is((await call('eth_getUncleCountByBlockHash', [hash])).result, '0x0');
  assert.is((await call('eth_getUncleCountByBlockNumber', ['0x5'])).result, '0x0');
  assert.is((await call('eth_getUncleCountByBlockHash', ['0x12'])).error?.code, -32602);
  assert.is((await call('eth_getUncleByBlockNumberAndIndex', ['latest'])).error?.code, -32602);
});

test('net_version is the chain id in decimal', async () => {
  assert.is((await call('net_version', [])).result, '1001');
});

test('web3_clientVersion names the node, its version, platform and runtime', async () => {
  const { result } = await call('web3_clientVersion', []);
  assert.is(result, CLIENT_VERSION);
  assert.is(
    result,
    `Levitation/v${pkg.version}/${process.platform}-${process.arch}/node${process.versions.node}`,
  );
});

test('web3_sha3 is keccak256 of the bytes as given (leading zero bytes kept)', async () => {
  for (const data of ['0x', '0x68656c6c6f', '0x00ff', '0xff', '0x0000', `0x${'ab'.repeat(300)}`]) {
    assert.is((await call('web3_sha3', [data])).result, keccak256(data), data);
  }
  assert.is(
    (await call('web3_sha3', ['0x'])).result,
    '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
  );
  assert.is.not((await call('web3_sha3', ['0x00ff'])).result, (await call('web3_sha3', ['0xff'])).result);
  assert.is((await call('web3_sha3', ['0xABCD'])).result, keccak256('0xabcd'));
  assert.equal((await call('web3_sha3', ['0x123'])).error, {
    code: -32602,
    message: 'invalid argument 0: hex string of odd length',
  });
  assert.equal((await call('web3_sha3', [])).error, {
    code: -32602,
    message: 'missing value for required argument 0',
  });
});

test('eth_gasPrice is the configured minimum gas price', async () => {
  assert.is((await call('eth_gasPrice', [])).result, '0x3b9aca00');
  const other = await createRpcServer({
    port: 0,
    methods: simpleMethods,
    deps: { chainId: 7n, minGasPrice: 0n, coinbase: COINBASE },
  });
  try {
    const res = await fetch(other.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { jsonrpc: '2.0', id: 1, method: 'eth_gasPrice' },
        { jsonrpc: '2.0', id: 2, method: 'eth_chainId' },
      ]),
    });
    assert.equal(await res.json(), [
      { jsonrpc: '2.0', id: 1, result: '0x0' },
      { jsonrpc: '2.0', id: 2, result: '0x7' },
    ]);
  } finally {
    await other.close();
  }
});

test('ethers JsonRpcProvider: getNetwork and send', async () => {
  const provider = new JsonRpcProvider(server.url);
  try {
    const network = await provider.getNetwork();
    assert.is(network.chainId, 1001n);
    assert.is(await provider.send('net_version', []), '1001');
    assert.is(await provider.send('eth_gasPrice', []), '0x3b9aca00');
    assert.is(await provider.send('web3_sha3', ['0x00ff']), keccak256('0x00ff'));
    assert.is(await provider.send('web3_clientVersion', []), CLIENT_VERSION);
    // ethers batches these into one HTTP request.
    const [a, b] = await Promise.all([provider.send('eth_chainId', []), provider.send('net_version', [])]);
    assert.equal([a, b], ['0x3e9', '1001']);
    let error: unknown;
    try {
      await provider.send('eth_accounts', []);
    } catch (e) {
      error = e;
    }
    assert.match(String((error as { message?: string })?.message), /the method eth_accounts does not exist/);
  } finally {
    provider.destroy();
  }
});

test('ethers WebSocketProvider: getNetwork and send', async () => {
  const provider = new WebSocketProvider(server.wsUrl);
  try {
    assert.is((await provider.getNetwork()).chainId, 1001n);
    assert.is(await provider.send('web3_sha3', ['0x68656c6c6f']), keccak256('0x68656c6c6f'));
  } finally {
    await provider.destroy();
  }
});

test.run();
