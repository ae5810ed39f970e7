import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bytesToHex, hexToBigInt, hexToBytes, keccak256Hex, toQuantity } from '../../src/primitives/index.ts';

test('quantities have no leading zeros', () => {
  assert.is(toQuantity(0n), '0x0');
  assert.is(toQuantity(1001n), '0x3e9');
  assert.is(hexToBigInt('0x'), 0n);
});

test('bytes round-trip through hex', () => {
  const bytes = new Uint8Array([0, 1, 254, 255]);
  assert.is(bytesToHex(bytes), '0x0001feff');
  assert.equal(hexToBytes('0x0001feff'), bytes);
  assert.throws(() => hexToBytes('0x123'), /whole bytes/);
});

test('keccak256 of the empty string', () => {
  assert.is(
    keccak256Hex(new Uint8Array()),
    '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
  );
});

test.run();
