/**
 * The roster as of any instant over a long history: a history of home quarantine (by default
 * 1,000,000 events) decided by the quarantine decider day by day and appended through the event
 * store port to PostgreSQL, each event stamped with the instant it was recorded (2 % of the checks
 * logged the next morning); then snapshots of the roster taken every N events (the build time),
 * and the roster page of one community as of random instants, both questions (`asOf`: what had
 * happened by then; `knownAt`: what was recorded by then), from the snapshots and without them:
 * p50 and p99 of each.
 *
 *   npm run bench:as-of                                   # 1,000,000 events
 *   FANGYI_BENCH_EVENTS=100000 npm run bench:as-of        # a quick run
 *   FANGYI_BENCH_SCHEMA=bench_asof_x npm run bench:as-of  # measure again on a history kept before (--keep)
 *
 * Env: FANGYI_BENCH_EVENTS, FANGYI_BENCH_QUERIES (200 from snapshots), FANGYI_BENCH_BARE_QUERIES
 * (replays without snapshots, 10), FANGYI_BENCH_EVERY (events between snapshots, 20,000),
 * FANGYI_BENCH_SCHEMA, FANGYI_BENCH_KEEP=1 (leave the schema for a later run),
 * FANGYI_BENCH_REUSE_SNAPSHOTS=1 (with FANGYI_BENCH_SCHEMA: measure on the snapshots kept there).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { currentVersionOf, uuidv7, type NewEvent, type QuarantineEvent } from '@fangyi/contracts';
import { PostgresSnapshots } from '@fangyi/eventstore/postgres';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { InMemoryProjectionStore, buildSnapshots } from '@fangyi/projections';
import { homeQuarantineDecider, nextCaseId, streamIdOf } from '@fangyi/quarantine';
import { DEFAULT_SLOT_WINDOWS, asOfView, rosterPage } from '@fangyi/roster';
import { addDays } from '@fangyi/service-kit';

type Command = Parameters<typeof homeQuarantineDecider.decide>[0];
type State = Parameters<typeof homeQuarantineDecider.decide>[1];

const EVENTS = Number(process.env.FANGYI_BENCH_EVENTS ?? 1_000_000);
const QUERIES = Number(process.env.FANGYI_BENCH_QUERIES ?? 200);
const BARE_QUERIES = Number(process.env.FANGYI_BENCH_BARE_QUERIES ?? 10);
const EVERY = Number(process.env.FANGYI_BENCH_EVERY ?? 20_000);
const KEEP = process.env.FANGYI_BENCH_KEEP === '1';
const COMMUNITIES = 20;
const CALLERS_PER_COMMUNITY = 20;
const TZ = 'Asia/Shanghai';
const START = '2020-02-01';
// A case makes about 29.5 events (its start, 28 checks, an escalation now and then).
const CASES = Math.max(20, Math.round(EVENTS / 29.5));
const STARTS_PER_DAY = Math.max(1, Math.ceil(CASES / 60));

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/fangyi_test';
const given = process.env.FANGYI_BENCH_SCHEMA;
const schema = given ?? `bench_asof_${randomUUID().slice(0, 8)}`;
const say = (line: string) => console.log(line);
const fmt = (n: number) => Math.round(n).toLocaleString('en');

const community = (i: number) => `community-${String(i % COMMUNITIES).padStart(2, '0')}`;
const callerOf = (i: number) =>
  `caller-${community(i)}-${Math.floor(i / COMMUNITIES) % CALLERS_PER_COMMUNITY}`;
const callers = new Map(
  Array.from({ length: COMMUNITIES }, (_, c) => [
    community(c),
    Array.from({ length: CALLERS_PER_COMMUNITY }, (_, k) => `caller-${community(c)}-${k}`),
  ]),
);
/** An instant in Shanghai on a business date, `minutes` after midnight. */
const at = (date: string, minutes: number) =>
  new Date(Date.parse(`${date}T00:00:00.000+08:00`) + minutes * 60_000);

let clockNow = new Date(0);
const eventStore = await PostgresEventStore.create({
  connectionString: databaseUrl,
  schema,
  clock: () => clockNow,
  appendConcurrency: 4,
});
const snapshots = await PostgresSnapshots.create({ connectionString: databaseUrl, schema });
const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();
const count = async () =>
  Number((await db.query(`SELECT count(*) AS n FROM "${schema}".events`)).rows[0].n);

interface Case {
  readonly i: number;
  readonly caseId: string;
  readonly streamId: string;
  readonly startDate: string;
  state: State;
  revision: number | 'no-stream';
}

/** One step of the simulation: commands for distinct cases, recorded one after the other within an hour from `from`. */
async function step(
  work: { c: Case; command: Command; occurredAt?: Date }[],
  from: Date,
): Promise<number> {
  let appended = 0;
  const gap = Math.max(1, Math.floor(3_600_000 / Math.max(1, work.length)));
  const inFlight = new Set<Promise<void>>();
  for (let k = 0; k < work.length; k++) {
    const { c, command, occurredAt } = work[k]!;
    const recordedAt = new Date(from.getTime() + k * gap);
    let decided: QuarantineEvent[];
    try {
      decided = homeQuarantineDecider.decide(command, c.state) as QuarantineEvent[];
    } catch {
      continue;
    }
    const events: NewEvent[] = decided.map((e) => ({
      id: uuidv7(recordedAt.getTime()),
      type: e.type,
      schemaVersion: currentVersionOf(e.type),
      occurredAt: (occurredAt ?? recordedAt).toISOString(),
      actor: { id: callerOf(c.i), role: 'caller' },
      correlationId: c.caseId,
      causationId: null,
      data: e.data,
    }));
    for (const e of decided) c.state = homeQuarantineDecider.evolve(c.state, e as never);
    const expected = c.revision;
    c.revision = (expected === 'no-stream' ? -1 : expected) + events.length;
    // The store stamps recordedAt from its clock when append is called, before it awaits anything.
    clockNow = recordedAt;
    const p = eventStore.append(c.streamId, events, { expectedRevision: expected }).then(() => {
      inFlight.delete(p);
    });
    inFlight.add(p);
    appended += events.length;
    if (inFlight.size >= 32) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return appended;
}

function checkCommand(
  c: Case,
  date: string,
  slot: 'am' | 'pm',
  loggedOn: string,
  loggedAtMinutes: number,
): Command {
  const abnormal = (c.i * 7 + date.charCodeAt(9) + (slot === 'am' ? 0 : 1)) % 41 === 0;
  return {
    type: 'LogSymptomCheck',
    data: {
      caseId: c.caseId,
      checkId: uuidv7(),
      escalationId: uuidv7(),
      date,
      slot,
      temperatureC: abnormal ? 38.1 : 36.5,
      symptoms: [],
      reachedVia: 'phone',
      correction: false,
      feverThresholdC: 37.3,
      today: loggedOn,
      checkedAtLocal: { date: loggedOn, minutes: loggedAtMinutes },
      window: { opens: DEFAULT_SLOT_WINDOWS[slot].opens, earlyMinutes: 30 },
    },
  } as Command;
}

async function generate(): Promise<void> {
  const cases: Case[] = [];
  let appended = 0;
  let late: { c: Case; date: string; slot: 'am' | 'pm'; occurredAt: Date }[] = [];
  const started = performance.now();
  const progress = setInterval(
    () =>
      process.stderr.write(`\rhistory: ${fmt(appended)} events, ${fmt(cases.length)} cases\x1b[K`),
    2000,
  );
  for (let day = 0; appended < EVENTS || late.length > 0; day++) {
    const date = addDays(START, day);
    // 09:00 the day's new cases, while there are events to make.
    const starts: { c: Case; command: Command }[] = [];
    for (let k = 0; k < STARTS_PER_DAY && appended < EVENTS && cases.length < CASES * 2; k++) {
      const i = cases.length;
      const personId = `person-${i}`;
      const caseId = nextCaseId(personId, 0);
      const c: Case = {
        i,
        caseId,
        streamId: streamIdOf(caseId),
        startDate: date,
        state: homeQuarantineDecider.initialState(),
        revision: 'no-stream',
      };
      cases.push(c);
      starts.push({
        c,
        command: {
          type: 'StartHomeQuarantine',
          data: {
            caseId,
            personId,
            personName: `居民${i}`,
            community: community(i),
            startDate: date,
            periodDays: 14,
            reason: 'close-contact',
            assignedCaller: callerOf(i),
            facts: {
              person: { community: community(i), status: 'living' },
              activeCaseId: null,
              callers,
            },
          },
        } as Command,
      });
    }
    appended += await step(starts, at(date, 9 * 60));
    const active = cases.filter((c) => c.startDate <= date && addDays(c.startDate, 13) >= date);
    // 10:00 the morning checks, 11:00 yesterday's checks entered late, 15:00 the afternoon ones.
    const todayLate: typeof late = [];
    for (const [slot, hour] of [
      ['am', 10],
      ['pm', 15],
    ] as const) {
      if (slot === 'pm') {
        appended += await step(
          late.map((l) => ({
            c: l.c,
            command: checkCommand(l.c, l.date, l.slot, date, 11 * 60),
            occurredAt: l.occurredAt,
          })),
          at(date, 11 * 60),
        );
        late = [];
      }
      const now: { c: Case; command: Command }[] = [];
      for (const c of active) {
        const minutes = hour * 60 + (c.i % 60);
        // 2 % of the checks are made on time but entered the next morning.
        if ((c.i + day * 3 + (slot === 'pm' ? 1 : 0)) % 50 === 0)
          todayLate.push({ c, date, slot, occurredAt: at(date, minutes) });
        else now.push({ c, command: checkCommand(c, date, slot, date, minutes) });
      }
      appended += await step(now, at(date, hour * 60));
    }
    late = todayLate;
    if (appended >= EVENTS && late.length === 0) break;
  }
  clearInterval(progress);
  process.stderr.write('\n');
  say(
    `history: ${fmt(await count())} events for ${fmt(cases.length)} cases in ${COMMUNITIES} communities, decided and appended to PostgreSQL in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const ANALYST = {
  id: 'analyst-bench',
  name: 'analyst',
  role: 'analyst' as const,
  communities: ['*'],
};

try {
  if (!given) await generate();
  // Statistics as autovacuum would keep them on a live table (a history loaded at once has none yet):
  // the planner's choice of index for a cut depends on them.
  await db.query(`ANALYZE "${schema}".events`);
  const total = await count();
  if (total === 0) throw new Error(`no history in schema ${schema}`);
  const span = (
    await db.query(
      `SELECT min(recorded_at_ts) AS lo, max(recorded_at_ts) AS hi FROM "${schema}".events`,
    )
  ).rows[0] as { lo: Date; hi: Date };
  say(
    `history: ${fmt(total)} events recorded from ${span.lo.toISOString()} to ${span.hi.toISOString()}`,
  );

  // Snapshots of the roster every EVERY events (the first run takes them all; a later one only what is new).
  const view = asOfView('roster', TZ);
  if (process.env.FANGYI_BENCH_REUSE_SNAPSHOTS === '1') {
    say(
      `snapshots: the ${(await snapshots.list(view.view)).length} kept in ${schema} (FANGYI_BENCH_REUSE_SNAPSHOTS=1)`,
    );
  } else {
    await snapshots.clear(view.view);
    const t = performance.now();
    const built = await buildSnapshots({
      ...view,
      eventStore,
      snapshots,
      every: EVERY,
      onProgress: (p) =>
        process.stderr.write(`\rsnapshots: ${fmt(p.events)} events, ${p.taken} taken\x1b[K`),
    });
    process.stderr.write('\n');
    const buildSeconds = (performance.now() - t) / 1000;
    const bytes = built.taken.reduce((n, s) => n + s.bytes, 0);
    const largest = Math.max(...built.taken.map((s) => s.bytes));
    say(
      `snapshots: ${built.taken.length} of the roster (every ${fmt(EVERY)} events) built in ${buildSeconds.toFixed(1)} s over ${fmt(built.events)} events = ${fmt(built.events / buildSeconds)} events/s; ${(bytes / 2 ** 20).toFixed(0)} MiB stored (gzip), the largest ${(largest / 2 ** 20).toFixed(1)} MiB; peak RSS ${((process.resourceUsage().maxRSS * 1024) / 2 ** 20).toFixed(0)} MB`,
    );
  }

  const deps = (withSnapshots: boolean) => ({
    store: new InMemoryProjectionStore(),
    clock: () => new Date(),
    timeZone: TZ,
    slotWindows: DEFAULT_SLOT_WINDOWS,
    eventStore,
    snapshots: withSnapshots ? snapshots : null,
  });
  // Instants over the whole history, the same sequence for each measure.
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const instants = (n: number) =>
    Array.from({ length: n }, () =>
      new Date(
        span.lo.getTime() + random() * (span.hi.getTime() - span.lo.getTime()),
      ).toISOString(),
    );
  const measure = async (
    label: string,
    withSnapshots: boolean,
    key: 'asOf' | 'knownAt',
    n: number,
  ) => {
    if (n === 0) return;
    const ms: number[] = [];
    let people = 0;
    for (const instant of instants(n)) {
      const s = performance.now();
      const page = await rosterPage(
        deps(withSnapshots),
        { [key]: instant, community: community(ms.length), limit: 50 },
        ANALYST,
      );
      ms.push(performance.now() - s);
      people += page.entries.length;
    }
    ms.sort((a, b) => a - b);
    say(
      `as-of roster, ${label}, ?${key}= (one community's first page of 50; ${n} random instants, ${fmt(people / n)} people a page on average): p50 ${quantile(ms, 0.5).toFixed(0)} ms, p99 ${quantile(ms, 0.99).toFixed(0)} ms, max ${ms.at(-1)!.toFixed(0)} ms`,
    );
  };
  await measure('from snapshots', true, 'knownAt', QUERIES);
  await measure('from snapshots', true, 'asOf', QUERIES);
  await measure('without snapshots (replay from the start)', false, 'knownAt', BARE_QUERIES);
  await measure('without snapshots (replay from the start)', false, 'asOf', BARE_QUERIES);
  say(
    `machine: load average ${(await import('node:os'))
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} (1/5/15 min) at the end`,
  );
} finally {
  if (!KEEP && !given) await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  else say(`kept: FANGYI_BENCH_SCHEMA=${schema}`);
  await db.end();
  await snapshots.close();
  await eventStore.close();
}
