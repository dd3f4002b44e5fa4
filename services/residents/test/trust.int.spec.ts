import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { PersonalKeyStore } from '@fangyi/eventstore';
import type { PersonalDataVault } from '@fangyi/service-kit';
import { TEST_RESERVATION_KEY, sqliteVault } from './privacy.ts';
import { idNumberCheckChar, uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import type { ServiceApp } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, authHeader, testUser } from '@fangyi/testkit';
import {
  buildResidentsApp,
  householdStreamId,
  personStreamId,
  startHouseholdPeopleFeed,
  type HouseholdPeopleFeed,
} from '../src/index.ts';

// Registration trusts what a registrar types only as far as the rules go: clean names, one ID
// number rule, and 409s that name the field at fault, with nothing appended.

const now = new Date('2020-02-05T01:30:00.000Z');
const TODAY = '2020-02-05';

describe('residents: clean names, the shared ID number rule, refusals that name the field', () => {
  let dir: string;
  let eventStore: EventStore;
  let vault: PersonalDataVault;
  let keys: PersonalKeyStore;
  let app: ServiceApp;
  let householdPeople: HouseholdPeopleFeed;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-r-trust-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
    ({ vault, keys } = sqliteVault(join(dir, 'events.db')));
    householdPeople = await startHouseholdPeopleFeed({
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
      householdPeople,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await householdPeople.stop();
    await eventStore.close();
    await keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const registrar = authHeader(testUser('registrar', ['zhangcun'], 'registrar-zhangcun'));
  const send = (method: 'POST' | 'DELETE', url: string, payload?: object) =>
    app.inject({ method, url, ...(payload ? { payload } : {}), headers: registrar });
  const allEvents = async () => (await eventStore.readAll({ limit: 100_000 })).length;
  let seq = 300;
  const nextIdNumber = () => {
    const first17 = `42010619900315${String(seq++).padStart(3, '0')}`;
    return first17 + idNumberCheckChar(first17);
  };
  const household = async (kind = 'rental') =>
    (
      await send('POST', '/residents/households', {
        community: 'zhangcun',
        grid: 'zhangcun-03',
        address: '张村河路12号',
        kind,
      })
    ).json<{ householdId: string }>().householdId;
  const personBody = (householdId: string, o: object = {}) => ({
    householdId,
    name: '刘伟',
    idNumber: nextIdNumber(),
    phone: '13912345678',
    registration: 'local',
    ...o,
  });

  describe('names', () => {
    it.each([
      ['a zero-width space', '刘\u200B伟'],
      ['a right-to-left override', '\u202E刘伟'],
      ['a bell', '刘伟\u0007'],
      ['a lone surrogate', '刘\uD800伟'],
      ['an emoji', '刘伟😀'],
    ])(
      'a person name with %s is 400 naming body.name; nothing is appended',
      async (_what, name) => {
        const householdId = await household();
        const before = await allEvents();
        const res = await send('POST', '/residents/people', personBody(householdId, { name }));
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({
          code: 'VALIDATION_FAILED',
          errors: [{ field: 'body.name' }],
        });
        expect(await allEvents()).toBe(before);
      },
    );

    it('a place with a bidi override is 400 naming it (address, origin city)', async () => {
      const addr = await send('POST', '/residents/households', {
        community: 'zhangcun',
        grid: 'zhangcun-03',
        address: '张村\u202E河路',
        kind: 'rental',
      });
      expect(addr.json().errors).toEqual([
        { field: 'body.address', message: expect.stringContaining('U+202E') },
      ]);
      const householdId = await household();
      const city = await send(
        'POST',
        '/residents/people',
        personBody(householdId, {
          registration: 'outside',
          originProvince: '湖北',
          originCity: '武汉\u200B',
        }),
      );
      expect(city.json().errors).toEqual([
        { field: 'body.originCity', message: expect.stringContaining('U+200B') },
      ]);
    });

    it('stores a name NFC-normalized and trimmed ("e\\u0301" as "é")', async () => {
      const householdId = await household();
      const res = await send(
        'POST',
        '/residents/people',
        personBody(householdId, { name: '  Jose\u0301 刘  ' }),
      );
      expect(res.statusCode).toBe(201);
      const [registered] = await eventStore.readStream(personStreamId(res.json().personId));
      expect((registered!.data as { name: string }).name).toBe('Jos\u00e9 刘');
    });

    it('a note keeps its emoji; a note with a control character is 400', async () => {
      const householdId = await household();
      const kept = await send('POST', `/residents/households/${householdId}/rental-suspension`, {
        reason: 'other',
        note: '房东同意😀',
      });
      expect(kept.statusCode).toBe(201);
      const [, suspended] = await eventStore.readStream(householdStreamId(householdId));
      expect((suspended!.data as { note: string }).note).toBe('房东同意😀');
      const other = await household();
      const refused = await send('POST', `/residents/households/${other}/rental-suspension`, {
        reason: 'other',
        note: '房东\u0007同意',
      });
      expect(refused.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'body.note' }],
      });
    });
  });

  describe('ID numbers (GB 11643)', () => {
    it('a lower-case x is stored as X, and the same number typed either way is one person (409 naming body.idNumber)', async () => {
      const householdId = await household();
      let first17 = '';
      for (let i = 0; i < 1000 && !first17; i++) {
        const candidate = `42010619850601${String(i).padStart(3, '0')}`;
        if (idNumberCheckChar(candidate) === 'X') first17 = candidate;
      }
      const res = await send(
        'POST',
        '/residents/people',
        personBody(householdId, { idNumber: `${first17}x` }),
      );
      expect(res.statusCode).toBe(201);
      const [registered] = await eventStore.readStream(personStreamId(res.json().personId));
      expect(await vault.open((registered!.data as { idNumber: string }).idNumber)).toBe(
        `${first17}X`,
      );
      const before = await allEvents();
      const again = await send(
        'POST',
        '/residents/people',
        personBody(householdId, { idNumber: `${first17}X` }),
      );
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({
        code: 'PERSON_ALREADY_REGISTERED',
        errors: [{ field: 'body.idNumber' }],
      });
      expect(await allEvents()).toBe(before);
    });
  });

  describe('every 409 names the field at fault, and nothing is appended', () => {
    it('renting suspended twice: params.householdId', async () => {
      const householdId = await household();
      await send('POST', `/residents/households/${householdId}/rental-suspension`, {
        reason: 'community-rental-ban',
      });
      const before = await allEvents();
      const res = await send('POST', `/residents/households/${householdId}/rental-suspension`, {
        reason: 'community-rental-ban',
      });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'RENTAL_ALREADY_SUSPENDED',
        errors: [{ field: 'params.householdId' }],
      });
      expect(await allEvents()).toBe(before);
    });

    it('an owner-occupied household cannot have renting suspended: params.householdId', async () => {
      const householdId = await household('owner-occupied');
      const res = await send('POST', `/residents/households/${householdId}/rental-suspension`, {
        reason: 'other',
      });
      expect(res.json()).toMatchObject({
        code: 'RENTAL_SUSPENSION_NOT_APPLICABLE',
        errors: [{ field: 'params.householdId' }],
      });
    });

    it('an outside person into a household whose renting is suspended: body.householdId', async () => {
      const householdId = await household();
      await send('POST', `/residents/households/${householdId}/rental-suspension`, {
        reason: 'community-rental-ban',
      });
      const before = await allEvents();
      const res = await send(
        'POST',
        '/residents/people',
        personBody(householdId, {
          registration: 'outside',
          originProvince: '湖北',
          originCity: '武汉',
        }),
      );
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'RENTAL_SUSPENDED',
        errors: [{ field: 'body.householdId' }],
      });
      // The ID number was not reserved either: the refusal came first.
      expect(await allEvents()).toBe(before);
    });

    it('a pass for someone never screened: params.personId; the same arrival twice: body.arrivedOn; a screening in the future: body.date', async () => {
      const householdId = await household();
      const personId = (await send('POST', '/residents/people', personBody(householdId))).json()
        .personId as string;
      const before = await allEvents();
      const pass = await send('POST', `/residents/people/${personId}/pass`, { validUntil: TODAY });
      expect(pass.statusCode).toBe(409);
      expect(pass.json()).toMatchObject({
        code: 'PASS_NOT_ALLOWED',
        errors: [{ field: 'params.personId', message: 'not-screened' }],
      });
      const future = await send('POST', `/residents/people/${personId}/screenings`, {
        date: '2020-02-06',
        temperatureC: 36.5,
      });
      expect(future.json()).toMatchObject({
        code: 'DATE_IN_FUTURE',
        errors: [{ field: 'body.date' }],
      });
      expect(await allEvents()).toBe(before);
      const arrival = { arrivedOn: '2020-02-03', originProvince: '湖北', originCity: '武汉' };
      expect(
        (await send('POST', `/residents/people/${personId}/arrivals`, arrival)).statusCode,
      ).toBe(201);
      const afterArrival = await allEvents();
      const again = await send('POST', `/residents/people/${personId}/arrivals`, arrival);
      expect(again.json()).toMatchObject({
        code: 'ARRIVAL_ALREADY_RECORDED',
        errors: [{ field: 'body.arrivedOn' }],
      });
      expect(await allEvents()).toBe(afterArrival);
    });

    it('an unknown person is 404 naming params.personId', async () => {
      const res = await send('POST', `/residents/people/${uuidv7()}/screenings`, {
        date: TODAY,
        temperatureC: 36.5,
      });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({
        code: 'PERSON_NOT_FOUND',
        errors: [{ field: 'params.personId' }],
      });
    });
  });
});
