import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IllegalStateError } from '../../src/errors/index.ts';
import {
  decide,
  foldTx,
  type TxCommand,
  type TxEvent,
  type TxReceived,
  txStreamId,
} from '../../src/streams/tx/index.ts';

const HASH = `0x${'ab'.repeat(32)}` as const;
const OTHER = `0x${'cd'.repeat(32)}` as const;
const received: TxReceived = {
  type: 'TxReceived',
  data: {
    hash: HASH,
    from: `0x${'11'.repeat(20)}` as const,
    nonce: '3',
    gasPrice: '1000000000',
    gas: '21000',
    to: null,
    value: '0',
    data: '0x',
    chainId: '1001',
    v: '2037',
    r: `0x${'01'.repeat(32)}`,
    s: `0x${'02'.repeat(32)}`,
    raw: '0xf8',
    ip: '127.0.0.1',
  },
};
const given = (events: TxEvent[]) => ({
  when: (command: TxCommand) => ({
    thenEvents: (expected: TxEvent[]) => assert.equal(decide(command, foldTx(events)), expected),
    thenThrows: (re: RegExp) =>
      assert.throws(
        () => decide(command, foldTx(events)),
        (e: unknown) => e instanceof IllegalStateError && re.test(e.message),
      ),
  }),
});

const t = suite('tx stream decider');

t('stream id is tx-<hash>', () => {
  assert.is(txStreamId(HASH), `tx-${HASH}`);
});

t('when unknown: ReceiveTx → TxReceived', () => {
  given([]).when({ type: 'ReceiveTx', data: received.data }).thenEvents([received]);
});

t('when pending or included: ReceiveTx again is refused', () => {
  given([received])
    .when({ type: 'ReceiveTx', data: received.data })
    .thenThrows(/already received: it is pending/);
  const included: TxEvent = {
    type: 'TxIncluded',
    data: { hash: HASH, blockNumber: '9', blockHash: OTHER, batchNumber: '2', status: 'success' },
  };
  given([received, included])
    .when({ type: 'ReceiveTx', data: received.data })
    .thenThrows(/already received: it is included/);
});

t('when replaced, failed or invalidated: ReceiveTx → TxReceived, pending again (the tx sent again)', () => {
  const ends: TxEvent[] = [
    { type: 'TxReplaced', data: { hash: HASH, replacedBy: OTHER } },
    { type: 'TxFailed', data: { hash: HASH, reason: 'nonce too low' } },
    { type: 'TxInvalidated', data: { hash: HASH, reason: 'insufficient balance' } },
  ];
  for (const end of ends) {
    given([received, end]).when({ type: 'ReceiveTx', data: received.data }).thenEvents([received]);
    const state = foldTx([received, end, received]);
    assert.equal(state, {
      status: 'pending',
      hash: HASH,
      from: received.data.from,
      nonce: 3n,
      gasPrice: 1_000_000_000n,
      gas: 21_000n,
    });
    given([received, end, received])
      .when({ type: 'ReceiveTx', data: received.data })
      .thenThrows(/already received: it is pending/);
  }
});

t('when pending: ReplaceTx → TxReplaced; state records the replacement', () => {
  const replaced: TxEvent = { type: 'TxReplaced', data: { hash: HASH, replacedBy: OTHER } };
  given([received])
    .when({ type: 'ReplaceTx', data: { hash: HASH, replacedBy: OTHER } })
    .thenEvents([replaced]);
  const state = foldTx([received, replaced]);
  assert.is(state.status, 'replaced');
  assert.is(state.status === 'replaced' && state.replacedBy, OTHER);
  assert.is(state.status === 'replaced' && state.nonce, 3n);
});

t('when replaced or included: ReplaceTx is refused', () => {
  const replaced: TxEvent = { type: 'TxReplaced', data: { hash: HASH, replacedBy: OTHER } };
  given([received, replaced])
    .when({ type: 'ReplaceTx', data: { hash: HASH, replacedBy: OTHER } })
    .thenThrows(/replaced/);
  const included: TxEvent = {
    type: 'TxIncluded',
    data: { hash: HASH, blockNumber: '9', blockHash: OTHER, batchNumber: '2', status: 'success' },
  };
  given([received, included])
    .when({ type: 'ReplaceTx', data: { hash: HASH, replacedBy: OTHER } })
    .thenThrows(/included/);
});

t('when pending: FailTx → TxFailed with its reason; state failed', () => {
  const failed: TxEvent = { type: 'TxFailed', data: { hash: HASH, reason: 'expired' } };
  given([received])
    .when({ type: 'FailTx', data: { hash: HASH, reason: 'expired' } })
    .thenEvents([failed]);
  const state = foldTx([received, failed]);
  assert.is(state.status === 'failed' && state.reason, 'expired');
});

t('when included, replaced, failed or unknown: FailTx is refused (never both included and failed)', () => {
  const fail: TxCommand = { type: 'FailTx', data: { hash: HASH, reason: 'expired' } };
  const included: TxEvent = {
    type: 'TxIncluded',
    data: { hash: HASH, blockNumber: '9', blockHash: OTHER, batchNumber: '2', status: 'success' },
  };
  given([received, included])
    .when(fail)
    .thenThrows(/cannot fail: it is included/);
  given([received, { type: 'TxReplaced', data: { hash: HASH, replacedBy: OTHER } }])
    .when(fail)
    .thenThrows(/cannot fail: it is replaced/);
  given([received, { type: 'TxFailed', data: { hash: HASH, reason: 'nonce too low' } }])
    .when(fail)
    .thenThrows(/cannot fail: it is failed/);
  given([])
    .when(fail)
    .thenThrows(/cannot fail: it is unknown/);
});

t.run();
