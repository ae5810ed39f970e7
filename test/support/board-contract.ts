/**
 * The dapp acceptance test's contract, compiled with solc-js (optimizer on, London: no PUSH0):
 * `Board(name, initial)` keeps a name (slot 0), a running `total` (slot 1) and per-author scores (slot 2);
 * `post(topic, amount, note)` adds to both and emits `Posted(author indexed, topic indexed, amount, note)` then
 * `Total(total)`; `withdraw(amount)` reverts with `not enough total` when `amount > total`; `capped(amount)` reverts
 * with the custom error `TooBig(amount, max)` above 1000; `describe()` is the view.
 */
import { Interface, type InterfaceAbi } from 'ethers';
import solc from 'solc';
import type { Abi } from 'viem';
import type { Hex } from '../../src/primitives/index.ts';

export const BOARD_SOURCE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;

contract Board {
  string public name;
  uint256 public total;
  mapping(address => uint256) public scores;

  event Posted(address indexed author, uint256 indexed topic, uint256 amount, string note);
  event Total(uint256 total);
  error TooBig(uint256 amount, uint256 max);

  constructor(string memory name_, uint256 initial) {
    name = name_;
    total = initial;
  }

  function post(uint256 topic, uint256 amount, string calldata note) external returns (uint256) {
    total += amount;
    scores[msg.sender] += amount;
    emit Posted(msg.sender, topic, amount, note);
    emit Total(total);
    return total;
  }

  function withdraw(uint256 amount) external {
    require(amount <= total, "not enough total");
    total -= amount;
  }

  function capped(uint256 amount) external {
    if (amount > 1000) revert TooBig(amount, 1000);
    total += amount;
  }

  function describe() external view returns (string memory, uint256) {
    return (name, total);
  }
}
`;

/** Storage slot of `total`. */
export const BOARD_TOTAL_SLOT = 1n;

export type BoardContract = {
  /** Creation code (constructor arguments are appended by the deployer). */
  bytecode: Hex;
  /** The ABI as solc gives it (viem reads it as is). */
  abi: Abi;
  /** The same ABI for ethers. */
  iface: Interface;
};

/**
 * Compiles {@link BOARD_SOURCE} (a fraction of a second).
 * @throws when solc reports an error.
 */
export function compileBoard(): BoardContract {
  const input = {
    language: 'Solidity',
    sources: { 'Board.sol': { content: BOARD_SOURCE } },
    settings: {
      evmVersion: 'london',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)) as string) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'));
  const c = out.contracts?.['Board.sol']?.Board;
  if (!c) throw new Error('solc produced no Board');
  return {
    bytecode: `0x${c.evm.bytecode.object}`,
    abi: c.abi as Abi,
    iface: new Interface(c.abi as InterfaceAbi),
  };
}
