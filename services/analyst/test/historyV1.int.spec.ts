import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnvelope } from '@fangyi/contracts';
import { PostgresEventStore, SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import { dropSchema, freshSchemaName, requireInfra } from '@fangyi/testkit';
import { importClock, importNdjson } from '../src/import.ts';
import { buildView, dailyReportOf, rosterDocs } from '../src/views.ts';

/**
 * The fixture is the Kutao district as the embedded process recorded it on 2026-12-02, before
 * symptom checks became version 2 (test/fixtures/record-history-v1.ts), with the roster and the
 * daily report that the code of that day built from it. Today's code must replay that history
 * into the same views and answer the same report.
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

async function replaysTheSame(store: EventStore, clock: ReturnType<typeof importClock>) {
  const imported = await importNdjson(fixture(), store, clock);
  expect(imported.events).toBe(expected.events);
  const roster = await buildView(store, 'roster', { timeZone: TZ });
  expect(await rosterDocs(roster.store)).toEqual(expected.roster);
  const report = await buildView(store, 'report', { timeZone: TZ });
  expect(await dailyReportOf(report.store, expected.recordedOn)).toEqual(expected.dailyReport);
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
      expect(upcast.data).toMatchObject({ contactChannel: v1.reachedVia, measuredBy: { who: v1.reachedVia === 'visit' ? 'caller' : 'self', site: 'unknown' } });
    }
  });

  it('replays into today\'s roster and daily report, equal to what the code of its day built (SQLite)', async () => {
    const clock = importClock();
    const store = new SqliteEventStore({ path: ':memory:', clock: clock.clock });
    closers.push(() => store.close());
    await replaysTheSame(store, clock);
  });

  it('replays the same on PostgreSQL', async () => {
    const url = requireInfra('postgres');
    const schema = freshSchemaName('fangyi_v1');
    const clock = importClock();
    const store = await PostgresEventStore.create({ connectionString: url, schema, clock: clock.clock });
    closers.push(async () => {
      await store.close();
      await dropSchema(url, schema);
    });
    await replaysTheSame(store, clock);
  }, 120_000);
});
