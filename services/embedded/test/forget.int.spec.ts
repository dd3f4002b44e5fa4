import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { idNumberCheckChar, uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore, SqlitePersonalKeys } from '@fangyi/eventstore';
import { logSource, readModelProcessor, startProcessor, type RunningProcessor } from '@fangyi/processors';
import { InMemoryProjectionStore } from '@fangyi/projections';
import { registerResidents, residentsErrors, startHouseholdPeopleFeed, type HouseholdPeopleFeed } from '@fangyi/residents';
import { registerRoster, reportProjection, DEFAULT_SLOT_WINDOWS } from '@fangyi/roster';
import { businessDate, createServiceApp, createVault, type PersonalDataVault, type ServiceApp } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, authHeader, testUser } from '@fangyi/testkit';

/**
 * Forgetting a person (crypto-shredding) on the embedded store, end to end through the routes: after
 * it, no byte of the SQLite files holds their ID or phone number, their key is gone from the file,
 * their history still replays, and the daily report, live or rebuilt from the log, is unchanged.
 */
const now = new Date('2020-02-05T01:30:00.000Z');
const TZ = 'Asia/Shanghai';
const silent = pino({ level: 'silent' });
const dateOf = (iso: string) => businessDate(new Date(iso), TZ);

const idNumberOf = (first17: string) => first17 + idNumberCheckChar(first17);
const HUBEI_ID = idNumberOf('42010619900315123');
const HUBEI_PHONE = '13971234567';
const LOCAL_ID = idNumberOf('37020219850601004');
const LOCAL_PHONE = '13805321234';

describe('forgetting a person (SQLite event store, key table in the same file)', () => {
  let dir: string;
  let dbPath: string;
  let eventStore: SqliteEventStore;
  let keys: SqlitePersonalKeys;
  let vault: PersonalDataVault;
  let householdPeople: HouseholdPeopleFeed;
  let report: RunningProcessor;
  let app: ServiceApp;

  const admin = authHeader(testUser('admin', ['*'], 'admin-1'));
  const registrar = authHeader(testUser('registrar', ['zhangcun'], 'registrar-zhangcun'));
  const analyst = authHeader(testUser('analyst', ['*'], 'analyst-1'));
  const officer = authHeader(testUser('report-officer', ['*'], 'report-officer-1'));

  const inject = async (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: object) => {
    const res = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    return res;
  };
  const post = async (url: string, payload: object, headers = registrar) => {
    const res = await inject('POST', url, headers, payload);
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };

  /** Every byte SQLite keeps: the database file and its write-ahead log. */
  const storeBytes = () => [dbPath, `${dbPath}-wal`].filter(existsSync).map((p) => readFileSync(p).toString('latin1')).join('');
  const dailyReport = async () => {
    const res = await inject('GET', `/report/daily?date=2020-02-05&asOf=${encodeURIComponent(now.toISOString())}`, officer);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const liveReport = async () => {
    const res = await inject('GET', '/report/daily?date=2020-02-05', officer);
    expect(res.statusCode, res.body).toBe(200);
    const { asOf: _asOf, ...figures } = res.json();
    return figures;
  };

  let hubeiPerson: string;
  let localPerson: string;
  let householdId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-forget-'));
    dbPath = join(dir, 'fangyi.db');
    eventStore = new SqliteEventStore({ path: dbPath, clock: () => now });
    keys = new SqlitePersonalKeys({ path: dbPath, clock: () => now });
    vault = createVault({ keys, masterKey: randomBytes(32) });
    const reportStore = new InMemoryProjectionStore({ clock: () => now });
    report = await startProcessor(readModelProcessor(reportProjection(dateOf), reportStore), logSource({ eventStore, idleMs: 20 }), silent);
    householdPeople = await startHouseholdPeopleFeed({ eventStore, logger: silent, dateOf });
    app = createServiceApp({ service: 'fangyi', logger: silent, errors: residentsErrors, authSecret: TEST_AUTH_SECRET, clock: () => now, rateLimit: false });
    registerResidents(app, { eventStore, vault, reservationKey: randomBytes(32), clock: () => now, newId: () => uuidv7(now.getTime()), timeZone: TZ, householdPeople });
    registerRoster(app, { store: new InMemoryProjectionStore({ clock: () => now }), reportStore, alertsStore: new InMemoryProjectionStore({ clock: () => now }), eventStore, clock: () => now, timeZone: TZ, slotWindows: DEFAULT_SLOT_WINDOWS });
    await app.ready();

    ({ householdId } = await post('/residents/households', { community: 'zhangcun', grid: 'zhangcun-01', address: '张村河路8号', kind: 'rental' }));
    ({ personId: hubeiPerson } = await post('/residents/people', {
      householdId, name: '刘伟', idNumber: HUBEI_ID, phone: HUBEI_PHONE, registration: 'outside', originProvince: '湖北省', originCity: '武汉市', arrivedOn: '2020-01-28',
    }));
    ({ personId: localPerson } = await post('/residents/people', { householdId, name: '王芳', idNumber: LOCAL_ID, phone: LOCAL_PHONE, registration: 'local' }));
    await post(`/residents/people/${hubeiPerson}/screenings`, { date: '2020-02-05', temperatureC: 36.5 });
    await post(`/residents/people/${hubeiPerson}/pass`, { validUntil: '2020-02-10' });
    await report.caughtUp();
  });

  afterAll(async () => {
    await app?.close();
    await report?.stop();
    await householdPeople?.stop();
    await eventStore?.close();
    await keys?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records the numbers sealed from the start: the store never holds them in clear, and a registrar reads them in full', async () => {
    const bytes = storeBytes();
    // The scan sees the events and the key table: the sealed values and the person's id are there.
    expect(bytes).toContain(`enc:v1:${hubeiPerson}:`);
    for (const clear of [HUBEI_ID, HUBEI_PHONE, LOCAL_ID, LOCAL_PHONE]) expect(bytes).not.toContain(clear);
    const person = (await inject('GET', `/residents/people/${hubeiPerson}`, registrar)).json();
    expect(person).toMatchObject({ idNumber: HUBEI_ID, phone: HUBEI_PHONE, birthDate: '1990-03-15', forgottenOn: null });
    const masked = (await inject('GET', `/residents/people/${hubeiPerson}`, analyst)).json();
    expect(masked.idNumber).toBe(`4201${'*'.repeat(10)}${HUBEI_ID.slice(-4)}`);
  });

  it('only an admin forgets, with a reason from the list; a bad reason is a 400 naming the field and changes nothing', async () => {
    const before = (await eventStore.readAll({ limit: 10_000 })).length;
    expect((await inject('POST', `/residents/people/${hubeiPerson}/forget`, registrar, { reason: 'subject-request' })).statusCode).toBe(403);
    const bad = await inject('POST', `/residents/people/${hubeiPerson}/forget`, admin, { reason: '因为' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.reason');
    expect((await eventStore.readAll({ limit: 10_000 })).length).toBe(before);
    expect(await vault.has(hubeiPerson)).toBe(true);
  });

  it('after forgetting: no clear number and no trace of the key in the files, the history replays, every figure adds up as before', async () => {
    const reportBefore = await dailyReport();
    const liveBefore = await liveReport();
    const [wrappedKey] = [...(await keys.get([hubeiPerson])).values()];
    expect(wrappedKey).toBeDefined();
    expect(storeBytes()).toContain(wrappedKey!);
    const typesBefore = (await inject('GET', `/residents/people/${hubeiPerson}/history`, registrar)).json().map((e: { type: string }) => e.type);

    const res = await inject('POST', `/residents/people/${hubeiPerson}/forget`, admin, { reason: 'subject-request' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ personId: hubeiPerson, forgottenOn: '2020-02-05' });

    // The event records that it happened, and nothing of the person.
    const forgotten = (await eventStore.readStream(`person-${hubeiPerson}`)).at(-1)!;
    expect(forgotten.type).toBe('residents.person-forgotten');
    expect(forgotten.data).toEqual({ personId: hubeiPerson, community: 'zhangcun', reason: 'subject-request', forgottenOn: '2020-02-05' });

    // Every row of the event store, and every byte of the files.
    const rows = await eventStore.readAll({ limit: 100_000 });
    const everything = JSON.stringify(rows) + storeBytes();
    for (const clear of [HUBEI_ID, HUBEI_PHONE]) expect(everything).not.toContain(clear);
    expect(storeBytes()).not.toContain(wrappedKey!);
    // The sealed values are still there, and open for nobody.
    const registered = rows.find((e) => e.type === 'residents.person-registered' && (e.data as { personId: string }).personId === hubeiPerson)!;
    expect(await vault.open((registered.data as { idNumber: string }).idNumber)).toBeNull();

    // The person's page and history: numbers gone for every role, the rest as it was.
    for (const who of [registrar, analyst]) {
      const page = (await inject('GET', `/residents/people/${hubeiPerson}`, who)).json();
      expect(page).toMatchObject({ personId: hubeiPerson, name: '刘伟', idNumber: null, phone: null, birthDate: null, forgottenOn: '2020-02-05', screenings: 1, arrivals: 1, pass: { status: 'active' } });
    }
    const history = (await inject('GET', `/residents/people/${hubeiPerson}/history`, registrar)).json();
    expect(history.map((e: { type: string }) => e.type)).toEqual([...typesBefore, 'residents.person-forgotten']);
    expect(history[0].data).toMatchObject({ idNumber: null, phone: null });
    expect(JSON.stringify(history)).not.toContain(HUBEI_ID);

    // The household's listing: the forgotten person is still a member, without numbers; the other keeps theirs.
    const listing = (await inject('GET', `/residents/households/${householdId}/people`, registrar)).json();
    const byId = new Map(listing.people.map((p: { personId: string }) => [p.personId, p]));
    expect(byId.get(hubeiPerson)).toMatchObject({ idNumber: null, phone: null, forgottenOn: '2020-02-05' });
    expect(byId.get(localPerson)).toMatchObject({ idNumber: LOCAL_ID, phone: LOCAL_PHONE, forgottenOn: null });

    // Nothing new is recorded for them; forgetting again answers the same and records nothing.
    const screening = await inject('POST', `/residents/people/${hubeiPerson}/screenings`, registrar, { date: '2020-02-05', temperatureC: 36.4 });
    expect(screening.statusCode).toBe(409);
    expect(screening.json().code).toBe('PERSON_FORGOTTEN');
    const again = await inject('POST', `/residents/people/${hubeiPerson}/forget`, admin, { reason: 'subject-request' });
    expect(again.statusCode).toBe(200);
    expect(again.json().events).toEqual([]);

    // The daily report, live and rebuilt from the whole log, adds up exactly as before.
    await report.caughtUp();
    expect(await liveReport()).toEqual(liveBefore);
    // Rebuilt from the whole log (as of now), after the forget: the same figures.
    const rebuilt = await inject('GET', `/report/daily?date=2020-02-05&asOf=${encodeURIComponent(now.toISOString())}`, officer);
    expect(rebuilt.statusCode, rebuilt.body).toBe(200);
    const { asOf: _a, ...rebuiltFigures } = rebuilt.json();
    const { asOf: _b, ...figuresBefore } = reportBefore;
    expect(rebuiltFigures).toEqual(figuresBefore);
    expect(JSON.stringify(figuresBefore)).toMatch(/[1-9]/);

    // And the household-people read model rebuilt from the log knows them as forgotten.
    const fresh = await startHouseholdPeopleFeed({ eventStore, logger: silent, dateOf });
    try {
      await fresh.sync();
      const [row] = (await fresh.householdPeople.of(householdId)).filter((r) => r.person.personId === hubeiPerson);
      expect(row!.person).toMatchObject({ idNumber: null, phone: null, forgottenOn: '2020-02-05' });
    } finally {
      await fresh.stop();
    }

    // The reservation no longer says whose the number was: it can be registered anew, as someone new.
    const anew = await inject('POST', '/residents/people', registrar, { householdId, name: '刘伟', idNumber: HUBEI_ID, phone: HUBEI_PHONE, registration: 'local' });
    expect(anew.statusCode, anew.body).toBe(201);
    expect(anew.json().personId).not.toBe(hubeiPerson);
    const twice = await inject('POST', '/residents/people', registrar, { householdId, name: '刘伟', idNumber: HUBEI_ID, phone: HUBEI_PHONE, registration: 'local' });
    expect(twice.json().code).toBe('PERSON_ALREADY_REGISTERED');
    await post(`/residents/people/${anew.json().personId}/forget`, { reason: 'other' }, admin);
  });
});
