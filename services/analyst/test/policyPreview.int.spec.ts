import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteEventStore, type EventStore } from '@fangyi/eventstore';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { dropSchema, freshSchemaName, requireInfra } from '@fangyi/testkit';
import type { Figures, PolicyPreview } from '../src/preview/index.ts';
import { fangyi } from './cli.ts';
import { ANALYST, Embedded, user } from './embedded.ts';
import { appendKnownHistory } from './policyHistory.ts';

// The same settings and figures as test/policyPreview.unit.spec.ts, where they are computed by hand.
const SETTINGS = [
  '--period-days',
  '16',
  '--slots',
  '07:00-10:00,11:00-14:00,15:00-18:00',
  '--fever',
  '37.0',
  '--risk-areas',
  '湖北省,广东省',
  '--checks-per-caller',
  '2',
  '--from',
  '2020-02-01',
  '--to',
  '2020-02-29',
];
const QUERY =
  'periodDays=16&slots=07:00-10:00,11:00-14:00,15:00-18:00&feverThresholdC=37.0&riskAreas=' +
  encodeURIComponent('湖北省,广东省') +
  '&checksPerCallerPerDay=2&from=2020-02-01&to=2020-02-29';
const TODAY = {
  cases: 3,
  checksDue: 66,
  checksDone: 8,
  checksMissed: 58,
  checksNotFollowed: 0,
  escalations: 1,
  personDays: 33,
  underQuarantinePeak: 2,
  callersNeededPeak: 2,
};
const PREVIEW = {
  cases: 3,
  checksDue: 110,
  checksDone: 6,
  checksMissed: 56,
  checksNotFollowed: 48,
  escalations: 3,
  personDays: 37,
  underQuarantinePeak: 2,
  callersNeededPeak: 3,
};
const totals = ({ daily: _d, ...f }: Figures) => f;

async function load(store: EventStore & { close(): Promise<void> }, setClock: (d: Date) => void) {
  try {
    await appendKnownHistory(store, setClock);
  } finally {
    await store.close();
  }
}

describe('fangyi preview-policy, run as a process', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-preview-'));
  const url = requireInfra('postgres');
  const schema = freshSchemaName('fangyi_preview');
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(url, schema);
  });

  it('prints today, the preview and the difference as a table, and the same figures as JSON (SQLite and PostgreSQL)', async () => {
    let at = new Date();
    await load(new SqliteEventStore({ path: join(dir, 'h.db'), clock: () => at }), (d) => (at = d));
    await load(
      await PostgresEventStore.create({ connectionString: url, schema, clock: () => at }),
      (d) => (at = d),
    );

    const text = await fangyi([
      '--event-store',
      `sqlite:${join(dir, 'h.db')}`,
      'preview-policy',
      ...SETTINGS,
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('政策预览 2020-02-01 – 2020-02-29');
    expect(text.stdout).toMatch(/今日政策：14 天；时段 06:00-12:00、12:00-21:00.*发热 ≥ 37\.3 °C/);
    expect(text.stdout).toMatch(
      /预览政策：16 天；时段 07:00-10:00、11:00-14:00、15:00-18:00.*发热 ≥ 37 °C；风险地区 湖北、广东/,
    );
    expect(text.stdout).toMatch(/合计\s+应查\s+66\s+110\s+\+44\n/);
    expect(text.stdout).toMatch(/合计\s+漏报\s+58\s+56\s+-2\n/);
    expect(text.stdout).toMatch(/zhangcun\s+所需随访员（峰值）\s+1\s+3\s+\+2\n/);
    expect(text.stdout).toMatch(/2020-02-23\s+0\s+1\s+\+1\s+0\s+3\s+0\s+2\n/);

    for (const env of [
      { EVENT_STORE_URL: `sqlite:${join(dir, 'h.db')}` },
      { EVENT_STORE_URL: url, FANGYI_SCHEMA: schema },
    ]) {
      const json = await fangyi(['preview-policy', ...SETTINGS, '--json'], env);
      expect(json.code, json.stderr).toBe(0);
      const r = JSON.parse(json.stdout) as PolicyPreview;
      expect([totals(r.total.today), totals(r.total.preview)]).toEqual([TODAY, PREVIEW]);
    }
    const moujia = JSON.parse(
      (
        await fangyi([
          '--event-store',
          `sqlite:${join(dir, 'h.db')}`,
          'preview-policy',
          ...SETTINGS,
          '--community',
          'moujia',
          '--json',
        ])
      ).stdout,
    ) as PolicyPreview;
    expect(moujia.communities.map((c) => c.community)).toEqual(['moujia']);
    expect(totals(moujia.total.preview)).toMatchObject({
      checksDue: 9,
      checksDone: 4,
      checksMissed: 5,
      escalations: 2,
    });
  });

  it('refuses settings it cannot read with exit code 2, naming the option', async () => {
    const bad = await fangyi([
      '--event-store',
      `sqlite:${join(dir, 'h.db')}`,
      'preview-policy',
      '--slots',
      '07:00-10:00,09:00-11:00',
      '--period-days',
      '0',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--slots: windows overlap: 07:00-10:00 and 09:00-11:00');
    expect(bad.stderr).toContain('--period-days:');
    expect((await fangyi(['preview-policy', '--help'])).stdout).toMatch(
      /--period-days <n>[\s\S]*--slots <windows>[\s\S]*--fever <celsius>/,
    );
  });
});

describe('GET and POST /analyst/policy-preview on the embedded process', () => {
  const app = new Embedded();
  beforeAll(async () => {
    // The history is in the data directory before the process starts, as if recorded in 2020.
    let at = new Date();
    await load(
      new SqliteEventStore({ path: join(app.dataDir, 'fangyi.db'), clock: () => at }),
      (d) => (at = d),
    );
    await app.start();
  }, 60_000);
  afterAll(() => app.stop());

  it('answers the hand-computed figures, to a query string and to a JSON body alike', async () => {
    const r = await app.ok<PolicyPreview>(ANALYST, 'GET', `/analyst/policy-preview?${QUERY}`);
    expect([totals(r.total.today), totals(r.total.preview)]).toEqual([TODAY, PREVIEW]);
    expect(r.policies.preview).toEqual({
      periodDays: 16,
      slots: ['07:00-10:00', '11:00-14:00', '15:00-18:00'],
      feverThresholdC: 37,
      riskAreas: ['湖北', '广东'],
      earlyMinutes: 30,
    });
    const body = await app.ok<PolicyPreview>(ANALYST, 'POST', '/analyst/policy-preview', {
      periodDays: 16,
      slots: '07:00-10:00,11:00-14:00,15:00-18:00',
      feverThresholdC: 37.0,
      riskAreas: '湖北省,广东省',
      checksPerCallerPerDay: 2,
      from: '2020-02-01',
      to: '2020-02-29',
    });
    expect(body.total).toEqual(r.total);
    // Nothing given: today's policy against itself.
    const same = await app.ok<PolicyPreview>(
      ANALYST,
      'GET',
      '/analyst/policy-preview?from=2020-02-01&to=2020-02-29',
    );
    expect(totals(same.total.preview)).toEqual(totals(same.total.today));
    expect(totals(same.total.today)).toMatchObject({ checksDue: 66, checksMissed: 58 });
  });

  it('refuses bad settings with 400 naming the field, other roles with 403, and keeps a community user to theirs', async () => {
    const bad = await app.call<{ errors: { field: string }[] }>(
      ANALYST,
      'GET',
      '/analyst/policy-preview?slots=07:00-10:00,09:00-11:00&feverThresholdC=hot&colour=red',
    );
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e) => e.field).sort()).toEqual([
      'query.colour',
      'query.feverThresholdC',
      'query.slots',
    ]);
    const badBody = await app.call<{ errors: { field: string }[] }>(
      ANALYST,
      'POST',
      '/analyst/policy-preview',
      { periodDays: 99 },
    );
    expect([badBody.status, badBody.json.errors.map((e) => e.field)]).toEqual([
      400,
      ['body.periodDays'],
    ]);
    expect(
      (
        await app.call(
          user('caller-moujia-1', 'caller', ['moujia']),
          'GET',
          '/analyst/policy-preview',
        )
      ).status,
    ).toBe(403);
    const moujiaAnalyst = user('analyst-moujia', 'analyst', ['moujia']);
    const unnamed = await app.call<{ errors: { field: string }[] }>(
      moujiaAnalyst,
      'GET',
      '/analyst/policy-preview',
    );
    expect([unnamed.status, unnamed.json.errors.map((e) => e.field)]).toEqual([
      400,
      ['query.community'],
    ]);
    expect(
      (await app.call(moujiaAnalyst, 'GET', '/analyst/policy-preview?community=zhangcun')).status,
    ).toBe(403);
    const own = await app.ok<PolicyPreview>(
      moujiaAnalyst,
      'GET',
      `/analyst/policy-preview?${QUERY}&community=moujia`,
    );
    expect(own.communities.map((c) => c.community)).toEqual(['moujia']);
    expect(totals(own.total.today)).toMatchObject({ cases: 2, checksDue: 34, checksMissed: 28 });
  });
});
