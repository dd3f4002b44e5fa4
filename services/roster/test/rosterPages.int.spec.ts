import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7, type Envelope, type QuarantineEvent } from '@fangyi/contracts';
import {
  InMemoryProjectionStore,
  RedisProjectionStore,
  applyBatch,
  type ProjectionStore,
} from '@fangyi/projections';
import { DEFAULT_SLOT_WINDOWS, type ServiceApp } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, authHeader, requireInfra, testUser } from '@fangyi/testkit';
import { buildRosterApp, rosterProjection } from '../src/index.ts';

// 2020-01-29 15:00 in Shanghai: the am window has closed, the pm one is open.
const now = new Date('2020-01-29T07:00:00.000Z');
const CASES = 260;

/** 260 cases in two communities, three callers each, some with checks or missed slots today, some ended. */
function history(): Envelope[] {
  const out: Envelope[] = [];
  for (let i = 0; i < CASES; i++) {
    const caseId = `c${String(i).padStart(3, '0')}`;
    const community = i % 4 === 0 ? 'zhangcun' : 'moujia';
    const caller = `caller-${community}-${i % 3}`;
    const events: QuarantineEvent[] = [
      {
        type: 'quarantine.home-quarantine-started',
        data: {
          caseId,
          personId: `p-${caseId}`,
          personName: `人${i}`,
          community,
          startDate: '2020-01-20',
          endDate: '2020-02-02',
          periodDays: 14,
          reason: 'close-contact',
          assignedCaller: caller,
        },
      },
    ];
    if (i % 5 === 1)
      events.push({
        type: 'quarantine.symptom-check-logged',
        data: {
          caseId,
          checkId: `k-${caseId}`,
          date: '2020-01-29',
          slot: 'am',
          temperatureC: i % 10 === 1 ? 38.2 : 36.5,
          symptoms: [],
          contactChannel: 'phone',
          measuredBy: { who: 'self', site: 'unknown' },
          abnormal: i % 10 === 1,
        },
      });
    if (i % 5 === 2)
      events.push({
        type: 'quarantine.symptom-check-missed',
        data: { caseId, date: '2020-01-29', slot: 'am' },
      });
    if (i % 13 === 3)
      events.push({
        type: 'quarantine.home-quarantine-ended',
        data: {
          caseId,
          personId: `p-${caseId}`,
          community,
          outcome: 'sent-to-hospital',
          endedOn: '2020-01-25',
        },
      });
    events.forEach((e, revision) =>
      out.push({
        id: uuidv7(),
        type: e.type,
        schemaVersion: 1,
        streamId: `homeQuarantine-${caseId}`,
        streamRevision: revision,
        // Registered on its start date, before the slots asked about: none is "before registration".
        occurredAt: now.toISOString(),
        recordedAt: revision === 0 ? '2020-01-20T01:00:00.000Z' : now.toISOString(),
        actor: { id: caller, role: 'caller' },
        correlationId: 'x',
        causationId: null,
        data: e.data,
      }),
    );
  }
  return out;
}

const stores: [string, () => Promise<{ store: ProjectionStore; done: () => Promise<void> }>][] = [
  ['in memory', async () => ({ store: new InMemoryProjectionStore(), done: async () => {} })],
  [
    'Redis',
    async () => {
      const redis = new Redis(requireInfra('redis'));
      const store = new RedisProjectionStore({
        redis,
        namespace: `fangyi-test:roster-pages:${randomUUID()}`,
      });
      return {
        store,
        done: async () => {
          await store.reset();
          await redis.quit();
        },
      };
    },
  ],
];

describe.each(stores)('roster pages through the indexes (%s)', (_label, open) => {
  let app: ServiceApp;
  let done: () => Promise<void>;
  const events = history();
  const alive = (i: number) => i % 13 !== 3;

  beforeAll(async () => {
    const opened = await open();
    done = opened.done;
    await applyBatch(rosterProjection, opened.store, events);
    app = buildRosterApp({
      store: opened.store,
      reportStore: new InMemoryProjectionStore(),
      alertsStore: new InMemoryProjectionStore(),
      clock: () => now,
      timeZone: 'Asia/Shanghai',
      slotWindows: DEFAULT_SLOT_WINDOWS,
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await done?.();
  });

  const officer = authHeader(testUser('report-officer', ['*']));
  const pages = async (query: string, headers = officer) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let count = 0;
    do {
      const res = await app.inject({
        method: 'GET',
        url: `/roster?date=2020-01-29${query}${cursor ? `&cursor=${cursor}` : ''}`,
        headers,
      });
      expect(res.statusCode).toBe(200);
      const body = res.json() as {
        entries: { caseId: string }[];
        next: string | null;
        totals: { people: number };
      };
      expect(body.totals.people).toBe(body.entries.length);
      seen.push(...body.entries.map((e) => e.caseId));
      cursor = body.next;
      count++;
    } while (cursor && count < 50);
    return { seen, count };
  };
  const expected = (keep: (i: number) => boolean) =>
    Array.from({ length: CASES }, (_, i) => i)
      .filter((i) => alive(i) && keep(i))
      .map((i) => `c${String(i).padStart(3, '0')}`);

  it('gives every person on the roster once, page by page (limit 40), ended cases left out', async () => {
    const { seen, count } = await pages('&limit=40');
    expect([...seen].sort()).toEqual(expected(() => true));
    expect(new Set(seen).size).toBe(seen.length);
    expect(count).toBeGreaterThanOrEqual(Math.ceil(seen.length / 40));
  });

  it("filters one community, one caller's people, and a recorded status through their indexes", async () => {
    expect([...(await pages('&community=zhangcun&limit=25')).seen].sort()).toEqual(
      expected((i) => i % 4 === 0),
    );
    expect(
      [...(await pages('&community=moujia&caller=caller-moujia-1&limit=7')).seen].sort(),
    ).toEqual(expected((i) => i % 4 !== 0 && i % 3 === 1));
    expect([...(await pages('&status=missed&limit=30')).seen].sort()).toEqual(
      expected((i) => i % 5 === 2),
    );
    expect([...(await pages('&status=done-abnormal')).seen].sort()).toEqual(
      expected((i) => i % 10 === 1),
    );
    // Overdue depends on the clock (am closed, nothing recorded): filtered, within the scan budget per page.
    expect([...(await pages('&status=overdue&limit=200')).seen].sort()).toEqual(
      expected((i) => i % 5 !== 1 && i % 5 !== 2),
    );
  });

  it('keeps a caller to their own community, whatever the query names', async () => {
    const caller = authHeader(testUser('caller', ['zhangcun'], 'caller-zhangcun-0'));
    expect([...(await pages('&limit=200', caller)).seen].sort()).toEqual(
      expected((i) => i % 4 === 0),
    );
    expect((await pages('&community=moujia', caller)).seen).toEqual([]);
  });

  it('gives the page for callers a 下一页 button that carries the cursor and the date', async () => {
    const first = await app.inject({
      method: 'GET',
      url: '/?date=2020-01-29&limit=40',
      headers: officer,
    });
    const cursor = /name="cursor" value="([^"]+)"/.exec(first.body)?.[1];
    expect(first.body).toContain('下一页');
    expect(cursor).toBeDefined();
    const second = await app.inject({
      method: 'GET',
      url: `/?date=2020-01-29&limit=40&cursor=${cursor}`,
      headers: officer,
    });
    expect(second.statusCode).toBe(200);
    const json = await app.inject({
      method: 'GET',
      url: `/roster?date=2020-01-29&limit=40&cursor=${cursor}`,
      headers: officer,
    });
    for (const e of (json.json() as { entries: { caseId: string }[] }).entries)
      expect(second.body).toContain(e.caseId);
  });

  it('refuses a limit over 200 and a cursor it did not give out, naming the field', async () => {
    const over = await app.inject({ method: 'GET', url: '/roster?limit=201', headers: officer });
    expect(over.statusCode).toBe(400);
    expect(over.json().errors[0].field).toBe('query.limit');
    for (const cursor of [
      'bm9wZQ',
      Buffer.from(JSON.stringify(['moujia', 'forged'])).toString('base64url'),
      Buffer.from(JSON.stringify(['nowhere', null])).toString('base64url'),
    ]) {
      const bad = await app.inject({
        method: 'GET',
        url: `/roster?cursor=${cursor}`,
        headers: officer,
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors[0].field).toBe('query.cursor');
    }
  });
});
