import { AbiCoder } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { revertReason } from '../../src/rpc/read/index.ts';

test('revertReason decodes Error(string) and nothing else', () => {
  const data = `0x08c379a0${AbiCoder.defaultAbiCoder().encode(['string'], ['not enough']).slice(2)}` as const;
  assert.is(revertReason(data), 'not enough');
  assert.is(revertReason('0x'), undefined);
  assert.is(revertReason(`0x${'00'.repeat(32)}`), undefined);
  assert.is(revertReason('0x08c379a0ff'), undefined);
});

test.run();
