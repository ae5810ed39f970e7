/** Stream modules (DESIGN §4) live one folder each (`streams/tx/`); this is the event envelope they share. */
export { type EnvelopeContext, envelope } from './envelope.ts';
