/**
 * `lev devnet` (DESIGN §9): the dev L1 alone — chain 1337, the test mnemonic funded, the rollup contracts at their
 * deterministic addresses, a block every second —
 * refusing to start a second one where an L1 already answers, and stopping cleanly on SIGTERM.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freePort, rpc, runLev } from '../support/node-process.ts';

const ACCOUNT_1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

test('lev devnet runs the dev L1; a second one refuses; SIGTERM stops it', async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  const devnet = runLev(['devnet'], { LEV_L1_URL: url });
  try {
    const ready = await devnet.ready('l1');
    assert.is(ready, `${url}/`);
    assert.is((await rpc<string>(url, 'eth_chainId')).result, '0x539');
    // The contracts, at the addresses the dev configuration names (`lev info --dev`)
    const printed = devnet.output();
    for (const [name, address] of [
      ['rollup', '0xcf7ed3acca5a467e9e704c703e8d87f634fb0fc9'],
      ['globalExitRootManager', '0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0'],
    ]) {
      assert.match(printed, new RegExp(`^l1 ${name} ${address}$`, 'm'));
      const code = (await rpc<string>(url, 'eth_getCode', [address, 'latest'])).result!;
      assert.ok(code.length > 1000, `${name} has code`);
    }
    assert.is(BigInt((await rpc<string>(url, 'eth_getBalance', [ACCOUNT_1, 'latest'])).result!), 10n ** 22n);
    const first = Number((await rpc<string>(url, 'eth_blockNumber')).result);
    let now = first;
    while (now === first) {
      await new Promise((r) => setTimeout(r, 200));
      now = Number((await rpc<string>(url, 'eth_blockNumber')).result);
    }
    assert.ok(now > first, 'blocks are mined without txs');

    const second = runLev(['devnet'], { LEV_L1_URL: url });
    const out = await second.exited;
    assert.is(out.code, 1);
    assert.match(second.output(), /an L1 already answers at .* \(chain id 1337\); not starting another/);
  } finally {
    devnet.child.kill('SIGTERM');
  }
  const { code } = await devnet.exited;
  assert.is(code, 0);
  const after = await fetch(url, { method: 'POST', body: '{}' }).then(
    () => 'answered',
    () => 'refused',
  );
  assert.is(after, 'refused', 'the Hardhat child stopped with it');
});

test.run();
