/** Queries of the L1 read models. Read-only; for the RPC read API and the tools. */
import type { SqlClient } from '../db.ts';

const big = (v: string | null | undefined): bigint | null => (v == null ? null : BigInt(v));

/** The highest virtual batch number (0: the genesis batch, also before anything was synced). */
export async function lastVirtualBatchNumber(sql: SqlClient): Promise<bigint> {
  const { rows } = await sql.query<{ n: string | null }>(
    'select max(batch_number)::text as n from virtual_batches',
  );
  return big(rows[0]?.n) ?? 0n;
}

/** The highest verified batch number (0: the genesis batch, also before anything was synced). */
export async function lastVerifiedBatchNumber(sql: SqlClient): Promise<bigint> {
  const { rows } = await sql.query<{ n: string | null }>(
    'select max(batch_number)::text as n from verified_batches',
  );
  return big(rows[0]?.n) ?? 0n;
}

/** Whether L2 block `number` exists and its batch is virtual (sequenced on L1, or the genesis). */
export async function isBlockVirtualized(sql: SqlClient, number: bigint): Promise<boolean> {
  const { rows } = await sql.query<{ ok: boolean }>(
    `select exists (select 1 from l2_blocks b join virtual_batches v on v.batch_number = b.batch_number
                     where b.number = $1) as ok`,
    [number.toString()],
  );
  return rows[0]?.ok === true;
}

/** Whether L2 block `number` exists and its batch is verified on L1 (or the genesis). */
export async function isBlockConsolidated(sql: SqlClient, number: bigint): Promise<boolean> {
  const { rows } = await sql.query<{ ok: boolean }>(
    `select exists (select 1 from l2_blocks b join verified_batches v on v.batch_number = b.batch_number
                     where b.number = $1) as ok`,
    [number.toString()],
  );
  return rows[0]?.ok === true;
}

/** The highest L2 block of a verified batch (block 0 once the genesis exists), or null before the genesis. */
export async function lastConsolidatedBlockNumber(sql: SqlClient): Promise<bigint | null> {
  const { rows } = await sql.query<{ n: string | null }>(
    `select max(b.number)::text as n from l2_blocks b join verified_batches v on v.batch_number = b.batch_number`,
  );
  return big(rows[0]?.n);
}

/** An L1 block the synchronizer stored. */
export type L1BlockRow = { number: bigint; hash: string; parentHash: string; timestamp: bigint };

const toL1Block = (r: {
  number: string;
  hash: string;
  parent_hash: string;
  timestamp: string;
}): L1BlockRow => ({
  number: BigInt(r.number),
  hash: r.hash,
  parentHash: r.parent_hash,
  timestamp: BigInt(r.timestamp),
});

/** The newest stored L1 block (the synchronizer's cursor), or null before the first. */
export async function latestL1Block(sql: SqlClient): Promise<L1BlockRow | null> {
  const { rows } = await sql.query<{ number: string; hash: string; parent_hash: string; timestamp: string }>(
    'select number::text, hash, parent_hash, timestamp::text from l1_blocks order by l1_blocks.number desc limit 1',
  );
  return rows[0] ? toL1Block(rows[0]) : null;
}

/** Stored L1 blocks numbered `from`..`to` (inclusive), in order. */
export async function getL1Blocks(sql: SqlClient, from: bigint, to: bigint): Promise<L1BlockRow[]> {
  const { rows } = await sql.query<{ number: string; hash: string; parent_hash: string; timestamp: string }>(
    `select number::text, hash, parent_hash, timestamp::text from l1_blocks
      where number between $1 and $2 order by l1_blocks.number`,
    [from.toString(), to.toString()],
  );
  return rows.map(toL1Block);
}

/** How a batch was virtualized. `l1BlockNumber` is null for the genesis batch. */
export type VirtualBatchRow = {
  batchNumber: bigint;
  l1BlockNumber: bigint | null;
  l1BlockHash: string | null;
  txHash: string;
  kind: 'sequence' | 'forced' | 'genesis';
  sequencer: string;
  coinbase: string;
  timestamp: bigint;
  globalExitRoot: string;
  batchHashData: string;
  accInputHash: string;
  forcedBatchNumber: bigint | null;
};

export async function getVirtualBatch(sql: SqlClient, batchNumber: bigint): Promise<VirtualBatchRow | null> {
  const { rows } = await sql.query<Record<string, string | null>>(
    `select batch_number::text, l1_block_number::text, l1_block_hash, tx_hash, kind, sequencer, coinbase,
            timestamp::text, global_exit_root, batch_hash_data, acc_input_hash, forced_batch_number::text
       from virtual_batches where batch_number = $1`,
    [batchNumber.toString()],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    batchNumber: BigInt(r['batch_number']!),
    l1BlockNumber: big(r['l1_block_number']),
    l1BlockHash: r['l1_block_hash'] ?? null,
    txHash: r['tx_hash']!,
    kind: r['kind'] as VirtualBatchRow['kind'],
    sequencer: r['sequencer']!,
    coinbase: r['coinbase']!,
    timestamp: BigInt(r['timestamp']!),
    globalExitRoot: r['global_exit_root']!,
    batchHashData: r['batch_hash_data']!,
    accInputHash: r['acc_input_hash']!,
    forcedBatchNumber: big(r['forced_batch_number']),
  };
}

/** How a batch was verified. `l1BlockNumber` is null for the genesis batch. */
export type VerifiedBatchRow = {
  batchNumber: bigint;
  l1BlockNumber: bigint | null;
  l1BlockHash: string | null;
  txHash: string;
  aggregator: string;
  /** The state root after `finalBatch`, the last batch the verification covered. */
  stateRoot: string;
  finalBatch: bigint;
};

export async function getVerifiedBatch(
  sql: SqlClient,
  batchNumber: bigint,
): Promise<VerifiedBatchRow | null> {
  const { rows } = await sql.query<Record<string, string | null>>(
    `select batch_number::text, l1_block_number::text, l1_block_hash, tx_hash, aggregator, state_root,
            final_batch::text
       from verified_batches where batch_number = $1`,
    [batchNumber.toString()],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    batchNumber: BigInt(r['batch_number']!),
    l1BlockNumber: big(r['l1_block_number']),
    l1BlockHash: r['l1_block_hash'] ?? null,
    txHash: r['tx_hash']!,
    aggregator: r['aggregator']!,
    stateRoot: r['state_root']!,
    finalBatch: BigInt(r['final_batch']!),
  };
}

/** A batch forced on L1; `batchNumber` is set once a sequence consumed it. */
export type ForcedBatchRow = {
  forcedBatchNumber: bigint;
  l1BlockNumber: bigint;
  txHash: string;
  globalExitRoot: string;
  sequencer: string;
  transactions: string;
  timestamp: bigint;
  batchNumber: bigint | null;
};

/** Forced batches in order; `pendingOnly`: those no sequence consumed yet. */
export async function listForcedBatches(
  sql: SqlClient,
  opts: { pendingOnly?: boolean } = {},
): Promise<ForcedBatchRow[]> {
  const { rows } = await sql.query<Record<string, string | null>>(
    `select forced_batch_number::text, l1_block_number::text, tx_hash, global_exit_root, sequencer, transactions,
            timestamp::text, batch_number::text
       from forced_batches ${opts.pendingOnly ? 'where batch_number is null' : ''}
      order by forced_batches.forced_batch_number`,
  );
  return rows.map((r) => ({
    forcedBatchNumber: BigInt(r['forced_batch_number']!),
    l1BlockNumber: BigInt(r['l1_block_number']!),
    txHash: r['tx_hash']!,
    globalExitRoot: r['global_exit_root']!,
    sequencer: r['sequencer']!,
    transactions: r['transactions']!,
    timestamp: BigInt(r['timestamp']!),
    batchNumber: big(r['batch_number']),
  }));
}

/** The L1 exit roots a global exit root is made of, with the L1 block that announced it. */
export type ExitRootsRow = {
  globalExitRoot: string;
  mainnetExitRoot: string;
  rollupExitRoot: string;
  l1BlockNumber: bigint;
  timestamp: bigint;
};

const toExitRoots = (r: Record<string, string>): ExitRootsRow => ({
  globalExitRoot: r['global_exit_root']!,
  mainnetExitRoot: r['mainnet_exit_root']!,
  rollupExitRoot: r['rollup_exit_root']!,
  l1BlockNumber: BigInt(r['l1_block_number']!),
  timestamp: BigInt(r['timestamp']!),
});

const EXIT_ROOT_COLUMNS =
  'global_exit_root, mainnet_exit_root, rollup_exit_root, l1_block_number::text, timestamp::text';

/** The exit roots of a global exit root (lowercase), or null when L1 never announced it. */
export async function getExitRoots(sql: SqlClient, globalExitRoot: string): Promise<ExitRootsRow | null> {
  const { rows } = await sql.query<Record<string, string>>(
    `select ${EXIT_ROOT_COLUMNS} from exit_roots where global_exit_root = $1`,
    [globalExitRoot],
  );
  return rows[0] ? toExitRoots(rows[0]) : null;
}

/** The newest global exit root L1 announced, or null. */
export async function latestExitRoots(sql: SqlClient): Promise<ExitRootsRow | null> {
  const { rows } = await sql.query<Record<string, string>>(
    `select ${EXIT_ROOT_COLUMNS} from exit_roots order by exit_roots.position desc limit 1`,
  );
  return rows[0] ? toExitRoots(rows[0]) : null;
}

/** An L1 reorg as the synchronizer recorded it. */
export type L1ReorgRow = {
  position: bigint;
  detectedAt: string;
  depth: bigint;
  commonAncestor: { number: bigint; hash: string };
  orphaned: { number: string; hash: string }[];
  unvirtualized: string[];
  unverified: string[];
  droppedForcedBatches: string[];
};

/** Recorded L1 reorgs, oldest first. */
export async function listL1Reorgs(sql: SqlClient): Promise<L1ReorgRow[]> {
  const { rows } = await sql.query<{
    position: string;
    detected_at: string;
    depth: string;
    common_ancestor_number: string;
    common_ancestor_hash: string;
    orphaned: { number: string; hash: string }[];
    unvirtualized: string[];
    unverified: string[];
    dropped_forced_batches: string[];
  }>(
    `select position::text, detected_at, depth::text, common_ancestor_number::text, common_ancestor_hash, orphaned,
            unvirtualized, unverified, dropped_forced_batches
       from l1_reorgs order by l1_reorgs.position`,
  );
  return rows.map((r) => ({
    position: BigInt(r.position),
    detectedAt: r.detected_at,
    depth: BigInt(r.depth),
    commonAncestor: { number: BigInt(r.common_ancestor_number), hash: r.common_ancestor_hash },
    orphaned: r.orphaned,
    unvirtualized: r.unvirtualized,
    unverified: r.unverified,
    droppedForcedBatches: r.dropped_forced_batches,
  }));
}

/** A divergence between L1 and the trusted chain. */
export type TrustedReorgRow = {
  position: bigint;
  detectedAt: string;
  batchNumber: bigint;
  field: string;
  trusted: string | null;
  l1: string;
  l1BlockNumber: bigint;
  txHash: string;
};

/** Recorded trusted-chain divergences, oldest first. */
export async function listTrustedReorgs(sql: SqlClient): Promise<TrustedReorgRow[]> {
  const { rows } = await sql.query<Record<string, string | null>>(
    `select position::text, detected_at, batch_number::text, field, trusted, l1, l1_block_number::text, tx_hash
       from trusted_reorgs order by trusted_reorgs.position`,
  );
  return rows.map((r) => ({
    position: BigInt(r['position']!),
    detectedAt: r['detected_at']!,
    batchNumber: BigInt(r['batch_number']!),
    field: r['field']!,
    trusted: r['trusted'] ?? null,
    l1: r['l1']!,
    l1BlockNumber: BigInt(r['l1_block_number']!),
    txHash: r['tx_hash']!,
  }));
}

/**
 * The last batch of the L1 sequence that virtualized `batchNumber` (batches sequenced by one L1 tx), or null when
 * the batch is not virtual. A verification must end at such a boundary: L1 stores accInputHash only there.
 */
export async function lastBatchOfSequence(sql: SqlClient, batchNumber: bigint): Promise<bigint | null> {
  const { rows } = await sql.query<{ n: string | null }>(
    `select max(v.batch_number)::text as n from virtual_batches v
      where v.tx_hash = (select tx_hash from virtual_batches where batch_number = $1)`,
    [batchNumber.toString()],
  );
  return big(rows[0]?.n);
}
