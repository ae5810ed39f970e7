/**
 * The `l1tx-<id>` stream: one stream per L1 transaction the node sends (DESIGN §4). Another role queues it
 * (`L1TxQueued`, the id chosen by that role); the eth-tx-manager writes the rest: every signed attempt
 * (`L1TxSent`, appended BEFORE its broadcast), the receipt (`L1TxMined`), a reorg that orphaned the mining block
 * (`L1TxReorged`), and the outcome (`L1TxConfirmed` or `L1TxFailed`). Pure decider: no clock, randomness or I/O;
 * times arrive inside the commands' data.
 *
 * Life of a tx: queued → sent (attempt 1, then bumps of the same nonce, or a re-sign with another nonce: a higher
 * one when its nonce was taken by a tx that is not ours, a lower one when the L1 lost the nonces below it) → mined
 * → (reorged → sent again …) → confirmed | failed.
 */
import { assertNever, IllegalStateError } from '../../errors/index.ts';
import type { Event } from '../../eventstore/types.ts';
import type { Address, Hash, Hex } from '../../primitives/index.ts';
import { isValidReplacement, MIN_REPLACEMENT_BUMP_PERCENT } from './fees.ts';

//////// Stream id

export const L1TX_STREAM_PREFIX = 'l1tx-';
export const l1TxStreamId = (id: string): string => `${L1TX_STREAM_PREFIX}${id}`;
/** The id of an `l1tx-<id>` stream, or null for another stream. */
export const l1TxIdOf = (streamId: string): string | null =>
  streamId.startsWith(L1TX_STREAM_PREFIX) ? streamId.slice(L1TX_STREAM_PREFIX.length) : null;

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;
/** Whether `id` can name an L1 tx: 1–200 letters, digits, `.`, `_`, `:`, `-`, starting with a letter or digit. */
export const isL1TxId = (id: string): boolean => ID_RE.test(id);

//////// Events

/** Why an attempt was signed: the first one, a gas bump (same nonce), or a re-sign with another nonce. */
export type L1TxSendReason = 'initial' | 'bump' | 'resign';

/** A role asked for this L1 tx. Quantities as decimal strings; `gasLimit` null = estimate it. */
export type L1TxQueued = Event<
  'L1TxQueued',
  {
    id: string;
    /** The role that queued it (`sequence-sender`, `aggregator`, …), or null. */
    owner: string | null;
    from: Address;
    /** Null for a contract creation. */
    to: Address | null;
    data: Hex;
    value: string;
    gasLimit: string | null;
  }
>;

/**
 * One signed attempt, appended before it is broadcast: a crash in between re-broadcasts exactly this `raw`, so one
 * nonce never carries two different txs of ours except as deliberate replacements (bumps) of the same request.
 * `gasPrice` is set for legacy txs, `maxFeePerGas`/`maxPriorityFeePerGas` for EIP-1559 ones.
 */
export type L1TxSent = Event<
  'L1TxSent',
  {
    id: string;
    /** 1 for the first attempt, then +1 per bump or re-sign. */
    attempt: number;
    reason: L1TxSendReason;
    nonce: string;
    gasLimit: string;
    type: 'legacy' | 'eip1559';
    gasPrice: string | null;
    maxFeePerGas: string | null;
    maxPriorityFeePerGas: string | null;
    hash: Hash;
    raw: Hex;
    /** ISO time of the decision (the gas-bump clock starts here). */
    sentAt: string;
  }
>;

/** A receipt of one of the attempts appeared, in `blockHash`. */
export type L1TxMined = Event<
  'L1TxMined',
  {
    id: string;
    hash: Hash;
    blockNumber: string;
    blockHash: Hash;
    status: 'success' | 'reverted';
    gasUsed: string;
    /** The price paid per gas, when the node reports it. */
    effectiveGasPrice: string | null;
  }
>;

/** The block that mined it is no longer canonical (before confirmation); the tx is monitored (and sent) again. */
export type L1TxReorged = Event<
  'L1TxReorged',
  { id: string; hash: Hash; blockNumber: string; blockHash: Hash }
>;

/** The mining block reached `confirmations` blocks (itself included) and is still canonical: final for us. */
export type L1TxConfirmed = Event<
  'L1TxConfirmed',
  { id: string; hash: Hash; blockNumber: string; blockHash: Hash; confirmations: number }
>;

/**
 * The tx cannot succeed. `code`: `reverted` (mined with a failed receipt, reported once confirmed),
 * `estimate_reverted` (the gas estimate reverted: never signed), `no_key` (no signing key for `from`).
 */
export type L1TxFailureCode = 'reverted' | 'estimate_reverted' | 'no_key';
export type L1TxFailed = Event<
  'L1TxFailed',
  {
    id: string;
    code: L1TxFailureCode;
    /** Human-readable: the revert reason when one could be decoded. */
    reason: string;
    hash: Hash | null;
    blockNumber: string | null;
    blockHash: Hash | null;
  }
>;

export type L1TxEvent = L1TxQueued | L1TxSent | L1TxMined | L1TxReorged | L1TxConfirmed | L1TxFailed;
export const L1TX_EVENT_TYPES = [
  'L1TxQueued',
  'L1TxSent',
  'L1TxMined',
  'L1TxReorged',
  'L1TxConfirmed',
  'L1TxFailed',
] as const;

//////// State

export type L1TxFees =
  | { type: 'legacy'; gasPrice: bigint }
  | { type: 'eip1559'; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

export type L1TxRequest = {
  id: string;
  owner: string | null;
  from: Address;
  to: Address | null;
  data: Hex;
  value: bigint;
  gasLimit: bigint | null;
};

export type L1TxAttempt = {
  attempt: number;
  reason: L1TxSendReason;
  nonce: bigint;
  gasLimit: bigint;
  fees: L1TxFees;
  hash: Hash;
  raw: Hex;
  sentAtMs: number;
};

export type L1TxMinedInfo = {
  hash: Hash;
  blockNumber: bigint;
  blockHash: Hash;
  status: 'success' | 'reverted';
  gasUsed: bigint;
};

type Sent = { request: L1TxRequest; attempts: L1TxAttempt[]; reorgs: number };

/** A tx's state; `attempts` in order, the last one is the live one (its nonce is the tx's current nonce). */
export type L1TxState =
  | { status: 'unknown' }
  | { status: 'queued'; request: L1TxRequest }
  | ({ status: 'sent' } & Sent)
  | ({ status: 'mined'; mined: L1TxMinedInfo } & Sent)
  | ({ status: 'confirmed'; mined: L1TxMinedInfo } & Sent)
  | ({ status: 'failed'; code: L1TxFailureCode; reason: string; mined: L1TxMinedInfo | null } & Sent);

export const initialState = (): L1TxState => ({ status: 'unknown' });

/** Whether the tx is finished (confirmed or failed): nothing happens to it any more. Pure. */
export const isTerminal = (state: L1TxState): boolean =>
  state.status === 'confirmed' || state.status === 'failed';

/** The live (last) attempt, or null before the first one. Pure. */
export function lastAttempt(state: L1TxState): L1TxAttempt | null {
  if (state.status === 'unknown' || state.status === 'queued') return null;
  return state.attempts[state.attempts.length - 1] ?? null;
}

/** The fees an `L1TxSent` carries. Pure. */
export function feesOf(d: L1TxSent['data']): L1TxFees {
  return d.type === 'legacy'
    ? { type: 'legacy', gasPrice: BigInt(d.gasPrice ?? '0') }
    : {
        type: 'eip1559',
        maxFeePerGas: BigInt(d.maxFeePerGas ?? '0'),
        maxPriorityFeePerGas: BigInt(d.maxPriorityFeePerGas ?? '0'),
      };
}

/** The `L1TxSent` fields of some fees. Pure. */
export function feeFields(
  fees: L1TxFees,
): Pick<L1TxSent['data'], 'type' | 'gasPrice' | 'maxFeePerGas' | 'maxPriorityFeePerGas'> {
  return fees.type === 'legacy'
    ? { type: 'legacy', gasPrice: fees.gasPrice.toString(), maxFeePerGas: null, maxPriorityFeePerGas: null }
    : {
        type: 'eip1559',
        gasPrice: null,
        maxFeePerGas: fees.maxFeePerGas.toString(),
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(),
      };
}

const sentOf = (state: L1TxState): Sent | null =>
  state.status === 'unknown' || state.status === 'queued'
    ? null
    : { request: state.request, attempts: state.attempts, reorgs: state.reorgs };

export function evolve(state: L1TxState, event: L1TxEvent): L1TxState {
  switch (event.type) {
    case 'L1TxQueued': {
      const d = event.data;
      return {
        status: 'queued',
        request: {
          id: d.id,
          owner: d.owner,
          from: d.from,
          to: d.to,
          data: d.data,
          value: BigInt(d.value),
          gasLimit: d.gasLimit === null ? null : BigInt(d.gasLimit),
        },
      };
    }
    case 'L1TxSent': {
      if (state.status === 'unknown') return state;
      const d = event.data;
      const attempt: L1TxAttempt = {
        attempt: d.attempt,
        reason: d.reason,
        nonce: BigInt(d.nonce),
        gasLimit: BigInt(d.gasLimit),
        fees: feesOf(d),
        hash: d.hash,
        raw: d.raw,
        sentAtMs: Date.parse(d.sentAt),
      };
      const prev = sentOf(state);
      return {
        status: 'sent',
        request: state.request,
        attempts: [...(prev?.attempts ?? []), attempt],
        reorgs: prev?.reorgs ?? 0,
      };
    }
    case 'L1TxMined': {
      const prev = sentOf(state);
      if (!prev) return state;
      const d = event.data;
      return {
        status: 'mined',
        ...prev,
        mined: {
          hash: d.hash,
          blockNumber: BigInt(d.blockNumber),
          blockHash: d.blockHash,
          status: d.status,
          gasUsed: BigInt(d.gasUsed),
        },
      };
    }
    case 'L1TxReorged': {
      const prev = sentOf(state);
      if (!prev) return state;
      return { status: 'sent', ...prev, reorgs: prev.reorgs + 1 };
    }
    case 'L1TxConfirmed':
      return state.status === 'mined' ? { ...state, status: 'confirmed' } : state;
    case 'L1TxFailed': {
      if (state.status === 'unknown') return state;
      const prev = sentOf(state) ?? { request: state.request, attempts: [], reorgs: 0 };
      return {
        status: 'failed',
        ...prev,
        code: event.data.code,
        reason: event.data.reason,
        mined: state.status === 'mined' ? state.mined : null,
      };
    }
    default:
      return assertNever(event, 'l1tx event');
  }
}

/** Folds a stream's events into its state. Pure. */
export const foldL1Tx = (events: readonly L1TxEvent[]): L1TxState => events.reduce(evolve, initialState());

//////// Commands

export type QueueL1Tx = { type: 'QueueL1Tx'; data: L1TxQueued['data'] };
export type SendL1Tx = { type: 'SendL1Tx'; data: L1TxSent['data'] };
export type RecordL1TxMined = { type: 'RecordL1TxMined'; data: L1TxMined['data'] };
export type RecordL1TxReorged = { type: 'RecordL1TxReorged'; data: L1TxReorged['data'] };
export type ConfirmL1Tx = { type: 'ConfirmL1Tx'; data: L1TxConfirmed['data'] };
export type FailL1Tx = { type: 'FailL1Tx'; data: L1TxFailed['data'] };
export type L1TxCommand = QueueL1Tx | SendL1Tx | RecordL1TxMined | RecordL1TxReorged | ConfirmL1Tx | FailL1Tx;

const illegal = (id: string, what: string, state: L1TxState) =>
  new IllegalStateError(`l1 tx ${id}: cannot ${what}: it is ${state.status}`);

function decideSend(d: L1TxSent['data'], state: L1TxState): L1TxEvent[] {
  if (state.status === 'queued') {
    if (d.reason !== 'initial' || d.attempt !== 1) {
      throw new IllegalStateError(`l1 tx ${d.id}: the first attempt must be attempt 1, reason initial`);
    }
    return [{ type: 'L1TxSent', data: d }];
  }
  if (state.status !== 'sent') throw illegal(d.id, 'send an attempt', state);
  const last = state.attempts[state.attempts.length - 1]!;
  if (d.attempt !== last.attempt + 1) {
    throw new IllegalStateError(
      `l1 tx ${d.id}: attempt ${d.attempt} does not follow attempt ${last.attempt}`,
    );
  }
  const nonce = BigInt(d.nonce);
  if (d.reason === 'bump') {
    if (nonce !== last.nonce) throw new IllegalStateError(`l1 tx ${d.id}: a gas bump keeps the nonce`);
    if (!isValidReplacement(last.fees, feesOf(d))) {
      throw new IllegalStateError(
        `l1 tx ${d.id}: a gas bump must raise every fee by at least ${MIN_REPLACEMENT_BUMP_PERCENT}%`,
      );
    }
    return [{ type: 'L1TxSent', data: d }];
  }
  if (d.reason === 'resign') {
    // Higher when a tx that is not ours took the nonce; lower when the L1 lost the nonces below it (a devnet
    // restarted from genesis, a reorg deeper than the confirmations). Never the same: a replacement at the live
    // nonce is a bump, bound by the replacement fee rule.
    if (nonce === last.nonce)
      throw new IllegalStateError(`l1 tx ${d.id}: a re-sign takes another nonce (the same one is a bump)`);
    return [{ type: 'L1TxSent', data: d }];
  }
  throw new IllegalStateError(`l1 tx ${d.id}: only the first attempt is "initial"`);
}

/**
 * Decides the events of an L1 tx command. Pure.
 *
 * @throws {IllegalStateError} when the stream's state does not allow the command: a tx queued twice, an attempt
 * out of order or a bump below the replacement minimum, a receipt for a hash that is not one of the attempts,
 * a reorg or confirmation of a block the tx was not mined in, anything after the tx is final.
 */
export function decide(command: L1TxCommand, state: L1TxState): L1TxEvent[] {
  const id = command.data.id;
  switch (command.type) {
    case 'QueueL1Tx':
      if (state.status !== 'unknown') throw new IllegalStateError(`l1 tx ${id} was already queued`);
      return [{ type: 'L1TxQueued', data: command.data }];
    case 'SendL1Tx':
      return decideSend(command.data, state);
    case 'RecordL1TxMined': {
      if (state.status !== 'sent') throw illegal(id, 'record a receipt', state);
      if (!state.attempts.some((a) => a.hash === command.data.hash)) {
        throw new IllegalStateError(`l1 tx ${id}: ${command.data.hash} is not one of its attempts`);
      }
      return [{ type: 'L1TxMined', data: command.data }];
    }
    case 'RecordL1TxReorged':
      if (state.status !== 'mined') throw illegal(id, 'record a reorg', state);
      if (state.mined.blockHash !== command.data.blockHash || state.mined.hash !== command.data.hash) {
        throw new IllegalStateError(`l1 tx ${id}: it was not mined in block ${command.data.blockHash}`);
      }
      return [{ type: 'L1TxReorged', data: command.data }];
    case 'ConfirmL1Tx':
      if (state.status !== 'mined') throw illegal(id, 'confirm', state);
      if (state.mined.status !== 'success') throw new IllegalStateError(`l1 tx ${id}: a reverted tx fails`);
      if (state.mined.blockHash !== command.data.blockHash || state.mined.hash !== command.data.hash) {
        throw new IllegalStateError(`l1 tx ${id}: it was not mined in block ${command.data.blockHash}`);
      }
      if (command.data.confirmations < 1)
        throw new IllegalStateError(`l1 tx ${id}: confirmations must be ≥ 1`);
      return [{ type: 'L1TxConfirmed', data: command.data }];
    case 'FailL1Tx': {
      const code = command.data.code;
      if (code === 'reverted') {
        if (state.status !== 'mined' || state.mined.status !== 'reverted') {
          throw illegal(id, 'fail as reverted without a reverted receipt', state);
        }
      } else if (state.status !== 'queued') {
        throw illegal(id, `fail (${code}) after it was signed`, state);
      }
      return [{ type: 'L1TxFailed', data: command.data }];
    }
    default:
      return assertNever(command, 'l1tx command');
  }
}
