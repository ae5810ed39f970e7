/**
 * State overrides on eth_call / eth_estimateGas, the zkevm full-block methods and zkevm_estimateFee, over a real
 * trusted chain (txs signed with ethers, executed by the executor on the test database's trie store, sealed
 * through the `l2` decider, projected by the runner). Overrides must only change the call's own copy of the
 * state: the trie store (buffered and stored nodes) and every later read at that root are checked unchanged.
 */
import { getCreateAddress, HDNodeWallet } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEV_GENESIS_BALANCE, DEV_MNEMONIC } from '../../src/config/index.ts';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import { type AsmItem, assemble, deployCode } from '../execution/evm-asm.ts';
import { resultErrors, rpcError, rpcResult } from '../support/execution-apis.ts';
import { createL2ChainWriter, type L2ChainWriter } from '../support/l2-chain.ts';
import { CHAIN_ID, GWEI, type ReadRpcNode, startReadRpcNode } from '../support/rpc-node.ts';

const T0 = 1_700_000_000n;
const GER = `0x${'ab'.repeat(32)}` as Hash;
const wallet = (i: number) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
const addr = (w: HDNodeWallet) => w.address.toLowerCase() as Address;
const alice = wallet(1);
const bob = wallet(2);
const COINBASE = addr(wallet(0));
const word = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}` as Hex;
const hex = (v: bigint) => `0x${v.toString(16)}`;
const FRESH = '0x00000000000000000000000000000000000000f1' as Address;

/**
 * 64 bytes of calldata [slot, value]: SSTORE; 32 bytes [slot]: returns SLOAD(slot); none: reverts unless
 * slot 0xff is non-zero, then writes 2 to slot 0xff.
 */
// biome-ignore format: one line per branch
const RUNTIME = assemble([
  'CALLDATASIZE', 64, 'EQ', ':set', 'JUMPI',
  'CALLDATASIZE', 'ISZERO', ':guard', 'JUMPI',
  0, 'CALLDATALOAD', 'SLOAD', 0, 'MSTORE', 32, 0, 'RETURN',
  '@set', 32, 'CALLDATALOAD', 0, 'CALLDATALOAD', 'SSTORE', 'STOP',
  '@guard', 0xff, 'SLOAD', ':ok', 'JUMPI', 0, 0, 'REVERT',
  '@ok', 2, 0xff, 'SSTORE', 'STOP',
] satisfies AsmItem[]);
/** Returns BALANCE(calldata[0]) (hand-assembled: the test assembler has no BALANCE). */
const BALANCE_OF = '0x6000353160005260206000f3' as Hex;
/** CREATE(0, 0, 0) and returns the new address: shows the account's nonce. */
const CREATES = '0x600060006000f060005260206000f3' as Hex;
const CONTRACT = getCreateAddress({ from: alice.address, nonce: 1 }).toLowerCase() as Address;
/** Init code that reverts at once (PUSH1 0 PUSH1 0 REVERT): a creation that creates nothing. */
const REVERTING_INITCODE = '0x60006000fd' as Hex;

let node: ReadRpcNode;
let chain: L2ChainWriter;
const hashes: Hash[] = [];

async function sign(
  w: HDNodeWallet,
  f: { nonce: number; to: Address | null; value?: bigint; data?: Hex; gas?: bigint; gasPrice?: bigint },
): Promise<Hex> {
  return (await w.signTransaction({
    type: 0,
    chainId: CHAIN_ID,
    nonce: f.nonce,
    gasPrice: f.gasPrice ?? GWEI,
    gasLimit: f.gas ?? 21_000n,
    to: f.to,
    value: f.value ?? 0n,
    data: f.data ?? '0x',
  })) as Hex;
}

const call = <T = unknown>(method: string, params: unknown[] = []) => rpcResult<T>(node.url, method, params);
const callError = (method: string, params: unknown[]) => rpcError(node.url, method, params);

test.before(async () => {
  node = await startReadRpcNode();
  chain = createL2ChainWriter({ store: node.store, executor: node.executor, trie: node.trie });
  await chain.genesis(node.genesisRoot, T0);
  await chain.openBatch(T0 + 10n, COINBASE, GER);
  const run = async (raw: Hex) => hashes.push((await chain.execute(raw)).hash);
  await run(await sign(alice, { nonce: 0, to: addr(bob), value: 10n ** 18n, gasPrice: 2n * GWEI }));
  await run(await sign(alice, { nonce: 1, to: null, data: deployCode(RUNTIME), gas: 200_000n }));
  await run(
    await sign(bob, { nonce: 0, to: CONTRACT, data: `${word(0n)}${word(42n).slice(2)}`, gas: 100_000n }),
  );
  await chain.closeBatch('full_txs');
  await chain.openBatch(T0 + 20n, COINBASE);
  await run(
    await sign(bob, { nonce: 1, to: CONTRACT, data: `${word(1n)}${word(7n).slice(2)}`, gas: 100_000n }),
  );
  await run(await sign(bob, { nonce: 2, to: CONTRACT, gas: 100_000n })); // reverts: slot 0xff is 0
  await run(await sign(bob, { nonce: 3, to: null, data: REVERTING_INITCODE, gas: 100_000n })); // a deploy, reverted
  await node.runner.waitFor(chain.position);
});

test.after(() => node.close());

const slot = (s: bigint, block = 'latest', overrides?: unknown) =>
  call<Hex>('eth_call', [{ to: CONTRACT, data: word(s) }, block, ...(overrides ? [overrides] : [])]);

/** What must stay the same: stored and buffered trie nodes, and reads at the latest root. */
async function snapshot() {
  const { rows } = await node.db.pool.query<{ n: string }>(
    'select count(*)::text as n from lev_state.trie_nodes',
  );
  return {
    rows: rows[0]!.n,
    pending: node.trie.stats().pendingNodes,
    slots: [await slot(0n), await slot(1n), await slot(0xffn)],
    code: await call('eth_getCode', [CONTRACT, 'latest']),
    alice: await call('eth_getBalance', [addr(alice), 'latest']),
    fresh: await call('eth_getBalance', [FRESH, 'latest']),
    nonce: await call('eth_getTransactionCount', [FRESH, 'latest']),
  };
}

test('eth_call overrides: balance, nonce, code, state vs stateDiff; the shared state is unchanged', async () => {
  const before = await snapshot();
  assert.equal(before.slots, [word(42n), word(7n), word(0n)]);

  // balance (on a fresh account) read by a contract installed with a code override
  const balanceOf = (a: Address, overrides: unknown) =>
    call<Hex>('eth_call', [{ to: FRESH, data: word(BigInt(a)) }, 'latest', overrides]);
  assert.is(
    await balanceOf(addr(alice), { [FRESH]: { code: BALANCE_OF } }),
    word(DEV_GENESIS_BALANCE - 10n ** 18n - 21_000n * 2n * GWEI - (await gasCost(hashes[1]!))),
  );
  assert.is(await balanceOf(FRESH, { [FRESH]: { code: BALANCE_OF, balance: '0x1234' } }), word(0x1234n));
  // code replacing a contract: the deployed getter becomes BALANCE_OF
  assert.is(
    await call('eth_call', [
      { to: CONTRACT, data: word(BigInt(addr(bob))) },
      'latest',
      { [CONTRACT]: { code: BALANCE_OF, balance: '0x0' }, [addr(bob)]: { balance: '0x7' } },
    ]),
    word(7n),
  );
  // nonce: a contract's CREATE address follows its (overridden) nonce
  for (const nonce of [1, 5]) {
    const created = await call<Hex>('eth_call', [
      { to: FRESH },
      'latest',
      { [FRESH]: { code: CREATES, nonce: hex(BigInt(nonce)) } },
    ]);
    assert.is(
      created,
      `0x${'00'.repeat(12)}${getCreateAddress({ from: FRESH, nonce }).slice(2).toLowerCase()}`,
    );
  }
  // stateDiff patches one slot; state replaces the whole storage
  const s1 = { [word(1n)]: word(9n) };
  assert.is(await slot(0n, 'latest', { [CONTRACT]: { stateDiff: s1 } }), word(42n));
  assert.is(await slot(1n, 'latest', { [CONTRACT]: { stateDiff: s1 } }), word(9n));
  assert.is(await slot(0n, 'latest', { [CONTRACT]: { state: s1 } }), word(0n));
  assert.is(await slot(1n, 'latest', { [CONTRACT]: { state: s1 } }), word(9n));
  assert.is(await slot(0n, 'latest', { [CONTRACT]: { stateDiff: { [word(0n)]: word(0n) } } }), word(0n));
  // at an older block: the override applies to that block's state
  assert.is(await slot(0n, '0x3', { [CONTRACT]: { stateDiff: s1 } }), word(42n));
  assert.is(await slot(1n, '0x3'), word(0n));
  // a creation call (to: null) from a sender with an overridden nonce runs too
  assert.is(
    await call('eth_call', [
      { from: FRESH, data: deployCode(BALANCE_OF) },
      'latest',
      { [FRESH]: { nonce: '0x3' } },
    ]),
    BALANCE_OF,
  );

  // the executor's own reads at the latest root and the trie store are unchanged
  assert.equal(await snapshot(), before);
  const latestRoot = (await call<{ stateRoot: Hash }>('eth_getBlockByNumber', ['latest', false])).stateRoot;
  assert.is(await node.executor.getStorage(latestRoot, CONTRACT, 1n), 7n);
  assert.is((await node.executor.getAccount(latestRoot, FRESH)).balance, 0n);
});

async function gasCost(txHash: Hash): Promise<bigint> {
  const r = await call<{ gasUsed: Hex; effectiveGasPrice: Hex }>('eth_getTransactionReceipt', [txHash]);
  return BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice);
}

test('override errors: state with stateDiff names the address; bad addresses, quantities and slots are -32602', async () => {
  const get = { to: CONTRACT, data: word(0n) };
  const both = await callError('eth_call', [get, 'latest', { [CONTRACT]: { state: {}, stateDiff: {} } }]);
  assert.is(both?.code, -32602);
  assert.match(both!.message, CONTRACT);
  assert.match(both!.message, /both state and stateDiff/);
  const bothEstimate = await callError('eth_estimateGas', [
    get,
    'latest',
    { [CONTRACT]: { state: {}, stateDiff: {} } },
  ]);
  assert.is(bothEstimate?.code, -32602);
  const cases: [unknown, RegExp][] = [
    [{ '0x12': { balance: '0x1' } }, /0x12: not a 20-byte 0x-hex address/],
    [{ [CONTRACT]: { balance: '0x01' } }, /balance: hex number with leading zero digits/],
    [{ [CONTRACT]: { nonce: `0x1${'0'.repeat(16)}` } }, /nonce: hex number > 64 bits/],
    [{ [CONTRACT]: { code: '0x123' } }, /code: hex string of odd length/],
    [{ [CONTRACT]: { stateDiff: { '0x01': word(1n) } } }, /storage slot 0x01: want a 32-byte 0x-hex word/],
    [{ [CONTRACT]: { state: { [word(1n)]: '0x1' } } }, /want a 32-byte 0x-hex word/],
    [{ [CONTRACT]: { balanse: '0x1' } }, /balanse/],
    [
      { [CONTRACT]: { balance: '0x1' }, [CONTRACT.toUpperCase().replace('0X', '0x')]: {} },
      /address given twice/,
    ],
    ['0x1', /invalid argument 2/],
  ];
  for (const [overrides, message] of cases) {
    const e = await callError('eth_call', [get, 'latest', overrides]);
    assert.is(e?.code, -32602, JSON.stringify(overrides));
    assert.match(e!.message, message);
  }
  // null = absent, as for any optional param
  assert.is(await call('eth_call', [get, 'latest', null]), word(42n));
});

test('eth_estimateGas: an override makes a reverting call succeed; the estimate is the smallest gas that works', async () => {
  const guarded = { from: addr(bob), to: CONTRACT };
  const reverted = await callError('eth_estimateGas', [guarded, 'latest']);
  assert.equal(reverted, { code: 3, message: 'execution reverted', data: '0x' });
  const overrides = { [CONTRACT]: { stateDiff: { [word(0xffn)]: word(1n) } } };
  const estimate = BigInt(await call<Hex>('eth_estimateGas', [guarded, 'latest', overrides]));
  assert.ok(estimate > 21_000n + 2_100n, `estimate ${estimate}`); // cold SLOAD + SSTORE
  assert.is(await call('eth_call', [{ ...guarded, gas: hex(estimate) }, 'latest', overrides]), '0x');
  const short = await callError('eth_call', [{ ...guarded, gas: hex(estimate - 1n) }, 'latest', overrides]);
  assert.is(short?.code, -32000);
  // the stored state still reverts
  assert.is((await callError('eth_call', [guarded, 'latest']))?.code, 3);
});

type FullTx = Record<string, unknown> & { hash: Hash; receipt: Record<string, unknown> };
type FullBlock = Record<string, unknown> & { hash: Hash; transactions: (string | FullTx)[] };

test('zkevm_getFullBlockByNumber/ByHash: the block with extra info, txs carrying their receipts', async () => {
  for (let n = 1; n <= hashes.length; n++) {
    const tag = hex(BigInt(n));
    const full = await call<FullBlock>('zkevm_getFullBlockByNumber', [tag, true]);
    const plain = await call<FullBlock>('eth_getBlockByNumber', [tag, true, true]);
    const { transactions: fullTxs, ...fullHeader } = full;
    const { transactions: plainTxs, ...plainHeader } = plain;
    assert.equal(fullHeader, plainHeader);
    assert.is(full['globalExitRoot'], n <= 3 ? GER : `0x${'00'.repeat(32)}`);
    assert.is(fullTxs.length, 1);
    const tx = fullTxs[0] as FullTx;
    const { receipt, ...txFields } = tx;
    assert.equal(txFields, plainTxs[0]);
    assert.equal(receipt, await call('eth_getTransactionReceipt', [hashes[n - 1]]));
    assert.equal(resultErrors('eth_getTransactionReceipt', receipt), []);
    assert.equal(resultErrors('eth_getBlockByNumber', { ...full, transactions: [txFields] }), []);
    assert.equal(await call('zkevm_getFullBlockByHash', [full.hash, true]), full);

    const hashesOnly = await call<FullBlock>('zkevm_getFullBlockByNumber', [tag, false]);
    assert.equal(hashesOnly, { ...full, transactions: [tx.hash] });
    assert.equal(await call('zkevm_getFullBlockByHash', [full.hash, false]), hashesOnly);
  }
  // the reverted tx's receipt inside the block
  const last = await call<FullBlock>('zkevm_getFullBlockByNumber', ['latest', true]);
  assert.is((last.transactions[0] as FullTx).receipt['status'], '0x0');
  assert.equal(await call('zkevm_getFullBlockByNumber', ['0x0', true]), {
    ...(await call<FullBlock>('eth_getBlockByNumber', ['0x0', true, true])),
  });
  assert.is(await call('zkevm_getFullBlockByNumber', ['0x63', true]), null);
  assert.is(await call('zkevm_getFullBlockByHash', [`0x${'12'.repeat(32)}`, true]), null);
  assert.is((await callError('zkevm_getFullBlockByNumber', ['latest']))?.code, -32602);
  assert.is((await callError('zkevm_getFullBlockByHash', ['0x12', true]))?.code, -32602);
});

test('a reverted contract creation: its receipt names the address it would have created, as geth and the reference do', async () => {
  const deploy = hashes[hashes.length - 1]!;
  const expected = getCreateAddress({ from: bob.address, nonce: 3 }).toLowerCase();
  const receipt = await call<Record<string, unknown>>('eth_getTransactionReceipt', [deploy]);
  assert.equal([receipt['status'], receipt['to'], receipt['contractAddress']], ['0x0', null, expected]);
  assert.is(await call('eth_getCode', [expected, 'latest']), '0x', 'nothing was deployed');
  // the same receipt inside the full block, and a successful creation's address is unchanged
  const block = await call<FullBlock>('zkevm_getFullBlockByNumber', ['latest', true]);
  assert.is((block.transactions[0] as FullTx).receipt['contractAddress'], expected);
  const deployed = await call<Record<string, unknown>>('eth_getTransactionReceipt', [hashes[1]]);
  assert.is(deployed['contractAddress'], CONTRACT);
  const transfer = await call<Record<string, unknown>>('eth_getTransactionReceipt', [hashes[0]]);
  assert.is(transfer['contractAddress'], null);
});

test('zkevm_estimateFee: gas price × estimated gas; the node minimum when no price is given; revert → code 3', async () => {
  const transfer = { from: addr(alice), to: addr(bob), value: '0x1' };
  assert.is(await call('zkevm_estimateFee', [transfer]), hex(21_000n * GWEI));
  assert.is(
    await call('zkevm_estimateFee', [{ ...transfer, gasPrice: hex(3n * GWEI) }, 'latest']),
    hex(21_000n * 3n * GWEI),
  );
  assert.is(await call('zkevm_estimateFee', [{ ...transfer, gasPrice: '0x0' }]), hex(21_000n * GWEI));
  const store = {
    from: addr(bob),
    to: CONTRACT,
    data: `${word(5n)}${word(5n).slice(2)}`,
    gasPrice: hex(2n * GWEI),
  };
  const gas = BigInt(await call<Hex>('eth_estimateGas', [store]));
  assert.is(await call('zkevm_estimateFee', [store]), hex(gas * 2n * GWEI));
  const reverted = await callError('zkevm_estimateFee', [{ from: addr(bob), to: CONTRACT }, 'latest']);
  assert.equal(reverted, { code: 3, message: 'execution reverted', data: '0x' });
  assert.is((await callError('zkevm_estimateFee', [transfer, 'latest', {}]))?.code, -32602);
  assert.is((await callError('zkevm_estimateFee', [transfer, '0x63']))?.message, 'header not found');
});

test.run();
