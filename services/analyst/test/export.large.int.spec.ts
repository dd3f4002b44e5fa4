import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteEventStore } from '@fangyi/eventstore';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { dropSchema, freshSchemaName, requireInfra } from '@fangyi/testkit';
import { buildView, dailyReportOf, reportDocs, rosterDocs } from '../src/views.ts';
import { fangyi } from './cli.ts';
import { appendGenerated } from './generatedHistory.ts';

/** Cases of ~32 events each: 2,500 make about 80,000 events (FANGYI_EXPORT_CASES for more). */
const CASES = Number(process.env.FANGYI_EXPORT_CASES ?? 2500);
const TZ = 'Asia/Shanghai';
const HEAP_MIB = 64;

describe('streamed export of a large generated history (PostgreSQL → NDJSON → a fresh SQLite store)', {
  timeout: 600_000,
}, () => {
  const url = requireInfra('postgres');
  const schema = freshSchemaName('fangyi_export');
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-export-'));
  let at = new Date();
  let source: PostgresEventStore;
  afterAll(async () => {
    await source?.close();
    await dropSchema(url, schema);
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports in memory that does not grow with the history, and the copy rebuilds identical read models', async () => {
    source = await PostgresEventStore.create({ connectionString: url, schema, clock: () => at });
    const started = Date.now();
    const total = await appendGenerated(source, (d) => (at = d), CASES);
    console.log(
      `export: generated ${total} events of ${CASES} cases in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const env = { EVENT_STORE_URL: url, FANGYI_SCHEMA: schema };

    // A tenth of the history (recorded before the 10th percent of its span), then all of it.
    const tenth = new Date(
      Date.parse('2020-01-20T00:00:00.000Z') + Math.floor(CASES / 10) * 60_000,
    ).toISOString();
    // The exporting process gets a JavaScript heap smaller than the history it writes: one that
    // held the history (as rows, objects or text) would run out of memory and fail. A small young
    // generation makes the collector keep up, so the peak shows what is held, not what awaits collection.
    const heap = [`--max-old-space-size=${HEAP_MIB}`, '--max-semi-space-size=1'];
    const small = await fangyi(
      ['export', '--to', tenth, '--out', join(dir, 'tenth.ndjson'), '--json'],
      env,
      heap,
    );
    expect(small.code, small.stderr).toBe(0);
    const whole = await fangyi(['export', '--out', join(dir, 'all.ndjson'), '--json'], env, heap);
    expect(whole.code, whole.stderr).toBe(0);
    const s = JSON.parse(small.stderr) as {
      events: number;
      bytes: number;
      seconds: number;
      peakRssMiB: number;
    };
    const w = JSON.parse(whole.stderr) as typeof s;
    console.log(
      `export: ${w.events} events, ${(w.bytes / 1048576).toFixed(1)} MiB in ${w.seconds.toFixed(1)} s (${Math.round(w.events / w.seconds)} events/s), peak RSS ${w.peakRssMiB} MiB; ` +
        `a tenth (${s.events} events, ${(s.bytes / 1048576).toFixed(1)} MiB): peak RSS ${s.peakRssMiB} MiB; ratio ${(w.peakRssMiB / s.peakRssMiB).toFixed(2)}`,
    );
    expect(w.events).toBe(total);
    expect(statSync(join(dir, 'all.ndjson')).size).toBe(w.bytes);
    expect(s.events).toBeGreaterThan(0);
    expect(s.events).toBeLessThan(total / 5);
    console.log(
      `export: heap limit ${HEAP_MIB} MiB; history ${(w.bytes / 1048576).toFixed(1)} MiB as NDJSON`,
    );
    expect(w.bytes / 1048576).toBeGreaterThan(HEAP_MIB / 2);
    // Ten times the history moves the peak by less than half the history's own size (the peak
    // wanders by some MiB with the machine's load; a history held in memory would move it by more
    // than its whole size, and the heap limit would stop it first).
    expect(w.peakRssMiB - s.peakRssMiB).toBeLessThan(w.bytes / 1048576 / 2);

    const copyDir = join(dir, 'copy');
    const imported = await fangyi(
      ['--data-dir', copyDir, 'import', join(dir, 'all.ndjson'), '--json'],
      { EVENT_STORE_URL: `sqlite:${join(dir, 'copy.db')}` },
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ events: total, streams: CASES });

    const copy = new SqliteEventStore({ path: join(dir, 'copy.db') });
    try {
      const [a, b] = await Promise.all([
        buildView(source, 'roster', { timeZone: TZ }),
        buildView(copy, 'roster', { timeZone: TZ }),
      ]);
      const roster = await rosterDocs(a.store);
      expect(roster).toHaveLength(CASES);
      expect(await rosterDocs(b.store)).toEqual(roster);
      const [ra, rb] = await Promise.all([
        buildView(source, 'report', { timeZone: TZ }),
        buildView(copy, 'report', { timeZone: TZ }),
      ]);
      expect(await reportDocs(rb.store)).toEqual(await reportDocs(ra.store));
      const report = await dailyReportOf(ra.store, '2020-01-25');
      expect(report.total.homeQuarantine.underQuarantine).toBeGreaterThan(0);
      expect(await dailyReportOf(rb.store, '2020-01-25')).toEqual(report);
      // The copy is the same history line for line: exported again, it is the same file.
      const again = await fangyi(['export', '--out', join(dir, 'again.ndjson')], {
        EVENT_STORE_URL: `sqlite:${join(dir, 'copy.db')}`,
      });
      expect(again.code, again.stderr).toBe(0);
      expect(
        readFileSync(join(dir, 'again.ndjson')).equals(readFileSync(join(dir, 'all.ndjson'))),
      ).toBe(true);
    } finally {
      await copy.close();
    }
  });
});
