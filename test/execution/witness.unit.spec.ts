/**
 * Witnesses (`src/execution/witness.ts`): batches executed on an archived trie record exactly what a stateless
 * re-execution needs — the same new root from the witness alone, every recorded node needed, a missing or forged
 * node or code named, the store never written.
 */
import { MapDB } from '@ethereumjs/util';
import { getCreateAddress, Wallet } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeBatchL2Data } from '../../src/batch/index.ts';
import {
  buildWitness,
  createExecutor,
  type Executor,
  executeStateless,
  type Witness,
  type WitnessBatch,
  WitnessError,
} from '../../src/execution/index.ts';
import { type Address, bytesToHex, type Hash, type Hex, hexToBytes } from '../../src/primitives/index.ts';
import { decodeSignedLegacyTx } from '../../src/tx/index.ts';

const test = suite('execution/witness');

const CHAIN_ID = 1001n;
const GWEI = 1_000_000_000n;
const COINBASE = '0x00000000000000000000000000000000000000c0' as Address;
const ZERO_HASH = `0x${'00'.repeat(32)}` as Hash;
const wallet = (n: number) => new Wallet(`0x${n.toString(16).padStart(64, '0')}`);
const alice = wallet(0xa11ce);
const bob = wallet(0xb0b);
const lower = (a: string) => a.toLowerCase() as Address;
/** Runtime: SSTORE(calldata[0:32], calldata[32:64]). */
const STORE_RUNTIME = '0x6020356000355500' as Hex;
/** Init code that returns STORE_RUNTIME (8 bytes): CODECOPY it from offset 12 and RETURN. */
const STORE_INIT = `0x6008600c60003960086000f3${STORE_RUNTIME.slice(2)}` as Hex;
const KV = '0x00000000000000000000000000000000000000ee' as Address;
const word = (v: bigint | number) => BigInt(v).toString(16).padStart(64, '0');

let store: MapDB<string, string | Uint8Array>;
let executor: Executor;
let genesisRoot: Hash;
let batches: WitnessBatch[];
let expectedRoot: Hash;
let expectedBlocks: number;
let built: { witness: Witness; newStateRoot: Hash; l2Blocks: number };

const nonces = new Map<Wallet, number>();
async function signed(from: Wallet, to: Address | null, data: Hex = '0x', value = 0n) {
  const nonce = nonces.get(from) ?? 0;
  nonces.set(from, nonce + 1);
  const raw = await from.signTransaction({
    type: 0,
    chainId: CHAIN_ID,
    nonce,
    gasPrice: GWEI,
    gasLimit: 200_000n,
    to,
    value,
    data,
  });
  return decodeSignedLegacyTx(hexToBytes(raw));
}

test.before(async () => {
  store = new MapDB();
  const storage: Record<string, string> = {};
  for (let slot = 1; slot <= 24; slot++) storage[`0x${word(slot)}`] = `0x${word(1000 + slot)}`;
  executor = await createExecutor({
    store,
    chainId: CHAIN_ID,
    genesis: [
      { address: lower(alice.address), balance: 10n ** 21n, nonce: 0n },
      { address: lower(bob.address), balance: 10n ** 21n, nonce: 0n },
      { address: KV, balance: 0n, nonce: 1n, bytecode: STORE_RUNTIME, storage },
    ],
  });
  genesisRoot = executor.genesisRoot!;

  const batch1 = [
    await signed(alice, lower(bob.address), '0x', 10n ** 18n),
    await signed(alice, '0x00000000000000000000000000000000000000a1' as Address, '0x', 5n), // a new account
    await signed(bob, KV, `0x${word(3)}${word(0)}` as Hex), // clears a slot: a branch may collapse
    await signed(bob, KV, `0x${word(100)}${word(7)}` as Hex), // a new slot
  ];
  const deployed = lower(getCreateAddress({ from: alice.address, nonce: 2 }));
  const batch2 = [
    await signed(alice, null, STORE_INIT), // a deployment
    await signed(bob, KV, `0x${word(5)}${word(0)}` as Hex),
    await signed(bob, deployed, `0x${word(1)}${word(9)}` as Hex), // the first slot of an empty storage trie
    await signed(bob, lower(alice.address), '0x', 1n),
  ];
  batches = [
    {
      batchNumber: 1n,
      batchL2Data: encodeBatchL2Data(batch1),
      globalExitRoot: ZERO_HASH,
      timestamp: 1_700_000_000n,
      coinbase: COINBASE,
      firstL2Block: 1n,
    },
    {
      batchNumber: 2n,
      batchL2Data: encodeBatchL2Data(batch2),
      globalExitRoot: ZERO_HASH,
      timestamp: 1_700_000_010n,
      coinbase: COINBASE,
      firstL2Block: 5n,
    },
  ];
  // The chain as the sequencer makes it: one tx per block on the archived store.
  let root = genesisRoot;
  let blocks = 0;
  for (const [b, txs] of [batch1, batch2].entries()) {
    const batch = batches[b]!;
    for (const [i, tx] of txs.entries()) {
      const result = await executor.executeTx({
        stateRoot: root,
        tx: { ...tx, from: tx.from! },
        block: { number: batch.firstL2Block + BigInt(i), timestamp: batch.timestamp, coinbase: COINBASE },
      });
      assert.ok(result.valid, `tx ${b}/${i} valid`);
      root = result.stateRoot;
      blocks++;
    }
  }
  expectedRoot = root;
  expectedBlocks = blocks;
  built = await buildWitness({ store, chainId: CHAIN_ID, oldStateRoot: genesisRoot, batches });
});

test('building the witness re-executes to the chain’s root and writes nothing to the store', async () => {
  const sizeBefore = store._database.size;
  const again = await buildWitness({ store, chainId: CHAIN_ID, oldStateRoot: genesisRoot, batches });
  assert.is(again.newStateRoot, expectedRoot);
  assert.is(again.l2Blocks, expectedBlocks);
  assert.is(store._database.size, sizeBefore);
  assert.is(built.newStateRoot, expectedRoot);
  assert.ok(built.witness.nodes.length > 0);
  assert.equal(
    built.witness.codes.map((c) => bytesToHex(c)),
    [STORE_RUNTIME],
  );
});

test('the witness alone reproduces the new state root', async () => {
  const result = await executeStateless({
    chainId: CHAIN_ID,
    oldStateRoot: genesisRoot,
    witness: built.witness,
    batches,
  });
  assert.equal(result, { newStateRoot: expectedRoot, l2Blocks: expectedBlocks });
});

test('every recorded node is needed: removing any one is named as missing', async () => {
  for (const [i] of built.witness.nodes.entries()) {
    const nodes = built.witness.nodes.filter((_, j) => j !== i);
    const err = await executeStateless({
      chainId: CHAIN_ID,
      oldStateRoot: genesisRoot,
      witness: { nodes, codes: built.witness.codes },
      batches,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(err, WitnessError, `node ${i} removed`);
    assert.is((err as WitnessError).field, 'witness.nodes');
    assert.match(
      (err as WitnessError).message,
      /lacks (the trie node 0x[0-9a-f]{64}|the node of the old state root)/,
    );
  }
});

test('a forged node proves nothing: it is never reached, and the real one is missing', async () => {
  const nodes = built.witness.nodes.map((n) => n.slice());
  const victim = nodes.findIndex((n) => n.length > 40);
  nodes[victim]![nodes[victim]!.length - 1]! ^= 1;
  const err = await executeStateless({
    chainId: CHAIN_ID,
    oldStateRoot: genesisRoot,
    witness: { nodes, codes: built.witness.codes },
    batches,
  }).catch((e: unknown) => e);
  assert.instance(err, WitnessError);
  assert.is((err as WitnessError).field, 'witness.nodes');
});

test('a missing code is named (not executed as empty code)', async () => {
  const err = await executeStateless({
    chainId: CHAIN_ID,
    oldStateRoot: genesisRoot,
    witness: { nodes: built.witness.nodes, codes: [] },
    batches,
  }).catch((e: unknown) => e);
  assert.instance(err, WitnessError);
  assert.is((err as WitnessError).field, 'witness.codes');
  assert.match((err as WitnessError).message, /lacks the code with hash 0x[0-9a-f]{64}/);
});

test('a witness for another root is refused at the root', async () => {
  const err = await executeStateless({
    chainId: CHAIN_ID,
    oldStateRoot: expectedRoot,
    witness: built.witness,
    batches,
  }).catch((e: unknown) => e);
  assert.instance(err, WitnessError);
  assert.is((err as WitnessError).field, 'witness.nodes');
  assert.match((err as WitnessError).message, /old state root/);
});

test('undecodable batch data names the batch', async () => {
  const bad = batches.map((b) => ({ ...b }));
  bad[1] = { ...bad[1]!, batchL2Data: bad[1]!.batchL2Data.slice(0, 20) };
  const err = await executeStateless({
    chainId: CHAIN_ID,
    oldStateRoot: genesisRoot,
    witness: built.witness,
    batches: bad,
  }).catch((e: unknown) => e);
  assert.instance(err, WitnessError);
  assert.is((err as WitnessError).field, 'batches[1].batch_l2_data');
});

test('an empty batch list is the identity and needs only the root node', async () => {
  const empty = await buildWitness({ store, chainId: CHAIN_ID, oldStateRoot: genesisRoot, batches: [] });
  assert.is(empty.newStateRoot, genesisRoot);
  assert.is(empty.witness.nodes.length, 1);
  const again = await executeStateless({
    chainId: CHAIN_ID,
    oldStateRoot: genesisRoot,
    witness: empty.witness,
    batches: [],
  });
  assert.is(again.newStateRoot, genesisRoot);
});

test.run();
