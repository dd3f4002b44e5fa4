import { describe, expect, it } from 'vitest';
import { uuidv7, type Envelope, type PersonEvent } from '@fangyi/contracts';
import { InMemoryProjectionStore, applyEvent } from '@fangyi/projections';
import { businessDate } from '@fangyi/service-kit';
import { HouseholdPeople, householdPeopleProjection } from './projection.ts';

const projection = householdPeopleProjection((iso) => businessDate(new Date(iso), 'Asia/Shanghai'));

/** Applies each person's events in order, as their own streams, into a fresh read model. */
async function membersAfter(...events: PersonEvent[]) {
  const store = new InMemoryProjectionStore();
  const revisions = new Map<string, number>();
  for (const e of events) {
    const streamId = `person-${e.data.personId}`;
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    const envelope: Envelope = {
      id: uuidv7(),
      type: e.type,
      schemaVersion: 1,
      streamId,
      streamRevision: revision,
      // 01:30 on the 5th in Shanghai is still the 4th in UTC: the registration day is the district's.
      occurredAt: '2020-02-04T17:30:00.000Z',
      recordedAt: '2020-02-04T17:30:00.100Z',
      actor: { id: 'registrar-zhangcun', role: 'registrar' },
      correlationId: 'c',
      causationId: null,
      data: e.data,
    };
    expect(await applyEvent(projection, store, envelope)).toBe('applied');
  }
  const people = new HouseholdPeople(store);
  const of = async (householdId: string) =>
    (await people.of(householdId)).map(({ membership, person }) => ({
      ...membership,
      name: person.name,
      screening: person.latestScreening?.date ?? null,
      pass: person.pass,
      arrival: person.lastArrival?.arrivedOn ?? null,
      quarantineCases: person.quarantineCases,
    }));
  return { of };
}

const registered = (personId: string, householdId: string, name = '刘伟'): PersonEvent => ({
  type: 'residents.person-registered',
  data: {
    personId,
    householdId,
    community: 'zhangcun',
    name,
    idNumber: '420106199003150013',
    phone: '13912345678',
    sex: 'male',
    birthDate: '1990-03-15',
    registration: 'outside',
    originProvince: '湖北',
    originCity: '武汉',
    travelHistory: [],
  },
});
const movedIn = (
  personId: string,
  fromHouseholdId: string,
  householdId: string,
  movedInOn: string,
): PersonEvent => ({
  type: 'residents.person-moved-in',
  data: { personId, fromHouseholdId, householdId, community: 'zhangcun', movedInOn },
});
const movedOut = (
  personId: string,
  householdId: string,
  movedOutOn: string,
  destination?: string,
): PersonEvent => ({
  type: 'residents.person-moved-out',
  data: {
    personId,
    householdId,
    community: 'zhangcun',
    movedOutOn,
    ...(destination ? { destination } : {}),
  },
});
const screened = (personId: string, screeningId: string, date: string): PersonEvent => ({
  type: 'residents.screening-recorded',
  data: {
    personId,
    screeningId,
    householdId: 'h1',
    community: 'zhangcun',
    date,
    temperatureC: 36.5,
    symptoms: [],
    result: 'normal',
    visitedBy: 'registrar-zhangcun',
  },
});
const arrived = (personId: string, arrivedOn: string): PersonEvent => ({
  type: 'residents.person-arrived',
  data: {
    personId,
    personName: '刘伟',
    householdId: 'h1',
    community: 'zhangcun',
    originProvince: '湖北',
    originCity: '孝感',
    arrivedOn,
  },
});

describe('household people projection', () => {
  it('puts a registered person in their household from the business day of the registration', async () => {
    const { of } = await membersAfter(
      registered('p1', 'h1'),
      registered('p2', 'h1', '王芳'),
      registered('p3', 'h2'),
    );
    expect(await of('h1')).toEqual([
      expect.objectContaining({
        personId: 'p1',
        name: '刘伟',
        movedInOn: '2020-02-05',
        joinedBy: 'registered',
        movedOutOn: null,
        leftBy: null,
      }),
      expect.objectContaining({ personId: 'p2', name: '王芳', movedOutOn: null }),
    ]);
    expect(await of('h3')).toEqual([]);
  });

  it('a move to another household ends the stay in the first on the day of the move and starts one in the second', async () => {
    const { of } = await membersAfter(
      registered('p1', 'h1'),
      movedIn('p1', 'h1', 'h2', '2020-02-04'),
    );
    expect(await of('h1')).toEqual([
      expect.objectContaining({
        personId: 'p1',
        movedOutOn: '2020-02-04',
        leftBy: 'moved-to-another-household',
        movedToHouseholdId: 'h2',
      }),
    ]);
    expect(await of('h2')).toEqual([
      expect.objectContaining({
        personId: 'p1',
        movedInOn: '2020-02-04',
        joinedBy: 'moved-in',
        movedOutOn: null,
      }),
    ]);
  });

  it('a move out ends the stay with its destination; moving back in makes them live there again, listed once', async () => {
    const out = await membersAfter(
      registered('p1', 'h1'),
      movedOut('p1', 'h1', '2020-02-03', '青岛'),
    );
    expect(await out.of('h1')).toEqual([
      expect.objectContaining({
        movedOutOn: '2020-02-03',
        leftBy: 'moved-out',
        destination: '青岛',
        movedToHouseholdId: null,
      }),
    ]);
    const back = await membersAfter(
      registered('p1', 'h1'),
      movedOut('p1', 'h1', '2020-02-03'),
      movedIn('p1', 'h1', 'h1', '2020-02-05'),
    );
    expect(await back.of('h1')).toEqual([
      expect.objectContaining({
        personId: 'p1',
        movedInOn: '2020-02-05',
        joinedBy: 'moved-in',
        movedOutOn: null,
        leftBy: null,
      }),
    ]);
  });

  it('someone who moved out of the district and then into another household keeps the first ending', async () => {
    const { of } = await membersAfter(
      registered('p1', 'h1'),
      movedOut('p1', 'h1', '2020-02-01', '青岛'),
      movedIn('p1', 'h1', 'h2', '2020-02-04'),
    );
    expect(await of('h1')).toEqual([
      expect.objectContaining({
        movedOutOn: '2020-02-01',
        leftBy: 'moved-out',
        movedToHouseholdId: null,
      }),
    ]);
    expect(await of('h2')).toEqual([expect.objectContaining({ movedOutOn: null })]);
  });

  it('keeps the latest screening and arrival by date, as the person page does, whatever the order they were recorded in', async () => {
    const { of } = await membersAfter(
      registered('p1', 'h1'),
      screened('p1', 's1', '2020-02-04'),
      screened('p1', 's2', '2020-02-02'),
      arrived('p1', '2020-02-03'),
      arrived('p1', '2020-01-30'),
    );
    expect(await of('h1')).toEqual([
      expect.objectContaining({ screening: '2020-02-04', arrival: '2020-02-03' }),
    ]);
  });

  it('follows the pass through its revocation, and quarantine through marking and clearing', async () => {
    const issued: PersonEvent = {
      type: 'residents.pass-issued',
      data: {
        personId: 'p1',
        passId: 'pass-1',
        community: 'zhangcun',
        issuedOn: '2020-02-04',
        validUntil: '2020-02-18',
        screeningId: 's1',
      },
    };
    const revokedOther: PersonEvent = {
      type: 'residents.pass-revoked',
      data: { personId: 'p1', passId: 'pass-0', reason: 'lost', revokedOn: '2020-02-04' },
    };
    const revoked: PersonEvent = {
      type: 'residents.pass-revoked',
      data: {
        personId: 'p1',
        passId: 'pass-1',
        reason: 'home-quarantine-started',
        revokedOn: '2020-02-05',
      },
    };
    const marked: PersonEvent = {
      type: 'residents.quarantine-marked',
      data: { personId: 'p1', caseId: 'case-1', startDate: '2020-02-05' },
    };
    const during = await membersAfter(
      registered('p1', 'h1'),
      screened('p1', 's1', '2020-02-04'),
      issued,
      revokedOther,
      revoked,
      marked,
    );
    expect(await during.of('h1')).toEqual([
      expect.objectContaining({
        pass: {
          passId: 'pass-1',
          issuedOn: '2020-02-04',
          validUntil: '2020-02-18',
          revoked: { reason: 'home-quarantine-started', on: '2020-02-05' },
        },
        quarantineCases: ['case-1'],
      }),
    ]);
    const cleared: PersonEvent = {
      type: 'residents.quarantine-cleared',
      data: { personId: 'p1', caseId: 'case-1', endedOn: '2020-02-19', outcome: 'completed' },
    };
    const after = await membersAfter(registered('p1', 'h1'), marked, cleared);
    expect(await after.of('h1')).toEqual([expect.objectContaining({ quarantineCases: [] })]);
  });
});
