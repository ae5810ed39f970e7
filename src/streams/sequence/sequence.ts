/**
 * The `sequence-sender` stream (DESIGN §4): one `SequenceSent` per L1 `sequenceBatches` tx the sequence sender
 * hands to the eth-tx-manager, naming the batches it carries and the L1 tx id. Sequences are consecutive: each
 * starts right after the previous one. Pure decider: no clock, randomness or I/O.
 */
import { assertNever, IllegalStateError } from '../../errors/index.ts';
import type { Event } from '../../eventstore/types.ts';

export const SEQUENCE_SENDER_STREAM_ID = 'sequence-sender';

/** The eth-tx-manager id of the sequence of batches `from`..`to` (the reference's monitored-tx id). Pure. */
export const sequenceL1TxId = (from: bigint, to: bigint): string => `sequence-from-${from}-to-${to}`;

/** Batches `fromBatch`..`toBatch` (decimal strings) were handed to the eth-tx-manager as L1 tx `l1TxId`. */
export type SequenceSent = Event<'SequenceSent', { fromBatch: string; toBatch: string; l1TxId: string }>;

export type SequenceEvent = SequenceSent;

export type SequenceState = {
  /** The last batch handed to L1 (0 = none: batch 0 is the genesis batch, never sequenced). */
  lastSentBatch: bigint;
  last: { fromBatch: bigint; toBatch: bigint; l1TxId: string } | null;
};

export type SendSequence = { type: 'SendSequence'; data: { fromBatch: bigint; toBatch: bigint } };
export type SequenceCommand = SendSequence;

export const initialState = (): SequenceState => ({ lastSentBatch: 0n, last: null });

export function evolve(_state: SequenceState, event: SequenceEvent): SequenceState {
  switch (event.type) {
    case 'SequenceSent': {
      const fromBatch = BigInt(event.data.fromBatch);
      const toBatch = BigInt(event.data.toBatch);
      return { lastSentBatch: toBatch, last: { fromBatch, toBatch, l1TxId: event.data.l1TxId } };
    }
    default:
      return assertNever(event.type, 'sequence event');
  }
}

/**
 * @throws {IllegalStateError} when the sequence does not start right after the last one sent, or is empty.
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
            l1TxId: sequenceL1TxId(fromBatch, toBatch),
          },
        },
      ];
    }
    default:
      return assertNever(command.type, 'sequence command');
  }
}

export const foldSequence = (events: readonly SequenceEvent[]): SequenceState =>
  events.reduce(evolve, initialState());
