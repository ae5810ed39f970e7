import { createBlock } from '@ethereumjs/block';
import { verifyMerkleProof } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { MerkleStateManager } from '@ethereumjs/statemanager';
import { createLegacyTxFromRLP } from '@ethereumjs/tx';
import { Account, Address as EthAddress, MapDB } from '@ethereumjs/util';
import { createVM, runTx } from '@ethereumjs/vm';
import { getCreateAddress, id as keccakId, Wallet } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import {
  type BlockContext,
  createExecutor,
  createL2Common,
  createStateAccountReader,
  createTrieStore,
  EMPTY_CODE_HASH,
  type ExecuteTxResult,
  ExecutionError,
  type Executor,
  type StateOverrides,
  type TrieStore,
  TrieStoreError,
  type TxInput,
  UnknownStateRootError,
} from '../../src/execution/index.ts';
import { type DecodedLegacyTx, decodeRawTx } from '../../src/pool/index.ts';
import { type Address, type Hash, type Hex, hexToBytes, keccak256 } from '../../src/primitives/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { type AsmItem, assemble, deployCode } from './evm-asm.ts';

const test = suite('execution/executor');

const CHAIN_ID = 1001n;
const GWEI = 1_000_000_000n;
const ETH = 10n ** 18n;
const COINBASE = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as Address;
const TIMESTAMP = 1_700_000_000n;
const wallet = (n: number) => new Wallet(`0x${n.toString(16).padStart(64, '0')}`);
const alice = wallet(0xa11ce);
const bob = wallet(0xb0b);
const pauper = wallet(0x9a9e6);
const addr = (w: Wallet) => w.address.toLowerCase() as Address;

/**
 * The test contract (hand-assembled; London, so no PUSH0):
 * - no calldata: returns storage slot 0 (a getter);
 * - calldata word 0xdead: reverts with that word;
 * - any other word v: slot0 = v, emits LOG1(topic STORED, data v), returns v.
 */
const STORED = keccakId('Stored(uint256)') as Hash;
// biome-ignore format: one line per branch
const RUNTIME = assemble([
  'CALLDATASIZE', 'ISZERO', ':get', 'JUMPI',
  0, 'CALLDATALOAD',
  'DUP1', 0xdead, 'EQ', ':fail', 'JUMPI',
  'DUP1', 0, 'SSTORE',
  0, 'MSTORE',
  STORED, 32, 0, 'LOG1',
  32, 0, 'RETURN',
  '@get', 0, 'SLOAD', 0, 'MSTORE', 32, 0, 'RETURN',
  '@fail', 0, 'MSTORE', 32, 0, 'REVERT',
]);

let db: TestDatabase;
let pool: PgPool;
let store: TrieStore;
let executor: Executor;
const pools: PgPool[] = [];

/** Everything executed, to replay on an in-memory store. */
const executed: { stateRoot: Hash; tx: TxInput; block: BlockContext; result: ExecuteTxResult }[] = [];
/** Each root with the balances it must show forever. */
const history: { root: Hash; alice: bigint; bob: bigint; coinbase: bigint }[] = [];
let root: Hash;
let genesisRoot: Hash;
let blockNumber = 1n;
let contract: Address;

const word = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}` as Hex;

async function sign(
  from: Wallet,
  tx: {
    nonce: number;
    to?: Address | null;
    value?: bigint;
    data?: Hex;
    gasLimit?: bigint;
    gasPrice?: bigint;
    chainId?: bigint;
  },
): Promise<Hex> {
  return (await from.signTransaction({
    type: 0,
    chainId: tx.chainId ?? CHAIN_ID,
    nonce: tx.nonce,
    gasPrice: tx.gasPrice ?? GWEI,
    gasLimit: tx.gasLimit ?? 21_000n,
    to: tx.to ?? null,
    value: tx.value ?? 0n,
    data: tx.data ?? '0x',
  })) as Hex;
}

async function balances() {
  const get = async (a: Address) => (await executor.getAccount(root, a)).balance;
  return { alice: await get(addr(alice)), bob: await get(addr(bob)), coinbase: await get(COINBASE) };
}

/** Executes on the current root in a new block; valid txs move the root, are flushed and join the history. */
async function exec(tx: TxInput): Promise<ExecuteTxResult> {
  const block: BlockContext = { number: blockNumber++, timestamp: TIMESTAMP, coinbase: COINBASE };
  const stateRoot = root;
  const result = await executor.executeTx({ stateRoot, tx, block });
  executed.push({ stateRoot, tx, block, result });
  if (result.valid) {
    root = result.stateRoot;
    await store.flush();
    history.push({ root, ...(await balances()) });
  }
  return result;
}

function assertValid(r: ExecuteTxResult): asserts r is Extract<ExecuteTxResult, { valid: true }> {
  if (!r.valid) assert.unreachable(`tx invalid: ${r.error}`);
}

test.before(async () => {
  db = await createTestDatabase('exec');
  pool = createPgPool(db.url);
  pools.push(pool);
  store = await createTrieStore({ pool });
  executor = await createExecutor({ store, chainId: CHAIN_ID });
});

test.after(async () => {
  for (const p of pools) await p.end();
  await db.drop();
});

test('genesis: accounts, code and storage are written and readable at the genesis root', async () => {
  genesisRoot = await executor.applyGenesis([
    { address: alice.address, balance: 100n * ETH, nonce: 0n },
    { address: bob.address, balance: 50n * ETH, nonce: 3n },
    {
      address: '0x000000000000000000000000000000000000c0de',
      balance: 0n,
      nonce: 1n,
      bytecode: RUNTIME,
      storage: { '0x00': '0x07', [word(5n)]: 9n },
    },
  ]);
  root = genesisRoot;
  await store.flush();
  history.push({ root, ...(await balances()) });
  assert.equal(await executor.getAccount(root, addr(bob)), {
    nonce: 3n,
    balance: 50n * ETH,
    codeHash: EMPTY_CODE_HASH,
    storageRoot: '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421',
  });
  assert.is(await executor.getCode(root, '0x000000000000000000000000000000000000c0de'), RUNTIME);
  assert.is(await executor.getStorage(root, '0x000000000000000000000000000000000000c0de', 0n), 7n);
  assert.is(await executor.getStorage(root, '0x000000000000000000000000000000000000c0de', '0x05'), 9n);
  assert.is(await executor.getStorage(root, '0x000000000000000000000000000000000000c0de', 1n), 0n);
  assert.is((await executor.getAccount(root, COINBASE)).balance, 0n);
  // The same allocation on an in-memory store gives the same root.
  const memory = await createExecutor({
    store: new MapDB(),
    chainId: CHAIN_ID,
    genesis: [
      { address: alice.address, balance: 100n * ETH, nonce: 0n },
      { address: bob.address, balance: 50n * ETH, nonce: 3n },
      {
        address: '0x000000000000000000000000000000000000c0de',
        balance: 0n,
        nonce: 1n,
        bytecode: RUNTIME,
        storage: { [word(0n)]: 7n, '0x5': '0x09' },
      },
    ],
  });
  assert.is(memory.genesisRoot, genesisRoot);
});

test('a transfer moves value, bumps the nonce and pays the coinbase exactly gasUsed × gasPrice', async () => {
  const before = await balances();
  const gasPrice = 3n * GWEI;
  const r = await exec(await sign(alice, { nonce: 0, to: addr(bob), value: ETH, gasPrice }));
  assertValid(r);
  assert.is(r.from, addr(alice));
  assert.is(r.receipt.status, 1);
  assert.is(r.receipt.gasUsed, 21_000n);
  assert.is(r.receipt.cumulativeGasUsed, 21_000n);
  assert.equal(r.receipt.logs, []);
  assert.is.not(r.stateRoot, genesisRoot);
  const after = await balances();
  assert.is(after.alice, before.alice - ETH - 21_000n * gasPrice);
  assert.is(after.bob, before.bob + ETH);
  assert.is(after.coinbase, before.coinbase + 21_000n * gasPrice);
  assert.is((await executor.getAccount(root, addr(alice))).nonce, 1n);
});

test('a pre-EIP-155 transfer (v 27/28) is valid', async () => {
  const raw = await sign(bob, { nonce: 3, to: addr(alice), value: 5n, chainId: 0n });
  assert.ok([27n, 28n].includes((decodeRawTx(hexToBytes(raw)) as DecodedLegacyTx).v));
  const before = await balances();
  const r = await exec(raw);
  assertValid(r);
  assert.is(r.from, addr(bob));
  const after = await balances();
  assert.is(after.bob, before.bob - 5n - 21_000n * GWEI);
  assert.is((await executor.getAccount(root, addr(bob))).nonce, 4n);
});

test('a contract deploy: created address, runtime code, fee to the coinbase', async () => {
  const before = await balances();
  const r = await exec(
    await sign(alice, { nonce: 1, to: null, data: deployCode(RUNTIME), gasLimit: 200_000n }),
  );
  assertValid(r);
  assert.is(r.receipt.status, 1);
  contract = getCreateAddress({ from: alice.address, nonce: 1 }).toLowerCase() as Address;
  assert.is(r.receipt.createdAddress, contract);
  assert.is(await executor.getCode(root, contract), RUNTIME);
  assert.is(
    (await executor.getAccount(root, contract)).nonce,
    1n,
    'EIP-161: a new contract starts at nonce 1',
  );
  const after = await balances();
  assert.ok(r.receipt.gasUsed > 53_000n && r.receipt.gasUsed < 200_000n);
  assert.is(after.coinbase - before.coinbase, r.receipt.gasUsed * GWEI);
  assert.is(before.alice - after.alice, r.receipt.gasUsed * GWEI);
});

test('a call (sender pre-recovered by the pool) writes storage and emits a log', async () => {
  const raw = await sign(alice, {
    nonce: 2,
    to: contract,
    data: word(0x2an),
    gasLimit: 100_000n,
    gasPrice: 2n * GWEI,
  });
  const decoded = decodeRawTx(hexToBytes(raw)) as DecodedLegacyTx;
  const before = await balances();
  const r = await exec(decoded);
  assertValid(r);
  assert.is(r.receipt.status, 1);
  assert.is(await executor.getStorage(root, contract, 0n), 0x2an);
  assert.equal(r.receipt.logs, [{ address: contract, topics: [STORED], data: word(0x2an) }]);
  assert.is(r.returnValue, word(0x2an));
  assert.ok(/[1-9a-f]/.test(r.receipt.logsBloom.slice(2)) && r.receipt.logsBloom.length === 2 + 512);
  // 21000 + calldata (31 zero bytes × 4 + 1 × 16) + 22100 (cold SSTORE of a fresh slot, EIP-2929) + the rest.
  assert.ok(r.receipt.gasUsed > 21_000n + 140n + 22_100n);
  const after = await balances();
  assert.is(after.coinbase - before.coinbase, r.receipt.gasUsed * 2n * GWEI);
});

test('a reverting call is included: status 0, nonce + 1, fee paid, storage untouched', async () => {
  const before = await balances();
  const r = await exec(
    await sign(alice, { nonce: 3, to: contract, data: word(0xdeadn), gasLimit: 100_000n }),
  );
  assertValid(r);
  assert.is(r.receipt.status, 0);
  assert.is(r.vmError, 'revert');
  assert.is(r.returnValue, word(0xdeadn), 'revert data');
  assert.equal(r.receipt.logs, []);
  assert.is((await executor.getAccount(root, addr(alice))).nonce, 4n);
  assert.is(await executor.getStorage(root, contract, 0n), 0x2an);
  const after = await balances();
  assert.ok(r.receipt.gasUsed > 21_000n && r.receipt.gasUsed < 100_000n, 'a revert refunds the unused gas');
  assert.is(before.alice - after.alice, r.receipt.gasUsed * GWEI);
  assert.is(after.coinbase - before.coinbase, r.receipt.gasUsed * GWEI);
});

test('an out-of-gas call is included and burns its whole gas limit', async () => {
  const before = await balances();
  const r = await exec(await sign(alice, { nonce: 4, to: contract, data: word(0x2bn), gasLimit: 23_000n }));
  assertValid(r);
  assert.is(r.receipt.status, 0);
  assert.is(r.vmError, 'out of gas');
  assert.is(r.receipt.gasUsed, 23_000n);
  assert.is(await executor.getStorage(root, contract, 0n), 0x2an);
  assert.is((await executor.getAccount(root, addr(alice))).nonce, 5n);
  assert.is((await balances()).coinbase - before.coinbase, 23_000n * GWEI);
});

test('invalid txs are not applied: the root stays, the reason is the pool message', async () => {
  const nonce = 5;
  const cases: [string, TxInput | Promise<TxInput>, string][] = [
    ['nonce too high', sign(alice, { nonce: nonce + 1, to: addr(bob) }), 'nonce too high'],
    ['nonce too low', sign(alice, { nonce: 0, to: addr(bob) }), 'nonce too low'],
    [
      'no funds',
      sign(pauper, { nonce: 0, to: addr(bob), value: 1n }),
      'insufficient funds for gas * price + value',
    ],
    [
      'value + gas above the balance',
      executor
        .getAccount(root, addr(alice))
        .then((a) => sign(alice, { nonce, to: addr(bob), value: a.balance - 21_000n * GWEI + 1n })),
      'insufficient funds for gas * price + value',
    ],
    [
      'gas below intrinsic',
      sign(alice, { nonce, to: addr(bob), gasLimit: 20_999n }),
      'intrinsic gas too low',
    ],
    [
      'creation gas below intrinsic',
      sign(alice, { nonce, to: null, data: '0x00', gasLimit: 53_000n }),
      'intrinsic gas too low',
    ],
    [
      'gas above the block',
      sign(alice, { nonce, to: addr(bob), gasLimit: 30_000_001n }),
      'exceeds block gas limit',
    ],
    ['another chain', sign(alice, { nonce, to: addr(bob), chainId: 1n }), 'invalid chain id'],
    [
      'unrecoverable signature (decoded)',
      sign(alice, { nonce, to: addr(bob) }).then((raw) => ({
        ...(decodeRawTx(hexToBytes(raw)) as DecodedLegacyTx),
        from: null,
      })),
      'invalid sender',
    ],
    [
      'unrecoverable signature (raw, r = 0)',
      bytesHex(RLP.encode([5, GWEI, 21_000, hexToBytes(addr(bob)), 1, new Uint8Array(), 2037, 0, 1])),
      'invalid sender',
    ],
    [
      'v neither 27/28 nor EIP-155',
      bytesHex(RLP.encode([5, GWEI, 21_000, hexToBytes(addr(bob)), 1, '0x', 29, 1, 1])),
      'invalid sender',
    ],
    ['not a tx', '0x1234', 'invalid transaction'],
    [
      'a typed (EIP-1559) tx',
      alice.signTransaction({
        type: 2,
        chainId: CHAIN_ID,
        nonce,
        to: bob.address,
        maxFeePerGas: GWEI,
        maxPriorityFeePerGas: GWEI,
        gasLimit: 21_000n,
      }) as Promise<Hex>,
      'invalid transaction',
    ],
    [
      'a sender with code (EIP-3607)',
      sign(alice, { nonce: 1, to: addr(bob) }).then((raw) => ({
        ...(decodeRawTx(hexToBytes(raw)) as DecodedLegacyTx),
        from: contract,
      })),
      'sender is not an EOA',
    ],
  ];
  const before = await balances();
  for (const [what, tx, reason] of cases) {
    const r = await exec(await tx);
    assert.is(r.valid, false, what);
    if (r.valid) continue;
    assert.is(r.error, reason, what);
    assert.is(r.stateRoot, root, what);
  }
  assert.equal(await balances(), before);
  assert.is((await executor.getAccount(root, addr(alice))).nonce, 5n);
  // The VM was left clean: the next valid tx runs on the same root.
  const r = await exec(await sign(alice, { nonce, to: addr(bob), value: 7n }));
  assertValid(r);
  assert.is((await balances()).bob, before.bob + 7n);
});

test('eth_call: reads at any root, returns data or revert data, writes nothing', async () => {
  const pending = store.stats().pendingNodes;
  const block = { number: blockNumber, timestamp: TIMESTAMP, coinbase: COINBASE };
  const get = await executor.call({ stateRoot: root, to: contract, block });
  assert.is(get.status, 1);
  assert.is(get.returnValue, word(0x2an));
  const atGenesis = await executor.call({ stateRoot: genesisRoot, to: contract, block });
  assert.is(atGenesis.returnValue, '0x', 'no code there at genesis');
  const set = await executor.call({
    stateRoot: root,
    from: addr(alice),
    to: contract,
    data: word(0x99n),
    block,
  });
  assert.is(set.status, 1);
  assert.equal(set.logs, [{ address: contract, topics: [STORED], data: word(0x99n) }]);
  assert.ok(set.gasUsed > 21_000n);
  const fail = await executor.call({ stateRoot: root, to: contract, data: word(0xdeadn), block });
  assert.is(fail.status, 0);
  assert.is(fail.vmError, 'revert');
  assert.is(fail.returnValue, word(0xdeadn));
  assert.is(await executor.getStorage(root, contract, 0n), 0x2an, 'the simulated write is gone');
  assert.is(store.stats().pendingNodes, pending, 'nothing reached the store');
});

test('eth_call with state overrides: storage patched or replaced, code and balance set; the store untouched', async () => {
  const pending = store.stats().pendingNodes;
  const block = { number: blockNumber, timestamp: TIMESTAMP, coinbase: COINBASE };
  const get = (overrides: StateOverrides) =>
    executor.call({ stateRoot: root, to: contract, block, overrides });
  assert.is((await get({ [contract]: { stateDiff: { [word(0n)]: 5n } } })).returnValue, word(5n));
  assert.is(
    (await get({ [contract]: { state: { [word(1n)]: 5n } } })).returnValue,
    word(0n),
    'slot 0 cleared',
  );
  // BALANCE(CALLDATALOAD(0)) installed on the contract; alice's balance overridden
  const balanceOf = '0x6000353160005260206000f3' as Hex;
  const balance = await executor.call({
    stateRoot: root,
    to: contract,
    data: word(BigInt(addr(alice))),
    block,
    overrides: { [contract]: { code: balanceOf }, [addr(alice)]: { balance: 77n, nonce: 9n } },
  });
  assert.is(balance.returnValue, word(77n));
  try {
    await get({ [contract]: { state: {}, stateDiff: {} } });
    assert.unreachable('state with stateDiff must be refused');
  } catch (err) {
    assert.instance(err, TypeError);
    assert.match((err as Error).message, contract);
  }
  assert.is(await executor.getStorage(root, contract, 0n), 0x2an);
  assert.is(await executor.getCode(root, contract), RUNTIME);
  assert.ok((await executor.getAccount(root, addr(alice))).balance > 77n);
  assert.is(store.stats().pendingNodes, pending, 'nothing reached the store');
  // Calls reuse VMs: nothing of an earlier call's overrides is left for the next call on the same root.
  for (let i = 0; i < 3; i++) {
    const plain = await executor.call({ stateRoot: root, to: contract, block });
    assert.is(plain.returnValue, word(0x2an), 'slot 0 as stored');
    const withCode = await executor.call({
      stateRoot: root,
      to: contract,
      data: word(BigInt(addr(alice))),
      block,
      overrides: { [contract]: { code: balanceOf }, [addr(alice)]: { balance: 77n } },
    });
    assert.is(withCode.returnValue, word(77n));
  }
  const concurrent = await Promise.all(
    [0n, 1n, 2n, 3n].map((v) => get({ [contract]: { stateDiff: { [word(0n)]: v } } })),
  );
  assert.equal(
    concurrent.map((r) => r.returnValue),
    [word(0n), word(1n), word(2n), word(3n)],
    'concurrent calls each see their own overrides',
  );
});

test('eth_call reads back its own writes: a slot stored then loaded, a contract created then sized', async () => {
  const pending = store.stats().pendingNodes;
  const block = { number: blockNumber, timestamp: TIMESTAMP, coinbase: COINBASE };
  // SSTORE(7, CALLDATALOAD(0)); return SLOAD(7)
  const storeThenLoad = '0x60003560075560075460005260206000f3' as Hex;
  // CREATE of init code returning the 1-byte runtime 0xfe; return EXTCODESIZE of the new contract
  const createThenSize = '0x6960fe60005360016000f3600052600a60166000f03b60005260206000f3' as Hex;
  for (let i = 0; i < 2; i++) {
    const stored = await executor.call({
      stateRoot: root,
      to: contract,
      data: word(0x1234n + BigInt(i)),
      block,
      overrides: { [contract]: { code: storeThenLoad } },
    });
    assert.is(stored.returnValue, word(0x1234n + BigInt(i)));
    const created = await executor.call({
      stateRoot: root,
      to: contract,
      block,
      overrides: { [contract]: { code: createThenSize } },
    });
    assert.is(created.status, 1);
    assert.is(created.returnValue, word(1n));
  }
  assert.is(await executor.getStorage(root, contract, 7n), 0n, 'nothing of it is in the state');
  assert.is((await executor.call({ stateRoot: root, to: contract, block })).returnValue, word(0x2an));
  assert.is(store.stats().pendingNodes, pending, 'nothing reached the store');
});

test('eth_call: calls alternating over many roots each read their own root (reads shared per root)', async () => {
  const block = { number: blockNumber, timestamp: TIMESTAMP, coinbase: COINBASE };
  const roots = [genesisRoot, ...executed.map((e) => e.stateRoot)];
  const expected = await Promise.all(
    roots.map(async (r) =>
      (await executor.getCode(r, contract)) === '0x'
        ? '0x'
        : word(await executor.getStorage(r, contract, 0n)),
    ),
  );
  assert.ok(new Set(expected).size >= 3, 'the roots differ: no code, slot 0 empty, slot 0 set');
  for (let round = 0; round < 3; round++) {
    const order = round === 1 ? [...roots.keys()].reverse() : [...roots.keys()];
    const got = await Promise.all(
      order.map(
        async (i) => (await executor.call({ stateRoot: roots[i]!, to: contract, block })).returnValue,
      ),
    );
    assert.equal(
      got,
      order.map((i) => expected[i]),
      `round ${round}`,
    );
  }
});

test('the block context: BLOCKHASH from getBlockHash, COINBASE, TIMESTAMP, NUMBER, BASEFEE 0, no PUSH0', async () => {
  const withHashes = await createExecutor({
    store,
    chainId: CHAIN_ID,
    getBlockHash: async (n) => word(0xb10c000n + n),
  });
  // Init code that returns [BLOCKHASH(NUMBER - 1), COINBASE, TIMESTAMP, NUMBER, BASEFEE, DIFFICULTY, GASLIMIT].
  const words: AsmItem[][] = [
    [1, 'NUMBER', 'SUB', 'BLOCKHASH'],
    ['COINBASE'],
    ['TIMESTAMP'],
    ['NUMBER'],
    ['BASEFEE'],
    ['DIFFICULTY'],
    ['GASLIMIT'],
  ];
  const code = assemble([
    ...words.flatMap((w, i) => [...w, i * 32, 'MSTORE']),
    words.length * 32,
    0,
    'RETURN',
  ]);
  const block = { number: 77n, timestamp: TIMESTAMP, coinbase: COINBASE };
  const r = await withHashes.call({ stateRoot: root, to: null, data: code, block });
  assert.is(r.status, 1);
  const got = (r.returnValue.slice(2).match(/.{64}/g) ?? []).map((w) => BigInt(`0x${w}`));
  assert.equal(got, [0xb10c000n + 76n, BigInt(COINBASE), TIMESTAMP, 77n, 0n, 0n, 30_000_000n]);
  const push0 = await executor.call({ stateRoot: root, to: null, data: '0x5f', block });
  assert.is(push0.status, 0);
  assert.is(push0.vmError, 'invalid opcode', 'London has no PUSH0');
});

test('every historical root stays readable after later blocks', async () => {
  assert.ok(history.length >= 8);
  for (const h of history) {
    assert.is((await executor.getAccount(h.root, addr(alice))).balance, h.alice);
    assert.is((await executor.getAccount(h.root, addr(bob))).balance, h.bob);
    assert.is((await executor.getAccount(h.root, COINBASE)).balance, h.coinbase);
  }
  const unknown = `0x${'ab'.repeat(32)}` as Hash;
  assert.is(await executor.hasStateRoot(unknown), false);
  assert.is(await executor.hasStateRoot(genesisRoot), true);
  const raw = await sign(alice, { nonce: 5, to: addr(bob) });
  for (const read of [
    () => executor.getAccount(unknown, addr(alice)),
    () => executor.getProof(unknown, addr(alice)),
    () =>
      executor.executeTx({
        stateRoot: unknown,
        tx: raw,
        block: { number: 1n, timestamp: 1n, coinbase: COINBASE },
      }),
  ]) {
    const err = await read().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(err, UnknownStateRootError);
  }
});

test('getProof: account and storage proofs verify against the state root', async () => {
  const rootBytes = hexToBytes(root);
  const proof = await executor.getProof(root, contract, [0n, '0x01']);
  const account = await executor.getAccount(root, contract);
  assert.is(proof.nonce, account.nonce);
  assert.is(proof.storageHash, account.storageRoot);
  assert.is(proof.codeHash, bytesHex(keccak256(hexToBytes(RUNTIME))));
  const leaf = await verifyMerkleProof(hexToBytes(contract), proof.accountProof.map(hexToBytes), {
    root: rootBytes,
    useKeyHashing: true,
  });
  assert.ok(leaf, 'the account is proven present');
  const [nonce, balance, storageRoot, codeHash] = RLP.decode(leaf) as Uint8Array[];
  assert.is(bytesHex(storageRoot!), proof.storageHash);
  assert.is(bytesHex(codeHash!), proof.codeHash);
  assert.is(BigInt(bytesHex(nonce!) === '0x' ? 0 : bytesHex(nonce!)), proof.nonce);
  assert.is(bytesHex(balance!), '0x');
  const [slot0, slot1] = proof.storageProof;
  assert.is(slot0!.value, 0x2an);
  assert.is(slot1!.value, 0n);
  const value0 = await verifyMerkleProof(hexToBytes(word(0n)), slot0!.proof.map(hexToBytes), {
    root: hexToBytes(proof.storageHash),
    useKeyHashing: true,
  });
  assert.equal(RLP.decode(value0!), new Uint8Array([0x2a]));
  const value1 = await verifyMerkleProof(hexToBytes(word(1n)), slot1!.proof.map(hexToBytes), {
    root: hexToBytes(proof.storageHash),
    useKeyHashing: true,
  });
  assert.is(value1, null, 'slot 1 is proven absent');
  // An absent account is proven absent; a tampered proof does not verify.
  const absent = await executor.getProof(root, '0x00000000000000000000000000000000000bad00');
  assert.is(
    await verifyMerkleProof(
      hexToBytes('0x00000000000000000000000000000000000bad00'),
      absent.accountProof.map(hexToBytes),
      {
        root: rootBytes,
        useKeyHashing: true,
      },
    ),
    null,
  );
  const aliceProof = await executor.getProof(history[0]!.root, addr(alice));
  assert.is(aliceProof.balance, history[0]!.alice, 'proofs at a historical root');
  const tampered = aliceProof.accountProof.map(hexToBytes);
  const last = tampered[tampered.length - 1]!;
  last[5] = (last[5] ?? 0) ^ 1;
  const verdict = await verifyMerkleProof(hexToBytes(addr(alice)), tampered, {
    root: hexToBytes(history[0]!.root),
    useKeyHashing: true,
  }).then(
    () => 'verified',
    () => 'rejected',
  );
  assert.is(verdict, 'rejected', 'a tampered proof does not verify');
});

test('persistence: a new executor on a new store over the same database reads the same state', async () => {
  await store.flush();
  const pool2 = createPgPool(db.url);
  pools.push(pool2);
  const store2 = await createTrieStore({ pool: pool2 });
  const executor2 = await createExecutor({ store: store2, chainId: CHAIN_ID });
  for (const a of [addr(alice), addr(bob), COINBASE, contract]) {
    assert.equal(await executor2.getAccount(root, a), await executor.getAccount(root, a), a);
  }
  assert.is(await executor2.getCode(root, contract), RUNTIME);
  assert.is(await executor2.getStorage(root, contract, 0n), 0x2an);
  assert.ok(store2.stats().dbReads > 0, 'the nodes came from Postgres');
  // Both executors build the same next state; the reopened one can go on from there.
  const raw = await sign(bob, { nonce: 4, to: addr(alice), value: 11n });
  const block = { number: blockNumber, timestamp: TIMESTAMP, coinbase: COINBASE };
  const [a, b] = [
    await executor.executeTx({ stateRoot: root, tx: raw, block }),
    await executor2.executeTx({ stateRoot: root, tx: raw, block }),
  ];
  assertValid(a);
  assertValid(b);
  assert.is(b.stateRoot, a.stateRoot);
  const reader = createStateAccountReader(executor2, () => b.stateRoot);
  assert.equal(await reader.getAccount(addr(bob)), {
    nonce: 5n,
    balance: history.at(-1)!.bob - 11n - 21_000n * GWEI,
  });
});

test('a store failure is an ExecutionError with the severity of the store error (temporary), not an invalid tx', async () => {
  const closed = createPgPool(db.url);
  const brokenStore = await createTrieStore({ pool: closed });
  const broken = await createExecutor({ store: brokenStore, chainId: CHAIN_ID });
  await closed.end();
  const raw = await sign(alice, { nonce: 5, to: addr(bob) });
  const block = { number: 1n, timestamp: 1n, coinbase: COINBASE };
  for (const attempt of [
    () => broken.executeTx({ stateRoot: root, tx: raw, block }),
    () => broken.getAccount(root, addr(alice)),
  ]) {
    const err = await attempt().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(err, ExecutionError);
    assert.is((err as ExecutionError).severity, 'temporary');
    assert.ok((err as ExecutionError).walk((e) => e instanceof TrieStoreError));
  }
});

test('a store read failing anywhere in a tx (a storage write, the account flush) fails that tx, temporary, and the retry executes it', async () => {
  // @ethereumjs keeps its trie's lock when a read under a write throws, and loses a failed storage write in a promise
  // executor: the VM must not be wedged by one failed read (every later tx hanging, an unhandled rejection).
  const nonce = (await executor.getAccount(root, addr(alice))).nonce;
  const raw = await sign(alice, {
    nonce: Number(nonce),
    to: contract,
    data: word(0x5151n),
    gasLimit: 100_000n,
  });
  const block = { number: blockNumber, timestamp: TIMESTAMP, coinbase: COINBASE };
  const expected = await executor.executeTx({ stateRoot: root, tx: raw, block });
  assertValid(expected);
  const within = <T>(run: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the executor hung')), 5000);
    });
    return Promise.race([run, hang]).finally(() => clearTimeout(timer));
  };
  let failed = 0;
  for (let failAt = 1; ; failAt++) {
    let reads = 0;
    let armed = false;
    const flaky: TrieStore = {
      ...store,
      get: async (key) => {
        if (armed && ++reads === failAt) throw new TrieStoreError('injected read failure');
        return store.get(key);
      },
    };
    const ex = await createExecutor({ store: flaky, chainId: CHAIN_ID });
    armed = true;
    const first = await within(ex.executeTx({ stateRoot: root, tx: raw, block })).then(
      () => undefined,
      (e: unknown) => e,
    );
    armed = false;
    if (reads < failAt) break; // the tx read fewer nodes: every read has failed once
    assert.instance(first, ExecutionError, `read ${failAt}: ${String(first)}`);
    assert.is((first as ExecutionError).severity, 'temporary', `read ${failAt}`);
    assert.equal(
      await within(ex.executeTx({ stateRoot: root, tx: raw, block })),
      expected,
      `retry after read ${failAt}`,
    );
    failed++;
  }
  assert.ok(failed >= 10, `failed ${failed} reads`);
});

test('a store read failing anywhere in a trace fails the trace (temporary) instead of hanging it', async () => {
  // The trace VM writes storage through its trie: a failed read there never settled (and was an unhandled rejection).
  const nonce = (await executor.getAccount(root, addr(alice))).nonce;
  const raw = await sign(alice, {
    nonce: Number(nonce),
    to: contract,
    data: word(0x5252n),
    gasLimit: 100_000n,
  });
  const block = { number: blockNumber, timestamp: TIMESTAMP, coinbase: COINBASE };
  const hooks = { step() {}, enter() {}, exit() {} };
  const expected = await executor.traceTx({ stateRoot: root, tx: raw, block, hooks });
  assert.is(expected.status, 1);
  let reads = 0;
  let failAt = 0;
  const flaky: TrieStore = {
    ...store,
    get: async (key) => {
      if (++reads === failAt) throw new TrieStoreError('injected read failure');
      return store.get(key);
    },
  };
  const ex = await createExecutor({ store: flaky, chainId: CHAIN_ID });
  for (failAt = 1; ; failAt++) {
    reads = 0;
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the trace hung at read ${failAt}`)), 5000);
    });
    const outcome = await Promise.race([ex.traceTx({ stateRoot: root, tx: raw, block, hooks }), hang])
      .then(
        (traced) => ({ traced }),
        (err: unknown) => ({ err }),
      )
      .finally(() => clearTimeout(timer));
    if ('traced' in outcome) {
      assert.ok(reads < failAt, 'a trace that read a failing node failed');
      assert.equal(outcome.traced, expected);
      break;
    }
    assert.instance(outcome.err, ExecutionError, `read ${failAt}: ${String(outcome.err)}`);
    assert.is((outcome.err as ExecutionError).severity, 'temporary', `read ${failAt}`);
  }
  assert.ok(failAt > 5, `${failAt - 1} reads failed`);
});

test('the roots equal those built on an in-memory MapDB from the same inputs', async () => {
  const memory = await createExecutor({ store: new MapDB(), chainId: CHAIN_ID });
  await memory.applyGenesis([
    { address: alice.address, balance: 100n * ETH, nonce: 0n },
    { address: bob.address, balance: 50n * ETH, nonce: 3n },
    {
      address: '0x000000000000000000000000000000000000c0de',
      balance: 0n,
      nonce: 1n,
      bytecode: RUNTIME,
      storage: { '0x00': '0x07', [word(5n)]: 9n },
    },
  ]);
  assert.ok(executed.length > 20);
  for (const step of executed) {
    const r = await memory.executeTx({ stateRoot: step.stateRoot, tx: step.tx, block: step.block });
    assert.is(r.valid, step.result.valid);
    assert.is(r.stateRoot, step.result.stateRoot);
    if (r.valid && step.result.valid) assert.equal(r.receipt, step.result.receipt);
  }
});

test('the roots equal a bare @ethereumjs run (default state manager, sender recovered inside runTx)', async () => {
  const common = createL2Common(CHAIN_ID);
  const stateManager = new MerkleStateManager({ common });
  const vm = await createVM({ common, stateManager });
  const at = (a: string) => new EthAddress(hexToBytes(a.toLowerCase()));
  await stateManager.checkpoint();
  await stateManager.putAccount(at(alice.address), new Account(0n, 100n * ETH));
  await stateManager.putAccount(at(bob.address), new Account(3n, 50n * ETH));
  const c0de = at('0x000000000000000000000000000000000000c0de');
  await stateManager.putAccount(c0de, new Account(1n, 0n));
  await stateManager.putCode(c0de, hexToBytes(RUNTIME));
  await stateManager.putStorage(c0de, hexToBytes(word(0n)), new Uint8Array([7]));
  await stateManager.putStorage(c0de, hexToBytes(word(5n)), new Uint8Array([9]));
  await stateManager.commit();
  assert.is(bytesHex(await stateManager.getStateRoot()), genesisRoot);
  let valid = 0;
  for (const step of executed) {
    if (!step.result.valid) continue;
    const raw = typeof step.tx === 'string' ? step.tx : (step.tx as DecodedLegacyTx).raw;
    const result = await runTx(vm, {
      tx: createLegacyTxFromRLP(hexToBytes(raw), { common }),
      block: createBlock(
        {
          header: {
            number: step.block.number,
            timestamp: step.block.timestamp,
            coinbase: step.block.coinbase,
            gasLimit: 30_000_000n,
            baseFeePerGas: 0n,
          },
        },
        { common },
      ),
    });
    assert.is(bytesHex(await stateManager.getStateRoot()), step.result.stateRoot);
    assert.is(result.totalGasSpent, step.result.receipt.gasUsed);
    valid++;
  }
  assert.ok(valid >= 7);
});

test('an effective percentage below 255: the tx pays floor(gasPrice × (pct + 1) / 256) per gas, GASPRICE included', async () => {
  const mem = await createExecutor({ store: new MapDB(), chainId: CHAIN_ID });
  const carol = wallet(0xca401);
  const gasPrice = 1_000_000_007n; // odd: the division rounds down
  const paid = (gasPrice * 128n) / 256n; // effectivePercentage 127
  // Init code that stores GASPRICE in slot 0 of the new contract and returns no code.
  const initCode = assemble(['GASPRICE', 0, 'SSTORE']);
  const gasLimit = 100_000n;
  // Enough for gasLimit × the effective price, not for gasLimit × the signed price: the upfront check uses the
  // price the tx pays, as the ROM does.
  const funded = gasLimit * paid + 1n;
  const genesisRoot = await mem.applyGenesis([{ address: carol.address, balance: funded, nonce: 0n }]);
  const raw = await sign(carol, { nonce: 0, to: null, data: initCode, gasLimit, gasPrice });
  const decoded = decodeRawTx(hexToBytes(raw)) as DecodedLegacyTx;
  const block = { number: 1n, timestamp: TIMESTAMP, coinbase: COINBASE };
  const full = await mem.executeTx({ stateRoot: genesisRoot, tx: decoded, block });
  assert.is(full.valid ? 'valid' : full.error, 'insufficient funds for gas * price + value');
  const r = await mem.executeTx({
    stateRoot: genesisRoot,
    tx: { ...decoded, effectivePercentage: 127 },
    block,
  });
  assertValid(r);
  assert.is(r.receipt.status, 1);
  const created = getCreateAddress({ from: carol.address, nonce: 0 }).toLowerCase() as Address;
  assert.is(await mem.getStorage(r.stateRoot, created, 0n), paid, 'GASPRICE is the effective price');
  assert.is((await mem.getAccount(r.stateRoot, addr(carol))).balance, funded - r.receipt.gasUsed * paid);
  assert.is((await mem.getAccount(r.stateRoot, COINBASE)).balance, r.receipt.gasUsed * paid);
  // 255 is the full price, as no percentage at all.
  const rich = await mem.applyGenesis([{ address: carol.address, balance: ETH, nonce: 0n }]);
  const at255 = await mem.executeTx({ stateRoot: rich, tx: { ...decoded, effectivePercentage: 255 }, block });
  const plain = await mem.executeTx({ stateRoot: rich, tx: decoded, block });
  assertValid(at255);
  assertValid(plain);
  assert.is(at255.stateRoot, plain.stateRoot);
  assert.is((await mem.getAccount(plain.stateRoot, COINBASE)).balance, plain.receipt.gasUsed * gasPrice);
});

function bytesHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

test.run();
