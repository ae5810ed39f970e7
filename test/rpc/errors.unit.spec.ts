/** The EIP-1474 error classes: codes, wire shape, and normalisation of foreign errors. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NodeError } from '../../src/errors/index.ts';
import {
  ExecutionRevertedRpcError,
  InternalRpcError,
  InvalidParamsRpcError,
  InvalidRequestRpcError,
  LimitExceededRpcError,
  MethodNotFoundRpcError,
  ParseRpcError,
  type RpcError,
  rpcErrorCodes,
  ServerRpcError,
  toRpcError,
} from '../../src/rpc/index.ts';

test('each class carries its code statically and on the instance', () => {
  const cases: [RpcError<string>, number, number][] = [
    [new ParseRpcError(), ParseRpcError.code, -32700],
    [new InvalidRequestRpcError(), InvalidRequestRpcError.code, -32600],
    [new MethodNotFoundRpcError('eth_x'), MethodNotFoundRpcError.code, -32601],
    [new InvalidParamsRpcError(), InvalidParamsRpcError.code, -32602],
    [new InternalRpcError(), InternalRpcError.code, -32603],
    [new ServerRpcError('nonce too low'), ServerRpcError.code, -32000],
    [new ExecutionRevertedRpcError({ data: '0x' }), ExecutionRevertedRpcError.code, 3],
    [new LimitExceededRpcError(), LimitExceededRpcError.code, -32005],
  ];
  for (const [err, staticCode, wire] of cases) {
    assert.is(staticCode, wire);
    assert.is(err.rpcCode, wire);
    assert.ok(Object.values(rpcErrorCodes).includes(wire as never));
    assert.instance(err, NodeError);
    assert.is(err.severity, 'temporary');
  }
  assert.is(new MethodNotFoundRpcError('eth_x').code, 'RPC_METHOD_NOT_FOUND');
  assert.is(new ServerRpcError('x').name, 'ServerRpcError');
});

test('wire shape: message, data only when present', () => {
  assert.equal(new MethodNotFoundRpcError('eth_sign').toJsonRpc(), {
    code: -32601,
    message: 'the method eth_sign does not exist/is not available',
  });
  assert.equal(new ExecutionRevertedRpcError({ data: '0x' }).toJsonRpc(), {
    code: 3,
    message: 'execution reverted',
    data: '0x',
  });
  assert.equal(new ExecutionRevertedRpcError({ reason: 'nope', data: '0x08c379a0' }).toJsonRpc(), {
    code: 3,
    message: 'execution reverted: nope',
    data: '0x08c379a0',
  });
  const withDetails = new ServerRpcError('gas price too low', {
    details: 'min 1 gwei',
    cause: new Error('x'),
  });
  assert.equal(withDetails.toJsonRpc(), { code: -32000, message: 'gas price too low' });
});

test('toRpcError: RpcErrors pass through, anything else is -32000 runtime error with the cause kept', () => {
  const pool = new ServerRpcError('already known');
  assert.is(toRpcError(pool), pool);
  const boom = new Error('connection refused');
  const wrapped = toRpcError(boom);
  assert.is(wrapped.rpcCode, -32000);
  assert.is(wrapped.shortMessage, 'runtime error');
  assert.is(wrapped.cause, boom);
  assert.is(toRpcError('a string').shortMessage, 'runtime error');
});

test.run();
