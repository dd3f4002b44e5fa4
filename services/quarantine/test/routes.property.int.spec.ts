import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7 } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import type { ServiceApp } from '@fangyi/service-kit';
import {
  type TempEventStore,
  TEST_AUTH_SECRET,
  authHeader,
  checkReadRoutes,
  checkWriteRoutes,
  tempEventStore,
  testUser,
} from '@fangyi/testkit';
import {
  buildQuarantineApp,
  parseCallers,
  startPeopleDirectoryFeed,
  type PeopleDirectoryFeed,
} from '../src/index.ts';
import { registerPerson } from './residents.ts';

// Generated bodies against every write route of the quarantine service, on the SQLite event
// store: never a 5xx, and a 4xx appends nothing.

const now = new Date('2020-01-29T01:30:00.000Z');

describe('quarantine routes under generated bodies (SQLite event store)', () => {
  let temp: TempEventStore;
  let eventStore: EventStore;
  let app: ServiceApp;
  let people: PeopleDirectoryFeed;
  const ids: string[] = [];
  const registrar = testUser('registrar', ['moujia'], 'registrar-2');
  const caller = testUser('caller', ['moujia'], 'caller-1');

  beforeAll(async () => {
    temp = tempEventStore('q-prop', () => now);
    eventStore = temp.eventStore;
    await registerPerson(eventStore, { personId: 'p-moujia-1' });
    await registerPerson(eventStore, { personId: 'p-moujia-2' });
    people = await startPeopleDirectoryFeed({ eventStore, logger: pino({ level: 'silent' }) });
    app = buildQuarantineApp({
      eventStore,
      clock: () => now,
      newId: () => uuidv7(now.getTime()),
      timeZone: 'Asia/Shanghai',
      people,
      callers: parseCallers('moujia=caller-1|caller-2'),
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
      rateLimit: false,
    });
    await app.ready();
    const started = await app.inject({
      method: 'POST',
      url: '/quarantine/cases',
      headers: authHeader(registrar),
      payload: {
        personId: 'p-moujia-1',
        personName: '李娜',
        community: 'moujia',
        startDate: '2020-01-28',
        reason: 'arrival-from-risk-area',
        assignedCaller: 'caller-1',
      },
    });
    expect(started.statusCode, started.body).toBe(201);
    ids.push(started.json().caseId);
  });
  afterAll(async () => {
    await app.close();
    await people.stop();
    await temp.remove();
  });

  const vocabularyOf = () => [
    ...ids,
    'p-moujia-2',
    '李娜',
    'moujia',
    'caller-1',
    'caller-2',
    '2020-01-28',
    '2020-01-29',
    '2020-02-10',
    '2020-01-29T09:00:00+08:00',
    '2020-01-29T12:30:00+08:00',
    'am',
    'pm',
    'phone',
    'cough',
  ];
  const countEvents = () => temp.countEvents();

  it('never answers 5xx, and appends nothing on a 4xx, for any body on any write route', async () => {
    const vocabulary = vocabularyOf();
    const { routes, byStatus: statuses } = await checkWriteRoutes(app, {
      countEvents,
      users: [caller, registrar, testUser('admin')],
      ids,
      vocabulary,
      numRuns: 100,
    });
    expect(routes).toBeGreaterThanOrEqual(10);
    expect(
      Object.keys(statuses).some((s) => Number(s) < 300),
      JSON.stringify(statuses),
    ).toBe(true);
    expect(statuses[400] ?? 0).toBeGreaterThan(0);
  });
  it('never answers 5xx, and appends nothing, for any query string or id on any read route', async () => {
    const { routes, byStatus: statuses } = await checkReadRoutes(app, {
      countEvents,
      users: [caller, registrar, testUser('admin'), testUser('analyst')],
      ids,
      vocabulary: vocabularyOf(),
      numRuns: 60,
    });
    expect(routes).toBeGreaterThanOrEqual(2);
    expect(statuses[200] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(0);
  });
});
