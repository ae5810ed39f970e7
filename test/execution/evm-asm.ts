/**
 * A tiny EVM assembler for tests (no solc here): opcodes by name, `PUSH` of a number or hex with the smallest
 * width (never PUSH0 — London has none), labels as `@name` (a JUMPDEST) and `:name` (PUSH2 of its offset).
 */
const OPCODES: Record<string, number> = {
  STOP: 0x00,
  ADD: 0x01,
  SUB: 0x03,
  GT: 0x11,
  EQ: 0x14,
  ISZERO: 0x15,
  CALLER: 0x33,
  CALLVALUE: 0x34,
  CALLDATALOAD: 0x35,
  CALLDATASIZE: 0x36,
  CODECOPY: 0x39,
  GASPRICE: 0x3a,
  EXTCODESIZE: 0x3b,
  BLOCKHASH: 0x40,
  COINBASE: 0x41,
  TIMESTAMP: 0x42,
  NUMBER: 0x43,
  DIFFICULTY: 0x44,
  GASLIMIT: 0x45,
  BASEFEE: 0x48,
  POP: 0x50,
  MLOAD: 0x51,
  MSTORE: 0x52,
  SLOAD: 0x54,
  SSTORE: 0x55,
  JUMP: 0x56,
  JUMPI: 0x57,
  GAS: 0x5a,
  JUMPDEST: 0x5b,
  DUP1: 0x80,
  DUP2: 0x81,
  SWAP1: 0x90,
  LOG1: 0xa1,
  RETURN: 0xf3,
  REVERT: 0xfd,
  INVALID: 0xfe,
};

export type AsmItem = string | bigint | number;

/** Assembles `items` to 0x-hex. Numbers/bigints and `0x…` strings become PUSHn; `@l` defines, `:l` references. */
export function assemble(items: readonly AsmItem[]): `0x${string}` {
  const labels = new Map<string, number>();
  // Pass 1: offsets (label references are always PUSH2).
  let offset = 0;
  for (const item of items) {
    if (typeof item === 'string' && item.startsWith('@')) {
      labels.set(item.slice(1), offset);
      offset += 1;
    } else if (typeof item === 'string' && item.startsWith(':')) offset += 3;
    else if (typeof item !== 'string' || item.startsWith('0x')) offset += 1 + pushBytes(item).length;
    else offset += 1;
  }
  const out: number[] = [];
  for (const item of items) {
    if (typeof item === 'string' && item.startsWith('@')) out.push(OPCODES['JUMPDEST']!);
    else if (typeof item === 'string' && item.startsWith(':')) {
      const at = labels.get(item.slice(1));
      if (at === undefined) throw new Error(`unknown label ${item}`);
      out.push(0x61, at >> 8, at & 0xff);
    } else if (typeof item !== 'string' || item.startsWith('0x')) {
      const bytes = pushBytes(item);
      out.push(0x5f + bytes.length, ...bytes);
    } else {
      const op = OPCODES[item];
      if (op === undefined) throw new Error(`unknown opcode ${item}`);
      out.push(op);
    }
  }
  return `0x${Buffer.from(out).toString('hex')}`;
}

/** Init code that returns `runtime` as the contract's code. */
export function deployCode(runtime: `0x${string}`): `0x${string}` {
  const length = (runtime.length - 2) / 2;
  // PUSH2 len, DUP1, PUSH1 offset, PUSH1 0, CODECOPY, PUSH1 0, RETURN  = 3+1+2+2+1+2+1 = 12 bytes
  const init = assemble([
    `0x${length.toString(16).padStart(4, '0')}`,
    'DUP1',
    12,
    0,
    'CODECOPY',
    0,
    'RETURN',
  ]);
  if ((init.length - 2) / 2 !== 12) throw new Error('init code layout changed');
  return `${init}${runtime.slice(2)}`;
}

function pushBytes(value: AsmItem): number[] {
  let hex: string;
  if (typeof value === 'string') hex = value.slice(2);
  else hex = BigInt(value).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (hex.length === 0) hex = '00';
  const bytes = [...Buffer.from(hex, 'hex')];
  if (bytes.length === 0 || bytes.length > 32) throw new Error(`cannot push ${String(value)}`);
  return bytes;
}
