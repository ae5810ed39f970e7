/** Queries of the trusted-chain read models. Read-only; for the RPC read API and the tools. */
import type { SqlClient } from '../db.ts';

export type BlockRow = {
  number: bigint;
  hash: string;
  parentHash: string;
  batchNumber: bigint;
  timestamp: bigint;
  coinbase: string;
  stateRoot: string;
  transactionsRoot: string;
  receiptsRoot: string;
  logsBloom: string;
  gasLimit: bigint;
  gasUsed: bigint;
  /** Null for block 0. */
  txHash: string | null;
};

const BLOCK_COLUMNS = `number::text, hash, parent_hash, batch_number::text, timestamp::text, coinbase, state_root,
  transactions_root, receipts_root, logs_bloom, gas_limit::text, gas_used::text, tx_hash`;

type RawBlock = Record<
  | 'number'
  | 'hash'
  | 'parent_hash'
  | 'batch_number'
  | 'timestamp'
  | 'coinbase'
  | 'state_root'
  | 'transactions_root'
  | 'receipts_root'
  | 'logs_bloom'
  | 'gas_limit'
  | 'gas_used'
  | 'tx_hash',
  string
> & { tx_hash: string | null };

const toBlock = (r: RawBlock): BlockRow => ({
  number: BigInt(r.number),
  hash: r.hash,
  parentHash: r.parent_hash,
  batchNumber: BigInt(r.batch_number),
  timestamp: BigInt(r.timestamp),
  coinbase: r.coinbase,
  stateRoot: r.state_root,
  transactionsRoot: r.transactions_root,
  receiptsRoot: r.receipts_root,
  logsBloom: r.logs_bloom,
  gasLimit: BigInt(r.gas_limit),
  gasUsed: BigInt(r.gas_used),
  txHash: r.tx_hash,
});

/** The highest L2 block number, or null before the first block. */
export async function latestBlockNumber(sql: SqlClient): Promise<bigint | null> {
  const { rows } = await sql.query<{ n: string | null }>('select max(number)::text as n from l2_blocks');
  return rows[0]?.n == null ? null : BigInt(rows[0].n);
}

export async function getBlockByNumber(sql: SqlClient, number: bigint): Promise<BlockRow | null> {
  const { rows } = await sql.query<RawBlock>(`select ${BLOCK_COLUMNS} from l2_blocks where number = $1`, [
    number.toString(),
  ]);
  return rows[0] ? toBlock(rows[0]) : null;
}

export async function getBlockByHash(sql: SqlClient, hash: string): Promise<BlockRow | null> {
  const { rows } = await sql.query<RawBlock>(`select ${BLOCK_COLUMNS} from l2_blocks where hash = $1`, [
    hash,
  ]);
  return rows[0] ? toBlock(rows[0]) : null;
}

export type BatchRow = {
  number: bigint;
  status: 'trusted' | 'virtual' | 'verified';
  closed: boolean;
  closeReason: string | null;
  timestamp: bigint;
  coinbase: string;
  globalExitRoot: string;
  stateRoot: string | null;
  accInputHash: string | null;
  batchL2Data: string | null;
  firstBlock: bigint | null;
  lastBlock: bigint | null;
};

export async function getBatch(sql: SqlClient, number: bigint): Promise<BatchRow | null> {
  const { rows } = await sql.query<Record<string, string | boolean | null>>(
    `select number::text, status, closed, close_reason, timestamp::text, coinbase, global_exit_root, state_root,
            acc_input_hash, batch_l2_data, first_block::text, last_block::text
       from batches where number = $1`,
    [number.toString()],
  );
  const r = rows[0];
  if (!r) return null;
  const big = (v: unknown) => (v == null ? null : BigInt(v as string));
  return {
    number: BigInt(r['number'] as string),
    status: r['status'] as BatchRow['status'],
    closed: r['closed'] as boolean,
    closeReason: r['close_reason'] as string | null,
    timestamp: BigInt(r['timestamp'] as string),
    coinbase: r['coinbase'] as string,
    globalExitRoot: r['global_exit_root'] as string,
    stateRoot: r['state_root'] as string | null,
    accInputHash: r['acc_input_hash'] as string | null,
    batchL2Data: r['batch_l2_data'] as string | null,
    firstBlock: big(r['first_block']),
    lastBlock: big(r['last_block']),
  };
}
