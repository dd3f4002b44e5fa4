import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { idNumberCheckChar, uuidv7 } from '@fangyi/contracts';
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
  buildResidentsApp,
  startHouseholdPeopleFeed,
  type HouseholdPeopleFeed,
} from '../src/index.ts';
import type { PersonalKeyStore } from '@fangyi/eventstore';
import type { PersonalDataVault } from '@fangyi/service-kit';
import { TEST_RESERVATION_KEY, sqliteVault } from './privacy.ts';

// Generated bodies (wrong types, missing and extra fields, huge strings, unicode, nested objects,
// __proto__ keys, bodies that are not JSON) against every write route, on the SQLite event store:
// never a 5xx, and a 4xx appends nothing.

const now = new Date('2020-02-05T01:30:00.000Z');
const idNumber = (n: number) => {
  const first17 = `42010619900315${String(n).padStart(3, '0')}`;
  return first17 + idNumberCheckChar(first17);
};

describe('residents routes under generated bodies (SQLite event store)', () => {
  let temp: TempEventStore;
  let eventStore: EventStore;
  let app: ServiceApp;
  let feed: HouseholdPeopleFeed;
  let vault: PersonalDataVault;
  let keys: PersonalKeyStore;
  const ids: string[] = [];
  const registrar = testUser('registrar', ['zhangcun'], 'registrar-zhangcun');

  beforeAll(async () => {
    temp = tempEventStore('r-prop', () => now);
    eventStore = temp.eventStore;
    ({ vault, keys } = sqliteVault(temp.path));
    feed = await startHouseholdPeopleFeed({
      eventStore,
      logger: pino({ level: 'silent' }),
      dateOf: (iso) => iso.slice(0, 10),
    });
    app = buildResidentsApp({
      vault,
      reservationKey: TEST_RESERVATION_KEY,
      eventStore,
      clock: () => now,
      newId: () => uuidv7(),
      timeZone: 'Asia/Shanghai',
      householdPeople: feed,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
      rateLimit: false,
    });
    await app.ready();
    const headers = authHeader(registrar);
    const household = (
      await app.inject({
        method: 'POST',
        url: '/residents/households',
        headers,
        payload: {
          community: 'zhangcun',
          grid: 'zhangcun-03',
          address: '张村河路12号',
          kind: 'rental',
        },
      })
    ).json().householdId;
    const person = (
      await app.inject({
        method: 'POST',
        url: '/residents/people',
        headers,
        payload: {
          householdId: household,
          name: '刘伟',
          idNumber: idNumber(1),
          phone: '13912345678',
          registration: 'outside',
          originProvince: '湖北',
          originCity: '武汉',
        },
      })
    ).json().personId;
    ids.push(household, person);
  });
  afterAll(async () => {
    await app.close();
    await feed.stop();
    await keys.close();
    await temp.remove();
  });

  const countEvents = () => temp.countEvents();
  const vocabulary = () => [
    ...ids,
    'zhangcun',
    'moujia',
    'zhangcun-03',
    '张村河路12号',
    '刘伟',
    '湖北',
    '武汉',
    '2020-02-05',
    '2020-02-01',
    '2020-02-19',
    '2020-02-06',
    '1990-03-15',
    '2020-02-05T09:00:00+08:00',
    idNumber(2),
    idNumber(3),
    '13912345678',
    'fever',
    'cough',
  ];

  it('never answers 5xx, and appends nothing on a 4xx, for any body on any write route', async () => {
    const { routes, byStatus: statuses } = await checkWriteRoutes(app, {
      countEvents,
      users: [registrar, testUser('admin')],
      ids,
      vocabulary: vocabulary(),
      numRuns: 100,
    });
    expect(routes).toBeGreaterThanOrEqual(8);
    // The generated bodies reached the deciders: some were accepted, most refused as 4xx.
    expect(
      Object.keys(statuses).some((s) => Number(s) < 300),
      JSON.stringify(statuses),
    ).toBe(true);
    expect(statuses[400] ?? 0).toBeGreaterThan(0);
  });
  it('never answers 5xx, and appends nothing, for any query string or id on any read route', async () => {
    const { routes, byStatus: statuses } = await checkReadRoutes(app, {
      countEvents,
      users: [registrar, testUser('admin'), testUser('analyst')],
      ids,
      vocabulary: vocabulary(),
      numRuns: 60,
    });
    expect(routes).toBeGreaterThanOrEqual(2);
    expect(statuses[200] ?? 0, JSON.stringify(statuses)).toBeGreaterThan(0);
  });
});
