/**
 * The execution VM's account/storage/code caches (`src/execution/executor.ts`): the VM stays on the roots it
 * produces for the node's whole life, so its caches must be bounded — dropped once they have taken in
 * `vmCacheWrites` entries — and dropping them changes no result.
 */
import { MapDB } from '@ethereumjs/util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createExecutor, type DecodedLegacyTxInput, type Executor } from '../../src/execution/index.ts';
import type { Address, Hex } from '../../src/primitives/index.ts';
import { assemble } from './evm-asm.ts';

const test = suite('execution/vm-cache');

const CHAIN_ID = 1001n;
const SENDER = '0x00000000000000000000000000000000000000aa' as Address;
const COINBASE = '0x00000000000000000000000000000000000000c0' as Address;
/** SSTORE(CALLDATALOAD(0), 1): each call writes a new slot. */
const SLOTS = '0x000000000000000000000000000000000000510e' as Address;
const word = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}` as Hex;
const recipient = (i: number) => `0x${(0x100000 + i).toString(16).padStart(40, '0')}` as Address;

/** A tx with its sender known (as the pool hands them over): the signature is not checked. */
const tx = (nonce: number, to: Address, data: Hex, value: bigint): DecodedLegacyTxInput => ({
  from: SENDER,
  nonce: BigInt(nonce),
  gasPrice: 1n,
  gas: 100_000n,
  to,
  value,
  data,
  v: 27n,
  r: 1n,
  s: 1n,
});

async function executorWith(vmCacheWrites: number): Promise<Executor> {
  return createExecutor({
    store: new MapDB(),
    chainId: CHAIN_ID,
    vmCacheWrites,
    genesis: [
      { address: SENDER, balance: 10n ** 20n, nonce: 0n },
      { address: SLOTS, balance: 0n, nonce: 1n, bytecode: assemble([1, 0, 'CALLDATALOAD', 'SSTORE']) },
    ],
  });
}

test('the VM caches stay bounded over many txs touching new accounts and slots, and the results are unchanged', async () => {
  const bounded = await executorWith(100);
  const unbounded = await executorWith(Number.POSITIVE_INFINITY);
  let root = bounded.genesisRoot!;
  assert.is(unbounded.genesisRoot, root);
  const TXS = 120;
  let peak = 0;
  for (let i = 0; i < TXS; i++) {
    // Every other tx pays a new account, the others write a new slot.
    const input =
      i % 2 === 0 ? tx(i, recipient(i), '0x', 1000n + BigInt(i)) : tx(i, SLOTS, word(BigInt(i)), 0n);
    const block = { number: BigInt(i + 1), timestamp: 1_700_000_000n, coinbase: COINBASE };
    const a = await bounded.executeTx({ stateRoot: root, tx: input, block });
    const b = await unbounded.executeTx({ stateRoot: root, tx: input, block });
    assert.equal(a, b, `tx ${i}`);
    if (!a.valid) throw new Error(`tx ${i} invalid: ${a.error}`);
    assert.is(a.receipt.status, 1);
    root = a.stateRoot;
    peak = Math.max(peak, bounded.vmCacheStats().accounts);
  }
  const stats = unbounded.vmCacheStats();
  assert.ok(
    stats.accounts > TXS / 2,
    `without a bound every account touched stays cached (${stats.accounts})`,
  );
  assert.ok(peak <= 100, `the bounded caches held at most ${peak} accounts`);
  assert.ok(bounded.vmCacheStats().writes <= 100, 'dropped once past the bound');
  // The state the bounded VM wrote is the whole state: every recipient paid, every slot set.
  for (let i = 0; i < TXS; i++) {
    if (i % 2 === 0) assert.is((await bounded.getAccount(root, recipient(i))).balance, 1000n + BigInt(i));
    else assert.is(await bounded.getStorage(root, SLOTS, BigInt(i)), 1n);
  }
  assert.is((await bounded.getAccount(root, SENDER)).nonce, BigInt(TXS));
  assert.ok(await unbounded.hasStateRoot(root), 'the same root on both');
});

test.run();
