/**
 * JSON-RPC: the server (HTTP + WebSocket on one port), the transport-free dispatcher, the method API and the
 * EIP-1474 errors. Invariants: every client-visible error is an `RpcError` with a code from `rpcErrorCodes`
 * (anything else a handler throws is answered `-32000 runtime error` and logged); handlers get validated,
 * typed params; the server keeps serving after any bad input.
 */
export {
  BATCH_LIMIT_MESSAGE,
  createRpcDispatcher,
  type DispatcherOptions,
  errorResponse,
  type OnRequest,
  PARSE_ERROR_RESPONSE,
  type Reply,
  type RpcDispatcher,
  type RpcLogger,
} from './dispatch.ts';
export {
  ExecutionRevertedRpcError,
  InternalRpcError,
  InvalidParamsRpcError,
  InvalidRequestRpcError,
  LimitExceededRpcError,
  MethodNotFoundRpcError,
  ParseRpcError,
  RpcConfigError,
  RpcError,
  type RpcErrorCode,
  type RpcErrorOptions,
  type RpcErrorType,
  RpcListenError,
  RUNTIME_ERROR_MESSAGE,
  rpcErrorCodes,
  ServerRpcError,
  toRpcError,
} from './errors.ts';
export {
  type DefinedMethod,
  defineMethod,
  type MethodDefinition,
  type RpcConnection,
  type RpcContext,
  type RpcMethod,
} from './method.ts';
export {
  address,
  type BlockNumberRef,
  type BlockRef,
  type BlockTag,
  blockNumberOrTag,
  blockTag,
  blockTags,
  boolean,
  hash,
  hexData,
  quantity,
  uint64Quantity,
} from './params.ts';
export { createRpcServer, type RpcServer, type RpcServerOptions } from './server.ts';
