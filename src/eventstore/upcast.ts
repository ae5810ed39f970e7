/**
 * Schema versions and upcasters (DESIGN §4). Each event carries the schema `version` of its `data`; when a
 * type's data changes shape, its current version goes up by one and an upcaster turns data of the previous
 * version into the next one. Reading applies the whole path v → v+1 → … → current, so the code only ever sees
 * the current shape.
 *
 * Invariants:
 * - a type with a spec has upcasters for every version from 1 to `currentVersion - 1` (checked at creation);
 * - an event whose version is newer than the code knows is refused (an old node must not misread new data);
 * - types without a spec pass through unchanged; appends stamp them version 1 unless told otherwise.
 */
import { EventStoreError } from './errors.ts';
import type { JsonObject } from './types.ts';

/** Turns data of one version into data of the next. Pure. */
export type UpcastStep = (data: JsonObject) => JsonObject;

export type UpcasterSpec = {
  /** The version this code writes and expects on read. Versions start at 1. */
  currentVersion: number;
  /** `upcast[v]` turns version `v` into `v + 1`, for every `v` below `currentVersion`. */
  upcast?: Record<number, UpcastStep>;
};

export type Upcasters = {
  /** The version appends stamp on events of `type` that do not name one: its current version, else 1. Pure. */
  currentVersion(type: string): number;
  /**
   * Brings `data` of `type` from `version` to the current version. Pure (given pure steps).
   * @throws {EventStoreError} `EVENT_STORE_UNKNOWN_VERSION` when `version` is newer than the code knows or not a
   *   positive integer.
   */
  upcast(type: string, version: number, data: JsonObject): { version: number; data: JsonObject };
  /**
   * Checks the version an append would stamp on an event of `type`.
   * @throws {EventStoreError} `EVENT_STORE_INVALID_INPUT` when it is not a positive integer or newer than known.
   */
  versionForAppend(type: string, version: number | undefined): number;
};

/**
 * Builds the upcasters of a set of event types.
 *
 * @example
 * createUpcasters({ BatchClosed: { currentVersion: 2, upcast: { 1: (d) => ({ ...d, reason: 'timeout' }) } } })
 * @throws {EventStoreError} `EVENT_STORE_INVALID_INPUT` when a spec misses a step or has a bad current version.
 */
export function createUpcasters(specs: Record<string, UpcasterSpec> = {}): Upcasters {
  const table = new Map<string, { current: number; steps: UpcastStep[] }>();
  for (const [type, spec] of Object.entries(specs)) {
    if (!Number.isInteger(spec.currentVersion) || spec.currentVersion < 1) {
      throw new EventStoreError(`upcasters of ${type}: currentVersion must be an integer ≥ 1`, {
        code: 'EVENT_STORE_INVALID_INPUT',
        details: `got ${String(spec.currentVersion)}`,
      });
    }
    const steps: UpcastStep[] = [];
    for (let v = 1; v < spec.currentVersion; v++) {
      const step = spec.upcast?.[v];
      if (typeof step !== 'function') {
        throw new EventStoreError(`upcasters of ${type}: no upcaster from version ${v} to ${v + 1}`, {
          code: 'EVENT_STORE_INVALID_INPUT',
        });
      }
      steps.push(step);
    }
    table.set(type, { current: spec.currentVersion, steps });
  }

  return {
    currentVersion: (type) => table.get(type)?.current ?? 1,

    upcast(type, version, data) {
      if (!Number.isInteger(version) || version < 1) {
        throw new EventStoreError(`event of type ${type} has an invalid schema version ${String(version)}`, {
          code: 'EVENT_STORE_UNKNOWN_VERSION',
        });
      }
      const entry = table.get(type);
      if (!entry) return { version, data };
      if (version > entry.current) {
        throw new EventStoreError(
          `event of type ${type} has schema version ${version}, newer than this code knows (${entry.current})`,
          {
            code: 'EVENT_STORE_UNKNOWN_VERSION',
            details: 'the event was written by a newer version of the node; upgrade this one',
          },
        );
      }
      let out = data;
      for (let v = version; v < entry.current; v++) out = entry.steps[v - 1]!(out);
      return { version: entry.current, data: out };
    },

    versionForAppend(type, version) {
      const entry = table.get(type);
      if (version === undefined) return entry?.current ?? 1;
      if (!Number.isInteger(version) || version < 1) {
        throw new EventStoreError(`event of type ${type}: version must be an integer ≥ 1`, {
          code: 'EVENT_STORE_INVALID_INPUT',
          details: `got ${String(version)}`,
        });
      }
      if (entry && version > entry.current) {
        throw new EventStoreError(
          `event of type ${type}: version ${version} is newer than this code knows (${entry.current})`,
          { code: 'EVENT_STORE_INVALID_INPUT' },
        );
      }
      return version;
    },
  };
}
