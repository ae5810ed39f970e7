/**
 * The simple methods (no read models): chain id, versions, hashing, gas price. The composition root
 * registers `simpleMethods` with a server whose deps include {@link SimpleMethodsDeps}. Also the face of
 * `debug_traceTransaction` and its config schema (registered in `readMethods`, as it reads the read models).
 */
import {
  debug_traceTransaction,
  inProcessTracing,
  parseGoDuration,
  type TraceDeps,
  type TraceOptions,
  type Tracing,
  traceConfig,
} from './debug_traceTransaction.ts';
import type { ChainIdDeps } from './eth_chainId.ts';
import { eth_chainId } from './eth_chainId.ts';
import { type CoinbaseDeps, eth_coinbase } from './eth_coinbase.ts';
import type { GasPriceDeps } from './eth_gasPrice.ts';
import { eth_gasPrice } from './eth_gasPrice.ts';
import {
  eth_getCompilers,
  eth_getUncleByBlockHashAndIndex,
  eth_getUncleByBlockNumberAndIndex,
  eth_getUncleCountByBlockHash,
  eth_getUncleCountByBlockNumber,
  eth_protocolVersion,
} from './legacy-stubs.ts';
import { net_version } from './net_version.ts';
import { CLIENT_VERSION, web3_clientVersion } from './web3_clientVersion.ts';
import { web3_sha3 } from './web3_sha3.ts';

export type SimpleMethodsDeps = ChainIdDeps & GasPriceDeps & CoinbaseDeps;

export {
  type ChainIdDeps,
  CLIENT_VERSION,
  type CoinbaseDeps,
  debug_traceTransaction,
  eth_chainId,
  eth_coinbase,
  eth_gasPrice,
  type GasPriceDeps,
  inProcessTracing,
  net_version,
  parseGoDuration,
  type TraceDeps,
  type TraceOptions,
  type Tracing,
  traceConfig,
  web3_clientVersion,
  web3_sha3,
};

/**
 * The simple methods, for `createRpcServer({ methods: [...simpleMethods, ...] })`. `debug_traceTransaction` needs
 * the read models and somewhere to run traces ({@link TraceDeps}): it is served with the read API (`readMethods`).
 */
export const simpleMethods = [
  eth_chainId,
  net_version,
  web3_clientVersion,
  web3_sha3,
  eth_gasPrice,
  eth_coinbase,
  eth_getCompilers,
  eth_protocolVersion,
  eth_getUncleByBlockHashAndIndex,
  eth_getUncleByBlockNumberAndIndex,
  eth_getUncleCountByBlockHash,
  eth_getUncleCountByBlockNumber,
] as const;
