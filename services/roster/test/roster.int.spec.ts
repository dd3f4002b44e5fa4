import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7, type QuarantineEvent } from '@fangyi/contracts';
import { InMemoryProjectionStore, applyEvent } from '@fangyi/projections';
import { DEFAULT_SLOT_WINDOWS, type ServiceApp } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, authHeader, testUser } from '@fangyi/testkit';
import { buildRosterApp, rosterProjection } from '../src/index.ts';

// 2020-01-29 15:00 in Shanghai: the am window has closed, the pm one is open.
const now = new Date('2020-01-29T07:00:00.000Z');

describe('roster API with the follow-up lifecycle (in-memory read model)', () => {
  const store = new InMemoryProjectionStore();
  let app: ServiceApp;
  const revisions = new Map<string, number>();
  // Cases were registered the day before `now`, so their slots of the 29th were theirs to do.
  const registered = '2020-01-28T00:00:00.000Z';
  const apply = async (caseId: string, e: QuarantineEvent) => {
    const revision = revisions.get(caseId) ?? 0;
    revisions.set(caseId, revision + 1);
    await applyEvent(rosterProjection, store, {
      id: uuidv7(),
      type: e.type,
      schemaVersion: 1,
      streamId: `homeQuarantine-${caseId}`,
      streamRevision: revision,
      occurredAt: now.toISOString(),
      recordedAt: e.type === 'quarantine.home-quarantine-started' ? registered : now.toISOString(),
      actor: { id: 'caller-1', role: 'caller' },
      correlationId: 'x',
      causationId: null,
      data: e.data,
    });
  };
  const start = (caseId: string, community: string, personName: string): QuarantineEvent => ({
    type: 'quarantine.home-quarantine-started',
    data: {
      caseId,
      personId: `p-${caseId}`,
      personName,
      community,
      startDate: '2020-01-28',
      endDate: '2020-02-10',
      periodDays: 14,
      reason: 'close-contact',
      assignedCaller: 'caller-1',
    },
  });

  beforeAll(async () => {
    app = buildRosterApp({
      store,
      reportStore: new InMemoryProjectionStore(),
      alertsStore: new InMemoryProjectionStore(),
      clock: () => now,
      timeZone: 'Asia/Shanghai',
      slotWindows: DEFAULT_SLOT_WINDOWS,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
    });
    await app.ready();
    await apply('missed', start('missed', 'moujia', '甲'));
    await apply('missed', {
      type: 'quarantine.symptom-check-missed',
      data: { caseId: 'missed', date: '2020-01-29', slot: 'am' },
    });
    await apply('overdue', start('overdue', 'moujia', '乙'));
    await apply('gone', start('gone', 'moujia', '丙'));
    await apply('gone', {
      type: 'quarantine.home-quarantine-ended',
      data: {
        caseId: 'gone',
        personId: 'p-gone',
        community: 'moujia',
        outcome: 'sent-to-hospital',
        endedOn: '2020-01-29',
      },
    });
    await apply('elsewhere', start('elsewhere', 'zhangcun', '丁'));
    await apply('elsewhere', {
      type: 'quarantine.symptom-check-missed',
      data: { caseId: 'elsewhere', date: '2020-01-29', slot: 'am' },
    });
  });
  afterAll(async () => {
    await app.close();
  });

  const caller = authHeader(testUser('caller', ['moujia'], 'caller-1'));
  const get = (url: string, headers: Record<string, string> = caller) =>
    app.inject({ method: 'GET', url, headers });

  it('tells missed (recorded) from overdue (computed), leaves out a case that ended today, and counts both', async () => {
    const res = await get('/roster?date=2020-01-29');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(
      body.entries.map((e: { caseId: string; am: { status: string } }) => [e.caseId, e.am.status]),
    ).toEqual([
      ['missed', 'missed'],
      ['overdue', 'overdue'],
    ]);
    expect(body.totals).toMatchObject({ people: 2, missed: 1, overdue: 1, pending: 2 });
    // The day before, the ended case was still there.
    expect(
      (await get('/roster?date=2020-01-28'))
        .json()
        .entries.map((e: { caseId: string }) => e.caseId),
    ).toContain('gone');
  });

  it("filters on status=missed, within the user's communities only", async () => {
    const res = await get('/roster?date=2020-01-29&status=missed');
    expect(res.json().entries.map((e: { caseId: string }) => e.caseId)).toEqual(['missed']);
    const all = await get(
      '/roster?date=2020-01-29&status=missed',
      authHeader(testUser('report-officer', ['*'])),
    );
    expect(all.json().entries.map((e: { caseId: string }) => e.caseId)).toEqual([
      'missed',
      'elsewhere',
    ]); // moujia before zhangcun
  });

  it("shows an ended case's document with its outcome, and keeps other communities out", async () => {
    expect((await get('/roster/cases/gone')).json()).toMatchObject({
      status: 'ended',
      outcome: 'sent-to-hospital',
      endedOn: '2020-01-29',
    });
    // Another community's case answers as one that does not exist, body for body (ids aside).
    const outside = await get('/roster/cases/elsewhere');
    const unknown = await get('/roster/cases/nowhere');
    expect(outside.statusCode).toBe(404);
    expect(outside.json()).toEqual({
      ...unknown.json(),
      detail: 'no roster record for case elsewhere',
      instance: '/roster/cases/elsewhere',
      correlationId: outside.json().correlationId,
    });
  });

  it('refuses an unknown status (400 naming it), a wrong role (403) and no token (401)', async () => {
    const bad = await get('/roster?status=lost');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'query.status' })]);
    expect(
      (await get('/roster', authHeader(testUser('checkpoint-staff', ['moujia'])))).statusCode,
    ).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/roster' })).statusCode).toBe(401);
  });

  it('renders 已漏报 on the zh-CN page', async () => {
    const res = await get('/?date=2020-01-29');
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('已漏报');
    expect(res.body).not.toContain('丙');
  });

  it('serves the page to a browser signed in with the session cookie, names communities in Chinese, and refuses a token in the URL', async () => {
    const token = caller.authorization.slice('Bearer '.length);
    const res = await app.inject({
      method: 'GET',
      url: '/?date=2020-01-29',
      headers: { cookie: `fangyi_session=${token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<td>牟家</td>');
    expect(res.body).not.toContain('access_token');
    for (const url of [
      `/?date=2020-01-29&access_token=${token}`,
      `/report/daily?format=html&access_token=${token}`,
    ]) {
      const refused = await app.inject({ method: 'GET', url });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        errors: [{ field: 'query.access_token' }],
      });
      expect(refused.body).not.toContain(token);
    }
  });

  it('serves the daily report to the report officer as JSON, CSV and a zh-CN page, and not to a caller', async () => {
    const officer = authHeader(testUser('report-officer', ['*']));
    const json = await get('/report/daily?date=2020-01-29', officer);
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({
      date: '2020-01-29',
      total: { homeQuarantine: expect.any(Object) },
    });
    const csv = await get('/report/daily?date=2020-01-29&format=csv', officer);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toBe(
      'attachment; filename="fangyi-daily-2020-01-29.csv"',
    );
    expect(csv.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.body.split('\r\n')[0]).toContain('"居家隔离·在隔离"');
    const xlsx = await get('/report/daily?date=2020-01-29&format=xlsx', officer);
    expect(xlsx.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    const page = await get('/report/daily?date=2020-01-29&format=html', officer);
    expect(page.body).toContain('每日报表');
    expect(page.body).toContain('合计');
    for (const p of [page, await get('/?date=2020-01-29')]) {
      // The kit's content security policy allows inline styles and forms to the page itself, and
      // no script at all: a page that came to need more would stop working in browsers.
      expect(p.headers['content-security-policy']).toContain("style-src 'unsafe-inline'");
      expect(p.headers['cache-control']).toBe('no-store');
      expect(p.body).not.toMatch(/<script|\son[a-z]+=|<link|<iframe|javascript:/i);
      for (const [, action] of p.body.matchAll(/<form[^>]*action="([^"]+)"/g))
        expect(action).toMatch(/^\/(?!\/)/);
    }
    expect((await get('/report/daily', caller)).statusCode).toBe(403);
    expect((await get('/report/daily?format=pdf', officer)).json().errors[0].field).toBe(
      'query.format',
    );
    // A query parameter the route does not know is refused, named, not ignored.
    const unknown = await get('/report/daily?date=2020-01-29&community=moujia', officer);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors).toEqual([expect.objectContaining({ field: 'query.community' })]);
  });
});
