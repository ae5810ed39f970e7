/** The `l2` fold as JSON for the sequencer's snapshot (src/streams/l2/snapshot.ts): exact round trips, clear refusals. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import { type L2State, l2StateFromJson, l2StateToJson } from '../../src/streams/l2/index.ts';

const h = (b: string) => `0x${b.repeat(64)}` as Hash;
const tip = { number: 12n, hash: h('a'), stateRoot: h('b') };
const lastBatch = {
  number: 3n,
  stateRoot: h('c'),
  accInputHash: h('d'),
  timestamp: 1_700_000_000n,
  lastForced: 2n,
};
const batch = {
  number: 4n,
  timestamp: 1_700_000_005n,
  coinbase: '0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266' as Address,
  globalExitRoot: h('e'),
  oldStateRoot: h('c'),
  oldAccInputHash: h('d'),
  blobs: ['0xe5', '0x'] as Hex[],
  bytes: 1,
  gasUsed: 2n ** 70n,
  firstBlock: 12n,
  forced: null,
};

test('every status round-trips exactly, bigints past 2^53 included', () => {
  const states: L2State[] = [
    { status: 'empty' },
    { status: 'closed', tip, lastBatch },
    { status: 'open', tip, lastBatch, batch },
    {
      status: 'open',
      tip,
      lastBatch,
      batch: {
        ...batch,
        blobs: [],
        bytes: 0,
        gasUsed: 0n,
        firstBlock: null,
        forced: { forcedBatchNumber: 3n, minForcedTimestamp: 9n },
      },
    },
  ];
  for (const s of states) {
    const json = JSON.parse(JSON.stringify(l2StateToJson(s)));
    assert.equal(l2StateFromJson(json), s);
  }
});

test('a state that is not one refuses with the field named', () => {
  const good = JSON.parse(JSON.stringify(l2StateToJson({ status: 'open', tip, lastBatch, batch }))) as object;
  /** `path`'s value replaced by `value` (removed when undefined), in a copy of the good state. */
  const spoilt = (path: string[], value: unknown) => {
    const j = structuredClone(good) as Record<string, unknown>;
    let at = j;
    for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
    const last = path.at(-1)!;
    if (value === undefined) delete at[last];
    else at[last] = value;
    return j;
  };
  const cases: [string, string[], unknown, RegExp][] = [
    ['no status', ['status'], undefined, /unknown status/],
    ['a number as a number', ['tip', 'number'], 12, /number is not a string/],
    ['a negative quantity', ['lastBatch', 'timestamp'], '-1', /timestamp is not a decimal quantity/],
    ['a short hash', ['tip', 'hash'], '0xab', /hash is not a 32-byte hash/],
    ['a blob of odd length', ['batch', 'blobs'], ['0xabc'], /blobs is not a list of hex strings/],
    ['no batch', ['batch'], undefined, /batch is not an object/],
    ['a bad coinbase', ['batch', 'coinbase'], '0x12', /coinbase is not an address/],
  ];
  for (const [what, path, value, message] of cases)
    assert.throws(() => l2StateFromJson(spoilt(path, value)), message, what);
  assert.throws(() => l2StateFromJson(null), /the state is not an object/);
});

test.run();
