/** keccak-256 on WebAssembly (src/primitives/keccak.ts) against @noble/hashes' reference implementation. */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { keccak256, keccak256Hex } from '../../src/primitives/index.ts';
import { keccakBackend } from '../../src/primitives/keccak.ts';

test('the WebAssembly hasher is the one in use here', () => {
  assert.is(keccakBackend, 'wasm');
});

test('the same digest as @noble/hashes for 0 to 2,000 bytes (every rate boundary crossed) and 1 MB', () => {
  const sizes = [...Array.from({ length: 2001 }, (_, i) => i), 1 << 20];
  for (const size of sizes) {
    const data = new Uint8Array(size).map((_, i) => (i * 31 + size) & 0xff);
    assert.equal(keccak256(data), keccak_256(data), `${size} bytes`);
  }
  assert.is(
    keccak256Hex(new Uint8Array()),
    '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
  );
});

test('digests are independent buffers: a later hash does not change an earlier one', () => {
  const a = keccak256(new Uint8Array([1]));
  const copy = a.slice();
  keccak256(new Uint8Array([2]));
  assert.equal(a, copy);
  assert.equal(keccak256(a.subarray(4, 20)), keccak_256(a.subarray(4, 20)), 'a view into a larger buffer');
});

test.run();
