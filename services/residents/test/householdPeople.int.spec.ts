import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { idNumberCheckChar, uuidv7 } from '@fangyi/contracts';
import type { PersonalDataVault } from '@fangyi/service-kit';
import { TEST_RESERVATION_KEY, postgresVault, sqliteVault } from './privacy.ts';
import { SqliteEventStore, catchUpSubscription, type EventStore } from '@fangyi/eventstore';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { businessDate, type ServiceApp } from '@fangyi/service-kit';
import {
  TEST_AUTH_SECRET,
  authHeader,
  dropSchema,
  freshSchemaName,
  requireInfra,
  testUser,
} from '@fangyi/testkit';
import {
  buildResidentsApp,
  startHouseholdPeopleFeed,
  type HouseholdPeopleFeed,
} from '../src/index.ts';

// The district's clock stands at 2020-02-05 09:30 in Shanghai.
const now = new Date('2020-02-05T01:30:00.000Z');
const TODAY = '2020-02-05';
const TZ = 'Asia/Shanghai';
const silent = pino({ level: 'silent' });

const idNumber = (seq: number) => {
  const first17 = `420106${'19900315'}${String(seq * 2 + 1).padStart(3, '0')}`;
  return first17 + idNumberCheckChar(first17);
};

interface OpenedStore {
  readonly store: EventStore;
  readonly vault: PersonalDataVault;
  cleanup(): Promise<void>;
}

const sqlite = async (): Promise<OpenedStore> => {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-hp-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
  const { vault, keys } = sqliteVault(join(dir, 'events.db'));
  return {
    store,
    vault,
    async cleanup() {
      await store.close();
      await keys.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

const postgres = async (): Promise<OpenedStore> => {
  const url = requireInfra('postgres');
  const schema = freshSchemaName();
  const store = await PostgresEventStore.create({
    connectionString: url,
    schema,
    clock: () => now,
  });
  const { vault, keys } = await postgresVault(url, schema);
  return {
    store,
    vault,
    async cleanup() {
      await store.close();
      await keys.close();
      await dropSchema(url, schema);
    },
  };
};

householdPeopleSuite('SQLite', sqlite);
householdPeopleSuite('PostgreSQL', postgres);

function householdPeopleSuite(adapter: string, open: () => Promise<OpenedStore>): void {
  describe(`a household's people over HTTP (${adapter} event store)`, () => {
    let opened: OpenedStore;
    let eventStore: EventStore;
    let feed: HouseholdPeopleFeed;
    let app: ServiceApp;
    const build = (store: EventStore, householdPeople: HouseholdPeopleFeed) =>
      buildResidentsApp({
        eventStore: store,
        vault: opened.vault,
        reservationKey: TEST_RESERVATION_KEY,
        clock: () => now,
        newId: () => uuidv7(),
        timeZone: TZ,
        logger: silent,
        authSecret: TEST_AUTH_SECRET,
        householdPeople,
      });

    beforeAll(async () => {
      opened = await open();
      eventStore = opened.store;
      // A 60 s poll: only the request's own read of the log can show a write made just before it.
      feed = await startHouseholdPeopleFeed({
        eventStore,
        logger: silent,
        dateOf: (iso) => businessDate(new Date(iso), TZ),
        idleMs: 60_000,
      });
      app = build(eventStore, feed);
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await feed?.stop();
      await opened?.cleanup();
    });

    const registrar = authHeader(testUser('registrar', ['zhangcun'], 'registrar-zhangcun'));
    type InjectOptions = {
      method: 'GET' | 'POST';
      url: string;
      payload?: object;
      headers?: Record<string, string>;
    };
    const inject = (options: InjectOptions, target: ServiceApp = app) =>
      target.inject({ ...options, headers: { ...registrar, ...options.headers } });
    const post = async (url: string, payload: object) => {
      const res = await inject({ method: 'POST', url, payload });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json();
    };
    const registerHousehold = async (
      community = 'zhangcun',
      headers: Record<string, string> = registrar,
    ) => {
      const res = await inject({
        method: 'POST',
        url: '/residents/households',
        payload: { community, grid: `${community}-03`, address: '张村河路12号', kind: 'rental' },
        headers,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ householdId: string }>().householdId;
    };
    let seq = 400;
    const personBody = (householdId: string, o: object = {}) => ({
      householdId,
      name: '刘伟',
      idNumber: idNumber(seq++),
      phone: '13912345678',
      registration: 'outside',
      originProvince: '湖北',
      originCity: '武汉',
      ...o,
    });
    const registerPerson = async (householdId: string, o: object = {}) =>
      (await post('/residents/people', personBody(householdId, o))).personId as string;
    const people = (
      householdId: string,
      o: { query?: string; headers?: Record<string, string>; target?: ServiceApp } = {},
    ) =>
      inject(
        {
          method: 'GET',
          url: `/residents/households/${householdId}/people${o.query ?? ''}`,
          ...(o.headers ? { headers: o.headers } : {}),
        },
        o.target,
      );
    const ids = (rows: { personId: string }[]) => rows.map((r) => r.personId);

    it('lists someone the moment they are registered, with origin, arrival and the day they came', async () => {
      const householdId = await registerHousehold();
      const body = personBody(householdId, { name: '王芳', arrivedOn: '2020-02-01' });
      const personId = (await post('/residents/people', body)).personId as string;
      const local = await registerPerson(householdId, {
        name: '张强',
        registration: 'local',
        originProvince: undefined,
        originCity: undefined,
      });
      const res = await people(householdId);
      expect(res.statusCode, res.body).toBe(200);
      const answer = res.json();
      expect(answer).toMatchObject({ householdId, community: 'zhangcun', address: '张村河路12号' });
      expect(answer).not.toHaveProperty('former');
      expect(ids(answer.people)).toEqual([personId, local]);
      expect(answer.people[0]).toEqual({
        personId,
        name: '王芳',
        idNumber: body.idNumber,
        phone: '13912345678',
        forgottenOn: null,
        registration: 'outside',
        originProvince: '湖北',
        originCity: '武汉',
        lastArrival: { arrivedOn: '2020-02-01', originProvince: '湖北', originCity: '武汉' },
        movedInOn: TODAY,
        joinedBy: 'registered',
        latestScreening: null,
        pass: { status: 'none' },
        underQuarantine: false,
      });
      expect(answer.people[1]).toMatchObject({
        name: '张强',
        registration: 'local',
        originProvince: null,
        lastArrival: null,
      });
    });

    it('answers an empty list for a household nobody lives in', async () => {
      const householdId = await registerHousehold();
      const res = await people(householdId, { query: '?include=former' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ householdId, people: [], former: [] });
    });

    it('shows the latest screening and the pass as of today, and keeps up as they change', async () => {
      const householdId = await registerHousehold();
      const personId = await registerPerson(householdId);
      await post(`/residents/people/${personId}/screenings`, {
        date: TODAY,
        temperatureC: 36.6,
        symptoms: [],
      });
      const { passId } = await post(`/residents/people/${personId}/pass`, {
        validUntil: '2020-02-19',
      });
      const [issued] = (await people(householdId)).json().people;
      expect(issued).toMatchObject({
        latestScreening: { date: TODAY, result: 'normal', temperatureC: 36.6 },
        pass: { status: 'active', passId, validUntil: '2020-02-19', revokedReason: null },
      });
      await post(`/residents/people/${personId}/screenings`, {
        date: TODAY,
        temperatureC: 38.1,
        symptoms: ['cough'],
      });
      const [fever] = (await people(householdId)).json().people;
      expect(fever).toMatchObject({
        latestScreening: { date: TODAY, result: 'abnormal', temperatureC: 38.1 },
        pass: { status: 'revoked', revokedReason: 'abnormal-screening', revokedOn: TODAY },
      });
    });

    it('moves someone who moved out to the former people, shown only on ?include=former, with where they went', async () => {
      const householdId = await registerHousehold();
      const stays = await registerPerson(householdId, { name: '张强' });
      const leaves = await registerPerson(householdId);
      await post(`/residents/people/${leaves}/screenings`, {
        date: TODAY,
        temperatureC: 36.6,
        symptoms: [],
      });
      await post(`/residents/people/${leaves}/move-out`, {
        movedOutOn: TODAY,
        destination: '青岛市市南区',
      });
      expect(ids((await people(householdId)).json().people)).toEqual([stays]);
      const all = (await people(householdId, { query: '?include=former' })).json();
      expect(ids(all.people)).toEqual([stays]);
      expect(all.former).toEqual([
        expect.objectContaining({
          personId: leaves,
          movedInOn: TODAY,
          movedOutOn: TODAY,
          leftBy: 'moved-out',
          destination: '青岛市市南区',
          movedToHouseholdId: null,
        }),
      ]);
      // What became of them since belongs to where they live now.
      expect(all.former[0]).not.toHaveProperty('latestScreening');
      expect(all.former[0]).not.toHaveProperty('pass');

      // Brought back with a move-in, they live here again, listed once.
      await post(`/residents/people/${leaves}/move-in`, { householdId, movedInOn: TODAY });
      const back = (await people(householdId, { query: '?include=former' })).json();
      expect(ids(back.people).sort()).toEqual([stays, leaves].sort());
      expect(back.former).toEqual([]);
    });

    it('shows a move to another household in both: former in the first, living in the second', async () => {
      const first = await registerHousehold();
      const second = await registerHousehold();
      const personId = await registerPerson(first);
      await post(`/residents/people/${personId}/move-in`, {
        householdId: second,
        movedInOn: '2020-02-04',
      });
      const before = (await people(first, { query: '?include=former' })).json();
      expect(before.people).toEqual([]);
      expect(before.former).toEqual([
        expect.objectContaining({
          personId,
          movedOutOn: '2020-02-04',
          leftBy: 'moved-to-another-household',
          movedToHouseholdId: second,
        }),
      ]);
      const after = (await people(second, { query: '?include=former' })).json();
      expect(after.people).toEqual([
        expect.objectContaining({ personId, movedInOn: '2020-02-04', joinedBy: 'moved-in' }),
      ]);
      expect(after.former).toEqual([]);
    });

    it('shows a write at once to another instance, which reads the same log itself', async () => {
      // Its own feed, with a 60 s poll: only its request's own read of the log can show the write.
      const otherFeed = await startHouseholdPeopleFeed({
        eventStore,
        logger: silent,
        dateOf: (iso) => businessDate(new Date(iso), TZ),
        idleMs: 60_000,
      });
      const other = build(eventStore, otherFeed);
      await other.ready();
      try {
        const householdId = await registerHousehold();
        const personId = await registerPerson(householdId);
        expect(ids((await people(householdId, { target: other })).json().people)).toEqual([
          personId,
        ]);
      } finally {
        await other.close();
        await otherFeed.stop();
      }
    });

    it('a request arriving while a read of the log is under way waits for one that begins after it', async () => {
      // Each read of the log answers 50 ms after it was made: a round in flight has read before the append below.
      const slow: EventStore = {
        append: (streamId, events, options) => eventStore.append(streamId, events, options),
        readStream: (streamId, options) => eventStore.readStream(streamId, options),
        readAll: async (options) => {
          const events = await eventStore.readAll(options);
          await new Promise((r) => setTimeout(r, 50));
          return events;
        },
        readFiltered: (options) => eventStore.readFiltered(options),
        subscribeToAll: (options) =>
          catchUpSubscription((after, limit) => slow.readAll({ after, limit }), options),
        checkpoints: eventStore.checkpoints,
        close: async () => {},
      };
      const slowFeed = await startHouseholdPeopleFeed({
        eventStore: slow,
        logger: silent,
        dateOf: (iso) => businessDate(new Date(iso), TZ),
        idleMs: 60_000,
      });
      try {
        await slowFeed.sync();
        const householdId = await registerHousehold();
        const inFlight = slowFeed.sync();
        const personId = uuidv7();
        const d = personBody(householdId);
        await eventStore.append(
          `person-${personId}`,
          [
            {
              id: uuidv7(),
              type: 'residents.person-registered',
              schemaVersion: 1,
              occurredAt: now.toISOString(),
              actor: { id: 'registrar-zhangcun', role: 'registrar' },
              correlationId: 'late',
              causationId: null,
              data: {
                personId,
                householdId,
                community: 'zhangcun',
                name: d.name,
                idNumber: d.idNumber,
                phone: d.phone,
                sex: 'male',
                birthDate: '1990-03-15',
                registration: 'outside',
                travelHistory: [],
              },
            },
          ],
          { expectedRevision: 'no-stream' },
        );
        const after = slowFeed.sync();
        await inFlight;
        await after;
        expect(
          (await slowFeed.householdPeople.of(householdId)).map((r) => r.person.personId),
        ).toEqual([personId]);
      } finally {
        await slowFeed.stop();
      }
    });

    it('masks ID and phone numbers as the person page does: both in full to registrars, the phone only to callers, both masked to analysts and report officers', async () => {
      const householdId = await registerHousehold();
      const body = personBody(householdId);
      await post('/residents/people', body);
      await post(
        `/residents/people/${(await post('/residents/people', personBody(householdId))).personId}/move-out`,
        { movedOutOn: TODAY },
      );
      const full = { idNumber: body.idNumber, phone: '13912345678' };
      const masked = {
        idNumber: `4201${'*'.repeat(10)}${body.idNumber.slice(-4)}`,
        phone: '139****5678',
      };
      const cases: [string, Record<string, string>, object][] = [
        ['registrar', registrar, full],
        [
          'caller',
          authHeader(testUser('caller', ['zhangcun'])),
          { idNumber: masked.idNumber, phone: full.phone },
        ],
        ['analyst', authHeader(testUser('analyst', ['*'])), masked],
        ['report-officer', authHeader(testUser('report-officer', ['zhangcun'])), masked],
      ];
      for (const [role, headers, expected] of cases) {
        const res = await people(householdId, { headers, query: '?include=former' });
        expect(res.statusCode, role).toBe(200);
        expect(res.json().people[0], role).toMatchObject(expected);
        expect(res.json().former[0].phone, role).toBe((expected as { phone: string }).phone);
        if (role !== 'registrar') expect(res.body, role).not.toContain(body.idNumber);
      }
    });

    it("keeps other communities out as the household's own read does (404, as unknown), and roles that do not read households (403)", async () => {
      const householdId = await registerHousehold();
      await registerPerson(householdId);
      const moujia = authHeader(testUser('registrar', ['moujia'], 'registrar-moujia'));
      for (const url of [
        `/residents/households/${householdId}`,
        `/residents/households/${householdId}/people`,
      ]) {
        const res = await inject({ method: 'GET', url, headers: moujia });
        expect(res.statusCode, url).toBe(404);
        expect(res.json().code).toBe('HOUSEHOLD_NOT_FOUND');
      }
      for (const role of ['checkpoint-staff', 'complaint-handler'] as const) {
        expect(
          (await people(householdId, { headers: authHeader(testUser(role, ['zhangcun'])) }))
            .statusCode,
          role,
        ).toBe(403);
      }
      expect(
        (await app.inject({ method: 'GET', url: `/residents/households/${householdId}/people` }))
          .statusCode,
      ).toBe(401);
      // Moujia's own registrar sees Moujia's households.
      const theirs = await registerHousehold('moujia', moujia);
      expect((await people(theirs, { headers: moujia })).statusCode).toBe(200);
    });

    it('answers 404 for an unknown household, and 400 naming the field for a bad id or query', async () => {
      const unknown = await people(uuidv7());
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().code).toBe('HOUSEHOLD_NOT_FOUND');
      const householdId = await registerHousehold();
      const bad: [string, string][] = [
        ['/residents/households/a%20b/people', 'params.householdId'],
        [`/residents/households/${householdId}/people?include=everyone`, 'query.include'],
        [`/residents/households/${householdId}/people?status=all`, 'query.status'],
      ];
      for (const [url, field] of bad) {
        const res = await inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(
          res.json().errors.map((e: { field: string }) => e.field),
          url,
        ).toEqual([field]);
      }
    });

    it('lists the route in the OpenAPI document with its query', async () => {
      const doc = (await inject({ method: 'GET', url: '/openapi.json' })).json();
      const op = doc.paths['/residents/households/{householdId}/people'].get;
      expect(op.parameters.map((p: { name: string }) => p.name)).toEqual([
        'householdId',
        'include',
      ]);
    });
  });
}
