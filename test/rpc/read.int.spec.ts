/**
 * The JSON-RPC read API over a real trusted chain: txs signed with ethers, executed by the executor on the test
 * database's trie store, sealed through the `l2` decider and appended to the Postgres event store; the read models
 * are projected by the runner. Every method is checked against what was executed (balances and nonces at every
 * block from our own bookkeeping, code, storage, EIP-1186 proofs verified against each block's state root),
 * blocks against @ethereumjs (hash, size, tx root) and an independent receipts root and logs bloom, every eth_*
 * result against the execution-apis schemas, and ethers v6 and viem read the chain without errors.
 */
import { createBlock } from '@ethereumjs/block';
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common';
import { createMPT, verifyMerkleProof } from '@ethereumjs/mpt';
import { RLP } from '@ethereumjs/rlp';
import { createLegacyTx } from '@ethereumjs/tx';
import { getCreateAddress, HDNodeWallet, JsonRpcProvider, id as keccakId } from 'ethers';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPublicClient, http } from 'viem';
import { DEV_GENESIS_BALANCE, DEV_MNEMONIC } from '../../src/config/index.ts';
import {
  type Address,
  bytesToHex,
  type Hash,
  type Hex,
  hexToBytes,
  keccak256,
  keccak256Hex,
  toQuantity,
} from '../../src/primitives/index.ts';
import { type AsmItem, assemble, deployCode } from '../execution/evm-asm.ts';
import { rpcError, rpcResult, schemaErrors } from '../support/execution-apis.ts';
import { createL2ChainWriter, type ExecutedTx, type L2ChainWriter } from '../support/l2-chain.ts';
import { rpc } from '../support/node-process.ts';
import { CHAIN_ID, GWEI, type ReadRpcNode, startReadRpcNode } from '../support/rpc-node.ts';

const ETH = 10n ** 18n;
const T0 = 1_700_000_000n;
const ZERO_HASH = `0x${'00'.repeat(32)}`;
const EMPTY_TRIE_ROOT = '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421';
const wallet = (i: number) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
const addr = (w: HDNodeWallet) => w.address.toLowerCase() as Address;
const coinbaseW = wallet(0);
const alice = wallet(1);
const bob = wallet(2);
const carol = wallet(3);
const COINBASE = addr(coinbaseW);
const word = (v: bigint) => `0x${v.toString(16).padStart(64, '0')}` as Hex;

/** no calldata: returns slot 0; 0xdead: reverts; any other word v: slot0 = v, LOG1(STORED, v), returns v. */
const STORED = keccakId('Stored(uint256)') as Hash;
// biome-ignore format: one line per branch
const RUNTIME = assemble([
  'CALLDATASIZE', 'ISZERO', ':get', 'JUMPI',
  0, 'CALLDATALOAD',
  'DUP1', 0xdead, 'EQ', ':fail', 'JUMPI',
  'DUP1', 0, 'SSTORE',
  0, 'MSTORE',
  STORED, 32, 0, 'LOG1',
  32, 0, 'RETURN',
  '@get', 0, 'SLOAD', 0, 'MSTORE', 32, 0, 'RETURN',
  '@fail', 0, 'MSTORE', 32, 0, 'REVERT',
] satisfies AsmItem[]);
const CONTRACT = getCreateAddress({ from: alice.address, nonce: 1 }).toLowerCase() as Address;

let node: ReadRpcNode;
let chain: L2ChainWriter;

/** What every block must show: balances, nonces, the contract's code and slot 0. Index = block number. */
type Expected = { balance: Map<Address, bigint>; nonce: Map<Address, bigint>; code: Hex; slot0: bigint };
const expected: Expected[] = [];
const txs: (ExecutedTx & { raw: Hex; gasPrice: bigint; value: bigint; to: Address | null })[] = [];
const TRACKED: Address[] = [COINBASE, addr(alice), addr(bob), addr(carol), CONTRACT];
let pendingHash = '';

async function sign(
  w: HDNodeWallet,
  f: {
    nonce: number;
    to: Address | null;
    value?: bigint;
    data?: Hex;
    gas?: bigint;
    gasPrice?: bigint;
    chainId?: bigint;
  },
): Promise<Hex> {
  return (await w.signTransaction({
    type: 0,
    chainId: f.chainId ?? CHAIN_ID,
    nonce: f.nonce,
    gasPrice: f.gasPrice ?? GWEI,
    gasLimit: f.gas ?? 21_000n,
    to: f.to,
    value: f.value ?? 0n,
    data: f.data ?? '0x',
  })) as Hex;
}

/** Executes and seals `raw`, then books the expected state of the new block. */
async function exec(raw: Hex, f: { gasPrice: bigint; value: bigint; to: Address | null }) {
  const done = await chain.execute(raw);
  const prev = expected.at(-1)!;
  const next: Expected = {
    balance: new Map(prev.balance),
    nonce: new Map(prev.nonce),
    code: prev.code,
    slot0: prev.slot0,
  };
  const fee = done.result.receipt.gasUsed * f.gasPrice;
  const ok = done.result.receipt.status === 1;
  const moved = ok ? f.value : 0n;
  const add = (a: Address, d: bigint) => next.balance.set(a, (next.balance.get(a) ?? 0n) + d);
  add(done.from, -fee - moved);
  add(COINBASE, fee);
  if (f.to) add(f.to, moved);
  next.nonce.set(done.from, (next.nonce.get(done.from) ?? 0n) + 1n);
  if (f.to === null && ok) {
    next.code = RUNTIME;
    next.nonce.set(CONTRACT, 1n); // EIP-161: a new contract starts at nonce 1
  }
  if (f.to === CONTRACT && ok && done.result.receipt.logs.length > 0)
    next.slot0 = BigInt(done.result.receipt.logs[0]!.data);
  expected.push(next);
  txs.push({ ...done, raw, ...f });
  return done;
}

const call = <T = unknown>(method: string, params: unknown[] = []) => rpcResult<T>(node.url, method, params);
const callError = (method: string, params: unknown[]) => rpcError(node.url, method, params);

test.before(async () => {
  node = await startReadRpcNode({ callPool: {} }); // calls on worker threads, as `lev start` runs them
  chain = createL2ChainWriter({ store: node.store, executor: node.executor, trie: node.trie });
  expected.push({
    balance: new Map(TRACKED.map((a) => [a, a === CONTRACT ? 0n : DEV_GENESIS_BALANCE])),
    nonce: new Map(TRACKED.map((a) => [a, 0n])),
    code: '0x',
    slot0: 0n,
  });
  await chain.genesis(node.genesisRoot, T0);

  // Batch 1: a transfer, a deployment, a call that stores and logs.
  await chain.openBatch(T0 + 10n, COINBASE);
  const gp = 2n * GWEI;
  await exec(await sign(alice, { nonce: 0, to: addr(bob), value: ETH, gasPrice: gp }), {
    gasPrice: gp,
    value: ETH,
    to: addr(bob),
  });
  await exec(await sign(alice, { nonce: 1, to: null, data: deployCode(RUNTIME), gas: 200_000n }), {
    gasPrice: GWEI,
    value: 0n,
    to: null,
  });
  await exec(await sign(bob, { nonce: 0, to: CONTRACT, data: word(42n), gas: 100_000n }), {
    gasPrice: GWEI,
    value: 0n,
    to: CONTRACT,
  });
  await chain.closeBatch('full_txs');

  // Batch 2 (left open): a pre-EIP-155 transfer that went through the pool first, and a reverting call.
  await chain.openBatch(T0 + 20n, COINBASE);
  const preEip155 = await sign(carol, { nonce: 0, to: addr(bob), value: 3n * ETH, chainId: 0n });
  assert.ok((await rpc(node.url, 'eth_sendRawTransaction', [preEip155])).result);
  await exec(preEip155, { gasPrice: GWEI, value: 3n * ETH, to: addr(bob) });
  await exec(await sign(bob, { nonce: 1, to: CONTRACT, data: word(0xdeadn), gas: 100_000n }), {
    gasPrice: GWEI,
    value: 0n,
    to: CONTRACT,
  });
  await node.runner.waitFor(chain.position);

  // A pool tx that is not in a block.
  const res = await rpc<string>(node.url, 'eth_sendRawTransaction', [
    await sign(alice, { nonce: 2, to: addr(carol), value: 1n }),
  ]);
  assert.ok(res.result, JSON.stringify(res.error));
  pendingHash = res.result;
});

test.after(() => node.close());

const HEAD = 5;
type RpcBlock = Record<string, unknown> & {
  hash: Hash;
  parentHash: Hash;
  stateRoot: Hash;
  transactionsRoot: Hash;
  receiptsRoot: Hash;
  logsBloom: Hex;
  number: Hex;
  gasUsed: Hex;
  size: Hex;
  transactions: (string | RpcTx)[];
};
type RpcTx = Record<string, string | null> & { hash: Hash };
type RpcLog = {
  address: Hex;
  topics: Hex[];
  data: Hex;
  logIndex: Hex;
  transactionIndex: Hex;
  blockHash: Hash;
};
type RpcReceipt = Record<string, unknown> & {
  root: Hash;
  status: Hex;
  cumulativeGasUsed: Hex;
  gasUsed: Hex;
  logsBloom: Hex;
  logs: RpcLog[];
  contractAddress: Address | null;
  blockHash: Hash;
  transactionIndex: Hex;
};

const berlin = createCustomCommon({ chainId: Number(CHAIN_ID) }, Mainnet, { hardfork: Hardfork.Berlin });

/** The signed tx an RPC tx object describes, rebuilt by @ethereumjs. */
function ejsTx(t: RpcTx) {
  return createLegacyTx(
    {
      nonce: BigInt(t['nonce']!),
      gasPrice: BigInt(t['gasPrice']!),
      gasLimit: BigInt(t['gas']!),
      ...(t['to'] ? { to: t['to'] as Hex } : {}),
      value: BigInt(t['value']!),
      data: hexToBytes(t['input']!),
      v: BigInt(t['v']!),
      r: BigInt(t['r']!),
      s: BigInt(t['s']!),
    },
    { common: berlin },
  );
}

/** Logs bloom computed by hand (yellow paper M3:2048). */
function bloomOf(logs: readonly RpcLog[]): Hex {
  const bits = new Uint8Array(256);
  for (const item of logs.flatMap((l) => [l.address, ...l.topics])) {
    const h = keccak256(hexToBytes(item));
    for (let i = 0; i < 6; i += 2) {
      const bit = ((h[i]! << 8) | h[i + 1]!) & 2047;
      bits[255 - (bit >> 3)]! |= 1 << (bit & 7);
    }
  }
  return bytesToHex(bits);
}

/** Receipts root from RPC receipts: [root, cumulativeGasUsed, bloom, logs] keyed by RLP(index). */
async function receiptsRootOf(receipts: readonly RpcReceipt[]): Promise<Hash> {
  const trie = await createMPT();
  for (const [i, r] of receipts.entries()) {
    const cumulative = BigInt(r.cumulativeGasUsed);
    await trie.put(
      RLP.encode(i),
      RLP.encode([
        hexToBytes(r.root),
        cumulative === 0n ? new Uint8Array() : hexToBytes(toEvenHex(cumulative)),
        hexToBytes(r.logsBloom),
        r.logs.map((l) => [hexToBytes(l.address), l.topics.map((t) => hexToBytes(t)), hexToBytes(l.data)]),
      ]),
    );
  }
  return bytesToHex(trie.root()) as Hash;
}
const toEvenHex = (v: bigint): Hex => {
  const h = v.toString(16);
  return `0x${h.length % 2 ? '0' : ''}${h}`;
};

test('eth_blockNumber, eth_syncing, zkevm_batchNumber', async () => {
  assert.is(await call('eth_blockNumber'), toQuantity(HEAD));
  assert.is(await call('eth_syncing'), false);
  assert.is(await call('zkevm_batchNumber'), '0x2'); // batch 2 is open
});

test('blocks: by number and hash agree; hashes, parents, sizes and tx roots match @ethereumjs; receipts agree', async () => {
  let parent: RpcBlock | undefined;
  for (let n = 0; n <= HEAD; n++) {
    const byNumber = await call<RpcBlock>('eth_getBlockByNumber', [toQuantity(n), false]);
    const full = await call<RpcBlock>('eth_getBlockByNumber', [toQuantity(n), true]);
    const byHash = await call<RpcBlock>('eth_getBlockByHash', [byNumber.hash, false]);
    const byHashFull = await call<RpcBlock>('eth_getBlockByHash', [byNumber.hash, true, true]);
    assert.equal(byHash, byNumber);
    assert.equal(
      { ...byHashFull, globalExitRoot: undefined, blockInfoRoot: undefined },
      { ...full, globalExitRoot: undefined, blockInfoRoot: undefined },
    );
    assert.is(byHashFull['globalExitRoot'], ZERO_HASH);
    assert.is(byHashFull['blockInfoRoot'], ZERO_HASH);
    assert.is(byNumber.number, toQuantity(n));
    assert.not.ok('baseFeePerGas' in byNumber);
    assert.equal(
      [byNumber['difficulty'], byNumber['nonce'], byNumber['mixHash'], byNumber['uncles']],
      ['0x0', '0x0000000000000000', ZERO_HASH, []],
    );
    assert.is(byNumber.parentHash, parent ? parent.hash : ZERO_HASH);
    assert.equal(
      byNumber.transactions,
      full.transactions.map((t) => (t as RpcTx).hash),
    );

    const txObjects = full.transactions as RpcTx[];
    const ejsBlock = createBlock(
      {
        header: {
          parentHash: hexToBytes(byNumber.parentHash),
          uncleHash: hexToBytes(byNumber['sha3Uncles'] as Hex),
          coinbase: byNumber['miner'] as Hex,
          stateRoot: hexToBytes(byNumber.stateRoot),
          transactionsTrie: hexToBytes(byNumber.transactionsRoot),
          receiptTrie: hexToBytes(byNumber.receiptsRoot),
          logsBloom: hexToBytes(byNumber.logsBloom),
          difficulty: 0n,
          number: BigInt(n),
          gasLimit: BigInt(byNumber['gasLimit'] as Hex),
          gasUsed: BigInt(byNumber.gasUsed),
          timestamp: BigInt(byNumber['timestamp'] as Hex),
          extraData: hexToBytes(byNumber['extraData'] as Hex),
          mixHash: hexToBytes(byNumber['mixHash'] as Hex),
          nonce: hexToBytes(byNumber['nonce'] as Hex),
        },
        transactions: txObjects.map(ejsTx),
      },
      { common: berlin, skipConsensusFormatValidation: true },
    );
    assert.is(bytesToHex(ejsBlock.hash()), byNumber.hash, `block ${n} hash`);
    assert.is(BigInt(byNumber.size), BigInt(ejsBlock.serialize().length), `block ${n} size`);
    assert.is(bytesToHex(await ejsBlock.genTxTrie()), byNumber.transactionsRoot, `block ${n} tx root`);
    for (const [i, t] of txObjects.entries()) {
      assert.is(bytesToHex(ejsBlock.transactions[i]!.hash()), t.hash, 'tx hash = keccak(signed RLP)');
      assert.equal(
        [t['blockHash'], t['blockNumber'], t['blockTimestamp'], t['transactionIndex']],
        [byNumber.hash, byNumber.number, byNumber['timestamp'], toQuantity(i)],
      );
      assert.equal(await call('eth_getTransactionByHash', [t.hash]), t);
    }

    const receipts = await Promise.all(
      txObjects.map((t) => call<RpcReceipt>('eth_getTransactionReceipt', [t.hash])),
    );
    assert.is(await receiptsRootOf(receipts), byNumber.receiptsRoot, `block ${n} receipts root`);
    let cumulative = 0n;
    let logIndex = 0;
    const logs: RpcLog[] = [];
    for (const [i, r] of receipts.entries()) {
      cumulative += BigInt(r.gasUsed);
      assert.is(BigInt(r.cumulativeGasUsed), cumulative);
      assert.is(r.root, byNumber.stateRoot, 'receipt root = post-state root (one tx per block)');
      assert.is(r.blockHash, byNumber.hash);
      assert.is(r.transactionIndex, toQuantity(i));
      assert.is(r.logsBloom, bloomOf(r.logs));
      for (const l of r.logs) {
        assert.is(l.logIndex, toQuantity(logIndex++));
        assert.is(l.transactionIndex, toQuantity(i));
        assert.is(l.blockHash, byNumber.hash);
      }
      logs.push(...r.logs);
    }
    assert.is(BigInt(byNumber.gasUsed), cumulative);
    assert.is(byNumber.logsBloom, bloomOf(logs));

    assert.is(
      await call('eth_getBlockTransactionCountByNumber', [toQuantity(n)]),
      toQuantity(txObjects.length),
    );
    assert.is(
      await call('eth_getBlockTransactionCountByHash', [byNumber.hash]),
      toQuantity(txObjects.length),
    );
    if (txObjects[0]) {
      assert.equal(await call('eth_getTransactionByBlockHashAndIndex', [byNumber.hash, '0x0']), txObjects[0]);
      assert.equal(
        await call('eth_getTransactionByBlockNumberAndIndex', [toQuantity(n), '0x0']),
        txObjects[0],
      );
    }
    assert.is(await call('eth_getTransactionByBlockNumberAndIndex', [toQuantity(n), '0x1']), null);
    parent = byNumber;
  }
  assert.is((await call<RpcBlock>('eth_getBlockByNumber', ['0x0', false])).transactions.length, 0);
});

test('receipts and txs: status, root, contract address, logs, pre-EIP-155 and reverted txs', async () => {
  const [transfer, deploy, store, pre155, reverted] = txs;
  const r1 = await call<RpcReceipt>('eth_getTransactionReceipt', [transfer!.hash]);
  assert.equal([r1.status, r1.gasUsed, r1.contractAddress, r1.logs], ['0x1', '0x5208', null, []]);
  assert.is(r1['effectiveGasPrice'], toQuantity(2n * GWEI));
  assert.is(r1['type'], '0x0');
  assert.is(r1['from'], addr(alice));
  assert.is(r1['to'], addr(bob));

  const r2 = await call<RpcReceipt>('eth_getTransactionReceipt', [deploy!.hash]);
  assert.equal([r2.status, r2.contractAddress, r2['to']], ['0x1', CONTRACT, null]);

  const r3 = await call<RpcReceipt>('eth_getTransactionReceipt', [store!.hash]);
  assert.is(r3.logs.length, 1);
  const log = r3.logs[0]!;
  assert.equal([log.address, log.topics, log.data], [CONTRACT, [STORED], word(42n)]);
  assert.equal(
    [(log as Record<string, unknown>)['removed'], (log as Record<string, unknown>)['blockTimestamp']],
    [false, toQuantity(T0 + 10n)],
  );

  const t4 = await call<RpcTx>('eth_getTransactionByHash', [pre155!.hash]);
  assert.not.ok('chainId' in t4, 'a pre-EIP-155 tx has no chainId');
  assert.ok(t4['v'] === '0x1b' || t4['v'] === '0x1c');
  assert.ok(t4['blockHash'], 'mined: found in the chain although the pool had it too');
  const t1 = await call<RpcTx>('eth_getTransactionByHash', [transfer!.hash]);
  assert.is(t1['chainId'], toQuantity(CHAIN_ID));
  assert.is(t1['type'], '0x0');

  const r5 = await call<RpcReceipt>('eth_getTransactionReceipt', [reverted!.hash]);
  assert.is(r5.status, '0x0');
  assert.ok(BigInt(r5.gasUsed) > 21_000n);

  assert.is(await call('eth_getTransactionReceipt', [pendingHash]), null, 'a pending tx has no receipt');
  assert.is(await call('eth_getTransactionReceipt', [keccak256Hex(new Uint8Array([9]))]), null);
  const pending = (await rpc(node.url, 'eth_getTransactionByHash', [pendingHash])).result;
  assert.equal(schemaErrors('PendingTransactionInfo', pending), []);
  assert.is((pending as RpcTx)['blockHash'], null);
});

test('balances, nonces, code and storage at every block', async () => {
  for (let n = 0; n <= HEAD; n++) {
    const e = expected[n]!;
    for (const a of TRACKED) {
      assert.is(
        BigInt(await call<Hex>('eth_getBalance', [a, toQuantity(n)])),
        e.balance.get(a),
        `balance of ${a} at ${n}`,
      );
      assert.is(
        BigInt(await call<Hex>('eth_getTransactionCount', [a, toQuantity(n)])),
        e.nonce.get(a),
        `nonce of ${a} at ${n}`,
      );
    }
    assert.is(await call('eth_getCode', [CONTRACT, toQuantity(n)]), e.code);
    assert.is(await call('eth_getStorageAt', [CONTRACT, '0x0', toQuantity(n)]), word(e.slot0));
  }
  const head = expected[HEAD]!;
  // The default block and the tags
  assert.is(BigInt(await call<Hex>('eth_getBalance', [addr(bob)])), head.balance.get(addr(bob)));
  for (const tag of ['latest', 'pending'])
    assert.is(BigInt(await call<Hex>('eth_getBalance', [addr(bob), tag])), head.balance.get(addr(bob)));
  for (const tag of ['earliest', 'safe', 'finalized'])
    assert.is(BigInt(await call<Hex>('eth_getBalance', [addr(bob), tag])), DEV_GENESIS_BALANCE);
  // By block hash (EIP-1898)
  const b2 = await call<RpcBlock>('eth_getBlockByNumber', ['0x2', false]);
  assert.is(
    BigInt(await call<Hex>('eth_getBalance', [addr(alice), { blockHash: b2.hash }])),
    expected[2]!.balance.get(addr(alice)),
  );
  assert.is(await call('eth_getCode', [CONTRACT, { blockHash: b2.hash, requireCanonical: true }]), RUNTIME);
  // A full 32-byte key and geth's odd-length key
  assert.is(await call('eth_getStorageAt', [CONTRACT, ZERO_HASH, 'latest']), word(42n));
  assert.is(await call('eth_getStorageAt', [CONTRACT, '0x000', 'latest']), word(42n));
});

test('eth_getTransactionCount: state nonce at the block; pending = max(state, pool + 1)', async () => {
  assert.is(await call('eth_getTransactionCount', [addr(alice), 'latest']), '0x2');
  assert.is(await call('eth_getTransactionCount', [addr(alice), 'pending']), '0x3');
  assert.is(await call('eth_getTransactionCount', [addr(alice), '0x1']), '0x1');
  assert.is(await call('eth_getTransactionCount', [addr(bob), 'pending']), '0x2');
  // The reference's `pending` tx count: the txs the pool holds pending (alice's nonce 2 and one more), not a
  // block's (one tx).
  const other = wallet(5);
  const sent = await rpc(node.url, 'eth_sendRawTransaction', [
    await sign(other, { nonce: 0, to: addr(bob) }),
  ]);
  assert.ok(sent.result, JSON.stringify(sent.error));
  assert.is(await call('eth_getBlockTransactionCountByNumber', ['pending']), '0x2');
  assert.is(await call('eth_getBlockTransactionCountByNumber', ['latest']), '0x1');
});

test('eth_getProof verifies against the state root of every block', async () => {
  for (let n = 0; n <= HEAD; n++) {
    const block = await call<RpcBlock>('eth_getBlockByNumber', [toQuantity(n), false]);
    const root = hexToBytes(block.stateRoot);
    const e = expected[n]!;
    for (const a of [addr(alice), CONTRACT]) {
      const p = await call<{
        address: Address;
        accountProof: Hex[];
        balance: Hex;
        nonce: Hex;
        codeHash: Hash;
        storageHash: Hash;
        storageProof: { key: Hex; value: Hex; proof: Hex[] }[];
      }>('eth_getProof', [a, ['0x0', ZERO_HASH], toQuantity(n)]);
      assert.is(p.address, a);
      assert.is(BigInt(p.balance), e.balance.get(a));
      assert.is(BigInt(p.nonce), e.nonce.get(a));
      const leaf = await verifyMerkleProof(hexToBytes(a), p.accountProof.map(hexToBytes), {
        root,
        useKeyHashing: true,
      });
      const exists = a !== CONTRACT || e.code !== '0x';
      if (!exists) {
        assert.is(leaf, null, `${a} absent at ${n}: a proof of absence`);
      } else {
        const [nonce, balance, storageRoot, codeHash] = RLP.decode(leaf!) as Uint8Array[];
        const big = (b: Uint8Array) => (b.length === 0 ? 0n : BigInt(bytesToHex(b)));
        assert.equal(
          [big(nonce!), big(balance!), bytesToHex(storageRoot!), bytesToHex(codeHash!)],
          [e.nonce.get(a), e.balance.get(a), p.storageHash, p.codeHash],
        );
      }
      assert.equal(
        p.storageProof.map((s) => s.key),
        ['0x0', ZERO_HASH],
      );
      const slot = a === CONTRACT ? e.slot0 : 0n;
      for (const s of p.storageProof) {
        assert.is(BigInt(s.value), slot);
        if (!exists) continue;
        if (p.storageHash === EMPTY_TRIE_ROOT) {
          assert.is(slot, 0n); // no storage: nothing to walk
          continue;
        }
        const value = await verifyMerkleProof(hexToBytes(ZERO_HASH), s.proof.map(hexToBytes), {
          root: hexToBytes(p.storageHash),
          useKeyHashing: true,
        });
        assert.is(value === null ? 0n : BigInt(bytesToHex(RLP.decode(value) as Uint8Array)), slot);
      }
    }
  }
});

test('zkevm_: batches, batch of a block, native block hashes', async () => {
  assert.is(await call('zkevm_getLatestGlobalExitRoot'), ZERO_HASH, 'no batch carries a global exit root');
  assert.is(await call('zkevm_batchNumberByBlockNumber', ['0x0']), '0x0');
  assert.is(await call('zkevm_batchNumberByBlockNumber', ['0x3']), '0x1');
  assert.is(await call('zkevm_batchNumberByBlockNumber', ['0x4']), '0x2');
  assert.is(await call('zkevm_batchNumberByBlockNumber', ['0x6']), null);

  type Batch = Record<string, unknown> & { blocks: unknown[]; transactions: unknown[] };
  // pg warns (and pg 9 refuses) when a client is handed a query while it runs one: none may be issued.
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  const batch1 = await call<Batch>('zkevm_getBatchByNumber', ['0x1', false]);
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  assert.equal(warnings, [], 'no query given to a busy client');
  const blocks = await Promise.all(
    [1, 2, 3].map((n) => call<RpcBlock>('eth_getBlockByNumber', [toQuantity(n), false])),
  );
  const closed = chain.history.find((e) => e.type === 'BatchClosed')!.data as Record<string, string>;
  assert.equal(batch1, {
    number: '0x1',
    coinbase: COINBASE,
    stateRoot: blocks[2]!.stateRoot,
    globalExitRoot: ZERO_HASH,
    mainnetExitRoot: ZERO_HASH,
    rollupExitRoot: ZERO_HASH,
    localExitRoot: ZERO_HASH,
    accInputHash: closed['accInputHash'],
    timestamp: toQuantity(T0 + 10n),
    sendSequencesTxHash: null,
    verifyBatchTxHash: null,
    closed: true,
    blocks: blocks.map((b) => b.hash),
    transactions: txs.slice(0, 3).map((t) => t.hash),
    batchL2Data: closed['batchL2Data'],
  });
  // Full: blocks with tx hashes, and each tx carrying its receipt (the reference's includeReceipts).
  const full = await call<Batch>('zkevm_getBatchByNumber', ['0x1', true]);
  assert.equal(full.blocks, blocks);
  assert.equal(
    full.transactions,
    await Promise.all(
      txs.slice(0, 3).map(async (t) => ({
        ...(await call<object>('eth_getTransactionByHash', [t.hash])),
        receipt: await call('eth_getTransactionReceipt', [t.hash]),
      })),
    ),
  );
  const openFull = await call<Batch>('zkevm_getBatchByNumber', ['pending', true]);
  assert.equal(
    openFull.transactions.map((t) => (t as { receipt: { transactionHash: string } }).receipt.transactionHash),
    [txs[3]!.hash, txs[4]!.hash],
  );
  assert.equal(await call('zkevm_getBatchByNumber', ['latest', false]), batch1);

  const open = await call<Batch>('zkevm_getBatchByNumber', ['pending', false]);
  assert.equal(
    [open['number'], open['closed'], open['stateRoot'], open['accInputHash'], open['transactions']],
    ['0x2', false, ZERO_HASH, ZERO_HASH, [txs[3]!.hash, txs[4]!.hash]],
  );
  assert.is(
    open['batchL2Data'],
    `0x${chain.history
      .filter((e) => e.type === 'L2BlockSealed')
      .slice(3)
      .map((e) => (e.data as { tx: { batchBlob: string } }).tx.batchBlob.slice(2))
      .join('')}`,
  );
  const genesisBatch = await call<Batch>('zkevm_getBatchByNumber', ['earliest', false]);
  const b0 = await call<RpcBlock>('eth_getBlockByNumber', ['0x0', false]);
  assert.equal(
    [genesisBatch['closed'], genesisBatch['stateRoot'], genesisBatch['blocks'], genesisBatch['batchL2Data']],
    [true, node.genesisRoot, [b0.hash], '0x'],
  );
  assert.is(await call('zkevm_getBatchByNumber', ['0x9', false]), null);

  const roots = await Promise.all(
    Array.from(
      { length: HEAD + 1 },
      async (_, n) => (await call<RpcBlock>('eth_getBlockByNumber', [toQuantity(n), false])).stateRoot,
    ),
  );
  assert.equal(
    await call('zkevm_getNativeBlockHashesInRange', [{ fromBlock: '0x0', toBlock: 'latest' }]),
    roots,
  );
  assert.equal(
    await call('zkevm_getNativeBlockHashesInRange', [{ fromBlock: '0x2', toBlock: '0x3' }]),
    roots.slice(2, 4),
  );
  // A missing bound is block 0, as in the reference (its filter's fields are not pointers).
  assert.equal(await call('zkevm_getNativeBlockHashesInRange', [{ toBlock: '0x2' }]), roots.slice(0, 3));
  assert.equal(await call('zkevm_getNativeBlockHashesInRange', [{}]), [roots[0]]);
  assert.equal(await callError('zkevm_getNativeBlockHashesInRange', [{ fromBlock: '0x4' }]), {
    code: -32602,
    message: 'invalid block range',
  });
  assert.equal(await call('zkevm_getNativeBlockHashesInRange', [{ fromBlock: '0x4', toBlock: '0xea64' }]), [
    roots[4],
    roots[5],
  ]); // 0xea64 − 0x4 = 60000: at the cap
  assert.equal(
    await callError('zkevm_getNativeBlockHashesInRange', [{ fromBlock: '0x0', toBlock: '0xea61' }]),
    {
      code: -32602,
      message: 'native block hashes are limited to a 60000 block range',
    },
  );
  assert.equal(await callError('zkevm_getNativeBlockHashesInRange', [{ fromBlock: '0x3', toBlock: '0x2' }]), {
    code: -32602,
    message: 'invalid block range',
  });
});

test('missing blocks: null from block getters, header not found from state reads; bad params', async () => {
  const unknown = keccak256Hex(new Uint8Array([7]));
  assert.is(await call('eth_getBlockByNumber', ['0x6', false]), null);
  assert.is(await call('eth_getBlockByHash', [unknown, true]), null);
  assert.is(await call('eth_getBlockTransactionCountByNumber', ['0x6']), null);
  assert.is(await call('eth_getBlockTransactionCountByHash', [unknown]), null);
  assert.is(await call('eth_getTransactionByBlockHashAndIndex', [unknown, '0x0']), null);
  assert.is(await call('eth_getTransactionByBlockNumberAndIndex', ['0x6', '0x0']), null);
  for (const [method, params] of [
    ['eth_getBalance', [COINBASE, '0x6']],
    ['eth_getCode', [CONTRACT, '0x6']],
    ['eth_getStorageAt', [CONTRACT, '0x0', '0x6']],
    ['eth_getProof', [CONTRACT, [], '0x6']],
    ['eth_getTransactionCount', [COINBASE, '0x6']],
  ] as const) {
    assert.equal(await callError(method, [...params]), { code: -32000, message: 'header not found' });
  }
  assert.equal(await callError('eth_getBalance', [COINBASE, { blockHash: unknown }]), {
    code: -32000,
    message: 'header for hash not found',
  });
  assert.equal(await callError('eth_getStorageAt', [CONTRACT, '0xzz', 'latest']), {
    code: -32000,
    message: 'unable to decode storage key: hex string invalid',
  });
  assert.equal(await callError('eth_getStorageAt', [CONTRACT, `0x${'00'.repeat(33)}`, 'latest']), {
    code: -32000,
    message: 'unable to decode storage key: hex string too long, want at most 32 bytes',
  });
  assert.is((await callError('eth_getBlockByNumber', [{ blockHash: unknown }, false])).code, -32602);
  assert.is((await callError('eth_getBlockByNumber', ['0x1'])).code, -32602);
});

test('safe and finalized follow the last verified batch', async () => {
  // No L1 role projects verification yet (issue 4): mark batch 1 verified in the read model as it will.
  await node.db.pool.query(`update batches set status = 'verified', verify_tx_hash = $1 where number = 1`, [
    keccak256Hex(new Uint8Array([1])),
  ]);
  for (const tag of ['safe', 'finalized']) {
    assert.is((await call<RpcBlock>('eth_getBlockByNumber', [tag, false])).number, '0x3');
    assert.is(
      BigInt(await call<Hex>('eth_getBalance', [addr(bob), tag])),
      expected[3]!.balance.get(addr(bob)),
    );
    const batch = await call<Record<string, unknown>>('zkevm_getBatchByNumber', [tag, false]);
    assert.equal([batch['number'], batch['verifyBatchTxHash']], ['0x1', keccak256Hex(new Uint8Array([1]))]);
  }
  assert.is((await call<RpcBlock>('eth_getBlockByNumber', ['earliest', false])).number, '0x0');
  assert.is((await call<RpcBlock>('eth_getBlockByNumber', ['latest', false])).number, toQuantity(HEAD));
  assert.is((await call<RpcBlock>('eth_getBlockByNumber', ['pending', false])).number, toQuantity(HEAD));
});

test('ethers v6 JsonRpcProvider reads blocks, receipts and balances', async () => {
  const provider = new JsonRpcProvider(node.url, Number(CHAIN_ID), { staticNetwork: true });
  try {
    for (let n = 0; n <= HEAD; n++) {
      const block = await provider.getBlock(n, true);
      assert.ok(block);
      assert.is(block.number, n);
      assert.is(block.baseFeePerGas, null);
      assert.is(block.prefetchedTransactions.length, n === 0 ? 0 : 1);
    }
    for (const t of txs) {
      const receipt = await provider.getTransactionReceipt(t.hash);
      assert.ok(receipt);
      assert.is(receipt.status, t.result.receipt.status);
      assert.is(receipt.blockNumber, Number(t.blockNumber));
      const tx = await provider.getTransaction(t.hash);
      assert.is(tx?.from.toLowerCase(), t.from);
    }
    assert.is(await provider.getBalance(addr(bob), 2), expected[2]!.balance.get(addr(bob)));
    assert.is(await provider.getBalance(addr(bob)), expected[HEAD]!.balance.get(addr(bob)));
    assert.is(await provider.getCode(CONTRACT), RUNTIME);
  } finally {
    provider.destroy();
  }
});

test('viem public client reads blocks, receipts and balances', async () => {
  const client = createPublicClient({ transport: http(node.url) });
  for (let n = 0n; n <= BigInt(HEAD); n++) {
    const block = await client.getBlock({ blockNumber: n, includeTransactions: true });
    assert.is(block.number, n);
    assert.is(block.transactions.length, n === 0n ? 0 : 1);
  }
  const latest = await client.getBlock();
  assert.is(latest.number, BigInt(HEAD));
  for (const t of txs) {
    const receipt = await client.getTransactionReceipt({ hash: t.hash });
    assert.is(receipt.status, t.result.receipt.status === 1 ? 'success' : 'reverted');
    assert.is(receipt.blockNumber, t.blockNumber);
  }
  assert.is(
    await client.getBalance({ address: addr(carol), blockNumber: 3n }),
    expected[3]!.balance.get(addr(carol)),
  );
  assert.is(await client.getBalance({ address: addr(carol) }), expected[HEAD]!.balance.get(addr(carol)));
  assert.is(await client.getBlockNumber(), BigInt(HEAD));
});

test('eth_call at any block, with state overrides; a revert is code 3 with its data; eth_estimateGas is the smallest gas that works', async () => {
  const get = { from: addr(bob), to: CONTRACT };
  assert.is(await call('eth_call', [get, 'latest']), word(42n));
  assert.is(await call('eth_call', [get, '0x2']), word(0n)); // deployed in block 2, stored in block 3
  const reverted = await callError('eth_call', [{ ...get, data: word(0xdeadn) }, 'latest']);
  assert.equal(reverted, { code: 3, message: 'execution reverted', data: word(0xdeadn) });
  const revertedEstimate = await callError('eth_estimateGas', [{ ...get, data: word(0xdeadn) }]);
  assert.is(revertedEstimate?.code, 3);
  assert.is(await call('eth_estimateGas', [{ from: addr(alice), to: addr(bob), value: '0x1' }]), '0x5208');
  const store = { ...get, data: word(7n) };
  const estimate = BigInt(await call<string>('eth_estimateGas', [store]));
  assert.is(await call('eth_call', [{ ...store, gas: `0x${estimate.toString(16)}` }]), word(7n));
  const short = await callError('eth_call', [{ ...store, gas: `0x${(estimate - 1n).toString(16)}` }]);
  assert.is(short?.code, -32000);
  const override = { [CONTRACT]: { stateDiff: { [word(0n)]: word(5n) } } };
  assert.is(await call('eth_call', [get, 'latest', override]), word(5n));
  assert.is(await call('eth_call', [get, 'latest']), word(42n));
  const overrides = await callError('eth_call', [get, 'latest', { [CONTRACT]: { balance: '0x01' } }]);
  assert.is(overrides?.code, -32602);
  // Halts other than a revert come in geth's words: PUSH1 0 JUMP (offset 0 is no JUMPDEST), and 0xfe.
  const code = (c: Hex) => ({ [CONTRACT]: { code: c } });
  assert.equal(await callError('eth_call', [get, 'latest', code('0x600056')]), {
    code: -32000,
    message: 'invalid jump destination',
  });
  assert.equal(await callError('eth_call', [get, 'latest', code('0xfe')]), {
    code: -32000,
    message: 'invalid opcode',
  });
});

test('eth_call and eth_estimateGas from an account with code (a contract, or code by an override), as geth allows', async () => {
  // EIP-3607 binds txs only: a call may come from a contract (geth, the reference).
  assert.is(await call('eth_call', [{ from: CONTRACT, to: CONTRACT }, 'latest']), word(42n));
  assert.is(await call('eth_estimateGas', [{ from: CONTRACT, to: addr(bob) }]), '0x5208');
  // The sender keeps its code during the call: the callee reads EXTCODESIZE(CALLER) = 2 (the override's 0x6000).
  const probe = '0x000000000000000000000000000000000000beef';
  const overrides = {
    [addr(alice)]: { code: '0x6000' },
    [probe]: { code: assemble(['CALLER', 'EXTCODESIZE', 0, 'MSTORE', 32, 0, 'RETURN']) },
  };
  assert.is(await call('eth_call', [{ from: addr(alice), to: probe }, 'latest', overrides]), word(2n));
  // 21000 + CALLER 2 + EXTCODESIZE of the (warm) sender 100 + 3 PUSH1s 9 + MSTORE with one memory word 6
  assert.is(await call('eth_estimateGas', [{ from: addr(alice), to: probe }, 'latest', overrides]), '0x527d');
  // The contract itself, sending to itself: its storage write runs on its own code.
  assert.is(await call('eth_call', [{ from: CONTRACT, to: CONTRACT, data: word(9n) }, 'latest']), word(9n));
});

test("eth_call with gas below the intrinsic gas: -32000 in geth's words", async () => {
  assert.equal(await callError('eth_call', [{ from: addr(alice), to: addr(bob), gas: '0x1' }, 'latest']), {
    code: -32000,
    message: 'intrinsic gas too low: have 1, want 21000',
  });
  // 21000 + 31 zero bytes × 4 + 1 non-zero byte × 16
  const data = { from: addr(bob), to: CONTRACT, data: word(7n), gas: '0x5208' };
  assert.equal(await callError('eth_call', [data, 'latest']), {
    code: -32000,
    message: 'intrinsic gas too low: have 21000, want 21140',
  });
  // A creation's is 53000.
  assert.equal(await callError('eth_call', [{ from: addr(alice), data: '0x00', gas: '0xcf07' }, 'latest']), {
    code: -32000,
    message: 'intrinsic gas too low: have 52999, want 53004',
  });
  // The estimate still finds the smallest gas that works (its probes never go below the intrinsic gas).
  assert.is(await call('eth_estimateGas', [{ from: addr(alice), to: addr(bob) }]), '0x5208');
});

test('eth_call and eth_estimateGas: the sender must afford value + gas × price; without from it is 0x1111…1111', async () => {
  const poor = '0x000000000000000000000000000000000000dead';
  const send = { from: poor, to: addr(bob), value: '0x1000' };
  const broke = {
    code: -32000,
    // The address checksummed, as geth prints it.
    message:
      'insufficient funds for gas * price + value: address 0x000000000000000000000000000000000000dEaD have 0 want 4096',
  };
  assert.equal(await callError('eth_call', [send, 'latest']), broke);
  assert.equal(await callError('eth_estimateGas', [send]), broke);
  const anon = await callError('eth_call', [{ to: addr(bob), value: '0x1' }, 'latest']);
  assert.is(
    anon?.message,
    `insufficient funds for gas * price + value: address 0x${'11'.repeat(20)} have 0 want 1`,
  );
  // Funded by an override: the same call works.
  const funded = { [poor]: { balance: '0x1000' } };
  assert.is(await call('eth_call', [send, 'latest', funded]), '0x');
  assert.is(await call('eth_estimateGas', [send, 'latest', funded]), '0x5208');
  // A gas price: the search stops at what the balance pays for (geth's allowance).
  const balance = expected[HEAD]!.balance.get(addr(alice))!;
  const priced = (gasPrice: bigint, value = 1n) => ({
    from: addr(alice),
    to: addr(bob),
    value: `0x${value.toString(16)}`,
    gasPrice: `0x${gasPrice.toString(16)}`,
  });
  assert.is(await call('eth_estimateGas', [priced(balance / 30_000n)]), '0x5208');
  assert.equal(await callError('eth_estimateGas', [priced(balance / 20_000n)]), {
    code: -32000,
    message: `gas required exceeds allowance (${(balance - 1n) / (balance / 20_000n)})`,
  });
  assert.equal(await callError('eth_estimateGas', [priced(1n, balance + 1n)]), {
    code: -32000,
    message: 'insufficient funds for transfer',
  });
  assert.equal(await callError('eth_estimateGas', [priced(1n, balance)]), {
    code: -32000,
    message: 'gas required exceeds allowance (0)',
  });
  // A gas of 0 counts as not given, one below the intrinsic gas is ignored by the estimate (geth, the reference),
  // and one above the block's is capped to it (a funded sender affords 30M gas at 1 gwei, not 10^13).
  const plain = { from: addr(alice), to: addr(bob), value: '0x1' };
  assert.is(await call('eth_call', [{ ...plain, gas: '0x0' }, 'latest']), '0x');
  assert.is(await call('eth_estimateGas', [{ ...plain, gas: '0x0' }]), '0x5208');
  assert.is(await call('eth_estimateGas', [{ ...plain, gas: '0x1000' }]), '0x5208');
  const huge = { ...plain, gas: `0x${(10n ** 13n).toString(16)}`, gasPrice: `0x${GWEI.toString(16)}` };
  assert.is(await call('eth_call', [huge, 'latest']), '0x');
  assert.is(await call('eth_estimateGas', [huge]), '0x5208');
  const afford = await callError('eth_call', [{ ...priced(balance / 20_000n), gas: '0x5208' }, 'latest']);
  assert.match(String(afford?.message), /^insufficient funds for gas \* price \+ value: address /);
});

test.run();
