import { uuidv7 } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';

export interface RegisteredPerson {
  readonly personId: string;
  readonly name: string;
  readonly community: string;
}

const registrar = { id: 'registrar-moujia', role: 'registrar' } as const;

/** A person as the residents service records their registration, on the shared log the quarantine service reads. */
export async function registerPerson(
  eventStore: EventStore,
  o: { personId?: string; name?: string; community?: string } = {},
): Promise<RegisteredPerson> {
  const personId = o.personId ?? `p-${uuidv7()}`;
  const name = o.name ?? '李娜';
  const community = o.community ?? 'moujia';
  await eventStore.append(
    `person-${personId}`,
    [
      {
        id: uuidv7(),
        type: 'residents.person-registered',
        schemaVersion: 1,
        occurredAt: '2020-01-20T01:00:00.000Z',
        actor: registrar,
        correlationId: `corr-${personId}`,
        causationId: null,
        data: {
          personId,
          householdId: `h-${community}-1`,
          community,
          name,
          idNumber: '420102199001011234',
          phone: '13800000000',
          sex: 'female',
          birthDate: '1990-01-01',
          registration: 'outside',
          originProvince: '湖北省',
          originCity: '武汉市',
          travelHistory: [],
        },
      },
    ],
    { expectedRevision: 'no-stream' },
  );
  return { personId, name, community };
}

/** The person leaves the district, as the residents service records it. */
export async function moveOut(eventStore: EventStore, person: RegisteredPerson): Promise<void> {
  await eventStore.append(
    `person-${person.personId}`,
    [
      {
        id: uuidv7(),
        type: 'residents.person-moved-out',
        schemaVersion: 1,
        occurredAt: '2020-01-21T01:00:00.000Z',
        actor: registrar,
        correlationId: `corr-${person.personId}`,
        causationId: null,
        data: {
          personId: person.personId,
          householdId: `h-${person.community}-1`,
          community: person.community,
          movedOutOn: '2020-01-21',
        },
      },
    ],
    { expectedRevision: 0 },
  );
}
