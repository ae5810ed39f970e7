/**
 * The `tx-<hash>` stream: one stream per L2 transaction (DESIGN §4). Written by the RPC (received, replaced)
 * and the sequencer (included, failed, invalidated). Pure decider: no clock, randomness or I/O.
 */
import { assertNever, IllegalStateError } from '../../errors/index.ts';
import type { Event } from '../../eventstore/types.ts';
import type { Address, Hash, Hex } from '../../primitives/index.ts';

//////// Stream id

export const TX_STREAM_PREFIX = 'tx-';
export const txStreamId = (hash: Hash): string => `${TX_STREAM_PREFIX}${hash}`;

//////// Events

/** A signed legacy tx as events carry it: quantities as decimal strings, r and s as 32-byte hex. */
export type TxData = {
  hash: Hash;
  from: Address;
  nonce: string;
  gasPrice: string;
  gas: string;
  to: Address | null;
  value: string;
  data: Hex;
  /** `"0"` for pre-EIP-155 txs. */
  chainId: string;
  v: string;
  r: Hex;
  s: Hex;
};

/** {@link TxData} of a decoded tx with a known sender. Pure. */
export function toTxData(tx: {
  hash: Hash;
  from: Address;
  nonce: bigint;
  gasPrice: bigint;
  gas: bigint;
  to: Address | null;
  value: bigint;
  data: Hex;
  chainId: bigint;
  v: bigint;
  r: bigint;
  s: bigint;
}): TxData {
  return {
    hash: tx.hash,
    from: tx.from,
    nonce: tx.nonce.toString(),
    gasPrice: tx.gasPrice.toString(),
    gas: tx.gas.toString(),
    to: tx.to,
    value: tx.value.toString(),
    data: tx.data,
    chainId: tx.chainId.toString(),
    v: tx.v.toString(),
    r: `0x${tx.r.toString(16).padStart(64, '0')}`,
    s: `0x${tx.s.toString(16).padStart(64, '0')}`,
  };
}

/**
 * A signed tx the pool accepted; `raw` is the signed tx exactly as received. Again after a `TxReplaced`,
 * `TxFailed` or `TxInvalidated` when the same tx is sent again (see {@link decide}).
 */
export type TxReceived = Event<
  'TxReceived',
  TxData & {
    raw: Hex;
    /** Client address the tx came from (first X-Forwarded-For, else the socket). */
    ip: string | null;
  }
>;
/** Appended on the REPLACED tx's stream when a pending tx of the same sender and nonce outbids it. */
export type TxReplaced = Event<'TxReplaced', { hash: Hash; replacedBy: Hash }>;
/** The sequencer executed the tx into an L2 block. */
export type TxIncluded = Event<
  'TxIncluded',
  { hash: Hash; blockNumber: string; blockHash: Hash; batchNumber: string; status: 'success' | 'reverted' }
>;
/** The tx can never be included (e.g. its nonce was taken, it expired); removed from the pool. */
export type TxFailed = Event<'TxFailed', { hash: Hash; reason: string }>;
/** Execution found the tx invalid (e.g. out of counters, insufficient balance at execution time). */
export type TxInvalidated = Event<'TxInvalidated', { hash: Hash; reason: string }>;

export type TxEvent = TxReceived | TxReplaced | TxIncluded | TxFailed | TxInvalidated;
export const TX_EVENT_TYPES = [
  'TxReceived',
  'TxReplaced',
  'TxIncluded',
  'TxFailed',
  'TxInvalidated',
] as const;

//////// State

type Pending = { from: Address; nonce: bigint; gasPrice: bigint; gas: bigint };
export type TxState =
  | { status: 'unknown' }
  | ({ status: 'pending'; hash: Hash } & Pending)
  | ({ status: 'replaced'; hash: Hash; replacedBy: Hash } & Pending)
  | ({ status: 'included'; hash: Hash; blockNumber: bigint } & Pending)
  | ({ status: 'failed' | 'invalidated'; hash: Hash; reason: string } & Pending);

export const initialState = (): TxState => ({ status: 'unknown' });

export function evolve(state: TxState, event: TxEvent): TxState {
  switch (event.type) {
    case 'TxReceived': {
      const d = event.data;
      return {
        status: 'pending',
        hash: d.hash,
        from: d.from,
        nonce: BigInt(d.nonce),
        gasPrice: BigInt(d.gasPrice),
        gas: BigInt(d.gas),
      };
    }
    case 'TxReplaced':
      return state.status === 'unknown'
        ? state
        : { ...state, status: 'replaced', replacedBy: event.data.replacedBy };
    case 'TxIncluded':
      return state.status === 'unknown'
        ? state
        : { ...state, status: 'included', blockNumber: BigInt(event.data.blockNumber) };
    case 'TxFailed':
    case 'TxInvalidated':
      return state.status === 'unknown'
        ? state
        : {
            ...state,
            status: event.type === 'TxFailed' ? 'failed' : 'invalidated',
            reason: event.data.reason,
          };
    default:
      return assertNever(event, 'tx event');
  }
}

//////// Commands

export type ReceiveTx = { type: 'ReceiveTx'; data: TxReceived['data'] };
export type ReplaceTx = { type: 'ReplaceTx'; data: { hash: Hash; replacedBy: Hash } };
/** The sequencer gives up on a pending tx that can never be included (e.g. `expired`: older than the pool keeps). */
export type FailTx = { type: 'FailTx'; data: { hash: Hash; reason: string } };
export type TxCommand = ReceiveTx | ReplaceTx | FailTx;

/**
 * Decides the events of a tx command. Pure.
 *
 * A tx that ended without inclusion (replaced, failed, invalidated) is received again when it is sent again, the
 * same signed bytes: the stream goes back to pending (the reference pool's insert upserts on the hash, and its
 * "already known" counts no failed or invalid tx, zkevm-node-spec §3 rules 15 and 19). So a stream may hold
 * several `TxReceived`, each after an end that is not an inclusion.
 *
 * @throws {IllegalStateError} when the tx stream's state does not allow the command (a tx received while it is
 * pending or once included; a replacement or a failure of a tx that is no longer pending: a tx included and failed,
 * or replaced and failed).
 */
export function decide(command: TxCommand, state: TxState): TxEvent[] {
  switch (command.type) {
    case 'ReceiveTx':
      if (state.status === 'pending' || state.status === 'included')
        throw new IllegalStateError(`tx ${command.data.hash} was already received: it is ${state.status}`);
      return [{ type: 'TxReceived', data: command.data }];
    case 'ReplaceTx':
      if (state.status !== 'pending') {
        throw new IllegalStateError(`tx ${command.data.hash} cannot be replaced: it is ${state.status}`);
      }
      return [{ type: 'TxReplaced', data: command.data }];
    case 'FailTx':
      if (state.status !== 'pending') {
        throw new IllegalStateError(`tx ${command.data.hash} cannot fail: it is ${state.status}`);
      }
      return [{ type: 'TxFailed', data: command.data }];
    default:
      return assertNever(command, 'tx command');
  }
}

/** Folds a stream's events into its state. Pure. */
export const foldTx = (events: readonly TxEvent[]): TxState => events.reduce(evolve, initialState());
