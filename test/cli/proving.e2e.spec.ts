/**
 * Proving on the dev stack, as a user would run it: `lev devnet` (L1), `lev prover` as its own process, and
 * `lev start --dev` (every role) which finds that prover answering and uses it.
 *
 * 1. A transfer goes trusted → virtual → verified by itself, each state visible through the `zkevm_*` methods and
 *    the `finalized` tag. The prover is frozen (SIGSTOP) while the batch becomes virtual, so the "virtual, not yet
 *    verified" state is observed for certain, then killed (SIGKILL) with the aggregator's request in flight. The
 *    aggregator backs off; a new `lev prover` on the same port → verification completes.
 * 2. A sequence of three batches (closed while the node ran without its L1 roles, then restarted with all): each
 *    batch proven on its own, the proofs aggregated, one verification for all.
 * 3. Verifications fail on L1 (the rollup trusts another aggregator for a while) with the next batch already
 *    proven: the failed batch is proven again — the hole before the later proof — and verification goes past it.
 * 4. A deep L1 reorg (evm_revert past the verification and 10 more blocks, then a longer branch) removes the
 *    verification: the batch is proven and verified again, under a new L1 tx id.
 * 5. A reorg re-includes the confirmed verification tx (its signed bytes) in another L1 block while the node runs
 *    without its synchronizer: the aggregator leaves it to the synchronizer (no `ProofFailed`, nothing sent again),
 *    which, back, records the reorg and the batch verified by that same tx.
 * 6. A reorg takes out a verification the synchronizer had recorded (the aggregator had forgotten it as done);
 *    its same signed tx is mined again on the new branch: the aggregator watches it (it folds its log again when
 *    the last verified batch goes down), proves and sends nothing anew.
 * 7. The prover replaced by one that lies: the reference prover's own service, with every batch proof's new state
 *    root changed and signed again with the prover key. The aggregator refuses the proof before anything reaches
 *    L1, reports it once (`ProofFailed`, one error line) and does not ask again.
 * L1 state is read through raw JSON-RPC (ethers caches on reverted devnets).
 */
import { rmSync } from 'node:fs';
import type { HandlerContext } from '@connectrpc/connect';
import { HDNodeWallet, JsonRpcProvider, keccak256 } from 'ethers';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { devAccount } from '../../src/config/index.ts';
import { predictL1ContractAddresses, rollupInterface } from '../../src/l1/index.ts';
import type { Hash } from '../../src/primitives/index.ts';
import {
  createReferenceProver,
  fromProtoRecursiveProof,
  type ProverServer,
  type RecursiveProof,
  type ReferenceProver,
  signIntermediateProof,
  startProverServer,
  toProtoRecursiveProof,
} from '../../src/prover/index.ts';
import {
  crashWithPostgres,
  freePort,
  type LevProcess,
  rpcCall,
  runLev,
  tempDataDir,
  until,
} from '../support/node-process.ts';

const test = suite('cli/proving');

const MNEMONIC = 'test test test test test test test test test test test junk';
const PROVER_ADDRESS = '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65';
const dataDir = tempDataDir();
let devnet: LevProcess | undefined;
let prover: LevProcess | undefined;
let node: LevProcess | undefined;
let liar: { prover: ReferenceProver; server: ProverServer } | undefined;
let db: pg.Client | undefined;
let l1Url = '';
let l2Url = '';
let proverPort = 0;
let block = 0n;

const call = rpcCall;
const quantity = (n: bigint) => `0x${n.toString(16)}`;
const verifiedBatch = async () => BigInt(await call<string>(l2Url, 'zkevm_verifiedBatchNumber'));
const virtualBatch = async () => BigInt(await call<string>(l2Url, 'zkevm_virtualBatchNumber'));

type AggregatorEvent = { type: string; data: Record<string, unknown> };
async function aggregatorEvents(): Promise<AggregatorEvent[]> {
  const { rows } = await db!.query<{ type: string; data: Record<string, unknown> }>(
    "select type, data from lev_es.events where stream_id = 'aggregator' order by position",
  );
  return rows;
}

function startProver(): LevProcess {
  return runLev(['prover', '--dev'], { LEV_PROVER_LISTEN: `127.0.0.1:${proverPort}` });
}

let nodeEnv: Record<string, string> = {};

/** (Re)starts the node (all roles unless `roles`) on the same data dir, and connects to its database. */
async function startNode(roles?: string): Promise<void> {
  node = runLev(['start', '--dev', ...(roles ? ['--roles', roles] : [])], nodeEnv);
  l2Url = await node.ready('rpc', 120_000);
  const dbUrl = /^ready postgres (\S+)$/m.exec(node.output())![1]!.replace('***', 'password');
  db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
}

async function stopNode(): Promise<void> {
  await db?.end();
  node!.child.kill('SIGTERM');
  assert.is((await node!.exited).code, 0, node!.output().slice(-2000));
}

test.before(async () => {
  l1Url = `http://127.0.0.1:${await freePort()}`;
  devnet = runLev(['devnet'], { LEV_L1_URL: l1Url });
  await devnet.ready('l1', 60_000);
  proverPort = await freePort();
  prover = startProver();
  await prover.ready('prover', 30_000);
  nodeEnv = {
    LEV_NODE_DATA_DIR: dataDir,
    LEV_L1_URL: l1Url,
    LEV_PROVER_URL: `http://127.0.0.1:${proverPort}`,
    LEV_RPC_PORT: String(await freePort()),
    LEV_METRICS_PORT: String(await freePort()),
  };
  await startNode();
});

test.after(async () => {
  await liar?.server.close();
  await liar?.prover.close();
  await db?.end().catch(() => {});
  await crashWithPostgres(node, dataDir);
  await prover?.killGroup();
  await devnet?.killGroup(); // the devnet and its Hardhat child
  rmSync(dataDir, { recursive: true, force: true });
});

test('the node uses the prover it finds answering (no embedded one)', () => {
  assert.not.match(node!.output(), /^ready prover /m);
  assert.match(node!.output(), /using the prover answering there/);
});

test('a transfer goes trusted → virtual → verified by itself, through a prover killed mid-request', async () => {
  // Freeze the prover: the aggregator's request will hang in it.
  prover!.child.kill('SIGSTOP');
  const provider = new JsonRpcProvider(l2Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const wallet = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/6").connect(provider);
  const tx = await wallet.sendTransaction({ to: '0x000000000000000000000000000000000000bEEF', value: 7n });
  const receipt = await until('the receipt', () => provider.getTransactionReceipt(tx.hash));
  provider.destroy();
  block = BigInt(receipt.blockNumber);
  const batch = BigInt(await call<string>(l2Url, 'zkevm_batchNumberByBlockNumber', [quantity(block)]));
  assert.is(batch, 1n);

  // Trusted: in the open batch, nothing on L1 yet.
  assert.is(await call<boolean>(l2Url, 'zkevm_isBlockVirtualized', [quantity(block)]), false);
  assert.is(await call<boolean>(l2Url, 'zkevm_isBlockConsolidated', [quantity(block)]), false);
  const trustedBatch = await call<{ closed: boolean }>(l2Url, 'zkevm_getBatchByNumber', [
    quantity(batch),
    false,
  ]);
  assert.ok(trustedBatch);

  // Virtual: sequenced on L1; not verified while the prover is frozen.
  await until('batch 1 virtual', async () => (await virtualBatch()) >= 1n);
  assert.is(await call<boolean>(l2Url, 'zkevm_isBlockVirtualized', [quantity(block)]), true);
  assert.is(await call<boolean>(l2Url, 'zkevm_isBlockConsolidated', [quantity(block)]), false);
  assert.is(await verifiedBatch(), 0n);
  const finalizedBefore = await call<{ number: string }>(l2Url, 'eth_getBlockByNumber', ['finalized', false]);
  assert.is(BigInt(finalizedBefore.number), 0n);
  const virtual = await call<{ sendSequencesTxHash: string | null; verifyBatchTxHash: string | null }>(
    l2Url,
    'zkevm_getBatchByNumber',
    [quantity(batch), false],
  );
  assert.match(virtual.sendSequencesTxHash ?? '', /^0x[0-9a-f]{64}$/);
  assert.is(virtual.verifyBatchTxHash, null);

  // Confirmed on L1: the aggregator is asking the frozen prover.
  await until('the sequence 2 blocks deep', async () => {
    const { rows } = await db!.query<{ status: string }>(
      "select status from lev_rm.l1_txs where id = 'sequence-from-1-to-1'",
    );
    return rows[0]?.status === 'confirmed';
  });
  await new Promise((r) => setTimeout(r, 1500));
  prover!.child.kill('SIGKILL');
  await prover!.exited;
  await until(
    'the aggregator backing off',
    async () => /the prover is unavailable/.test(node!.output()),
    30_000,
  );
  assert.is(await verifiedBatch(), 0n);

  prover = startProver();
  await prover.ready('prover', 30_000);
  await until('batch 1 verified', async () => (await verifiedBatch()) >= 1n, 60_000);
  assert.is(await call<boolean>(l2Url, 'zkevm_isBlockConsolidated', [quantity(block)]), true);
  assert.ok(BigInt(await call<string>(l2Url, 'zkevm_consolidatedBlockNumber')) >= block);
  const finalized = await call<{ number: string }>(l2Url, 'eth_getBlockByNumber', ['finalized', false]);
  assert.ok(BigInt(finalized.number) >= block);
  const verified = await call<{ verifyBatchTxHash: string | null }>(l2Url, 'zkevm_getBatchByNumber', [
    quantity(batch),
    false,
  ]);
  assert.match(verified.verifyBatchTxHash ?? '', /^0x[0-9a-f]{64}$/);
  assert.match(node!.output(), /the prover answers again/);

  const events = await aggregatorEvents();
  const types = events.map((e) => e.type);
  for (const t of ['ProofRequested', 'ProofGenerated', 'FinalProofGenerated', 'VerificationSent'])
    assert.ok(types.includes(t), `${t} in ${types.join(', ')}`);
  assert.not.ok(
    events.some((e) => e.type === 'ProofFailed' && e.data['retryable'] === false),
    'no proof was refused',
  );
  const final = events.find((e) => e.type === 'FinalProofGenerated')!;
  assert.is(final.data['signer'], PROVER_ADDRESS);
  const sent = events.filter((e) => e.type === 'VerificationSent');
  assert.equal(
    sent.map((e) => e.data['l1TxId']),
    ['proof-from-1-to-1'],
  );

  // `lev inspect … actors` shows the aggregator's folded state (next to the running node, on its Postgres).
  const head = (await db!.query<{ p: string }>('select max(position)::text as p from lev_es.events')).rows[0]!
    .p;
  const inspect = runLev(['inspect', '--at', head, 'actors', '--json'], { LEV_NODE_DATA_DIR: dataDir });
  assert.is((await inspect.exited).code, 0, inspect.output());
  const out = inspect.output();
  const actors = JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1)) as {
    aggregator: { verification: { batches: string; l1TxId: string } | null; pending: unknown[] };
    sequencer: { lastClosedBatch: { number: string; stateRoot: string } | null };
    'sequence-sender': { lastSentBatch: string; lastSequence: { l1TxId: string } | null };
    synchronizer: { lastVirtualBatch: string; lastVerifiedBatch: string };
  };
  assert.equal(actors.aggregator.verification, { batches: '1..1', l1TxId: 'proof-from-1-to-1' });
  const batch1 = await call<{ stateRoot: string }>(l2Url, 'zkevm_getBatchByNumber', ['0x1', false]);
  assert.is(actors.sequencer.lastClosedBatch?.number, '1');
  assert.is(actors.sequencer.lastClosedBatch?.stateRoot, batch1.stateRoot);
  assert.is(actors['sequence-sender'].lastSentBatch, '1');
  assert.is(actors['sequence-sender'].lastSequence?.l1TxId, 'sequence-from-1-to-1');
  assert.is(actors.synchronizer.lastVerifiedBatch, '1');
});

test('a sequence of three batches: proven batch by batch, aggregated, verified by one L1 tx', async () => {
  // Three batches closed while the node runs without its L1 roles; back with every role, the sequence sender
  // sends them as one sequence.
  await stopNode();
  await startNode('rpc,sequencer');
  const provider = new JsonRpcProvider(l2Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const wallet = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/8").connect(provider);
  const batches: bigint[] = [];
  for (let i = 0; i < 3; i++) {
    const tx = await wallet.sendTransaction({ to: '0x000000000000000000000000000000000000bEEF', value: 3n });
    const receipt = await until('the receipt', () => provider.getTransactionReceipt(tx.hash));
    batches.push(
      BigInt(
        await call<string>(l2Url, 'zkevm_batchNumberByBlockNumber', [quantity(BigInt(receipt.blockNumber))]),
      ),
    );
    await until('the batch closed', async () => {
      const b = await call<{ closed: boolean } | null>(l2Url, 'zkevm_getBatchByNumber', [
        quantity(batches[i]!),
        false,
      ]);
      return b?.closed === true;
    });
  }
  provider.destroy();
  assert.equal(
    batches.map((b) => b - batches[0]!),
    [0n, 1n, 2n],
  );
  // Batch 1's verification updated L1's global exit root: later batches carry it (and prove and verify with it).
  const l1Ger = keccak256(new Uint8Array(64));
  for (const b of batches) {
    const row = await call<{ globalExitRoot: string }>(l2Url, 'zkevm_getBatchByNumber', [quantity(b), false]);
    assert.is(row.globalExitRoot, l1Ger, `batch ${b} carries L1's global exit root`);
  }
  await stopNode();
  await startNode();
  const last = batches[2]!;
  await until('the three batches verified', async () => (await verifiedBatch()) >= last, 60_000);
  const events = await aggregatorEvents();
  const of = (type: string) =>
    events.filter((e) => e.type === type && BigInt(e.data['toBatch'] as string) >= batches[0]!);
  const proven = of('ProofGenerated').map((e) => [e.data['fromBatch'], e.data['toBatch']]);
  for (const b of batches)
    assert.ok(
      proven.some(([f, t]) => f === b.toString() && t === b.toString()),
      `batch ${b}`,
    );
  assert.is(of('ProofAggregated').length, 2, 'three batch proofs, two aggregations');
  const sent = of('VerificationSent');
  assert.is(sent.length, 1);
  assert.is(sent[0]!.data['fromBatch'], batches[0]!.toString());
  assert.is(sent[0]!.data['toBatch'], last.toString());
});

test('a verification failed on L1 with a later batch proven: the hole proven again, verified past it', async () => {
  // While the rollup trusts another aggregator, every verification of ours fails (its gas estimate reverts).
  const deployer = devAccount(0).address;
  const rollup = predictL1ContractAddresses(deployer).rollup;
  const trusted = `0x${(
    await call<string>(l1Url, 'eth_call', [
      { to: rollup, data: rollupInterface.encodeFunctionData('trustedAggregator') },
      'latest',
    ])
  ).slice(-40)}`;
  const setTrustedAggregator = async (address: string) => {
    const hash = await call<string>(l1Url, 'eth_sendTransaction', [
      {
        from: deployer,
        to: rollup,
        data: rollupInterface.encodeFunctionData('setTrustedAggregator', [address]),
      },
    ]);
    await until('setTrustedAggregator mined', () => call(l1Url, 'eth_getTransactionReceipt', [hash]));
  };
  await setTrustedAggregator(devAccount(5).address);

  // Two batches in two sequences: the second is proven while the first one's verification fails.
  const provider = new JsonRpcProvider(l2Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const wallet = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/5").connect(provider);
  const batchOf = async () => {
    const tx = await wallet.sendTransaction({ to: '0x000000000000000000000000000000000000bEEF', value: 4n });
    const receipt = await until('the receipt', () => provider.getTransactionReceipt(tx.hash));
    return BigInt(
      await call<string>(l2Url, 'zkevm_batchNumberByBlockNumber', [quantity(BigInt(receipt.blockNumber))]),
    );
  };
  const first = await batchOf();
  assert.ok((await verifiedBatch()) < first);
  await until('the first batch virtual', async () => (await virtualBatch()) >= first);
  const second = await batchOf();
  provider.destroy();
  assert.ok(second > first);

  const isFailure = (e: AggregatorEvent) =>
    e.type === 'ProofFailed' && e.data['cause'] === 'l1' && e.data['fromBatch'] === first.toString();
  const failedAfterLaterProof = await until(
    "the first batch's verification failed on L1 with the second batch's proof held",
    async () => {
      const events = await aggregatorEvents();
      const proven = events.findIndex(
        (e) => e.type === 'ProofGenerated' && BigInt(e.data['fromBatch'] as string) > first,
      );
      const failed = events.findIndex((e, i) => i > proven && isFailure(e));
      return proven >= 0 && failed >= 0 ? { failed } : null;
    },
    60_000,
  );
  await setTrustedAggregator(trusted);

  await until('verified past the failed batch', async () => (await verifiedBatch()) >= second, 60_000);
  const events = await aggregatorEvents();
  const later = events.slice(failedAfterLaterProof.failed + 1);
  assert.ok(
    later.some(
      (e) =>
        e.type === 'ProofRequested' && e.data['kind'] === 'batch' && e.data['fromBatch'] === first.toString(),
    ),
    `batch ${first} proven again after its verification failed`,
  );
  const verified = await call<{ verifyBatchTxHash: string | null }>(l2Url, 'zkevm_getBatchByNumber', [
    quantity(second),
    false,
  ]);
  assert.match(verified.verifyBatchTxHash ?? '', /^0x[0-9a-f]{64}$/);
});

/** The L1 tx `id` once confirmed (its mined hash and block), and the signed bytes of the attempt that was mined. */
async function confirmedWithBytes(id: string, what: string) {
  const mined = await until(
    what,
    async () => {
      const { rows } = await db!.query<{ status: string; mined_hash: string; block_hash: string }>(
        'select status, mined_hash, block_hash from lev_rm.l1_txs where id = $1',
        [id],
      );
      return rows[0]?.status === 'confirmed' ? rows[0] : null;
    },
    60_000,
  );
  const { rows: sentRows } = await db!.query<{ data: { raw: string } }>(
    "select data from lev_es.events where stream_id = $1 and type = 'L1TxSent'",
    [`l1tx-${id}`],
  );
  const raw = sentRows.map((r) => r.data.raw).find((r) => keccak256(r) === mined.mined_hash);
  assert.ok(raw, `the signed bytes of ${mined.mined_hash}`);
  return { mined, raw };
}

/**
 * A transfer of `value` sealed while the prover is frozen, its batch's sequence confirmed on L1; then L1 is
 * snapshotted (a reorg's target: the batch sequenced, not verified) and the prover resumed.
 */
async function sequencedThenSnapshot(
  value: bigint,
): Promise<{ l2Block: bigint; batch: bigint; snapshot: string }> {
  prover!.child.kill('SIGSTOP');
  const provider = new JsonRpcProvider(l2Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const wallet = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/9").connect(provider);
  const tx = await wallet.sendTransaction({ to: '0x000000000000000000000000000000000000bEEF', value });
  const receipt = await until('the receipt', () => provider.getTransactionReceipt(tx.hash));
  provider.destroy();
  const l2Block = BigInt(receipt.blockNumber);
  const batch = BigInt(await call<string>(l2Url, 'zkevm_batchNumberByBlockNumber', [quantity(l2Block)]));
  await until('its sequence confirmed on L1', async () => {
    const { rows } = await db!.query<{ status: string }>(
      'select status from lev_rm.l1_txs where id like $1',
      [`sequence-from-%-to-${batch}`],
    );
    return rows[0]?.status === 'confirmed';
  });
  const snapshot = await call<string>(l1Url, 'evm_snapshot');
  prover!.child.kill('SIGCONT');
  return { l2Block, batch, snapshot };
}

test('a deep L1 reorg removes the verification: proven and verified again', async () => {
  const { l2Block: reorgBlock, batch, snapshot } = await sequencedThenSnapshot(5n);
  await until('the batch verified', async () => (await verifiedBatch()) >= batch, 60_000);
  const requestsBefore = (await aggregatorEvents()).filter(
    (e) =>
      e.type === 'ProofRequested' && e.data['kind'] === 'batch' && e.data['fromBatch'] === batch.toString(),
  ).length;

  await call(l1Url, 'hardhat_mine', ['0xa']); // the verification 10+ blocks deep
  await new Promise((r) => setTimeout(r, 3000)); // the synchronizer (500 ms polls) follows L1 there
  assert.ok(await call<boolean>(l1Url, 'evm_revert', [snapshot]));
  await call(l1Url, 'hardhat_mine', ['0xe']); // a longer branch without it
  // The node stores only L1 blocks that carry facts: its recorded depth counts back to the sequence's block.
  await until('the reorg recorded, naming the verification it undid', async () => {
    const { rows } = await db!.query<{ unverified: string[] }>('select unverified from lev_rm.l1_reorgs');
    return rows.some((r) => r.unverified.includes(batch.toString()));
  });
  await until(
    'verified again on the new branch',
    async () => {
      const events = await aggregatorEvents();
      const again = events.some(
        (e) =>
          e.type === 'VerificationSent' && e.data['attempt'] === 2 && e.data['toBatch'] === batch.toString(),
      );
      return again && (await verifiedBatch()) >= batch;
    },
    90_000,
  );
  const events = await aggregatorEvents();
  const requestsAfter = events.filter(
    (e) =>
      e.type === 'ProofRequested' && e.data['kind'] === 'batch' && e.data['fromBatch'] === batch.toString(),
  ).length;
  assert.ok(requestsAfter > requestsBefore, `batch ${batch} was proven again`);
  assert.ok(
    events.some(
      (e) =>
        e.type === 'VerificationSent' && e.data['l1TxId'] === `proof-from-${batch}-to-${batch}-attempt-2`,
    ),
  );
  assert.is(await call<boolean>(l2Url, 'zkevm_isBlockConsolidated', [quantity(reorgBlock)]), true);
  // L1 agrees: the verification's receipt, read raw.
  const verifiedOnL1 = await call<{ status: string }>(l1Url, 'eth_getTransactionReceipt', [
    (await call<{ verifyBatchTxHash: string }>(l2Url, 'zkevm_getBatchByNumber', [quantity(batch), false]))
      .verifyBatchTxHash,
  ]);
  assert.is(verifiedOnL1.status, '0x1');
});

test('a reorg re-includes the confirmed verification tx in another L1 block: left to the synchronizer, not sent again', async () => {
  // A batch on L1 and confirmed, not yet proven (no prover): L1 as it is then is the reorg's target.
  prover!.child.kill('SIGKILL');
  await prover!.exited;
  const provider = new JsonRpcProvider(l2Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const wallet = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/9").connect(provider);
  const tx = await wallet.sendTransaction({ to: '0x000000000000000000000000000000000000bEEF', value: 6n });
  const receipt = await until('the receipt', () => provider.getTransactionReceipt(tx.hash));
  provider.destroy();
  const l2Block = BigInt(receipt.blockNumber);
  const batch = BigInt(await call<string>(l2Url, 'zkevm_batchNumberByBlockNumber', [quantity(l2Block)]));
  await until('its sequence confirmed on L1', async () => {
    const { rows } = await db!.query<{ status: string }>(
      'select status from lev_rm.l1_txs where id like $1',
      [`sequence-from-%-to-${batch}`],
    );
    return rows[0]?.status === 'confirmed';
  });
  const snapshot = await call<string>(l1Url, 'evm_snapshot');
  // The synchronizer's cursor past the snapshot, so that the reorg takes a block it stored and it records one (it
  // stores an empty stretch of L1 once the stretch is a chunk, 100 blocks, long).
  const snapshotHead = BigInt(await call<string>(l1Url, 'eth_blockNumber'));
  await call(l1Url, 'hardhat_mine', ['0x70']);
  await until('the synchronizer past the snapshot', async () => {
    const { rows } = await db!.query<{ n: string }>(
      "select data->>'number' as n from lev_es.events where stream_id = 'l1-sync' and type = 'L1BlockSynced' order by position desc limit 1",
    );
    return rows[0] !== undefined && BigInt(rows[0].n) > snapshotHead;
  });
  const reorgsBefore = (await db!.query('select position from lev_rm.l1_reorgs')).rows.length;

  // Without its synchronizer the node does not see the verification on L1 (as when the synchronizer lags): the
  // aggregator watches its confirmed verification tx with the batch not verified.
  await stopNode();
  await startNode('rpc,sequencer,sequence-sender,eth-tx-manager,aggregator');
  prover = startProver();
  await prover.ready('prover', 30_000);
  const id = await until(
    'the verification sent',
    async () =>
      (await aggregatorEvents()).find(
        (e) => e.type === 'VerificationSent' && e.data['toBatch'] === batch.toString(),
      )?.data['l1TxId'] as string | undefined,
    60_000,
  );
  const { mined, raw } = await confirmedWithBytes(id, 'the verification tx confirmed on L1');
  const oldHead = BigInt(await call<string>(l1Url, 'eth_blockNumber'));
  await new Promise((r) => setTimeout(r, 2000)); // aggregator rounds (1 s) see it confirmed in its block
  assert.ok((await verifiedBatch()) < batch);

  // The reorg: back to the snapshot, the same signed tx mined again at once, a branch longer than the old one.
  assert.ok(await call<boolean>(l1Url, 'evm_revert', [snapshot]));
  assert.is(await call<string>(l1Url, 'eth_sendRawTransaction', [raw]), mined.mined_hash);
  const head = BigInt(await call<string>(l1Url, 'eth_blockNumber'));
  await call(l1Url, 'hardhat_mine', [quantity(oldHead - head + 2n)]);
  const again = await call<{ status: string; blockHash: string }>(l1Url, 'eth_getTransactionReceipt', [
    mined.mined_hash,
  ]);
  assert.is(again.status, '0x1', 'the verification is on L1');
  assert.is.not(again.blockHash, mined.block_hash, 'in another block than the recorded one');
  // Aggregator rounds over several L1 blocks: its tx confirmed, in another block, the batch still not verified.
  await new Promise((r) => setTimeout(r, 4000));
  assert.ok((await verifiedBatch()) < batch);
  const failed = (await aggregatorEvents()).filter(
    (e) => e.type === 'ProofFailed' && e.data['toBatch'] === batch.toString(),
  );
  assert.equal(
    failed.map((e) => e.data['reason']),
    [],
    'the re-included verification is not failed',
  );

  // The synchronizer back: it records the reorg and the verification on the new branch.
  await stopNode();
  await startNode();
  await until(
    'the reorg recorded',
    async () => (await db!.query('select position from lev_rm.l1_reorgs')).rows.length > reorgsBefore,
  );
  await until('the batch verified', async () => (await verifiedBatch()) >= batch, 60_000);
  await new Promise((r) => setTimeout(r, 2000)); // a few aggregator rounds more
  const events = await aggregatorEvents();
  const forBatch = events.filter((e) => e.data['toBatch'] === batch.toString());
  assert.not.ok(
    forBatch.some((e) => e.type === 'ProofFailed'),
    forBatch.map((e) => `${e.type} ${JSON.stringify(e.data)}`).join('\n'),
  );
  assert.equal(
    forBatch.filter((e) => e.type === 'VerificationSent').map((e) => e.data['l1TxId']),
    [id],
  );
  const { rows } = await db!.query<{ id: string }>('select id from lev_rm.l1_txs where id like $1', [
    `proof-%-to-${batch}%`,
  ]);
  assert.equal(
    rows.map((r) => r.id),
    [id],
    'no other verification of the batch went to L1',
  );
  const verified = await call<{ verifyBatchTxHash: string | null }>(l2Url, 'zkevm_getBatchByNumber', [
    quantity(batch),
    false,
  ]);
  assert.is(verified.verifyBatchTxHash, mined.mined_hash);
  assert.is(await call<boolean>(l2Url, 'zkevm_isBlockConsolidated', [quantity(l2Block)]), true);
});

test('a reorg takes out a verification the node had synced, its tx mined again: watched, not proven and sent anew', async () => {
  const { l2Block, batch, snapshot } = await sequencedThenSnapshot(8n);
  // Verified, as the synchronizer recorded it, and the verification tx confirmed: the aggregator is done with it.
  await until('the batch verified', async () => (await verifiedBatch()) >= batch, 60_000);
  const id = (await aggregatorEvents()).find(
    (e) => e.type === 'VerificationSent' && e.data['toBatch'] === batch.toString(),
  )?.data['l1TxId'] as string;
  assert.ok(id);
  await call(l1Url, 'hardhat_mine', ['0x3']);
  const { mined, raw } = await confirmedWithBytes(id, 'the verification tx confirmed');
  await new Promise((r) => setTimeout(r, 2000)); // aggregator rounds: everything up to the batch settled
  const requested = async () =>
    (await aggregatorEvents()).filter(
      (e) => e.type === 'ProofRequested' && BigInt(String(e.data['toBatch'])) >= batch,
    ).length;
  const requestsBefore = await requested();
  const reorgsBefore = (await db!.query('select position from lev_rm.l1_reorgs')).rows.length;

  // The reorg: back to the snapshot (before the verification); the synchronizer records the batch unverified. No
  // L1 block is mined until the tx is mined again (interval mining off): within the blocks a reorged tx takes to
  // come back, the verification is not lost (actors/effects/lost-l1-tx.ts).
  await call(l1Url, 'evm_setIntervalMining', [0]);
  try {
    assert.ok(await call<boolean>(l1Url, 'evm_revert', [snapshot]));
    await until('the reorg recorded, naming the verification it undid', async () => {
      const { rows } = await db!.query<{ unverified: string[] }>(
        'select unverified from lev_rm.l1_reorgs order by position',
      );
      return rows.length > reorgsBefore && rows.some((r) => r.unverified.includes(batch.toString()));
    });
    assert.ok((await verifiedBatch()) < batch);
    await new Promise((r) => setTimeout(r, 3000)); // aggregator rounds with the batch no longer verified
    assert.is(
      await requested(),
      requestsBefore,
      'nothing proven again while its verification tx may come back',
    );
    // The same signed verification tx mined again (as L1 does with a reorged tx back in its pool).
    assert.is(await call<string>(l1Url, 'eth_sendRawTransaction', [raw]), mined.mined_hash);
  } finally {
    await call(l1Url, 'evm_setIntervalMining', [1000]);
  }
  await until('the batch verified again', async () => (await verifiedBatch()) >= batch, 60_000);
  await new Promise((r) => setTimeout(r, 2000)); // a few aggregator rounds more

  const forBatch = (await aggregatorEvents()).filter((e) => e.data['toBatch'] === batch.toString());
  assert.is(await requested(), requestsBefore, 'nothing proven again');
  assert.equal(
    forBatch.filter((e) => e.type === 'VerificationSent').map((e) => e.data['l1TxId']),
    [id],
    'no other verification sent',
  );
  const verified = await call<{ verifyBatchTxHash: string | null }>(l2Url, 'zkevm_getBatchByNumber', [
    quantity(batch),
    false,
  ]);
  assert.is(verified.verifyBatchTxHash, mined.mined_hash);
});

test('a prover that returns a wrong state root: refused before L1, reported once, not asked again', async () => {
  prover!.child.kill('SIGKILL');
  await prover!.exited;
  const key = devAccount(4).privateKey;
  const honest = createReferenceProver({ chainId: 1001n, forkId: 5n, key });
  const lie = `0x${'ee'.repeat(32)}` as Hash;
  liar = {
    prover: honest,
    server: await startProverServer({
      host: '127.0.0.1',
      port: proverPort,
      prover: {
        impl: {
          ...honest.impl,
          async getProof(req, ctx: HandlerContext) {
            const res = await honest.impl.getProof!(req, ctx);
            if (res.proof?.case !== 'recursiveProof') return res;
            const proof = fromProtoRecursiveProof(res.proof.value as RecursiveProof);
            const signed = signIntermediateProof({ ...proof.publicInputs, newStateRoot: lie }, key);
            return { ...res, proof: { case: 'recursiveProof', value: toProtoRecursiveProof(signed) } };
          },
        },
      },
    }),
  };
  const failedBefore = (await aggregatorEvents()).filter((e) => e.type === 'ProofFailed').length;
  const provider = new JsonRpcProvider(l2Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const wallet = HDNodeWallet.fromPhrase(MNEMONIC, undefined, "m/44'/60'/0'/0/7").connect(provider);
  const tx = await wallet.sendTransaction({ to: '0x000000000000000000000000000000000000bEEF', value: 9n });
  const receipt = await until('the receipt', () => provider.getTransactionReceipt(tx.hash));
  provider.destroy();
  const batch = BigInt(
    await call<string>(l2Url, 'zkevm_batchNumberByBlockNumber', [quantity(BigInt(receipt.blockNumber))]),
  );
  const refused = await until('the proof refused', async () => {
    const failed = (await aggregatorEvents()).filter((e) => e.type === 'ProofFailed').slice(failedBefore);
    return failed.length > 0 ? failed : null;
  });
  assert.is(refused.length, 1);
  assert.is(refused[0]!.data['cause'], 'unverifiable');
  assert.is(refused[0]!.data['field'], 'public_inputs.new_state_root');
  assert.is(refused[0]!.data['retryable'], false);
  assert.is(refused[0]!.data['fromBatch'], batch.toString());
  // Several aggregator rounds later: nothing more asked, nothing sent to L1.
  await new Promise((r) => setTimeout(r, 4000));
  const events = await aggregatorEvents();
  assert.is(events.filter((e) => e.type === 'ProofFailed').length, failedBefore + 1);
  const forBatch = events.filter(
    (e) => e.data['fromBatch'] === batch.toString() || e.data['toBatch'] === batch.toString(),
  );
  assert.equal(
    forBatch.map((e) => e.type),
    ['ProofRequested', 'ProofFailed'],
  );
  assert.ok((await verifiedBatch()) < batch);
  const { rows } = await db!.query('select id from lev_rm.l1_txs where id like $1', [
    `proof-from-%-to-${batch}%`,
  ]);
  assert.is(rows.length, 0, 'no verification of the batch went to L1');
  const lines = node!
    .output()
    .split('\n')
    .filter((l) => l.includes('proof unverifiable'));
  assert.is(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /new_state_root/);
});

test.run();
