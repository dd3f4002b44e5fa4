import { describe, expect, it } from 'vitest';
import { uuidv7, type Envelope, type HouseholdEvent, type PersonEvent } from '@fangyi/contracts';
import { DEFAULT_PARTITION, InMemoryProjectionStore, applyEvent } from '@fangyi/projections';
import {
  DIRECTORY_HOUSEHOLDS,
  DIRECTORY_INDEX,
  DIRECTORY_PEOPLE,
  ResidentsDirectory,
  fold,
  residentsDirectoryProjection,
} from './projection.ts';

/** Applies each event on its own stream, in order, into a fresh directory. */
async function directoryAfter(...events: (HouseholdEvent | PersonEvent)[]) {
  const store = new InMemoryProjectionStore();
  const revisions = new Map<string, number>();
  for (const e of events) {
    const streamId =
      'personId' in e.data ? `person-${e.data.personId}` : `household-${e.data.householdId}`;
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    const envelope: Envelope = {
      id: uuidv7(),
      type: e.type,
      schemaVersion: 1,
      streamId,
      streamRevision: revision,
      occurredAt: '2020-02-05T01:30:00.000Z',
      recordedAt: '2020-02-05T01:30:00.100Z',
      actor: { id: 'registrar-zhangcun', role: 'registrar' },
      correlationId: 'c',
      causationId: null,
      data: e.data,
    };
    await applyEvent(residentsDirectoryProjection(), store, envelope);
  }
  const prefix = async (collection: string, index: string, value: string, text: string) =>
    (
      await store.page<{ personId?: string; householdId: string }>({
        collection,
        partition: DEFAULT_PARTITION,
        index,
        value,
        from: fold(text),
        to: `${fold(text)}\uffff`,
        limit: 50,
      })
    ).items.map((d) => d.personId ?? d.householdId);
  return { store, directory: new ResidentsDirectory(store), prefix };
}

const household = (householdId: string, community: string, address: string): HouseholdEvent => ({
  type: 'residents.household-registered',
  data: { householdId, community, grid: `${community}-01`, address, kind: 'rental' },
});
const registered = (
  personId: string,
  householdId: string,
  community: string,
  name: string,
): PersonEvent => ({
  type: 'residents.person-registered',
  data: {
    personId,
    householdId,
    community,
    name,
    idNumber: 'enc:v1:sealed',
    phone: 'enc:v1:sealed',
    sex: 'male',
    birthDate: '1990-03-15',
    registration: 'local',
    travelHistory: [],
  },
});

describe('residents directory projection', () => {
  it('folds text for comparison: full-width characters, case and spaces do not matter', () => {
    expect(fold('牟家村 １２ 号 Ａ座')).toBe('牟家村12号a座');
  });

  it('indexes people by name and households by address under their community and under *', async () => {
    const { prefix, directory } = await directoryAfter(
      household('h1', 'moujia', '牟家村 12 号'),
      household('h2', 'zhangcun', '张村 3 号'),
      registered('p1', 'h1', 'moujia', '王芳'),
      registered('p2', 'h2', 'zhangcun', '王强'),
    );
    expect(await prefix(DIRECTORY_PEOPLE, DIRECTORY_INDEX.name, 'moujia', '王')).toEqual(['p1']);
    // Ordered by the folded name (code points: 强 before 芳).
    expect(await prefix(DIRECTORY_PEOPLE, DIRECTORY_INDEX.name, '*', '王')).toEqual(['p2', 'p1']);
    expect(
      await prefix(DIRECTORY_HOUSEHOLDS, DIRECTORY_INDEX.address, 'moujia', '牟家村12'),
    ).toEqual(['h1']);
    expect(await prefix(DIRECTORY_HOUSEHOLDS, DIRECTORY_INDEX.address, 'zhangcun', '牟家')).toEqual(
      [],
    );
    // A prefix is a prefix: the middle of a name does not match.
    expect(await prefix(DIRECTORY_PEOPLE, DIRECTORY_INDEX.name, '*', '芳')).toEqual([]);
    expect(await directory.person('p1')).toEqual({
      personId: 'p1',
      name: '王芳',
      householdId: 'h1',
      community: 'moujia',
      status: 'living',
    });
    // No ID or phone number in the directory, not even sealed.
    expect(JSON.stringify(await directory.person('p1'))).not.toContain('enc:v1');
  });

  it('moves a person to the index of the community they move to, and keeps someone who moved out', async () => {
    const { prefix, directory } = await directoryAfter(
      household('h1', 'moujia', '牟家村 12 号'),
      household('h2', 'zhangcun', '张村 3 号'),
      registered('p1', 'h1', 'moujia', '王芳'),
      {
        type: 'residents.person-moved-in',
        data: {
          personId: 'p1',
          fromHouseholdId: 'h1',
          householdId: 'h2',
          community: 'zhangcun',
          movedInOn: '2020-02-05',
        },
      },
    );
    expect(await prefix(DIRECTORY_PEOPLE, DIRECTORY_INDEX.name, 'moujia', '王')).toEqual([]);
    expect(await prefix(DIRECTORY_PEOPLE, DIRECTORY_INDEX.name, 'zhangcun', '王')).toEqual(['p1']);
    const after = await directoryAfter(registered('p3', 'h1', 'moujia', '李四'), {
      type: 'residents.person-moved-out',
      data: { personId: 'p3', householdId: 'h1', community: 'moujia', movedOutOn: '2020-02-05' },
    });
    expect(await after.directory.person('p3')).toMatchObject({ status: 'moved-out' });
    expect(await after.prefix(DIRECTORY_PEOPLE, DIRECTORY_INDEX.name, 'moujia', '李')).toEqual([
      'p3',
    ]);
    expect(await directory.person('p1')).toMatchObject({
      householdId: 'h2',
      community: 'zhangcun',
      status: 'living',
    });
  });
});
