/**
 * The pool read model: one row per tx the pool accepted (`tx-<hash>` streams), with its current status.
 * Pure function of events: every write is derived from event data and positions. A tx received again after it was
 * replaced, failed or invalidated (sent again) re-opens its row: pending, as of that `TxReceived`.
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

type Status = (typeof STATUS_BY_TYPE)[keyof typeof STATUS_BY_TYPE];

/**
 * The txs of `events` whose `TxReceived` is among them and whose only events after it are their inclusion (their
 * block, their `TxIncluded`), as for a tx the sequencer took straight from the intake: the row is inserted
 * included, which is what the insert and the update would leave. Pure.
 */
function includedOnArrival(events: readonly RecordedEvent<TxEvent | L2BlockSealed>[]): Set<string> {
  const received = new Set<string>();
  const included = new Set<string>();
  const changed = new Set<string>();
  for (const e of events) {
    if (e.type === 'TxReceived') received.add(e.data.hash);
    else {
      const hash = e.type === 'L2BlockSealed' ? e.data.tx.hash : e.data.hash;
      if (!received.has(hash)) continue;
      if (e.type === 'L2BlockSealed' || e.type === 'TxIncluded') included.add(hash);
      else changed.add(hash);
    }
  }
  for (const hash of changed) included.delete(hash);
  return included;
}

export const poolProjection: Projection = {
  name: 'pool',
  // L2BlockSealed too: a tx the sequencer sealed leaves the pending set even if its TxIncluded is not yet appended.
  canHandle: ['TxReceived', 'TxReplaced', 'TxIncluded', 'TxFailed', 'TxInvalidated', 'L2BlockSealed'],
  async handle(sql: SqlClient, events: readonly RecordedEvent[]) {
    // Consecutive TxReceived events go in one multi-row INSERT, consecutive status changes of one kind in one
    // UPDATE; runs apply in log order. A tx received and included in the same batch is inserted included.
    const arrivedIncluded = includedOnArrival(events as readonly RecordedEvent<TxEvent | L2BlockSealed>[]);
    let received: object[] = [];
    let run: {
      status: Status;
      hashes: string[];
      reasons: (string | null)[];
      replacedBy: (string | null)[];
    } | null = null;
    const flushReceived = async () => {
      if (received.length === 0) return;
      await sql.query(
        `insert into pool_txs (hash, from_addr, nonce, gas_price, gas, to_addr, value, input, chain_id, v, r, s, raw, ip,
                               status, received_at, position)
         select hash, from_addr, nonce, gas_price, gas, to_addr, value, input, chain_id, v, r, s, raw, ip,
                status, received_at, position
           from json_to_recordset($1::json) as x(hash text, from_addr text, nonce numeric, gas_price numeric,
                gas numeric, to_addr text, value numeric, input text, chain_id numeric, v numeric, r text, s text,
                raw text, ip text, status text, received_at timestamptz, position bigint)
         on conflict (hash) do update
           set status = excluded.status, status_reason = null, replaced_by = null, ip = excluded.ip,
               received_at = excluded.received_at, position = excluded.position
           where pool_txs.status in ('replaced', 'failed', 'invalidated')`,
        [JSON.stringify(received)],
      );
      received = [];
    };
    const flushRun = async () => {
      if (!run) return;
      // Only a pending tx can be replaced, fail or be invalidated; inclusion is final whatever came before.
      // Within a run a hash appears at most once in effect: the first change of a pending tx wins, as in order.
      await sql.query(
        `update pool_txs p set status = $4, status_reason = coalesce(x.reason, p.status_reason),
                               replaced_by = coalesce(x.replaced_by, p.replaced_by)
           from (select distinct on (hash) hash, reason, replaced_by
                   from unnest($1::text[], $2::text[], $3::text[]) with ordinality as u(hash, reason, replaced_by, ord)
                  order by hash, ord) as x
          where p.hash = x.hash and (p.status = 'pending' or $4 = 'included')`,
        [run.hashes, run.reasons, run.replacedBy, run.status],
      );
      run = null;
    };
    const change = async (status: Status, hash: string, reason: string | null, replacedBy: string | null) => {
      await flushReceived();
      if (run && run.status !== status) await flushRun();
      run ??= { status, hashes: [], reasons: [], replacedBy: [] };
      run.hashes.push(hash);
      run.reasons.push(reason);
      run.replacedBy.push(replacedBy);
    };
    for (const e of events as readonly RecordedEvent<TxEvent | L2BlockSealed>[]) {
      if (e.type === 'L2BlockSealed') {
        if (!arrivedIncluded.has(e.data.tx.hash)) await change('included', e.data.tx.hash, null, null);
        continue;
      }
      if (e.type === 'TxReceived') {
        await flushRun();
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
          status: arrivedIncluded.has(d.hash) ? 'included' : 'pending',
          received_at: e.metadata.at,
          position: e.position.toString(),
        });
        continue;
      }
      if (e.type === 'TxIncluded' && arrivedIncluded.has(e.data.hash)) continue;
      const reason = e.type === 'TxFailed' || e.type === 'TxInvalidated' ? e.data.reason : null;
      const replacedBy = e.type === 'TxReplaced' ? e.data.replacedBy : null;
      await change(STATUS_BY_TYPE[e.type], e.data.hash, reason, replacedBy);
    }
    await flushReceived();
    await flushRun();
  },
};
