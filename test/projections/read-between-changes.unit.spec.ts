/** `readBetweenChanges` (projections/runner.ts): one read per watched change, failures and races not cached. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBetweenChanges } from '../../projections/index.ts';

test('reads once per version; a new version reads again', async () => {
  let version = 0;
  let reads = 0;
  const get = readBetweenChanges({ version: () => version }, async () => ++reads);
  assert.is(await get(), 1);
  assert.is(await get(), 1);
  assert.is(reads, 1);
  version++;
  assert.is(await get(), 2);
  assert.is(await get(), 2);
  assert.is(reads, 2);
});

test('a change during the read: that answer serves no call after the change', async () => {
  let version = 0;
  let reads = 0;
  let release!: () => void;
  const get = readBetweenChanges({ version: () => version }, async () => {
    reads++;
    if (reads === 1) await new Promise<void>((r) => (release = r));
    return reads;
  });
  const first = get();
  version++; // the watched events were committed while the first read ran
  release();
  assert.is(await first, 1);
  assert.is(await get(), 2, 'the call after the change reads again');
});

test('a failed read is not cached', async () => {
  let fail = true;
  const get = readBetweenChanges({ version: () => 0 }, async () => {
    if (fail) throw new Error('connection lost');
    return 'ok';
  });
  const err = await get().then(
    () => null,
    (e: Error) => e,
  );
  assert.match(String(err?.message), 'connection lost');
  fail = false;
  assert.is(await get(), 'ok');
});

test.run();
