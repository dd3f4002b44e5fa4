import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnvelope, type Envelope } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { dropSchema, freshSchemaName, requireInfra } from '@fangyi/testkit';
import { importClock, importNdjson } from '../src/import.ts';
import { buildView, dailyReportOf, rosterDocs } from '../src/views.ts';

/**
 * The fixture is the Kutao district as the embedded process recorded it on 2026-12-02, before
 * symptom checks became version 2 (test/fixtures/record-history-v1.ts), with the roster and the
 * daily report that the code of that day built from it. Today's code must replay that history
 * into the roster it built (today's keeps more fields), and into the same roster and daily report as
 * the same history recorded by today's code (symptom checks as version 2). The report's own
 * meaning changed since (figures from dated facts), so its figures of that day are not compared.
 */
const FIXTURES = join(import.meta.dirname, 'fixtures');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'history-v1.expected.json'), 'utf8')) as {
  recordedOn: string;
  events: number;
  roster: unknown[];
  dailyReport: unknown;
};
const fixture = () => createReadStream(join(FIXTURES, 'history-v1.ndjson.gz')).pipe(createGunzip());
const TZ = 'Asia/Shanghai';

/** The fixture's lines with every version-1 symptom check rewritten as today's code records it (version 2). */
function asRecordedToday(): Readable {
  const lines = createInterface({ input: fixture(), crlfDelay: Infinity });
  return Readable.from(
    (async function* () {
      for await (const line of lines) {
        if (line.trim() === '') continue;
        const raw = JSON.parse(line) as Envelope & { schemaVersion: number };
        yield `${JSON.stringify(raw.type === 'quarantine.symptom-check-logged' && raw.schemaVersion === 1 ? parseEnvelope(raw) : raw)}\n`;
      }
    })(),
  );
}

async function replaysTheSame(
  open: () => Promise<{ store: EventStore; clock: ReturnType<typeof importClock> }>,
) {
  const old = await open();
  const imported = await importNdjson(fixture(), old.store, old.clock);
  expect(imported.events).toBe(expected.events);
  const roster = await rosterDocs((await buildView(old.store, 'roster', { timeZone: TZ })).store);
  // Every field the code of its day kept holds the same value today (today's roster keeps more).
  expect(roster).toMatchObject(expected.roster);
  const report = await dailyReportOf(
    (await buildView(old.store, 'report', { timeZone: TZ })).store,
    expected.recordedOn,
  );
  // The same history as today's code records it: the same roster and the same report, to the figure.
  const today = await open();
  await importNdjson(asRecordedToday(), today.store, today.clock);
  const checks = await today.store.readFiltered({
    filter: { types: ['quarantine.symptom-check-logged'] },
    limit: 1000,
  });
  expect(new Set(checks.map((e) => e.schemaVersion))).toEqual(new Set([2]));
  expect(
    await rosterDocs((await buildView(today.store, 'roster', { timeZone: TZ })).store),
  ).toEqual(roster);
  expect(
    await dailyReportOf(
      (await buildView(today.store, 'report', { timeZone: TZ })).store,
      expected.recordedOn,
    ),
  ).toEqual(report);
  expect(JSON.stringify(report.total)).toMatch(/[1-9]/);
}

describe('history recorded before symptom checks became version 2', () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('holds version-1 symptom checks, and each reads as version 2', async () => {
    const clock = importClock();
    const store = new SqliteEventStore({ path: ':memory:', clock: clock.clock });
    closers.push(() => store.close());
    await importNdjson(fixture(), store, clock);
    const checks = [];
    for (let after: string | null = null; ; ) {
      const batch = await store.readAll({ after, limit: 1000 });
      if (batch.length === 0) break;
      checks.push(...batch.filter((e) => e.type === 'quarantine.symptom-check-logged'));
      after = batch.at(-1)!.position;
    }
    expect(checks.length).toBe(13);
    expect(new Set(checks.map((e) => e.schemaVersion))).toEqual(new Set([1]));
    for (const { position: _p, ...raw } of checks) {
      const upcast = parseEnvelope(raw);
      expect(upcast.schemaVersion).toBe(2);
      const v1 = raw.data as { reachedVia: string };
      expect(upcast.data).toMatchObject({
        contactChannel: v1.reachedVia,
        measuredBy: { who: v1.reachedVia === 'visit' ? 'caller' : 'self', site: 'unknown' },
      });
    }
  });

  it("replays into today's roster and daily report: the roster as the code of its day built it, both as if recorded today (SQLite)", async () => {
    await replaysTheSame(async () => {
      const clock = importClock();
      const store = new SqliteEventStore({ path: ':memory:', clock: clock.clock });
      closers.push(() => store.close());
      return { store, clock };
    });
  });

  it('replays the same on PostgreSQL', async () => {
    const url = requireInfra('postgres');
    await replaysTheSame(async () => {
      const schema = freshSchemaName('fangyi_v1');
      const clock = importClock();
      const store = await PostgresEventStore.create({
        connectionString: url,
        schema,
        clock: clock.clock,
      });
      closers.push(async () => {
        await store.close();
        await dropSchema(url, schema);
      });
      return { store, clock };
    });
  }, 120_000);
});
