import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { idNumberCheckChar, uuidv7, type Role } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import type { ServiceApp } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, authHeader, testUser } from '@fangyi/testkit';
import {
  buildResidentsApp,
  startHouseholdPeopleFeed,
  type HouseholdPeopleFeed,
} from '../src/index.ts';
import type { PersonalKeyStore } from '@fangyi/eventstore';
import type { PersonalDataVault } from '@fangyi/service-kit';
import { TEST_RESERVATION_KEY, sqliteVault } from './privacy.ts';

// Masking by need: the same person read by each role, on every answer that carries them (the
// person, their pass, their history, their household's people), masked as the role's need says.

const now = new Date('2020-02-05T01:30:00.000Z');
const first17 = '42010619900315777';
const ID = first17 + idNumberCheckChar(first17);
const PHONE = '13912345678';
const MASKED_ID = `4201${'*'.repeat(10)}${ID.slice(-4)}`;
const MASKED_PHONE = '139****5678';

describe('residents: ID and phone numbers by need, one rule for every answer', () => {
  let dir: string;
  let eventStore: EventStore;
  let app: ServiceApp;
  let feed: HouseholdPeopleFeed;
  let vault: PersonalDataVault;
  let keys: PersonalKeyStore;
  let householdId: string;
  let personId: string;
  const registrar = authHeader(testUser('registrar', ['zhangcun'], 'registrar-zhangcun'));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-r-mask-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
    ({ vault, keys } = sqliteVault(join(dir, 'events.db')));
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
    });
    await app.ready();
    const household = await app.inject({
      method: 'POST',
      url: '/residents/households',
      headers: registrar,
      payload: {
        community: 'zhangcun',
        grid: 'zhangcun-03',
        address: '张村河路12号',
        kind: 'rental',
      },
    });
    householdId = household.json().householdId;
    const person = await app.inject({
      method: 'POST',
      url: '/residents/people',
      headers: registrar,
      payload: { householdId, name: '刘伟', idNumber: ID, phone: PHONE, registration: 'local' },
    });
    expect(person.statusCode, person.body).toBe(201);
    personId = person.json().personId;
  });
  afterAll(async () => {
    await app.close();
    await feed.stop();
    await keys.close();
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (role: Role, url: string) =>
    app.inject({ method: 'GET', url, headers: authHeader(testUser(role, ['zhangcun'])) });

  it.each([
    ['registrar', ID, PHONE, '1990-03-15'],
    ['caller', MASKED_ID, PHONE, null],
    ['report-officer', MASKED_ID, MASKED_PHONE, null],
    ['analyst', MASKED_ID, MASKED_PHONE, null],
  ] as const)(
    '%s reads ID number %s and phone %s on the person, the history and the household list',
    async (role, idNumber, phone, birthDate) => {
      const person = await get(role, `/residents/people/${personId}`);
      expect(person.statusCode).toBe(200);
      expect(person.json()).toMatchObject({ personId, idNumber, phone, birthDate });

      const history = await get(role, `/residents/people/${personId}/history`);
      const registered = history.json()[0];
      expect(registered.type).toBe('residents.person-registered');
      expect(registered.data).toMatchObject({ idNumber, phone, birthDate });

      const list = await get(role, `/residents/households/${householdId}/people`);
      expect(list.json().people).toEqual([expect.objectContaining({ personId, idNumber, phone })]);

      const pass = await get(role, `/residents/people/${personId}/pass`);
      expect(pass.json().idNumber).toBe(idNumber);

      // Nowhere in any of the answers is a number the role may not read.
      for (const res of [person, history, list, pass]) {
        if (idNumber !== ID) expect(res.body).not.toContain(ID);
        if (phone !== PHONE) expect(res.body).not.toContain(PHONE);
      }
    },
  );

  it('checkpoint staff read the pass with the ID number masked', async () => {
    const pass = await get('checkpoint-staff', `/residents/people/${personId}/pass`);
    expect(pass.statusCode).toBe(200);
    expect(pass.json().idNumber).toBe(MASKED_ID);
    expect(pass.body).not.toContain(ID);
  });
});
