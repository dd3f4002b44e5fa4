import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { idNumberCheckChar, uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore, SqlitePersonalKeys } from '@fangyi/eventstore';
import {
  logSource,
  readModelProcessor,
  startProcessor,
  type RunningProcessor,
} from '@fangyi/processors';
import { InMemoryProjectionStore } from '@fangyi/projections';
import {
  checkpointsErrors,
  registerCheckpoints,
  startCheckpointList,
  startResidentsDirectory,
  type CheckpointList,
  type ResidentsDirectory,
} from '@fangyi/checkpoints';
import {
  complaintPolicyFromEnv,
  complaintsErrors,
  registerComplaints,
  startHouseholdDirectory,
  type HouseholdDirectory,
} from '@fangyi/complaints';
import {
  registerResidents,
  residentsErrors,
  startHouseholdPeopleFeed,
  type HouseholdPeopleFeed,
} from '@fangyi/residents';
import { registerRoster, reportProjection, DEFAULT_SLOT_WINDOWS } from '@fangyi/roster';
import {
  businessDate,
  createServiceApp,
  createVault,
  mergeErrors,
  type PersonalDataVault,
  type ServiceApp,
} from '@fangyi/service-kit';
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
/** A reporter who lives elsewhere: known to Fangyi only by the phone they left with a complaint. */
const VISITOR_PHONE = '13607091234';

describe('forgetting a person (SQLite event store, key table in the same file)', () => {
  let dir: string;
  let dbPath: string;
  let eventStore: SqliteEventStore;
  let keys: SqlitePersonalKeys;
  let vault: PersonalDataVault;
  let householdPeople: HouseholdPeopleFeed;
  let report: RunningProcessor;
  let app: ServiceApp;
  let checkpointList: CheckpointList;
  let checkpointsResidents: ResidentsDirectory;
  let households: HouseholdDirectory;

  const admin = authHeader(testUser('admin', ['*'], 'admin-1'));
  const registrar = authHeader(testUser('registrar', ['zhangcun'], 'registrar-zhangcun'));
  const analyst = authHeader(testUser('analyst', ['*'], 'analyst-1'));
  const officer = authHeader(testUser('report-officer', ['*'], 'report-officer-1'));
  const gateStaff = authHeader(testUser('checkpoint-staff', ['zhangcun'], 'staff-zhangcun'));
  const handler = authHeader(testUser('complaint-handler', ['*'], 'complaint-handler-kutao'));

  const inject = async (
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string>,
    payload?: object,
  ) => {
    const res = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    return res;
  };
  const post = async (url: string, payload: object, headers = registrar) => {
    const res = await inject('POST', url, headers, payload);
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };

  /** Every byte SQLite keeps: the database file and its write-ahead log. */
  const storeBytes = () =>
    [dbPath, `${dbPath}-wal`]
      .filter(existsSync)
      .map((p) => readFileSync(p).toString('latin1'))
      .join('');
  const dailyReport = async () => {
    const res = await inject(
      'GET',
      `/report/daily?date=2020-02-05&asOf=${encodeURIComponent(now.toISOString())}`,
      officer,
    );
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
  let checkpointId: string;
  let residentComplaint: string;
  let visitorComplaint: string;
  const gateLog = async () => {
    const res = await inject(
      'GET',
      `/checkpoints/${checkpointId}/crossings?date=2020-02-05`,
      registrar,
    );
    expect(res.statusCode, res.body).toBe(200);
    const day = res.json<{
      crossings: { personId?: string; idNumber: string | null }[];
      refusals: { idNumber: string | null }[];
    }>();
    return {
      entries: day.crossings.map((c) => [c.personId, c.idNumber]),
      refusals: day.refusals.map((r) => r.idNumber),
    };
  };
  const reporterPhone = async (complaintId: string) => {
    const res = await inject('GET', `/complaints/${complaintId}`, admin);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ reporter: { phone: string | null } }>().reporter.phone;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-forget-'));
    dbPath = join(dir, 'fangyi.db');
    eventStore = new SqliteEventStore({ path: dbPath, clock: () => now });
    keys = new SqlitePersonalKeys({ path: dbPath, clock: () => now });
    vault = createVault({ keys, masterKey: randomBytes(32) });
    const reportStore = new InMemoryProjectionStore({ clock: () => now });
    report = await startProcessor(
      readModelProcessor(reportProjection(dateOf), reportStore),
      logSource({ eventStore, idleMs: 20 }),
      silent,
    );
    householdPeople = await startHouseholdPeopleFeed({ eventStore, logger: silent, dateOf });
    checkpointList = await startCheckpointList({ eventStore, logger: silent });
    checkpointsResidents = await startResidentsDirectory({ eventStore, logger: silent });
    households = await startHouseholdDirectory({ eventStore, logger: silent });
    app = createServiceApp({
      service: 'fangyi',
      logger: silent,
      errors: mergeErrors(residentsErrors, checkpointsErrors, complaintsErrors),
      authSecret: TEST_AUTH_SECRET,
      clock: () => now,
      rateLimit: false,
    });
    // One naming key for every service, as the embedded process has.
    const namingKey = randomBytes(32);
    const newId = () => uuidv7(now.getTime());
    registerResidents(app, {
      eventStore,
      vault,
      reservationKey: namingKey,
      clock: () => now,
      newId,
      timeZone: TZ,
      householdPeople,
    });
    registerCheckpoints(app, {
      eventStore,
      clock: () => now,
      newId,
      timeZone: TZ,
      projectionStore: new InMemoryProjectionStore({ clock: () => now }),
      checkpointList,
      residents: checkpointsResidents,
      vault,
      namingKey,
    });
    registerComplaints(app, {
      eventStore,
      clock: () => now,
      newId,
      policy: complaintPolicyFromEnv({ FANGYI_COMPLAINT_HANDLERS: '*=complaint-handler-kutao' }),
      households,
      vault,
      namingKey,
      timeZone: TZ,
    });
    registerRoster(app, {
      store: new InMemoryProjectionStore({ clock: () => now }),
      reportStore,
      alertsStore: new InMemoryProjectionStore({ clock: () => now }),
      eventStore,
      clock: () => now,
      timeZone: TZ,
      slotWindows: DEFAULT_SLOT_WINDOWS,
    });
    await app.ready();

    ({ householdId } = await post('/residents/households', {
      community: 'zhangcun',
      grid: 'zhangcun-01',
      address: '张村河路8号',
      kind: 'rental',
    }));
    ({ personId: hubeiPerson } = await post('/residents/people', {
      householdId,
      name: '刘伟',
      idNumber: HUBEI_ID,
      phone: HUBEI_PHONE,
      registration: 'outside',
      originProvince: '湖北省',
      originCity: '武汉市',
      arrivedOn: '2020-01-28',
    }));
    ({ personId: localPerson } = await post('/residents/people', {
      householdId,
      name: '王芳',
      idNumber: LOCAL_ID,
      phone: LOCAL_PHONE,
      registration: 'local',
    }));
    await post(`/residents/people/${hubeiPerson}/screenings`, {
      date: '2020-02-05',
      temperatureC: 36.5,
    });
    await post(`/residents/people/${hubeiPerson}/pass`, { validUntil: '2020-02-10' });

    // At the gate: an entry naming them with their ID number typed, a refusal of someone who gave
    // only that ID number (unidentified), and the other resident's entry.
    ({ checkpointId } = await post('/checkpoints', {
      name: '张村东口',
      location: '张村东路与枯桃路交口',
      communities: ['zhangcun'],
      kind: 'road',
    }));
    await post(
      `/checkpoints/${checkpointId}/shifts`,
      {
        staff: [{ id: 's1', name: '张伟', community: 'zhangcun', role: 'community-staff' }],
        startedAt: now.toISOString(),
      },
      gateStaff,
    );
    const at = now.toISOString();
    await post(
      `/checkpoints/${checkpointId}/entries`,
      { personId: hubeiPerson, idNumber: HUBEI_ID, temperatureC: 36.5, passValid: true, at },
      gateStaff,
    );
    await post(
      `/checkpoints/${checkpointId}/refusals`,
      { name: '刘伟', idNumber: HUBEI_ID.toLowerCase(), reason: 'outside-person', note: '', at },
      gateStaff,
    );
    await post(
      `/checkpoints/${checkpointId}/entries`,
      { personId: localPerson, idNumber: LOCAL_ID, temperatureC: 36.4, passValid: true, at },
      gateStaff,
    );
    // Complaints: one reported by the resident with their phone, one by a visitor.
    const complaint = (phone: string) => ({
      channel: 'phone',
      category: 'sanitation',
      community: 'zhangcun',
      description: '垃圾未清运',
      reporter: { anonymous: false, name: '报告人', phone },
      receivedAt: at,
    });
    ({ complaintId: residentComplaint } = await post('/complaints', complaint(HUBEI_PHONE)));
    ({ complaintId: visitorComplaint } = await post('/complaints', complaint(VISITOR_PHONE)));
    await report.caughtUp();
  });

  afterAll(async () => {
    await app?.close();
    await checkpointList?.stop();
    await checkpointsResidents?.stop();
    await households?.stop();
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
    for (const clear of [HUBEI_ID, HUBEI_PHONE, LOCAL_ID, LOCAL_PHONE, VISITOR_PHONE])
      expect(bytes).not.toContain(clear);
    // Typed at the gate and left with a complaint: sealed for the number's own subject, read in full where the role may.
    expect(bytes).toMatch(/enc:v1:idNumber-[0-9a-f]{64}:/);
    expect(bytes).toMatch(/enc:v1:phone-[0-9a-f]{64}:/);
    expect(await gateLog()).toEqual({
      entries: [
        [hubeiPerson, HUBEI_ID],
        [localPerson, LOCAL_ID],
      ],
      refusals: [HUBEI_ID],
    });
    expect([await reporterPhone(residentComplaint), await reporterPhone(visitorComplaint)]).toEqual(
      [HUBEI_PHONE, VISITOR_PHONE],
    );
    // Gate staff see ID numbers masked, as everywhere.
    const staffView = (
      await inject('GET', `/checkpoints/${checkpointId}/crossings?date=2020-02-05`, gateStaff)
    ).json();
    expect(staffView.crossings[0].idNumber).toBe(`4201${'*'.repeat(10)}${HUBEI_ID.slice(-4)}`);
    const person = (await inject('GET', `/residents/people/${hubeiPerson}`, registrar)).json();
    expect(person).toMatchObject({
      idNumber: HUBEI_ID,
      phone: HUBEI_PHONE,
      birthDate: '1990-03-15',
      forgottenOn: null,
    });
    const masked = (await inject('GET', `/residents/people/${hubeiPerson}`, analyst)).json();
    expect(masked.idNumber).toBe(`4201${'*'.repeat(10)}${HUBEI_ID.slice(-4)}`);
  });

  it('only an admin forgets, with a reason from the list; a bad reason is a 400 naming the field and changes nothing', async () => {
    const before = (await eventStore.readAll({ limit: 10_000 })).length;
    expect(
      (
        await inject('POST', `/residents/people/${hubeiPerson}/forget`, registrar, {
          reason: 'subject-request',
        })
      ).statusCode,
    ).toBe(403);
    const bad = await inject('POST', `/residents/people/${hubeiPerson}/forget`, admin, {
      reason: '因为',
    });
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
    const typesBefore = (await inject('GET', `/residents/people/${hubeiPerson}/history`, registrar))
      .json()
      .map((e: { type: string }) => e.type);

    const res = await inject('POST', `/residents/people/${hubeiPerson}/forget`, admin, {
      reason: 'subject-request',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ personId: hubeiPerson, forgottenOn: '2020-02-05' });

    // The event records that it happened, and nothing of the person.
    const forgotten = (await eventStore.readStream(`person-${hubeiPerson}`)).at(-1)!;
    expect(forgotten.type).toBe('residents.person-forgotten');
    expect(forgotten.data).toEqual({
      personId: hubeiPerson,
      community: 'zhangcun',
      reason: 'subject-request',
      forgottenOn: '2020-02-05',
    });

    // Every row of the event store, and every byte of the files.
    const rows = await eventStore.readAll({ limit: 100_000 });
    const everything = JSON.stringify(rows) + storeBytes();
    for (const clear of [HUBEI_ID, HUBEI_PHONE]) expect(everything).not.toContain(clear);
    expect(storeBytes()).not.toContain(wrappedKey!);
    // The sealed values are still there, and open for nobody.
    const registered = rows.find(
      (e) =>
        e.type === 'residents.person-registered' &&
        (e.data as { personId: string }).personId === hubeiPerson,
    )!;
    expect(await vault.open((registered.data as { idNumber: string }).idNumber)).toBeNull();

    // The person's page and history: numbers gone for every role, the rest as it was.
    for (const who of [registrar, analyst]) {
      const page = (await inject('GET', `/residents/people/${hubeiPerson}`, who)).json();
      expect(page).toMatchObject({
        personId: hubeiPerson,
        name: '刘伟',
        idNumber: null,
        phone: null,
        birthDate: null,
        forgottenOn: '2020-02-05',
        screenings: 1,
        arrivals: 1,
        pass: { status: 'active' },
      });
    }
    const history = (
      await inject('GET', `/residents/people/${hubeiPerson}/history`, registrar)
    ).json();
    expect(history.map((e: { type: string }) => e.type)).toEqual([
      ...typesBefore,
      'residents.person-forgotten',
    ]);
    expect(history[0].data).toMatchObject({ idNumber: null, phone: null });
    expect(JSON.stringify(history)).not.toContain(HUBEI_ID);

    // Their ID number typed at the gate, whoever the crossing named, and their phone left with a
    // complaint: unreadable too; the other resident's and the visitor's are not touched.
    expect(await gateLog()).toEqual({
      entries: [
        [hubeiPerson, null],
        [localPerson, LOCAL_ID],
      ],
      refusals: [null],
    });
    expect([await reporterPhone(residentComplaint), await reporterPhone(visitorComplaint)]).toEqual(
      [null, VISITOR_PHONE],
    );

    // The household's listing: the forgotten person is still a member, without numbers; the other keeps theirs.
    const listing = (
      await inject('GET', `/residents/households/${householdId}/people`, registrar)
    ).json();
    const byId = new Map(listing.people.map((p: { personId: string }) => [p.personId, p]));
    expect(byId.get(hubeiPerson)).toMatchObject({
      idNumber: null,
      phone: null,
      forgottenOn: '2020-02-05',
    });
    expect(byId.get(localPerson)).toMatchObject({
      idNumber: LOCAL_ID,
      phone: LOCAL_PHONE,
      forgottenOn: null,
    });

    // Nothing new is recorded for them; forgetting again answers the same and records nothing.
    const screening = await inject(
      'POST',
      `/residents/people/${hubeiPerson}/screenings`,
      registrar,
      { date: '2020-02-05', temperatureC: 36.4 },
    );
    expect(screening.statusCode).toBe(409);
    expect(screening.json().code).toBe('PERSON_FORGOTTEN');
    const again = await inject('POST', `/residents/people/${hubeiPerson}/forget`, admin, {
      reason: 'subject-request',
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().events).toEqual([]);

    // The daily report, live and rebuilt from the whole log, adds up exactly as before.
    await report.caughtUp();
    expect(await liveReport()).toEqual(liveBefore);
    // Rebuilt from the whole log (as of now), after the forget: the same figures.
    const rebuilt = await inject(
      'GET',
      `/report/daily?date=2020-02-05&asOf=${encodeURIComponent(now.toISOString())}`,
      officer,
    );
    expect(rebuilt.statusCode, rebuilt.body).toBe(200);
    const { asOf: _a, ...rebuiltFigures } = rebuilt.json();
    const { asOf: _b, ...figuresBefore } = reportBefore;
    expect(rebuiltFigures).toEqual(figuresBefore);
    expect(JSON.stringify(figuresBefore)).toMatch(/[1-9]/);

    // And the household-people read model rebuilt from the log knows them as forgotten.
    const fresh = await startHouseholdPeopleFeed({ eventStore, logger: silent, dateOf });
    try {
      await fresh.sync();
      const [row] = (await fresh.householdPeople.of(householdId)).filter(
        (r) => r.person.personId === hubeiPerson,
      );
      expect(row!.person).toMatchObject({ idNumber: null, phone: null, forgottenOn: '2020-02-05' });
    } finally {
      await fresh.stop();
    }

    // The reservation no longer says whose the number was: it can be registered anew, as someone new.
    const anew = await inject('POST', '/residents/people', registrar, {
      householdId,
      name: '刘伟',
      idNumber: HUBEI_ID,
      phone: HUBEI_PHONE,
      registration: 'local',
    });
    expect(anew.statusCode, anew.body).toBe(201);
    expect(anew.json().personId).not.toBe(hubeiPerson);
    const twice = await inject('POST', '/residents/people', registrar, {
      householdId,
      name: '刘伟',
      idNumber: HUBEI_ID,
      phone: HUBEI_PHONE,
      registration: 'local',
    });
    expect(twice.json().code).toBe('PERSON_ALREADY_REGISTERED');
    await post(`/residents/people/${anew.json().personId}/forget`, { reason: 'other' }, admin);
  });

  it('a reporter who is no resident is forgotten by their phone: only by an admin, recorded without the number, once', async () => {
    const before = (await eventStore.readAll({ limit: 100_000 })).length;
    expect(
      (
        await inject('POST', '/complaints/reporters/forget', handler, {
          phone: VISITOR_PHONE,
          reason: 'subject-request',
        })
      ).statusCode,
    ).toBe(403);
    const bad = await inject('POST', '/complaints/reporters/forget', admin, {
      phone: '一二三',
      reason: 'subject-request',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.phone');
    expect((await eventStore.readAll({ limit: 100_000 })).length).toBe(before);
    expect(await reporterPhone(visitorComplaint)).toBe(VISITOR_PHONE);

    // Written with spaces: the same number, the same subject.
    const res = await inject('POST', '/complaints/reporters/forget', admin, {
      phone: '136 0709 1234',
      reason: 'subject-request',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ forgotten: true, forgottenOn: '2020-02-05' });
    expect(await reporterPhone(visitorComplaint)).toBeNull();
    const recorded = (await eventStore.readAll({ limit: 100_000 })).slice(before);
    expect(recorded.map((e) => e.type)).toEqual(['complaints.reporter-forgotten']);
    expect(JSON.stringify(recorded)).not.toContain(VISITOR_PHONE);
    expect(recorded[0]!.data).toMatchObject({
      subject: expect.stringMatching(/^phone-[0-9a-f]{64}$/),
      reason: 'subject-request',
      forgottenOn: '2020-02-05',
    });
    // The complaint itself is all there, and again records nothing.
    const complaint = (await inject('GET', `/complaints/${visitorComplaint}`, handler)).json();
    expect(complaint).toMatchObject({
      complaintId: visitorComplaint,
      category: 'sanitation',
      reporter: { anonymous: false, name: '报告人', phone: null },
    });
    const again = await inject('POST', '/complaints/reporters/forget', admin, {
      phone: VISITOR_PHONE,
      reason: 'subject-request',
    });
    expect(again.json()).toMatchObject({ forgotten: false, events: [] });
  });
});
