import { uuidv7 } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';

/** A household as the residents service records its registration, on the shared log the complaints service reads. */
export async function registerHousehold(
  eventStore: EventStore,
  householdId: string,
  community: string,
  estate?: string,
): Promise<void> {
  await eventStore.append(
    `household-${householdId}`,
    [
      {
        id: uuidv7(),
        type: 'residents.household-registered',
        schemaVersion: 1,
        occurredAt: '2020-01-20T01:00:00.000Z',
        actor: { id: 'registrar-kutao', role: 'registrar' },
        correlationId: `corr-${householdId}`,
        causationId: null,
        data: {
          householdId,
          community,
          ...(estate ? { estate } : {}),
          grid: `${community}-g1`,
          address: '枯桃路3号楼102室',
          kind: 'rental',
        },
      },
    ],
    { expectedRevision: 'no-stream' },
  );
}
