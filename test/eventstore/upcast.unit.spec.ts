import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createUpcasters, EventStoreError } from '../../src/eventstore/index.ts';

const upcasters = createUpcasters({
  BatchClosed: {
    currentVersion: 3,
    upcast: {
      1: (d) => ({ ...d, reason: 'timeout' }),
      2: (d) => ({ batch: d['number'] ?? null, reason: d['reason'] ?? null }),
    },
  },
  Stable: { currentVersion: 1 },
});

test('reading applies every step from the stored version to the current one', () => {
  assert.equal(upcasters.upcast('BatchClosed', 1, { number: '7' }), {
    version: 3,
    data: { batch: '7', reason: 'timeout' },
  });
  assert.equal(upcasters.upcast('BatchClosed', 2, { number: '8', reason: 'full' }), {
    version: 3,
    data: { batch: '8', reason: 'full' },
  });
  const current = { batch: '9', reason: 'full' };
  assert.equal(upcasters.upcast('BatchClosed', 3, current), { version: 3, data: current });
});

test('types without a spec pass through unchanged', () => {
  assert.equal(upcasters.upcast('Unknown', 4, { a: 1 }), { version: 4, data: { a: 1 } });
  assert.is(upcasters.currentVersion('Unknown'), 1);
  assert.is(upcasters.currentVersion('BatchClosed'), 3);
});

test('a version newer than the code knows is refused, naming type and version', () => {
  try {
    upcasters.upcast('BatchClosed', 4, {});
    assert.unreachable();
  } catch (err) {
    assert.instance(err, EventStoreError);
    assert.is((err as EventStoreError).code, 'EVENT_STORE_UNKNOWN_VERSION');
    assert.match(
      (err as Error).message,
      /BatchClosed has schema version 4, newer than this code knows \(3\)/,
    );
  }
  assert.throws(() => upcasters.upcast('Stable', 2, {}), /Stable has schema version 2/);
  assert.throws(() => upcasters.upcast('Stable', 0, {}), /invalid schema version 0/);
});

test('appends stamp the current version; explicit versions are checked', () => {
  assert.is(upcasters.versionForAppend('BatchClosed', undefined), 3);
  assert.is(upcasters.versionForAppend('BatchClosed', 2), 2);
  assert.is(upcasters.versionForAppend('Other', undefined), 1);
  assert.is(upcasters.versionForAppend('Other', 5), 5);
  assert.throws(() => upcasters.versionForAppend('BatchClosed', 4), /version 4 is newer/);
  assert.throws(() => upcasters.versionForAppend('Other', 1.5), /integer ≥ 1/);
});

test('a spec with a missing step or a bad current version is refused', () => {
  assert.throws(
    () => createUpcasters({ T: { currentVersion: 3, upcast: { 2: (d) => d } } }),
    /no upcaster from version 1 to 2/,
  );
  assert.throws(() => createUpcasters({ T: { currentVersion: 0 } }), /currentVersion must be an integer ≥ 1/);
});

test.run();
