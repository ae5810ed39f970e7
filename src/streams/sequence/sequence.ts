/**
 * The `sequence-sender` stream (DESIGN §4): one `SequenceSent` per L1 `sequenceBatches` tx the sequence sender
 * hands to the eth-tx-manager, naming the batches it carries and the L1 tx id. Sequences are consecutive: each
 * starts right after the previous one. Pure decider: no clock, randomness or I/O.
 */
import { assertNever, IllegalStateError } from '../../errors/index.ts';
import type { Event } from '../../eventstore/types.ts';

export const SEQUENCE_SENDER_STREAM_ID = 'sequence-sender';

/**
 * The eth-tx-manager id of the sequence of batches `from`..`to` (the reference's monitored-tx id); a sequence sent
 * again after L1 lost it (a reorg deeper than the confirmations) gets `-attempt-N`. Pure.
 */
export const sequenceL1TxId = (from: bigint, to: bigint, attempt = 1): string =>
  attempt <= 1 ? `sequence-from-${from}-to-${to}` : `sequence-from-${from}-to-${to}-attempt-${attempt}`;

/**
 * Batches `fromBatch`..`toBatch` (decimal strings) were handed to the eth-tx-manager as L1 tx `l1TxId`. `resent`:
 * they had been sent before and L1 lost them (absent on first sends).
 */
export type SequenceSent = Event<
  'SequenceSent',
  { fromBatch: string; toBatch: string; l1TxId: string; resent?: boolean }
>;

export type SequenceEvent = SequenceSent;

export type SequenceState = {
  /** The last batch handed to L1 (0 = none: batch 0 is the genesis batch, never sequenced). */
  lastSentBatch: bigint;
  last: { fromBatch: bigint; toBatch: bigint; l1TxId: string } | null;
  /** Every sequence handed to L1 that may still matter, oldest first (pruned by the owner as batches settle). */
  sent: { fromBatch: bigint; toBatch: bigint; l1TxId: string }[];
  /** Sends per range `from-to` (the next send's attempt is one more). */
  attempts: Map<string, number>;
};

export type SendSequence = { type: 'SendSequence'; data: { fromBatch: bigint; toBatch: bigint } };
/** Sends again a sequence L1 lost after it was sent (a reorg deeper than the confirmations): the same batches. */
export type ResendSequence = { type: 'ResendSequence'; data: { fromBatch: bigint; toBatch: bigint } };
export type SequenceCommand = SendSequence | ResendSequence;

export const initialState = (): SequenceState => ({
  lastSentBatch: 0n,
  last: null,
  sent: [],
  attempts: new Map(),
});

export function evolve(state: SequenceState, event: SequenceEvent): SequenceState {
  switch (event.type) {
    case 'SequenceSent': {
      const fromBatch = BigInt(event.data.fromBatch);
      const toBatch = BigInt(event.data.toBatch);
      const last = { fromBatch, toBatch, l1TxId: event.data.l1TxId };
      const attempts = new Map(state.attempts);
      const key = `${fromBatch}-${toBatch}`;
      attempts.set(key, (attempts.get(key) ?? 0) + 1);
      // A re-send replaces the sequence it repeats.
      const sent = [...state.sent.filter((s) => s.toBatch < fromBatch || s.fromBatch > toBatch), last].sort(
        (a, b) => (a.fromBatch < b.fromBatch ? -1 : 1),
      );
      return {
        lastSentBatch: toBatch > state.lastSentBatch ? toBatch : state.lastSentBatch,
        last,
        sent,
        attempts,
      };
    }
    default:
      return assertNever(event.type, 'sequence event');
  }
}

/**
 * @throws {IllegalStateError} when a sequence does not start right after the last one sent, or is empty; when a
 *   re-send does not start where a sent sequence started or covers batches never sent.
 */
export function decide(command: SequenceCommand, state: SequenceState): SequenceEvent[] {
  switch (command.type) {
    case 'SendSequence': {
      const { fromBatch, toBatch } = command.data;
      if (fromBatch !== state.lastSentBatch + 1n) {
        throw new IllegalStateError(
          `a sequence must start at batch ${state.lastSentBatch + 1n} (the last sent is ${state.lastSentBatch}), not ${fromBatch}`,
        );
      }
      if (toBatch < fromBatch) throw new IllegalStateError(`empty sequence ${fromBatch}..${toBatch}`);
      return [
        {
          type: 'SequenceSent',
          data: {
            fromBatch: fromBatch.toString(),
            toBatch: toBatch.toString(),
            l1TxId: sequenceL1TxId(
              fromBatch,
              toBatch,
              (state.attempts.get(`${fromBatch}-${toBatch}`) ?? 0) + 1,
            ),
          },
        },
      ];
    }
    case 'ResendSequence': {
      const { fromBatch, toBatch } = command.data;
      if (fromBatch < 1n || toBatch < fromBatch || toBatch > state.lastSentBatch)
        throw new IllegalStateError(
          `a re-send covers batches already sent (1..${state.lastSentBatch}), not ${fromBatch}..${toBatch}`,
        );
      if (!state.sent.some((s) => s.fromBatch === fromBatch && s.toBatch === toBatch))
        throw new IllegalStateError(`a re-send repeats a sent sequence; none was ${fromBatch}..${toBatch}`);
      const attempt = (state.attempts.get(`${fromBatch}-${toBatch}`) ?? 0) + 1;
      return [
        {
          type: 'SequenceSent',
          data: {
            fromBatch: fromBatch.toString(),
            toBatch: toBatch.toString(),
            l1TxId: sequenceL1TxId(fromBatch, toBatch, attempt),
            resent: true,
          },
        },
      ];
    }
    default:
      return assertNever(command, 'sequence command');
  }
}

export const foldSequence = (events: readonly SequenceEvent[]): SequenceState =>
  events.reduce(evolve, initialState());
