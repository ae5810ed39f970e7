/**
 * Pool intake: what `eth_sendRawTransaction` does with a tx (DESIGN §2, §5).
 *
 * decode → stateless rules → (per sender, one at a time) state + pool view → stateful rules → append `TxReceived`
 * to `tx-<hash>` (expected: no stream; concurrent submissions are group-committed) — a replacement together with
 * `TxReplaced` on the replaced tx's stream, in one `appendMany` → wait until the read models have reached the
 * appended position (read-your-writes) → the hash.
 *
 * The same signed tx sent again after it was replaced, failed or invalidated is received again (zkevm-node-spec §3
 * rules 15 and 19): its stream, found on the conflict of the first append, gets a second `TxReceived` after its
 * end, and the tx is pending once more. Only a tx pending or included is "already known".
 *
 * With a sequencer in the same process (`handoff`), a tx that replaces none is handed to it instead of appended
 * here (direct inclusion, src/sequencer/handoff.ts): its `TxReceived` goes in the sequencer's next commit, with its
 * block when it is ready, and the answer waits for the read models to reach that commit — so the receipt is there
 * when the hash is. Declined (no sequencer taking txs, a failed round), the intake appends it itself.
 *
 * Appends within one process are serialised per sender, so two racing txs of one sender see each other. Across
 * RPC instances a race can let two txs of the same nonce in; the sequencer keeps the better one (ARCHITECTURE.md).
 * With the hand-off the lane covers the checks and the queueing only: a tx still queued (or declined and appended
 * outside the lane) is not yet in the pool read model the next one's checks read, so two txs of one nonce, or
 * a sender past `accountQueue` within one round, get in as across instances — the sequencer includes one tx per
 * nonce (the better price, on a tie the later) and fails the other as "nonce too low".
 */

import type { ReadModelDb } from '../../../projections/index.ts';
import type { AbsentReceipts } from '../../../projections/l2/index.ts';
import { getAdmissionView } from '../../../projections/pool/index.ts';
import { IllegalStateError } from '../../errors/index.ts';
import { createAppendBatcher, ExpectedRevisionConflictError } from '../../eventstore/index.ts';
import type {
  EventStore,
  ExpectedRevision,
  GlobalPosition,
  NewEvent,
  StreamAppend,
} from '../../eventstore/types.ts';
import type { AccountReader } from '../../execution/index.ts';
import {
  checkStatefulRules,
  checkStatelessRules,
  type DecodedLegacyTx,
  decodeRawTx,
  PoolError,
  type PoolLimits,
} from '../../pool/index.ts';
import type { Address, Hash } from '../../primitives/index.ts';
import type { InclusionHandoff } from '../../sequencer/index.ts';
import { envelope } from '../../streams/index.ts';
import {
  decide,
  foldTx,
  initialState,
  type TxEvent,
  type TxReceived,
  toTxData,
  txStreamId,
} from '../../streams/tx/index.ts';

export type PoolIntake = {
  /**
   * Admits a signed raw tx and returns its hash once the pool read model shows it.
   * @throws {InvalidTxInputError} when the bytes are not a transaction.
   * @throws {PoolError} with the reference message of the first pool rule broken.
   */
  submit(raw: Uint8Array, ip: string): Promise<Hash>;
};

export type PoolIntakeDeps = {
  store: EventStore;
  db: ReadModelDb;
  accounts: AccountReader;
  limits: PoolLimits;
  /** Read-your-writes: resolves when the read models reached the position. */
  waitForReadModels: (position: GlobalPosition) => Promise<void>;
  /** Told each admitted tx, which no block holds yet: a client polling for its receipt then costs no query. */
  absentReceipts?: Pick<AbsentReceipts, 'token' | 'markAbsent'>;
  /** The sequencer in this process, which takes admitted txs directly (direct inclusion); none: always append. */
  handoff?: Pick<InclusionHandoff, 'offer'>;
  /**
   * The pending count and same-nonce txs from the sequencer's in-memory pool view when this process has one that
   * follows the log (null otherwise: the read model is queried, `getAdmissionView`).
   */
  admissionView?: (from: Address, nonce: bigint) => Awaited<ReturnType<typeof getAdmissionView>> | null;
  /** The clock, read here (not in `decide`). @default () => new Date() */
  now?: () => Date;
};

export function createPoolIntake(deps: PoolIntakeDeps): PoolIntake {
  const { store, db, accounts, limits, handoff } = deps;
  const now = deps.now ?? (() => new Date());
  const lanes = new Map<string, Promise<unknown>>();
  // Concurrent submissions share commits: one append of many tx streams instead of one each.
  const appender = createAppendBatcher(store);

  /** Runs `fn` after every earlier call for the same key has settled. */
  function serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = lanes.get(key) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const tail = next.catch(() => {});
    lanes.set(key, tail);
    void tail.then(() => {
      if (lanes.get(key) === tail) lanes.delete(key);
    });
    return next;
  }

  /**
   * Checks `tx` against the state and the pool and appends its `TxReceived` (or hands it off); what it resolves to
   * resolves in turn with the position the read models must reach. A handed-off tx frees its sender's lane once
   * queued, not once committed: the sequencer takes a sender's txs in the order offered.
   */
  async function admit(tx: DecodedLegacyTx, ip: string): Promise<{ position: Promise<GlobalPosition> }> {
    const [account, { pendingCount, sameNonce }] = await Promise.all([
      accounts.getAccount(tx.from),
      deps.admissionView?.(tx.from, tx.nonce) ?? getAdmissionView(db.pool, tx.from, tx.nonce),
    ]);
    const { replaces } = checkStatefulRules(tx, { account, pendingCount, sameNonce }, limits);

    const ctx = { actor: 'rpc', at: now().toISOString(), correlationId: tx.hash };
    const received = envelope(
      decide({ type: 'ReceiveTx', data: receivedData(tx, ip) }, initialState()),
      ctx,
    ) as NewEvent<TxReceived>[];
    if (!replaces && handoff) {
      const position = handOff(handoff, received);
      position.catch(() => {}); // awaited by `submit` once the lane is free
      return { position };
    }
    const position = replaces
      ? await appendReplacing(received, replaces, ctx)
      : await appendReceived(received);
    return { position: Promise.resolve(position) };
  }

  /**
   * The expected revision that receives the tx on its stream: none, or the stream's last when the tx ended
   * without inclusion (replaced, failed, invalidated) and is sent again — the same signed bytes.
   * @throws {PoolError} "already known" when the tx is pending or included.
   */
  async function receivable(received: NewEvent<TxReceived>): Promise<ExpectedRevision> {
    const recorded = await store.readStream(txStreamId(received.data.hash));
    const last = recorded.at(-1);
    if (!last) return 'no_stream';
    try {
      decide({ type: 'ReceiveTx', data: received.data }, foldTx(recorded as unknown as TxEvent[]));
    } catch (err) {
      if (err instanceof IllegalStateError) throw new PoolError('already_known', 'already known');
      throw err;
    }
    return last.revision;
  }

  /**
   * Appends the tx's `TxReceived`: to a new stream, or after the end of a tx sent again (whose stream exists, found
   * on the conflict; a new tx costs no read).
   */
  async function appendReceived(received: NewEvent<TxReceived>[]): Promise<GlobalPosition> {
    let expected: ExpectedRevision = 'no_stream';
    for (let attempt = 0; ; attempt++) {
      try {
        return (await appender.append(txStreamId(received[0]!.data.hash), received, expected)).position;
      } catch (err) {
        if (!(err instanceof ExpectedRevisionConflictError)) throw err;
        // Another writer moved the stream meanwhile (the sequencer, another intake): look again.
        if (attempt >= 3) throw new PoolError('already_known', 'already known');
        expected = await receivable(received[0]!);
      }
    }
  }

  /** The sequencer's commit of a handed-off tx, or the intake's own append when it declines. */
  async function handOff(
    to: Pick<InclusionHandoff, 'offer'>,
    received: NewEvent<TxReceived>[],
  ): Promise<GlobalPosition> {
    return (await to.offer(received[0]!)) ?? appendReceived(received);
  }

  /**
   * Appends the tx's `TxReceived` and `TxReplaced` on the pending tx of the same nonce it replaces in ONE
   * `appendMany` (on Postgres one transaction): no sequencer round sees both pending, which could take the old one
   * while the sender of the new one gets its hash. The replaced tx is re-read (and the append decided again) when
   * the sequencer wrote to it meanwhile: no longer pending (failed, invalidated), the new tx is appended alone;
   * included, the new one's nonce is used — "nonce too low", as the next send would answer.
   */
  async function appendReplacing(
    received: NewEvent<TxReceived>[],
    hash: Hash,
    ctx: { actor: string; at: string; correlationId: string },
  ): Promise<GlobalPosition> {
    const receivedStream = txStreamId(received[0]!.data.hash);
    const replacedStream = txStreamId(hash);
    let expected: ExpectedRevision = 'no_stream';
    for (let attempt = 0; ; attempt++) {
      const recorded = await store.readStream(replacedStream);
      const state = foldTx(recorded as unknown as TxEvent[]);
      if (state.status === 'included') throw new PoolError('nonce_too_low', 'nonce too low');
      const appends: StreamAppend[] = [
        { streamId: receivedStream, events: received, expectedRevision: expected },
      ];
      if (state.status === 'pending') {
        const replacedBy = received[0]!.data.hash;
        appends.push({
          streamId: replacedStream,
          events: envelope(decide({ type: 'ReplaceTx', data: { hash, replacedBy } }, state), {
            ...ctx,
            causationId: received[0]!.id,
          }),
          expectedRevision: recorded.at(-1)!.revision,
        });
      }
      try {
        // The replaced tx's `TxReplaced` comes last: its position is the append's.
        return (await store.appendMany(appends)).at(-1)!.position;
      } catch (err) {
        if (!(err instanceof ExpectedRevisionConflictError)) throw err;
        if (attempt >= 3) {
          if (err.streamId === receivedStream) throw new PoolError('already_known', 'already known');
          throw err;
        }
        if (err.streamId === receivedStream) expected = await receivable(received[0]!);
      }
    }
  }

  return {
    async submit(raw, ip) {
      const token = deps.absentReceipts?.token();
      const tx = checkStatelessRules(decodeRawTx(raw), limits, ip);
      const position = await (await serialised(tx.from, () => admit(tx, ip))).position;
      if (token !== undefined) deps.absentReceipts?.markAbsent(tx.hash, token);
      await deps.waitForReadModels(position);
      return tx.hash;
    },
  };
}

function receivedData(tx: DecodedLegacyTx, ip: string): TxReceived['data'] {
  return { ...toTxData(tx), raw: tx.raw, ip: ip || null };
}
