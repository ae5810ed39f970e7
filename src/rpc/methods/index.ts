/**
 * The simple methods (no read models): chain id, versions, hashing, gas price. The composition root
 * registers `simpleMethods` with a server whose deps include {@link SimpleMethodsDeps}.
 */
import type { ChainIdDeps } from './eth_chainId.ts';
import { eth_chainId } from './eth_chainId.ts';
import type { GasPriceDeps } from './eth_gasPrice.ts';
import { eth_gasPrice } from './eth_gasPrice.ts';
import { net_version } from './net_version.ts';
import { CLIENT_VERSION, web3_clientVersion } from './web3_clientVersion.ts';
import { web3_sha3 } from './web3_sha3.ts';

export type SimpleMethodsDeps = ChainIdDeps & GasPriceDeps;

export {
  type ChainIdDeps,
  CLIENT_VERSION,
  eth_chainId,
  eth_gasPrice,
  type GasPriceDeps,
  net_version,
  web3_clientVersion,
  web3_sha3,
};

/** Every method defined in this folder, for `createRpcServer({ methods: [...simpleMethods, ...] })`. */
export const simpleMethods = [eth_chainId, net_version, web3_clientVersion, web3_sha3, eth_gasPrice] as const;
