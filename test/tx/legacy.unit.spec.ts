// The legacy tx codec against ethers: the same unsigned and signed RLP, signing hash, tx hash and sender; strict RLP.
import { encodeRlp, Transaction, Wallet } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Address, bytesToHex, type Hex, hexToBytes } from '../../src/primitives/index.ts';
import {
  decodeRlp,
  decodeSignedLegacyTx,
  decodeUnsignedLegacyTx,
  deriveLegacyTx,
  encodeSignedLegacyTx,
  encodeUnsignedLegacyTx,
  legacySigningHash,
  legacyTxHash,
  legacyV,
  legacyYParity,
  recoverLegacySender,
  SECP256K1_N,
  type SignedLegacyTx,
  TxFormatError,
  type TxFormatReason,
} from '../../src/tx/index.ts';

const alice = new Wallet('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcaee17f5bd4c5b4f0');

function sign(
  chainId: bigint,
  over: { to?: string | null; data?: string; nonce?: number } = {},
): Transaction {
  const tx = Transaction.from({
    type: 0,
    chainId,
    nonce: over.nonce ?? 9,
    gasPrice: 2_000_000_000n,
    gasLimit: 50_000n,
    to: over.to === undefined ? '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' : over.to,
    value: 10n ** 18n,
    data: over.data ?? '0xdeadbeef',
  });
  tx.signature = alice.signingKey.sign(tx.unsignedHash);
  return Transaction.from(tx.serialized);
}

function ours(tx: Transaction): SignedLegacyTx {
  const sig = tx.signature!;
  return {
    nonce: BigInt(tx.nonce),
    gasPrice: tx.gasPrice!,
    gas: tx.gasLimit,
    to: tx.to === null ? null : (tx.to.toLowerCase() as Address),
    value: tx.value,
    data: tx.data as Hex,
    chainId: tx.chainId,
    v: tx.chainId === 0n ? BigInt(sig.v) : sig.networkV!,
    r: BigInt(sig.r),
    s: BigInt(sig.s),
  };
}

function fails(fn: () => unknown, reason: TxFormatReason, message: string) {
  try {
    fn();
  } catch (err) {
    assert.instance(err, TxFormatError);
    assert.is((err as TxFormatError).reason, reason);
    assert.is((err as TxFormatError).shortMessage, message);
    return;
  }
  assert.unreachable(`expected ${reason}`);
}

const legacy = suite('legacy tx');

legacy('EIP-155 and pre-155: RLP, signing hash, tx hash and sender match ethers', () => {
  for (const tx of [sign(1001n), sign(0n), sign(1n, { to: null, data: '0x6000' })]) {
    const t = ours(tx);
    assert.is(bytesToHex(encodeUnsignedLegacyTx(t)), tx.unsignedSerialized);
    assert.is(bytesToHex(legacySigningHash(t)), tx.unsignedHash);
    assert.is(bytesToHex(encodeSignedLegacyTx(t)), tx.serialized);
    assert.is(legacyTxHash(t), tx.hash);
    assert.is(recoverLegacySender(t), alice.address.toLowerCase());
    const derived = deriveLegacyTx(t);
    assert.is(derived.hash, tx.hash);
    assert.is(derived.from, alice.address.toLowerCase());
    const decoded = decodeSignedLegacyTx(hexToBytes(tx.serialized));
    assert.equal(decoded, derived);
    assert.equal(decodeUnsignedLegacyTx(hexToBytes(tx.unsignedSerialized)), {
      nonce: t.nonce,
      gasPrice: t.gasPrice,
      gas: t.gas,
      to: t.to,
      value: t.value,
      data: t.data,
      chainId: t.chainId,
    });
  }
});

legacy('v and parity', () => {
  assert.is(legacyV(0n, 0), 27n);
  assert.is(legacyV(0n, 1), 28n);
  assert.is(legacyV(1001n, 1), 2038n);
  assert.is(legacyYParity({ chainId: 1001n, v: 2037n }), 0);
  assert.is(legacyYParity({ chainId: 0n, v: 28n }), 1);
  assert.is(legacyYParity({ chainId: 1001n, v: 27n }), null);
  assert.is(legacyYParity({ chainId: 0n, v: 37n }), null);
});

legacy('signatures that recover no sender give null', () => {
  const t = ours(sign(1001n));
  assert.is(recoverLegacySender({ ...t, s: SECP256K1_N - t.s }), null, 'high s');
  assert.is(recoverLegacySender({ ...t, r: 0n }), null, 'r = 0');
  assert.is(recoverLegacySender({ ...t, r: SECP256K1_N }), null, 'r = n');
  assert.is(recoverLegacySender({ ...t, v: 27n }), null, 'v of another scheme');
  assert.is(recoverLegacySender({ ...t, chainId: 1002n }), null, 'v of another chain');
  // v that is neither 27/28 nor ≥ 35: chain id 0, no sender.
  const raw = encodeRlp(['0x01', '0x01', '0x5208', alice.address, '0x01', '0x', '0x1e', '0x01', '0x01']);
  const d = decodeSignedLegacyTx(hexToBytes(raw));
  assert.is(d.chainId, 0n);
  assert.is(d.from, null);
});

legacy('strict RLP: what decodes re-encodes to the same bytes', () => {
  fails(
    () => decodeRlp(hexToBytes('0x8105')),
    'non-canonical',
    'RLP string at offset 0 wraps the single byte 0x05 in a prefix',
  );
  fails(
    () => decodeRlp(hexToBytes('0xb801aa')),
    'non-canonical',
    'RLP string at offset 0 uses the long form for 1 byte (short form is canonical)',
  );
  fails(
    () => decodeRlp(hexToBytes('0x83aabb')),
    'truncated',
    'RLP string at offset 0 declares 3 payload bytes, 2 remain',
  );
  fails(() => decodeRlp(hexToBytes('0xc0c0')), 'malformed', '1 byte after the RLP item ending at offset 1');
  fails(
    () => decodeRlp(hexToBytes('0xc2c2c0c0'), 100),
    'malformed',
    'RLP item at offset 101 overruns its list, which ends at offset 103',
  );
  fails(() => decodeSignedLegacyTx(hexToBytes('0x8180')), 'not-a-list', 'transaction is not an RLP list');
  fails(
    () => decodeSignedLegacyTx(hexToBytes(encodeRlp(['0x01', '0x02']))),
    'field-count',
    'legacy tx has 2 fields, want 9',
  );
  assert.equal(decodeRlp(hexToBytes('0xc88301020380c20102')), [
    new Uint8Array([1, 2, 3]),
    new Uint8Array(),
    [new Uint8Array([1]), new Uint8Array([2])],
  ]);
});

legacy.run();
