/** Queries of the pool read model. Read-only; used by the RPC and, later, the sequencer. */
import type { Address, Hash, Hex } from '../../src/primitives/index.ts';
import type { SqlClient } from '../db.ts';

export type PoolTxStatus = 'pending' | 'replaced' | 'included' | 'failed' | 'invalidated';

export type PoolTx = {
  hash: Hash;
  from: Address;
  nonce: bigint;
  gasPrice: bigint;
  gas: bigint;
  to: Address | null;
  value: bigint;
  input: Hex;
  chainId: bigint;
  v: bigint;
  r: Hex;
  s: Hex;
  raw: Hex;
  status: PoolTxStatus;
  statusReason: string | null;
  replacedBy: Hash | null;
  receivedAt: Date;
  position: bigint;
};

type Row = {
  hash: string;
  from_addr: string;
  nonce: string;
  gas_price: string;
  gas: string;
  to_addr: string | null;
  value: string;
  input: string;
  chain_id: string;
  v: string;
  r: string;
  s: string;
  raw: string;
  status: PoolTxStatus;
  status_reason: string | null;
  replaced_by: string | null;
  received_at: Date;
  position: string;
};

const COLUMNS = `hash, from_addr, nonce::text, gas_price::text, gas::text, to_addr, value::text, input, chain_id::text,
  v::text, r, s, raw, status, status_reason, replaced_by, received_at, position::text`;

const toPoolTx = (r: Row): PoolTx => ({
  hash: r.hash as Hash,
  from: r.from_addr as Address,
  nonce: BigInt(r.nonce),
  gasPrice: BigInt(r.gas_price),
  gas: BigInt(r.gas),
  to: r.to_addr as Address | null,
  value: BigInt(r.value),
  input: r.input as Hex,
  chainId: BigInt(r.chain_id),
  v: BigInt(r.v),
  r: r.r as Hex,
  s: r.s as Hex,
  raw: r.raw as Hex,
  status: r.status,
  statusReason: r.status_reason,
  replacedBy: r.replaced_by as Hash | null,
  receivedAt: r.received_at,
  position: BigInt(r.position),
});

export async function getPoolTx(sql: SqlClient, hash: Hash): Promise<PoolTx | null> {
  const { rows } = await sql.query<Row>(`select ${COLUMNS} from pool_txs where hash = $1`, [hash]);
  return rows[0] ? toPoolTx(rows[0]) : null;
}

/**
 * What the pool's stateful rules need for one incoming tx, in one round trip: the number of pending txs and the
 * pending txs of the sender with the same nonce.
 */
export async function getAdmissionView(
  sql: SqlClient,
  from: Address,
  nonce: bigint,
): Promise<{ pendingCount: number; sameNonce: PoolTx[] }> {
  const { rows } = await sql.query<Row & { pending_count: number }>(
    `select c.n as pending_count, t.*
       from (select count(*)::int as n from pool_txs where status = 'pending') c
       left join lateral (select ${COLUMNS} from pool_txs
                           where status = 'pending' and from_addr = $1 and nonce = $2
                           order by pool_txs.position) t on true`,
    [from, nonce.toString()],
  );
  return {
    pendingCount: rows[0]?.pending_count ?? 0,
    sameNonce: rows.filter((r) => r.hash !== null).map(toPoolTx),
  };
}

/** How many txs the pool holds pending (queued ones, behind a nonce gap, included). */
export async function countPending(sql: SqlClient): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(
    `select count(*)::int as n from pool_txs where status = 'pending'`,
  );
  return rows[0]?.n ?? 0;
}

/** The sender's highest pending nonce, or null when it has no pending tx. */
export async function getHighestPendingNonce(sql: SqlClient, from: Address): Promise<bigint | null> {
  const { rows } = await sql.query<{ n: string | null }>(
    `select max(nonce)::text as n from pool_txs where status = 'pending' and from_addr = $1`,
    [from],
  );
  const n = rows[0]?.n;
  return n == null ? null : BigInt(n);
}

/**
 * Every pending tx in the order received, and the pool projection's checkpoint they are as of — one statement, so
 * one snapshot (the runner moves the checkpoint in the transaction that writes the rows). Position 0 before the
 * runner's first batch.
 */
export async function pendingSnapshot(sql: SqlClient): Promise<{ position: bigint; txs: PoolTx[] }> {
  const { rows } = await sql.query<Row & { checkpoint: string | null }>(
    `select (select position::text from checkpoints where name = 'pool') as checkpoint, t.*
       from (select 1) one
       left join lateral (select ${COLUMNS} from pool_txs where status = 'pending' order by pool_txs.position) t on true`,
  );
  return {
    position: BigInt(rows[0]?.checkpoint ?? 0),
    txs: rows.filter((r) => r.hash !== null).map(toPoolTx),
  };
}

/** Every pending tx (of one sender when given), ordered by sender and nonce. */
export async function listPending(sql: SqlClient, from?: Address): Promise<PoolTx[]> {
  const { rows } = from
    ? await sql.query<Row>(
        `select ${COLUMNS} from pool_txs where status = 'pending' and from_addr = $1 order by pool_txs.nonce, pool_txs.position`,
        [from],
      )
    : await sql.query<Row>(
        `select ${COLUMNS} from pool_txs where status = 'pending' order by from_addr, pool_txs.nonce, pool_txs.position`,
      );
  return rows.map(toPoolTx);
}
