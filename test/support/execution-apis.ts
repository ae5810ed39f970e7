/**
 * Validates JSON-RPC results against the Ethereum execution-apis OpenRPC schemas in
 * ../shared/reference/execution-apis (eth/, txpool/ methods; schemas/ components), with ajv. Every schema file is
 * merged into one document's `components.schemas`, and each method's result schema is placed beside them, so the
 * `#/components/schemas/X` references resolve as in the built OpenRPC document.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { rpc } from './node-process.ts';

const ROOT = new URL('../../../shared/reference/execution-apis/', import.meta.url).pathname;

type MethodSpec = { name: string; result?: { schema: unknown } };

function loadYamlDir(dir: string): unknown[] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => parse(readFileSync(join(ROOT, dir, f), 'utf8')) as unknown);
}

let validators: Map<string, ValidateFunction> | undefined;
let ajvInstance: Ajv | undefined;

function build(): Map<string, ValidateFunction> {
  const schemas = Object.assign({}, ...(loadYamlDir('schemas') as Record<string, unknown>[]));
  const methods = [...loadYamlDir('eth'), ...loadYamlDir('txpool')].flat() as MethodSpec[];
  const doc = {
    $id: 'execution-apis',
    components: { schemas },
    methods: Object.fromEntries(methods.filter((m) => m.result).map((m) => [m.name, m.result!.schema])),
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema(doc);
  ajvInstance = ajv;
  return new Map(
    methods
      .filter((m) => m.result)
      .map((m) => [m.name, ajv.compile({ $ref: `execution-apis#/methods/${m.name}` })]),
  );
}

/** The methods the spec defines a result for. */
export function specMethods(): string[] {
  validators ??= build();
  return [...validators.keys()];
}

/**
 * Checks `result` against the spec's result schema for `method`.
 * @returns the ajv errors as readable lines; empty when valid.
 * @throws when the spec has no such method.
 */
export function resultErrors(method: string, result: unknown): string[] {
  validators ??= build();
  const validate = validators.get(method);
  if (!validate) throw new Error(`execution-apis has no method ${method}`);
  return validate(result) ? [] : describe(validate);
}

/** Checks `value` against a component schema by name (e.g. `PendingTransactionInfo`). */
export function schemaErrors(schema: string, value: unknown): string[] {
  validators ??= build();
  const validate = ajvInstance!.compile({ $ref: `execution-apis#/components/schemas/${schema}` });
  return validate(value) ? [] : describe(validate);
}

const describe = (validate: ValidateFunction): string[] =>
  (validate.errors ?? []).map(
    (e) => `${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
  );

/**
 * A JSON-RPC call that must succeed; its result is checked against the spec when the spec defines the method.
 * `emptyListUnchecked`: skip the check for `[]`, which matches both branches of a `oneOf` of lists (filter changes).
 */
export async function rpcResult<T = unknown>(
  url: string,
  method: string,
  params: unknown[] = [],
  opts: { emptyListUnchecked?: boolean } = {},
): Promise<T> {
  const res = await rpc<T>(url, method, params);
  assert.ok('result' in res, `${method}(${JSON.stringify(params)}): ${JSON.stringify(res.error)}`);
  const skip = opts.emptyListUnchecked === true && Array.isArray(res.result) && res.result.length === 0;
  if (specMethods().includes(method) && res.result !== null && !skip)
    assert.equal(resultErrors(method, res.result), [], `${method} → ${JSON.stringify(res.result)}`);
  return res.result as T;
}

/** A JSON-RPC call that must fail; returns its error. */
export async function rpcError(url: string, method: string, params: unknown[]) {
  const res = await rpc(url, method, params);
  assert.ok(res.error, `${method}(${JSON.stringify(params)}) should fail, got ${JSON.stringify(res.result)}`);
  return res.error;
}
