/** src/primitives/address.ts against ethers, on many keys, creators, nonces and addresses. */
import { computeAddress, getAddress, getCreateAddress, Wallet } from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type Address,
  checksumAddress,
  contractAddress,
  type Hex,
  privateKeyToAddress,
  toAddress,
} from '../../src/primitives/index.ts';

const test = suite('primitives/address');

test('privateKeyToAddress equals ethers computeAddress; a bad key is refused', () => {
  for (let i = 1; i <= 50; i++) {
    const key = Wallet.createRandom().privateKey as Hex;
    assert.is(privateKeyToAddress(key), toAddress(computeAddress(key)));
  }
  assert.throws(() => privateKeyToAddress(`0x${'00'.repeat(32)}`), /not a valid secp256k1 private key/);
  assert.throws(() => privateKeyToAddress(`0x${'ff'.repeat(32)}`), /not a valid secp256k1 private key/);
});

test('contractAddress equals ethers getCreateAddress across nonce encodings', () => {
  const from = toAddress(Wallet.createRandom().address);
  for (const nonce of [
    0,
    1,
    2,
    3,
    0x7f,
    0x80,
    0xff,
    0x100,
    0xffff,
    0x10000,
    2 ** 32,
    Number.MAX_SAFE_INTEGER,
  ]) {
    assert.is(contractAddress(from, nonce), toAddress(getCreateAddress({ from, nonce })), `nonce ${nonce}`);
  }
  assert.is(
    contractAddress('0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as Address, 3),
    '0xcf7ed3acca5a467e9e704c703e8d87f634fb0fc9',
    'the dev rollup address',
  );
});

test('checksumAddress equals ethers getAddress', () => {
  for (let i = 0; i < 50; i++) {
    const a = Wallet.createRandom().address;
    assert.is(checksumAddress(a.toLowerCase()), getAddress(a.toLowerCase()));
  }
});

test.run();
