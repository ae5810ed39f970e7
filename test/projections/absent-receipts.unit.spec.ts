/**
 * Txs known to have no receipt (projections/l2/absent-receipts.ts): an absence holds until a committed block
 * includes that tx — not merely until the head moves — and is never recorded when such a block was committed
 * during the lookup, or when the lookup is older than the commits remembered.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createAbsentReceipts } from '../../projections/l2/index.ts';

const h = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

test('an absence holds across blocks of other txs and ends with the block that holds the tx', () => {
  const absent = createAbsentReceipts();
  assert.not.ok(absent.knownAbsent(h(1)));
  absent.markAbsent(h(1), absent.token());
  absent.markAbsent(h(2).toUpperCase().replace('0X', '0x'), absent.token());
  assert.ok(absent.knownAbsent(h(1)));
  assert.ok(absent.knownAbsent(h(2)), 'hex case does not matter');
  for (let n = 10; n < 20; n++) absent.included([h(n)]);
  assert.ok(absent.knownAbsent(h(1)), 'blocks of other txs do not end it');
  absent.included([h(3), h(1)]);
  assert.not.ok(absent.knownAbsent(h(1)), 'its block ends it');
  assert.ok(absent.knownAbsent(h(2)));
});

test("a lookup during which the tx's block was committed records nothing", () => {
  const absent = createAbsentReceipts();
  const token = absent.token(); // the lookup begins (and will find nothing: it read before the commit)
  absent.included([h(7)]);
  absent.included([h(8)]);
  absent.markAbsent(h(7), token);
  assert.not.ok(absent.knownAbsent(h(7)), 'the block committed meanwhile holds it');
  absent.markAbsent(h(9), token);
  assert.ok(absent.knownAbsent(h(9)), 'blocks of other txs during the lookup do not matter');
});

test('a lookup older than the remembered commits records nothing', () => {
  const absent = createAbsentReceipts();
  const token = absent.token();
  for (let n = 0; n < 300; n++) absent.included([h(1000 + n)]);
  absent.markAbsent(h(5), token);
  assert.not.ok(absent.knownAbsent(h(5)), 'whether a forgotten commit held it cannot be known');
  const fresh = absent.token();
  absent.markAbsent(h(5), fresh);
  assert.ok(absent.knownAbsent(h(5)));
});

test.run();
