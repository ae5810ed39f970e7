import { HDNodeWallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DevnetStartError, devnetRpc, startHardhatDevnet, TEST_MNEMONIC } from '../../src/l1/index.ts';
import { freePort } from '../support/node-process.ts';

test('a Hardhat devnet answers with its chain id, funds the test mnemonic and mines on an interval', async () => {
  const devnet = await startHardhatDevnet({ port: await freePort(), chainId: 1337, blockTimeMs: 200 });
  try {
    assert.is(Number(await devnetRpc<string>(devnet.url, 'eth_chainId')), 1337);
    const account1 = HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, "m/44'/60'/0'/0/1").address;
    assert.is(
      BigInt(await devnetRpc<string>(devnet.url, 'eth_getBalance', [account1, 'latest'])),
      10n ** 22n,
    );
    const first = Number(await devnetRpc<string>(devnet.url, 'eth_blockNumber'));
    let now = first;
    while (now < first + 2) {
      await new Promise((r) => setTimeout(r, 100));
      now = Number(await devnetRpc<string>(devnet.url, 'eth_blockNumber'));
    }
    assert.ok(now >= first + 2, 'interval mining produces blocks without txs');
  } finally {
    await devnet.stop();
  }
  assert.ok(devnet.child.exitCode !== null || devnet.child.signalCode !== null, 'stopped');
});

test('a port already taken by a node of another chain is refused with a clear error', async () => {
  const port = await freePort();
  const other = await startHardhatDevnet({ port, chainId: 31337, blockTimeMs: 0 });
  try {
    try {
      await startHardhatDevnet({ port, chainId: 1337, startTimeoutMs: 15_000 });
      assert.unreachable('the second devnet must not start');
    } catch (err) {
      assert.instance(err, DevnetStartError);
      assert.match((err as Error).message, /chain id 31337|exited at start/);
    }
  } finally {
    await other.stop();
  }
});

test.run();
