export {
  createJsonRpcClient,
  type JsonRpcCallOptions,
  type JsonRpcClient,
  type JsonRpcErrorObject,
  JsonRpcResponseError,
  JsonRpcTransportError,
  jsonRpcCall,
} from './client.ts';
