import { ecrecover as referenceEcrecover } from '@ethereumjs/util';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { recover as wasmRecover } from 'tiny-secp256k1';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ecrecover, SignatureRecoveryError } from '../../src/primitives/index.ts';
import { secp256k1Backend } from '../../src/primitives/secp256k1.ts';

const N = secp256k1.Point.CURVE().n;
const be32 = (x: bigint) => {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
};
const seeded = (i: number) => be32(BigInt(i) * 0x9e3779b97f4a7c15n + 12345n);

test('recovers the same key as @ethereumjs/util for 27/28, 0/1 and EIP-155 v, low and high s', () => {
  for (let i = 1; i <= 40; i++) {
    const key = seeded(i);
    const hash = seeded(1000 + i);
    const sig = secp256k1.Signature.fromBytes(
      secp256k1.sign(hash, key, { prehash: false, format: 'recovered' }),
      'recovered',
    );
    let { r, s } = sig;
    let bit = BigInt(sig.recovery ?? 0);
    if (i % 2 === 0) {
      // the high-s twin of the same signature recovers the same key with the other parity
      s = N - s;
      bit ^= 1n;
    }
    const expected = referenceEcrecover(hash, 27n + bit, be32(r), be32(s));
    assert.equal(ecrecover(hash, 27n + bit, be32(r), be32(s)), expected);
    assert.equal(ecrecover(hash, bit, be32(r), be32(s)), expected);
    assert.equal(ecrecover(hash, 1001n * 2n + 35n + bit, be32(r), be32(s), 1001n), expected);
    const pub = secp256k1.getPublicKey(key, false).subarray(1);
    assert.equal(expected, pub);
  }
});

test('a short r or s is left-padded', () => {
  const hash = seeded(7);
  const sig = secp256k1.Signature.fromBytes(
    secp256k1.sign(hash, seeded(3), { prehash: false, format: 'recovered' }),
    'recovered',
  );
  const r = be32(sig.r);
  const s = be32(sig.s);
  const v = 27n + BigInt(sig.recovery ?? 0);
  const trimmed = s[0] === 0 ? s.subarray(1) : s;
  assert.equal(ecrecover(hash, v, r, trimmed), ecrecover(hash, v, r, s));
});

test('a bad v, r = 0, s ≥ n or an over-long component throws SignatureRecoveryError', () => {
  const hash = seeded(9);
  const one = be32(1n);
  assert.throws(
    () => ecrecover(hash, 29n, one, one),
    (e: unknown) => e instanceof SignatureRecoveryError && /v value 29/.test((e as Error).message),
  );
  assert.throws(
    () => ecrecover(hash, 27n, be32(0n), one),
    (e: unknown) => e instanceof SignatureRecoveryError,
  );
  assert.throws(
    () => ecrecover(hash, 27n, one, be32(N)),
    (e: unknown) => e instanceof SignatureRecoveryError,
  );
  assert.throws(() => ecrecover(hash, 27n, new Uint8Array(33), one), /33 bytes/);
});

test('the native binding loads where a prebuilt one ships (linux-x64 here), else the WebAssembly build', () => {
  const prebuilt = ['linux-x64', 'darwin-arm64', 'win32-x64'].includes(`${process.platform}-${process.arch}`);
  assert.is(secp256k1Backend, prebuilt ? 'native' : 'wasm');
});

test('the native and the WebAssembly libsecp256k1 agree: the same key, or both refuse', () => {
  let refused = 0;
  for (let i = 1; i <= 300; i++) {
    const hash = seeded(5000 + i);
    // valid signatures, and garbage r/s (most recover some key, some none)
    const garbage = i % 3 === 0;
    const sig = secp256k1.Signature.fromBytes(
      secp256k1.sign(hash, seeded(i), { prehash: false, format: 'recovered' }),
      'recovered',
    );
    const r = garbage ? seeded(9000 + i) : be32(sig.r);
    const s = garbage ? seeded(7000 + i * 7) : be32(sig.s);
    for (const bit of [0, 1] as const) {
      const compact = new Uint8Array(64);
      compact.set(r, 0);
      compact.set(s, 32);
      let expected: Uint8Array | null = null;
      try {
        expected = wasmRecover(hash, compact, bit, false)?.subarray(1) ?? null;
      } catch {
        expected = null;
      }
      let got: Uint8Array | null = null;
      try {
        got = ecrecover(hash, BigInt(bit), r, s);
      } catch (err) {
        assert.instance(err, SignatureRecoveryError);
      }
      if (expected === null) refused++;
      assert.equal(got, expected, `signature ${i}, parity ${bit}`);
    }
  }
  assert.ok(refused > 0, 'some garbage signatures recover no key');
});

test.run();
