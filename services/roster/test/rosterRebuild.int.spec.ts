import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uuidv7, type NewEvent } from '@fangyi/contracts';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import {
  RedisProjectionStore,
  rebuildFromEventStore,
  type ProjectionStore,
  type RebuildProgress,
} from '@fangyi/projections';
import { dropSchema, freshSchemaName, requireInfra } from '@fangyi/testkit';
import { ROSTER_COLLECTION, rosterProjection, type RosterCase } from '../src/index.ts';

const CASES = 150;
const CHECKS = 6;
const COMMUNITIES = ['moujia', 'zhangcun', 'xinzhuang'];

const event = (type: string, data: unknown): NewEvent => ({
  id: uuidv7(),
  type,
  schemaVersion: 1,
  occurredAt: '2020-02-01T02:00:00.000Z',
  actor: { id: 'caller-1', role: 'caller' },
  correlationId: randomUUID(),
  causationId: null,
  data,
});
const check = (caseId: string, k: number) =>
  event('quarantine.symptom-check-logged', {
    caseId,
    checkId: uuidv7(),
    date: `2020-02-${String(1 + Math.floor(k / 2)).padStart(2, '0')}`,
    slot: k % 2 === 0 ? 'am' : 'pm',
    temperatureC: 36.5,
    symptoms: [],
    reachedVia: 'phone',
    abnormal: false,
  });

/** Every document of every community, read from one generation (pinned), page by page. */
async function wholeView(store: ProjectionStore): Promise<Map<string, string>> {
  const pinned = store.pin ? await store.pin() : store;
  const docs = new Map<string, string>();
  for (const community of COMMUNITIES) {
    let cursor: string | null = null;
    do {
      const page: { items: RosterCase[]; next: string | null } = await pinned.page<RosterCase>({
        collection: ROSTER_COLLECTION,
        partition: community,
        index: 'day',
        cursor,
        limit: 40,
      });
      for (const doc of page.items) docs.set(doc.caseId, JSON.stringify(doc));
      cursor = page.next;
    } while (cursor);
  }
  return docs;
}

const checksOf = (json: string) =>
  Object.values((JSON.parse(json) as RosterCase).checks).reduce(
    (n, slots) => n + Object.keys(slots).length,
    0,
  );

describe('a roster rebuilt without downtime (PostgreSQL event store, Redis)', () => {
  const databaseUrl = requireInfra('postgres');
  const schema = freshSchemaName('fangyi_rebuild');
  let eventStore: PostgresEventStore;
  let redis: Redis;
  const stores: RedisProjectionStore[] = [];
  const open = () => {
    const s = new RedisProjectionStore({ redis, namespace: `fangyi-test:rebuild:${randomUUID()}` });
    stores.push(s);
    return s;
  };
  const caseIds = Array.from({ length: CASES }, (_, i) => `case-${String(i).padStart(3, '0')}`);
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    eventStore = await PostgresEventStore.create({ connectionString: databaseUrl, schema });
    redis = new Redis(requireInfra('redis'));
    await Promise.all(
      caseIds.map((caseId, i) =>
        eventStore.append(
          `homeQuarantine-${caseId}`,
          [
            event('quarantine.home-quarantine-started', {
              caseId,
              personId: `p-${caseId}`,
              personName: `人${i}`,
              community: COMMUNITIES[i % 3],
              startDate: '2020-02-01',
              endDate: '2020-02-14',
              periodDays: 14,
              reason: 'close-contact',
              assignedCaller: 'caller-1',
            }),
            ...Array.from({ length: CHECKS }, (_, k) => check(caseId, k)),
          ],
          { expectedRevision: 'no-stream' },
        ),
      ),
    );
  });
  afterAll(async () => {
    for (const s of stores) await s.reset();
    await redis?.quit();
    await eventStore?.close();
    await dropSchema(databaseUrl, schema);
  });

  it('answers every query during a rebuild with a whole view, catches up what was appended meanwhile, and ends with the documents of a clean run', async () => {
    const store = open();
    await rebuildFromEventStore({
      projection: rosterProjection,
      store,
      eventStore,
      logger,
      batchSize: 100,
    });
    const before = await wholeView(store);
    expect(before.size).toBe(CASES);

    // Queries run the whole time; each must see every case with every check it had.
    let querying = true;
    const failures: string[] = [];
    let queries = 0;
    const reader = (async () => {
      while (querying) {
        try {
          const view = await wholeView(store);
          queries++;
          if (view.size !== CASES) failures.push(`a view of ${view.size} cases`);
          for (const [id, json] of view)
            if (checksOf(json) < CHECKS) failures.push(`${id} with ${checksOf(json)} checks`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    })();
    // Checks appended while the rebuild runs: the replay may or may not read them; the catch-up must.
    const progress: RebuildProgress[] = [];
    const late = caseIds.slice(0, 20);
    const rebuilding = rebuildFromEventStore({
      projection: rosterProjection,
      store,
      eventStore,
      logger,
      batchSize: 50,
      total: CASES * (CHECKS + 1),
      progressEveryMs: 0,
      onProgress: (p) => progress.push(p),
    });
    await Promise.all(
      late.map((caseId) =>
        eventStore.append(`homeQuarantine-${caseId}`, [check(caseId, CHECKS)], {
          expectedRevision: CHECKS,
        }),
      ),
    );
    await rebuilding;
    await new Promise((r) => setTimeout(r, 100));
    querying = false;
    await reader;

    expect(failures).toEqual([]);
    expect(queries).toBeGreaterThan(2);
    const after = await wholeView(store);
    for (const id of late) expect(checksOf(after.get(id)!)).toBe(CHECKS + 1);
    // Progress: events done, a rate, the time left against the total given.
    expect(progress.reduce((n, p) => Math.max(n, p.events), 0)).toBeGreaterThanOrEqual(
      CASES * (CHECKS + 1),
    );
    expect(
      progress.find((p) => p.phase === 'replay' && p.secondsLeft !== null && p.perSecond > 0),
    ).toBeDefined();
    // A clean run from the same log gives byte-identical documents.
    const clean = open();
    await rebuildFromEventStore({ projection: rosterProjection, store: clean, eventStore, logger });
    expect(await wholeView(clean)).toEqual(after);
    // The switched-in generation has every revision, the late ones included.
    expect(await store.appliedRevision(`homeQuarantine-${late[0]}`)).toBe(CHECKS + 1);
  });
});
