// Conformance of the batch codec with the reference node's public forced-batch vectors (DESIGN §6,
// reference/vectors/README.md): every batchL2Data decodes, re-encodes to the same bytes, and its txs are what the
// genesis accounts signed.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SigningKey, Transaction } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBatchL2Data, encodeBatchL2Data } from '../../src/batch/index.ts';
import { bytesToHex } from '../../src/primitives/index.ts';

type Account = { address: string; nonce: string; pvtKey?: string };
type Vector = { batchL2Data: string; genesis: Account[]; expectedNewLeafs: Account[] };

const VECTORS_DIR = fileURLToPath(new URL('../../../shared/reference/vectors/forced-tx/', import.meta.url));
/** The chain id the vectors' batches run on; txs signed for another chain are in them on purpose. */
const CHAIN_ID = 1001n;
/** The txs signed for a wrong chain id on purpose (file#index → chain id); the executor skips them. */
const WRONG_CHAIN_ID = new Map([
  ['group1/general_1.json#4', 3333n],
  ['group1/general_3.json#0', 401n],
]);
/** A tx from an account that is not in the genesis on purpose (no funds): the executor skips it. */
const UNFUNDED_SENDER = new Set(['group1/general_4.json#0']);
const EXPECTED_FILES = 22;
let resigned = 0;

function listVectors(): string[] {
  if (!existsSync(VECTORS_DIR))
    throw new Error(
      `the reference vectors folder ${VECTORS_DIR} is missing: it is expected at ../shared/reference/vectors/forced-tx relative to the repository root`,
    );
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return walk(VECTORS_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(VECTORS_DIR.length))
    .sort();
}

const files = listVectors();
const vectors = suite('forced-tx vectors');

vectors(`the folder holds all ${EXPECTED_FILES} vector files`, () => {
  assert.is(files.length, EXPECTED_FILES, `found: ${files.join(', ')}`);
});

const hex32 = (x: bigint) => `0x${x.toString(16).padStart(64, '0')}`;

for (const file of files) {
  vectors(file, () => {
    const vector = JSON.parse(readFileSync(join(VECTORS_DIR, file), 'utf8')) as Vector;
    const data = vector.batchL2Data.toLowerCase();
    const txs = decodeBatchL2Data(vector.batchL2Data as `0x${string}`);

    // Decoding then re-encoding gives the same bytes.
    assert.is(bytesToHex(encodeBatchL2Data(txs)), data, 're-encoding is byte-identical');
    assert.is(txs.length === 0, data === '0x', 'an empty batch and only it has no txs');

    const keys = new Map(
      vector.genesis.filter((a) => a.pvtKey).map((a) => [a.address.toLowerCase(), a.pvtKey as string]),
    );
    const sentBy = new Map<string, number>();
    txs.forEach((tx, i) => {
      const where = `${file}#${i}`;
      // Every tx recovers a sender, the same one ethers recovers from the signed tx with this v, r, s; and the v and
      // hash are what eth_getTransactionByHash shows (ethers parses and hashes the same signed tx the same way).
      assert.ok(tx.from, `${where}: a sender recovers`);
      const fields = {
        type: 0,
        chainId: tx.chainId,
        nonce: Number(tx.nonce),
        gasPrice: tx.gasPrice,
        gasLimit: tx.gas,
        to: tx.to,
        value: tx.value,
        data: tx.data,
      };
      const unsigned = Transaction.from(fields);
      const yParity = Number(tx.v - (tx.chainId === 0n ? 27n : tx.chainId * 2n + 35n));
      const signed = Transaction.from(
        Transaction.from({ ...fields, signature: { r: hex32(tx.r), s: hex32(tx.s), v: 27 + yParity } })
          .serialized,
      );
      assert.is(tx.from, signed.from?.toLowerCase(), `${where}: ethers recovers the same sender`);
      assert.is(
        tx.v,
        tx.chainId === 0n ? BigInt(signed.signature!.v) : signed.signature!.networkV,
        `${where}: v`,
      );
      assert.is(tx.hash, signed.hash, `${where}: hash`);
      // The sender is a genesis account (or the one unfunded sender on purpose); where the vector gives its key,
      // re-signing the decoded fields with it (RFC 6979, deterministic) gives the same r and s.
      const inGenesis = vector.genesis.some((a) => a.address.toLowerCase() === tx.from);
      assert.ok(
        inGenesis || UNFUNDED_SENDER.has(where),
        `${where}: the sender ${tx.from} is a genesis account`,
      );
      const key = keys.get(tx.from);
      if (key) {
        const sig = new SigningKey(key).sign(unsigned.unsignedHash);
        assert.is(hex32(tx.r), sig.r, `${where}: r`);
        assert.is(hex32(tx.s), sig.s, `${where}: s`);
        resigned++;
      }
      assert.is(tx.effectivePercentage, 255, `${where}: the vectors pay full gas price`);
      // Chain ids: the batch's, except the txs signed for another chain on purpose.
      assert.is(tx.chainId, WRONG_CHAIN_ID.get(where) ?? CHAIN_ID, `${where}: chain id`);
      if (tx.chainId === CHAIN_ID) sentBy.set(tx.from, (sentBy.get(tx.from) ?? 0) + 1);
    });

    // The count is plausible: no genesis account's nonce rises by more than the txs it sent on the right chain
    // (accounts created by the batch — deployed contracts, nonce 1 by EIP-161 — were not senders).
    for (const leaf of vector.expectedNewLeafs) {
      const before = vector.genesis.find((a) => a.address.toLowerCase() === leaf.address.toLowerCase());
      const rise = BigInt(leaf.nonce) - BigInt(before?.nonce ?? '0');
      const isContract = (before as { isSmartContract?: boolean } | undefined)?.isSmartContract === true;
      if (before && !isContract && rise > 0n)
        assert.ok(
          rise <= BigInt(sentBy.get(leaf.address.toLowerCase()) ?? 0),
          `${file}: ${leaf.address} nonce rose by ${rise} with ${sentBy.get(leaf.address.toLowerCase()) ?? 0} txs`,
        );
    }
  });
}

vectors('most txs were re-signed from the genesis keys (the check above is not vacuous)', () => {
  assert.is(resigned, 42, '44 txs in all, 2 from senders whose key the vectors do not give');
});

vectors.run();
