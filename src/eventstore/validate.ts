/**
 * Input checks shared by both backends: an append is refused as a whole, before anything reaches the store,
 * when any part of it is malformed, with a message naming the event and the field at fault.
 */
import { EventStoreError } from './errors.ts';
import type {
  EventFilter,
  ExpectedRevision,
  GlobalPosition,
  JsonObject,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
} from './types.ts';
import type { Upcasters } from './upcast.ts';

/** An event checked and serialised for the store. */
export type PreparedEvent = {
  id: string;
  type: string;
  version: number;
  data: JsonObject;
  metadata: JsonObject;
  /** `JSON.stringify(data)`: stored verbatim so it reads back exactly. */
  dataJson: string;
  metadataJson: string;
};

const invalid = (message: string, details?: string) =>
  new EventStoreError(message, {
    code: 'EVENT_STORE_INVALID_INPUT',
    ...(details === undefined ? {} : { details }),
  });

/** @throws {EventStoreError} `EVENT_STORE_INVALID_INPUT` naming what is wrong. */
export function checkStreamId(streamId: unknown): asserts streamId is string {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw invalid(`stream id must be a non-empty string, got ${describeValue(streamId)}`);
  }
  if (streamId.startsWith('$')) throw invalid(`stream id ${streamId}: ids starting with "$" are reserved`);
}

/** @throws {EventStoreError} `EVENT_STORE_INVALID_INPUT` naming what is wrong. */
export function checkExpectedRevision(expected: unknown): asserts expected is ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return;
  throw invalid(
    `expected revision must be 'any', 'no_stream', 'stream_exists' or an integer ≥ 0, got ${describeValue(expected)}`,
  );
}

/**
 * Checks and serialises the events of one append. Pure.
 * @throws {EventStoreError} `EVENT_STORE_INVALID_INPUT` when the stream id, the expected revision or any event is
 *   malformed (empty or duplicate id, empty type, data or metadata that is not plain JSON, bad version).
 */
export function prepareAppend(
  streamId: string,
  events: readonly NewEvent[],
  expectedRevision: unknown,
  upcasters: Upcasters,
): PreparedEvent[] {
  checkStreamId(streamId);
  checkExpectedRevision(expectedRevision);
  if (!Array.isArray(events)) throw invalid(`append to ${streamId}: events must be an array`);
  const ids = new Set<string>();
  return events.map((event, i) => {
    const where = `append to ${streamId}, event #${i}`;
    if (typeof event !== 'object' || event === null) {
      throw invalid(`${where}: not an object (${describeValue(event)})`);
    }
    const { id, type, data, metadata } = event as Partial<NewEvent>;
    if (typeof id !== 'string' || id.length === 0) {
      throw invalid(`${where}: id must be a non-empty string, got ${describeValue(id)}`);
    }
    if (ids.has(id)) throw invalid(`${where}: id ${id} appears twice in the same append`);
    ids.add(id);
    const named = `${where} (id ${id})`;
    if (typeof type !== 'string' || type.length === 0) {
      throw invalid(`${named}: type must be a non-empty string, got ${describeValue(type)}`);
    }
    if (type.startsWith('$')) throw invalid(`${named}: type ${type}: types starting with "$" are reserved`);
    const typed = `${where} (id ${id}, type ${type})`;
    if (!isPlainObject(data))
      throw invalid(`${typed}: data must be a JSON object, got ${describeValue(data)}`);
    const dataProblem = isExactJson(data, 0) ? undefined : jsonProblem(data, 'data', new Set());
    if (dataProblem) throw invalid(`${typed}: ${dataProblem}`);
    if (!isPlainObject(metadata)) {
      throw invalid(`${typed}: metadata must be an object {at, actor}, got ${describeValue(metadata)}`);
    }
    for (const key of ['at', 'actor'] as const) {
      const value = metadata[key];
      if (typeof value !== 'string' || value.length === 0) {
        throw invalid(`${typed}: metadata.${key} must be a non-empty string, got ${describeValue(value)}`);
      }
    }
    for (const key of ['causationId', 'correlationId'] as const) {
      const value = metadata[key];
      if (value !== undefined && typeof value !== 'string') {
        throw invalid(`${typed}: metadata.${key} must be a string when present, got ${describeValue(value)}`);
      }
    }
    const metadataProblem = isExactJson(metadata, 0)
      ? undefined
      : jsonProblem(metadata, 'metadata', new Set());
    if (metadataProblem) throw invalid(`${typed}: ${metadataProblem}`);
    let version: number;
    try {
      version = upcasters.versionForAppend(type, event.version);
    } catch (err) {
      throw invalid(`${typed}: ${err instanceof EventStoreError ? err.shortMessage : String(err)}`);
    }
    const meta = metadata as JsonObject;
    return {
      id,
      type,
      version,
      data: data as JsonObject,
      metadata: meta,
      dataJson: JSON.stringify(data),
      metadataJson: JSON.stringify(meta),
    };
  });
}

export type CheckedReadStreamOptions = {
  from: number | undefined;
  direction: 'forwards' | 'backwards';
  limit: number | undefined;
};

/** @throws {EventStoreError} `EVENT_STORE_INVALID_INPUT` naming the bad option. */
export function checkReadStreamOptions(
  streamId: string,
  opts: ReadStreamOptions = {},
): CheckedReadStreamOptions {
  checkStreamId(streamId);
  const direction = opts.direction ?? 'forwards';
  if (direction !== 'forwards' && direction !== 'backwards') {
    throw invalid(
      `readStream ${streamId}: direction must be 'forwards' or 'backwards', got ${String(direction)}`,
    );
  }
  if (opts.from !== undefined && !(Number.isSafeInteger(opts.from) && opts.from >= 0)) {
    throw invalid(`readStream ${streamId}: from must be an integer ≥ 0, got ${describeValue(opts.from)}`);
  }
  if (opts.limit !== undefined && !(Number.isSafeInteger(opts.limit) && opts.limit >= 0)) {
    throw invalid(`readStream ${streamId}: limit must be an integer ≥ 0, got ${describeValue(opts.limit)}`);
  }
  return { from: opts.from, direction, limit: opts.limit };
}

export type CheckedFilter = { streamPrefixes: string[] | undefined; types: string[] | undefined };

export type CheckedReadAllOptions = {
  fromPosition: GlobalPosition;
  limit: number;
  filter: CheckedFilter;
};

/** @throws {EventStoreError} `EVENT_STORE_INVALID_INPUT` naming the bad option. */
export function checkReadAllOptions(opts: ReadAllOptions = {}): CheckedReadAllOptions {
  const fromPosition = checkPosition('readAll', opts.fromPosition);
  const limit = opts.limit ?? 1000;
  if (!(Number.isSafeInteger(limit) && limit >= 1)) {
    throw invalid(`readAll: limit must be an integer ≥ 1, got ${describeValue(limit)}`);
  }
  return { fromPosition, limit, filter: checkFilter('readAll', opts.filter) };
}

/** @throws {EventStoreError} `EVENT_STORE_INVALID_INPUT` when it is neither undefined nor a bigint ≥ 0. */
export function checkPosition(where: string, position: unknown): GlobalPosition {
  if (position === undefined) return 0n;
  if (typeof position !== 'bigint' || position < 0n) {
    throw invalid(`${where}: fromPosition must be a bigint ≥ 0n, got ${describeValue(position)}`);
  }
  return position;
}

/** @throws {EventStoreError} `EVENT_STORE_INVALID_INPUT` when a list is not an array of non-empty strings. */
export function checkFilter(where: string, filter: EventFilter | undefined): CheckedFilter {
  const list = (name: string, value: unknown): string[] | undefined => {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v.length > 0)) {
      throw invalid(
        `${where}: filter.${name} must be an array of non-empty strings, got ${describeValue(value)}`,
      );
    }
    return [...new Set(value as string[])];
  };
  return {
    streamPrefixes: list('streamPrefixes', filter?.streamPrefixes),
    types: list('types', filter?.types),
  };
}

/** Whether an event of `type` in `streamId` passes `filter` (an empty list matches nothing). Pure. */
export function matchesFilter(filter: CheckedFilter, streamId: string, type: string): boolean {
  if (filter.streamPrefixes && !filter.streamPrefixes.some((p) => streamId.startsWith(p))) return false;
  if (filter.types && !filter.types.includes(type)) return false;
  return true;
}

/** Nesting deeper than this is left to {@link jsonProblem}, which also tells a cycle from depth. */
const FAST_JSON_DEPTH = 64;

/**
 * Whether `value` is JSON that round-trips exactly — what {@link jsonProblem} checks, without building a path for
 * every key (every append checks every event): false when it is not, or when it nests deeper than
 * {@link FAST_JSON_DEPTH}; `jsonProblem` then decides and says where.
 */
function isExactJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= FAST_JSON_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isExactJson(value[i], depth + 1)) return false;
    return true;
  }
  if (!isPlainObject(value)) return false;
  for (const key of Object.keys(value)) if (!isExactJson(value[key], depth + 1)) return false;
  return true;
}

/** The first thing in `value` that JSON cannot carry exactly, as a sentence naming its path; none → undefined. */
function jsonProblem(value: unknown, path: string, ancestors: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON cannot carry`;
    case 'bigint':
      return `${path} is a bigint; write bigints as decimal strings`;
    case 'undefined':
      return `${path} is undefined, which JSON cannot carry (omit the key or use null)`;
    case 'function':
    case 'symbol':
      return `${path} is a ${typeof value}, which JSON cannot carry`;
  }
  if (value === null) return undefined;
  const obj = value as object;
  if (ancestors.has(obj)) return `${path} refers back to itself (circular)`;
  if (Array.isArray(obj)) {
    ancestors.add(obj);
    for (let i = 0; i < obj.length; i++) {
      const problem = jsonProblem(obj[i], `${path}[${i}]`, ancestors);
      if (problem) return problem;
    }
    ancestors.delete(obj);
    return undefined;
  }
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) {
    return `${path} is binary (${obj.constructor.name}); write bytes as 0x-hex strings`;
  }
  if (obj instanceof Date) return `${path} is a Date; write times as ISO-8601 strings`;
  if (!isPlainObject(obj))
    return `${path} is a ${obj.constructor?.name ?? 'non-plain'} object, not plain JSON`;
  ancestors.add(obj);
  for (const [key, item] of Object.entries(obj)) {
    const problem = jsonProblem(
      item,
      /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`,
      ancestors,
    );
    if (problem) return problem;
  }
  ancestors.delete(obj);
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return value.length === 0 ? 'an empty string' : JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'null-prototype'} object`;
  return `${typeof value} ${String(value)}`;
}
