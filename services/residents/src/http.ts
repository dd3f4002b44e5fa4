import { z } from 'zod';
import { parseEnvelope, type Actor, type Envelope } from '@fangyi/contracts';
import type { EventStore, RecordedEvent } from '@fangyi/eventstore';
import { DomainError, type Clock, type User } from '@fangyi/service-kit';

/** What every residents route needs; the composition root makes them. */
export interface ResidentsDeps {
  readonly eventStore: EventStore;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly timeZone: string;
}

/** The part of a route's context a command needs. */
export interface CommandContext {
  readonly user: User;
  actor(): Actor;
  readonly request: { readonly correlationId: string; readonly headers: unknown };
}

const idParam = z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ only');
export const HouseholdParams = z.strictObject({ householdId: idParam });
export const PersonParams = z.strictObject({ personId: idParam });

const IfMatch = z.object({ 'if-match': z.string().regex(/^"?\d+"?$/, 'must be a revision number').optional() });

/** The revision the caller last saw (If-Match: "3"), so a write on a stale page is refused with 412. */
export function expectedRevisionOf(headers: unknown): number | undefined {
  const parsed = IfMatch.safeParse(headers);
  if (!parsed.success) throw new DomainError('VALIDATION_FAILED', 'If-Match must be a revision number', [{ field: 'headers.if-match', message: 'must be a revision number' }]);
  const v = parsed.data['if-match'];
  return v === undefined ? undefined : Number(v.replaceAll('"', ''));
}

/** A stream's events as envelopes (without the store's log position), each passed through `redact`. */
export function toHistory(events: readonly RecordedEvent[], redact: (e: Envelope) => Envelope = (e) => e): Envelope[] {
  return events.map(({ position: _position, ...envelope }) => redact(parseEnvelope(envelope)));
}
