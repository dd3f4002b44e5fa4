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
  idNumberStreamId,
  personStreamId,
  startHouseholdPeopleFeed,
  type HouseholdPeopleFeed,
} from '../src/index.ts';

// The district's clock stands at 2020-02-05 09:30 in Shanghai.
const now = new Date('2020-02-05T01:30:00.000Z');
const TODAY = '2020-02-05';

const idNumber = (birth: string, seq: string) => {
  const first17 = `420106${birth.replaceAll('-', '')}${seq}`;
  return first17 + idNumberCheckChar(first17);
};

describe('residents service over HTTP (SQLite event store)', () => {
  let dir: string;
  let eventStore: EventStore;
  let vault: PersonalDataVault;
  let keys: PersonalKeyStore;
  let app: ServiceApp;
  let householdPeople: HouseholdPeopleFeed;
  const build = (clock: () => Date, store: EventStore = eventStore) =>
    buildResidentsApp({
      vault,
      reservationKey: TEST_RESERVATION_KEY,
      eventStore: store,
      clock,
      newId: () => uuidv7(clock().getTime()),
      timeZone: 'Asia/Shanghai',
      householdPeople,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-r-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
    ({ vault, keys } = sqliteVault(join(dir, 'events.db')));
    householdPeople = await startHouseholdPeopleFeed({
      eventStore,
      logger: pino({ level: 'silent' }),
      dateOf: (iso) => iso.slice(0, 10),
    });
    app = build(() => now);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await householdPeople.stop();
    await eventStore.close();
    await keys.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const registrar = testUser('registrar', ['zhangcun'], 'registrar-zhangcun');
  const analyst = authHeader(testUser('analyst', ['*'], 'analyst-1'));
  const staff = authHeader(testUser('checkpoint-staff', ['zhangcun'], 'gate-east-1'));
  type InjectOptions = {
    method: 'GET' | 'POST' | 'DELETE';
    url: string;
    payload?: string | object;
    headers?: Record<string, string>;
  };
  const inject = (options: InjectOptions, target: ServiceApp = app) =>
    target.inject({ ...options, headers: { ...authHeader(registrar), ...options.headers } });
  const allEvents = async () => (await eventStore.readAll({ limit: 100_000 })).length;

  const householdBody = {
    community: 'zhangcun',
    grid: 'zhangcun-03',
    address: '张村河路12号',
    kind: 'rental',
  };
  const registerHousehold = async (body: object = householdBody) => {
    const res = await inject({ method: 'POST', url: '/residents/households', payload: body });
    expect(res.statusCode).toBe(201);
    return res.json<{ householdId: string }>().householdId;
  };
  let seq = 100;
  const personBody = (householdId: string, o: object = {}) => ({
    householdId,
    name: '刘伟',
    idNumber: idNumber('1990-03-15', String(seq++ * 2 + 1).padStart(3, '0')),
    phone: '13912345678',
    registration: 'outside',
    originProvince: '湖北',
    originCity: '武汉',
    ...o,
  });
  const registerPerson = async (householdId: string, o: object = {}) => {
    const res = await inject({
      method: 'POST',
      url: '/residents/people',
      payload: personBody(householdId, o),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ personId: string }>().personId;
  };
  const screen = (personId: string, temperatureC = 36.5, symptoms: string[] = []) =>
    inject({
      method: 'POST',
      url: `/residents/people/${personId}/screenings`,
      payload: { date: TODAY, temperatureC, symptoms },
    });

  describe('households', () => {
    it('registers a household and reads it back with its renting open, recording who registered it', async () => {
      const householdId = await registerHousehold({ ...householdBody, estate: 'taoyuanju' });
      const res = await inject({
        method: 'GET',
        url: `/residents/households/${householdId}`,
        headers: analyst,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        householdId,
        community: 'zhangcun',
        estate: 'taoyuanju',
        kind: 'rental',
        rental: { status: 'open' },
        revision: 0,
      });
      const [registered] = await eventStore.readStream(householdStreamId(householdId));
      expect(registered).toMatchObject({
        type: 'residents.household-registered',
        actor: { id: 'registrar-zhangcun', role: 'registrar' },
      });
    });

    it('suspends renting once (a second try is 409), then lifts it with a note', async () => {
      const householdId = await registerHousehold();
      const url = `/residents/households/${householdId}/rental-suspension`;
      const first = await inject({
        method: 'POST',
        url,
        payload: { reason: 'community-rental-ban', note: '社区停止对外出租' },
      });
      expect(first.statusCode).toBe(201);
      expect(first.json()).toMatchObject({
        rental: { status: 'suspended', reason: 'community-rental-ban', since: TODAY },
      });
      const again = await inject({ method: 'POST', url, payload: { reason: 'other' } });
      expect(again.statusCode).toBe(409);
      expect(again.headers['content-type']).toContain('application/problem+json');
      expect(again.json().code).toBe('RENTAL_ALREADY_SUSPENDED');
      const lifted = await inject({ method: 'DELETE', url, payload: { note: '整改完毕' } });
      expect(lifted.statusCode).toBe(200);
      expect(lifted.json().rental).toEqual({ status: 'open' });
      const liftAgain = await inject({ method: 'DELETE', url });
      expect(liftAgain.statusCode).toBe(409);
      expect(liftAgain.json().code).toBe('RENTAL_NOT_SUSPENDED');
      const history = await inject({
        method: 'GET',
        url: `/residents/households/${householdId}/history`,
      });
      expect(history.json().map((e: { type: string }) => e.type)).toEqual([
        'residents.household-registered',
        'residents.rental-suspended',
        'residents.rental-suspension-lifted',
      ]);
      expect(history.json()[2].data.note).toBe('整改完毕');
    });

    it('refuses to suspend renting of an owner-occupied home', async () => {
      const householdId = await registerHousehold({ ...householdBody, kind: 'owner-occupied' });
      const res = await inject({
        method: 'POST',
        url: `/residents/households/${householdId}/rental-suspension`,
        payload: { reason: 'other' },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('RENTAL_SUSPENSION_NOT_APPLICABLE');
    });
  });

  describe('people', () => {
    it('registers an outside person with an arrival, and reports the arrival for the quarantine context', async () => {
      const householdId = await registerHousehold();
      const body = personBody(householdId, {
        arrivedOn: '2020-01-28',
        travelHistory: [{ place: '武汉', from: '2020-01-10', to: '2020-01-27' }],
      });
      const res = await inject({ method: 'POST', url: '/residents/people', payload: body });
      expect(res.statusCode).toBe(201);
      const { personId, arrivalReported } = res.json();
      expect(arrivalReported).toBe(true);
      const events = await eventStore.readStream(personStreamId(personId));
      expect(events.map((e) => e.type)).toEqual([
        'residents.person-registered',
        'residents.person-arrived',
      ]);
      expect(events[1]!.data).toEqual({
        personId,
        personName: '刘伟',
        householdId,
        community: 'zhangcun',
        originProvince: '湖北',
        originCity: '武汉',
        arrivedOn: '2020-01-28',
        registration: 'outside',
      });
      expect(events[1]!.causationId).toBe(events[0]!.id);
    });

    it('shows ID and phone numbers in full to the registrar and masked to an analyst, in the history too', async () => {
      const householdId = await registerHousehold();
      const body = personBody(householdId);
      const personId = (
        await inject({ method: 'POST', url: '/residents/people', payload: body })
      ).json().personId;
      const full = (await inject({ method: 'GET', url: `/residents/people/${personId}` })).json();
      expect(full).toMatchObject({
        idNumber: body.idNumber,
        phone: '13912345678',
        birthDate: '1990-03-15',
        sex: 'male',
        status: 'registered',
        pass: { status: 'none' },
        passEligibility: 'not-screened',
      });
      const masked = (
        await inject({ method: 'GET', url: `/residents/people/${personId}`, headers: analyst })
      ).json();
      expect(masked.idNumber).toBe(`4201${'*'.repeat(10)}${body.idNumber.slice(-4)}`);
      expect(masked.phone).toBe('139****5678');
      expect(masked.birthDate).toBeNull();
      const history = (
        await inject({
          method: 'GET',
          url: `/residents/people/${personId}/history`,
          headers: analyst,
        })
      ).json();
      expect(history[0].data.idNumber).toBe(masked.idNumber);
      expect(history[0].data.phone).toBe('139****5678');
      expect(JSON.stringify(history)).not.toContain(body.idNumber);
      const fullHistory = (
        await inject({ method: 'GET', url: `/residents/people/${personId}/history` })
      ).json();
      expect(fullHistory[0].data.idNumber).toBe(body.idNumber);
    });

    it('refuses an outside person in a household whose renting is suspended, and takes a local one', async () => {
      const householdId = await registerHousehold();
      await inject({
        method: 'POST',
        url: `/residents/households/${householdId}/rental-suspension`,
        payload: { reason: 'community-rental-ban' },
      });
      const before = await allEvents();
      const outside = await inject({
        method: 'POST',
        url: '/residents/people',
        payload: personBody(householdId),
      });
      expect(outside.statusCode).toBe(409);
      expect(outside.json()).toMatchObject({
        code: 'RENTAL_SUSPENDED',
        errors: [{ field: 'body.householdId' }],
      });
      expect(await allEvents()).toBe(before);
      await registerPerson(householdId, {
        registration: 'local',
        originProvince: undefined,
        originCity: undefined,
      });
    });

    it('records an arrival, a move to another household and a move out', async () => {
      const h1 = await registerHousehold();
      const h2 = await registerHousehold({
        ...householdBody,
        kind: 'owner-occupied',
        address: '张村河路14号',
      });
      const personId = await registerPerson(h1);
      const arrival = await inject({
        method: 'POST',
        url: `/residents/people/${personId}/arrivals`,
        payload: { arrivedOn: '2020-02-03', originProvince: '湖北', originCity: '孝感' },
      });
      expect(arrival.statusCode).toBe(201);
      // The quarantine context decides on it a moment later; the answer says where that will show.
      expect(arrival.json().quarantineAssessment).toEqual({
        status: 'pending',
        see: `/residents/people/${personId}`,
      });
      expect(
        (await inject({ method: 'GET', url: `/residents/people/${personId}` })).json()
          .quarantineAssessment,
      ).toMatchObject({ status: 'pending', arrivedOn: '2020-02-03' });
      const moveIn = await inject({
        method: 'POST',
        url: `/residents/people/${personId}/move-in`,
        payload: { householdId: h2, movedInOn: '2020-02-04' },
      });
      expect(moveIn.statusCode).toBe(200);
      const moved = (await inject({ method: 'GET', url: `/residents/people/${personId}` })).json();
      expect(moved).toMatchObject({
        householdId: h2,
        lastArrival: { arrivedOn: '2020-02-03', originCity: '孝感' },
        arrivals: 1,
      });
      const out = await inject({
        method: 'POST',
        url: `/residents/people/${personId}/move-out`,
        payload: { movedOutOn: TODAY, destination: '青岛市市南区' },
      });
      expect(out.statusCode).toBe(200);
      expect(
        (await inject({ method: 'GET', url: `/residents/people/${personId}` })).json(),
      ).toMatchObject({ status: 'moved-out', movedOutOn: TODAY, passEligibility: 'moved-out' });
      const screening = await screen(personId);
      expect(screening.statusCode).toBe(409);
      expect(screening.json().code).toBe('PERSON_MOVED_OUT');
    });
  });

  describe('screenings and passes', () => {
    it('issues a pass after a normal screening, shows it to checkpoint staff masked, and revokes it on an abnormal screening', async () => {
      const personId = await registerPerson(await registerHousehold());
      const ok = await screen(personId, 36.6);
      expect(ok.statusCode).toBe(201);
      expect(ok.json()).toMatchObject({ result: 'normal', passRevoked: false });
      const [, screening] = await eventStore.readStream(personStreamId(personId));
      expect(screening!.data).toMatchObject({ visitedBy: 'registrar-zhangcun', result: 'normal' });

      const issued = await inject({
        method: 'POST',
        url: `/residents/people/${personId}/pass`,
        payload: { validUntil: '2020-02-19' },
      });
      expect(issued.statusCode).toBe(201);
      const atGate = await inject({
        method: 'GET',
        url: `/residents/people/${personId}/pass`,
        headers: staff,
      });
      expect(atGate.statusCode).toBe(200);
      expect(atGate.json()).toMatchObject({
        name: '刘伟',
        pass: { status: 'active', validUntil: '2020-02-19', passId: issued.json().passId },
      });
      expect(atGate.json().idNumber).toMatch(/^4201\*{10}\w{4}$/);
      expect(atGate.json()).not.toHaveProperty('phone');

      const fever = await screen(personId, 38.2, ['cough']);
      expect(fever.json()).toMatchObject({ result: 'abnormal', passRevoked: true });
      expect(
        (
          await inject({ method: 'GET', url: `/residents/people/${personId}/pass`, headers: staff })
        ).json().pass,
      ).toMatchObject({ status: 'revoked', revokedReason: 'abnormal-screening' });

      const refused = await inject({
        method: 'POST',
        url: `/residents/people/${personId}/pass`,
        payload: { validUntil: '2020-02-19' },
      });
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({
        code: 'PASS_NOT_ALLOWED',
        detail: expect.stringMatching(/^latest-screening-abnormal/),
      });
    });

    it('shows a pass as expired once its last day has passed', async () => {
      const personId = await registerPerson(await registerHousehold());
      await screen(personId);
      await inject({
        method: 'POST',
        url: `/residents/people/${personId}/pass`,
        payload: { validUntil: '2020-02-10' },
      });
      const later = build(() => new Date('2020-02-11T01:00:00.000Z'));
      const res = await inject(
        { method: 'GET', url: `/residents/people/${personId}/pass`, headers: staff },
        later,
      );
      expect(res.json().pass).toMatchObject({ status: 'expired', validUntil: '2020-02-10' });
      await later.close();
    });

    it('revokes a pass by hand, and refuses to revoke one that is no longer valid', async () => {
      const personId = await registerPerson(await registerHousehold());
      await screen(personId);
      await inject({
        method: 'POST',
        url: `/residents/people/${personId}/pass`,
        payload: { validUntil: '2020-02-19' },
      });
      const url = `/residents/people/${personId}/pass/revocation`;
      const res = await inject({
        method: 'POST',
        url,
        payload: { reason: 'lost', note: '本人报失' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().pass).toMatchObject({
        status: 'revoked',
        revokedReason: 'lost',
        revokedOn: TODAY,
      });
      const again = await inject({ method: 'POST', url, payload: { reason: 'lost' } });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('NO_ACTIVE_PASS');
    });

    it('refuses a pass valid longer than 30 days, naming the field', async () => {
      const personId = await registerPerson(await registerHousehold());
      await screen(personId);
      const res = await inject({
        method: 'POST',
        url: `/residents/people/${personId}/pass`,
        payload: { validUntil: '2020-04-01' },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'PASS_VALIDITY_INVALID',
        errors: [{ field: 'body.validUntil' }],
      });
    });
  });

  describe('who may do what', () => {
    it('refuses a request without a token, or with a forged one, with 401 and appends nothing', async () => {
      const before = await allEvents();
      const none = await app.inject({
        method: 'POST',
        url: '/residents/households',
        payload: householdBody,
      });
      expect(none.statusCode).toBe(401);
      expect(none.json().code).toBe('UNAUTHENTICATED');
      const forged = await app.inject({
        method: 'POST',
        url: '/residents/households',
        payload: householdBody,
        headers: authHeader(registrar, 'another-secret-entirely-of-32-bytes-or-more'),
      });
      expect(forged.statusCode).toBe(401);
      expect(
        (await app.inject({ method: 'GET', url: `/residents/people/${uuidv7()}` })).statusCode,
      ).toBe(401);
      expect(await allEvents()).toBe(before);
    });

    it("keeps a registrar of another community out of this community's households and people", async () => {
      const householdId = await registerHousehold();
      const personId = await registerPerson(householdId);
      const outsider = authHeader(testUser('registrar', ['moujia'], 'registrar-moujia'));
      const before = await allEvents();
      // Opening a household in a community one does not work in names that community: 403.
      const open = await inject({
        method: 'POST',
        url: '/residents/households',
        payload: householdBody,
        headers: outsider,
      });
      expect(open.json()).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      // Everything that exists in another community answers as if it did not exist at all.
      const attempts: InjectOptions[] = [
        { method: 'GET', url: `/residents/households/${householdId}` },
        { method: 'GET', url: `/residents/households/${householdId}/history` },
        {
          method: 'POST',
          url: `/residents/households/${householdId}/rental-suspension`,
          payload: { reason: 'other' },
        },
        { method: 'POST', url: '/residents/people', payload: personBody(householdId) },
        { method: 'GET', url: `/residents/people/${personId}` },
        { method: 'GET', url: `/residents/people/${personId}/history` },
        { method: 'GET', url: `/residents/people/${personId}/pass` },
        {
          method: 'POST',
          url: `/residents/people/${personId}/screenings`,
          payload: { date: TODAY, temperatureC: 36.5 },
        },
        {
          method: 'POST',
          url: `/residents/people/${personId}/move-out`,
          payload: { movedOutOn: TODAY },
        },
      ];
      for (const attempt of attempts) {
        const res = await inject({ ...attempt, headers: outsider });
        expect(res.statusCode, `${attempt.method} ${attempt.url}`).toBe(404);
        expect(res.json().code).toMatch(/^(HOUSEHOLD|PERSON)_NOT_FOUND$/);
      }
      expect(await allEvents()).toBe(before);
    });

    it('refuses moving someone into a household of a community the registrar does not work in', async () => {
      const personId = await registerPerson(await registerHousehold());
      const elsewhere = (
        await inject({
          method: 'POST',
          url: '/residents/households',
          payload: { ...householdBody, community: 'moujia' },
          headers: authHeader(testUser('registrar', ['moujia'])),
        })
      ).json().householdId;
      const res = await inject({
        method: 'POST',
        url: `/residents/people/${personId}/move-in`,
        payload: { householdId: elsewhere, movedInOn: TODAY },
      });
      // As a household that does not exist: the registrar learns nothing of Moujia's households.
      expect(res.json()).toMatchObject({ status: 404, code: 'HOUSEHOLD_NOT_FOUND' });
    });

    it('lets only registrars write: a caller, an analyst and checkpoint staff are refused', async () => {
      const householdId = await registerHousehold();
      const personId = await registerPerson(householdId);
      const before = await allEvents();
      for (const role of [
        'caller',
        'analyst',
        'checkpoint-staff',
        'report-officer',
        'complaint-handler',
      ] as const) {
        const headers = authHeader(testUser(role, ['zhangcun']));
        expect(
          (
            await inject({
              method: 'POST',
              url: `/residents/people/${personId}/screenings`,
              payload: { date: TODAY, temperatureC: 36.5 },
              headers,
            })
          ).statusCode,
        ).toBe(403);
        expect(
          (
            await inject({
              method: 'POST',
              url: `/residents/households/${householdId}/rental-suspension`,
              payload: { reason: 'other' },
              headers,
            })
          ).statusCode,
        ).toBe(403);
      }
      expect(await allEvents()).toBe(before);
    });

    it('lets callers, report officers and analysts read; checkpoint staff only the pass', async () => {
      const personId = await registerPerson(await registerHousehold());
      for (const role of ['caller', 'report-officer', 'analyst'] as const) {
        expect(
          (
            await inject({
              method: 'GET',
              url: `/residents/people/${personId}`,
              headers: authHeader(testUser(role, ['zhangcun'])),
            })
          ).statusCode,
        ).toBe(200);
      }
      expect(
        (await inject({ method: 'GET', url: `/residents/people/${personId}`, headers: staff }))
          .statusCode,
      ).toBe(403);
      expect(
        (
          await inject({
            method: 'GET',
            url: `/residents/people/${personId}/history`,
            headers: staff,
          })
        ).statusCode,
      ).toBe(403);
      expect(
        (await inject({ method: 'GET', url: `/residents/people/${personId}/pass`, headers: staff }))
          .statusCode,
      ).toBe(200);
      expect(
        (
          await inject({
            method: 'GET',
            url: `/residents/people/${personId}`,
            headers: authHeader(testUser('complaint-handler', ['zhangcun'])),
          })
        ).statusCode,
      ).toBe(403);
    });

    it('shows a caller the phone number but not the ID number, and report officers both masked', async () => {
      const householdId = await registerHousehold();
      const personId = await registerPerson(householdId);
      const caller = (
        await inject({
          method: 'GET',
          url: `/residents/people/${personId}`,
          headers: authHeader(testUser('caller', ['zhangcun'])),
        })
      ).json();
      expect(caller.phone).toBe('13912345678');
      expect(caller.idNumber).toMatch(/^4201\*{10}\w{4}$/);
      expect(caller.birthDate).toBeNull();
      const officer = (
        await inject({
          method: 'GET',
          url: `/residents/people/${personId}`,
          headers: authHeader(testUser('report-officer', ['*'])),
        })
      ).json();
      expect(officer.phone).toBe('139****5678');
    });
  });

  describe('bad input: a 4xx naming the field, and nothing appended', () => {
    let householdId: string;
    let personId: string;
    beforeAll(async () => {
      householdId = await registerHousehold();
      personId = await registerPerson(householdId);
    });

    const cases: [string, () => InjectOptions, string[], number?][] = [
      [
        'household: unknown kind and missing grid',
        () => ({
          method: 'POST',
          url: '/residents/households',
          payload: { community: 'zhangcun', address: 'x', kind: 'villa' },
        }),
        ['body.kind', 'body.grid'],
      ],
      [
        'household: community as a number, unknown field',
        () => ({
          method: 'POST',
          url: '/residents/households',
          payload: { ...householdBody, community: 7, owner: '王' },
        }),
        ['body.community', 'body.owner'],
      ],
      [
        'household: address too long',
        () => ({
          method: 'POST',
          url: '/residents/households',
          payload: { ...householdBody, address: 'x'.repeat(201) },
        }),
        ['body.address'],
      ],
      [
        'suspension: unknown reason',
        () => ({
          method: 'POST',
          url: `/residents/households/${householdId}/rental-suspension`,
          payload: { reason: 'because' },
        }),
        ['body.reason'],
      ],
      [
        'suspension lift: unknown field',
        () => ({
          method: 'DELETE',
          url: `/residents/households/${householdId}/rental-suspension`,
          payload: { why: 'x' },
        }),
        ['body.why'],
      ],
      [
        'household id with bad characters',
        () => ({ method: 'GET', url: '/residents/households/a%20b' }),
        ['params.householdId'],
      ],
      [
        'person: bad ID number, phone and registration',
        () => ({
          method: 'POST',
          url: '/residents/people',
          payload: {
            ...personBody(householdId),
            idNumber: '12345',
            phone: '1391234',
            registration: 'tourist',
          },
        }),
        ['body.idNumber', 'body.phone', 'body.registration'],
      ],
      [
        'person: ID number with a wrong check character',
        () => ({
          method: 'POST',
          url: '/residents/people',
          payload: {
            ...personBody(householdId),
            idNumber:
              '420106199003151230'.slice(0, 17) +
              (idNumberCheckChar('42010619900315123') === '0' ? '1' : '0'),
          },
        }),
        ['body.idNumber'],
      ],
      [
        'person: outside without origin city',
        () => ({
          method: 'POST',
          url: '/residents/people',
          payload: personBody(householdId, { originCity: undefined }),
        }),
        ['body.originCity'],
      ],
      [
        'person: birth date that contradicts the ID number',
        () => ({
          method: 'POST',
          url: '/residents/people',
          payload: personBody(householdId, { birthDate: '1991-01-01' }),
        }),
        ['body.birthDate'],
      ],
      [
        'person: travel ending before it began',
        () => ({
          method: 'POST',
          url: '/residents/people',
          payload: personBody(householdId, {
            travelHistory: [{ place: '武汉', from: '2020-01-20', to: '2020-01-10' }],
          }),
        }),
        ['body.travelHistory.0.to'],
      ],
      [
        'person: missing name, unknown field',
        () => ({
          method: 'POST',
          url: '/residents/people',
          payload: { ...personBody(householdId), name: undefined, nickname: 'x' },
        }),
        ['body.name', 'body.nickname'],
      ],
      [
        'arrival: impossible date, missing city',
        () => ({
          method: 'POST',
          url: `/residents/people/${personId}/arrivals`,
          payload: { arrivedOn: '2020-02-30', originProvince: '湖北' },
        }),
        ['body.arrivedOn', 'body.originCity'],
      ],
      [
        'move-in: household id as a number',
        () => ({
          method: 'POST',
          url: `/residents/people/${personId}/move-in`,
          payload: { householdId: 12, movedInOn: TODAY },
        }),
        ['body.householdId'],
      ],
      [
        'move-out: missing date',
        () => ({
          method: 'POST',
          url: `/residents/people/${personId}/move-out`,
          payload: { destination: '武汉' },
        }),
        ['body.movedOutOn'],
      ],
      [
        'screening: temperature as text',
        () => ({
          method: 'POST',
          url: `/residents/people/${personId}/screenings`,
          payload: { date: TODAY, temperatureC: 'hot' },
        }),
        ['body.temperatureC'],
      ],
      [
        'screening: temperature out of range',
        () => ({
          method: 'POST',
          url: `/residents/people/${personId}/screenings`,
          payload: { date: TODAY, temperatureC: 45 },
        }),
        ['body.temperatureC'],
      ],
      [
        'screening: unknown symptom, unknown field',
        () => ({
          method: 'POST',
          url: `/residents/people/${personId}/screenings`,
          payload: {
            date: TODAY,
            temperatureC: 36.5,
            symptoms: ['sneezing-loudly'],
            result: 'normal',
          },
        }),
        ['body.symptoms.0', 'body.result'],
      ],
      [
        'pass: missing validUntil',
        () => ({ method: 'POST', url: `/residents/people/${personId}/pass`, payload: {} }),
        ['body.validUntil'],
      ],
      [
        'revocation: unknown reason',
        () => ({
          method: 'POST',
          url: `/residents/people/${personId}/pass/revocation`,
          payload: { reason: 'bored' },
        }),
        ['body.reason'],
      ],
    ];
    it.each(cases)('%s', async (_label, request, fields, status = 400) => {
      const before = await allEvents();
      const res = await inject(request());
      expect(res.statusCode, res.body).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(fields),
      );
      expect(await allEvents()).toBe(before);
    });

    const unknown: [string, () => InjectOptions, string][] = [
      [
        'GET an unknown household',
        () => ({ method: 'GET', url: `/residents/households/${uuidv7()}` }),
        'HOUSEHOLD_NOT_FOUND',
      ],
      [
        'suspend an unknown household',
        () => ({
          method: 'POST',
          url: `/residents/households/${uuidv7()}/rental-suspension`,
          payload: { reason: 'other' },
        }),
        'HOUSEHOLD_NOT_FOUND',
      ],
      [
        'register a person into an unknown household',
        () => ({ method: 'POST', url: '/residents/people', payload: personBody(uuidv7()) }),
        'HOUSEHOLD_NOT_FOUND',
      ],
      [
        'GET an unknown person',
        () => ({ method: 'GET', url: `/residents/people/${uuidv7()}` }),
        'PERSON_NOT_FOUND',
      ],
      [
        'GET the history of an unknown person',
        () => ({ method: 'GET', url: `/residents/people/${uuidv7()}/history` }),
        'PERSON_NOT_FOUND',
      ],
      [
        'screen an unknown person',
        () => ({
          method: 'POST',
          url: `/residents/people/${uuidv7()}/screenings`,
          payload: { date: TODAY, temperatureC: 36.5 },
        }),
        'PERSON_NOT_FOUND',
      ],
      [
        'issue a pass to an unknown person',
        () => ({
          method: 'POST',
          url: `/residents/people/${uuidv7()}/pass`,
          payload: { validUntil: TODAY },
        }),
        'PERSON_NOT_FOUND',
      ],
      [
        'move an unknown person',
        () => ({
          method: 'POST',
          url: `/residents/people/${uuidv7()}/move-in`,
          payload: { householdId: uuidv7(), movedInOn: TODAY },
        }),
        'PERSON_NOT_FOUND',
      ],
    ];
    it.each(unknown)('%s → 404', async (_label, request, code) => {
      const before = await allEvents();
      const res = await inject(request());
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe(code);
      expect(await allEvents()).toBe(before);
    });

    it('a screening dated tomorrow names the date', async () => {
      const before = await allEvents();
      const res = await inject({
        method: 'POST',
        url: `/residents/people/${personId}/screenings`,
        payload: { date: '2020-02-06', temperatureC: 36.5 },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'DATE_IN_FUTURE',
        errors: [{ field: 'body.date' }],
      });
      expect(await allEvents()).toBe(before);
    });

    it('malformed JSON', async () => {
      const before = await allEvents();
      const res = await inject({
        method: 'POST',
        url: '/residents/people',
        payload: '{"name": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'MALFORMED_JSON', errors: [{ field: 'body' }] });
      expect(await allEvents()).toBe(before);
    });

    it('an oversized body', async () => {
      const before = await allEvents();
      const res = await inject({
        method: 'POST',
        url: '/residents/people',
        payload: personBody(householdId, {
          travelHistory: Array.from({ length: 2000 }, () => ({
            place: '武汉'.repeat(20),
            from: '2020-01-01',
            to: '2020-01-02',
          })),
        }),
      });
      expect(res.statusCode).toBe(413);
      expect(await allEvents()).toBe(before);
    });

    it('a stale If-Match revision gets 412 and appends nothing', async () => {
      const before = await allEvents();
      const res = await inject({
        method: 'POST',
        url: `/residents/people/${personId}/screenings`,
        payload: { date: TODAY, temperatureC: 36.5 },
        headers: { 'if-match': '"7"' },
      });
      expect(res.statusCode).toBe(412);
      expect(await allEvents()).toBe(before);
    });
  });

  describe('ID numbers are registered once', () => {
    /** An ID number (new to this run) whose check character is X, to send as x and as X. */
    const idNumberEndingInX = () => {
      for (;;) {
        const n = idNumber('1985-07-01', String(seq++ * 2 + 1).padStart(3, '0'));
        if (n.endsWith('X')) return n;
      }
    };
    /** Registrations of this ID number, opened through the vault: the events hold it sealed. */
    const registrations = async (idNumber: string) => {
      const registered = (await eventStore.readAll({ limit: 100_000 })).filter(
        (e) => e.type === 'residents.person-registered',
      );
      const opened = await vault.openAll(
        registered.map((e) => (e.data as { idNumber: string }).idNumber),
      );
      return registered.filter((_, i) => opened[i] === idNumber);
    };

    it('refuses the same ID number a second time with 409 naming body.idNumber, the person named to a registrar of their community, and appends nothing', async () => {
      const householdId = await registerHousehold();
      const body = personBody(householdId);
      const first = await inject({ method: 'POST', url: '/residents/people', payload: body });
      expect(first.statusCode).toBe(201);
      const { personId } = first.json<{ personId: string }>();
      const before = await allEvents();
      const again = await inject({
        method: 'POST',
        url: '/residents/people',
        payload: { ...body, name: '刘伟伟', phone: '13900000000' },
      });
      expect(again.statusCode).toBe(409);
      expect(again.headers['content-type']).toContain('application/problem+json');
      expect(again.json()).toMatchObject({
        code: 'PERSON_ALREADY_REGISTERED',
        errors: [{ field: 'body.idNumber' }],
      });
      expect(again.json().detail).toContain(personId);
      expect(await allEvents()).toBe(before);
      expect(await registrations(body.idNumber)).toHaveLength(1);
    });

    it('tells a registrar of another community only that the ID number is registered', async () => {
      const householdId = await registerHousehold();
      const body = personBody(householdId);
      const personId = (
        await inject({ method: 'POST', url: '/residents/people', payload: body })
      ).json<{ personId: string }>().personId;
      const moujia = authHeader(testUser('registrar', ['moujia'], 'registrar-moujia'));
      const res = await inject({
        method: 'POST',
        url: '/residents/households',
        payload: { ...householdBody, community: 'moujia', grid: 'moujia-01' },
        headers: moujia,
      });
      const elsewhere = res.json<{ householdId: string }>().householdId;
      const before = await allEvents();
      const again = await inject({
        method: 'POST',
        url: '/residents/people',
        payload: { ...body, householdId: elsewhere },
        headers: moujia,
      });
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({
        code: 'PERSON_ALREADY_REGISTERED',
        errors: [{ field: 'body.idNumber' }],
      });
      expect(again.json().detail).not.toContain(personId);
      expect(again.body).not.toContain(personId);
      expect(await allEvents()).toBe(before);
    });

    it('counts a lower-case x and an upper-case X as the same ID number', async () => {
      const householdId = await registerHousehold();
      const upper = idNumberEndingInX();
      await registerPerson(householdId, { idNumber: upper.toLowerCase() });
      const again = await inject({
        method: 'POST',
        url: '/residents/people',
        payload: personBody(householdId, { idNumber: upper }),
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('PERSON_ALREADY_REGISTERED');
      expect(await registrations(upper)).toHaveLength(1);
    });

    it('keeps the ID number out of the reservation: the stream is named by its HMAC and holds only the person id, sealed with their key', async () => {
      const householdId = await registerHousehold();
      const body = personBody(householdId);
      const personId = await registerPerson(householdId, { idNumber: body.idNumber });
      const streamId = idNumberStreamId(TEST_RESERVATION_KEY, body.idNumber);
      expect(streamId).toMatch(/^idNumber-[0-9a-f]{64}$/);
      const reservation = await eventStore.readStream(streamId);
      expect(reservation.map((e) => e.type)).toEqual(['residents.id-number-reserved']);
      const held = (reservation[0]!.data as { personId: string }).personId;
      expect(held.startsWith(`enc:v1:${personId}:`)).toBe(true);
      expect(await vault.open(held)).toBe(personId);
      expect(JSON.stringify(reservation)).not.toContain(body.idNumber);
    });

    it('a stale If-Match on registration gets 412 before anything, the reservation included, is appended', async () => {
      const householdId = await registerHousehold();
      const body = personBody(householdId);
      const before = await allEvents();
      const res = await inject({
        method: 'POST',
        url: '/residents/people',
        payload: body,
        headers: { 'if-match': '"3"' },
      });
      expect(res.statusCode).toBe(412);
      expect(res.json()).toMatchObject({
        code: 'PRECONDITION_FAILED',
        errors: [{ field: 'headers.if-match' }],
      });
      expect(await allEvents()).toBe(before);
      await registerPerson(householdId, { idNumber: body.idNumber });
    });

    it('completes a registration whose reservation was recorded but whose person was not (a crash between the appends)', async () => {
      const householdId = await registerHousehold();
      const body = personBody(householdId);
      const reservedId = uuidv7(now.getTime());
      await eventStore.append(
        idNumberStreamId(TEST_RESERVATION_KEY, body.idNumber),
        [
          {
            id: uuidv7(now.getTime()),
            type: 'residents.id-number-reserved',
            schemaVersion: 1,
            occurredAt: now.toISOString(),
            actor: { id: 'registrar-zhangcun', role: 'registrar' },
            correlationId: 'crashed',
            causationId: null,
            data: { personId: reservedId },
          },
        ],
        { expectedRevision: 'no-stream' },
      );
      const res = await inject({ method: 'POST', url: '/residents/people', payload: body });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().personId).toBe(reservedId);
      expect(res.headers.location).toBe(`/residents/people/${reservedId}`);
      expect((await eventStore.readStream(personStreamId(reservedId))).map((e) => e.type)).toEqual([
        'residents.person-registered',
      ]);
      expect(
        await eventStore.readStream(idNumberStreamId(TEST_RESERVATION_KEY, body.idNumber)),
      ).toHaveLength(1);
      // Completed once: the next try is an ordinary duplicate.
      const again = await inject({ method: 'POST', url: '/residents/people', payload: body });
      expect(again.json()).toMatchObject({ code: 'PERSON_ALREADY_REGISTERED' });
    });

    it('of concurrent registrations of one ID number, exactly one succeeds', async () => {
      const householdId = await registerHousehold();
      const body = personBody(householdId);
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          inject({ method: 'POST', url: '/residents/people', payload: body }),
        ),
      );
      const statuses = answers.map((a) => a.statusCode).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409]);
      for (const a of answers.filter((a) => a.statusCode === 409))
        expect(a.json().code).toBe('PERSON_ALREADY_REGISTERED');
      const winner = answers
        .find((a) => a.statusCode === 201)!
        .json<{ personId: string }>().personId;
      const registered = await registrations(body.idNumber);
      expect(registered.map((e) => e.streamId)).toEqual([personStreamId(winner)]);
    });

    it('a registration held up between its two appends is completed by the next one, and itself answers 409, not a concurrency conflict', async () => {
      // The store stalls the first person append until released: the window a crash would leave open.
      let reachedGate!: () => void;
      let release!: () => void;
      const atGate = new Promise<void>((r) => (reachedGate = r));
      const gate = new Promise<void>((r) => (release = r));
      let stalled = false;
      const stalling: EventStore = {
        append: async (streamId, events, options) => {
          if (!stalled && streamId.startsWith('person-')) {
            stalled = true;
            reachedGate();
            await gate;
          }
          return eventStore.append(streamId, events, options);
        },
        readStream: (streamId, options) => eventStore.readStream(streamId, options),
        readAll: (options) => eventStore.readAll(options),
        readFiltered: (options) => eventStore.readFiltered(options),
        subscribeToAll: (options) => eventStore.subscribeToAll(options),
        checkpoints: eventStore.checkpoints,
        close: async () => {},
      };
      const slowApp = build(() => now, stalling);
      await slowApp.ready();
      try {
        const householdId = await registerHousehold();
        const body = personBody(householdId);
        const slow = inject({ method: 'POST', url: '/residents/people', payload: body }, slowApp);
        await atGate;
        const [reservation] = await eventStore.readStream(
          idNumberStreamId(TEST_RESERVATION_KEY, body.idNumber),
        );
        const reservedId = (await vault.open(
          (reservation!.data as { personId: string }).personId,
        ))!;
        const next = await inject(
          { method: 'POST', url: '/residents/people', payload: body },
          slowApp,
        );
        expect(next.statusCode, next.body).toBe(201);
        expect(next.json().personId).toBe(reservedId);
        release();
        const slowAnswer = await slow;
        expect(slowAnswer.statusCode).toBe(409);
        expect(slowAnswer.json()).toMatchObject({
          code: 'PERSON_ALREADY_REGISTERED',
          errors: [{ field: 'body.idNumber' }],
        });
        expect((await registrations(body.idNumber)).map((e) => e.streamId)).toEqual([
          personStreamId(reservedId),
        ]);
      } finally {
        release();
        await slowApp.close();
      }
    });
  });

  it('serves an OpenAPI document with the residents paths', async () => {
    const doc = (await inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/residents/households',
        '/residents/households/{householdId}/rental-suspension',
        '/residents/people/{personId}/pass',
        '/residents/people/{personId}/screenings',
      ]),
    );
    expect(
      doc.paths['/residents/households'].post.requestBody.content['application/json'].schema
        .properties.kind.enum,
    ).toEqual(['owner-occupied', 'rental', 'apartment-hotel']);
  });
});
