// The committed contract build (contracts/build/*.json and src/l1/contracts/abis.ts) is exactly what
// scripts/compile-contracts.ts makes from contracts/*.sol, byte for byte, and its --check mode catches any drift.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildContracts } from '../../scripts/compile-contracts.ts';
import {
  attestationVerifierAbi,
  levitationFeeTokenAbi,
  levitationGlobalExitRootAbi,
  levitationZkEVMAbi,
  loadL1Artifact,
} from '../../src/l1/index.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const SCRIPT = join(ROOT, 'scripts/compile-contracts.ts');

const runScript = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8' });

let built: Map<string, string>;

test.before(() => {
  built = buildContracts();
});

test('compiling the sources gives the committed files byte for byte', () => {
  assert.equal([...built.keys()].sort(), [
    'contracts/build/AttestationVerifier.json',
    'contracts/build/IFeeToken.json',
    'contracts/build/IGlobalExitRootManager.json',
    'contracts/build/IVerifier.json',
    'contracts/build/LevitationFeeToken.json',
    'contracts/build/LevitationGlobalExitRoot.json',
    'contracts/build/LevitationZkEVM.json',
    'src/l1/contracts/abis.ts',
  ]);
  for (const [path, content] of built) {
    assert.is(readFileSync(join(ROOT, path), 'utf8'), content, `${path} is committed as built`);
  }
});

test('the artifacts: paris bytecode with the optimizer, the ABIs the TypeScript constants export', () => {
  const pairs = [
    ['LevitationZkEVM', levitationZkEVMAbi],
    ['LevitationGlobalExitRoot', levitationGlobalExitRootAbi],
    ['AttestationVerifier', attestationVerifierAbi],
    ['LevitationFeeToken', levitationFeeTokenAbi],
  ] as const;
  for (const [name, abi] of pairs) {
    const a = loadL1Artifact(name);
    assert.equal(a.abi, abi, `${name} ABI`);
    assert.match(a.bytecode, /^0x[0-9a-f]{200,}$/);
    assert.match(a.deployedBytecode, /^0x[0-9a-f]{200,}$/);
    assert.is(a.sourceName, `contracts/${name}.sol`);
    assert.match(a.solcVersion, /^0\.8\.\d+/);
    assert.equal(a.settings, {
      evmVersion: 'paris',
      metadata: { bytecodeHash: 'none' },
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    });
  }
});

test('--check passes on the repository and fails on a changed or stale build file', () => {
  const ok = runScript('--check');
  assert.is(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /up to date/);

  const dir = mkdtempSync(join(tmpdir(), 'lev-contracts-'));
  try {
    const written = runScript('--out', dir);
    assert.is(written.status, 0, written.stderr);
    for (const [path, content] of built) {
      assert.is(
        readFileSync(join(dir, path), 'utf8'),
        content,
        `${path}: the script writes what was built before`,
      );
    }
    const rollupJson = join(dir, 'contracts/build/LevitationZkEVM.json');
    writeFileSync(
      rollupJson,
      readFileSync(rollupJson, 'utf8').replace('"bytecode": "0x6', '"bytecode": "0x7'),
    );
    const stale = join(dir, 'contracts/build/Removed.json');
    mkdirSync(dirname(stale), { recursive: true });
    writeFileSync(stale, '{}\n');
    const drifted = runScript('--check', '--out', dir);
    assert.is(drifted.status, 1);
    assert.match(drifted.stderr, /differs: contracts\/build\/LevitationZkEVM\.json/);
    assert.match(drifted.stderr, /not built from a source: contracts\/build\/Removed\.json/);
    assert.not.match(drifted.stderr, /AttestationVerifier/, 'only the drifted files are named');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
