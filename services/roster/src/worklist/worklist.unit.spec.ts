import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvelope, uuidv7, type Envelope } from '@fangyi/contracts';
import { SqlitePersonalKeys } from '@fangyi/eventstore';
import { InMemoryProjectionStore, applyEvent } from '@fangyi/projections';
import {
  DEFAULT_SLOT_WINDOWS,
  createVault,
  type PersonalDataVault,
  type ServiceApp,
} from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, authHeader, testUser } from '@fangyi/testkit';
import { randomBytes } from 'node:crypto';
import { buildRosterApp } from '../app.ts';
import { CONTACTS_COLLECTION, rosterProjection } from '../roster/projection.ts';

const TZ = 'Asia/Shanghai';
/** Shanghai wall-clock time → instant (the machine's own zone is UTC). */
const at = (local: string) => new Date(`${local}:00+08:00`);

interface Person {
  readonly caseId: string;
  readonly name: string;
  readonly community: string;
  readonly caller: string;
  readonly phone?: string;
  readonly address?: string;
}

describe('the caller worklist', () => {
  let store: InMemoryProjectionStore;
  let vault: PersonalDataVault;
  let keys: SqlitePersonalKeys;
  let app: ServiceApp;
  let now = at('2020-01-29T13:00');
  const revisions = new Map<string, number>();

  const apply = async (streamId: string, type: string, data: unknown, recordedAt = now) => {
    const revision = revisions.get(streamId) ?? 0;
    revisions.set(streamId, revision + 1);
    const envelope: Envelope = {
      id: uuidv7(),
      type,
      schemaVersion: type === 'residents.person-registered' ? 2 : 1,
      streamId,
      streamRevision: revision,
      occurredAt: recordedAt.toISOString(),
      recordedAt: recordedAt.toISOString(),
      actor: { id: 'caller-1', role: 'caller' },
      correlationId: 'x',
      causationId: null,
      data,
    };
    // Parsed as a consumer parses it: the test's events are valid ones.
    expect(await applyEvent(rosterProjection, store, parseEnvelope(envelope))).toBe('applied');
  };
  const start = async (p: Person) => {
    const personId = `p-${p.caseId}`;
    if (p.phone) {
      await apply(`household-h-${p.caseId}`, 'residents.household-registered', {
        householdId: `h-${p.caseId}`,
        community: p.community,
        grid: 'g1',
        address: p.address ?? '',
        kind: 'owner-occupied',
      });
      const [idNumber, phone] = await vault.sealAll(personId, ['110101199001011234', p.phone]);
      await apply(`person-${personId}`, 'residents.person-registered', {
        personId,
        householdId: `h-${p.caseId}`,
        community: p.community,
        name: p.name,
        idNumber,
        phone,
        sex: 'female',
        birthDate: '1990-01-01',
        registration: 'local',
        travelHistory: [],
      });
    }
    await apply(
      `homeQuarantine-${p.caseId}`,
      'quarantine.home-quarantine-started',
      {
        caseId: p.caseId,
        personId,
        personName: p.name,
        community: p.community,
        startDate: '2020-01-28',
        endDate: '2020-02-10',
        periodDays: 14,
        reason: 'close-contact',
        assignedCaller: p.caller,
      },
      at('2020-01-28T05:00'),
    );
  };
  const logged = (caseId: string, date: string, slot: 'am' | 'pm', temperatureC: number) =>
    apply(`homeQuarantine-${caseId}`, 'quarantine.symptom-check-logged', {
      caseId,
      checkId: uuidv7(),
      date,
      slot,
      temperatureC,
      symptoms: [],
      contactChannel: 'phone',
      measuredBy: { who: 'self', site: 'unknown' },
      abnormal: temperatureC >= 37.3,
    });
  const get = async (url: string, user = testUser('caller', ['moujia'], 'caller-1')) =>
    app.inject({ method: 'GET', url, headers: authHeader(user) });
  const names = (body: { entries: { personName: string }[] }) =>
    body.entries.map((e) => e.personName);

  beforeAll(async () => {
    store = new InMemoryProjectionStore({ clock: () => now });
    keys = new SqlitePersonalKeys({ path: ':memory:' });
    vault = createVault({ keys, masterKey: randomBytes(32) });
    app = buildRosterApp({
      store,
      reportStore: new InMemoryProjectionStore(),
      alertsStore: new InMemoryProjectionStore(),
      vault,
      clock: () => now,
      timeZone: TZ,
      slotWindows: DEFAULT_SLOT_WINDOWS,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
      rateLimit: false,
    });
    await app.ready();
    // caller-1 of moujia: 王芳 with an open escalation, 李娜 with nothing checked on the 29th,
    // 张伟 with the morning checked, 赵敏 with both checked (nothing left: not listed).
    await start({
      caseId: 'c1',
      name: '王芳',
      community: 'moujia',
      caller: 'caller-1',
      phone: '13800000001',
      address: '牟家 3 号楼 2 单元 101',
    });
    await start({
      caseId: 'c2',
      name: '李娜',
      community: 'moujia',
      caller: 'caller-1',
      phone: '13800000002',
      address: '牟家 5 号楼',
    });
    await start({ caseId: 'c3', name: '张伟', community: 'moujia', caller: 'caller-1' });
    await start({ caseId: 'c4', name: '赵敏', community: 'moujia', caller: 'caller-1' });
    // Another caller of moujia, and a caller of another community.
    await start({ caseId: 'c5', name: '刘洋', community: 'moujia', caller: 'caller-2' });
    await start({ caseId: 'c6', name: '陈静', community: 'zhangcun', caller: 'caller-9' });
    await logged('c1', '2020-01-28', 'pm', 36.6);
    await logged('c1', '2020-01-29', 'am', 38.4);
    await apply('homeQuarantine-c1', 'quarantine.escalation-raised', {
      caseId: 'c1',
      escalationId: 'e1',
      checkId: 'k1',
      date: '2020-01-29',
      slot: 'am',
      temperatureC: 38.4,
      symptoms: [],
      reason: 'fever',
    });
    await apply('homeQuarantine-c1', 'quarantine.check-attempt-failed', {
      caseId: 'c1',
      attemptId: 'a1',
      date: '2020-01-28',
      slot: 'am',
      reason: 'no-answer',
      attemptedAt: at('2020-01-28T08:00').toISOString(),
    });
    await logged('c3', '2020-01-28', 'am', 36.9);
    await logged('c3', '2020-01-29', 'am', 36.5);
    await logged('c4', '2020-01-29', 'am', 36.5);
    await logged('c4', '2020-01-29', 'pm', 36.5);
  });
  afterAll(async () => {
    await app?.close();
    keys?.close();
  });

  it('lists a caller their own people with something to do, most urgent first, with phone, address, day N, last temperature, trend and attempts', async () => {
    now = at('2020-01-29T13:00');
    const res = await get('/roster/worklist');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ date: '2020-01-29', caller: 'caller-1', next: null });
    expect(names(body)).toEqual(['王芳', '李娜', '张伟']);
    const [wang, li, zhang] = body.entries;
    expect(wang).toMatchObject({
      urgency: 'escalation',
      phone: '13800000001',
      address: '牟家 3 号楼 2 单元 101',
      day: 2,
      periodDays: 14,
      lastTemperatureC: 38.4,
      trend: 'up',
      attemptsSoFar: 1,
      am: { state: 'done-abnormal' },
      pm: { state: 'due-now', closesAt: at('2020-01-29T21:00').toISOString() },
    });
    expect(li).toMatchObject({
      urgency: 'overdue',
      phone: '13800000002',
      dueBy: at('2020-01-29T12:00').toISOString(),
      lastTemperatureC: null,
      trend: null,
      am: { state: 'overdue' },
      pm: { state: 'due-now' },
    });
    expect(zhang).toMatchObject({
      urgency: 'due-now',
      phone: null,
      address: null,
      trend: 'down',
      am: { state: 'done-normal' },
      pm: { state: 'due-now' },
    });
    // ID numbers never appear; the read model keeps the phone sealed, never in clear.
    expect(res.body).not.toContain('110101199001011234');
    const contacts = JSON.stringify(await store.list(CONTACTS_COLLECTION));
    expect(contacts).not.toContain('13800000001');
    expect(contacts).toContain('enc:v1:');
  });

  it('masks the phone for a reader who may not see it (the report officer), and shows a community to its registrar', async () => {
    const officer = (
      await get('/roster/worklist?community=moujia', testUser('report-officer', ['*']))
    ).json();
    // 刘洋's morning is overdue: before 张伟, who has only the afternoon left.
    expect(names(officer)).toEqual(['王芳', '李娜', '刘洋', '张伟']);
    expect(officer.entries[0].phone).not.toBe('13800000001');
    expect(officer.entries[0].phone).toMatch(/\*/);
    const registrar = (
      await get(
        '/roster/worklist?community=moujia&caller=caller-2',
        testUser('registrar', ['moujia']),
      )
    ).json();
    expect(names(registrar)).toEqual(['刘洋']);
  });

  it('moves slots from not open yet to due now to overdue as the clock moves, and turns the date at midnight in Shanghai on a UTC machine', async () => {
    const li = async (when: string) => {
      now = at(when);
      return (await get('/roster/worklist'))
        .json()
        .entries.find((e: { caseId: string }) => e.caseId === 'c2');
    };
    expect(await li('2020-01-29T05:59')).toMatchObject({
      urgency: 'coming-up',
      am: { state: 'not-open-yet' },
      pm: { state: 'not-open-yet' },
    });
    expect(await li('2020-01-29T06:00')).toMatchObject({
      urgency: 'due-now',
      am: { state: 'due-now' },
      pm: { state: 'not-open-yet' },
    });
    expect(await li('2020-01-29T11:59')).toMatchObject({
      urgency: 'due-now',
      am: { state: 'due-now' },
    });
    expect(await li('2020-01-29T12:00')).toMatchObject({
      urgency: 'overdue',
      am: { state: 'overdue' },
      pm: { state: 'due-now' },
    });
    expect(await li('2020-01-29T23:59')).toMatchObject({
      day: 2,
      am: { state: 'overdue' },
      pm: { state: 'overdue' },
    });
    // 00:00 in Shanghai is 16:00 UTC the day before: the worklist is of the 30th, nothing open yet.
    now = at('2020-01-30T00:00');
    expect(now.toISOString()).toBe('2020-01-29T16:00:00.000Z');
    const midnight = (await get('/roster/worklist')).json();
    expect(midnight.date).toBe('2020-01-30');
    expect(midnight.entries.find((e: { caseId: string }) => e.caseId === 'c2')).toMatchObject({
      day: 3,
      urgency: 'coming-up',
      am: { state: 'not-open-yet' },
    });
    // 赵敏, done on the 29th, is back on the 30th.
    expect(names(midnight)).toContain('赵敏');
  });

  it('records a missed slot as missed, and a slot that closed before registration as before-registration', async () => {
    now = at('2020-01-29T13:00');
    await apply('homeQuarantine-c2', 'quarantine.symptom-check-missed', {
      caseId: 'c2',
      date: '2020-01-29',
      slot: 'am',
    });
    expect(
      (await get('/roster/worklist'))
        .json()
        .entries.find((e: { caseId: string }) => e.caseId === 'c2'),
    ).toMatchObject({ urgency: 'overdue', am: { state: 'missed' } });
    // Registered at 05:00 on the 28th, the first day: nothing closed before; 陈静's caller sees hers.
    const zhangcun = (
      await get('/roster/worklist?date=2020-01-28', testUser('caller', ['zhangcun'], 'caller-9'))
    ).json();
    expect(zhangcun.entries[0]).toMatchObject({ personName: '陈静', am: { state: 'overdue' } });
    // 周杰, registered at 13:00 on the 29th for a period from the 29th: the morning closed before.
    await apply(
      'homeQuarantine-c7',
      'quarantine.home-quarantine-started',
      {
        caseId: 'c7',
        personId: 'p-c7',
        personName: '周杰',
        community: 'zhangcun',
        startDate: '2020-01-29',
        endDate: '2020-02-11',
        periodDays: 14,
        reason: 'close-contact',
        assignedCaller: 'caller-9',
      },
      at('2020-01-29T13:00'),
    );
    const late = (
      await get('/roster/worklist', testUser('caller', ['zhangcun'], 'caller-9'))
    ).json();
    expect(late.entries.find((e: { caseId: string }) => e.caseId === 'c7')).toMatchObject({
      day: 1,
      urgency: 'due-now',
      am: { state: 'before-registration' },
      pm: { state: 'due-now' },
    });
  });

  it('never keeps a phone recorded in clear (history not yet sealed) in the read model', async () => {
    await apply('person-p-clear', 'residents.person-registered', {
      personId: 'p-clear',
      householdId: 'h-c1',
      community: 'moujia',
      name: '吴磊',
      idNumber: '110101199001011234',
      phone: '13800000099',
      sex: 'male',
      birthDate: '1990-01-01',
      registration: 'local',
      travelHistory: [],
    });
    expect(JSON.stringify(await store.list(CONTACTS_COLLECTION))).not.toContain('13800000099');
  });

  it("keeps another community's people out: not listed, 403 when asked for by name", async () => {
    now = at('2020-01-29T13:00');
    const mine = (await get('/roster/worklist?caller=caller-9')).json();
    expect(mine.entries).toEqual([]);
    const asked = await get('/roster/worklist?community=zhangcun');
    expect(asked.statusCode).toBe(403);
    const everyone = (await get('/roster/worklist', testUser('report-officer', ['*']))).json();
    expect(everyone.entries.map((e: { community: string }) => e.community)).toEqual(
      expect.arrayContaining(['moujia', 'zhangcun']),
    );
  });

  it('pages with limit and cursor: every person once, in order; a bad cursor or limit is a 400 naming the field', async () => {
    now = at('2020-01-29T13:00');
    const officer = testUser('report-officer', ['*']);
    const all = (await get('/roster/worklist?limit=200', officer)).json();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { entries: { caseId: string }[]; next: string | null } = (
        await get(`/roster/worklist?limit=2${cursor ? `&cursor=${cursor}` : ''}`, officer)
      ).json();
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries.map((e) => e.caseId));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(all.entries.map((e: { caseId: string }) => e.caseId));
    expect(new Set(seen).size).toBe(seen.length);
    const bad = await get('/roster/worklist?cursor=nonsense', officer);
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('cursor');
    const tooMany = await get('/roster/worklist?limit=201', officer);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.body).toContain('limit');
  });
});
