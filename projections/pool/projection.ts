/**
 * The pool read model: one row per tx the pool accepted (`tx-<hash>` streams), with its current status.
 * Pure function of events: every write is derived from event data and positions.
 */
import type { RecordedEvent } from '../../src/eventstore/types.ts';
import type { L2BlockSealed } from '../../src/streams/l2/index.ts';
import type { TxEvent } from '../../src/streams/tx/index.ts';
import type { SqlClient } from '../db.ts';
import type { Projection } from '../runner.ts';

const STATUS_BY_TYPE = {
  TxReplaced: 'replaced',
  TxIncluded: 'included',
  TxFailed: 'failed',
  TxInvalidated: 'invalidated',
} as const;

export const poolProjection: Projection = {
  name: 'pool',
  // L2BlockSealed too: a tx the sequencer sealed leaves the pending set even if its TxIncluded is not yet appended.
  canHandle: ['TxReceived', 'TxReplaced', 'TxIncluded', 'TxFailed', 'TxInvalidated', 'L2BlockSealed'],
  async handle(sql: SqlClient, events: readonly RecordedEvent[]) {
    // Consecutive TxReceived events go in one multi-row INSERT; status changes apply in log order between them.
    let received: object[] = [];
    const flush = async () => {
      if (received.length === 0) return;
      await sql.query(
        `insert into pool_txs (hash, from_addr, nonce, gas_price, gas, to_addr, value, input, chain_id, v, r, s, raw, ip,
                               status, received_at, position)
         select hash, from_addr, nonce, gas_price, gas, to_addr, value, input, chain_id, v, r, s, raw, ip,
                'pending', received_at, position
           from json_to_recordset($1::json) as x(hash text, from_addr text, nonce numeric, gas_price numeric,
                gas numeric, to_addr text, value numeric, input text, chain_id numeric, v numeric, r text, s text,
                raw text, ip text, received_at timestamptz, position bigint)
         on conflict (hash) do nothing`,
        [JSON.stringify(received)],
      );
      received = [];
    };
    for (const e of events as readonly RecordedEvent<TxEvent | L2BlockSealed>[]) {
      if (e.type === 'L2BlockSealed') {
        await flush();
        await sql.query(`update pool_txs set status = 'included' where hash = $1 and status = 'pending'`, [
          e.data.tx.hash,
        ]);
        continue;
      }
      if (e.type === 'TxReceived') {
        const d = e.data;
        received.push({
          hash: d.hash,
          from_addr: d.from,
          nonce: d.nonce,
          gas_price: d.gasPrice,
          gas: d.gas,
          to_addr: d.to,
          value: d.value,
          input: d.data,
          chain_id: d.chainId,
          v: d.v,
          r: d.r,
          s: d.s,
          raw: d.raw,
          ip: d.ip,
          received_at: e.metadata.at,
          position: e.position.toString(),
        });
        continue;
      }
      await flush();
      const status = STATUS_BY_TYPE[e.type];
      const reason = e.type === 'TxFailed' || e.type === 'TxInvalidated' ? e.data.reason : null;
      const replacedBy = e.type === 'TxReplaced' ? e.data.replacedBy : null;
      // Only a pending tx can be replaced, fail or be invalidated; inclusion is final whatever came before.
      await sql.query(
        `update pool_txs set status = $2, status_reason = coalesce($3, status_reason),
                             replaced_by = coalesce($4, replaced_by)
          where hash = $1 and (status = 'pending' or $2 = 'included')`,
        [e.data.hash, status, reason, replacedBy],
      );
    }
    await flush();
  },
};
