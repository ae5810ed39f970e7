/**
 * The L1-tx read model: one `l1_txs` row per `l1tx-<id>` stream with its current status, live attempt, receipt
 * and outcome, and one `l1_tx_attempts` row per signed attempt. Pure function of events: times come from the
 * events (`metadata.at`, `sentAt`), nothing from the clock.
 */
import { assertNever } from '../../src/errors/index.ts';
import type { RecordedEvent } from '../../src/eventstore/types.ts';
import { L1TX_EVENT_TYPES, type L1TxEvent } from '../../src/streams/l1tx/index.ts';
import type { SqlClient } from '../db.ts';
import type { Projection } from '../runner.ts';

/** The projection's name: its checkpoint key (the eth-tx-manager reads it to start from the read model). */
export const L1TX_PROJECTION = 'l1tx';

async function apply(sql: SqlClient, e: RecordedEvent<L1TxEvent>): Promise<void> {
  const at = e.metadata.at;
  const pos = e.position.toString();
  switch (e.type) {
    case 'L1TxQueued': {
      const d = e.data;
      await sql.query(
        `insert into l1_txs (id, owner, status, from_addr, to_addr, data, value, gas_limit, queued_at, updated_at,
                             queued_position, position)
         values ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $8, $9, $9)
         on conflict (id) do nothing`,
        [d.id, d.owner, d.from, d.to, d.data, d.value, d.gasLimit, at, pos],
      );
      return;
    }
    case 'L1TxSent': {
      const d = e.data;
      await sql.query(
        `update l1_txs set status = 'sent', nonce = $2, gas_limit = $3, tx_type = $4, gas_price = $5,
                max_fee_per_gas = $6, max_priority_fee_per_gas = $7, attempts = $8, hashes = hashes || $9::text,
                tx_hash = $9, first_sent_at = coalesce(first_sent_at, $10), last_sent_at = $10, updated_at = $11,
                position = $12
          where id = $1`,
        [
          d.id,
          d.nonce,
          d.gasLimit,
          d.type,
          d.gasPrice,
          d.maxFeePerGas,
          d.maxPriorityFeePerGas,
          d.attempt,
          d.hash,
          d.sentAt,
          at,
          pos,
        ],
      );
      await sql.query(
        `insert into l1_tx_attempts (hash, id, attempt, reason, nonce, gas_limit, tx_type, gas_price, max_fee_per_gas,
                                     max_priority_fee_per_gas, sent_at, position)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         on conflict do nothing`,
        [
          d.hash,
          d.id,
          d.attempt,
          d.reason,
          d.nonce,
          d.gasLimit,
          d.type,
          d.gasPrice,
          d.maxFeePerGas,
          d.maxPriorityFeePerGas,
          d.sentAt,
          pos,
        ],
      );
      return;
    }
    case 'L1TxMined': {
      const d = e.data;
      await sql.query(
        `update l1_txs set status = 'mined', tx_hash = $2, mined_hash = $2, block_number = $3, block_hash = $4,
                receipt_status = $5, gas_used = $6, effective_gas_price = $7, updated_at = $8, position = $9
          where id = $1`,
        [d.id, d.hash, d.blockNumber, d.blockHash, d.status, d.gasUsed, d.effectiveGasPrice, at, pos],
      );
      return;
    }
    case 'L1TxReorged':
      await sql.query(
        `update l1_txs set status = 'sent', mined_hash = null, block_number = null, block_hash = null,
                receipt_status = null, gas_used = null, effective_gas_price = null, reorgs = reorgs + 1,
                updated_at = $2, position = $3
          where id = $1`,
        [e.data.id, at, pos],
      );
      return;
    case 'L1TxConfirmed':
      await sql.query(
        `update l1_txs set status = 'confirmed', confirmations = $2, updated_at = $3, position = $4 where id = $1`,
        [e.data.id, e.data.confirmations, at, pos],
      );
      return;
    case 'L1TxFailed':
      await sql.query(
        `update l1_txs set status = 'failed', failure_code = $2, failure_reason = $3, updated_at = $4, position = $5
          where id = $1`,
        [e.data.id, e.data.code, e.data.reason, at, pos],
      );
      return;
    default:
      assertNever(e, 'l1tx event');
  }
}

export const l1TxProjection: Projection = {
  name: L1TX_PROJECTION,
  canHandle: L1TX_EVENT_TYPES,
  async handle(sql: SqlClient, events: readonly RecordedEvent[]) {
    // A handful of events per L1 block: one statement (two for an attempt) per event, in log order.
    for (const e of events as readonly RecordedEvent<L1TxEvent>[]) await apply(sql, e);
  },
};
