import { z } from 'zod';
import { parseEnvelope, type Actor, type Envelope } from '@fangyi/contracts';
import type { RecordedEvent } from '@fangyi/eventstore';
import type { CommandMetadata } from './commandHandler.ts';
import { DomainError } from './errors.ts';

/** An id in a path: what services make (UUIDs) and what registrars type (letters, digits, - and _). */
export const IdParamSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only');

const IfMatch = z.object({
  'if-match': z
    .string()
    .regex(/^"?\d+"?$/, 'must be a revision number')
    .optional(),
});

/** The revision the caller last saw (If-Match: "3"), so a write decided on a stale page is refused with 412. */
export function expectedRevisionOf(headers: unknown): number | undefined {
  const parsed = IfMatch.safeParse(headers);
  if (!parsed.success)
    throw new DomainError('VALIDATION_FAILED', 'If-Match must be a revision number', [
      { field: 'headers.if-match', message: 'must be a revision number' },
    ]);
  const v = parsed.data['if-match'];
  return v === undefined ? undefined : Number(v.replaceAll('"', ''));
}

/** A stream's events as envelopes (without the store's log position), validated and upcast, each passed through `redact`. */
export function toHistory(
  events: readonly RecordedEvent[],
  redact: (e: Envelope) => Envelope = (e) => e,
): Envelope[] {
  return events.map(({ position: _position, ...envelope }) => redact(parseEnvelope(envelope)));
}

/** The part of a route's context that a command's metadata comes from. */
export interface CommandRequestContext {
  actor(): Actor;
  readonly request: { readonly correlationId: string; readonly headers: unknown };
}

/**
 * What a route hands handleCommand: the actor from the token, the request's correlation id, when it
 * happened, the id maker, the If-Match revision (unless the route opts out) and an authorize check.
 */
export function commandMeta<State>(
  ctx: CommandRequestContext,
  options: {
    newId: () => string;
    occurredAt: Date;
    authorize?: (state: State) => void;
    ifMatch?: boolean;
  },
): CommandMetadata<State> {
  const expectedRevision =
    options.ifMatch === false ? undefined : expectedRevisionOf(ctx.request.headers);
  return {
    actor: ctx.actor(),
    correlationId: ctx.request.correlationId,
    occurredAt: options.occurredAt,
    newId: options.newId,
    ...(expectedRevision !== undefined ? { expectedRevision } : {}),
    ...(options.authorize ? { authorize: options.authorize } : {}),
  };
}
