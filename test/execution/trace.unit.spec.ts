/**
 * The tracers (`src/execution/trace.ts`) on the real EVM: solc-compiled contracts deployed and called through the
 * executor on an in-memory store, each tx then traced with `executor.traceTx` on the root it ran on. Results are
 * checked against what the executor reported for the same tx (receipt gas, status, return data, logs, deployed
 * code), against each other (struct-log gas accounting against the call tree), against geth's conventions, and
 * against the execution-apis opcode-tracer schema.
 */
import { MapDB } from '@ethereumjs/util';
import {
  keccak256 as ethersKeccak,
  getCreate2Address,
  getCreateAddress,
  id as keccakId,
  Wallet,
} from 'ethers';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type BlockContext,
  type CallFrame,
  createCallTracer,
  createExecutor,
  createStructLogger,
  decodeRevertReason,
  type EvmTraceHooks,
  type ExecuteTxResult,
  ExecutionError,
  type Executor,
  gethHaltMessage,
  type StructLog,
  type StructLoggerResult,
  type TxTracer,
  UnknownStateRootError,
} from '../../src/execution/index.ts';
import { intrinsicGas } from '../../src/pool/index.ts';
import { type Address, type Hash, type Hex, toQuantity } from '../../src/primitives/index.ts';
import { schemaErrors } from '../support/execution-apis.ts';
import { gasAccountingProblems } from '../support/trace-checks.ts';
import { compileTraceContracts, type TraceContracts } from '../support/trace-contracts.ts';

const test = suite('execution/trace');

const CHAIN_ID = 1001n;
const GWEI = 1_000_000_000n;
const COINBASE = '0x00000000000000000000000000000000000000c0' as Address;
const wallet = (n: number) => new Wallet(`0x${n.toString(16).padStart(64, '0')}`);
const alice = wallet(0xa11ce);
const bob = wallet(0xb0b);
const ALICE = alice.address.toLowerCase() as Address;
const BOB = bob.address.toLowerCase() as Address;
const word = (v: bigint | number) => `0x${BigInt(v).toString(16).padStart(64, '0')}` as Hex;
const lower = (a: string) => a.toLowerCase() as Address;

type Executed = {
  raw: Hex;
  /** The root the tx ran on. */
  before: Hash;
  block: BlockContext;
  gas: bigint;
  data: Hex;
  to: Address | null;
  result: Extract<ExecuteTxResult, { valid: true }>;
};

let c: TraceContracts;
let store: MapDB<string, string | Uint8Array>;
let executor: Executor;
let root: Hash;
let blockNumber = 1n;
const nonces = new Map<Wallet, number>();
let CHILD: Address;
let LIB: Address;
let MAIN: Address;
const tx: Record<string, Executed> = {};

async function send(
  to: Address | null,
  data: Hex,
  opts: { value?: bigint; gas?: bigint; from?: Wallet } = {},
): Promise<Executed> {
  const gas = opts.gas ?? 3_000_000n;
  const from = opts.from ?? alice;
  const nonce = nonces.get(from) ?? 0;
  nonces.set(from, nonce + 1);
  const raw = (await from.signTransaction({
    type: 0,
    chainId: CHAIN_ID,
    nonce,
    gasPrice: GWEI,
    gasLimit: gas,
    to,
    value: opts.value ?? 0n,
    data,
  })) as Hex;
  const block = { number: blockNumber, timestamp: 1_700_000_000n + blockNumber, coinbase: COINBASE };
  const before = root;
  const result = await executor.executeTx({ stateRoot: root, tx: raw, block });
  if (!result.valid) throw new Error(`test tx invalid: ${result.error}`);
  root = result.stateRoot;
  blockNumber++;
  return { raw, before, block, gas, data, to, result };
}

const main = (fn: string, args: unknown[] = []) => c.Main.abi.encodeFunctionData(fn, args) as Hex;

async function trace<R>(t: Executed, tracer: TxTracer<R>): Promise<R> {
  return tracer.result(
    await executor.traceTx({ stateRoot: t.before, tx: t.raw, block: t.block, hooks: tracer }),
  );
}
const structLogs = (t: Executed, config: Parameters<typeof createStructLogger>[0] = {}) =>
  trace(t, createStructLogger(config));
const callTree = (t: Executed, config: Parameters<typeof createCallTracer>[0] = {}) =>
  trace(t, createCallTracer(config));

function assertSchema(result: StructLoggerResult) {
  assert.equal(schemaErrors('OpcodeTransactionTrace', result), []);
}

test.before(async () => {
  c = compileTraceContracts();
  store = new MapDB();
  executor = await createExecutor({
    store,
    chainId: CHAIN_ID,
    genesis: [
      { address: ALICE, balance: 10n ** 21n, nonce: 0n },
      { address: BOB, balance: 10n ** 21n, nonce: 0n },
    ],
  });
  root = executor.genesisRoot!;
  tx['deployChild'] = await send(null, c.Child.bytecode);
  CHILD = lower(getCreateAddress({ from: ALICE, nonce: 0 }));
  await send(null, c.Lib.bytecode);
  LIB = lower(getCreateAddress({ from: ALICE, nonce: 1 }));
  await send(null, `${c.Main.bytecode}${c.Main.abi.encodeDeploy([CHILD, LIB]).slice(2)}` as Hex);
  MAIN = lower(getCreateAddress({ from: ALICE, nonce: 2 }));
  tx['transfer'] = await send(BOB, '0x', { value: 12345n, gas: 21_000n });
  tx['run42'] = await send(MAIN, main('run', [42]), { value: 1000n });
  tx['run0'] = await send(MAIN, main('run', [0]), { from: bob }); // clears slots set by run42: refunds
  tx['more4'] = await send(MAIN, main('more', [4]));
  tx['more0'] = await send(MAIN, main('more', [0]));
  tx['boom'] = await send(MAIN, main('boom'));
  tx['bad'] = await send(MAIN, main('bad'), { gas: 100_000n });
  tx['oogCall'] = await send(MAIN, main('run', [7]), { value: 1n, gas: 30_000n });
  tx['tight'] = await send(MAIN, main('tight', [7]));
});

test('a plain transfer: no steps, one CALL frame with the value', async () => {
  const t = tx['transfer']!;
  const logs = await structLogs(t);
  assert.equal(logs, { gas: 21000, failed: false, returnValue: '0x', structLogs: [] });
  assertSchema(logs);
  assert.equal(await callTree(t), {
    type: 'CALL',
    from: ALICE,
    to: BOB,
    value: toQuantity(12345n),
    gas: '0x5208',
    gasUsed: '0x5208',
    input: '0x',
  });
});

test('run: the call tree (CALL with value, DELEGATECALL, CREATE, STATICCALL) agrees with the executor', async () => {
  const t = tx['run42']!;
  const top = await callTree(t);
  const created = lower(getCreateAddress({ from: MAIN, nonce: 1 }));
  const childRuntime = await executor.getCode(t.result.stateRoot, created);
  assert.equal(
    { ...top, calls: undefined },
    {
      type: 'CALL',
      from: ALICE,
      to: MAIN,
      value: '0x3e8',
      gas: toQuantity(t.gas),
      gasUsed: toQuantity(t.result.receipt.gasUsed),
      input: t.data,
      output: t.result.returnValue,
      calls: undefined,
    },
  );
  assert.is(t.result.returnValue, word(43 + 42));
  const calls = top.calls!;
  assert.equal(
    calls.map((f) => f.type),
    ['CALL', 'DELEGATECALL', 'CREATE', 'STATICCALL'],
  );
  const [ping, delegate, create, staticcall] = calls as [CallFrame, CallFrame, CallFrame, CallFrame];
  assert.equal(
    { ...ping, gas: undefined, gasUsed: undefined },
    {
      type: 'CALL',
      from: MAIN,
      to: CHILD,
      value: '0x3e8',
      gas: undefined,
      gasUsed: undefined,
      input: c.Child.abi.encodeFunctionData('ping', [42]),
      output: word(43),
    },
  );
  // A DELEGATECALL goes from the contract to the code's address and carries the caller's value, as geth.
  assert.equal(
    { ...delegate, gas: undefined, gasUsed: undefined },
    {
      type: 'DELEGATECALL',
      from: MAIN,
      to: LIB,
      value: '0x3e8',
      gas: undefined,
      gasUsed: undefined,
      input: c.Lib.abi.encodeFunctionData('setSlot1', [84]),
    },
  );
  assert.equal(
    { ...create, gas: undefined, gasUsed: undefined },
    {
      type: 'CREATE',
      from: MAIN,
      to: created,
      value: '0x0',
      gas: undefined,
      gasUsed: undefined,
      input: c.Child.bytecode,
      output: childRuntime,
    },
  );
  assert.ok(childRuntime.length > 2);
  // A STATICCALL has no value.
  assert.equal(
    { ...staticcall, gas: undefined, gasUsed: undefined },
    {
      type: 'STATICCALL',
      from: MAIN,
      to: CHILD,
      gas: undefined,
      gasUsed: undefined,
      input: c.Child.abi.encodeFunctionData('x', []),
      output: word(42),
    },
  );
  assert.not.ok('value' in staticcall);
  // Without withLog, no logs; the keys come in geth's order.
  assert.not.ok(JSON.stringify(top).includes('"logs"'));
  assert.equal(Object.keys(ping), ['type', 'from', 'to', 'value', 'gas', 'gasUsed', 'input', 'output']);
  // The frames' gas adds up with the EIP-150 rule: a callee gets at most all but a 64th of what is left.
  for (const f of calls) assert.ok(BigInt(f.gasUsed) <= BigInt(f.gas), `${f.type} used more than it got`);
});

test('run: struct logs — first and last steps, storage at SLOAD/SSTORE, geth shapes, the schema', async () => {
  const t = tx['run42']!;
  const result = await structLogs(t);
  assertSchema(result);
  assert.is(result.gas, Number(t.result.receipt.gasUsed));
  assert.is(result.failed, false);
  assert.is(result.returnValue, t.result.returnValue);
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
  assert.equal(logs[1]!.stack, ['0x80']);
  assert.is(logs.at(-1)!.op, 'RETURN');
  assert.is(logs.at(-1)!.depth, 1);
  assert.equal(new Set(logs.map((l) => l.depth)), new Set([1, 2]));

  // Every step the EVM ran is there, once: count the EVM's own step events with a bare hook.
  let steps = 0;
  const counter: EvmTraceHooks = { step: () => void steps++, enter: () => {}, exit: () => {} };
  await executor.traceTx({ stateRoot: t.before, tx: t.raw, block: t.block, hooks: counter });
  assert.is(logs.length, steps);

  // storage: only at SLOAD/SSTORE, the slots touched so far by the executing contract (post-step values).
  for (const l of logs)
    assert.is('storage' in l, l.op === 'SLOAD' || l.op === 'SSTORE', `${l.op} at ${l.pc}`);
  const sstores = logs.filter((l) => l.op === 'SSTORE');
  assert.is(sstores.length, 3);
  const [counterStore, childStore, libStore] = sstores as [StructLog, StructLog, StructLog];
  assert.is(counterStore.depth, 1);
  assert.equal(counterStore.storage, { [word(0)]: word(1) }); // SLOAD slot 0 (0), then SSTORE 1
  assert.is(childStore.depth, 2);
  assert.equal(childStore.storage, { [word(0)]: word(42) }); // the child's own storage
  // Lib's code runs in Main's storage (DELEGATECALL): Main's map, with what Main read before.
  assert.is(libStore.depth, 2);
  assert.equal(libStore.storage, {
    [word(0)]: word(1),
    [word(2)]: word(BigInt(CHILD)),
    [word(3)]: word(BigInt(LIB)),
    [word(1)]: word(84),
  });
  const firstSload = logs.find((l) => l.op === 'SLOAD')!;
  assert.equal(firstSload.storage, { [word(0)]: word(0) });
  // Nothing failed: no error anywhere; no refund (no slot was cleared); no memory or return data by default.
  for (const l of logs) {
    assert.not.ok('error' in l || 'refund' in l || 'memory' in l || 'returnData' in l, JSON.stringify(l));
    assert.ok(l.stack!.every((v) => /^0x(0|[1-9a-f][0-9a-f]*)$/.test(v)));
  }
});

test('gas accounting of the struct logs matches the call tree and @ethereumjs receipts', async () => {
  for (const name of ['run42', 'run0', 'more4', 'more0', 'boom', 'deployChild']) {
    const t = tx[name]!;
    const result = await structLogs(t, { disableStack: true, disableStorage: true });
    const top = await callTree(t);
    assert.is(result.gas, Number(t.result.receipt.gasUsed), name);
    assert.is(BigInt(top.gasUsed), t.result.receipt.gasUsed, name);
    const problems = gasAccountingProblems(result.structLogs, top, {
      gas: t.gas,
      intrinsic: intrinsicGas({ to: t.to, data: t.data }),
      gasUsed: t.result.receipt.gasUsed,
      failed: result.failed,
    });
    assert.equal(problems, [], name);
  }
});

test('refunds: the refund counter shows, when not zero, after slots are cleared', async () => {
  const logs = (await structLogs(tx['run0']!)).structLogs;
  const firstRefund = logs.findIndex((l) => l.refund !== undefined);
  assert.ok(firstRefund > 0);
  // Child's slot 0 goes 42 → 0 in this tx: the SSTORE's gas counts a 4,800 refund (EIP-3529), shown at that
  // step already (geth's gas function adds it before the step is logged, too).
  const clearing = logs[firstRefund]!;
  assert.equal(
    { op: clearing.op, depth: clearing.depth, refund: clearing.refund, storage: clearing.storage },
    { op: 'SSTORE', depth: 2, refund: 4800, storage: { [word(0)]: word(0) } },
  );
  assert.is(logs[firstRefund + 1]!.refund, 4800);
  assert.is(logs.at(-1)!.refund, 9600); // and Main's slot 1 (84 → 0, through Lib)
  for (const l of logs.slice(0, firstRefund)) assert.not.ok('refund' in l);
});

test('struct logger options: disableStack, enableMemory, disableStorage, enableReturnData, limit', async () => {
  const t = tx['run42']!;
  const full = (await structLogs(t)).structLogs;

  const noStack = await structLogs(t, { disableStack: true });
  assertSchema(noStack);
  assert.ok(noStack.structLogs.every((l) => !('stack' in l)));
  assert.equal(
    noStack.structLogs,
    full.map(({ stack: _, ...rest }) => rest),
  );

  // Memory is the words before the opcode: PUSH1 0x80, PUSH1 0x40, MSTORE, then three words, 0x80 in the third.
  const withMemory = await structLogs(t, { enableMemory: true });
  assertSchema(withMemory);
  const m = withMemory.structLogs;
  assert.is(m[2]!.op, 'MSTORE');
  assert.not.ok('memory' in m[2]!);
  assert.equal(m[3]!.memory, [word(0), word(0), word(0x80)]);
  assert.ok(m.some((l) => (l.memory?.length ?? 0) > 3));
  for (const l of m) for (const w of l.memory ?? []) assert.match(w, /^0x[0-9a-f]{64}$/);
  assert.not.ok(full.some((l) => 'memory' in l));

  const noStorage = await structLogs(t, { disableStorage: true });
  assert.ok(noStorage.structLogs.every((l) => !('storage' in l)));
  assert.is(noStorage.structLogs.length, full.length);

  // Return data: empty (absent) until the first call returns, then ping's output, until the next call.
  const withReturn = (await structLogs(t, { enableReturnData: true })).structLogs;
  const call = withReturn.findIndex((l) => l.op === 'CALL');
  let after = call + 1;
  while (withReturn[after]!.depth > 1) after++;
  assert.ok(withReturn.slice(0, after).every((l) => !('returnData' in l)));
  assert.is(withReturn[after]!.returnData, word(43));
  const delegate = withReturn.findIndex((l) => l.op === 'DELEGATECALL');
  assert.is(withReturn[delegate]!.returnData, word(43));
  assert.not.ok('returnData' in withReturn[delegate + 1]!); // the callee's own first step
  assert.not.ok(full.some((l) => 'returnData' in l));

  const limited = await structLogs(t, { limit: 10 });
  assert.equal(limited.structLogs, full.slice(0, 10));
  assert.is(limited.gas, Number(t.result.receipt.gasUsed));
});

test('more: CREATE2, CALLCODE, a write in a STATICCALL (write protection), SELFDESTRUCT', async () => {
  const t = tx['more4']!;
  assert.is(t.result.receipt.status, 1);
  const top = await callTree(t);
  assert.equal(
    top.calls!.map((f) => f.type),
    ['CREATE2', 'CALLCODE', 'STATICCALL', 'CALL'],
  );
  const [create2, callcode, staticcall, bye] = top.calls as [CallFrame, CallFrame, CallFrame, CallFrame];
  const c2 = lower(getCreate2Address(MAIN, word(1), ethersKeccak(c.Child.bytecode)));
  assert.is(create2.to, c2);
  // It self-destructs in the same tx, so compare its code with the first Child's.
  assert.is(create2.output, await executor.getCode(t.result.stateRoot, CHILD));
  // CALLCODE runs Lib's code as Main: from Main, to Lib; empty calldata hits no function and reverts, no data.
  assert.equal(
    { ...callcode, gas: undefined, gasUsed: undefined },
    {
      type: 'CALLCODE',
      from: MAIN,
      to: LIB,
      value: '0x0',
      gas: undefined,
      gasUsed: undefined,
      input: '0x',
      error: 'execution reverted',
    },
  );
  // An exceptional halt uses all the frame's gas.
  assert.is(staticcall.error, 'write protection');
  assert.is(staticcall.gasUsed, staticcall.gas);
  assert.is(bye.to, c2);
  assert.equal(bye.calls, [
    { type: 'SELFDESTRUCT', from: c2, to: ALICE, value: '0x0', gas: '0x0', gasUsed: '0x0', input: '0x' },
  ]);

  const result = await structLogs(t);
  assertSchema(result);
  const errors = result.structLogs.filter((l) => l.error !== undefined);
  assert.is(errors.length, 1);
  assert.equal(
    { op: errors[0]!.op, depth: errors[0]!.depth, error: errors[0]!.error },
    { op: 'SSTORE', depth: 2, error: 'write protection' },
  );
  assert.equal(
    result.structLogs
      .filter((l) => /^(CALL|CALLCODE|DELEGATECALL|STATICCALL|CREATE|CREATE2|SELFDESTRUCT)$/.test(l.op))
      .map((l) => l.op),
    ['CREATE2', 'CALLCODE', 'STATICCALL', 'CALL', 'SELFDESTRUCT'],
  );
});

test('reverts: a Panic at the top, a reason bubbled up from a callee', async () => {
  const panic = tx['more0']!;
  assert.is(panic.result.receipt.status, 0);
  const panicTop = await callTree(panic);
  assert.is(panicTop.error, 'execution reverted');
  assert.is(panicTop.revertReason, 'division or modulo by zero');
  assert.is(panicTop.output, panic.result.returnValue);
  assert.is(panic.result.returnValue, `0x4e487b71${word(0x12).slice(2)}`);
  // The sub-calls before the revert are still in the tree (their effects are undone, not their record).
  assert.equal(
    panicTop.calls!.map((f) => f.type),
    ['CREATE2', 'CALLCODE', 'STATICCALL', 'CALL'],
  );
  const panicLogs = await structLogs(panic);
  assertSchema(panicLogs);
  assert.equal(
    { failed: panicLogs.failed, returnValue: panicLogs.returnValue, gas: panicLogs.gas },
    { failed: true, returnValue: panic.result.returnValue, gas: Number(panic.result.receipt.gasUsed) },
  );
  assert.is(panicLogs.structLogs.at(-1)!.op, 'REVERT');
  assert.not.ok('error' in panicLogs.structLogs.at(-1)!); // REVERT ran: the failure is the tx's, not the step's

  const boom = tx['boom']!;
  const boomTop = await callTree(boom);
  assert.equal(
    { error: boomTop.error, revertReason: boomTop.revertReason, output: boomTop.output },
    { error: 'execution reverted', revertReason: 'child says no', output: boom.result.returnValue },
  );
  const [failing] = boomTop.calls as [CallFrame];
  assert.equal(
    { type: failing.type, to: failing.to, error: failing.error, revertReason: failing.revertReason },
    { type: 'STATICCALL', to: CHILD, error: 'execution reverted', revertReason: 'child says no' },
  );
  const boomLogs = await structLogs(boom);
  assert.is(boomLogs.failed, true);
  assert.is(boomLogs.returnValue, boom.result.returnValue);
  // The revert undid slot 0 = 7, but the trace shows the write.
  assert.equal(boomLogs.structLogs.find((l) => l.op === 'SSTORE')!.storage, { [word(0)]: word(7) });
});

test('exceptional halts: the failing step carries the error; returnValue is empty', async () => {
  const bad = tx['bad']!;
  const badLogs = await structLogs(bad);
  assertSchema(badLogs);
  assert.equal(
    { failed: badLogs.failed, returnValue: badLogs.returnValue, gas: badLogs.gas },
    { failed: true, returnValue: '0x', gas: 100_000 },
  );
  assert.equal(
    { op: badLogs.structLogs.at(-1)!.op, error: badLogs.structLogs.at(-1)!.error },
    { op: 'INVALID', error: 'invalid opcode: INVALID' },
  );
  assert.is(badLogs.structLogs.filter((l) => 'error' in l).length, 1);
  const badTop = await callTree(bad);
  assert.equal(
    { error: badTop.error, gasUsed: badTop.gasUsed, output: badTop.output },
    { error: 'invalid opcode: INVALID', gasUsed: toQuantity(100_000), output: undefined },
  );

  // 30,000 gas: the counter's SSTORE fits, the CALL to the child (cold, with value) does not.
  const oog = tx['oogCall']!;
  const oogLogs = await structLogs(oog);
  assertSchema(oogLogs);
  const last = oogLogs.structLogs.at(-1)!;
  assert.equal(
    { op: last.op, depth: last.depth, error: last.error },
    { op: 'CALL', depth: 1, error: 'out of gas' },
  );
  // (its gasCost is what @ethereumjs had summed when its gas function gave up: not the full cost geth shows)
  assert.is(oogLogs.structLogs.filter((l) => 'error' in l).length, 1);
  assert.equal(
    { failed: oogLogs.failed, returnValue: oogLogs.returnValue, gas: oogLogs.gas },
    { failed: true, returnValue: '0x', gas: 30_000 },
  );
  assert.is((await callTree(oog)).error, 'out of gas');
});

test('withLog: logs per frame with their position; a failed frame drops its logs and its callees’', async () => {
  const t = tx['run42']!;
  const top = await callTree(t, { withLog: true });
  const created = lower(getCreateAddress({ from: MAIN, nonce: 1 }));
  const did = {
    address: MAIN,
    topics: [keccakId('Did(uint256,address)'), word(1)],
    data: word(BigInt(created)),
  };
  const pinged = { address: CHILD, topics: [keccakId('Pinged(uint256)')], data: word(42) };
  assert.equal(top.logs, [{ ...did, position: '0x3' }]); // after CALL, DELEGATECALL, CREATE
  assert.equal(top.calls![0]!.logs, [{ ...pinged, position: '0x0' }]);
  assert.ok(top.calls!.slice(1).every((f) => !('logs' in f)));
  // The same logs as the receipt, in execution order.
  assert.equal(t.result.receipt.logs, [pinged, did]);

  // tight(7): ping (and its log) succeeds, Lib runs out of its 5,000 gas, Main reverts: no logs survive.
  const failing = tx['tight']!;
  const failedTop = await callTree(failing, { withLog: true });
  assert.equal(
    { error: failedTop.error, revertReason: failedTop.revertReason },
    { error: 'execution reverted', revertReason: 'delegatecall failed' },
  );
  assert.equal(
    failedTop.calls!.map((f) => [f.type, f.error]),
    [
      ['CALL', undefined],
      ['DELEGATECALL', 'out of gas'],
    ],
  );
  assert.not.ok(JSON.stringify(failedTop).includes('"logs"'));
  const failedLogs = (await structLogs(failing)).structLogs;
  const errors = failedLogs.filter((l) => 'error' in l);
  assert.equal(
    errors.map((l) => [l.op, l.depth, l.error]),
    [['SSTORE', 2, 'out of gas']],
  );
});

test('onlyTopCall: the top frame alone (with its own logs)', async () => {
  const t = tx['run42']!;
  const full = await callTree(t, { withLog: true });
  const { calls: _, logs: __, ...topOnly } = full;
  assert.equal(await callTree(t, { onlyTopCall: true }), topOnly);
  const withLogs = await callTree(t, { onlyTopCall: true, withLog: true });
  assert.not.ok('calls' in withLogs);
  assert.equal(
    withLogs.logs!.map((l) => l.position),
    ['0x0'],
  );
});

test('a creation tx: a CREATE frame to the new contract, returning its code', async () => {
  const t = tx['deployChild']!;
  const code = await executor.getCode(t.result.stateRoot, CHILD);
  assert.equal(await callTree(t), {
    type: 'CREATE',
    from: ALICE,
    to: CHILD,
    value: '0x0',
    gas: toQuantity(t.gas),
    gasUsed: toQuantity(t.result.receipt.gasUsed),
    input: c.Child.bytecode,
    output: code,
  });
  const logs = await structLogs(t);
  assertSchema(logs);
  assert.is(logs.returnValue, code);
  assert.is(logs.structLogs.at(-1)!.op, 'RETURN');
});

test('a tx later in its block is traced after replaying the txs before it', async () => {
  const [first, second] = [tx['run42']!, tx['run0']!];
  assert.is(second.before, first.result.stateRoot);
  const direct = await structLogs(second);
  const replayed = createStructLogger();
  const traced = await executor.traceTx({
    stateRoot: first.before,
    before: [first.raw],
    tx: second.raw,
    block: second.block,
    hooks: replayed,
  });
  assert.equal(replayed.result(traced), direct);
  // Without them (another sender, so it still runs), the tx reads the older state: Main's counter was 0.
  const stale = await trace({ ...second, before: first.before }, createStructLogger());
  assert.equal(stale.structLogs.find((l) => l.op === 'SLOAD')!.storage, { [word(0)]: word(0) });
  assert.equal(direct.structLogs.find((l) => l.op === 'SLOAD')!.storage, { [word(0)]: word(1) });
});

test('errors: a tx that cannot be replayed, an unknown root, a throwing hook; nothing is written', async () => {
  const size = (store as unknown as { _database: Map<string, unknown> })._database.size;
  const t = tx['run42']!;
  // Its nonce is used on the state after it.
  const err = await executor
    .traceTx({ stateRoot: t.result.stateRoot, tx: t.raw, block: t.block, hooks: createStructLogger() })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  assert.instance(err, ExecutionError);
  const unknown = await executor
    .traceTx({ stateRoot: word(1) as Hash, tx: t.raw, block: t.block, hooks: createStructLogger() })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  assert.instance(unknown, UnknownStateRootError);
  const throwing: EvmTraceHooks = {
    step: () => Promise.reject(new Error('tracer bug')),
    enter: () => {},
    exit: () => {},
  };
  const hookErr = await executor
    .traceTx({ stateRoot: t.before, tx: t.raw, block: t.block, hooks: throwing })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  assert.instance(hookErr, ExecutionError);
  assert.is(
    (hookErr as ExecutionError).cause instanceof Error && (hookErr as Error & { cause: Error }).cause.message,
    'tracer bug',
  );
  assert.is((store as unknown as { _database: Map<string, unknown> })._database.size, size);
  // And the executor still runs from where it was.
  assert.ok(await executor.hasStateRoot(root));
});

test('decodeRevertReason: Error(string), Panic(uint256), anything else', () => {
  const error = c.Child.abi.encodeErrorResult('Error', ['no way']) as Hex;
  assert.is(decodeRevertReason(error), 'no way');
  assert.is(decodeRevertReason(`0x4e487b71${word(0x11).slice(2)}`), 'arithmetic underflow or overflow');
  assert.is(decodeRevertReason(`0x4e487b71${word(0x99).slice(2)}`), 'unknown panic code: 0x99');
  assert.is(decodeRevertReason('0x4e487b71'), undefined);
  assert.is(decodeRevertReason('0x08c379a0'), undefined);
  assert.is(decodeRevertReason(`0x08c379a0${word(0x20).slice(2)}${word(100).slice(2)}`), undefined);
  assert.is(decodeRevertReason('0x12345678'), undefined);
  assert.is(decodeRevertReason('0x'), undefined);
});

test("gethHaltMessage: @ethereumjs's halt messages in geth's words, without the code location some carry", () => {
  const at = `0x${'7d'.repeat(32)}/0x${'84'.repeat(20)}:12`;
  assert.is(gethHaltMessage(`invalid JUMP at ${at}`), 'invalid jump destination');
  assert.is(gethHaltMessage('static state change'), 'write protection');
  assert.is(gethHaltMessage('out of gas'), 'out of gas');
  assert.is(gethHaltMessage('value out of range'), 'return data out of bounds');
  assert.is(gethHaltMessage('invalid opcode'), 'invalid opcode');
  assert.is(gethHaltMessage('something new'), 'something new', 'an unknown message as it is');
});

test.run();
