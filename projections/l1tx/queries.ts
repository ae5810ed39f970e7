/** Queries of the L1-tx read model. Read-only. */
import { withTransaction } from '../../src/db/index.ts';
import type { GlobalPosition } from '../../src/eventstore/types.ts';
import type { ReadModelDb, SqlClient } from '../db.ts';
import { L1TX_PROJECTION } from './projection.ts';

export type L1TxStatus = 'queued' | 'sent' | 'mined' | 'confirmed' | 'failed';

export type L1TxRow = {
  id: string;
  owner: string | null;
  status: L1TxStatus;
  from: string;
  to: string | null;
  data: string;
  value: bigint;
  gasLimit: bigint | null;
  nonce: bigint | null;
  txType: 'legacy' | 'eip1559' | null;
  gasPrice: bigint | null;
  maxFeePerGas: bigint | null;
  maxPriorityFeePerGas: bigint | null;
  attempts: number;
  /** Every attempt's hash, in order. */
  hashes: string[];
  /** The live attempt's hash, or the mined one. */
  txHash: string | null;
  minedHash: string | null;
  blockNumber: bigint | null;
  blockHash: string | null;
  receiptStatus: 'success' | 'reverted' | null;
  gasUsed: bigint | null;
  effectiveGasPrice: bigint | null;
  confirmations: number | null;
  reorgs: number;
  failureCode: string | null;
  failureReason: string | null;
  queuedAt: Date;
  firstSentAt: Date | null;
  lastSentAt: Date | null;
  updatedAt: Date;
};

export type L1TxAttemptRow = {
  hash: string;
  id: string;
  attempt: number;
  reason: 'initial' | 'bump' | 'resign';
  nonce: bigint;
  gasLimit: bigint;
  txType: 'legacy' | 'eip1559';
  gasPrice: bigint | null;
  maxFeePerGas: bigint | null;
  maxPriorityFeePerGas: bigint | null;
  sentAt: Date;
};

const big = (v: string | null): bigint | null => (v === null ? null : BigInt(v));

const COLUMNS = `id, owner, status, from_addr, to_addr, data, value::text, gas_limit::text, nonce::text, tx_type,
  gas_price::text, max_fee_per_gas::text, max_priority_fee_per_gas::text, attempts, hashes, tx_hash, mined_hash,
  block_number::text, block_hash, receipt_status, gas_used::text, effective_gas_price::text, confirmations, reorgs,
  failure_code, failure_reason, queued_at, first_sent_at, last_sent_at, updated_at`;

type Raw = {
  id: string;
  owner: string | null;
  status: L1TxStatus;
  from_addr: string;
  to_addr: string | null;
  data: string;
  value: string;
  gas_limit: string | null;
  nonce: string | null;
  tx_type: 'legacy' | 'eip1559' | null;
  gas_price: string | null;
  max_fee_per_gas: string | null;
  max_priority_fee_per_gas: string | null;
  attempts: number;
  hashes: string[];
  tx_hash: string | null;
  mined_hash: string | null;
  block_number: string | null;
  block_hash: string | null;
  receipt_status: 'success' | 'reverted' | null;
  gas_used: string | null;
  effective_gas_price: string | null;
  confirmations: number | null;
  reorgs: number;
  failure_code: string | null;
  failure_reason: string | null;
  queued_at: Date;
  first_sent_at: Date | null;
  last_sent_at: Date | null;
  updated_at: Date;
};

const toRow = (r: Raw): L1TxRow => ({
  id: r.id,
  owner: r.owner,
  status: r.status,
  from: r.from_addr,
  to: r.to_addr,
  data: r.data,
  value: BigInt(r.value),
  gasLimit: big(r.gas_limit),
  nonce: big(r.nonce),
  txType: r.tx_type,
  gasPrice: big(r.gas_price),
  maxFeePerGas: big(r.max_fee_per_gas),
  maxPriorityFeePerGas: big(r.max_priority_fee_per_gas),
  attempts: r.attempts,
  hashes: r.hashes,
  txHash: r.tx_hash,
  minedHash: r.mined_hash,
  blockNumber: big(r.block_number),
  blockHash: r.block_hash,
  receiptStatus: r.receipt_status,
  gasUsed: big(r.gas_used),
  effectiveGasPrice: big(r.effective_gas_price),
  confirmations: r.confirmations,
  reorgs: r.reorgs,
  failureCode: r.failure_code,
  failureReason: r.failure_reason,
  queuedAt: r.queued_at,
  firstSentAt: r.first_sent_at,
  lastSentAt: r.last_sent_at,
  updatedAt: r.updated_at,
});

/** One L1 tx by the id its owner chose, or null. */
export async function getL1Tx(sql: SqlClient, id: string): Promise<L1TxRow | null> {
  const { rows } = await sql.query<Raw>(`select ${COLUMNS} from l1_txs where id = $1`, [id]);
  return rows[0] ? toRow(rows[0]) : null;
}

/** The L1 tx one of whose attempts has `hash`, or null. */
export async function getL1TxByHash(sql: SqlClient, hash: string): Promise<L1TxRow | null> {
  const { rows } = await sql.query<Raw>(
    `select ${COLUMNS} from l1_txs where id = (select id from l1_tx_attempts where hash = $1)`,
    [hash.toLowerCase()],
  );
  return rows[0] ? toRow(rows[0]) : null;
}

/** L1 txs in queue order, optionally only some statuses or one owner. */
export async function listL1Txs(
  sql: SqlClient,
  opts: { status?: readonly L1TxStatus[]; owner?: string; limit?: number } = {},
): Promise<L1TxRow[]> {
  const { rows } = await sql.query<Raw>(
    `select ${COLUMNS} from l1_txs
      where ($1::text[] is null or status = any($1)) and ($2::text is null or owner = $2)
      order by queued_position limit $3`,
    [opts.status ?? null, opts.owner ?? null, opts.limit ?? 1000],
  );
  return rows.map(toRow);
}

/** Every signed attempt of one L1 tx, in order. */
export async function getL1TxAttempts(sql: SqlClient, id: string): Promise<L1TxAttemptRow[]> {
  const { rows } = await sql.query<{
    hash: string;
    id: string;
    attempt: number;
    reason: L1TxAttemptRow['reason'];
    nonce: string;
    gas_limit: string;
    tx_type: L1TxAttemptRow['txType'];
    gas_price: string | null;
    max_fee_per_gas: string | null;
    max_priority_fee_per_gas: string | null;
    sent_at: Date;
  }>(
    `select hash, id, attempt, reason, nonce::text, gas_limit::text, tx_type, gas_price::text, max_fee_per_gas::text,
            max_priority_fee_per_gas::text, sent_at
       from l1_tx_attempts where id = $1 order by attempt`,
    [id],
  );
  return rows.map((r) => ({
    hash: r.hash,
    id: r.id,
    attempt: r.attempt,
    reason: r.reason,
    nonce: BigInt(r.nonce),
    gasLimit: BigInt(r.gas_limit),
    txType: r.tx_type,
    gasPrice: big(r.gas_price),
    maxFeePerGas: big(r.max_fee_per_gas),
    maxPriorityFeePerGas: big(r.max_priority_fee_per_gas),
    sentAt: r.sent_at,
  }));
}

/** What the eth-tx-manager starts from: see {@link readL1TxSnapshot}. */
export type L1TxSnapshot = {
  /** The log position the rows reflect (the projection's checkpoint). */
  position: GlobalPosition;
  /** Ids of the txs still open (queued, sent or mined), in queue order. */
  openIds: string[];
  /** Per sender, the highest nonce of its txs that were mined and are final (confirmed, or failed reverted). */
  finalNonces: Map<string, bigint>;
};

/**
 * The open L1 txs and the final nonces per sender at the position of the log the read model reflects (the
 * projection's checkpoint), read in one snapshot: every `l1tx-*` event at or before `position` is in the rows,
 * none after it. Null when the read model does not exist yet (no migration ran).
 */
export async function readL1TxSnapshot(db: ReadModelDb): Promise<L1TxSnapshot | null> {
  try {
    return await withTransaction(
      db.pool,
      async (client) => {
        const cp = await client.query<{ position: string }>(
          'select position::text from checkpoints where name = $1',
          [L1TX_PROJECTION],
        );
        const open = await client.query<{ id: string }>(
          `select id from l1_txs where status in ('queued', 'sent', 'mined') order by queued_position`,
        );
        const final = await client.query<{ from_addr: string; nonce: string }>(
          `select from_addr, max(nonce)::text as nonce from l1_txs
            where status = 'confirmed' or (status = 'failed' and block_number is not null)
            group by from_addr`,
        );
        return {
          position: BigInt(cp.rows[0]?.position ?? '0'),
          openIds: open.rows.map((r) => r.id),
          finalNonces: new Map(final.rows.map((r) => [r.from_addr, BigInt(r.nonce)])),
        };
      },
      'isolation level repeatable read read only',
    );
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return null; // undefined_table: not migrated yet
    throw err;
  }
}
