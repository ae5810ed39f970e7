/**
 * The client side of the eth-tx-manager: how other roles (sequence sender, aggregator, …) hand it an L1 tx. A
 * role appends `L1TxQueued` to `l1tx-<id>` with an id of its choosing; the manager, wherever it runs, picks it up
 * from the log. The id makes queueing idempotent: queueing the same tx again is a no-op, queueing a different tx
 * under a used id is an error.
 */
import { ValidationError } from '../../src/errors/index.ts';
import {
  type EventStore,
  ExpectedRevisionConflictError,
  type GlobalPosition,
  type RecordedEvent,
} from '../../src/eventstore/index.ts';
import { type Hex, isAddress, isHex, toAddress } from '../../src/primitives/index.ts';
import { envelope } from '../../src/streams/index.ts';
import {
  decide,
  foldL1Tx,
  initialState,
  isL1TxId,
  type L1TxEvent,
  type L1TxQueued,
  type L1TxState,
  l1TxStreamId,
} from '../../src/streams/l1tx/index.ts';
import { L1TxConflictError } from './errors.ts';

export type QueueL1TxRequest = {
  /** Chosen by the caller (e.g. `sequence-12-15`): 1–200 of `A-Z a-z 0-9 . _ : -`. */
  id: string;
  /** The L1 account that signs; the manager must hold its key. */
  from: string;
  /** Null for a contract creation. */
  to: string | null;
  data: string;
  /** @default 0n */
  value?: bigint;
  /** @default estimated by the manager (with its margin) */
  gasLimit?: bigint;
};

export type QueueL1TxOptions = {
  /** The role queueing: the event's `actor` and the read model's `owner`. @default 'eth-tx-manager' */
  actor?: string;
  /** ISO time of the request. @default now */
  at?: string;
  causationId?: string;
  correlationId?: string;
};

export type QueueL1TxResult = {
  id: string;
  streamId: string;
  /** Position of the `L1TxQueued` event (of the earlier one when it was already queued). */
  position: GlobalPosition;
  /** False when this exact tx was already queued under this id. */
  queued: boolean;
};

/** Checks and normalises a request into `L1TxQueued` data. Pure. @throws {ValidationError} on a bad field. */
export function toQueuedData(req: QueueL1TxRequest, owner: string | null): L1TxQueued['data'] {
  if (!isL1TxId(req.id)) {
    throw new ValidationError(
      `invalid l1 tx id "${req.id}": use 1–200 of A-Z a-z 0-9 . _ : -, starting with a letter or digit`,
    );
  }
  if (!isAddress(req.from)) throw new ValidationError(`l1 tx ${req.id}: invalid from address ${req.from}`);
  if (req.to !== null && !isAddress(req.to)) {
    throw new ValidationError(`l1 tx ${req.id}: invalid to address ${req.to}`);
  }
  if (!isHex(req.data, { strict: true }))
    throw new ValidationError(`l1 tx ${req.id}: data is not 0x-hex bytes`);
  const value = req.value ?? 0n;
  if (value < 0n) throw new ValidationError(`l1 tx ${req.id}: negative value`);
  if (req.gasLimit !== undefined && req.gasLimit <= 0n) {
    throw new ValidationError(`l1 tx ${req.id}: gasLimit must be positive`);
  }
  return {
    id: req.id,
    owner,
    from: toAddress(req.from),
    to: req.to === null ? null : toAddress(req.to),
    data: req.data.toLowerCase() as Hex,
    value: value.toString(),
    gasLimit: req.gasLimit === undefined ? null : req.gasLimit.toString(),
  };
}

const sameRequest = (a: L1TxQueued['data'], b: L1TxQueued['data']) =>
  a.from === b.from && a.to === b.to && a.data === b.data && a.value === b.value && a.gasLimit === b.gasLimit;

/**
 * Queues an L1 tx for the eth-tx-manager: appends `L1TxQueued` to `l1tx-<id>` (the stream must not exist). Queueing
 * the same tx (same from, to, data, value, gas limit) under the same id again returns the earlier position with
 * `queued: false`.
 * @throws {ValidationError} on a malformed request.
 * @throws {L1TxConflictError} when the id is already used by a different tx.
 */
export async function queueL1Tx(
  store: EventStore,
  req: QueueL1TxRequest,
  opts: QueueL1TxOptions = {},
): Promise<QueueL1TxResult> {
  const data = toQueuedData(req, opts.actor ?? null);
  const streamId = l1TxStreamId(data.id);
  const events = decide({ type: 'QueueL1Tx', data }, initialState());
  try {
    const { position } = await store.append(
      streamId,
      envelope(events, {
        actor: opts.actor ?? 'eth-tx-manager',
        at: opts.at ?? new Date().toISOString(),
        correlationId: opts.correlationId ?? data.id,
        ...(opts.causationId ? { causationId: opts.causationId } : {}),
      }),
      'no_stream',
    );
    return { id: data.id, streamId, position, queued: true };
  } catch (err) {
    if (!(err instanceof ExpectedRevisionConflictError)) throw err;
    const [first] = (await store.readStream(streamId, { limit: 1 })) as RecordedEvent<L1TxEvent>[];
    if (first?.type !== 'L1TxQueued' || !sameRequest(first.data, data)) throw new L1TxConflictError(data.id);
    return { id: data.id, streamId, position: first.position, queued: false };
  }
}

/**
 * The current state of one L1 tx, folded from its stream (the truth, without the read model's lag), and the
 * stream's revision (-1 when it does not exist).
 */
export async function readL1Tx(
  store: EventStore,
  id: string,
): Promise<{ state: L1TxState; revision: number; events: RecordedEvent<L1TxEvent>[] }> {
  const events = (await store.readStream(l1TxStreamId(id))) as RecordedEvent<L1TxEvent>[];
  return { state: foldL1Tx(events), revision: events.length - 1, events };
}
