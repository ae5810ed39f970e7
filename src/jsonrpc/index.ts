export {
  type JsonRpcCallOptions,
  type JsonRpcErrorObject,
  JsonRpcResponseError,
  JsonRpcTransportError,
  jsonRpcCall,
} from './client.ts';
