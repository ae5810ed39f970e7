/**
 * The folded `l2` state as JSON, for the writer's snapshot (a cache: projections/snapshots.ts). Quantities as decimal
 * strings, as in events. `L2_STATE_FORMAT` names this layout: change it whenever `L2State` or `evolve` changes
 * what a folded state holds, and a snapshot of the old format is ignored (the writer folds the whole stream).
 */
import type { Address, Hash, Hex } from '../../primitives/index.ts';
import type { L2ClosedBatch, L2State, L2Tip } from './l2.ts';

export const L2_STATE_FORMAT = 1;

type Json = Record<string, unknown>;

const tipJson = (t: L2Tip) => ({ number: t.number.toString(), hash: t.hash, stateRoot: t.stateRoot });
const closedJson = (b: L2ClosedBatch) => ({
  number: b.number.toString(),
  stateRoot: b.stateRoot,
  accInputHash: b.accInputHash,
  timestamp: b.timestamp.toString(),
  lastForced: b.lastForced.toString(),
});

/** `state` as plain JSON. Pure. */
export function l2StateToJson(state: L2State): Json {
  if (state.status === 'empty') return { status: 'empty' };
  const base = { tip: tipJson(state.tip), lastBatch: closedJson(state.lastBatch) };
  if (state.status === 'closed') return { status: 'closed', ...base };
  const b = state.batch;
  return {
    status: 'open',
    ...base,
    batch: {
      number: b.number.toString(),
      timestamp: b.timestamp.toString(),
      coinbase: b.coinbase,
      globalExitRoot: b.globalExitRoot,
      oldStateRoot: b.oldStateRoot,
      oldAccInputHash: b.oldAccInputHash,
      blobs: b.blobs,
      bytes: b.bytes,
      gasUsed: b.gasUsed.toString(),
      firstBlock: b.firstBlock === null ? null : b.firstBlock.toString(),
      forced: b.forced
        ? {
            forcedBatchNumber: b.forced.forcedBatchNumber.toString(),
            minForcedTimestamp: b.forced.minForcedTimestamp.toString(),
          }
        : null,
    },
  };
}

const obj = (v: unknown, what: string): Json => {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new TypeError(`l2 snapshot: ${what} is not an object`);
  return v as Json;
};
const str = (o: Json, k: string): string => {
  const v = o[k];
  if (typeof v !== 'string') throw new TypeError(`l2 snapshot: ${k} is not a string`);
  return v;
};
const int = (o: Json, k: string): bigint => {
  const v = str(o, k);
  if (!/^\d+$/.test(v)) throw new TypeError(`l2 snapshot: ${k} is not a decimal quantity`);
  return BigInt(v);
};
const hash = (o: Json, k: string): Hash => {
  const v = str(o, k);
  if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new TypeError(`l2 snapshot: ${k} is not a 32-byte hash`);
  return v as Hash;
};

/**
 * The state {@link l2StateToJson} wrote. Pure.
 * @throws {TypeError} naming the first field that does not have its type.
 */
export function l2StateFromJson(json: unknown): L2State {
  const o = obj(json, 'the state');
  const status = o['status'];
  if (status === 'empty') return { status: 'empty' };
  if (status !== 'closed' && status !== 'open') throw new TypeError('l2 snapshot: unknown status');
  const t = obj(o['tip'], 'tip');
  const l = obj(o['lastBatch'], 'lastBatch');
  const tip: L2Tip = { number: int(t, 'number'), hash: hash(t, 'hash'), stateRoot: hash(t, 'stateRoot') };
  const lastBatch: L2ClosedBatch = {
    number: int(l, 'number'),
    stateRoot: hash(l, 'stateRoot'),
    accInputHash: hash(l, 'accInputHash'),
    timestamp: int(l, 'timestamp'),
    lastForced: int(l, 'lastForced'),
  };
  if (status === 'closed') return { status, tip, lastBatch };
  const b = obj(o['batch'], 'batch');
  const blobs = b['blobs'];
  if (!Array.isArray(blobs) || !blobs.every((x) => typeof x === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(x)))
    throw new TypeError('l2 snapshot: blobs is not a list of hex strings');
  const bytes = b['bytes'];
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0)
    throw new TypeError('l2 snapshot: bytes is not a count');
  const coinbase = str(b, 'coinbase');
  if (!/^0x[0-9a-fA-F]{40}$/.test(coinbase)) throw new TypeError('l2 snapshot: coinbase is not an address');
  const forced = b['forced'] === null ? null : obj(b['forced'], 'forced');
  return {
    status,
    tip,
    lastBatch,
    batch: {
      number: int(b, 'number'),
      timestamp: int(b, 'timestamp'),
      coinbase: coinbase as Address,
      globalExitRoot: hash(b, 'globalExitRoot'),
      oldStateRoot: hash(b, 'oldStateRoot'),
      oldAccInputHash: hash(b, 'oldAccInputHash'),
      blobs: blobs as Hex[],
      bytes,
      gasUsed: int(b, 'gasUsed'),
      firstBlock: b['firstBlock'] === null ? null : int(b, 'firstBlock'),
      forced: forced
        ? {
            forcedBatchNumber: int(forced, 'forcedBatchNumber'),
            minForcedTimestamp: int(forced, 'minForcedTimestamp'),
          }
        : null,
    },
  };
}
