/**
 * The eth-tx-manager's pure parts: how node answers are read (send errors, revert data — the messages are those
 * Hardhat and geth return), and the machine's routing of outcomes (scripted effects on a simulated clock): a
 * temporary failure backs off and retries, a critical one fails the machine, a stop lets the round finish.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, SimulatedClock } from 'xstate';
import {
  classifySendError,
  createEthTxManagerMachine,
  type EthTxManagerEffects,
  type EthTxManagerState,
  L1RpcError,
  L1UnavailableError,
  retryDelay,
  revertReason,
  toQueuedData,
} from '../../actors/eth-tx-manager/index.ts';
import { NodeError, ValidationError } from '../../src/errors/index.ts';

const ERROR_NOPE =
  '0x08c379a0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000046e6f706500000000000000000000000000000000000000000000000000000000';

test('send errors of Hardhat and geth are told apart', () => {
  const cases: [string, ReturnType<typeof classifySendError>][] = [
    ['Known transaction: 0xcb34138db5291dc6a6ee69fb0eea958f9c5276e3036d52947c33984252a3a938', 'known'],
    ['already known', 'known'],
    ['Transaction nonce too low. Expected nonce to be at least 2 but got 1.', 'nonce_too_low'],
    ['nonce too low: next nonce 5, tx nonce 4', 'nonce_too_low'],
    [
      'Replacement transaction underpriced. A gasPrice/maxFeePerGas of at least 2200000000 is necessary to replace the existing transaction with nonce 0.',
      'underpriced',
    ],
    ['replacement transaction underpriced', 'underpriced'],
    ['max fee per gas less than block base fee: address 0x.., maxFeePerGas: 1, baseFee: 7', 'underpriced'],
    [
      "Sender doesn't have enough funds to send tx. The max upfront cost is: 42000000000000 and the sender's balance is: 0.",
      'insufficient_funds',
    ],
    ['insufficient funds for gas * price + value: balance 0, tx cost 21000', 'insufficient_funds'],
    ['Trying to send a raw transaction with an invalid chainId. The expected chainId is 1337', 'other'],
  ];
  for (const [message, kind] of cases) assert.is(classifySendError(message), kind, message);
});

test('revert reasons: Error(string) from Hardhat (data.data) and geth (data), panics, custom errors', () => {
  const hardhat = new L1RpcError('eth_call', {
    code: -32603,
    message: "Error: VM Exception while processing transaction: reverted with reason string 'nope'",
    data: { message: '…', data: ERROR_NOPE },
  });
  assert.is(revertReason(hardhat), 'nope');
  assert.is(
    revertReason(
      new L1RpcError('eth_call', { code: 3, message: 'execution reverted: nope', data: ERROR_NOPE }),
    ),
    'nope',
  );
  const panic = `0x4e487b71${'0'.repeat(62)}11`;
  assert.is(revertReason(new L1RpcError('eth_call', { code: 3, message: 'x', data: panic })), 'panic 0x11');
  assert.is(
    revertReason(new L1RpcError('eth_call', { code: 3, message: 'x', data: '0xdeadbeef00' })),
    'custom error 0xdeadbeef',
  );
  assert.is(
    revertReason(new L1RpcError('eth_call', { code: -32000, message: 'execution reverted' })),
    'execution reverted',
  );
});

test('queue requests are checked and normalised (lowercase addresses and data, decimal quantities)', () => {
  const ok = toQueuedData(
    {
      id: 'sequence-from-1-to-3',
      from: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      to: '0x00000000000000000000000000000000000000AA',
      data: '0xABCD',
      value: 7n,
      gasLimit: 90_000n,
    },
    'sequence-sender',
  );
  assert.equal(ok, {
    id: 'sequence-from-1-to-3',
    owner: 'sequence-sender',
    from: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
    to: '0x00000000000000000000000000000000000000aa',
    data: '0xabcd',
    value: '7',
    gasLimit: '90000',
  });
  const base = { id: 'x', from: ok.from, to: ok.to, data: '0x' };
  const refused: [Parameters<typeof toQueuedData>[0], RegExp][] = [
    [{ ...base, id: 'has space' }, /invalid l1 tx id/],
    [{ ...base, from: '0x1234' }, /invalid from/],
    [{ ...base, to: 'nope' }, /invalid to/],
    [{ ...base, data: '0xabc' }, /not 0x-hex bytes/],
    [{ ...base, value: -1n }, /negative value/],
    [{ ...base, gasLimit: 0n }, /gasLimit must be positive/],
  ];
  for (const [req, message] of refused) {
    try {
      toQueuedData(req, null);
      assert.unreachable(String(message));
    } catch (err) {
      assert.instance(err, ValidationError);
      assert.match((err as Error).message, message);
    }
  }
  assert.is(toQueuedData({ ...base, to: null }, null).to, null, 'a contract creation');
});

test('retry delays double from the base up to the cap', () => {
  assert.equal(
    [1, 2, 3, 4, 5, 6, 7].map((n) => retryDelay(n, 250, 10_000)),
    [250, 500, 1000, 2000, 4000, 8000, 10_000],
  );
});

/** Effects driven by the test: each load/tick waits for the test to settle it. */
function scripted() {
  type Pending = { resolve(v: unknown): void; reject(e: unknown): void };
  const calls: { kind: 'load' | 'tick'; p: Pending }[] = [];
  const state: EthTxManagerState = { cursor: 0n, open: [], finalNonces: {}, gapSince: {} };
  const call = (kind: 'load' | 'tick') =>
    new Promise<never>((resolve, reject) => calls.push({ kind, p: { resolve: resolve as never, reject } }));
  const effects: EthTxManagerEffects = {
    load: () => call('load'),
    tick: () => call('tick'),
    changed: () => new Promise(() => {}),
  };
  const next = (kind: 'load' | 'tick') => {
    const c = calls.shift();
    assert.ok(c, `a ${kind} call`);
    assert.is(c.kind, kind);
    return c.p;
  };
  return { effects, state, calls, next };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const temporary = () => new L1UnavailableError('eth_blockNumber', '127.0.0.1:1', new Error('ECONNREFUSED'));

test('temporary failures back off (doubling) and retry; a good round resets the count', async () => {
  const s = scripted();
  const clock = new SimulatedClock();
  const actor = createActor(createEthTxManagerMachine(s.effects, { pollMs: 1000, backoffMs: 100 }), {
    clock,
  });
  actor.start();
  s.next('load').reject(temporary());
  await flush();
  assert.is(actor.getSnapshot().value, 'backoff');
  clock.increment(99);
  assert.is(s.calls.length, 0);
  clock.increment(1);
  s.next('load').resolve(s.state);
  await flush();
  s.next('tick').reject(temporary());
  await flush();
  assert.is(actor.getSnapshot().context.failures, 1);
  clock.increment(100);
  s.next('tick').reject(temporary());
  await flush();
  assert.is(actor.getSnapshot().context.failures, 2);
  clock.increment(199);
  assert.is(s.calls.length, 0, 'the second retry waits twice as long');
  clock.increment(1);
  s.next('tick').resolve({ state: s.state, worked: false });
  await flush();
  assert.equal([actor.getSnapshot().value, actor.getSnapshot().context.failures], ['idle', 0]);
  clock.increment(1000);
  assert.is(s.calls[0]?.kind, 'tick', 'idle polls');
  actor.stop();
});

test('a critical failure fails the machine with that error', async () => {
  const s = scripted();
  const actor = createActor(createEthTxManagerMachine(s.effects), { clock: new SimulatedClock() });
  const errors: unknown[] = [];
  actor.subscribe({ error: (e) => errors.push(e) });
  actor.start();
  s.next('load').resolve(s.state);
  await flush();
  const critical = new NodeError('no funds', { severity: 'critical' });
  s.next('tick').reject(critical);
  await flush();
  assert.equal(errors, [critical]);
  assert.is(actor.getSnapshot().status, 'error');
});

test('a stop during a round lets it finish, then stops; a stop while idle or backing off stops at once', async () => {
  const s = scripted();
  const clock = new SimulatedClock();
  const actor = createActor(createEthTxManagerMachine(s.effects), { clock });
  actor.start();
  s.next('load').resolve(s.state);
  await flush();
  const round = s.next('tick');
  actor.send({ type: 'supervisor.stop' });
  assert.is(actor.getSnapshot().value, 'ticking', 'the round is not cut short');
  round.resolve({ state: s.state, worked: true });
  await flush();
  assert.is(actor.getSnapshot().status, 'done');
  assert.is(s.calls.length, 0, 'no round after the stop');

  const s2 = scripted();
  const idle = createActor(createEthTxManagerMachine(s2.effects), { clock: new SimulatedClock() });
  idle.start();
  s2.next('load').resolve(s2.state);
  await flush();
  s2.next('tick').reject(temporary());
  await flush();
  assert.is(idle.getSnapshot().value, 'backoff');
  idle.send({ type: 'supervisor.stop' });
  assert.is(idle.getSnapshot().status, 'done');
});

test.run();
