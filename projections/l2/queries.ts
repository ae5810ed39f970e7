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

/** The highest L2 block's number and hash, or null before the first block. */
export async function latestBlockId(sql: SqlClient): Promise<{ number: bigint; hash: string } | null> {
  const { rows } = await sql.query<{ number: string; hash: string }>(
    // `order by l2_blocks.number`: a bare `number` would name the text column of the select list.
    'select number::text as number, hash from l2_blocks order by l2_blocks.number desc limit 1',
  );
  return rows[0] ? { number: BigInt(rows[0].number), hash: rows[0].hash } : null;
}

/** The hashes of the blocks numbered `numbers` that exist now, by number. */
export async function getBlockHashes(
  sql: SqlClient,
  numbers: readonly bigint[],
): Promise<Map<bigint, string>> {
  const { rows } = await sql.query<{ number: string; hash: string }>(
    'select number::text as number, hash from l2_blocks where l2_blocks.number = any($1::bigint[])',
    [numbers.map(String)],
  );
  return new Map(rows.map((r) => [BigInt(r.number), r.hash]));
}

/** The numbers and hashes of the blocks numbered `from`..`to` (inclusive) that exist, in order. */
export async function getBlockIdsInRange(
  sql: SqlClient,
  from: bigint,
  to: bigint,
): Promise<{ number: bigint; hash: string }[]> {
  const { rows } = await sql.query<{ number: string; hash: string }>(
    `select number::text as number, hash from l2_blocks where l2_blocks.number between $1 and $2
      order by l2_blocks.number`,
    [from.toString(), to.toString()],
  );
  return rows.map((r) => ({ number: BigInt(r.number), hash: r.hash }));
}

/** The highest L2 block, or null before the first block. */
export async function getLatestBlock(sql: SqlClient): Promise<BlockRow | null> {
  const { rows } = await sql.query<RawBlock>(
    `select ${BLOCK_COLUMNS} from l2_blocks order by l2_blocks.number desc limit 1`,
  );
  return rows[0] ? toBlock(rows[0]) : null;
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
  /** The L1 tx that sequenced the batch (virtual), when known. */
  sequenceTxHash: string | null;
  /** The L1 tx that verified the batch, when known. */
  verifyTxHash: string | null;
  /** For a batch forced on L1: its forced batch number and minForcedTimestamp; null otherwise. */
  forcedBatchNumber: bigint | null;
  minForcedTimestamp: bigint | null;
};

/**
 * The global exit root of the newest trusted batch that carries one (not zero), or null: the last one the L2 used
 * (the reference's `GetLatestBatchGlobalExitRoot`).
 */
export async function latestBatchGlobalExitRoot(sql: SqlClient): Promise<string | null> {
  const { rows } = await sql.query<{ global_exit_root: string }>(
    `select global_exit_root from batches where global_exit_root <> $1 order by number desc limit 1`,
    [`0x${'00'.repeat(32)}`],
  );
  return rows[0]?.global_exit_root ?? null;
}

export async function getBatch(sql: SqlClient, number: bigint): Promise<BatchRow | null> {
  const { rows } = await sql.query<Record<string, string | boolean | null>>(
    `select number::text, status, closed, close_reason, timestamp::text, coinbase, global_exit_root, state_root,
            acc_input_hash, batch_l2_data, first_block::text, last_block::text, sequence_tx_hash, verify_tx_hash,
            forced_batch_number::text, min_forced_timestamp::text
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
    sequenceTxHash: r['sequence_tx_hash'] as string | null,
    verifyTxHash: r['verify_tx_hash'] as string | null,
    forcedBatchNumber: big(r['forced_batch_number']),
    minForcedTimestamp: big(r['min_forced_timestamp']),
  };
}

//////// Transactions, receipts and logs (for the RPC read API)

/** A mined tx with where it is. Hashes, addresses and data are lowercase 0x-hex; `to` is null for a creation. */
export type TxRow = {
  hash: string;
  blockNumber: bigint;
  blockHash: string;
  blockTimestamp: bigint;
  index: number;
  from: string;
  nonce: bigint;
  gasPrice: bigint;
  gas: bigint;
  to: string | null;
  value: bigint;
  input: string;
  /** 0 for a pre-EIP-155 tx. */
  chainId: bigint;
  v: bigint;
  r: string;
  s: string;
  /** The tx's blob in its batch's batchL2Data. */
  batchBlob: string;
};

const TX_SELECT = `select t.hash, t.block_number::text, t.block_hash, b.timestamp::text as block_timestamp, t.tx_index,
         t.from_addr, t.nonce::text, t.gas_price::text, t.gas::text, t.to_addr, t.value::text, t.input,
         t.chain_id::text, t.v::text, t.r, t.s, t.batch_blob
    from l2_txs t join l2_blocks b on b.number = t.block_number`;

type RawTx = Record<
  | 'hash'
  | 'block_number'
  | 'block_hash'
  | 'block_timestamp'
  | 'from_addr'
  | 'nonce'
  | 'gas_price'
  | 'gas'
  | 'value'
  | 'input'
  | 'chain_id'
  | 'v'
  | 'r'
  | 's'
  | 'batch_blob',
  string
> & { tx_index: number; to_addr: string | null };

const toTx = (r: RawTx): TxRow => ({
  hash: r.hash,
  blockNumber: BigInt(r.block_number),
  blockHash: r.block_hash,
  blockTimestamp: BigInt(r.block_timestamp),
  index: r.tx_index,
  from: r.from_addr,
  nonce: BigInt(r.nonce),
  gasPrice: BigInt(r.gas_price),
  gas: BigInt(r.gas),
  to: r.to_addr,
  value: BigInt(r.value),
  input: r.input,
  chainId: BigInt(r.chain_id),
  v: BigInt(r.v),
  r: r.r,
  s: r.s,
  batchBlob: r.batch_blob,
});

/** A mined tx by hash (lowercase), or null. */
export async function getTxByHash(sql: SqlClient, hash: string): Promise<TxRow | null> {
  const { rows } = await sql.query<RawTx>(`${TX_SELECT} where t.hash = $1`, [hash]);
  return rows[0] ? toTx(rows[0]) : null;
}

/** The txs of a block, in block order. */
export async function getTxsOfBlock(
  sql: SqlClient,
  blockNumber: bigint,
  /** Only if the block at that number is still this one (none otherwise). */
  blockHash?: string,
): Promise<TxRow[]> {
  const { rows } =
    blockHash === undefined
      ? await sql.query<RawTx>(`${TX_SELECT} where t.block_number = $1 order by t.tx_index`, [
          blockNumber.toString(),
        ])
      : await sql.query<RawTx>(
          `${TX_SELECT} where t.block_number = $1 and t.block_hash = $2 order by t.tx_index`,
          [blockNumber.toString(), blockHash],
        );
  return rows.map(toTx);
}

/** The txs of a batch, in chain order. */
export async function getTxsOfBatch(sql: SqlClient, batchNumber: bigint): Promise<TxRow[]> {
  const { rows } = await sql.query<RawTx>(
    `${TX_SELECT} where b.batch_number = $1 order by t.block_number, t.tx_index`,
    [batchNumber.toString()],
  );
  return rows.map(toTx);
}

/** A log as stored, with its block's timestamp. */
export type LogRow = {
  blockNumber: bigint;
  blockHash: string;
  blockTimestamp: bigint;
  txHash: string;
  txIndex: number;
  /** Position of the log in its block. */
  logIndex: number;
  address: string;
  topics: string[];
  data: string;
};

/** A receipt with its tx's sender, recipient and position, and its logs in order. */
export type ReceiptRow = {
  txHash: string;
  txIndex: number;
  blockNumber: bigint;
  blockHash: string;
  from: string;
  to: string | null;
  status: 0 | 1;
  gasUsed: bigint;
  cumulativeGasUsed: bigint;
  contractAddress: string | null;
  logsBloom: string;
  effectiveGasPrice: bigint;
  /** The post-state root (the reference's receipt `root`). */
  root: string;
  logs: LogRow[];
};

type RawLog = {
  log_index: number;
  tx_index: number;
  address: string;
  topics: (string | null)[];
  data: string;
};

type RawReceipt = Record<
  | 'tx_hash'
  | 'block_number'
  | 'block_hash'
  | 'block_timestamp'
  | 'from_addr'
  | 'gas_used'
  | 'cumulative_gas_used'
  | 'logs_bloom'
  | 'effective_gas_price'
  | 'root',
  string
> & {
  tx_index: number;
  to_addr: string | null;
  status: number;
  contract_address: string | null;
  logs: RawLog[];
};

/** Receipts with their tx's fields and logs; `where` and `order` complete the statement. */
const RECEIPT_SELECT = `select r.tx_hash, r.block_number::text, t.block_hash, b.timestamp::text as block_timestamp, t.tx_index,
            t.from_addr, t.to_addr, r.status, r.gas_used::text, r.cumulative_gas_used::text, r.contract_address,
            r.logs_bloom, r.effective_gas_price::text, r.root,
            coalesce((select json_agg(json_build_object('log_index', l.log_index, 'tx_index', l.tx_index,
                                        'address', l.address,
                                        'topics', json_build_array(l.topic0, l.topic1, l.topic2, l.topic3),
                                        'data', l.data) order by l.log_index)
                        from l2_logs l where l.block_number = r.block_number and l.tx_hash = r.tx_hash),
                     '[]'::json) as logs
       from l2_receipts r
       join l2_txs t on t.hash = r.tx_hash
       join l2_blocks b on b.number = r.block_number`;

function toReceipt(r: RawReceipt): ReceiptRow {
  const blockNumber = BigInt(r.block_number);
  const blockTimestamp = BigInt(r.block_timestamp);
  return {
    txHash: r.tx_hash,
    txIndex: r.tx_index,
    blockNumber,
    blockHash: r.block_hash,
    from: r.from_addr,
    to: r.to_addr,
    status: r.status === 1 ? 1 : 0,
    gasUsed: BigInt(r.gas_used),
    cumulativeGasUsed: BigInt(r.cumulative_gas_used),
    contractAddress: r.contract_address,
    logsBloom: r.logs_bloom,
    effectiveGasPrice: BigInt(r.effective_gas_price),
    root: r.root,
    logs: r.logs.map((l) => ({
      blockNumber,
      blockHash: r.block_hash,
      blockTimestamp,
      txHash: r.tx_hash,
      txIndex: l.tx_index,
      logIndex: l.log_index,
      address: l.address,
      topics: l.topics.filter((t): t is string => t !== null),
      data: l.data,
    })),
  };
}

/** The receipt of a mined tx (lowercase hash), or null. One statement, so tx, receipt and logs agree. */
export async function getReceipt(sql: SqlClient, txHash: string): Promise<ReceiptRow | null> {
  const { rows } = await sql.query<RawReceipt>(`${RECEIPT_SELECT} where r.tx_hash = $1`, [txHash]);
  return rows[0] ? toReceipt(rows[0]) : null;
}

/** The receipts of a batch's txs, in chain order (as {@link getTxsOfBatch}). One statement. */
export async function getReceiptsOfBatch(sql: SqlClient, batchNumber: bigint): Promise<ReceiptRow[]> {
  const { rows } = await sql.query<RawReceipt>(
    `${RECEIPT_SELECT} where b.batch_number = $1 order by r.block_number, t.tx_index`,
    [batchNumber.toString()],
  );
  return rows.map(toReceipt);
}

//////// Ranges and tags

/** The blocks of a batch, in order. */
export async function getBlocksOfBatch(sql: SqlClient, batchNumber: bigint): Promise<BlockRow[]> {
  const { rows } = await sql.query<RawBlock>(
    `select ${BLOCK_COLUMNS} from l2_blocks where batch_number = $1 order by l2_blocks.number`,
    [batchNumber.toString()],
  );
  return rows.map(toBlock);
}

/** State roots of the blocks numbered `from`..`to` (inclusive) that exist, in order. */
export async function getStateRootsInRange(sql: SqlClient, from: bigint, to: bigint): Promise<string[]> {
  const { rows } = await sql.query<{ state_root: string }>(
    'select state_root from l2_blocks where number between $1 and $2 order by number',
    [from.toString(), to.toString()],
  );
  return rows.map((r) => r.state_root);
}

/** The highest L2 block of a batch with status `verified`, or null when no batch is verified. */
export async function latestVerifiedBlockNumber(sql: SqlClient): Promise<bigint | null> {
  const { rows } = await sql.query<{ n: string | null }>(
    `select max(last_block)::text as n from batches where status = 'verified'`,
  );
  return rows[0]?.n == null ? null : BigInt(rows[0].n);
}

/**
 * The highest batch number among: every batch including the open one (`any`), closed batches (`closed`), batches
 * sequenced on L1 (`virtual`: status virtual or verified), verified batches (`verified`). Null when none.
 */
export async function latestBatchNumber(
  sql: SqlClient,
  which: 'any' | 'closed' | 'virtual' | 'verified',
): Promise<bigint | null> {
  const where = {
    any: 'true',
    closed: 'closed',
    virtual: `status in ('virtual', 'verified')`,
    verified: `status = 'verified'`,
  }[which];
  const { rows } = await sql.query<{ n: string | null }>(
    `select max(number)::text as n from batches where ${where}`,
  );
  return rows[0]?.n == null ? null : BigInt(rows[0].n);
}

//////// Logs by filter (eth_getLogs, filters, subscriptions)

/** Which blocks a log query covers: a number range (inclusive) or one block by hash (lowercase). */
export type LogBlocks = { fromBlock: bigint; toBlock: bigint } | { blockHash: string };

/**
 * A log query: the blocks, the emitting addresses (empty = any) and positional topic alternatives (`null` or an
 * empty list = any topic at that position; at most 4 positions, lowercase 0x-hex).
 */
export type LogQuery = {
  blocks: LogBlocks;
  addresses: readonly string[];
  topics: readonly (readonly string[] | null)[];
  /** Most rows returned. */
  limit: number;
};

/**
 * The logs matching `q` in (block number, log index) order, at most `q.limit` of them. One statement over
 * `l2_logs` (indexes on (address, block_number) and (topic0, block_number)).
 */
export async function getLogs(sql: SqlClient, q: LogQuery): Promise<LogRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if ('blockHash' in q.blocks) where.push(`l.block_hash = ${param(q.blocks.blockHash)}`);
  else
    where.push(
      `l.block_number between ${param(q.blocks.fromBlock.toString())} and ${param(q.blocks.toBlock.toString())}`,
    );
  if (q.addresses.length > 0) where.push(`l.address = any(${param(q.addresses)}::text[])`);
  q.topics.forEach((alternatives, i) => {
    if (alternatives && alternatives.length > 0)
      where.push(`l.topic${i} = any(${param(alternatives)}::text[])`);
  });
  const { rows } = await sql.query<
    Record<'block_number' | 'block_hash' | 'block_timestamp' | 'tx_hash' | 'address' | 'data', string> & {
      tx_index: number;
      log_index: number;
      topic0: string | null;
      topic1: string | null;
      topic2: string | null;
      topic3: string | null;
    }
  >(
    `select l.block_number::text, l.block_hash, b.timestamp::text as block_timestamp, l.tx_hash, l.tx_index,
            l.log_index, l.address, l.topic0, l.topic1, l.topic2, l.topic3, l.data
       from l2_logs l join l2_blocks b on b.number = l.block_number
      where ${where.join(' and ')}
      order by l.block_number, l.log_index
      limit ${param(q.limit)}`,
    params,
  );
  return rows.map((r) => ({
    blockNumber: BigInt(r.block_number),
    blockHash: r.block_hash,
    blockTimestamp: BigInt(r.block_timestamp),
    txHash: r.tx_hash,
    txIndex: r.tx_index,
    logIndex: r.log_index,
    address: r.address,
    topics: [r.topic0, r.topic1, r.topic2, r.topic3].filter((t): t is string => t !== null),
    data: r.data,
  }));
}

/** The blocks numbered `from`..`to` (inclusive) that exist, in order. */
export async function getBlocksInRange(sql: SqlClient, from: bigint, to: bigint): Promise<BlockRow[]> {
  const { rows } = await sql.query<RawBlock>(
    `select ${BLOCK_COLUMNS} from l2_blocks where number between $1 and $2 order by l2_blocks.number`,
    [from.toString(), to.toString()],
  );
  return rows.map(toBlock);
}
