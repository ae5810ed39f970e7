/** The `sequence-sender` stream (DESIGN §4): sequences handed to L1, pure `decide`/`evolve`. */
export {
  decide,
  evolve,
  foldSequence,
  initialState,
  type ResendSequence,
  SEQUENCE_SENDER_STREAM_ID,
  type SendSequence,
  type SequenceCommand,
  type SequenceEvent,
  type SequenceSent,
  type SequenceState,
  sequenceL1TxId,
} from './sequence.ts';
