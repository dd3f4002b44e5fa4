import { currentVersionOf, parseEnvelope, type IdNumberReservationEvent, type NewEvent } from '@fangyi/contracts';
import { WrongExpectedRevisionError, type EventStore } from '@fangyi/eventstore';
import { reservationDigest, type CommandMetadata } from '@fangyi/service-kit';

/** The schema already trims and upper-cases; done again here so no caller can reserve `…x` beside `…X`. */
export const normaliseIdNumber = (idNumber: string): string => idNumber.trim().toUpperCase();

/**
 * The stream holding an ID number's one reservation, named by an HMAC-SHA256 under the reservation
 * key: the ID number itself is kept only sealed on the person's stream, and without the key a
 * dictionary of valid ID numbers cannot be matched against stream names (an unkeyed hash could be).
 */
export const idNumberStreamId = (reservationKey: Buffer, idNumber: string): string => `idNumber-${reservationDigest(reservationKey, normaliseIdNumber(idNumber))}`;

export type Reservation =
  /** This person now holds the ID number. */
  | { readonly outcome: 'reserved'; readonly personId: string }
  /** Someone held it already: this person (whose stream may or may not exist yet). */
  | { readonly outcome: 'held'; readonly personId: string };

/**
 * Reserves the ID number for `personId`: appends `residents.id-number-reserved` to the ID number's
 * stream with expected revision no-stream, which the store checks atomically, so of two writers one wins.
 * The loser learns whom the number is reserved for.
 */
export async function reserveIdNumber(store: EventStore, reservationKey: Buffer, idNumber: string, personId: string, meta: Pick<CommandMetadata, 'actor' | 'correlationId' | 'occurredAt' | 'newId'>): Promise<Reservation> {
  const streamId = idNumberStreamId(reservationKey, idNumber);
  const reserved: IdNumberReservationEvent = { type: 'residents.id-number-reserved', data: { personId } };
  const envelope: NewEvent = {
    id: meta.newId(),
    type: reserved.type,
    schemaVersion: currentVersionOf(reserved.type),
    occurredAt: meta.occurredAt.toISOString(),
    actor: meta.actor,
    correlationId: meta.correlationId,
    causationId: null,
    data: reserved.data,
  };
  try {
    await store.append(streamId, [envelope], { expectedRevision: 'no-stream' });
    return { outcome: 'reserved', personId };
  } catch (error) {
    if (!(error instanceof WrongExpectedRevisionError)) throw error;
  }
  const [first] = await store.readStream(streamId);
  // The append said the stream exists; an empty read would be a store bug, not a user's mistake.
  if (!first) throw new Error(`reservation stream ${streamId} exists but reads empty`);
  const held = parseEnvelope(first).data as IdNumberReservationEvent['data'];
  return { outcome: 'held', personId: held.personId };
}
