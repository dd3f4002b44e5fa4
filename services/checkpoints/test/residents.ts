import { uuidv7 } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';

const registrar = { id: 'registrar-zhangcun', role: 'registrar' } as const;
const event = (type: string, data: object) => ({
  id: uuidv7(),
  type,
  schemaVersion: 1,
  occurredAt: '2020-01-20T01:00:00.000Z',
  actor: registrar,
  correlationId: `corr-${uuidv7()}`,
  causationId: null,
  data,
});

/** A person as the residents service records their registration, on the shared log the checkpoints service reads. */
export async function registerPerson(
  eventStore: EventStore,
  personId: string,
  community = 'zhangcun',
  name = '王芳',
): Promise<void> {
  await eventStore.append(
    `person-${personId}`,
    [
      event('residents.person-registered', {
        personId,
        householdId: `h-${community}-1`,
        community,
        name,
        idNumber: '370202199001011234',
        phone: '13800000000',
        sex: 'female',
        birthDate: '1990-01-01',
        registration: 'local',
        travelHistory: [],
      }),
    ],
    { expectedRevision: 'no-stream' },
  );
}

/** A pass issued to a registered person (the person's stream has only their registration before it). */
export async function issuePass(
  eventStore: EventStore,
  personId: string,
  passId: string,
  community = 'zhangcun',
): Promise<void> {
  await eventStore.append(
    `person-${personId}`,
    [
      event('residents.pass-issued', {
        personId,
        passId,
        community,
        issuedOn: '2020-01-20',
        validUntil: '2020-02-18',
        screeningId: uuidv7(),
      }),
    ],
    { expectedRevision: 0 },
  );
}
