/** Wire primitives: branded hex types and conversions (STYLE §17). Pure. */

export { checksumAddress, contractAddress, privateKeyToAddress } from './address.ts';
export {
  type Address,
  bytesToHex,
  type Hash,
  type Hex,
  hexToBigInt,
  hexToBytes,
  isAddress,
  isHex,
  keccak256,
  keccak256Hex,
  toAddress,
  toQuantity,
} from './hex.ts';
export { ecrecover, SignatureRecoveryError } from './secp256k1.ts';
