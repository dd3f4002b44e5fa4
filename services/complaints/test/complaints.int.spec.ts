import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import { logSource, type RunningProcessor } from '@fangyi/processors';
import { InMemoryProjectionStore, rebuildFromEventStore } from '@fangyi/projections';
import type { ServiceApp, User } from '@fangyi/service-kit';
import {
  TEST_AUTH_SECRET,
  TEST_NAMING_KEY,
  testVault,
  authHeader,
  testUser,
} from '@fangyi/testkit';
import { registerHousehold } from './residents.ts';
import {
  COMPLAINTS_COLLECTION,
  startHouseholdDirectory,
  type HouseholdDirectory,
  buildComplaintsApp,
  complaintPolicyFromEnv,
  complaintsProjection,
  startComplaintsReadModel,
  streamIdOf,
} from '../src/index.ts';

// The district's clock stands at 2020-02-03 09:30 in Shanghai; tests that need time to pass move it.
let now = new Date('2020-02-03T01:30:00.000Z');
const clock = () => now;

// Configured amounts differ from the defaults, so the test shows the configuration reaches the events.
// Who may be assigned complaints of each area, as FANGYI_COMPLAINT_HANDLERS sets it.
const policy = complaintPolicyFromEnv({
  FANGYI_RENTAL_FINE_YUAN: '6000',
  FANGYI_REPORT_REWARD_YUAN: '3500',
  FANGYI_COMPLAINT_HANDLERS:
    'kutao=handler-kutao|handler-kutao-2|h;moujia=handler-moujia;zhangcun=handler-zhangcun;taoyuanju=officer-taoyuanju',
});

const handler = testUser('complaint-handler', ['kutao'], 'handler-kutao');
const estateOfficer = testUser('complaint-handler', ['taoyuanju'], 'officer-taoyuanju');
const registrar = testUser('registrar', ['kutao'], 'registrar-kutao');
const reportOfficer = testUser('report-officer', ['*'], 'report-officer-1');
const analyst = testUser('analyst', ['*'], 'analyst-1');
const admin = testUser('admin', ['*'], 'admin-1');

const named = { anonymous: false, name: '张伟', phone: '13912345678' };
const fileBody = (o: Record<string, unknown> = {}) => ({
  channel: 'phone',
  category: 'illegal-rental',
  community: 'kutao',
  description: '3号楼102户把房子租给了外地人',
  reporter: named,
  subjectHouseholdId: 'h-kutao-3-102',
  receivedAt: '2020-02-03T09:00:00+08:00',
  ...o,
});

describe('complaints service over HTTP (SQLite event store, list kept from its log)', () => {
  let dir: string;
  let eventStore: EventStore;
  let app: ServiceApp;
  let readModel: RunningProcessor;
  let households: HouseholdDirectory;
  const listStore = new InMemoryProjectionStore();
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-c-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock });
    // The households the complaints name, as the residents register holds them.
    await registerHousehold(eventStore, 'h-kutao-3-102', 'kutao');
    await registerHousehold(eventStore, 'h-moujia-1', 'moujia');
    readModel = await startComplaintsReadModel({
      source: logSource({ eventStore, idleMs: 20 }),
      store: listStore,
      logger,
    });
    households = await startHouseholdDirectory({ eventStore, logger });
    app = buildComplaintsApp({
      eventStore,
      clock,
      newId: () => uuidv7(now.getTime()),
      policy,
      listStore,
      households,
      logger,
      authSecret: TEST_AUTH_SECRET,
      vault: testVault().vault,
      namingKey: TEST_NAMING_KEY,
      timeZone: 'Asia/Shanghai',
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await readModel.stop();
    await households.stop();
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  type Method = 'GET' | 'POST';
  const call = (
    user: User | null,
    method: Method,
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
      headers: { ...(user ? authHeader(user) : {}), ...headers },
    });
  const allEvents = async () => (await eventStore.readAll({ limit: 100_000 })).length;
  const typesOf = async (id: string) =>
    (await eventStore.readStream(streamIdOf(id))).map((e) => e.type);

  const file = async (o: Record<string, unknown> = {}, user: User = registrar) => {
    const res = await call(user, 'POST', '/complaints', fileBody(o));
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ complaintId: string; replyDueAt: string }>().complaintId;
  };
  const ok = async (user: User, url: string, payload: unknown = {}) => {
    const res = await call(user, 'POST', url, payload);
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res;
  };
  /** A complaint under investigation by the Kutao handler. */
  const investigating = async (o: Record<string, unknown> = {}, user: User = handler) => {
    const id = await file(o, user);
    await ok(user, `/complaints/${id}/triage`, { assignee: user.id, agency: 'community' });
    await ok(user, `/complaints/${id}/notes`, { note: '上门核实' });
    return id;
  };
  const substantiate = (id: string, user: User = handler) =>
    ok(user, `/complaints/${id}/resolution`, {
      resolution: 'substantiated',
      note: '查实102户收留2名外地人',
      householdId: 'h-kutao-3-102',
    });

  /** Waits until the list has applied the complaint's stream up to its last event. */
  const listCaughtUp = async (id: string) => {
    const last = (await eventStore.readStream(streamIdOf(id))).length - 1;
    for (let i = 0; i < 200; i++) {
      if ((await listStore.appliedRevision(streamIdOf(id))) === last) return;
      await sleep(10);
    }
    throw new Error(`complaints list did not catch up with ${id}`);
  };

  describe('a rental-ban report from filing to closure', () => {
    it('files with the reply due 24 h after it was received, and names who filed it', async () => {
      const res = await call(registrar, 'POST', '/complaints', fileBody());
      expect(res.statusCode).toBe(201);
      const { complaintId, replyDueAt, status, revision } = res.json();
      expect({ replyDueAt, status, revision }).toEqual({
        replyDueAt: '2020-02-04T01:00:00.000Z',
        status: 'received',
        revision: 0,
      });
      expect(res.headers.location).toBe(`/complaints/${complaintId}`);
      const [filed] = await eventStore.readStream(streamIdOf(complaintId));
      expect(filed).toMatchObject({
        type: 'complaints.complaint-filed',
        occurredAt: '2020-02-03T01:00:00.000Z',
        actor: { id: 'registrar-kutao', role: 'registrar' },
      });
    });

    it('fines the host household and rewards the reporter with the configured amounts, in the same append as the resolution', async () => {
      const id = await investigating();
      const res = await substantiate(id);
      expect(res.json()).toMatchObject({
        status: 'resolved',
        fineImposed: { householdId: 'h-kutao-3-102', amountYuan: 6000 },
        rewardGranted: { reporterName: '张伟', amountYuan: 3500 },
      });
      const events = await eventStore.readStream(streamIdOf(id));
      const last3 = events.slice(-3);
      expect(last3.map((e) => e.type)).toEqual([
        'complaints.complaint-resolved',
        'complaints.fine-imposed',
        'complaints.reward-granted',
      ]);
      // One decision: one correlation id, and the fine and reward are caused by the resolution.
      expect(new Set(last3.map((e) => e.correlationId)).size).toBe(1);
      expect(last3[1]!.causationId).toBe(last3[0]!.id);
      expect(last3[0]!.data).toMatchObject({
        complaintId: id,
        community: 'kutao',
        category: 'illegal-rental',
        resolution: 'substantiated',
        householdId: 'h-kutao-3-102',
      });
      const view = (await call(handler, 'GET', `/complaints/${id}`)).json();
      expect(view).toMatchObject({
        status: 'resolved',
        fine: { amountYuan: 6000, status: 'imposed' },
        reward: { amountYuan: 3500, status: 'granted' },
      });
    });

    it('refuses to close before the reporter has had a reply (409 REPLY_REQUIRED), then closes after it', async () => {
      const id = await investigating();
      await substantiate(id);
      const before = await allEvents();
      const early = await call(handler, 'POST', `/complaints/${id}/closure`, {});
      expect(early.statusCode).toBe(409);
      expect(early.headers['content-type']).toContain('application/problem+json');
      expect(early.json().code).toBe('REPLY_REQUIRED');
      expect(await allEvents()).toBe(before);
      expect(
        (
          await call(handler, 'POST', `/complaints/${id}/reply`, {
            channel: 'phone',
            message: '已查实，奖励3500元',
          })
        ).statusCode,
      ).toBe(201);
      const closed = await call(handler, 'POST', `/complaints/${id}/closure`);
      expect(closed.statusCode).toBe(200);
      const view = (await call(handler, 'GET', `/complaints/${id}`)).json();
      expect(view.status).toBe('closed');
      expect(view.statusNotes.map((n: { status: string }) => n.status)).toEqual([
        'received',
        'triaged',
        'investigating',
        'resolved',
        'closed',
      ]);
      expect(view.statusNotes[1]).toMatchObject({
        by: { id: 'handler-kutao', role: 'complaint-handler' },
        at: now.toISOString(),
      });
      expect(view).toMatchObject({
        agency: 'community',
        assignee: 'handler-kutao',
        replyDueAt: '2020-02-04T01:00:00.000Z',
        overdue: false,
      });
    });

    it('reopens a closed report and withdraws the fine and the reward when it no longer holds; history keeps everything', async () => {
      const id = await investigating();
      await substantiate(id);
      await ok(handler, `/complaints/${id}/reply`, { channel: 'phone', message: '已查实' });
      await ok(handler, `/complaints/${id}/closure`, { note: '办结' });
      const reopened = await call(handler, 'POST', `/complaints/${id}/reopening`, {
        reason: '房东申诉：系亲属探访',
      });
      expect(reopened.json()).toMatchObject({ status: 'investigating' });
      expect((await call(handler, 'GET', `/complaints/${id}`)).json()).toMatchObject({
        resolution: null,
        fine: { status: 'imposed' },
        reopenCount: 1,
      });
      const res = await call(handler, 'POST', `/complaints/${id}/resolution`, {
        resolution: 'unsubstantiated',
        note: '系亲属探访，非出租',
        householdId: 'h-kutao-3-102',
      });
      expect(res.json().eventTypes).toEqual([
        'complaints.complaint-resolved',
        'complaints.fine-withdrawn',
        'complaints.reward-withdrawn',
      ]);
      const view = (await call(handler, 'GET', `/complaints/${id}`)).json();
      expect(view).toMatchObject({
        fine: { status: 'withdrawn', amountYuan: 6000 },
        reward: { status: 'withdrawn', amountYuan: 3500 },
        resolution: { resolution: 'unsubstantiated' },
      });
      const history = (await call(analyst, 'GET', `/complaints/${id}/history`)).json();
      expect(history.map((e: { type: string }) => e.type)).toEqual(
        expect.arrayContaining([
          'complaints.fine-imposed',
          'complaints.complaint-reopened',
          'complaints.fine-withdrawn',
        ]),
      );
    });

    it('for an anonymous reporter without contact: no reward, and the outcome is posted as a public status note at closure', async () => {
      const id = await investigating({ reporter: { anonymous: true } });
      const res = await substantiate(id);
      expect(res.json()).toMatchObject({ fineImposed: { amountYuan: 6000 }, rewardGranted: null });
      const direct = await call(handler, 'POST', `/complaints/${id}/reply`, {
        channel: 'phone',
        message: '已查实',
      });
      expect(direct.statusCode).toBe(409);
      expect(direct.json()).toMatchObject({
        code: 'REPORTER_NOT_CONTACTABLE',
        errors: [{ field: 'body.channel' }],
      });
      expect((await call(handler, 'POST', `/complaints/${id}/closure`, {})).statusCode).toBe(200);
      const view = (await call(handler, 'GET', `/complaints/${id}`)).json();
      expect(view.replies).toEqual([
        expect.objectContaining({
          channel: 'public-note',
          public: true,
          message: '查证属实：查实102户收留2名外地人',
        }),
      ]);
      expect(view.statusNotes.at(-2)).toMatchObject({ note: '查证属实：查实102户收留2名外地人' });
      expect(view.reward).toBeNull();
    });

    it('fines nobody for a substantiated rental report where no ban applies (Moujia)', async () => {
      const moujiaHandler = testUser('complaint-handler', ['moujia'], 'handler-moujia');
      const id = await investigating(
        { community: 'moujia', subjectHouseholdId: 'h-moujia-1' },
        moujiaHandler,
      );
      const res = await call(moujiaHandler, 'POST', `/complaints/${id}/resolution`, {
        resolution: 'substantiated',
        note: '查实',
        householdId: 'h-moujia-1',
      });
      expect(res.json()).toMatchObject({
        eventTypes: ['complaints.complaint-resolved'],
        fineImposed: null,
      });
    });
  });

  describe('who and what a complaint names must exist: a handler of its area, a registered household', () => {
    const refused = async (
      user: User,
      url: string,
      payload: unknown,
      status: number,
      code: string,
      field: string,
    ) => {
      const before = await allEvents();
      const res = await call(user, 'POST', url, payload);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json()).toMatchObject({ code, errors: [{ field }] });
      expect(await allEvents()).toBe(before);
    };

    it("assigns only to a handler of the complaint's community or estate: anyone else, or one of another area, is refused naming body.assignee", async () => {
      const id = await file();
      for (const assignee of ['random-string', 'handler-moujia', 'officer-taoyuanju']) {
        await refused(
          handler,
          `/complaints/${id}/triage`,
          { assignee, agency: 'community' },
          422,
          'ASSIGNEE_NOT_A_HANDLER',
          'body.assignee',
        );
      }
      await ok(handler, `/complaints/${id}/triage`, {
        assignee: 'handler-kutao',
        agency: 'community',
      });
    });

    it("takes a subject household only if the register holds it in the complaint's area, and finds one registered a moment ago", async () => {
      await refused(
        registrar,
        '/complaints',
        fileBody({ subjectHouseholdId: `h-${uuidv7()}` }),
        422,
        'HOUSEHOLD_UNKNOWN',
        'body.subjectHouseholdId',
      );
      await refused(
        registrar,
        '/complaints',
        fileBody({ subjectHouseholdId: 'h-moujia-1' }),
        409,
        'HOUSEHOLD_OUTSIDE_AREA',
        'body.subjectHouseholdId',
      );
      const fresh = `h-kutao-${uuidv7()}`;
      await registerHousehold(eventStore, fresh, 'kutao');
      await file({ subjectHouseholdId: fresh });
    });

    it("fines only a registered household of the complaint's area", async () => {
      const id = await investigating();
      const url = `/complaints/${id}/resolution`;
      await refused(
        handler,
        url,
        { resolution: 'substantiated', note: '查实', householdId: 'h-nowhere' },
        422,
        'HOUSEHOLD_UNKNOWN',
        'body.householdId',
      );
      await refused(
        handler,
        url,
        { resolution: 'substantiated', note: '查实', householdId: 'h-moujia-1' },
        409,
        'HOUSEHOLD_OUTSIDE_AREA',
        'body.householdId',
      );
    });
  });

  describe('duplicates', () => {
    it('needs duplicateOf naming a complaint that exists', async () => {
      const first = await file();
      const id = await investigating();
      const before = await allEvents();
      const missing = await call(handler, 'POST', `/complaints/${id}/resolution`, {
        resolution: 'duplicate',
        note: '重复',
      });
      expect(missing.statusCode).toBe(409);
      expect(missing.json()).toMatchObject({
        code: 'DUPLICATE_OF_REQUIRED',
        errors: [{ field: 'body.duplicateOf' }],
      });
      const unknown = await call(handler, 'POST', `/complaints/${id}/resolution`, {
        resolution: 'duplicate',
        duplicateOf: uuidv7(),
        note: '重复',
      });
      expect(unknown.json()).toMatchObject({
        code: 'DUPLICATE_OF_UNKNOWN',
        errors: [{ field: 'body.duplicateOf' }],
      });
      expect(await allEvents()).toBe(before);
      const done = await call(handler, 'POST', `/complaints/${id}/resolution`, {
        resolution: 'duplicate',
        duplicateOf: first,
        note: '重复',
      });
      expect(done.statusCode).toBe(200);
      expect((await call(handler, 'GET', `/complaints/${id}`)).json().resolution).toMatchObject({
        resolution: 'duplicate',
        duplicateOf: first,
      });
    });
  });

  describe('overdue, with a fixed clock moved by the test', () => {
    it('is overdue once the 2-hour reply time of a quarantine breach passes without a reply, and stops with a reply', async () => {
      const start = now;
      try {
        const id = await file({
          category: 'quarantine-breach',
          subjectHouseholdId: undefined,
          receivedAt: '2020-02-03T09:30:00+08:00',
        });
        const get = async () => (await call(handler, 'GET', `/complaints/${id}`)).json();
        expect(await get()).toMatchObject({
          replyDueAt: '2020-02-03T03:30:00.000Z',
          overdue: false,
        });
        now = new Date('2020-02-03T03:30:00.000Z');
        expect((await get()).overdue).toBe(false);
        now = new Date('2020-02-03T03:31:00.000Z');
        expect((await get()).overdue).toBe(true);
        await listCaughtUp(id);
        const overdueList = (await call(handler, 'GET', '/complaints?overdue=true')).json();
        expect(overdueList.items.map((i: { complaintId: string }) => i.complaintId)).toContain(id);
        await ok(handler, `/complaints/${id}/reply`, { channel: 'phone', message: '已派人核实' });
        expect(await get()).toMatchObject({ overdue: false, repliedLate: true });
        await listCaughtUp(id);
        const after = (await call(handler, 'GET', '/complaints?overdue=true')).json();
        expect(after.items.map((i: { complaintId: string }) => i.complaintId)).not.toContain(id);
      } finally {
        now = start;
      }
    });
  });

  describe("a reporter's phone by need: in clear only to the handler whose complaint it is, and only for a named reporter", () => {
    const PHONE = '13912345678';
    const MASKED = '139****5678';
    /** The reporter's phone as the user reads it on the complaint, in its history and in the list. */
    const phones = async (user: User, id: string) => {
      await listCaughtUp(id);
      const one = await call(user, 'GET', `/complaints/${id}`);
      const history = await call(user, 'GET', `/complaints/${id}/history`);
      const list = await call(user, 'GET', '/complaints');
      const item = list.json().items.find((i: { complaintId: string }) => i.complaintId === id);
      const answers = [
        one.json().reporter.phone,
        history.json()[0].data.reporter.phone,
        item.reporter.phone,
      ];
      if (answers.every((p) => p === MASKED))
        for (const body of [one.body, history.body, JSON.stringify(item)])
          expect(body).not.toContain(PHONE);
      return answers;
    };
    const other = testUser('complaint-handler', ['kutao'], 'handler-kutao-2');
    const enmaOfficer = testUser('complaint-handler', ['enma-villas'], 'officer-enma-villas');

    it('masks it for a handler of the community until the complaint is assigned to them; then for the one it left', async () => {
      const id = await file();
      expect(await phones(handler, id)).toEqual([MASKED, MASKED, MASKED]);
      await ok(handler, `/complaints/${id}/triage`, { assignee: handler.id, agency: 'community' });
      expect(await phones(handler, id)).toEqual([PHONE, PHONE, PHONE]);
      expect(await phones(other, id)).toEqual([MASKED, MASKED, MASKED]);
      await ok(handler, `/complaints/${id}/triage`, { assignee: other.id, agency: 'community' });
      expect(await phones(other, id)).toEqual([PHONE, PHONE, PHONE]);
      expect(await phones(handler, id)).toEqual([MASKED, MASKED, MASKED]);
    });

    it("shows it to the estate's information officer, and masks it for the report officer and analysts; the admin reads it", async () => {
      const id = await file(
        {
          community: undefined,
          estate: 'enma-villas',
          category: 'sanitation',
          subjectHouseholdId: undefined,
        },
        enmaOfficer,
      );
      expect(await phones(enmaOfficer, id)).toEqual([PHONE, PHONE, PHONE]);
      expect(await phones(reportOfficer, id)).toEqual([MASKED, MASKED, MASKED]);
      expect(await phones(analyst, id)).toEqual([MASKED, MASKED, MASKED]);
      expect(await phones(admin, id)).toEqual([PHONE, PHONE, PHONE]);
    });

    it("masks an anonymous reporter's phone even on the handler's own complaint", async () => {
      const id = await file({ reporter: { anonymous: true, phone: PHONE } });
      await ok(handler, `/complaints/${id}/triage`, { assignee: handler.id, agency: 'community' });
      expect(await phones(handler, id)).toEqual([MASKED, MASKED, MASKED]);
    });
  });

  describe('the complaints list', () => {
    it("lists only the caller's communities and estates, filtered by status and estate", async () => {
      const kutaoId = await file();
      const estateId = await file(
        {
          community: undefined,
          estate: 'taoyuanju',
          category: 'sanitation',
          subjectHouseholdId: undefined,
        },
        estateOfficer,
      );
      await ok(estateOfficer, `/complaints/${estateId}/triage`, {
        assignee: 'officer-taoyuanju',
        agency: 'estate-officer',
        priority: 'high',
      });
      await listCaughtUp(kutaoId);
      await listCaughtUp(estateId);
      const officerList = (await call(estateOfficer, 'GET', '/complaints')).json();
      expect(officerList.items.map((i: { complaintId: string }) => i.complaintId)).toEqual([
        estateId,
      ]);
      expect(officerList.items[0]).toMatchObject({
        status: 'triaged',
        agency: 'estate-officer',
        estate: 'taoyuanju',
        district: 'kutao',
        reporter: { phone: '13912345678' },
      });
      const byEstate = (
        await call(reportOfficer, 'GET', '/complaints?estate=taoyuanju&status=triaged')
      ).json();
      expect(
        byEstate.items.every(
          (i: { estate: string; status: string }) =>
            i.estate === 'taoyuanju' && i.status === 'triaged',
        ),
      ).toBe(true);
      expect(byEstate.items[0].reporter.phone).toBe('139****5678');
      const kutao = (await call(handler, 'GET', '/complaints?community=kutao')).json();
      expect(kutao.items.map((i: { complaintId: string }) => i.complaintId)).toContain(kutaoId);
      expect(kutao.items.map((i: { complaintId: string }) => i.complaintId)).not.toContain(
        estateId,
      );
    });

    it('rebuilds from the event store into the same documents the live list holds', async () => {
      const id = await investigating();
      await listCaughtUp(id);
      const rebuilt = new InMemoryProjectionStore();
      await rebuildFromEventStore({
        projection: complaintsProjection,
        store: rebuilt,
        eventStore,
        logger,
      });
      const byId = (docs: { complaintId: string }[]) =>
        Object.fromEntries(docs.map((d) => [d.complaintId, d]));
      expect(byId(await rebuilt.list(COMPLAINTS_COLLECTION))).toEqual(
        byId(await listStore.list(COMPLAINTS_COLLECTION)),
      );
      expect(await rebuilt.get(COMPLAINTS_COLLECTION, id)).toMatchObject({
        status: 'investigating',
        revision: 2,
      });
    });

    it('refuses a bad filter naming it', async () => {
      const res = await call(handler, 'GET', '/complaints?status=pending&colour=red');
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(['query.status', 'query.colour']),
      );
    });
  });

  describe('who may do what', () => {
    it('refuses every endpoint without a token (401) and appends nothing', async () => {
      const id = await investigating();
      const before = await allEvents();
      const requests: [Method, string, unknown?][] = [
        ['POST', '/complaints', fileBody()],
        ['GET', `/complaints/${id}`],
        ['GET', `/complaints/${id}/history`],
        ['GET', '/complaints'],
        ['POST', `/complaints/${id}/triage`, { assignee: 'x', agency: 'community' }],
        ['POST', `/complaints/${id}/notes`, { note: 'x' }],
        ['POST', `/complaints/${id}/resolution`, { resolution: 'unsubstantiated', note: 'x' }],
        ['POST', `/complaints/${id}/reply`, { channel: 'phone', message: 'x' }],
        ['POST', `/complaints/${id}/closure`, {}],
        ['POST', `/complaints/${id}/reopening`, { reason: 'x' }],
      ];
      for (const [method, url, payload] of requests) {
        const res = await call(null, method, url, payload);
        expect(res.statusCode, `${method} ${url}`).toBe(401);
        expect(res.json().code).toBe('UNAUTHENTICATED');
      }
      const forged = await app.inject({
        method: 'GET',
        url: `/complaints/${id}`,
        headers: authHeader(handler, 'some-other-secret-of-at-least-32-bytes'),
      });
      expect(forged.statusCode).toBe(401);
      expect(await allEvents()).toBe(before);
    });

    it("keeps a handler of another community out of Kutao's complaints (404, as for an unknown one), reading and writing", async () => {
      const id = await investigating();
      const outsider = testUser('complaint-handler', ['zhangcun'], 'handler-zhangcun');
      const before = await allEvents();
      for (const [method, url, payload] of [
        ['GET', `/complaints/${id}`],
        ['GET', `/complaints/${id}/history`],
        ['POST', `/complaints/${id}/triage`, { assignee: 'x', agency: 'community' }],
        ['POST', `/complaints/${id}/notes`, { note: 'x' }],
        ['POST', `/complaints/${id}/resolution`, { resolution: 'unsubstantiated', note: 'x' }],
        ['POST', `/complaints/${id}/reply`, { channel: 'phone', message: 'x' }],
      ] as [Method, string, unknown?][]) {
        const res = await call(outsider, method, url, payload);
        expect(res.statusCode, `${method} ${url}`).toBe(404);
        expect(res.json().code).toBe('COMPLAINT_NOT_FOUND');
      }
      // Filing one for a community one does not work in names that community: 403.
      expect((await call(outsider, 'POST', '/complaints', fileBody())).json().code).toBe(
        'FORBIDDEN',
      );
      expect(await allEvents()).toBe(before);
    });

    it('limits an estate information officer to their estate', async () => {
      const own = await file(
        {
          community: undefined,
          estate: 'taoyuanju',
          category: 'sanitation',
          subjectHouseholdId: undefined,
        },
        estateOfficer,
      );
      await ok(estateOfficer, `/complaints/${own}/triage`, {
        assignee: 'officer-taoyuanju',
        agency: 'estate-officer',
      });
      expect((await call(estateOfficer, 'GET', `/complaints/${own}`)).json()).toMatchObject({
        estate: 'taoyuanju',
        district: 'kutao',
        status: 'triaged',
      });
      const otherEstate = await file(
        {
          community: undefined,
          estate: 'enma-villas',
          category: 'sanitation',
          subjectHouseholdId: undefined,
        },
        admin,
      );
      const kutao = await file();
      const before = await allEvents();
      expect((await call(estateOfficer, 'GET', `/complaints/${otherEstate}`)).statusCode).toBe(404);
      expect(
        (
          await call(estateOfficer, 'POST', `/complaints/${otherEstate}/triage`, {
            assignee: 'x',
            agency: 'estate-officer',
          })
        ).statusCode,
      ).toBe(404);
      expect((await call(estateOfficer, 'GET', `/complaints/${kutao}`)).statusCode).toBe(404);
      expect(
        (
          await call(
            estateOfficer,
            'POST',
            '/complaints',
            fileBody({ community: undefined, estate: 'enma-villas' }),
          )
        ).statusCode,
      ).toBe(403);
      expect((await call(estateOfficer, 'POST', '/complaints', fileBody())).statusCode).toBe(403);
      expect(await allEvents()).toBe(before);
    });

    it('lets a registrar file but not handle or read; lets the report officer and analysts read but not act', async () => {
      const id = await file();
      const before = await allEvents();
      expect(
        (
          await call(registrar, 'POST', `/complaints/${id}/triage`, {
            assignee: 'x',
            agency: 'community',
          })
        ).statusCode,
      ).toBe(403);
      expect((await call(registrar, 'GET', `/complaints/${id}`)).statusCode).toBe(403);
      expect(
        (
          await call(reportOfficer, 'POST', `/complaints/${id}/triage`, {
            assignee: 'x',
            agency: 'community',
          })
        ).statusCode,
      ).toBe(403);
      expect(
        (await call(analyst, 'POST', `/complaints/${id}/notes`, { note: 'x' })).statusCode,
      ).toBe(403);
      expect((await call(reportOfficer, 'POST', '/complaints', fileBody())).statusCode).toBe(403);
      expect(
        (await call(testUser('caller', ['kutao']), 'GET', `/complaints/${id}`)).statusCode,
      ).toBe(403);
      expect(await allEvents()).toBe(before);
      expect((await call(reportOfficer, 'GET', `/complaints/${id}`)).statusCode).toBe(200);
      expect((await call(analyst, 'GET', `/complaints/${id}/history`)).statusCode).toBe(200);
    });

    it("keeps the reporter's phone masked for the report officer and analysts, in the complaint and in its history", async () => {
      const id = await file();
      const masked = '139****5678';
      expect((await call(reportOfficer, 'GET', `/complaints/${id}`)).json().reporter).toEqual({
        anonymous: false,
        name: '张伟',
        phone: masked,
      });
      expect((await call(analyst, 'GET', `/complaints/${id}`)).json().reporter.phone).toBe(masked);
      const history = (await call(reportOfficer, 'GET', `/complaints/${id}/history`)).json();
      expect(history[0].data.reporter.phone).toBe(masked);
      expect(JSON.stringify(history)).not.toContain('13912345678');
      // A handler sees the number once the complaint is theirs, to call the reporter back.
      expect((await call(handler, 'GET', `/complaints/${id}`)).json().reporter.phone).toBe(masked);
      await call(handler, 'POST', `/complaints/${id}/triage`, {
        assignee: handler.id,
        agency: 'community',
      });
      expect((await call(handler, 'GET', `/complaints/${id}`)).json().reporter.phone).toBe(
        '13912345678',
      );
    });

    it('records the caller from the token as the actor', async () => {
      const id = await file();
      await ok(handler, `/complaints/${id}/triage`, {
        assignee: 'handler-kutao',
        agency: 'community',
      });
      const [, triaged] = await eventStore.readStream(streamIdOf(id));
      expect(triaged!.actor).toEqual({ id: 'handler-kutao', role: 'complaint-handler' });
    });
  });

  describe('bad input: a 4xx naming the field, and nothing appended', () => {
    const fileCases: [string, Record<string, unknown>, string[]][] = [
      ['an unknown channel', fileBody({ channel: 'fax' }), ['body.channel']],
      ['an unknown category', fileBody({ category: 'noise' }), ['body.category']],
      ['a description as a number', fileBody({ description: 42 }), ['body.description']],
      [
        'a description over 2000 characters',
        fileBody({ description: '投'.repeat(2001) }),
        ['body.description'],
      ],
      ['an empty description', fileBody({ description: '  ' }), ['body.description']],
      [
        'missing channel, category and receivedAt',
        { community: 'kutao', description: 'x', reporter: named },
        ['body.channel', 'body.category', 'body.receivedAt'],
      ],
      ['both community and estate', fileBody({ estate: 'taoyuanju' }), ['body.estate']],
      ['neither community nor estate', fileBody({ community: undefined }), ['body.community']],
      [
        'an unknown estate',
        fileBody({ community: undefined, estate: 'moon-villas' }),
        ['body.estate'],
      ],
      [
        'a named reporter without a phone',
        fileBody({ reporter: { anonymous: false, name: '张伟' } }),
        ['body.reporter.phone'],
      ],
      [
        'a reporter phone that is not a number',
        fileBody({ reporter: { anonymous: true, phone: 'call me' } }),
        ['body.reporter.phone'],
      ],
      [
        'an anonymous reporter with a name',
        fileBody({ reporter: { anonymous: true, name: '张伟' } }),
        ['body.reporter.name'],
      ],
      [
        'a receivedAt that is not a time',
        fileBody({ receivedAt: 'yesterday' }),
        ['body.receivedAt'],
      ],
      ['an unknown field', fileBody({ urgent: true }), ['body.urgent']],
    ];
    it.each(fileCases)('POST /complaints: %s', async (_label, payload, fields) => {
      const before = await allEvents();
      const res = await call(registrar, 'POST', '/complaints', payload);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().code).toBe('VALIDATION_FAILED');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(
        expect.arrayContaining(fields),
      );
      expect(await allEvents()).toBe(before);
    });

    it('POST /complaints: a complaint received in the future is refused naming receivedAt', async () => {
      const before = await allEvents();
      const res = await call(
        registrar,
        'POST',
        '/complaints',
        fileBody({ receivedAt: '2020-02-03T12:00:00+08:00' }),
      );
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        code: 'RECEIVED_IN_FUTURE',
        errors: [{ field: 'body.receivedAt' }],
      });
      expect(await allEvents()).toBe(before);
    });

    const commandCases: [string, string, unknown, string[]][] = [
      ['triage', 'an unknown agency', { assignee: 'h', agency: 'army' }, ['body.agency']],
      [
        'triage',
        'a missing assignee and a bad priority',
        { agency: 'community', priority: 'asap' },
        ['body.assignee', 'body.priority'],
      ],
      [
        'triage',
        'an unknown field',
        { assignee: 'h', agency: 'community', due: 'now' },
        ['body.due'],
      ],
      ['notes', 'a missing note', {}, ['body.note']],
      ['notes', 'a note over 2000 characters', { note: 'x'.repeat(2001) }, ['body.note']],
      ['notes', 'an at that is not a time', { note: 'x', at: 'noon' }, ['body.at']],
      [
        'resolution',
        'an unknown resolution',
        { resolution: 'maybe', note: 'x' },
        ['body.resolution'],
      ],
      ['resolution', 'a missing note', { resolution: 'unsubstantiated' }, ['body.note']],
      [
        'resolution',
        'a household as a number',
        { resolution: 'substantiated', note: 'x', householdId: 7 },
        ['body.householdId'],
      ],
      ['reply', 'an unknown channel', { channel: 'pigeon', message: 'x' }, ['body.channel']],
      ['reply', 'a missing message', { channel: 'phone' }, ['body.message']],
      ['closure', 'a note as a number', { note: 5 }, ['body.note']],
      ['closure', 'an unknown field', { force: true }, ['body.force']],
      ['reopening', 'a missing reason', {}, ['body.reason']],
      ['reopening', 'a reason over 1000 characters', { reason: 'x'.repeat(1001) }, ['body.reason']],
    ];
    it.each(commandCases)(
      'POST /complaints/:id/%s: %s',
      async (endpoint, _label, payload, fields) => {
        const id = await investigating();
        const before = await allEvents();
        const res = await call(handler, 'POST', `/complaints/${id}/${endpoint}`, payload);
        expect(res.statusCode).toBe(400);
        expect(res.json().code).toBe('VALIDATION_FAILED');
        expect(res.json().errors.map((e: { field: string }) => e.field)).toEqual(
          expect.arrayContaining(fields),
        );
        expect(await allEvents()).toBe(before);
      },
    );

    const valid: Record<string, unknown> = {
      triage: { assignee: 'h', agency: 'community' },
      notes: { note: 'x' },
      resolution: { resolution: 'unsubstantiated', note: 'x' },
      reply: { channel: 'phone', message: 'x' },
      closure: {},
      reopening: { reason: 'x' },
    };
    it.each(Object.keys(valid))(
      'POST /complaints/:id/%s: an unknown id is 404, a malformed id 400, malformed JSON 400, an oversized body 413',
      async (endpoint) => {
        const before = await allEvents();
        const unknown = await call(
          handler,
          'POST',
          `/complaints/${uuidv7()}/${endpoint}`,
          valid[endpoint],
        );
        expect(unknown.statusCode).toBe(404);
        expect(unknown.json().code).toBe('COMPLAINT_NOT_FOUND');
        const malformedId = await call(
          handler,
          'POST',
          `/complaints/bad%20id!/${endpoint}`,
          valid[endpoint],
        );
        expect(malformedId.statusCode).toBe(400);
        expect(malformedId.json().errors).toEqual([
          expect.objectContaining({ field: 'params.complaintId' }),
        ]);
        const id = await investigating();
        const mid = await allEvents();
        const malformed = await call(
          handler,
          'POST',
          `/complaints/${id}/${endpoint}`,
          '{"note": ',
          { 'content-type': 'application/json' },
        );
        expect(malformed.statusCode).toBe(400);
        expect(malformed.json()).toMatchObject({
          code: 'MALFORMED_JSON',
          errors: [{ field: 'body' }],
        });
        const huge = await call(handler, 'POST', `/complaints/${id}/${endpoint}`, {
          note: 'x'.repeat(100_000),
        });
        expect(huge.statusCode).toBe(413);
        expect(await allEvents()).toBe(mid);
        expect(mid - before).toBe(3);
      },
    );

    it('GET /complaints/:id and its history: unknown id 404, malformed id 400', async () => {
      for (const suffix of ['', '/history']) {
        expect((await call(handler, 'GET', `/complaints/${uuidv7()}${suffix}`)).json().code).toBe(
          'COMPLAINT_NOT_FOUND',
        );
        expect((await call(handler, 'GET', `/complaints/x.y${suffix}`)).statusCode).toBe(400);
      }
    });

    it('POST /complaints: an oversized body is 413 and malformed JSON 400', async () => {
      const before = await allEvents();
      expect(
        (
          await call(
            registrar,
            'POST',
            '/complaints',
            fileBody({ description: 'x'.repeat(100_000) }),
          )
        ).statusCode,
      ).toBe(413);
      expect(
        (
          await call(registrar, 'POST', '/complaints', '{', { 'content-type': 'application/json' })
        ).json().code,
      ).toBe('MALFORMED_JSON');
      expect(await allEvents()).toBe(before);
    });

    it('rule violations are 409 with a stable code, and change nothing', async () => {
      const id = await file();
      const before = await allEvents();
      expect(
        (await call(handler, 'POST', `/complaints/${id}/notes`, { note: 'x' })).json().code,
      ).toBe('COMPLAINT_NOT_TRIAGED');
      expect((await call(handler, 'POST', `/complaints/${id}/closure`, {})).json().code).toBe(
        'COMPLAINT_NOT_RESOLVED',
      );
      expect(
        (await call(handler, 'POST', `/complaints/${id}/reopening`, { reason: 'x' })).json().code,
      ).toBe('COMPLAINT_NOT_REOPENABLE');
      expect(
        (
          await call(handler, 'POST', `/complaints/${id}/reply`, {
            channel: 'public-note',
            message: 'x',
          })
        ).json().code,
      ).toBe('PUBLIC_NOTE_NOT_A_REPLY');
      await ok(handler, `/complaints/${id}/triage`, { assignee: 'h', agency: 'community' });
      const noHousehold = await call(handler, 'POST', `/complaints/${id}/resolution`, {
        resolution: 'substantiated',
        note: 'x',
      });
      expect(noHousehold.statusCode).toBe(409);
      expect(noHousehold.json()).toMatchObject({
        code: 'HOUSEHOLD_REQUIRED',
        errors: [{ field: 'body.householdId' }],
      });
      expect(
        (
          await call(handler, 'POST', `/complaints/${id}/notes`, {
            note: 'x',
            at: '2020-02-03T08:00:00+08:00',
          })
        ).json().code,
      ).toBe('NOTE_BEFORE_RECEIVED');
      expect(await allEvents()).toBe(before + 1);
    });

    it('refuses a stale If-Match revision with 412 and a bad one with 400', async () => {
      const id = await file();
      const stale = await call(
        handler,
        'POST',
        `/complaints/${id}/triage`,
        { assignee: 'h', agency: 'community' },
        { 'if-match': '"3"' },
      );
      expect(stale.statusCode).toBe(412);
      const bad = await call(
        handler,
        'POST',
        `/complaints/${id}/triage`,
        { assignee: 'h', agency: 'community' },
        { 'if-match': 'soon' },
      );
      expect(bad.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'headers.if-match' }],
      });
      const fresh = await call(
        handler,
        'POST',
        `/complaints/${id}/triage`,
        { assignee: 'h', agency: 'community' },
        { 'if-match': '"0"' },
      );
      expect(fresh.statusCode).toBe(200);
      expect(fresh.headers.etag).toBe('"1"');
      expect(await typesOf(id)).toEqual([
        'complaints.complaint-filed',
        'complaints.complaint-triaged',
      ]);
    });
  });

  it('serves an OpenAPI document listing every complaints endpoint', async () => {
    const doc = (await call(handler, 'GET', '/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/complaints',
        '/complaints/{complaintId}',
        '/complaints/{complaintId}/history',
        '/complaints/{complaintId}/triage',
        '/complaints/{complaintId}/notes',
        '/complaints/{complaintId}/resolution',
        '/complaints/{complaintId}/reply',
        '/complaints/{complaintId}/closure',
        '/complaints/{complaintId}/reopening',
      ]),
    );
    expect(
      doc.paths['/complaints'].post.requestBody.content['application/json'].schema.properties
        .category.enum,
    ).toContain('illegal-rental');
  });
});
