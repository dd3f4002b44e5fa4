import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7, type NewEvent } from '@fangyi/contracts';
import {
  SqliteEventStore,
  SqliteSnapshots,
  type EventStore,
  type RecordedEvent,
  type SnapshotStore,
} from '@fangyi/eventstore';
import { PostgresSnapshots } from '@fangyi/eventstore/postgres';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import {
  InMemoryProjectionStore,
  applyRecorded,
  buildSnapshots,
  inCut,
  viewAsOf,
  type Cut,
  type ProjectionStore,
} from '@fangyi/projections';
import {
  DEFAULT_SLOT_WINDOWS,
  REPORT,
  ROSTER_COLLECTION,
  asOfView,
  buildRosterApp,
  dailyReport,
  rosterPage,
  type AsOfView,
} from '@fangyi/roster';
import { businessDate, type ServiceApp } from '@fangyi/service-kit';
import {
  TEST_AUTH_SECRET,
  authHeader,
  dropSchema,
  freshSchemaName,
  requireInfra,
  testUser,
} from '@fangyi/testkit';
import { importClock, importNdjson } from '../src/import.ts';
import { registerAnalyst } from '../src/routes.ts';

/**
 * "As of an instant", both questions, against the reference: a replay of the whole log in order
 * that keeps only the events inside the cut (knownAt: recorded by then, which in this history is
 * the replay stopped there; asOf: happened by then). The history is the embedded Kutao district
 * (the fixture, 5,591 events of every context, 178 of them recorded more than a minute after they
 * happened) and, after it, one case whose morning check is logged four hours late.
 */
const TZ = 'Asia/Shanghai';
const NOW = new Date('2026-12-03T00:00:00.000Z');
const logger = pino({ level: 'silent' });
const fixture = () =>
  createReadStream(join(import.meta.dirname, 'fixtures', 'history-v1.ndjson.gz')).pipe(
    createGunzip(),
  );

/** The late check's story, on 2 December 2026 in Shanghai. */
const LATE = {
  caseId: 'asof-late-1',
  personId: 'asof-person-1',
  registered: '2026-12-02T01:00:00.000Z', // 09:00: the case is started
  checked: '2026-12-02T10:00:00.000+08:00', // 10:00: the caller reaches her, and notes it on paper
  logged: '2026-12-02T06:00:00.000Z', // 14:00: the check is entered
  between: '2026-12-02T04:30:00.000Z', // 12:30: the morning window has closed
  after: '2026-12-02T06:30:00.000Z',
};

interface Opened {
  store: EventStore;
  snapshots: SnapshotStore;
  set(iso: string): void;
  close(): Promise<void>;
}

async function appendAt(
  o: Opened,
  at: string,
  streamId: string,
  expectedRevision: number | 'no-stream',
  type: string,
  data: unknown,
  occurredAt = at,
  schemaVersion = 1,
): Promise<void> {
  o.set(at);
  const event: NewEvent = {
    id: uuidv7(Date.parse(at)),
    type,
    schemaVersion,
    occurredAt,
    actor: { id: 'caller-moujia-1', role: 'caller' },
    correlationId: uuidv7(),
    causationId: null,
    data,
  };
  await o.store.append(streamId, [event], { expectedRevision });
}

/** The fixture, then the late check's case after it, each event stamped with its own recordedAt. */
async function history(o: Opened): Promise<RecordedEvent[]> {
  const clock = { set: o.set, clock: () => new Date() };
  await importNdjson(fixture(), o.store, clock);
  const all = await readAll(o.store);
  const registered = all.find(
    (e) =>
      e.type === 'residents.person-registered' &&
      (e.data as { community: string }).community === 'moujia',
  )!;
  await appendAt(
    o,
    LATE.registered,
    `person-${LATE.personId}`,
    'no-stream',
    'residents.person-registered',
    { ...(registered.data as object), personId: LATE.personId, name: '迟记' },
    LATE.registered,
    registered.schemaVersion,
  );
  const stream = `homeQuarantine-${LATE.caseId}`;
  await appendAt(o, LATE.registered, stream, 'no-stream', 'quarantine.home-quarantine-started', {
    caseId: LATE.caseId,
    personId: LATE.personId,
    personName: '迟记',
    community: 'moujia',
    startDate: '2026-12-02',
    endDate: '2026-12-15',
    periodDays: 14,
    reason: 'close-contact',
    assignedCaller: 'caller-moujia-1',
  });
  await appendAt(
    o,
    LATE.logged,
    stream,
    0,
    'quarantine.symptom-check-logged',
    {
      caseId: LATE.caseId,
      checkId: `${LATE.caseId}-am`,
      date: '2026-12-02',
      slot: 'am',
      temperatureC: 36.5,
      symptoms: [],
      contactChannel: 'phone',
      measuredBy: { who: 'self', site: 'unknown' },
      abnormal: false,
    },
    LATE.checked,
    2,
  );
  return readAll(o.store);
}

async function readAll(store: EventStore): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for (let after: string | null = null; ; ) {
    const page = await store.readAll({ after, limit: 2000 });
    if (page.length === 0) return out;
    out.push(...page);
    after = page.at(-1)!.position;
  }
}

/** The reference: the whole log replayed in order, one event at a time, keeping only what the cut admits. */
async function reference(
  events: readonly RecordedEvent[],
  view: AsOfView,
  cut: Cut,
): Promise<InMemoryProjectionStore> {
  const { projection } = asOfView(view, TZ);
  const store = new InMemoryProjectionStore();
  for (const e of events) if (inCut(cut, e)) await applyRecorded(projection, store, e, logger);
  return store;
}

const COLLECTIONS: Record<AsOfView, string[]> = {
  roster: [ROSTER_COLLECTION, 'contacts', 'households'],
  report: Object.values(REPORT),
};
async function contents(store: ProjectionStore, view: AsOfView) {
  return Object.fromEntries(
    await Promise.all(COLLECTIONS[view].map(async (c) => [c, await store.list(c)] as const)),
  );
}

/** What one partition (community) of a roster view holds, page by page. */
async function partitionContents(store: ProjectionStore, partition: string) {
  const out: Record<string, unknown[]> = {};
  for (const collection of COLLECTIONS.roster) {
    out[collection] = [];
    for (let cursor: string | null = null; ; ) {
      const page: { items: unknown[]; next: string | null } = await store.page({
        collection,
        partition,
        cursor,
        limit: 200,
      });
      out[collection]!.push(...page.items);
      if (!(cursor = page.next)) break;
    }
  }
  return out;
}

const quantile = (sorted: readonly string[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

function asOfSuite(name: string, open: () => Promise<Opened>) {
  describe(`views as of an instant (${name})`, () => {
    let o: Opened;
    let events: RecordedEvent[];
    let app: ServiceApp;
    beforeAll(async () => {
      o = await open();
      events = await history(o);
      for (const view of ['roster', 'report'] as const) {
        const built = await buildSnapshots({
          ...asOfView(view, TZ),
          eventStore: o.store,
          snapshots: o.snapshots,
          every: 700,
          clock: () => NOW,
        });
        expect(built.taken.length, view).toBeGreaterThanOrEqual(5);
      }
      app = buildRosterApp({
        store: new InMemoryProjectionStore(),
        reportStore: new InMemoryProjectionStore(),
        alertsStore: new InMemoryProjectionStore(),
        eventStore: o.store,
        snapshots: o.snapshots,
        clock: () => NOW,
        timeZone: TZ,
        slotWindows: DEFAULT_SLOT_WINDOWS,
        logger,
        authSecret: TEST_AUTH_SECRET,
        rateLimit: false,
      });
      registerAnalyst(app, { eventStore: o.store, clock: () => NOW, timeZone: TZ });
      await app.ready();
    }, 120_000);
    afterAll(async () => {
      await app?.close();
      await o?.close();
    });

    /** Instants spread over the history: by when events were recorded, and by when they happened. */
    const instants = () => {
      const recorded = events.map((e) => new Date(e.recordedAt).toISOString()).sort();
      const occurred = events.map((e) => new Date(e.occurredAt).toISOString()).sort();
      return {
        knownAt: [
          ...[0.1, 0.35, 0.6, 0.85, 0.999].map((q) => quantile(recorded, q)),
          LATE.between,
          LATE.after,
        ],
        asOf: [...[0.02, 0.3, 0.6, 0.9].map((q) => quantile(occurred, q)), LATE.between],
      };
    };

    it('equals the replay stopped at the instant, for both questions, with and without a snapshot in between', async () => {
      let fromSnapshot = 0;
      let nonEmptyParts = 0;
      const cuts: Cut[] = [
        ...instants().knownAt.map((k) => ({ knownAt: new Date(k) })),
        ...instants().asOf.map((t) => ({ asOf: new Date(t) })),
        { asOf: new Date(LATE.between), knownAt: new Date(LATE.after) },
      ];
      for (const cut of cuts) {
        for (const view of ['roster', 'report'] as const) {
          const expected = await contents(await reference(events, view, cut), view);
          const label = `${view} ${JSON.stringify(cut)}`;
          const bare = await viewAsOf({
            ...asOfView(view, TZ),
            eventStore: o.store,
            snapshots: null,
            cut,
          });
          expect(bare.snapshot).toBeNull();
          expect(await contents(bare.store, view), label).toEqual(expected);
          const snapped = await viewAsOf({
            ...asOfView(view, TZ),
            eventStore: o.store,
            snapshots: o.snapshots,
            cut,
          });
          expect(await contents(snapped.store, view), `${label} from a snapshot`).toEqual(expected);
          if (view === 'roster') {
            // One community's part only: the same documents as the whole view holds for it.
            const whole = await partitionContents(bare.store, 'moujia');
            if (JSON.stringify(whole).length > 200) nonEmptyParts++;
            for (const snapshots of [null, o.snapshots]) {
              const part = await viewAsOf({
                ...asOfView(view, TZ),
                eventStore: o.store,
                snapshots,
                cut,
                partitions: ['moujia'],
              });
              expect(await partitionContents(part.store, 'moujia'), `${label} moujia only`).toEqual(
                whole,
              );
              expect(await part.store.partitions()).not.toContain('zhangcun');
            }
          }
          if (snapped.snapshot) {
            fromSnapshot++;
            // Only what the snapshot does not hold was read from the log.
            expect(snapped.replayed).toBeLessThan(bare.replayed);
            expect(Date.parse(snapped.snapshot.recordedUpTo)).toBeLessThanOrEqual(
              (cut.knownAt ?? NOW).getTime(),
            );
          }
        }
      }
      // Most cuts start from a snapshot (the earliest instants come before the first one).
      expect(fromSnapshot).toBeGreaterThanOrEqual(cuts.length);
      expect(nonEmptyParts).toBeGreaterThanOrEqual(cuts.length / 2);
    });

    it('answers the same over HTTP: the roster, the worklist and the daily report of the instant', async () => {
      const analyst = authHeader(testUser('analyst'));
      for (const [key, at] of [
        ['knownAt', instants().knownAt[2]!],
        ['asOf', instants().asOf[2]!],
        ['asOf', LATE.between],
      ] as const) {
        const cut: Cut = { [key]: new Date(at) };
        const q = `${key}=${encodeURIComponent(at)}`;
        const rosterRef = await reference(events, 'roster', cut);
        const refDeps = {
          store: rosterRef,
          clock: () => new Date(at),
          timeZone: TZ,
          slotWindows: DEFAULT_SLOT_WINDOWS,
        };
        const roster = await app.inject({
          method: 'GET',
          url: `/roster?${q}&limit=200`,
          headers: analyst,
        });
        expect(roster.statusCode, roster.body).toBe(200);
        const { cut: said, ...answer } = roster.json();
        expect(said).toEqual({ [key]: new Date(at).toISOString() });
        expect(answer).toEqual(
          JSON.parse(
            JSON.stringify(await rosterPage(refDeps, { limit: 200 }, testUser('analyst'))),
          ),
        );
        const worklist = await app.inject({
          method: 'GET',
          url: `/roster/worklist?${q}&community=moujia`,
          headers: analyst,
        });
        expect(worklist.statusCode, worklist.body).toBe(200);
        expect(worklist.json().asOf).toBe(new Date(at).toISOString());
        const date = businessDate(new Date(at), TZ);
        const report = await app.inject({
          method: 'GET',
          url: `/report/daily?${q}&date=${date}`,
          headers: analyst,
        });
        expect(report.statusCode, report.body).toBe(200);
        const refReport = dailyReport(
          Object.fromEntries(
            await Promise.all(
              Object.entries(REPORT).map(async ([k, c]) => [
                k,
                await (await reference(events, 'report', cut)).list(c),
              ]),
            ),
          ) as never,
          date,
          () => true,
          { timeZone: TZ, slotWindows: DEFAULT_SLOT_WINDOWS },
        );
        const { asOf: _a, cut: _c, ...figures } = report.json();
        expect(figures).toEqual(JSON.parse(JSON.stringify(refReport)));
      }
    });

    it('shows a check logged late in what was true at the instant, not in what was known then', async () => {
      const analyst = authHeader(testUser('analyst'));
      const amOf = async (query: string) => {
        const res = await app.inject({
          method: 'GET',
          url: `/roster/cases/${LATE.caseId}?${query}`,
          headers: analyst,
        });
        expect(res.statusCode, res.body).toBe(200);
        return res.json<{ checks: Record<string, Record<string, unknown>> }>().checks;
      };
      const roster = async (query: string) => {
        const res = await app.inject({
          method: 'GET',
          url: `/roster?${query}&community=moujia&limit=200`,
          headers: analyst,
        });
        expect(res.statusCode, res.body).toBe(200);
        return res
          .json<{ entries: { caseId: string; am: { status: string } }[] }>()
          .entries.find((e) => e.caseId === LATE.caseId)!.am.status;
      };
      // At 12:30 the check had happened (at 10:00) but nobody had entered it yet.
      expect((await amOf(`asOf=${LATE.between}`))['2026-12-02']?.am).toMatchObject({
        temperatureC: 36.5,
      });
      expect(await amOf(`knownAt=${LATE.between}`)).toEqual({});
      expect((await amOf(`knownAt=${LATE.after}`))['2026-12-02']?.am).toMatchObject({
        temperatureC: 36.5,
      });
      expect(await roster(`asOf=${LATE.between}`)).toBe('done-normal');
      expect(await roster(`knownAt=${LATE.between}`)).toBe('overdue');
      expect(await roster(`knownAt=${LATE.after}`)).toBe('done-normal');
      const timeline = async (query: string) => {
        const res = await app.inject({
          method: 'GET',
          url: `/analyst/people/${LATE.personId}/timeline?${query}`,
          headers: analyst,
        });
        expect(res.statusCode, res.body).toBe(200);
        return res.json<{ entries: { type: string }[] }>().entries.map((e) => e.type);
      };
      expect(await timeline(`asOf=${LATE.between}`)).toContain('quarantine.symptom-check-logged');
      expect(await timeline(`knownAt=${LATE.between}`)).not.toContain(
        'quarantine.symptom-check-logged',
      );
      expect(await timeline(`knownAt=${LATE.after}`)).toContain('quarantine.symptom-check-logged');
      // Before she was registered there is no such person yet.
      expect(
        (
          await app.inject({
            method: 'GET',
            url: `/analyst/people/${LATE.personId}/timeline?knownAt=2026-12-02T00:00:00Z`,
            headers: analyst,
          })
        ).statusCode,
      ).toBe(404);
    });

    it('refuses a future instant and a parameter a route does not take, on every route of these views, naming it', async () => {
      const analyst = authHeader(testUser('analyst'));
      const future = '2026-12-03T00:00:00.001Z';
      const routes = [
        '/roster',
        '/',
        `/roster/cases/${LATE.caseId}`,
        '/roster/worklist',
        '/report/daily',
        `/analyst/people/${LATE.personId}/timeline`,
      ];
      for (const url of routes) {
        for (const key of ['asOf', 'knownAt']) {
          const res = await app.inject({
            method: 'GET',
            url: `${url}?${key}=${future}`,
            headers: analyst,
          });
          expect(res.statusCode, `${url} ${key}`).toBe(400);
          expect(res.json().errors, url).toEqual([
            {
              field: `query.${key}`,
              message: `${future} is in the future: nothing is known of it yet`,
            },
          ]);
        }
        const unknown = await app.inject({
          method: 'GET',
          url: `${url}?at=${LATE.between}`,
          headers: analyst,
        });
        expect(unknown.statusCode, url).toBe(400);
        expect(unknown.json().errors, url).toEqual([
          { field: 'query.at', message: 'unknown field' },
        ]);
        const bad = await app.inject({
          method: 'GET',
          url: `${url}?asOf=yesterday`,
          headers: analyst,
        });
        expect(bad.statusCode, url).toBe(400);
        expect(
          bad.json().errors.map((f: { field: string }) => f.field),
          url,
        ).toEqual(['query.asOf']);
        // The instant itself is fine: it is the clock's now.
        expect(
          (
            await app.inject({
              method: 'GET',
              url: `${url}?asOf=${NOW.toISOString()}`,
              headers: analyst,
            })
          ).statusCode,
          url,
        ).toBe(200);
      }
    });
  });
}

asOfSuite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-asof-'));
  const clock = importClock();
  const path = join(dir, 'fangyi.db');
  const store = new SqliteEventStore({ path, clock: clock.clock });
  const snapshots = new SqliteSnapshots({ path });
  return {
    store,
    snapshots,
    set: clock.set,
    close: async () => {
      await snapshots.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

asOfSuite('PostgreSQL', async () => {
  const url = requireInfra('postgres');
  const schema = freshSchemaName('fangyi_asof');
  const clock = importClock();
  const store = await PostgresEventStore.create({
    connectionString: url,
    schema,
    clock: clock.clock,
  });
  const snapshots = await PostgresSnapshots.create({ connectionString: url, schema });
  return {
    store,
    snapshots,
    set: clock.set,
    close: async () => {
      await snapshots.close();
      await store.close();
      await dropSchema(url, schema);
    },
  };
});

describe('snapshots', () => {
  it('holds exactly what was recorded by its instant, an event stamped before it but committed after included', async () => {
    const clock = importClock();
    const store = new SqliteEventStore({ path: ':memory:', clock: clock.clock });
    const dir = mkdtempSync(join(tmpdir(), 'fangyi-asof-s-'));
    const snapshots = new SqliteSnapshots({ path: join(dir, 's.db') });
    try {
      const o: Opened = { store, snapshots, set: clock.set, close: async () => {} };
      const started = (n: number) => ({
        caseId: `s${n}`,
        personId: `p${n}`,
        personName: `人${n}`,
        community: 'moujia',
        startDate: '2020-02-01',
        endDate: '2020-02-14',
        periodDays: 14,
        reason: 'close-contact',
        assignedCaller: 'caller-1',
      });
      const at = (minute: number) =>
        new Date(Date.parse('2020-02-01T02:00:00.000Z') + minute * 60_000).toISOString();
      for (let n = 0; n < 6; n++)
        await appendAt(
          o,
          at(n * 10),
          `homeQuarantine-s${n}`,
          'no-stream',
          'quarantine.home-quarantine-started',
          started(n),
        );
      // Stamped at minute 25 but committed after the one of minute 50 (a slow writer).
      await appendAt(
        o,
        at(25),
        'homeQuarantine-s6',
        'no-stream',
        'quarantine.home-quarantine-started',
        started(6),
      );
      for (let n = 7; n < 10; n++)
        await appendAt(
          o,
          at(n * 10 + 100),
          `homeQuarantine-s${n}`,
          'no-stream',
          'quarantine.home-quarantine-started',
          started(n),
        );
      // Writers commit within 30 minutes of stamping, here: a snapshot is kept once the log is that far past it.
      const built = await buildSnapshots({
        ...asOfView('roster', TZ),
        eventStore: store,
        snapshots,
        every: 2,
        settleMs: 30 * 60_000,
        clock: () => NOW,
      });
      // After 2, 4, 6, 8, 10 events; those of minutes 30 and 50 take in the one of minute 25 from after them.
      expect(built.taken.map((s) => [s.recordedUpTo, s.events])).toEqual([
        [at(10), 2],
        [at(30), 4],
        [at(50), 6],
        [at(170), 8],
        [at(190), 10],
      ]);
      const events = await readAll(store);
      const case6 = async (minute: number) =>
        (
          await viewAsOf({
            ...asOfView('roster', TZ),
            eventStore: store,
            snapshots,
            cut: { knownAt: new Date(at(minute)) },
          })
        ).store.get(ROSTER_COLLECTION, 's6');
      expect(await case6(24)).toBeNull();
      expect(await case6(30)).not.toBeNull();
      expect(await case6(55)).not.toBeNull();
      for (const minute of [15, 26, 35, 55, 175]) {
        const cut = { knownAt: new Date(at(minute)) };
        const got = await viewAsOf({
          ...asOfView('roster', TZ),
          eventStore: store,
          snapshots,
          cut,
        });
        expect(await contents(got.store, 'roster')).toEqual(
          await contents(await reference(events, 'roster', cut), 'roster'),
        );
      }
    } finally {
      await snapshots.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
