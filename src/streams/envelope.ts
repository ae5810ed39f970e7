import { randomUUID } from 'node:crypto';
import type { Event, EventMetadata, NewEvent } from '../eventstore/types.ts';

export type EnvelopeContext = {
  /** The role appending (`rpc`, `sequencer`, …). */
  actor: string;
  /** ISO time of the decision. */
  at: string;
  causationId?: string;
  correlationId?: string;
};

/**
 * Wraps decided domain events for appending: a fresh unique id each, schema version 1 unless given, and the
 * metadata of DESIGN §4. The only impure step between `decide` and `append` (it draws ids).
 */
export function envelope<E extends Event>(events: readonly E[], ctx: EnvelopeContext): NewEvent<E>[] {
  const metadata: EventMetadata = {
    at: ctx.at,
    actor: ctx.actor,
    ...(ctx.causationId ? { causationId: ctx.causationId } : {}),
    ...(ctx.correlationId ? { correlationId: ctx.correlationId } : {}),
  };
  return events.map((event) => ({ ...event, id: randomUUID(), version: 1, metadata }));
}
