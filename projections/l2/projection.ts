/**
 * The trusted-chain read models: `l2_blocks`, `l2_txs`, `l2_receipts`, `l2_logs` and `batches`, from the `l2`
 * stream. A `TrustedStateReset` deletes everything after the block and batch it keeps. Pure function of events.
 */
import type { RecordedEvent } from '../../src/eventstore/types.ts';
import { EMPTY_TRIE_ROOT, L2_BLOCK_GAS_LIMIT } from '../../src/l2/index.ts';
import type { L2BlockSealed, L2Event } from '../../src/streams/l2/index.ts';
import type { SqlClient } from '../db.ts';
import type { Projection } from '../runner.ts';
import { sealedContractAddress } from './recent-receipts.ts';

export const l2Projection: Projection = {
  name: 'l2',
  canHandle: ['L2GenesisCreated', 'BatchOpened', 'L2BlockSealed', 'BatchClosed', 'TrustedStateReset'],
  async handle(sql: SqlClient, events: readonly RecordedEvent[]) {
    // Consecutive sealed blocks are written with one statement per table.
    let sealed: RecordedEvent<L2BlockSealed>[] = [];
    const flush = async () => {
      if (sealed.length > 0) await insertBlocks(sql, sealed);
      sealed = [];
    };
    for (const e of events as readonly RecordedEvent<L2Event>[]) {
      if (e.type === 'L2BlockSealed') {
        sealed.push(e as RecordedEvent<L2BlockSealed>);
        continue;
      }
      await flush();
      switch (e.type) {
        case 'L2GenesisCreated': {
          const d = e.data;
          const zeroHash = `0x${'00'.repeat(32)}`;
          const zeroAddress = `0x${'00'.repeat(20)}`;
          await sql.query(
            `insert into l2_blocks (number, hash, parent_hash, batch_number, timestamp, coinbase, state_root,
                                    transactions_root, receipts_root, logs_bloom, gas_limit, gas_used, tx_hash, position)
             values (0, $1, $2, 0, $3, $4, $5, $6, $6, $7, $9, 0, null, $8) on conflict (number) do nothing`,
            [
              d.blockHash,
              zeroHash,
              d.timestamp,
              zeroAddress,
              d.stateRoot,
              EMPTY_TRIE_ROOT,
              `0x${'00'.repeat(256)}`,
              e.position.toString(),
              L2_BLOCK_GAS_LIMIT.toString(),
            ],
          );
          await sql.query(
            `insert into batches (number, closed, timestamp, coinbase, global_exit_root, old_state_root,
                                  old_acc_input_hash, state_root, acc_input_hash, batch_l2_data, first_block, last_block)
             values (0, true, $1, $2, $3, $4, $3, $4, $3, '0x', 0, 0) on conflict (number) do nothing`,
            [d.timestamp, zeroAddress, zeroHash, d.stateRoot],
          );
          break;
        }
        case 'BatchOpened': {
          const d = e.data;
          await sql.query(
            `insert into batches (number, timestamp, coinbase, global_exit_root, old_state_root, old_acc_input_hash,
                                  forced_batch_number, min_forced_timestamp)
             values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (number) do nothing`,
            [
              d.batchNumber,
              d.timestamp,
              d.coinbase,
              d.globalExitRoot,
              d.oldStateRoot,
              d.oldAccInputHash,
              d.forcedBatchNumber ?? null,
              d.minForcedTimestamp ?? null,
            ],
          );
          break;
        }
        case 'BatchClosed': {
          const d = e.data;
          await sql.query(
            `update batches set closed = true, close_reason = $2, state_root = $3, acc_input_hash = $4,
                    batch_l2_data = $5, first_block = $6, last_block = $7
              where number = $1`,
            [d.batchNumber, d.reason, d.stateRoot, d.accInputHash, d.batchL2Data, d.firstBlock, d.lastBlock],
          );
          break;
        }
        case 'TrustedStateReset': {
          const d = e.data;
          await sql.query('delete from l2_blocks where number > $1', [d.toBlock]);
          await sql.query('delete from batches where number > $1', [d.toBatch]);
          break;
        }
      }
    }
    await flush();
  },
};

async function insertBlocks(sql: SqlClient, events: readonly RecordedEvent<L2BlockSealed>[]): Promise<void> {
  const blocks = events.map(({ data: d, position }) => ({
    number: d.number,
    hash: d.hash,
    parent_hash: d.parentHash,
    batch_number: d.batchNumber,
    timestamp: d.timestamp,
    coinbase: d.coinbase,
    state_root: d.stateRoot,
    transactions_root: d.transactionsRoot,
    receipts_root: d.receiptsRoot,
    logs_bloom: d.logsBloom,
    gas_limit: d.gasLimit,
    gas_used: d.gasUsed,
    tx_hash: d.tx.hash,
    position: position.toString(),
  }));
  const txs = events.map(({ data: d }) => ({
    hash: d.tx.hash,
    block_number: d.number,
    block_hash: d.hash,
    tx_index: 0,
    from_addr: d.tx.from,
    nonce: d.tx.nonce,
    gas_price: d.tx.gasPrice,
    gas: d.tx.gas,
    to_addr: d.tx.to,
    value: d.tx.value,
    input: d.tx.data,
    chain_id: d.tx.chainId,
    v: d.tx.v,
    r: d.tx.r,
    s: d.tx.s,
    batch_blob: d.tx.batchBlob,
  }));
  const receipts = events.map(({ data: d }) => ({
    tx_hash: d.tx.hash,
    block_number: d.number,
    status: d.receipt.status,
    gas_used: d.receipt.gasUsed,
    cumulative_gas_used: d.receipt.cumulativeGasUsed,
    contract_address: sealedContractAddress(d),
    logs_bloom: d.receipt.logsBloom,
    effective_gas_price: d.receipt.effectiveGasPrice,
    root: d.stateRoot,
  }));
  const logs = events.flatMap(({ data: d }) =>
    d.receipt.logs.map((l, i) => ({
      block_number: d.number,
      log_index: i,
      block_hash: d.hash,
      tx_hash: d.tx.hash,
      tx_index: 0,
      address: l.address,
      topic0: l.topics[0] ?? null,
      topic1: l.topics[1] ?? null,
      topic2: l.topics[2] ?? null,
      topic3: l.topics[3] ?? null,
      data: l.data,
    })),
  );
  // One statement, one round trip: the four inserts as data-modifying CTEs (foreign keys are checked at the end of
  // the statement, when every block is in).
  const parts: { table: string; rows: readonly object[]; key: string }[] = [
    { table: 'l2_blocks', rows: blocks, key: 'number' },
    { table: 'l2_txs', rows: txs, key: 'hash' },
    { table: 'l2_receipts', rows: receipts, key: 'tx_hash' },
    ...(logs.length > 0 ? [{ table: 'l2_logs', rows: logs, key: 'block_number, log_index' }] : []),
  ];
  const inserts = parts.map(({ table, rows, key }, i) => {
    const columns = Object.keys(rows[0]!).join(', ');
    return `insert into ${table} (${columns})
      select ${columns} from json_populate_recordset(null::${table}, $${i + 1}::json)
      on conflict (${key}) do nothing`;
  });
  const last = inserts.pop()!;
  await sql.query(
    `${inserts.length > 0 ? `with ${inserts.map((q, i) => `i${i} as (${q})`).join(', ')} ` : ''}${last}`,
    parts.map((p) => JSON.stringify(p.rows)),
  );
}
