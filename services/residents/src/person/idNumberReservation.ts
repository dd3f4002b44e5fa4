import {
  currentVersionOf,
  parseEnvelope,
  type IdNumberReservationEvent,
  type NewEvent,
} from '@fangyi/contracts';
import { WrongExpectedRevisionError, type EventStore } from '@fangyi/eventstore';
import { idNumberSubject, type CommandMetadata, type PersonalDataVault } from '@fangyi/service-kit';

/**
 * The stream holding an ID number's one reservation, named by an HMAC-SHA256 under the reservation
 * key: the ID number itself is kept only sealed on the person's stream, and without the key a
 * dictionary of valid ID numbers cannot be matched against stream names (an unkeyed hash could be).
 */
export const idNumberStreamId = (reservationKey: Buffer, idNumber: string): string =>
  idNumberSubject(reservationKey, idNumber);

export type Reservation =
  /** This person now holds the ID number. */
  | { readonly outcome: 'reserved'; readonly personId: string }
  /** Someone held it already: this person (whose stream may or may not exist yet). */
  | { readonly outcome: 'held'; readonly personId: string };

/** Writers racing for a number held by a forgotten person: each lost race is read again, this many times. */
const MAX_TRIES = 5;

/**
 * Reserves the ID number for `personId`: appends `residents.id-number-reserved` (the person id sealed
 * with their key) to the ID number's stream with the expected revision the store checks atomically
 * (no-stream for a new number), so of two writers one wins. The loser learns whom the number is
 * reserved for. A number whose holder was forgotten (their key, and so the reservation's person id,
 * can no longer be read) is free again: the new reservation is appended after the old one.
 */
export async function reserveIdNumber(
  store: EventStore,
  vault: PersonalDataVault,
  reservationKey: Buffer,
  idNumber: string,
  personId: string,
  meta: Pick<CommandMetadata, 'actor' | 'correlationId' | 'occurredAt' | 'newId'>,
): Promise<Reservation> {
  const streamId = idNumberStreamId(reservationKey, idNumber);
  const reserved: IdNumberReservationEvent = {
    type: 'residents.id-number-reserved',
    data: { personId: await vault.seal(personId, personId) },
  };
  const envelope = (): NewEvent => ({
    id: meta.newId(),
    type: reserved.type,
    schemaVersion: currentVersionOf(reserved.type),
    occurredAt: meta.occurredAt.toISOString(),
    actor: meta.actor,
    correlationId: meta.correlationId,
    causationId: null,
    data: reserved.data,
  });
  let expectedRevision: 'no-stream' | number = 'no-stream';
  for (let attempt = 1; ; attempt++) {
    try {
      await store.append(streamId, [envelope()], { expectedRevision });
      return { outcome: 'reserved', personId };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_TRIES) throw error;
    }
    const last = (await store.readStream(streamId)).at(-1);
    // The append said the stream exists; an empty read would be a store bug, not a user's mistake.
    if (!last) throw new Error(`reservation stream ${streamId} exists but reads empty`);
    const held = await vault.open(
      (parseEnvelope(last).data as IdNumberReservationEvent['data']).personId,
    );
    if (held !== null) return { outcome: 'held', personId: held };
    expectedRevision = last.streamRevision;
  }
}
