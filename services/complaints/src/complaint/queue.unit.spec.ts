import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvelope, uuidv7, type Envelope } from '@fangyi/contracts';
import { InMemoryProjectionStore, applyEvent } from '@fangyi/projections';
import { createServiceApp, type ServiceApp, type User } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, authHeader, testUser, testVault } from '@fangyi/testkit';
import { complaintsProjection } from './projection.ts';
import { complaintQueueRoutes, replyDueState } from './queue.ts';

const TZ = 'Asia/Shanghai';
/** Shanghai wall-clock time → instant (the machine's own zone is UTC). */
const at = (local: string) => new Date(`${local}:00+08:00`);

describe('the complaint queue', () => {
  const store = new InMemoryProjectionStore();
  const { vault, keys } = testVault();
  let app: ServiceApp;
  let now = at('2020-02-03T09:30');
  const revisions = new Map<string, number>();
  const apply = async (complaintId: string, type: string, data: Record<string, unknown>) => {
    const streamId = `complaint-${complaintId}`;
    const revision = revisions.get(streamId) ?? 0;
    revisions.set(streamId, revision + 1);
    const envelope: Envelope = {
      id: uuidv7(),
      type,
      schemaVersion: 1,
      streamId,
      streamRevision: revision,
      occurredAt: now.toISOString(),
      recordedAt: now.toISOString(),
      actor: { id: 'handler-kutao', role: 'complaint-handler' },
      correlationId: 'x',
      causationId: null,
      data: { complaintId, ...data },
    };
    // Parsed as a consumer parses it: the test's events are valid ones.
    expect(await applyEvent(complaintsProjection, store, parseEnvelope(envelope))).toBe('applied');
  };
  const file = (
    complaintId: string,
    area: { community: string } | { estate: string; district: string },
    dueLocal: string,
  ) =>
    apply(complaintId, 'complaints.complaint-filed', {
      channel: 'phone',
      category: 'illegal-rental',
      ...area,
      description: '出租给外来人员',
      reporter: { anonymous: true },
      receivedAt: at('2020-02-02T09:00').toISOString(),
      replyWithinHours: 24,
      replyDueAt: at(dueLocal).toISOString(),
      status: 'received',
      statusNote: '已受理',
    });
  const triage = (complaintId: string, assignee: string) =>
    apply(complaintId, 'complaints.complaint-triaged', {
      assignee,
      agency: 'community',
      priority: 'normal',
      status: 'triaged',
      statusNote: '已分派',
    });
  const get = (
    url: string,
    user: User = testUser('complaint-handler', ['kutao'], 'handler-kutao'),
  ) => app.inject({ method: 'GET', url, headers: authHeader(user) });
  const ids = (body: { items: { complaintId: string }[] }) => body.items.map((i) => i.complaintId);

  beforeAll(async () => {
    app = createServiceApp({
      service: 'complaints',
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
      clock: () => now,
      rateLimit: false,
    });
    complaintQueueRoutes(app, { store, clock: () => now, timeZone: TZ, vault });
    await app.ready();
    await file('k1', { community: 'kutao' }, '2020-02-03T10:00');
    await triage('k1', 'handler-kutao');
    await file('k2', { community: 'kutao' }, '2020-02-03T08:00');
    await triage('k2', 'handler-kutao-2');
    await file('k3', { community: 'kutao' }, '2020-02-04T00:00');
    await triage('k3', 'handler-kutao');
    await file('k4', { community: 'kutao' }, '2020-02-03T07:00');
    await apply('k4', 'complaints.reporter-replied', {
      replyId: 'r1',
      channel: 'phone',
      message: '已回电',
      public: false,
      at: at('2020-02-03T06:00').toISOString(),
    });
    await file('k5', { community: 'kutao' }, '2020-02-03T07:30');
    await apply('k5', 'complaints.complaint-closed', { status: 'closed', statusNote: '已办结' });
    await file('k6', { estate: 'taoyuanju', district: 'kutao' }, '2020-02-03T12:00');
    await file('k7', { community: 'moujia' }, '2020-02-03T11:00');
  });
  afterAll(async () => {
    await app?.close();
    keys.close();
  });

  it("lists a community's open complaints, the reply due first on top, replied ones after, closed ones not at all, with the due time on the district's clock", async () => {
    const res = await get('/complaints/queue?community=kutao');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(ids(body)).toEqual(['k2', 'k1', 'k3', 'k4']);
    expect(body.items.map((i: { replyDue: string }) => i.replyDue)).toEqual([
      'overdue',
      'due-soon',
      'on-time',
      'replied',
    ]);
    expect(body.items[1]).toMatchObject({
      replyDueLocal: '2020-02-03 10:00',
      minutesToReplyDue: 30,
      assignee: 'handler-kutao',
      status: 'triaged',
    });
    // Midnight in Shanghai is 16:00 UTC the day before; the due time reads on the district's clock.
    expect(body.items[2]).toMatchObject({
      replyDueAt: '2020-02-03T16:00:00.000Z',
      replyDueLocal: '2020-02-04 00:00',
    });
    expect(body).toMatchObject({ timeZone: TZ, next: null });
  });

  it("lists one handler's queue, an estate's, and a handler's own areas by default", async () => {
    expect(ids((await get('/complaints/queue?handler=handler-kutao')).json())).toEqual([
      'k1',
      'k3',
    ]);
    expect(
      ids((await get('/complaints/queue?handler=handler-kutao-2&community=kutao')).json()),
    ).toEqual(['k2']);
    const officer = testUser('complaint-handler', ['taoyuanju'], 'officer-taoyuanju');
    expect(ids((await get('/complaints/queue?estate=taoyuanju', officer)).json())).toEqual(['k6']);
    expect(ids((await get('/complaints/queue')).json())).toEqual(['k2', 'k1', 'k3', 'k4']);
  });

  it("keeps other areas' complaints out: not listed, 403 when asked for by name", async () => {
    expect((await get('/complaints/queue?community=moujia')).statusCode).toBe(403);
    expect((await get('/complaints/queue?estate=taoyuanju')).statusCode).toBe(403);
    const all = (await get('/complaints/queue', testUser('report-officer', ['*']))).json();
    expect(ids(all).sort()).toEqual(['k1', 'k2', 'k3', 'k4', 'k6', 'k7']);
  });

  it('moves from on-time to due-soon to overdue as the clock passes midnight in Shanghai', async () => {
    const k3 = async (local: string) => {
      now = at(local);
      return (await get('/complaints/queue?community=kutao'))
        .json()
        .items.find((i: { complaintId: string }) => i.complaintId === 'k3');
    };
    expect(await k3('2020-02-03T21:59')).toMatchObject({ replyDue: 'on-time' });
    expect(await k3('2020-02-03T22:00')).toMatchObject({
      replyDue: 'due-soon',
      minutesToReplyDue: 120,
    });
    expect(await k3('2020-02-04T00:00')).toMatchObject({
      replyDue: 'due-soon',
      minutesToReplyDue: 0,
    });
    expect(await k3('2020-02-04T00:01')).toMatchObject({ replyDue: 'overdue' });
    now = at('2020-02-03T09:30');
    expect(
      replyDueState(
        {
          replyDueAt: at('2020-02-03T09:00').toISOString(),
          firstReplyAt: at('2020-02-03T10:00').toISOString(),
        },
        now,
      ),
    ).toBe('replied');
  });

  it('pages with limit and cursor across areas: each complaint once, in order; bad input is a 400 naming the field', async () => {
    const officer = testUser('report-officer', ['*']);
    const all = ids((await get('/complaints/queue?limit=200', officer)).json());
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { complaintId: string }[]; next: string | null } = (
        await get(`/complaints/queue?limit=2${cursor ? `&cursor=${cursor}` : ''}`, officer)
      ).json();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(page));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(all);
    for (const [query, field] of [
      ['cursor=nonsense', 'cursor'],
      ['limit=0', 'limit'],
      ['estate=nowhere', 'estate'],
      ['estate=taoyuanju&community=kutao', 'estate'],
    ] as const) {
      const res = await get(`/complaints/queue?${query}`, officer);
      expect(res.statusCode, query).toBe(400);
      expect(res.body).toContain(field);
    }
  });
});
