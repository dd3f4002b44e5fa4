import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7 } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import { InMemoryProjectionStore } from '@fangyi/projections';
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
  buildCheckpointsApp,
  startCheckpointList,
  startResidentsDirectory,
  type CheckpointList,
  type ResidentsDirectory,
} from '../src/index.ts';
import { issuePass, registerPerson } from './residents.ts';

// Generated bodies against every write route of the checkpoints service, on the SQLite event
// store: never a 5xx, and a 4xx appends nothing.

const NOON = new Date('2020-01-29T12:00:00+08:00');

describe('checkpoints routes under generated bodies (SQLite event store)', () => {
  let temp: TempEventStore;
  let eventStore: EventStore;
  let app: ServiceApp;
  let checkpointList: CheckpointList;
  let residents: ResidentsDirectory;
  const ids: string[] = [];
  const registrar = testUser('registrar', ['*'], 'registrar-district');
  const staff = testUser('checkpoint-staff', ['zhangcun'], 'staff-zhangcun');

  beforeAll(async () => {
    temp = tempEventStore('cp-prop', () => NOON);
    eventStore = temp.eventStore;
    await registerPerson(eventStore, 'p-zc-1');
    await issuePass(eventStore, 'p-zc-1', 'ZC-0012');
    checkpointList = await startCheckpointList({ eventStore, logger: pino({ level: 'silent' }) });
    residents = await startResidentsDirectory({ eventStore, logger: pino({ level: 'silent' }) });
    app = buildCheckpointsApp({
      eventStore,
      clock: () => NOON,
      newId: () => uuidv7(NOON.getTime()),
      timeZone: 'Asia/Shanghai',
      projectionStore: new InMemoryProjectionStore(),
      checkpointList,
      residents,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
      vault: testVault().vault,
      namingKey: TEST_NAMING_KEY,
      rateLimit: false,
    });
    await app.ready();
    for (const name of ['张村东口', '张村西口']) {
      const opened = await app.inject({
        method: 'POST',
        url: '/checkpoints',
        headers: authHeader(registrar),
        payload: {
          name,
          location: '张村东路与枯桃路交口',
          communities: ['zhangcun'],
          kind: 'road',
        },
      });
      expect(opened.statusCode, opened.body).toBe(201);
      ids.push(opened.json().checkpointId);
    }
    const shift = await app.inject({
      method: 'POST',
      url: `/checkpoints/${ids[0]}/shifts`,
      headers: authHeader(staff),
      payload: {
        staff: [{ id: 's1', name: '张伟', community: 'zhangcun', role: 'community-staff' }],
        startedAt: '2020-01-29T12:00:00+08:00',
      },
    });
    expect(shift.statusCode, shift.body).toBe(201);
  });
  afterAll(async () => {
    await app.close();
    await checkpointList.stop();
    await residents.stop();
    await temp.remove();
  });

  const vocabularyOf = () => [
    ...ids,
    'zhangcun',
    'moujia',
    '张村东口',
    '王芳',
    'p-zc-1',
    'ZC-0012',
    '420106199001010044',
    '2020-01-29',
    '2020-01-29T11:50:00+08:00',
    '2020-01-29T12:00:00+08:00',
    '2020-01-29T11:59:00+08:00',
    's1',
    'police',
    'road',
  ];
  const countEvents = () => temp.countEvents();

  it('never answers 5xx, and appends nothing on a 4xx, for any body on any write route', async () => {
    const vocabulary = vocabularyOf();
    const { routes, byStatus: statuses } = await checkWriteRoutes(app, {
      countEvents,
      users: [staff, registrar, testUser('admin')],
      ids,
      vocabulary,
      numRuns: 100,
    });
    expect(routes).toBeGreaterThanOrEqual(8);
    expect(
      Object.keys(statuses).some((s) => Number(s) < 300),
      JSON.stringify(statuses),
    ).toBe(true);
    expect(statuses[400] ?? 0).toBeGreaterThan(0);
  });
  it('never answers 5xx, and appends nothing, for any query string or id on any read route', async () => {
    const { routes, byStatus: statuses } = await checkReadRoutes(app, {
      countEvents,
      users: [staff, registrar, testUser('admin'), testUser('analyst')],
      ids,
      vocabulary: vocabularyOf(),
      numRuns: 60,
    });
    expect(routes).toBeGreaterThanOrEqual(2);
    expect(statuses[200] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(0);
  });
});
