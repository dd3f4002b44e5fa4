import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7 } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import type { ServiceApp } from '@fangyi/service-kit';
import {
  type TempEventStore,
  TEST_AUTH_SECRET,
  TEST_NAMING_KEY,
  authHeader,
  checkReadRoutes,
  checkWriteRoutes,
  tempEventStore,
  testUser,
  testVault,
} from '@fangyi/testkit';
import {
  buildComplaintsApp,
  complaintPolicyFromEnv,
  startHouseholdDirectory,
  type HouseholdDirectory,
} from '../src/index.ts';
import { registerHousehold } from './residents.ts';

// Generated bodies against every write route of the complaints service, on the SQLite event
// store: never a 5xx, and a 4xx appends nothing.

const now = new Date('2020-02-03T01:30:00.000Z');

describe('complaints routes under generated bodies (SQLite event store)', () => {
  let temp: TempEventStore;
  let eventStore: EventStore;
  let app: ServiceApp;
  let households: HouseholdDirectory;
  const ids: string[] = [];
  const handler = testUser('complaint-handler', ['kutao'], 'handler-kutao');

  beforeAll(async () => {
    temp = tempEventStore('c-prop', () => now);
    eventStore = temp.eventStore;
    await registerHousehold(eventStore, 'h-kutao-3-102', 'kutao');
    households = await startHouseholdDirectory({ eventStore, logger: pino({ level: 'silent' }) });
    app = buildComplaintsApp({
      eventStore,
      clock: () => now,
      newId: () => uuidv7(now.getTime()),
      policy: complaintPolicyFromEnv({ FANGYI_COMPLAINT_HANDLERS: 'kutao=handler-kutao' }),
      households,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
      vault: testVault().vault,
      namingKey: TEST_NAMING_KEY,
      timeZone: 'Asia/Shanghai',
      rateLimit: false,
    });
    await app.ready();
    const filed = await app.inject({
      method: 'POST',
      url: '/complaints',
      headers: authHeader(handler),
      payload: {
        channel: 'phone',
        category: 'illegal-rental',
        community: 'kutao',
        description: '3号楼102户把房子租给了外地人',
        reporter: { anonymous: false, name: '张伟', phone: '13912345678' },
        subjectHouseholdId: 'h-kutao-3-102',
        receivedAt: '2020-02-03T09:00:00+08:00',
      },
    });
    expect(filed.statusCode, filed.body).toBe(201);
    ids.push(filed.json().complaintId);
  });
  afterAll(async () => {
    await app.close();
    await households.stop();
    await temp.remove();
  });

  const vocabularyOf = () => [
    ...ids,
    'kutao',
    'taoyuanju',
    'handler-kutao',
    'h-kutao-3-102',
    '张伟',
    '13912345678',
    '3号楼102户',
    '2020-02-03T09:00:00+08:00',
    '2020-02-03T08:00:00Z',
    'substantiated',
    'duplicate',
  ];
  const countEvents = () => temp.countEvents();

  it('never answers 5xx, and appends nothing on a 4xx, for any body on any write route', async () => {
    const vocabulary = vocabularyOf();
    const { routes, byStatus: statuses } = await checkWriteRoutes(app, {
      countEvents,
      users: [handler, testUser('registrar', ['kutao']), testUser('admin')],
      ids,
      vocabulary,
      numRuns: 100,
    });
    expect(routes).toBeGreaterThanOrEqual(7);
    expect(
      Object.keys(statuses).some((s) => Number(s) < 300),
      JSON.stringify(statuses),
    ).toBe(true);
    expect(statuses[400] ?? 0).toBeGreaterThan(0);
  });
  it('never answers 5xx, and appends nothing, for any query string or id on any read route', async () => {
    const { routes, byStatus: statuses } = await checkReadRoutes(app, {
      countEvents,
      users: [handler, testUser('report-officer'), testUser('analyst')],
      ids,
      vocabulary: vocabularyOf(),
      numRuns: 60,
    });
    expect(routes).toBeGreaterThanOrEqual(2);
    expect(statuses[200] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(0);
  });
});
