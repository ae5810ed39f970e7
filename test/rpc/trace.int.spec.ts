/**
 * `debug_traceTransaction` over JSON-RPC on a real trusted chain: solc-compiled contracts deployed and called by
 * txs executed by the executor on the test database's trie store, sealed through the `l2` decider and projected
 * into the read models; the node serves the read API, its traces run on the call pool's worker threads as in
 * `lev start`. Traces are checked against the chain's own receipts and txs
 * (gas used, gas limit, status, logs, revert data as eth_call reports it), against each other (struct-log gas
 * accounting against the call tree), and against the execution-apis opcode-tracer schema (results and configs).
 */
import { getCreateAddress, HDNodeWallet, id as keccakId } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEV_MNEMONIC } from '../../src/config/index.ts';
import {
  type CallFrame,
  DEFAULT_STRUCT_LOG_LIMIT,
  type EvmTraceHooks,
  type StructLog,
  type StructLoggerResult,
} from '../../src/execution/index.ts';
import { intrinsicGas } from '../../src/pool/index.ts';
import { type Address, type Hash, type Hex, toQuantity } from '../../src/primitives/index.ts';
import { assemble, deployCode } from '../execution/evm-asm.ts';
import { watchEventLoopLag } from '../support/event-loop.ts';
import { rpcError, schemaErrors } from '../support/execution-apis.ts';
import { createL2ChainWriter, type ExecutedTx, type L2ChainWriter } from '../support/l2-chain.ts';
import { rpc } from '../support/node-process.ts';
import { CHAIN_ID, GWEI, type ReadRpcNode, startReadRpcNode } from '../support/rpc-node.ts';
import { gasAccountingProblems } from '../support/trace-checks.ts';
import { compileTraceContracts, type TraceContracts } from '../support/trace-contracts.ts';

const T0 = 1_700_000_000n;
const wallet = (i: number) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
const addr = (w: HDNodeWallet) => w.address.toLowerCase() as Address;
const coinbase = wallet(0);
const alice = wallet(1);
const bob = wallet(2);
const word = (v: bigint | number) => `0x${BigInt(v).toString(16).padStart(64, '0')}` as Hex;

let node: ReadRpcNode;
let chain: L2ChainWriter;
let c: TraceContracts;
let CHILD: Address;
let LIB: Address;
let MAIN: Address;
let pendingHash: Hash;
type Sent = ExecutedTx & { raw: Hex; gas: bigint; data: Hex; to: Address | null; parentNumber: bigint };
const sent: Record<string, Sent> = {};
let aliceNonce = 0;

async function exec(
  name: string,
  to: Address | null,
  data: Hex,
  opts: { value?: bigint; gas?: bigint } = {},
): Promise<Sent> {
  const gas = opts.gas ?? 3_000_000n;
  const raw = (await alice.signTransaction({
    type: 0,
    chainId: CHAIN_ID,
    nonce: aliceNonce++,
    gasPrice: GWEI,
    gasLimit: gas,
    to,
    value: opts.value ?? 0n,
    data,
  })) as Hex;
  const state = chain.state();
  if (state.status !== 'open') throw new Error('no batch is open');
  const parentNumber = state.tip.number;
  const done = await chain.execute(raw);
  const s = { ...done, raw, gas, data, to, parentNumber };
  sent[name] = s;
  return s;
}

const trace = async <T>(hash: string, config?: unknown): Promise<T> => {
  const res = await rpc<T>(
    node.url,
    'debug_traceTransaction',
    config === undefined ? [hash] : [hash, config],
  );
  assert.ok(
    'result' in res,
    `debug_traceTransaction(${hash}, ${JSON.stringify(config)}): ${JSON.stringify(res.error)}`,
  );
  return res.result as T;
};
/** A struct-logger trace, checked against the schema (and the config against `TraceConfig`). */
async function structTrace(
  hash: string,
  config?: Record<string, unknown> | null,
): Promise<StructLoggerResult> {
  if (config) assert.equal(schemaErrors('TraceConfig', config), []);
  const result = await trace<StructLoggerResult>(hash, config);
  assert.equal(schemaErrors('OpcodeTransactionTrace', result), [], JSON.stringify(config));
  return result;
}
async function callTrace(hash: string, tracerConfig?: Record<string, unknown>): Promise<CallFrame> {
  const config = { tracer: 'callTracer', ...(tracerConfig ? { tracerConfig } : {}) };
  assert.equal(schemaErrors('TraceConfig', config), []);
  return trace<CallFrame>(hash, config);
}
type Receipt = { gasUsed: Hex; status: Hex; logs: { address: Hex; topics: Hex[]; data: Hex }[] };
const receipt = async (hash: string) =>
  (await rpc<Receipt>(node.url, 'eth_getTransactionReceipt', [hash])).result!;
const countRows = async () =>
  Number(
    (await node.db.pool.query<{ n: string }>('select count(*)::text as n from lev_state.trie_nodes')).rows[0]!
      .n,
  );
let rowsBefore = 0;

test.before(async () => {
  c = compileTraceContracts();
  node = await startReadRpcNode({ callPool: {} });
  chain = createL2ChainWriter({ store: node.store, executor: node.executor, trie: node.trie });
  await chain.genesis(node.genesisRoot, T0);
  await chain.openBatch(T0 + 10n, addr(coinbase));
  await exec('deployChild', null, c.Child.bytecode);
  CHILD = getCreateAddress({ from: alice.address, nonce: 0 }).toLowerCase() as Address;
  await exec('deployLib', null, c.Lib.bytecode);
  LIB = getCreateAddress({ from: alice.address, nonce: 1 }).toLowerCase() as Address;
  await exec(
    'deployMain',
    null,
    `${c.Main.bytecode}${c.Main.abi.encodeDeploy([CHILD, LIB]).slice(2)}` as Hex,
  );
  MAIN = getCreateAddress({ from: alice.address, nonce: 2 }).toLowerCase() as Address;
  await exec('transfer', addr(bob), '0x', { value: 10n ** 18n, gas: 21_000n });
  await chain.closeBatch('full_txs');
  await chain.openBatch(T0 + 20n, addr(coinbase));
  await exec('run', MAIN, c.Main.abi.encodeFunctionData('run', [42]) as Hex, { value: 1000n });
  await exec('boom', MAIN, c.Main.abi.encodeFunctionData('boom', []) as Hex);
  // Loops while 10,000 gas or more is left: 8 steps (33 gas) a turn, about 240,000 steps in 1,000,000 gas.
  const LOOP = assemble(['@loop', 'GAS', 10_000, 'GT', ':end', 'JUMPI', ':loop', 'JUMP', '@end', 'STOP']);
  const loopAt = getCreateAddress({ from: alice.address, nonce: aliceNonce }).toLowerCase() as Address;
  await exec('deployLoop', null, deployCode(LOOP));
  await exec('loop', loopAt, '0x', { gas: 1_000_000n });
  await node.runner.waitFor(chain.position);
  // A tx in the pool, not in a block.
  const res = await rpc<Hash>(node.url, 'eth_sendRawTransaction', [
    await alice.signTransaction({
      type: 0,
      chainId: CHAIN_ID,
      nonce: aliceNonce,
      gasPrice: GWEI,
      gasLimit: 21_000n,
      to: bob.address,
      value: 1n,
    }),
  ]);
  assert.ok(res.result, JSON.stringify(res.error));
  pendingHash = res.result;
  rowsBefore = await countRows();
});

test.after(() => node.close());

test('a plain transfer: no struct logs, 21000 gas; a CALL frame with the value', async () => {
  const t = sent['transfer']!;
  const expected = { gas: 21000, failed: false, returnValue: '0x', structLogs: [] };
  assert.equal(await structTrace(t.hash), expected);
  assert.equal(await structTrace(t.hash, null), expected);
  assert.equal(await structTrace(t.hash, { tracer: '' }), expected);
  assert.equal(await callTrace(t.hash), {
    type: 'CALL',
    from: addr(alice),
    to: addr(bob),
    value: toQuantity(10n ** 18n),
    gas: '0x5208',
    gasUsed: '0x5208',
    input: '0x',
  });
});

test('a contract call: the call tree (CALL, DELEGATECALL, CREATE, STATICCALL) agrees with the chain', async () => {
  const t = sent['run']!;
  const r = await receipt(t.hash);
  const tx = (await rpc<{ gas: Hex; input: Hex }>(node.url, 'eth_getTransactionByHash', [t.hash])).result!;
  const top = await callTrace(t.hash);
  assert.equal(
    [top.type, top.from, top.to, top.value, top.gas, top.gasUsed, top.input, top.output],
    ['CALL', addr(alice), MAIN, '0x3e8', tx.gas, r.gasUsed, tx.input, word(85)],
  );
  const created = getCreateAddress({ from: MAIN, nonce: 1 }).toLowerCase();
  const code = (await rpc<Hex>(node.url, 'eth_getCode', [created, 'latest'])).result!;
  assert.equal(
    top.calls!.map((f) => [f.type, f.from, f.to, f.value, f.output]),
    [
      ['CALL', MAIN, CHILD, '0x3e8', word(43)],
      ['DELEGATECALL', MAIN, LIB, '0x3e8', undefined],
      ['CREATE', MAIN, created, '0x0', code],
      ['STATICCALL', MAIN, CHILD, undefined, word(42)],
    ],
  );
  assert.equal(
    top.calls!.map((f) => f.input),
    [
      c.Child.abi.encodeFunctionData('ping', [42]),
      c.Lib.abi.encodeFunctionData('setSlot1', [84]),
      c.Child.bytecode,
      c.Child.abi.encodeFunctionData('x', []),
    ],
  );
  assert.ok(top.calls!.every((f) => f.error === undefined && f.calls === undefined));
});

test('a contract call: struct logs — count, first/last steps, storage at SSTORE, gas against the receipt', async () => {
  const t = sent['run']!;
  const r = await receipt(t.hash);
  const result = await structTrace(t.hash);
  assert.equal([result.gas, result.failed, result.returnValue], [Number(BigInt(r.gasUsed)), false, word(85)]);
  const logs = result.structLogs;
  const intrinsic = intrinsicGas({ to: MAIN, data: t.data });
  assert.equal(logs[0], {
    pc: 0,
    op: 'PUSH1',
    gas: Number(t.gas - intrinsic),
    gasCost: 3,
    depth: 1,
    stack: [],
  });
  assert.equal([logs.at(-1)!.op, logs.at(-1)!.depth], ['RETURN', 1]);
  // RETURN(offset, size) returns those bytes of memory: the tx's return value.
  const lastWithMemory = (await structTrace(t.hash, { enableMemory: true })).structLogs.at(-1)!;
  const [size, offset] = lastWithMemory.stack!.slice(-2).map(Number) as [number, number];
  const memory = lastWithMemory.memory!.map((w) => w.slice(2)).join('');
  assert.is(`0x${memory.slice(offset * 2, (offset + size) * 2)}`, result.returnValue);

  // As many steps as the EVM ran (counted with a bare hook on the node's executor, same block context).
  let steps = 0;
  const counter: EvmTraceHooks = { step: () => void steps++, enter: () => {}, exit: () => {} };
  type Block = { stateRoot: Hash; timestamp: Hex; miner: Address; parentHash: Hash; gasLimit: Hex };
  const getBlock = async (n: bigint) =>
    (await rpc<Block>(node.url, 'eth_getBlockByNumber', [toQuantity(n), false])).result!;
  const [parent, own] = [await getBlock(t.parentNumber), await getBlock(t.blockNumber)];
  await node.executor.traceTx({
    stateRoot: parent.stateRoot,
    tx: t.raw,
    block: {
      number: t.blockNumber,
      timestamp: BigInt(own.timestamp),
      coinbase: own.miner,
      gasLimit: BigInt(own.gasLimit),
      parentHash: own.parentHash,
    },
    hooks: counter,
  });
  assert.is(logs.length, steps);

  // Storage: at SSTORE, the executing contract's touched slots; Lib's SSTORE lands in Main's map (DELEGATECALL).
  const sstores = logs.filter((l) => l.op === 'SSTORE');
  assert.equal(
    sstores.map((l) => [l.depth, l.storage]),
    [
      [1, { [word(0)]: word(1) }],
      [2, { [word(0)]: word(42) }],
      [
        2,
        {
          [word(0)]: word(1),
          [word(2)]: word(BigInt(CHILD)),
          [word(3)]: word(BigInt(LIB)),
          [word(1)]: word(84),
        },
      ],
    ],
  );
  assert.ok(logs.every((l) => 'storage' in l === (l.op === 'SLOAD' || l.op === 'SSTORE')));
  assert.ok(logs.every((l) => !('error' in l) && !('memory' in l) && 'stack' in l));

  // Gas: each step leaves what the previous had minus its cost (callees' unused gas back), and the total is the
  // receipt's.
  const top = await callTrace(t.hash);
  assert.equal(
    gasAccountingProblems(logs, top, { gas: t.gas, intrinsic, gasUsed: BigInt(r.gasUsed), failed: false }),
    [],
  );
  // Simple opcodes cost what they always do.
  const costs = new Map<string, Set<number>>();
  for (const l of logs) costs.set(l.op, (costs.get(l.op) ?? new Set()).add(l.gasCost));
  for (const [op, cost] of [
    ['PUSH1', 3],
    ['ADD', 3],
    ['POP', 2],
    ['JUMPDEST', 1],
    ['CALLVALUE', 2],
  ] as const)
    assert.equal([...(costs.get(op) ?? [])], [cost], op);
});

test('config: memory only with enableMemory, no stack with disableStack, no storage with disableStorage', async () => {
  const t = sent['run']!;
  const full = (await structTrace(t.hash)).structLogs;
  const withMemory = (await structTrace(t.hash, { enableMemory: true })).structLogs;
  assert.equal(withMemory[3]!.memory, [word(0), word(0), word(0x80)]); // after PUSH1 0x80 PUSH1 0x40 MSTORE
  assert.ok(withMemory.filter((l) => 'memory' in l).length > withMemory.length / 2);
  assert.equal(
    withMemory.map(({ memory: _, ...rest }) => rest),
    full,
  );
  const noStack = (await structTrace(t.hash, { disableStack: true })).structLogs;
  assert.ok(noStack.every((l) => !('stack' in l)));
  assert.equal(
    noStack,
    full.map(({ stack: _, ...rest }) => rest),
  );
  const noStorage = (await structTrace(t.hash, { disableStorage: true, disableStack: true })).structLogs;
  assert.equal(
    noStorage,
    noStack.map(({ storage: _, ...rest }) => rest),
  );
  const withReturn = (await structTrace(t.hash, { enableReturnData: true })).structLogs;
  assert.ok(withReturn.some((l) => l.returnData === word(43)));
  const limited = await structTrace(t.hash, { limit: 7, timeout: '5s', debug: false, unknownMember: 1 });
  assert.equal(limited.structLogs, full.slice(0, 7));
});

test('a reverting tx: failed, the revert data (as eth_call reports it), the decoded reason', async () => {
  const t = sent['boom']!;
  const r = await receipt(t.hash);
  assert.is(r.status, '0x0');
  const reverted = await rpcError(node.url, 'eth_call', [
    { from: addr(alice), to: MAIN, data: t.data },
    toQuantity(t.parentNumber),
  ]);
  assert.is(reverted.code, 3);
  const data = reverted.data as Hex;
  assert.is(data, c.Child.abi.encodeErrorResult('Error', ['child says no']));

  const result = await structTrace(t.hash);
  assert.equal([result.failed, result.returnValue, result.gas], [true, data, Number(BigInt(r.gasUsed))]);
  const last = result.structLogs.at(-1) as StructLog;
  assert.equal([last.op, last.depth, 'error' in last], ['REVERT', 1, false]);

  const top = await callTrace(t.hash);
  assert.equal(
    [top.error, top.revertReason, top.output, top.gasUsed],
    ['execution reverted', 'child says no', data, r.gasUsed],
  );
  assert.equal(
    top.calls!.map((f) => [f.type, f.to, f.error, f.revertReason]),
    [['STATICCALL', CHILD, 'execution reverted', 'child says no']],
  );
});

test('callTracer options: onlyTopCall drops the sub-calls; withLog adds the receipt’s logs to their frames', async () => {
  const t = sent['run']!;
  const full = await callTrace(t.hash);
  const { calls: _, ...topOnly } = full;
  assert.equal(await callTrace(t.hash, { onlyTopCall: true }), topOnly);
  const withLog = await callTrace(t.hash, { withLog: true });
  const r = await receipt(t.hash);
  const [pinged, did] = r.logs.map((l) => ({ address: l.address, topics: l.topics, data: l.data }));
  assert.ok(pinged && did && r.logs.length === 2);
  assert.equal(withLog.calls![0]!.logs, [{ ...pinged, position: '0x0' }]);
  assert.equal(withLog.logs, [{ ...did, position: '0x3' }]);
  assert.is(did.topics[0], keccakId('Did(uint256,address)'));
  const topWithLogs = await callTrace(t.hash, { onlyTopCall: true, withLog: true });
  assert.equal(topWithLogs, { ...topOnly, logs: [{ ...did, position: '0x0' }] });
});

test('errors: unknown tracer, bad config members, unknown or pending hash, malformed hash', async () => {
  const t = sent['run']!;
  const unknownTracer = await rpcError(node.url, 'debug_traceTransaction', [
    t.hash,
    { tracer: 'prestateTracer' },
  ]);
  assert.is(unknownTracer.code, -32602);
  assert.match(unknownTracer.message, /^invalid argument 1: tracer: unsupported tracer "prestateTracer"/);
  assert.match(unknownTracer.message, /"callTracer"/);
  assert.match(unknownTracer.message, /struct logger/);

  const badBool = await rpcError(node.url, 'debug_traceTransaction', [t.hash, { disableStack: 'yes' }]);
  assert.equal(badBool, {
    code: -32602,
    message: 'invalid argument 1: disableStack: expected a boolean, got string',
  });
  const badTracerConfig = await rpcError(node.url, 'debug_traceTransaction', [
    t.hash,
    { tracer: 'callTracer', tracerConfig: { onlyTopCall: 1 } },
  ]);
  assert.equal(badTracerConfig, {
    code: -32602,
    message: 'invalid argument 1: tracerConfig.onlyTopCall: expected a boolean, got number',
  });
  const badLimit = await rpcError(node.url, 'debug_traceTransaction', [t.hash, { limit: -1 }]);
  assert.is(badLimit.code, -32602);
  assert.match(badLimit.message, /^invalid argument 1: limit: /);

  const notFound = { code: -32000, message: 'transaction not found' };
  assert.equal(await rpcError(node.url, 'debug_traceTransaction', [word(0xabc)]), notFound);
  assert.equal(await rpcError(node.url, 'debug_traceTransaction', [pendingHash]), notFound);
  assert.equal(
    await rpcError(node.url, 'debug_traceTransaction', [pendingHash, { tracer: 'callTracer' }]),
    notFound,
  );
  const malformed = await rpcError(node.url, 'debug_traceTransaction', ['0x1234']);
  assert.is(malformed.code, -32602);
  assert.is((await rpcError(node.url, 'debug_traceTransaction', [])).code, -32602);
});

test('block and batch traces: each tx as debug_traceTransaction traces it, in order; missing ones named', async () => {
  const t = sent['transfer'] ?? Object.values(sent)[0]!;
  const blockNumber = `0x${(t.parentNumber + 1n).toString(16)}`;
  const block = (
    await rpc<{ hash: Hash; transactions: Hash[] }>(node.url, 'eth_getBlockByNumber', [blockNumber, false])
  ).result!;
  assert.equal(block.transactions, [t.hash]);
  const config = { tracer: 'callTracer' };
  const one = await callTrace(t.hash);
  const byNumber = await rpc(node.url, 'debug_traceBlockByNumber', [blockNumber, config]);
  assert.equal(byNumber.result, [{ result: one }]);
  const byHash = await rpc(node.url, 'debug_traceBlockByHash', [block.hash, config]);
  assert.equal(byHash.result, [{ result: one }]);
  assert.equal((await rpc(node.url, 'debug_traceBlockByNumber', [blockNumber])).result, [
    { result: await structTrace(t.hash) },
  ]);
  assert.equal((await rpc(node.url, 'debug_traceBlockByNumber', ['earliest'])).result, []);

  // The batch of that block: every tx of its blocks, with its hash.
  const batchNumber = (await rpc<string>(node.url, 'zkevm_batchNumberByBlockNumber', [blockNumber])).result!;
  const batch = (
    await rpc<{ transactions: Hash[] }>(node.url, 'zkevm_getBatchByNumber', [batchNumber, false])
  ).result!;
  assert.ok(batch.transactions.includes(t.hash));
  const traced = await rpc<{ txHash: Hash; result: unknown }[]>(node.url, 'debug_traceBatchByNumber', [
    batchNumber,
    config,
  ]);
  assert.equal(
    traced.result!.map((e) => e.txHash),
    batch.transactions,
  );
  for (const e of traced.result!) assert.equal(e.result, await callTrace(e.txHash));

  assert.equal(await rpcError(node.url, 'debug_traceBlockByNumber', ['0xffff']), {
    code: -32000,
    message: 'block #65535 not found',
  });
  assert.equal(await rpcError(node.url, 'debug_traceBlockByHash', [word(0xabc)]), {
    code: -32000,
    message: `block ${word(0xabc)} not found`,
  });
  assert.equal(await rpcError(node.url, 'debug_traceBatchByNumber', ['0xffff']), {
    code: -32000,
    message: 'batch #65535 not found',
  });
  assert.is(
    (await rpcError(node.url, 'debug_traceBlockByNumber', [blockNumber, { tracer: 'nope' }])).code,
    -32602,
  );
});

test('a long loop: without a limit, more struct logs than the default cap is an error; a limit cuts the trace', async () => {
  const t = sent['loop']!;
  assert.is((await receipt(t.hash)).status, '0x1');
  assert.equal(await rpcError(node.url, 'debug_traceTransaction', [t.hash]), {
    code: -32000,
    message: `trace has more than ${DEFAULT_STRUCT_LOG_LIMIT} struct logs (the default limit): set "limit" in the trace config to get the first N (N may be higher), or use the callTracer`,
  });
  assert.is((await rpcError(node.url, 'debug_traceTransaction', [t.hash, { limit: 0 }])).code, -32000);
  const cut = await structTrace(t.hash, { limit: 9 });
  assert.equal(
    cut.structLogs.map((l) => l.op),
    ['JUMPDEST', 'GAS', 'PUSH2', 'GT', 'PUSH2', 'JUMPI', 'PUSH2', 'JUMP', 'JUMPDEST'],
  );
  assert.equal([cut.gas, cut.failed], [Number(BigInt((await receipt(t.hash)).gasUsed)), false]);
  // A limit above the default cap raises it.
  const more = await trace<StructLoggerResult>(t.hash, {
    limit: DEFAULT_STRUCT_LOG_LIMIT + 8,
    disableStack: true,
  });
  assert.is(more.structLogs.length, DEFAULT_STRUCT_LOG_LIMIT + 8);
  // The call tree is one frame, whatever the steps.
  assert.is((await callTrace(t.hash)).gasUsed, (await receipt(t.hash)).gasUsed);
});

test('a trace runs on a worker: past its timeout it answers "execution timeout", the node’s thread never held', async () => {
  const t = sent['loop']!;
  // The node's thread: its worst lateness while the work runs.
  const loop = watchEventLoopLag();
  try {
    // About 240,000 steps: far longer than 100 ms, whichever tracer.
    const struct = rpcError(node.url, 'debug_traceTransaction', [
      t.hash,
      { limit: 300_000, timeout: '100ms' },
    ]);
    const calls = rpcError(node.url, 'debug_traceTransaction', [
      t.hash,
      { tracer: 'callTracer', timeout: '0.1s' },
    ]);
    for (let i = 0; i < 5; i++) assert.ok(BigInt((await receipt(sent['run']!.hash)).status) === 1n);
    assert.equal(await struct, { code: -32000, message: 'execution timeout' });
    assert.equal(await calls, { code: -32000, message: 'execution timeout' });
    assert.ok(loop.maxLagMs() < 500, `the node's thread was held ${Math.round(loop.maxLagMs())} ms`);
  } finally {
    loop.stop();
  }
  // A deadline already passed (geth: the trace stops before it runs); the stopped workers were replaced.
  assert.equal(await rpcError(node.url, 'debug_traceTransaction', [t.hash, { timeout: '-1s' }]), {
    code: -32000,
    message: 'execution timeout',
  });
  assert.is((await callTrace(t.hash)).gasUsed, (await receipt(t.hash)).gasUsed);
  for (const timeout of ['1m', '1000h']) // 1000 h: past Node's longest timer (about 24.8 days)
    assert.is(
      (await trace<CallFrame>(t.hash, { tracer: 'callTracer', timeout })).gasUsed,
      (await receipt(t.hash)).gasUsed,
      timeout,
    );
  // A timeout that is no Go duration: Go's message, as a params error.
  for (const [timeout, message] of [
    ['5', 'time: missing unit in duration "5"'],
    ['5 s', 'time: unknown unit " s" in duration "5 s"'],
    ['abc', 'time: invalid duration "abc"'],
    ['', 'time: invalid duration ""'],
  ] as const)
    assert.equal(await rpcError(node.url, 'debug_traceTransaction', [t.hash, { timeout }]), {
      code: -32602,
      message: `invalid argument 1: timeout: ${message}`,
    });
});

test('tracing writes nothing: no trie node buffered or stored, the chain unchanged', async () => {
  // The loop: its own test above (its struct logs pass the default cap).
  for (const name of Object.keys(sent).filter((n) => n !== 'loop')) {
    await structTrace(sent[name]!.hash, { enableMemory: true });
    await callTrace(sent[name]!.hash, { withLog: true });
  }
  assert.is(node.trie.stats().pendingNodes, 0);
  assert.is(await countRows(), rowsBefore);
  // Deployments traced too: a CREATE tx's frame returns the deployed code.
  const deploy = await callTrace(sent['deployChild']!.hash);
  const code = (await rpc<Hex>(node.url, 'eth_getCode', [CHILD, 'latest'])).result!;
  assert.equal([deploy.type, deploy.to, deploy.output], ['CREATE', CHILD, code]);
});

test.run();
