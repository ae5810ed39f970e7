/**
 * Reusable zod 4 schemas for JSON-RPC params, with geth-style messages (`hex string without 0x prefix`,
 * `hex number with leading zero digits`, …) so a -32602 tells the client exactly what is wrong. Each schema
 * is a single transform over `unknown` (one pass, no intermediate schemas) whose output is the node's
 * internal form: lowercase `Hex`/`Address`/`Hash`, `bigint` quantities, a {@link BlockRef}. Pure.
 */
import { z } from 'zod';
import type { Address, Hash, Hex } from '../primitives/index.ts';

/** A failed check; internal to the schemas here (never thrown). */
class ParamIssue {
  constructor(readonly message: string) {}
}

/** Builds a schema from a parse function that returns the value or a {@link ParamIssue}. */
function wireParam<T>(parse: (value: unknown) => T | ParamIssue) {
  return z.unknown().transform((value, ctx): T => {
    const out = parse(value);
    if (out instanceof ParamIssue) {
      ctx.issues.push({ code: 'custom', message: out.message, input: value });
      return z.NEVER;
    }
    return out;
  });
}

const HEX_DIGITS = /^[0-9a-fA-F]*$/;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hexBody(value: unknown, what: string): string | ParamIssue {
  if (typeof value !== 'string') return new ParamIssue(`expected ${what}, got ${kindOf(value)}`);
  if (value.length < 2 || value[0] !== '0' || (value[1] !== 'x' && value[1] !== 'X'))
    return new ParamIssue('hex string without 0x prefix');
  const body = value.slice(2);
  if (!HEX_DIGITS.test(body)) return new ParamIssue('invalid hex string');
  return body;
}

/** Parses 0x-prefixed byte data of even length; lowercases it. */
function parseHexData(value: unknown): Hex | ParamIssue {
  const body = hexBody(value, 'a hex string');
  if (body instanceof ParamIssue) return body;
  if (body.length % 2 !== 0) return new ParamIssue('hex string of odd length');
  return `0x${body.toLowerCase()}`;
}

/** Parses a JSON-RPC quantity (0x-hex, no leading zeros, at most `bits` bits) to a bigint. */
function parseQuantity(value: unknown, bits = 256): bigint | ParamIssue {
  const body = hexBody(value, 'a hex quantity string');
  if (body instanceof ParamIssue) return body;
  if (body.length === 0) return new ParamIssue('hex string "0x"');
  if (body.length > 1 && body[0] === '0') return new ParamIssue('hex number with leading zero digits');
  // No leading zeros, so more digits than ceil(bits/4) is too big: reject before building a huge bigint.
  if (body.length > Math.ceil(bits / 4)) return new ParamIssue(`hex number > ${bits} bits`);
  const n = BigInt(`0x${body}`);
  if (n >> BigInt(bits) !== 0n) return new ParamIssue(`hex number > ${bits} bits`);
  return n;
}

function fixedHex(value: unknown, hexChars: number, what: string): Hex | ParamIssue {
  const body = hexBody(value, 'a hex string');
  if (body instanceof ParamIssue) return body;
  if (body.length !== hexChars)
    return new ParamIssue(`hex string has length ${body.length}, want ${hexChars} for ${what}`);
  return `0x${body.toLowerCase()}`;
}

/** Parses a 20-byte address (checksum not enforced, as geth); lowercases it. */
function parseAddress(value: unknown): Address | ParamIssue {
  return fixedHex(value, 40, 'an address') as Address | ParamIssue;
}

/** Parses a 32-byte hash; lowercases it. */
function parseHash(value: unknown): Hash | ParamIssue {
  return fixedHex(value, 64, 'a hash') as Hash | ParamIssue;
}

/** The named block tags (zkevm-node-spec §2: `earliest` = 0, `pending` = latest for state reads). */
export const blockTags = ['latest', 'pending', 'earliest', 'safe', 'finalized'] as const;
export type BlockTag = (typeof blockTags)[number];

/** A block reference as a method receives it; resolving it against the read models is the method's job. */
export type BlockRef =
  | { readonly kind: 'tag'; readonly tag: BlockTag }
  | { readonly kind: 'number'; readonly number: bigint }
  | { readonly kind: 'hash'; readonly hash: Hash; readonly requireCanonical: boolean };

const TAG_REFS: ReadonlyMap<string, BlockRef> = new Map(blockTags.map((tag) => [tag, { kind: 'tag', tag }]));

/** Block numbers are int64 on the wire, as in geth. */
const BLOCK_NUMBER_BITS = 63;
/**
 * The highest block number there can be (int64: geth's, and Postgres' `bigint` the read models hold it in). A
 * method taking a plain uint64 block number answers for a higher one as for a block that does not exist.
 */
export const MAX_BLOCK_NUMBER = (1n << BigInt(BLOCK_NUMBER_BITS)) - 1n;

function parseTagOrNumber(value: unknown): BlockRef | ParamIssue {
  if (typeof value === 'string') {
    const tag = TAG_REFS.get(value);
    if (tag) return tag;
    if (!value.startsWith('0x') && !value.startsWith('0X'))
      return new ParamIssue(
        `invalid block tag "${value.slice(0, 32)}": want latest, pending, earliest, safe, finalized or a hex number`,
      );
  }
  const n = parseQuantity(value, BLOCK_NUMBER_BITS);
  if (n instanceof ParamIssue) {
    return n.message.startsWith('hex number >') ? new ParamIssue('block number larger than int64') : n;
  }
  return { kind: 'number', number: n };
}

/**
 * Parses a block parameter: a tag, a quantity, or an EIP-1898 object `{blockHash, requireCanonical?}` /
 * `{blockNumber}`.
 */
function parseBlockRef(value: unknown): BlockRef | ParamIssue {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as { blockHash?: unknown; blockNumber?: unknown; requireCanonical?: unknown };
    const hasHash = obj.blockHash !== undefined;
    const hasNumber = obj.blockNumber !== undefined;
    if (hasHash && hasNumber)
      return new ParamIssue('cannot specify both blockHash and blockNumber, choose one or the other');
    if (hasHash) {
      const hash = parseHash(obj.blockHash);
      if (hash instanceof ParamIssue) return new ParamIssue(`blockHash: ${hash.message}`);
      const rc = obj.requireCanonical;
      if (rc !== undefined && typeof rc !== 'boolean')
        return new ParamIssue(`requireCanonical: expected a boolean, got ${kindOf(rc)}`);
      return { kind: 'hash', hash, requireCanonical: rc === true };
    }
    if (hasNumber) {
      const ref = parseTagOrNumber(obj.blockNumber);
      return ref instanceof ParamIssue ? new ParamIssue(`blockNumber: ${ref.message}`) : ref;
    }
    return new ParamIssue('block object needs blockHash or blockNumber');
  }
  if (typeof value !== 'string')
    return new ParamIssue(`expected a block tag, number or object, got ${kindOf(value)}`);
  return parseTagOrNumber(value);
}

/** A block number or a tag, without the EIP-1898 object (what `eth_getBlockByNumber` takes, as geth). */
export type BlockNumberRef = Extract<BlockRef, { kind: 'tag' | 'number' }>;

function parseNumberOrTag(value: unknown): BlockNumberRef | ParamIssue {
  if (typeof value !== 'string')
    return new ParamIssue(`expected a block tag or number, got ${kindOf(value)}`);
  return parseTagOrNumber(value) as BlockNumberRef | ParamIssue;
}

function parseBoolean(value: unknown): boolean | ParamIssue {
  return typeof value === 'boolean' ? value : new ParamIssue(`expected a boolean, got ${kindOf(value)}`);
}

/** 0x-prefixed bytes of even length → lowercase `Hex`. */
export const hexData = wireParam(parseHexData);
/** A quantity up to 256 bits → `bigint`. */
export const quantity = wireParam((v) => parseQuantity(v));
/** A quantity up to 64 bits (nonces, gas, indices) → `bigint`. */
export const uint64Quantity = wireParam((v) => parseQuantity(v, 64));
/** A 20-byte address → lowercase `Address`. */
export const address = wireParam(parseAddress);
/** A 32-byte hash → lowercase `Hash`. */
export const hash = wireParam(parseHash);
/** `latest|pending|earliest|safe|finalized|<quantity>|{blockHash, requireCanonical?}|{blockNumber}` → {@link BlockRef}. */
export const blockTag = wireParam(parseBlockRef);
/** `latest|pending|earliest|safe|finalized|<quantity>` → {@link BlockNumberRef}. */
export const blockNumberOrTag = wireParam(parseNumberOrTag);
/** A JSON boolean (no coercion). */
export const boolean = wireParam(parseBoolean);
