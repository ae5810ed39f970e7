/**
 * Execution benchmark: signed legacy ETH transfers from many senders (signed up front, not timed).
 *
 *   (a) peer: a bare `runTx` loop on @ethereumjs's in-memory MapDB, sender recovery included (what the
 *       feasibility study measured, ~450 tx/s on these machines);
 *   (b) ours: the executor on the Postgres trie store, senders pre-recovered (as the pool does once at intake),
 *       one tx per block and a flush per block, as the sequencer will run it.
 *
 * Also, to place the costs: the executor on MapDB (b without Postgres), the executor on Postgres with raw txs
 * (recovery included), reads at the latest root, and what a fresh VM per call would cost.
 *
 *   npx tsx scripts/bench/execution.ts
 */
import { createBlock } from '@ethereumjs/block';
import { createMPT } from '@ethereumjs/mpt';
import { MerkleStateManager } from '@ethereumjs/statemanager';
import { createLegacyTxFromRLP } from '@ethereumjs/tx';
import { Account, Address as EthAddress, MapDB } from '@ethereumjs/util';
import { createVM, runTx } from '@ethereumjs/vm';
import { Wallet } from 'ethers';
import { createPgPool } from '../../src/db/index.ts';
import {
  createExecutor,
  createL2Common,
  createTrieStore,
  type Executor,
  type TxInput,
} from '../../src/execution/index.ts';
import { type DecodedLegacyTx, decodeRawTx } from '../../src/pool/index.ts';
import { type Address, type Hash, type Hex, hexToBytes } from '../../src/primitives/index.ts';

const SENDERS = 40;
const PER_SENDER = 25;
const CHAIN_ID = 1001n;
const GWEI = 1_000_000_000n;
const COINBASE = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266' as Address;
const READS = 2000;

export async function benchExecution(opts: { url: string }): Promise<Record<string, number>> {
  const wallets = Array.from(
    { length: SENDERS },
    (_, i) => new Wallet(`0x${(i + 1).toString(16).padStart(64, '0')}`),
  );
  const recipient = Wallet.createRandom().address;
  const raws: Hex[] = [];
  for (let n = 0; n < PER_SENDER; n++) {
    for (const w of wallets) {
      raws.push(
        (await w.signTransaction({
          type: 0,
          chainId: CHAIN_ID,
          nonce: n,
          gasPrice: GWEI,
          gasLimit: 21_000n,
          to: recipient,
          value: 1n,
        })) as Hex,
      );
    }
  }
  const genesis = wallets.map((w) => ({ address: w.address, balance: 10n ** 24n, nonce: 0n }));
  // Pool intake recovers each sender once; not timed here (it is the pool's cost).
  const decoded = raws.map((r) => decodeRawTx(hexToBytes(r)) as DecodedLegacyTx);

  const bare = await bareRunTx(raws, genesis);

  const pool = createPgPool(opts.url);
  const store = await createTrieStore({ pool });
  const pg = await runExecutor(await createExecutor({ store, chainId: CHAIN_ID, genesis }), decoded, () =>
    store.flush(),
  );
  const pgRaw = await runExecutor(await createExecutor({ store, chainId: CHAIN_ID, genesis }), raws, () =>
    store.flush(),
  );
  const memory = await runExecutor(
    await createExecutor({ store: new MapDB(), chainId: CHAIN_ID, genesis }),
    decoded,
    async () => {},
  );

  // Reads at the latest root (a fresh state manager per call, as RPC handlers do).
  const reader = await createExecutor({ store, chainId: CHAIN_ID });
  let started = performance.now();
  for (let i = 0; i < READS; i++) await reader.getAccount(pg.root, decoded[i % decoded.length]!.from);
  const readsPerSecond = READS / ((performance.now() - started) / 1000);

  // The alternative to one long-lived VM: a VM per call.
  const common = createL2Common(CHAIN_ID);
  started = performance.now();
  for (let i = 0; i < 50; i++) {
    const trie = await createMPT({ db: store, useKeyHashing: true, root: hexToBytes(pg.root) });
    await createVM({ common, stateManager: new MerkleStateManager({ common, trie }) });
  }
  const createVmMs = (performance.now() - started) / 50;
  const stats = store.stats();
  await pool.end();

  if (pg.root !== memory.root || pgRaw.root !== pg.root)
    throw new Error(`roots differ: pg ${pg.root}, pg raw ${pgRaw.root}, memory ${memory.root}`);
  return {
    'execution.txs': raws.length,
    'execution.bareRunTx.mapdb.withRecovery.txPerSecond': Math.round(bare),
    'execution.executor.pg.preRecovered.txPerSecond': Math.round(pg.txPerSecond),
    'execution.executor.pg.vs.bareRunTx.ratio': pg.txPerSecond / bare,
    'execution.executor.pg.withRecovery.txPerSecond': Math.round(pgRaw.txPerSecond),
    'execution.executor.mapdb.preRecovered.txPerSecond': Math.round(memory.txPerSecond),
    'execution.executor.pg.flushMsPerBlock': pg.flushMs / raws.length,
    'execution.getAccount.readsPerSecond': Math.round(readsPerSecond),
    'execution.createVM.msPerCall': createVmMs,
    'execution.trieStore.flushedNodes': stats.flushedNodes,
  };
}

/**
 * The peer: @ethereumjs alone, in memory, recovering each sender inside runTx — with @ethereumjs's own
 * (pure-JS) recovery unless another `common` is given.
 */
export async function bareRunTx(
  raws: readonly Hex[],
  genesis: readonly { address: string; balance: bigint }[],
  opts: { common?: ReturnType<typeof createL2Common> } = {},
) {
  const common = opts.common ?? createL2Common(CHAIN_ID, { defaultCrypto: true });
  const trie = await createMPT({ db: new MapDB(), useKeyHashing: true });
  const stateManager = new MerkleStateManager({ common, trie });
  const vm = await createVM({ common, stateManager });
  await stateManager.checkpoint();
  for (const a of genesis)
    await stateManager.putAccount(
      new EthAddress(hexToBytes(a.address.toLowerCase())),
      new Account(0n, a.balance),
    );
  await stateManager.commit();
  const started = performance.now();
  let number = 1n;
  for (const raw of raws) {
    const tx = createLegacyTxFromRLP(hexToBytes(raw), { common });
    const block = createBlock(
      {
        header: {
          number: number++,
          timestamp: 1n,
          coinbase: COINBASE,
          gasLimit: 30_000_000n,
          baseFeePerGas: 0n,
        },
      },
      { common },
    );
    const result = await runTx(vm, {
      tx,
      block,
      skipBlockGasLimitValidation: true,
      skipHardForkValidation: true,
    });
    if (result.execResult.exceptionError) throw new Error('bare runTx: a transfer failed');
  }
  return raws.length / ((performance.now() - started) / 1000);
}

/** Our executor, one tx per block on the previous root, `flush` after each block. */
async function runExecutor(executor: Executor, txs: readonly TxInput[], flush: () => Promise<unknown>) {
  let root = executor.genesisRoot as Hash;
  await flush();
  let flushMs = 0;
  let number = 1n;
  const started = performance.now();
  for (const tx of txs) {
    const result = await executor.executeTx({
      stateRoot: root,
      tx,
      block: { number: number++, timestamp: 1n, coinbase: COINBASE },
    });
    if (!result.valid || result.receipt.status !== 1) throw new Error(`executor: a transfer failed`);
    root = result.stateRoot;
    const f = performance.now();
    await flush();
    flushMs += performance.now() - f;
  }
  return { txPerSecond: txs.length / ((performance.now() - started) / 1000), root, flushMs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { runStandalone } = await import('./standalone.ts');
  await runStandalone('execution', benchExecution);
}
