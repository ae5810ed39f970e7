import { AbiCoder } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { callFailure } from '../../src/rpc/read/call.ts';
import { revertReason } from '../../src/rpc/read/index.ts';

test('revertReason decodes Error(string) and nothing else', () => {
  const data = `0x08c379a0${AbiCoder.defaultAbiCoder().encode(['string'], ['not enough']).slice(2)}` as const;
  assert.is(revertReason(data), 'not enough');
  assert.is(revertReason('0x'), undefined);
  assert.is(revertReason(`0x${'00'.repeat(32)}`), undefined);
  assert.is(revertReason('0x08c379a0ff'), undefined);
});

test("a Panic(uint256) revert reads as geth's: execution reverted: assert(false), or the unknown code", () => {
  const panic = (code: bigint) => `0x4e487b71${code.toString(16).padStart(64, '0')}` as const;
  assert.is(revertReason(panic(0x01n)), 'assert(false)');
  assert.is(revertReason(panic(0x11n)), 'arithmetic underflow or overflow');
  assert.is(revertReason(panic(0x99n)), 'unknown panic code: 0x99');
  assert.is(revertReason('0x4e487b7100'), undefined, 'a selector without its word');
  const err = callFailure({
    status: 0,
    gasUsed: 21_241n,
    returnValue: panic(0x01n),
    logs: [],
    vmError: 'revert',
  });
  assert.is(err.message, 'execution reverted: assert(false)');
});

test('an Error("") revert reads as geth\'s: "execution reverted: ", the empty reason after the colon', () => {
  const empty = `0x08c379a0${32n.toString(16).padStart(64, '0')}${'0'.repeat(64)}` as const;
  assert.is(revertReason(empty), '');
  const err = callFailure({ status: 0, gasUsed: 21_300n, returnValue: empty, logs: [], vmError: 'revert' });
  assert.is(err.message, 'execution reverted: ');
  // No reason that decodes: the bare message.
  const bare = callFailure({ status: 0, gasUsed: 21_300n, returnValue: '0x', logs: [], vmError: 'revert' });
  assert.is(bare.message, 'execution reverted');
});

test.run();
