import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Envelope } from '@fangyi/contracts';
import { SqliteEventStore } from '@fangyi/eventstore';
import { RedisProjectionStore } from '@fangyi/projections';
import { ROSTER_COLLECTION } from '@fangyi/roster';
import { dropSchema, freshSchemaName, requireInfra } from '@fangyi/testkit';
import { buildView, dailyReportOf, rosterDocs } from '../src/views.ts';
import { fangyi } from './cli.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures/history-v1.ndjson.gz');
const fixtureEvents = () =>
  gunzipSync(readFileSync(FIXTURE))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Envelope);
const TZ = 'Asia/Shanghai';

// Each case starts the tool as its own process a few times (seconds each on a busy machine).
describe('the fangyi command line, run as a process, on the embedded data directory', {
  timeout: 180_000,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-cli-'));
  const inDir = (...args: string[]) => fangyi(['--data-dir', dir, ...args]);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('explains itself: --help names every command, and a mistake exits 2 with the reason', async () => {
    const help = await fangyi(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['export', 'import', 'timeline', 'as-of', 'rebuild', 'dead-letters'])
      expect(help.stdout).toContain(command);
    expect((await fangyi(['export', '--help'])).stdout).toMatch(
      /--community <id>[\s\S]*--from <instant>/,
    );
    const missing = await inDir('rebuild', 'roster');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no event store at');
    const unknown = await fangyi(['teleport']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'teleport'");
  });

  it('imports an exported history into the data directory, and export gives the same lines back', async () => {
    const imported = await inDir('import', FIXTURE, '--json');
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ events: 5591 });
    const exported = await inDir('export');
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toBe(gunzipSync(readFileSync(FIXTURE)).toString('utf8'));
    expect(exported.stderr).toMatch(/^exported 5591 events .* peak RSS [\d.]+ MiB/);
    const again = await inDir('import', FIXTURE);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/line 1: .*expected revision no-stream, actual 0/);
  });

  it('exports by type, community and time range', async () => {
    const all = fixtureEvents();
    const lines = async (...args: string[]) => {
      const r = await inDir('export', ...args);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim() === ''
        ? []
        : r.stdout
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as Envelope);
    };
    expect(
      (
        await lines('--type', 'quarantine.symptom-check-logged,quarantine.symptom-check-corrected')
      ).map((e) => e.id),
    ).toEqual(
      all
        .filter(
          (e) =>
            e.type === 'quarantine.symptom-check-logged' ||
            e.type === 'quarantine.symptom-check-corrected',
        )
        .map((e) => e.id),
    );
    const moujiaCases = new Set(
      all
        .filter(
          (e) =>
            e.type === 'quarantine.home-quarantine-started' &&
            (e.data as { community: string }).community === 'moujia',
        )
        .map((e) => e.streamId),
    );
    const moujia = await lines('--community', 'moujia', '--stream-prefix', 'homeQuarantine-');
    expect(new Set(moujia.map((e) => e.streamId))).toEqual(moujiaCases);
    expect(moujia.map((e) => e.id)).toEqual(
      all.filter((e) => moujiaCases.has(e.streamId)).map((e) => e.id),
    );
    const middle = all[Math.floor(all.length / 2)]!.recordedAt;
    const last = all.at(-1)!.recordedAt;
    expect((await lines('--from', middle, '--to', last)).map((e) => e.id)).toEqual(
      all.filter((e) => e.recordedAt >= middle && e.recordedAt < last).map((e) => e.id),
    );
    const wrong = await inDir('export', '--from', 'yesterday');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--from must be an instant');
  });

  it('answers the daily report as of an instant: the same as a replay stopped there, and refuses the future', async () => {
    const all = fixtureEvents();
    const at = all[Math.floor(all.length * 0.7)]!.recordedAt;
    const r = await inDir('as-of', 'report', at, '--json');
    expect(r.code, r.stderr).toBe(0);
    const store = new SqliteEventStore({ path: join(dir, 'fangyi.db') });
    try {
      const { store: view } = await buildView(store, 'report', {
        timeZone: TZ,
        cut: { asOf: new Date(at) },
      });
      const expected = await dailyReportOf(view, '2026-12-02');
      expect(JSON.parse(r.stdout)).toEqual({ ...JSON.parse(JSON.stringify(expected)), asOf: at });
      const before = await dailyReportOf(
        (await buildView(store, 'report', { timeZone: TZ })).store,
        '2026-12-02',
      );
      expect(before.total.people.registered).toBeGreaterThan(expected.total.people.registered);
    } finally {
      await store.close();
    }
    const tableOut = await inDir('as-of', 'report', at, '--community', 'moujia');
    expect(tableOut.stdout).toMatch(/每日报表 2026-12-02/);
    expect(tableOut.stdout).toMatch(/\nmoujia\s+260\s/);
    const future = await inDir('as-of', 'report', new Date(Date.now() + 3_600_000).toISOString());
    expect(future.code).toBe(2);
    expect(future.stderr).toContain('is in the future');
  });

  it('answers the roster and the worklist as of an instant, page by page, and refuses the future', async () => {
    const all = fixtureEvents();
    const at = all.at(-1)!.recordedAt;
    type Page = { entries: { caseId: string }[]; next: string | null; cut: { asOf?: string } };
    const whole = await inDir('as-of', 'roster', at, '--json');
    expect(whole.code, whole.stderr).toBe(0);
    const roster = JSON.parse(whole.stdout) as Page;
    expect(roster.cut).toEqual({ asOf: at });
    expect(roster.entries.length).toBeGreaterThan(2);
    // The same people two at a time, following the cursor the answers give.
    const paged: string[] = [];
    for (let cursor: string | null = null, i = 0; i === 0 || cursor; i++) {
      const r = await inDir(
        'as-of',
        'roster',
        at,
        '--json',
        '--limit',
        '2',
        ...(cursor ? ['--cursor', cursor] : []),
      );
      expect(r.code, r.stderr).toBe(0);
      const page = JSON.parse(r.stdout) as Page;
      expect(page.entries.length).toBeLessThanOrEqual(2);
      paged.push(...page.entries.map((e) => e.caseId));
      cursor = page.next;
    }
    expect(paged).toEqual(roster.entries.map((e) => e.caseId));
    // Known just before the first case was recorded: not that case.
    const first = all.find((e) => e.type === 'quarantine.home-quarantine-started')!;
    const before = JSON.parse(
      (
        await inDir(
          'as-of',
          'roster',
          new Date(Date.parse(first.recordedAt) - 1).toISOString(),
          '--known-at',
          '--json',
        )
      ).stdout,
    ) as Page;
    expect(
      before.entries.filter((e) => e.caseId === (first.data as { caseId: string }).caseId),
    ).toEqual([]);
    const table = await inDir('as-of', 'roster', at);
    expect(table.stdout).toMatch(/居家隔离名单 \d{4}-\d\d-\d\d，该时刻实况/);
    const worklist = await inDir('as-of', 'worklist', at, '--known-at');
    expect(worklist.code, worklist.stderr).toBe(0);
    expect(worklist.stdout).toMatch(/随访名单 \d{4}-\d\d-\d\d，截至该时刻所知/);
    const future = await inDir('as-of', 'worklist', new Date(Date.now() + 3_600_000).toISOString());
    expect(future.code).toBe(2);
    expect(future.stderr).toContain('is in the future');
  });

  it('rebuilds a view with progress, in memory, and says how many documents it holds', async () => {
    const r = await inDir('rebuild', 'roster');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('重放事件日志 → roster');
    expect(r.stdout).toMatch(/rebuilt roster \(memory\) from 5591 events/);
    expect(r.stdout).toMatch(/cases\s+13/);
    const json = await inDir('rebuild', 'report', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      view: 'report',
      events: 5591,
      skipped: 0,
      documents: { households: 2610, cases: 13 },
    });
    expect((await inDir('rebuild', 'worklist')).stderr).toContain('unknown view worklist');
  });

  it("prints one person's timeline as a table and as JSON", async () => {
    const started = fixtureEvents().find((e) => e.type === 'quarantine.home-quarantine-started')!;
    const personId = (started.data as { personId: string }).personId;
    const r = await inDir('timeline', personId);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/#\s+发生于\s+记录于\s+操作人\s+摘要\s+起因/);
    expect(r.stdout).toContain('开始居家隔离');
    expect(r.stdout).toMatch(/policy-arrival-quarantine \(system\)\s+开始居家隔离.*← #\d+/);
    const json = JSON.parse((await inDir('timeline', personId, '--json')).stdout) as {
      entries: { type: string }[];
    };
    expect(json.entries.map((e) => e.type)).toContain('quarantine.symptom-check-missed');
    expect((await inDir('timeline', 'nobody')).stderr).toContain('no person nobody');
  });
});

describe('the fangyi command line on the distributed mode (PostgreSQL, Redis)', {
  timeout: 180_000,
}, () => {
  const url = requireInfra('postgres');
  const redisUrl = requireInfra('redis');
  const schema = freshSchemaName('fangyi_cli');
  const env = { EVENT_STORE_URL: url, FANGYI_SCHEMA: schema, REDIS_URL: redisUrl };
  const namespace = `fangyi-cli-${schema}`;
  const redis = new Redis(redisUrl);
  afterAll(async () => {
    const keys = await redis.keys(`${namespace}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await dropSchema(url, schema);
  });

  it('imports into PostgreSQL and rebuilds the roster in Redis, holding every field the code of its day built', async () => {
    const imported = await fangyi(['import', FIXTURE], env);
    expect(imported.code, imported.stderr).toBe(0);
    const r = await fangyi(
      ['rebuild', 'roster', '--into-redis', '--namespace', namespace, '--json'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      view: 'roster',
      into: 'redis',
      events: 5591,
      documents: { cases: 13 },
    });
    const store = new RedisProjectionStore({ redis, namespace, guarded: true });
    expect(await store.intact()).toBe(true);
    const expected = JSON.parse(
      readFileSync(join(import.meta.dirname, 'fixtures/history-v1.expected.json'), 'utf8'),
    ) as { roster: unknown[] };
    // Today's roster keeps more fields (registeredAt); every one it kept then holds the same value.
    expect(await rosterDocs(store)).toMatchObject(expected.roster);
    expect((await store.list(ROSTER_COLLECTION)).length).toBe(13);
  });
});
