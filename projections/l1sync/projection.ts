/**
 * The L1 read models (`l1_blocks`, `virtual_batches`, `verified_batches`, `forced_batches`, `exit_roots`,
 * `l1_reorgs`, `trusted_reorgs`) from the `l1-sync` stream, and the L1 status columns of `batches` (`status`,
 * `sequence_tx_hash`, `verify_tx_hash`), which always follow the virtual and verified rows: refreshed when L1 changes
 * them and when the trusted chain (re)creates a batch row (`BatchOpened`, after the l2 projection in the same
 * transaction). A `ReorgDetected` deletes what the orphaned blocks brought. Batch 0 is virtual and verified from
 * `L2GenesisCreated` on, as the reference's genesis. Pure function of events.
 */
import { batchHashData } from '../../src/batch/index.ts';
import type { RecordedEvent } from '../../src/eventstore/types.ts';
import type { L1SyncEvent } from '../../src/streams/l1sync/index.ts';
import type { BatchOpened, L2GenesisCreated } from '../../src/streams/l2/index.ts';
import type { SqlClient } from '../db.ts';
import type { Projection } from '../runner.ts';

const ZERO_HASH = `0x${'00'.repeat(32)}`;
const ZERO_ADDRESS = `0x${'00'.repeat(20)}`;

type Handled = L1SyncEvent | L2GenesisCreated | BatchOpened;

/** Sets the L1 status columns of the `batches` rows in a range (or a list) from the virtual and verified rows. */
async function refreshStatus(sql: SqlClient, numbers: { from: string; to: string } | readonly string[]) {
  const [where, params] =
    'from' in numbers
      ? ['b.number between $1 and $2', [numbers.from, numbers.to]]
      : ['b.number = any($1::bigint[])', [numbers]];
  await sql.query(
    `update batches b
        set status = case
              when exists (select 1 from verified_batches v where v.batch_number = b.number) then 'verified'
              when exists (select 1 from virtual_batches v where v.batch_number = b.number) then 'virtual'
              else 'trusted' end,
            sequence_tx_hash = (select v.tx_hash from virtual_batches v where v.batch_number = b.number),
            verify_tx_hash = (select v.tx_hash from verified_batches v where v.batch_number = b.number)
      where ${where}`,
    params,
  );
}

export const l1SyncProjection: Projection = {
  name: 'l1sync',
  canHandle: [
    'L1BlockSynced',
    'BatchesVirtualized',
    'ForcedBatchObserved',
    'ProofVerified',
    'GlobalExitRootUpdated',
    'ReorgDetected',
    'TrustedReorgDetected',
    'L2GenesisCreated',
    'BatchOpened',
  ],
  async handle(sql: SqlClient, events: readonly RecordedEvent[]) {
    for (const e of events as readonly RecordedEvent<Handled>[]) {
      const position = e.position.toString();
      switch (e.type) {
        case 'L1BlockSynced': {
          const d = e.data;
          await sql.query(
            `insert into l1_blocks (number, hash, parent_hash, timestamp, position) values ($1, $2, $3, $4, $5)
             on conflict (number) do update set hash = excluded.hash, parent_hash = excluded.parent_hash,
               timestamp = excluded.timestamp, position = excluded.position`,
            [d.number, d.hash, d.parentHash, d.timestamp, position],
          );
          break;
        }
        case 'BatchesVirtualized': {
          const d = e.data;
          const rows = d.batches.map((b) => ({
            batch_number: b.number,
            l1_block_number: d.l1Block,
            l1_block_hash: d.l1BlockHash,
            tx_hash: d.txHash,
            kind: d.kind,
            sequencer: d.sequencer,
            coinbase: b.coinbase,
            timestamp: b.timestamp,
            global_exit_root: b.globalExitRoot,
            batch_hash_data: batchHashData(b.batchL2Data),
            acc_input_hash: b.accInputHash,
            forced_batch_number: b.forcedBatchNumber,
            position,
          }));
          await sql.query(
            `insert into virtual_batches
             select * from json_populate_recordset(null::virtual_batches, $1::json)
             on conflict (batch_number) do update set l1_block_number = excluded.l1_block_number,
               l1_block_hash = excluded.l1_block_hash, tx_hash = excluded.tx_hash, kind = excluded.kind,
               sequencer = excluded.sequencer, coinbase = excluded.coinbase, timestamp = excluded.timestamp,
               global_exit_root = excluded.global_exit_root, batch_hash_data = excluded.batch_hash_data,
               acc_input_hash = excluded.acc_input_hash, forced_batch_number = excluded.forced_batch_number,
               position = excluded.position`,
            [JSON.stringify(rows)],
          );
          const forced = d.batches.filter((b) => b.forcedBatchNumber !== null);
          if (forced.length > 0) {
            await sql.query(
              `update forced_batches f set batch_number = x.batch_number
                 from json_to_recordset($1::json) as x(forced_batch_number bigint, batch_number bigint)
                where f.forced_batch_number = x.forced_batch_number`,
              [
                JSON.stringify(
                  forced.map((b) => ({ forced_batch_number: b.forcedBatchNumber, batch_number: b.number })),
                ),
              ],
            );
          }
          await refreshStatus(sql, { from: d.fromBatch, to: d.toBatch });
          break;
        }
        case 'ForcedBatchObserved': {
          const d = e.data;
          await sql.query(
            `insert into forced_batches (forced_batch_number, l1_block_number, l1_block_hash, tx_hash, global_exit_root,
                                         sequencer, transactions, timestamp, position)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             on conflict (forced_batch_number) do update set l1_block_number = excluded.l1_block_number,
               l1_block_hash = excluded.l1_block_hash, tx_hash = excluded.tx_hash,
               global_exit_root = excluded.global_exit_root, sequencer = excluded.sequencer,
               transactions = excluded.transactions, timestamp = excluded.timestamp, batch_number = null,
               position = excluded.position`,
            [
              d.forcedBatchNumber,
              d.l1Block,
              d.l1BlockHash,
              d.txHash,
              d.globalExitRoot,
              d.sequencer,
              d.transactions,
              d.timestamp,
              position,
            ],
          );
          break;
        }
        case 'ProofVerified': {
          const d = e.data;
          await sql.query(
            `insert into verified_batches (batch_number, l1_block_number, l1_block_hash, tx_hash, aggregator, state_root,
                                           final_batch, position)
             select n, $3, $4, $5, $6, $7, $2, $8 from generate_series($1::bigint, $2::bigint) as n
             on conflict (batch_number) do update set l1_block_number = excluded.l1_block_number,
               l1_block_hash = excluded.l1_block_hash, tx_hash = excluded.tx_hash, aggregator = excluded.aggregator,
               state_root = excluded.state_root, final_batch = excluded.final_batch, position = excluded.position`,
            [d.fromBatch, d.toBatch, d.l1Block, d.l1BlockHash, d.txHash, d.aggregator, d.stateRoot, position],
          );
          await refreshStatus(sql, { from: d.fromBatch, to: d.toBatch });
          break;
        }
        case 'GlobalExitRootUpdated': {
          const d = e.data;
          await sql.query(
            `insert into exit_roots (global_exit_root, mainnet_exit_root, rollup_exit_root, l1_block_number,
                                     l1_block_hash, tx_hash, timestamp, position)
             values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (global_exit_root) do nothing`,
            [
              d.globalExitRoot,
              d.mainnetExitRoot,
              d.rollupExitRoot,
              d.l1Block,
              d.l1BlockHash,
              d.txHash,
              d.timestamp,
              position,
            ],
          );
          break;
        }
        case 'ReorgDetected': {
          const d = e.data;
          const ancestor = d.commonAncestor.number;
          await sql.query('delete from l1_blocks where number > $1', [ancestor]);
          await sql.query('delete from virtual_batches where l1_block_number > $1', [ancestor]);
          await sql.query('delete from verified_batches where l1_block_number > $1', [ancestor]);
          await sql.query('delete from forced_batches where l1_block_number > $1', [ancestor]);
          await sql.query('delete from exit_roots where l1_block_number > $1', [ancestor]);
          if (d.unvirtualized.length > 0) {
            await sql.query(
              'update forced_batches set batch_number = null where batch_number = any($1::bigint[])',
              [d.unvirtualized],
            );
          }
          const affected = [...new Set([...d.unvirtualized, ...d.unverified])];
          if (affected.length > 0) await refreshStatus(sql, affected);
          await sql.query(
            `insert into l1_reorgs (position, detected_at, depth, common_ancestor_number, common_ancestor_hash,
                                    orphaned, unvirtualized, unverified, dropped_forced_batches)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (position) do nothing`,
            [
              position,
              e.metadata.at,
              d.depth,
              ancestor,
              d.commonAncestor.hash,
              JSON.stringify(d.orphaned),
              JSON.stringify(d.unvirtualized),
              JSON.stringify(d.unverified),
              JSON.stringify(d.droppedForcedBatches),
            ],
          );
          break;
        }
        case 'TrustedReorgDetected': {
          const d = e.data;
          await sql.query(
            `insert into trusted_reorgs (position, detected_at, batch_number, field, trusted, l1, l1_block_number,
                                         l1_block_hash, tx_hash)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict (position) do nothing`,
            [
              position,
              e.metadata.at,
              d.batchNumber,
              d.field,
              d.trusted,
              d.l1,
              d.l1Block,
              d.l1BlockHash,
              d.txHash,
            ],
          );
          break;
        }
        case 'L2GenesisCreated': {
          const d = e.data;
          const hashData = batchHashData('0x');
          await sql.query(
            `insert into virtual_batches (batch_number, l1_block_number, l1_block_hash, tx_hash, kind, sequencer, coinbase,
                                          timestamp, global_exit_root, batch_hash_data, acc_input_hash,
                                          forced_batch_number, position)
             values (0, null, null, $1, 'genesis', $2, $2, $3, $1, $4, $1, null, $5) on conflict do nothing`,
            [ZERO_HASH, ZERO_ADDRESS, d.timestamp, hashData, position],
          );
          await sql.query(
            `insert into verified_batches (batch_number, l1_block_number, l1_block_hash, tx_hash, aggregator, state_root,
                                           final_batch, position)
             values (0, null, null, $1, $2, $3, 0, $4) on conflict do nothing`,
            [ZERO_HASH, ZERO_ADDRESS, d.stateRoot, position],
          );
          await refreshStatus(sql, { from: '0', to: '0' });
          break;
        }
        case 'BatchOpened':
          // A batch row (re)created by the trusted chain takes the L1 status L1 already gave its number.
          await refreshStatus(sql, { from: e.data.batchNumber, to: e.data.batchNumber });
          break;
      }
    }
  },
};
