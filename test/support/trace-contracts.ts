/**
 * Contracts for the tracer tests, compiled with solc-js for London (no PUSH0), no optimizer:
 * - `Child`: `ping(v)` stores v in slot 0, emits `Pinged(v)`, returns v + 1; `fail()` reverts with a reason;
 *   `bye(to)` self-destructs to `to`.
 * - `Lib`: `setSlot1(v)` writes slot 1 of whoever delegate-calls it.
 * - `Main(child, lib)`: `run(v)` (payable) counts in slot 0, CALLs `child.ping{value}(v)`, DELEGATECALLs
 *   `lib.setSlot1(2v)`, CREATEs a Child, emits `Did(counter, created)`, STATICCALLs `child.x()`, returns
 *   `ping's result + child.x()`; `boom()` writes slot 0 then bubbles the child's revert; `more(d)` CREATE2s a Child,
 *   CALLCODEs `lib` (empty calldata: reverts), STATICCALLs `child.ping` (a write: write protection), makes the new
 *   Child self-destruct to the caller, returns `100 / d` (d = 0: Panic 0x12); `tight(v)` pings the child (a log),
 *   then DELEGATECALLs Lib with 5,000 gas (out of gas at its SSTORE) and reverts `delegatecall failed`; `bad()`
 *   runs INVALID.
 */
import { Interface, type InterfaceAbi } from 'ethers';
import solc from 'solc';
import type { Hex } from '../../src/primitives/index.ts';

export const TRACE_CONTRACTS_SOURCE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;

contract Child {
  uint256 public x;
  event Pinged(uint256 v);
  function ping(uint256 v) external payable returns (uint256) { x = v; emit Pinged(v); return v + 1; }
  function fail() external pure { revert("child says no"); }
  function bye(address payable to) external { selfdestruct(to); }
}

contract Lib {
  function setSlot1(uint256 v) external payable { assembly { sstore(1, v) } }
}

contract Main {
  uint256 public counter;
  uint256 public stored;
  Child public child;
  Lib public lib;
  event Did(uint256 indexed counter, address created);

  constructor(Child c, Lib l) { child = c; lib = l; }

  function run(uint256 v) external payable returns (uint256) {
    counter = counter + 1;
    uint256 r = child.ping{value: msg.value}(v);
    (bool ok, ) = address(lib).delegatecall(abi.encodeCall(Lib.setSlot1, (v * 2)));
    require(ok, "delegatecall failed");
    Child created = new Child();
    emit Did(counter, address(created));
    return r + child.x();
  }

  function boom() external { counter = 7; child.fail(); }

  function tight(uint256 v) external {
    child.ping(v);
    (bool ok, ) = address(lib).delegatecall{gas: 5000}(abi.encodeCall(Lib.setSlot1, (v)));
    require(ok, "delegatecall failed");
  }

  function more(uint256 d) external returns (uint256 q) {
    Child c2 = new Child{salt: bytes32(uint256(1))}();
    address l = address(lib);
    bool ok;
    assembly { ok := callcode(gas(), l, 0, 0, 0, 0, 0) }
    (bool sok, ) = address(child).staticcall(abi.encodeCall(Child.ping, (5)));
    c2.bye(payable(msg.sender));
    q = 100 / d;
    if (!sok && !ok) q += 1;
  }

  function bad() external { assembly { invalid() } }
}
`;

export type CompiledContract = { bytecode: Hex; abi: Interface };
export type TraceContracts = { Child: CompiledContract; Lib: CompiledContract; Main: CompiledContract };

/**
 * Compiles {@link TRACE_CONTRACTS_SOURCE} (about a quarter of a second).
 * @throws when solc reports an error.
 */
export function compileTraceContracts(): TraceContracts {
  const input = {
    language: 'Solidity',
    sources: { 'Trace.sol': { content: TRACE_CONTRACTS_SOURCE } },
    settings: {
      evmVersion: 'london',
      optimizer: { enabled: false },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)) as string) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const get = (name: keyof TraceContracts): CompiledContract => {
    const c = out.contracts['Trace.sol']?.[name];
    if (!c) throw new Error(`solc produced no ${name}`);
    return { bytecode: `0x${c.evm.bytecode.object}`, abi: new Interface(c.abi as InterfaceAbi) };
  };
  return { Child: get('Child'), Lib: get('Lib'), Main: get('Main') };
}
