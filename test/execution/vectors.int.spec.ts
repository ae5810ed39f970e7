/**
 * Execution conformance: the reference node's public forced-batch vectors (`reference/vectors/forced-tx/**`).
 * Each batch runs on its genesis, one tx per L2 block, fees to the dev coinbase, and every expected leaf (nonce,
 * balance, storage, code) must match — except the zkEVM's own exit-root contract, which our L2 does not have.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBatchL2Data, FULL_EFFECTIVE_PERCENTAGE } from '../../src/batch/index.ts';
import { createPgPool, type PgPool } from '../../src/db/index.ts';
import { createExecutor, createTrieStore, type Executor, type TrieStore } from '../../src/execution/index.ts';
import { type Address, type Hash, type Hex, toAddress } from '../../src/primitives/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

const VECTORS = new URL('../../../shared/reference/vectors/forced-tx/', import.meta.url);
const COINBASE = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as Address;
const EXIT_ROOT_CONTRACT = '0xa40d5f56745a118d0906a34e69aec8c0db1cb8fa';
const TIMESTAMP = 1_944_498_031n;
const EXPECTED_FILES = 22;

type VectorAccount = {
  address: string;
  nonce: string;
  balance: string;
  bytecode?: string;
  bytecodeLength?: number;
  storage?: Record<string, string> | null;
};
type Vector = { batchL2Data: Hex; genesis: VectorAccount[]; expectedNewLeafs: VectorAccount[] };

const test = suite('execution/vectors');

function vectorFiles(): string[] {
  const root = fileURLToPath(VECTORS);
  if (!existsSync(root)) throw new Error(`the public vectors are missing: ${root} does not exist`);
  const walk = (dir: string): string[] =>
    readdirSync(dir)
      .sort()
      .flatMap((name) => {
        const path = `${dir}${name}`;
        return statSync(path).isDirectory() ? walk(`${path}/`) : path.endsWith('.json') ? [path] : [];
      });
  return walk(root);
}

const files = vectorFiles();
let db: TestDatabase;
let pool: PgPool;
let store: TrieStore;
let executor: Executor;

test.before(async () => {
  db = await createTestDatabase('vectors');
  pool = createPgPool(db.url);
  store = await createTrieStore({ pool });
  executor = await createExecutor({ store, chainId: 1001n });
});

test.after(async () => {
  await pool.end();
  await db.drop();
});

test(`the vectors are all there (${EXPECTED_FILES} files)`, () => {
  assert.is(files.length, EXPECTED_FILES, `found ${files.join(', ')}`);
});

for (const file of files) {
  const name = file.slice(fileURLToPath(VECTORS).length);
  test(name, async () => {
    const vector = JSON.parse(readFileSync(file, 'utf8')) as Vector;
    let root: Hash = await executor.applyGenesis(
      vector.genesis.map((a) => ({
        address: a.address,
        nonce: BigInt(a.nonce),
        balance: BigInt(a.balance),
        ...(a.bytecode ? { bytecode: a.bytecode } : {}),
        ...(a.storage ? { storage: a.storage } : {}),
      })),
    );
    await store.flush();
    const txs = decodeBatchL2Data(vector.batchL2Data);
    let block = 1n;
    for (const tx of txs) {
      assert.is(tx.effectivePercentage, FULL_EFFECTIVE_PERCENTAGE, 'the vectors pay full gas prices');
      const result = await executor.executeTx({
        stateRoot: root,
        tx,
        block: { number: block++, timestamp: TIMESTAMP, coinbase: COINBASE },
      });
      root = result.stateRoot;
      await store.flush();
    }
    const mismatches: string[] = [];
    for (const leaf of vector.expectedNewLeafs) {
      const address = toAddress(leaf.address);
      if (address === EXIT_ROOT_CONTRACT) continue;
      const account = await executor.getAccount(root, address);
      if (account.nonce !== BigInt(leaf.nonce))
        mismatches.push(`${address} nonce ${account.nonce} ≠ ${leaf.nonce}`);
      if (account.balance !== BigInt(leaf.balance))
        mismatches.push(`${address} balance ${account.balance} ≠ ${leaf.balance}`);
      for (const [slot, value] of Object.entries(leaf.storage ?? {})) {
        const actual = await executor.getStorage(root, address, slot as Hex);
        if (actual !== BigInt(value))
          mismatches.push(`${address} storage ${slot} 0x${actual.toString(16)} ≠ ${value}`);
      }
      const code = await executor.getCode(root, address);
      if (leaf.bytecode !== undefined && code !== leaf.bytecode.toLowerCase())
        mismatches.push(`${address} code ${code.slice(0, 20)}… ≠ ${leaf.bytecode.slice(0, 20)}…`);
      if (leaf.bytecodeLength !== undefined && (code.length - 2) / 2 !== leaf.bytecodeLength)
        mismatches.push(`${address} code length ${(code.length - 2) / 2} ≠ ${leaf.bytecodeLength}`);
    }
    assert.equal(mismatches, [], `${name}:\n${mismatches.join('\n')}`);
  });
}

test.run();
