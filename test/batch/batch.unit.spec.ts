// The batch codec (DESIGN §6): txs signed by ethers encode to the bytes ethers' own serialisation implies, decode
// back to the same txs and senders, and every way bytes can fail to be a batch is named with its tx and offset.
import {
  concat,
  encodeRlp,
  keccak256 as ethersKeccak,
  solidityPackedKeccak256,
  Transaction,
  toBeHex,
  toUtf8Bytes,
  Wallet,
  zeroPadValue,
} from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  accInputHash,
  BatchDecodeError,
  type BatchDecodeReason,
  BatchInputError,
  type BatchTxInput,
  batchHashData,
  decodeBatchL2Data,
  effectiveGasPrice,
  encodeBatchL2Data,
} from '../../src/batch/index.ts';
import * as entry from '../../src/index.ts';
import { type Address, bytesToHex, type Hash, type Hex, hexToBytes } from '../../src/primitives/index.ts';

const alice = new Wallet('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcaee17f5bd4c5b4f0');
const bob = new Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const CHAIN_ID = 1001n;
const GWEI = 1_000_000_000n;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

type Fields = {
  nonce?: number;
  gasPrice?: bigint;
  gasLimit?: bigint;
  to?: string | null;
  value?: bigint;
  data?: string;
  /** 0n = pre-155 */
  chainId?: bigint;
};

/** A legacy tx signed by `wallet` with ethers (EIP-155 unless chainId is 0n). */
function sign(f: Fields = {}, wallet = alice): Transaction {
  const tx = Transaction.from({
    type: 0,
    chainId: f.chainId ?? CHAIN_ID,
    nonce: f.nonce ?? 0,
    gasPrice: f.gasPrice ?? GWEI,
    gasLimit: f.gasLimit ?? 21000n,
    to: f.to === undefined ? bob.address : f.to,
    value: f.value ?? 1n,
    data: f.data ?? '0x',
  });
  tx.signature = wallet.signingKey.sign(tx.unsignedHash);
  return tx;
}

/** The tx as the batch codec takes it, read off ethers' object. */
function input(tx: Transaction, effectivePercentage?: number): BatchTxInput {
  const sig = tx.signature!;
  return {
    nonce: BigInt(tx.nonce),
    gasPrice: tx.gasPrice!,
    gas: tx.gasLimit,
    to: tx.to === null ? null : (tx.to.toLowerCase() as Address),
    value: tx.value,
    data: tx.data as Hex,
    chainId: tx.chainId,
    v: networkV(tx),
    r: BigInt(sig.r),
    s: BigInt(sig.s),
    ...(effectivePercentage === undefined ? {} : { effectivePercentage }),
  };
}

/** The signed tx's v as ethers writes it: 27/28 pre-155, chainId * 2 + 35 + parity for EIP-155. */
function networkV(tx: Transaction): bigint {
  const parsed = Transaction.from(tx.serialized).signature!;
  return tx.chainId === 0n ? BigInt(parsed.v) : parsed.networkV!;
}

/** The blob DESIGN §6 prescribes, built from ethers' serialisation: unsigned RLP ‖ r ‖ s ‖ 27 + parity ‖ pct. */
function blob(tx: Transaction, pct = 255): string {
  const sig = tx.signature!;
  return concat([
    tx.unsignedSerialized,
    zeroPadValue(sig.r, 32),
    zeroPadValue(sig.s, 32),
    toBeHex(sig.v, 1),
    toBeHex(pct, 1),
  ]);
}

/** Deterministic filler bytes. */
function filler(length: number): string {
  const out = new Uint8Array(length);
  let x = 0x12345678;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return bytesToHex(out);
}

const hex = (bytes: Uint8Array) => bytesToHex(bytes);
const SIG66 = `${'11'.repeat(32)}${'22'.repeat(32)}1bff`;

function decodeFails(
  data: string,
  reason: BatchDecodeReason,
  message: string,
  txIndex: number,
  offset: number,
) {
  try {
    decodeBatchL2Data(data as Hex);
  } catch (err) {
    assert.instance(err, BatchDecodeError);
    const e = err as BatchDecodeError;
    assert.is(e.reason, reason);
    assert.is(e.shortMessage, message);
    assert.is(e.txIndex, txIndex, 'tx index');
    assert.is(e.offset, offset, 'offset');
    assert.is(e.code, `BATCH_${reason.toUpperCase().replaceAll('-', '_')}`);
    assert.is(e.severity, 'critical');
    return;
  }
  assert.unreachable(`expected ${reason}`);
}

function inputFails(fn: () => unknown, message: string) {
  try {
    fn();
  } catch (err) {
    assert.instance(err, BatchInputError);
    assert.is((err as BatchInputError).shortMessage, message);
    return;
  }
  assert.unreachable(`expected "${message}"`);
}

// ---------------------------------------------------------------------------------------------------------------
const codec = suite('batchL2Data encode/decode');

codec('an EIP-155 tx encodes as unsigned RLP (9 fields) ‖ r ‖ s ‖ v byte ‖ 0xff and decodes back', () => {
  const tx = sign({ nonce: 7, value: 12345n, data: '0x00ff' });
  const bytes = encodeBatchL2Data([input(tx)]);
  assert.is(hex(bytes), blob(tx));
  assert.is(bytes[0], 0xc0 + bytes.length - 66 - 1, 'a short list');
  const [d, ...rest] = decodeBatchL2Data(bytes);
  assert.is(rest.length, 0);
  assert.ok(d);
  assert.is(d.from, alice.address.toLowerCase());
  assert.is(d.hash, tx.hash, 'the hash eth_getTransactionByHash shows');
  assert.is(d.v, networkV(tx), 'v = chainId * 2 + 35 + parity');
  assert.is(d.chainId, CHAIN_ID);
  assert.is(d.nonce, 7n);
  assert.is(d.gasPrice, GWEI);
  assert.is(d.gas, 21000n);
  assert.is(d.to, bob.address.toLowerCase());
  assert.is(d.value, 12345n);
  assert.is(d.data, '0x00ff');
  assert.is(d.r, BigInt(tx.signature!.r));
  assert.is(d.s, BigInt(tx.signature!.s));
  assert.is(d.effectivePercentage, 255);
});

codec('a pre-155 tx encodes its 6-field RLP, v 27/28, and decodes with chain id 0', () => {
  const tx = sign({ chainId: 0n, nonce: 3 });
  assert.is(tx.chainId, 0n);
  const bytes = encodeBatchL2Data([input(tx)]);
  assert.is(hex(bytes), blob(tx));
  const [d] = decodeBatchL2Data(bytes);
  assert.ok(d);
  assert.is(d.chainId, 0n);
  assert.is(d.v, BigInt(tx.signature!.v));
  assert.ok(d.v === 27n || d.v === 28n);
  assert.is(d.hash, tx.hash);
  assert.is(d.from, alice.address.toLowerCase());
  assert.is(bytesToHex(encodeBatchL2Data([d])), hex(bytes), 're-encodes byte for byte');
});

codec('both signature parities: the v byte is 27 + parity for EIP-155 and pre-155 txs', () => {
  const seen = new Map<string, Transaction>();
  for (let nonce = 0; seen.size < 4 && nonce < 64; nonce++)
    for (const chainId of [CHAIN_ID, 0n]) {
      const tx = sign({ nonce, chainId });
      seen.set(`${chainId}:${tx.signature!.yParity}`, tx);
    }
  assert.is(seen.size, 4, 'found both parities for both kinds');
  const txs = [...seen.values()];
  const bytes = encodeBatchL2Data(txs.map((t) => input(t)));
  assert.is(hex(bytes), concat(txs.map((t) => blob(t))));
  const decoded = decodeBatchL2Data(bytes);
  assert.equal(
    decoded.map((d) => [d.hash, d.from, d.v]),
    txs.map((t) => [t.hash, alice.address.toLowerCase(), networkV(t)]),
  );
});

codec('contract creations (empty `to`), big data and long-list headers round-trip', () => {
  const small = sign({ to: null, gasLimit: 100000n, data: '0x6000' });
  const medium = sign({ to: null, nonce: 1, gasLimit: 1_000_000n, data: filler(200) }); // 0xf8/0xf9: 1-2 length bytes
  const big = sign({ to: null, nonce: 2, gasLimit: 10_000_000n, data: filler(70_000) }, bob); // 0xfa: 3 length bytes
  const txs = [small, medium, big];
  const bytes = encodeBatchL2Data(txs.map((t) => input(t)));
  assert.is(hex(bytes), concat(txs.map((t) => blob(t))));
  const bigAt = hexToBytes(blob(small) as Hex).length + hexToBytes(blob(medium) as Hex).length;
  assert.is(bytes[bigAt], 0xfa, 'the big tx has a 3-byte list length');
  const decoded = decodeBatchL2Data(bytes);
  assert.is(decoded.length, 3);
  assert.equal(
    decoded.map((d) => [d.to, d.data, d.hash, d.from]),
    txs.map((t, i) => [null, t.data, t.hash, (i === 2 ? bob : alice).address.toLowerCase()]),
  );
  assert.is(bytesToHex(encodeBatchL2Data(decoded)), hex(bytes));
});

codec('effectivePercentage: the last byte of each blob, 255 by default', () => {
  const pcts = [0, 1, 127, 254, 255, undefined];
  const txs = pcts.map((_, nonce) => sign({ nonce }));
  const bytes = encodeBatchL2Data(txs.map((t, i) => input(t, pcts[i])));
  assert.is(hex(bytes), concat(txs.map((t, i) => blob(t, pcts[i] ?? 255))));
  const decoded = decodeBatchL2Data(bytes);
  assert.equal(
    decoded.map((d) => d.effectivePercentage),
    [0, 1, 127, 254, 255, 255],
  );
  assert.is(bytesToHex(encodeBatchL2Data(decoded)), hex(bytes));
});

codec('extreme values: 32-byte value and gas price, a large chain id, nonce 2^64 − 1', () => {
  const tx = sign({
    nonce: 0,
    gasPrice: 2n ** 256n - 1n,
    value: 2n ** 256n - 1n,
    chainId: 2n ** 40n + 1n,
  });
  const bytes = encodeBatchL2Data([input(tx)]);
  assert.is(hex(bytes), blob(tx));
  const [d] = decodeBatchL2Data(bytes);
  assert.is(d?.chainId, 2n ** 40n + 1n);
  assert.is(d?.from, alice.address.toLowerCase());
  assert.is(d?.hash, tx.hash);
  // A nonce ethers cannot sign (it takes a JS number) still round-trips through the codec.
  const big = { ...input(tx), nonce: 2n ** 64n - 1n };
  const [b] = decodeBatchL2Data(encodeBatchL2Data([big]));
  assert.is(b?.nonce, 2n ** 64n - 1n);
  assert.is(b?.from === alice.address.toLowerCase(), false, 'the signature no longer matches the fields');
});

codec('an empty batch is empty data; hex and bytes input decode alike', () => {
  assert.is(encodeBatchL2Data([]).length, 0);
  assert.equal(decodeBatchL2Data('0x'), []);
  assert.equal(decodeBatchL2Data(new Uint8Array()), []);
  const bytes = encodeBatchL2Data([input(sign()), input(sign({ nonce: 1 }, bob))]);
  assert.equal(decodeBatchL2Data(bytesToHex(bytes)), decodeBatchL2Data(bytes));
  assert.equal(
    decodeBatchL2Data(bytesToHex(bytes).toUpperCase().replace('0X', '0x') as Hex),
    decodeBatchL2Data(bytes),
  );
});

codec('a signature that recovers no sender decodes with from: null and re-encodes byte for byte', () => {
  const tx = sign({ nonce: 5 });
  const good = input(tx);
  const cases: [string, BatchTxInput][] = [
    ['high s (EIP-2)', { ...good, s: SECP256K1_N - good.s }],
    ['r = 0', { ...good, r: 0n }],
    ['s = 0', { ...good, s: 0n }],
    ['r ≥ n', { ...good, r: SECP256K1_N }],
    // A v byte other than 27/28: 0x1d, and 0x00 (v = chainId * 2 + 8).
    ['v byte 29', { ...good, v: CHAIN_ID * 2n + 37n }],
    ['v byte 0', { ...good, v: CHAIN_ID * 2n + 8n }],
    ['pre-155 v byte 0', { ...input(sign({ chainId: 0n })), v: 0n }],
  ];
  for (const [name, bad] of cases) {
    const bytes = encodeBatchL2Data([good, bad]);
    const [first, second] = decodeBatchL2Data(bytes);
    assert.is(first?.from, alice.address.toLowerCase(), name);
    assert.is(second?.from, null, name);
    assert.is(second?.v, bad.v, name);
    assert.is(bytesToHex(encodeBatchL2Data(decodeBatchL2Data(bytes))), bytesToHex(bytes), name);
  }
  // The v byte of a batch tx is kept as it was: byte 0x1d decodes to v = chainId * 2 + 37.
  const raw = concat([
    tx.unsignedSerialized,
    zeroPadValue(tx.signature!.r, 32),
    tx.signature!.s,
    '0x1d',
    '0xff',
  ]);
  assert.is(decodeBatchL2Data(raw as Hex)[0]?.v, CHAIN_ID * 2n + 37n);
});

codec('encoding refuses what the format cannot carry', () => {
  const good = input(sign());
  inputFails(
    () => encodeBatchL2Data([good, { ...good, effectivePercentage: 256 }]),
    'batch tx 1: effectivePercentage 256 is not an integer in 0..255',
  );
  inputFails(
    () => encodeBatchL2Data([{ ...good, effectivePercentage: 1.5 }]),
    'batch tx 0: effectivePercentage 1.5 is not an integer in 0..255',
  );
  inputFails(
    () => encodeBatchL2Data([{ ...good, effectivePercentage: -1 }]),
    'batch tx 0: effectivePercentage -1 is not an integer in 0..255',
  );
  inputFails(
    () => encodeBatchL2Data([{ ...good, v: 27n }]),
    "batch tx 0: v 27 does not fit the batch's one v byte for chain id 1001 (want 2037 or 2038)",
  );
  inputFails(
    () => encodeBatchL2Data([{ ...good, chainId: 0n, v: 300n }]),
    "batch tx 0: v 300 does not fit the batch's one v byte for chain id 0 (want 27 or 28)",
  );
  inputFails(
    () => encodeBatchL2Data([{ ...good, r: 2n ** 256n }]),
    `batch tx 0: r ${2n ** 256n} does not fit in 32 bytes`,
  );
  inputFails(
    () => encodeBatchL2Data([{ ...good, nonce: -1n }]),
    'batch tx 0: nonce -1 is not an unsigned 256-bit integer',
  );
  inputFails(
    () => encodeBatchL2Data([{ ...good, to: '0x1234' as Address }]),
    'batch tx 0: to is not a 20-byte address',
  );
});

codec('effectiveGasPrice: floor(gasPrice × (pct + 1) / 256); 255 is the full price', () => {
  assert.is(effectiveGasPrice(GWEI, 255), GWEI);
  assert.is(effectiveGasPrice(GWEI, 127), GWEI / 2n);
  assert.is(effectiveGasPrice(1_000_000_007n, 127), 500_000_003n, 'rounded down');
  assert.is(effectiveGasPrice(255n, 0), 0n, 'a 1/256 share of less than 256 wei is nothing');
  assert.is(effectiveGasPrice(256n, 0), 1n);
  assert.is(entry.effectiveGasPrice, effectiveGasPrice, 'exported from the package entry with the codec');
});

// ---------------------------------------------------------------------------------------------------------------
const errors = suite('batchL2Data decode errors');

const first = sign({ nonce: 1 });
const FIRST = blob(first);
const FIRST_LEN = (FIRST.length - 2) / 2;
/** An RLP list of `fields` (0x-hex each) followed by 66 signature bytes. */
const rawTx = (fields: unknown[]) => `${encodeRlp(fields as string[])}${SIG66}`;
const FIELDS = ['0x01', '0x3b9aca00', '0x5208', bob.address, '0x01', '0x', '0x03e9', '0x', '0x'];

errors('not a list: the data does not start with an RLP list header', () => {
  decodeFails(
    `0x05${FIRST.slice(2)}`,
    'not-a-list',
    'batchL2Data tx 0 at offset 0: 0x05 is not an RLP list header (0xc0–0xff)',
    0,
    0,
  );
  decodeFails(
    '0x80',
    'not-a-list',
    'batchL2Data tx 0 at offset 0: 0x80 is not an RLP list header (0xc0–0xff)',
    0,
    0,
  );
});

errors('trailing bytes after a whole tx', () => {
  decodeFails(
    `${FIRST}00`,
    'trailing-bytes',
    `batchL2Data has 1 trailing byte at offset ${FIRST_LEN} after tx 0: 0x00 is not an RLP list header (0xc0–0xff)`,
    1,
    FIRST_LEN,
  );
  decodeFails(
    `${FIRST}${FIRST.slice(2)}8080`,
    'trailing-bytes',
    `batchL2Data has 2 trailing bytes at offset ${2 * FIRST_LEN} after tx 1: 0x80 is not an RLP list header (0xc0–0xff)`,
    2,
    2 * FIRST_LEN,
  );
});

errors('truncated RLP: the list, or its length bytes, run past the end', () => {
  const cut = FIRST.slice(2, 2 + 20); // the first 10 bytes of a tx
  const declared = hexToBytes(FIRST as Hex)[0]! - 0xc0;
  decodeFails(
    `${FIRST}${cut}`,
    'truncated-rlp',
    `batchL2Data tx 1 at offset ${FIRST_LEN}: truncated RLP: RLP list at offset ${FIRST_LEN} declares ${declared} payload bytes, 9 remain`,
    1,
    FIRST_LEN,
  );
  decodeFails(
    `${FIRST}f901`,
    'truncated-rlp',
    `batchL2Data tx 1 at offset ${FIRST_LEN}: truncated RLP: RLP list header at offset ${FIRST_LEN} needs 2 length bytes, 1 remain`,
    1,
    FIRST_LEN,
  );
});

errors('truncated signature: fewer than 66 bytes after the RLP', () => {
  const rlpLen = FIRST_LEN - 66;
  decodeFails(
    FIRST.slice(0, -2),
    'truncated-signature',
    `batchL2Data tx 0 at offset 0: truncated signature: 66 bytes (r, s, v, effectivePercentage) must follow its RLP at offset ${rlpLen}, 65 remain`,
    0,
    rlpLen,
  );
  const bare = first.unsignedSerialized;
  decodeFails(
    `${FIRST}${bare.slice(2)}`,
    'truncated-signature',
    `batchL2Data tx 1 at offset ${FIRST_LEN}: truncated signature: 66 bytes (r, s, v, effectivePercentage) must follow its RLP at offset ${FIRST_LEN + rlpLen}, 0 remain`,
    1,
    FIRST_LEN + rlpLen,
  );
});

errors('wrong field count: neither 9 nor 6 fields', () => {
  decodeFails(
    `${FIRST}${rawTx(FIELDS.slice(0, 7)).slice(2)}`,
    'field-count',
    `batchL2Data tx 1 at offset ${FIRST_LEN}: unsigned legacy tx has 7 fields, want 9 (EIP-155) or 6 (pre-155)`,
    1,
    FIRST_LEN,
  );
  decodeFails(
    rawTx([...FIELDS, '0x']),
    'field-count',
    'batchL2Data tx 0 at offset 0: unsigned legacy tx has 10 fields, want 9 (EIP-155) or 6 (pre-155)',
    0,
    0,
  );
});

errors('non-canonical: integers with leading zeros and non-minimal RLP', () => {
  decodeFails(
    rawTx(['0x0001', ...FIELDS.slice(1)]),
    'non-canonical',
    'batchL2Data tx 0 at offset 0: nonce has leading zero bytes',
    0,
    0,
  );
  decodeFails(
    `${FIRST}${rawTx([...FIELDS.slice(0, 6), '0x0003e9', '0x', '0x']).slice(2)}`,
    'non-canonical',
    `batchL2Data tx 1 at offset ${FIRST_LEN}: chainId has leading zero bytes`,
    1,
    FIRST_LEN,
  );
  decodeFails(
    rawTx(['0x', '0x00', ...FIELDS.slice(2)]),
    'non-canonical',
    'batchL2Data tx 0 at offset 0: gasPrice has leading zero bytes',
    0,
    0,
  );
  // A single byte below 0x80 behind a 0x81 prefix: [0x81 0x05, '', '', '', '', ''].
  decodeFails(
    `0xc7810580808080${'80'}${SIG66}`,
    'non-canonical',
    'batchL2Data tx 0 at offset 0: RLP string at offset 1 wraps the single byte 0x05 in a prefix',
    0,
    1,
  );
  // The long form for a 6-byte list.
  decodeFails(
    `${FIRST}f806808080808080${SIG66}`,
    'non-canonical',
    `batchL2Data tx 1 at offset ${FIRST_LEN}: RLP list at offset ${FIRST_LEN} uses the long form for 6 bytes (short form is canonical)`,
    1,
    FIRST_LEN,
  );
  // A long-form length with a leading zero byte.
  decodeFails(
    `0xf90040${'80'.repeat(64)}${SIG66}`,
    'non-canonical',
    'batchL2Data tx 0 at offset 0: RLP list length at offset 0 has leading zero bytes',
    0,
    0,
  );
});

errors('malformed RLP: an item runs past the end of its tx list', () => {
  // A 2-byte list holding a string that declares 2 bytes: it overruns into the signature.
  decodeFails(
    `${FIRST}c282aa${SIG66}`,
    'malformed-rlp',
    `batchL2Data tx 1 at offset ${FIRST_LEN}: RLP item at offset ${FIRST_LEN + 1} overruns its list, which ends at offset ${FIRST_LEN + 3}`,
    1,
    FIRST_LEN + 1,
  );
});

errors('invalid fields', () => {
  const bad = (fields: unknown[], message: string) =>
    decodeFails(rawTx(fields), 'invalid-field', `batchL2Data tx 0 at offset 0: ${message}`, 0, 0);
  bad([...FIELDS.slice(0, 3), `0x${'aa'.repeat(19)}`, ...FIELDS.slice(4)], 'to is not a 20-byte address');
  bad([...FIELDS.slice(0, 5), ['0x01'], ...FIELDS.slice(6)], 'data is a list, want a byte string');
  bad([...FIELDS.slice(0, 4), `0x01${'00'.repeat(32)}`, ...FIELDS.slice(5)], 'value is longer than 32 bytes');
  bad(
    [...FIELDS.slice(0, 6), '0x', '0x', '0x'],
    'chainId is 0 in a 9-field (EIP-155) tx; pre-155 txs have 6 fields',
  );
  bad([...FIELDS.slice(0, 7), '0x01', '0x'], 'the EIP-155 placeholder fields 8 and 9 must be empty (0)');
  bad([...FIELDS.slice(0, 8), ['0x']], 'field 9 is a list, want a byte string');
});

errors('a string that is not hex is bad input, not a decode error', () => {
  inputFails(() => decodeBatchL2Data('0xabc' as Hex), 'batchL2Data is not 0x-hex of whole bytes');
});

// ---------------------------------------------------------------------------------------------------------------
const hashes = suite('batchHashData and accInputHash');

const h = (s: string) => ethersKeccak(toUtf8Bytes(s)) as Hash;
const BATCH = encodeBatchL2Data([input(sign()), input(sign({ nonce: 1, to: null, data: '0x6000' }), 7)]);

hashes('batchHashData is keccak256 of the data', () => {
  assert.is(batchHashData(BATCH), ethersKeccak(BATCH));
  assert.is(batchHashData(bytesToHex(BATCH)), ethersKeccak(BATCH));
  assert.is(batchHashData('0x'), ethersKeccak('0x'));
});

hashes('accInputHash matches solidityPackedKeccak256(bytes32, bytes32, bytes32, uint64, address)', () => {
  const cases = [
    { old: h('old'), data: BATCH, ger: h('ger'), ts: 1_700_000_000n, coinbase: alice.address },
    {
      old: zeroPadValue('0x', 32),
      data: new Uint8Array(),
      ger: zeroPadValue('0x', 32),
      ts: 0n,
      coinbase: bob.address,
    },
    {
      old: h('x'),
      data: BATCH,
      ger: h('y'),
      ts: 2n ** 64n - 1n,
      coinbase: '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266',
    },
  ];
  for (const c of cases) {
    const expected = solidityPackedKeccak256(
      ['bytes32', 'bytes32', 'bytes32', 'uint64', 'address'],
      [c.old, ethersKeccak(c.data), c.ger, c.ts, c.coinbase],
    );
    const common = {
      oldAccInputHash: c.old as Hash,
      globalExitRoot: c.ger as Hash,
      coinbase: c.coinbase as Address,
    };
    assert.is(accInputHash({ ...common, batchL2Data: c.data, timestamp: c.ts }), expected);
    assert.is(accInputHash({ ...common, batchL2Data: bytesToHex(c.data), timestamp: c.ts }), expected);
    assert.is(accInputHash({ ...common, batchHashData: batchHashData(c.data), timestamp: c.ts }), expected);
    if (c.ts <= BigInt(Number.MAX_SAFE_INTEGER))
      assert.is(accInputHash({ ...common, batchL2Data: c.data, timestamp: Number(c.ts) }), expected);
  }
});

hashes('accInputHash refuses inputs of the wrong size', () => {
  const ok = {
    oldAccInputHash: h('o'),
    globalExitRoot: h('g'),
    coinbase: alice.address as Address,
    batchL2Data: BATCH,
  };
  inputFails(() => accInputHash({ ...ok, timestamp: 2n ** 64n }), `timestamp ${2n ** 64n} is not a uint64`);
  inputFails(() => accInputHash({ ...ok, timestamp: -1 }), 'timestamp -1 is not a uint64');
  inputFails(
    () => accInputHash({ ...ok, oldAccInputHash: '0x1234' as Hash, timestamp: 1 }),
    'oldAccInputHash is 2 bytes, want 32',
  );
  inputFails(
    () => accInputHash({ ...ok, coinbase: h('c') as string as Address, timestamp: 1 }),
    'coinbase is 32 bytes, want 20',
  );
  inputFails(
    () => accInputHash({ ...ok, globalExitRoot: '0xzz' as Hash, timestamp: 1 }),
    'globalExitRoot is not 0x-hex of whole bytes',
  );
});

codec.run();
errors.run();
hashes.run();
