#!/usr/bin/env node
/**
 * fangyi: the analysts' command line. One tool for the history: export and import it, follow one
 * person, ask the daily report as of an instant, rebuild a view, and list or replay dead letters.
 * Works on the embedded data directory (.data/fangyi.db) or the distributed mode (EVENT_STORE_URL,
 * REDIS_URL, KAFKA_BROKERS). `npm run fangyi -- --help`.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import {
  openEventStore,
  openSnapshots,
  type EventStore,
  type SnapshotStore,
} from '@fangyi/eventstore';
import {
  InMemoryProjectionStore,
  RedisProjectionStore,
  buildSnapshots,
  rebuildFromEventStore,
  type Cut,
  type ProjectionStore,
} from '@fangyi/projections';
import {
  DEFAULT_SLOT_WINDOWS,
  REPORT,
  ROSTER_COLLECTION,
  asOfView,
  parseSlotWindows,
  rosterPage,
  worklistPage,
} from '@fangyi/roster';
import {
  DEFAULT_TIME_ZONE,
  businessDate,
  loadDistrict,
  localTime,
  type User,
} from '@fangyi/service-kit';
import { exportLines, filterOf } from '../export.ts';
import { importClock, importNdjson } from '../import.ts';
import { personTimeline, type Timeline } from '../timeline.ts';
import { VIEWS, buildView, dailyReportOf, projectionOf, type ViewName } from '../views.ts';
import { table } from './table.ts';
import { addPreviewPolicyCommand } from './previewPolicy.ts';
import { reporterLookupFor } from './reporters.ts';

/** A mistake in how the tool was called: exit code 2, the message on stderr. */
class UsageError extends Error {}

interface Globals {
  eventStore?: string;
  dataDir: string;
  schema: string;
  timeZone: string;
  json: boolean;
}

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);
const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];
const instant = (name: string) => (value: string) => {
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ||
    Number.isNaN(Date.parse(value))
  ) {
    throw new InvalidArgumentError(
      `${name} must be an instant with its offset, e.g. 2020-02-10T08:00:00+08:00`,
    );
  }
  return new Date(value).toISOString();
};
const peakRssMiB = () => (process.resourceUsage().maxRSS / 1024).toFixed(1);

const program = new Command('fangyi')
  .description(
    "防疫 Fangyi for analysts: the event history, one person's timeline, the daily report as of an instant, rebuilt views, dead letters.",
  )
  .addOption(
    new Option(
      '--event-store <url>',
      'postgres://…, sqlite:FILE or kurrentdb://… (kurrent://, esdb://)',
    ).env('EVENT_STORE_URL'),
  )
  .addOption(
    new Option(
      '--data-dir <dir>',
      'the embedded data directory, used when no event store URL is given',
    )
      .env('FANGYI_DATA_DIR')
      .default('.data'),
  )
  .addOption(
    new Option('--schema <name>', 'PostgreSQL schema of the event store')
      .env('FANGYI_SCHEMA')
      .default('fangyi'),
  )
  .addOption(
    new Option('--time-zone <tz>', "the district's time zone (business dates, local times)")
      .env('FANGYI_TIME_ZONE')
      .default(DEFAULT_TIME_ZONE),
  )
  .option('--json', 'print JSON for scripts instead of tables', false)
  .showHelpAfterError()
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .addHelpText(
    'after',
    `
Where: the embedded data directory (.data/fangyi.db, as \`npm start\` leaves it) unless EVENT_STORE_URL
or --event-store names another store; rebuild --into-redis uses REDIS_URL; dead-letters uses KAFKA_BROKERS.

Examples:
  npm run fangyi -- timeline 0190f3a2-…                       one person's story, in order
  npm run fangyi -- as-of report 2020-02-10T08:00:00+08:00    what the daily report said then
  npm run fangyi -- export --community moujia --from 2020-02-01T00:00:00+08:00 > moujia.ndjson
  npm run fangyi -- import moujia.ndjson --event-store sqlite:/tmp/copy.db
  npm run fangyi -- rebuild roster
  npm run fangyi -- dead-letters list`,
  );

const globals = () => program.opts<Globals>();

/** The URL of the store the command works on: --event-store / EVENT_STORE_URL, else the data directory's file. */
function storeUrl(options: { forImport?: boolean } = {}): string {
  const g = globals();
  if (g.eventStore) return g.eventStore;
  const file = resolve(join(g.dataDir, 'fangyi.db'));
  if (!existsSync(file) && !options.forImport)
    throw new UsageError(
      `no event store at ${file}: start Fangyi once (npm start), or give --event-store / EVENT_STORE_URL`,
    );
  return `sqlite:${file}`;
}

/** The snapshots beside that store; null where it keeps none (EventStoreDB). */
function openSnapshotsOf(): Promise<SnapshotStore | null> {
  return openSnapshots(storeUrl(), { schema: globals().schema });
}

async function openStore(
  options: { forImport?: ReturnType<typeof importClock> } = {},
): Promise<EventStore> {
  const url = storeUrl({ forImport: Boolean(options.forImport) });
  return openEventStore(url, {
    schema: globals().schema,
    ...(options.forImport ? { clock: options.forImport.clock } : {}),
  });
}

async function withStore<T>(
  run: (store: EventStore) => Promise<T>,
  options: { forImport?: ReturnType<typeof importClock> } = {},
): Promise<T> {
  const store = await openStore(options);
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

async function write(stream: Writable, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

program
  .command('export')
  .description(
    'the history as NDJSON (one envelope a line, in log order, as recorded), streamed in constant memory',
  )
  .option('--stream <ids>', 'only these streams (comma list, repeatable)', list)
  .option(
    '--stream-prefix <prefixes>',
    'only streams starting with these, e.g. homeQuarantine-',
    list,
  )
  .option('--type <types>', 'only these event types, e.g. quarantine.symptom-check-logged', list)
  .option('--community <id>', 'every event of the streams of one community')
  .option('--from <instant>', 'recorded at or after', instant('--from'))
  .option('--to <instant>', 'recorded before', instant('--to'))
  .option('-o, --out <file>', 'write to a file instead of standard output')
  .action(
    async (o: {
      stream?: string[];
      streamPrefix?: string[];
      type?: string[];
      community?: string;
      from?: string;
      to?: string;
      out?: string;
    }) => {
      if (o.from && o.to && o.from >= o.to) throw new UsageError('--to must be after --from');
      const started = Date.now();
      await withStore(async (store) => {
        const sink: Writable = o.out ? createWriteStream(o.out) : process.stdout;
        let bytes = 0;
        let events = 0;
        const filter = filterOf({
          ...(o.stream ? { streams: o.stream } : {}),
          ...(o.streamPrefix ? { streamPrefixes: o.streamPrefix } : {}),
          ...(o.type ? { types: o.type } : {}),
          ...(o.community ? { community: o.community } : {}),
          ...(o.from ? { from: o.from } : {}),
          ...(o.to ? { to: o.to } : {}),
        });
        for await (const chunk of exportLines(store, filter)) {
          bytes += Buffer.byteLength(chunk);
          for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) events++;
          await write(sink, chunk);
        }
        if (o.out) {
          sink.end();
          await once(sink, 'finish');
        }
        const summary = {
          events,
          bytes,
          seconds: (Date.now() - started) / 1000,
          peakRssMiB: Number(peakRssMiB()),
        };
        // The lines go to stdout; the summary to stderr, so a pipe gets only the history.
        err(
          globals().json
            ? JSON.stringify(summary)
            : `exported ${events} events (${(bytes / 1048576).toFixed(1)} MiB) in ${summary.seconds.toFixed(1)} s; peak RSS ${summary.peakRssMiB} MiB`,
        );
      });
    },
  );

program
  .command('import')
  .description(
    'append an exported NDJSON history (.ndjson or .ndjson.gz, - for standard input) to a store, keeping ids, revisions, versions and both instants',
  )
  .argument('<file>', 'the file, or - for standard input')
  .action(async (file: string) => {
    const clock = importClock();
    const started = Date.now();
    await withStore(
      async (store) => {
        let input: Readable = file === '-' ? process.stdin : createReadStream(file);
        if (file.endsWith('.gz')) input = input.pipe(createGunzip());
        const result = await importNdjson(input, store, clock);
        // The imported events keep their recordedAt, in the past of the log's end: a snapshot taken
        // before them would leave them out of the cuts it serves, so none is kept.
        const snapshots = await openSnapshotsOf();
        if (snapshots) await snapshots.clear().finally(() => snapshots.close());
        const summary = { ...result, seconds: (Date.now() - started) / 1000 };
        out(
          globals().json
            ? JSON.stringify(summary)
            : `imported ${result.events} events of ${result.streams} streams in ${summary.seconds.toFixed(1)} s`,
        );
      },
      { forImport: clock },
    );
  });

/** A timeline as a table (local times, `← #n` for the cause), or JSON. */
function printTimeline(t: Timeline & { asOf?: string; knownAt?: string }): void {
  if (globals().json) return void out(JSON.stringify(t, null, 2));
  const tz = globals().timeZone;
  const local = (iso: string) => {
    const l = localTime(new Date(iso), tz);
    return `${l.date} ${String(Math.floor(l.minutes / 60)).padStart(2, '0')}:${String(l.minutes % 60).padStart(2, '0')}`;
  };
  const index = new Map(t.entries.map((e, i) => [e.eventId, i + 1]));
  const cut = t.knownAt ? `，截至 ${t.knownAt} 所知` : t.asOf ? `，截至 ${t.asOf} 发生` : '';
  out(`${t.name ?? t.personId}（${t.community}）: ${t.entries.length} 条记录${cut}\n`);
  out(
    table(
      ['#', '发生于', '记录于', '操作人', '摘要', '起因'],
      t.entries.map((e, i) => [
        String(i + 1),
        local(e.occurredAt),
        local(e.recordedAt),
        `${e.actor.id} (${e.actor.role})`,
        e.summary,
        e.causedBy ? `← #${index.get(e.causedBy)}` : '',
      ]),
    ),
  );
}

program
  .command('timeline')
  .description(
    'every event about one person across residents, quarantine, checkpoints and complaints, in the order it happened',
  )
  .argument('<personId>')
  .action(async (personId: string) => {
    await withStore(async (store) => {
      const g = globals();
      // The embedded data directory's key files, or the keys in the environment: complaints the person reported.
      const reporters = await reporterLookupFor({
        storeUrl: g.eventStore || `sqlite:${resolve(join(g.dataDir, 'fangyi.db'))}`,
        schema: g.schema,
        dataDir: g.eventStore ? null : g.dataDir,
      });
      const t = await personTimeline(store, personId, reporters.lookup).finally(reporters.close);
      if (!t) throw new UsageError(`no person ${personId} in this event store`);
      printTimeline(t);
    });
  });

const asOf = program
  .command('as-of')
  .description(
    'a view as it stood at an instant: what had happened by then (a check logged later included), or with --known-at what was recorded by then',
  )
  .addHelpText(
    'after',
    `
Two questions: by default, what was true at <instant> (events that happened by then, however late they
were recorded); with --known-at, what the system knew at <instant> (events recorded by then). Both
replay from the nearest snapshot that may serve the instant (\`fangyi snapshots build <view>\`).`,
  );

interface CutOptions {
  knownAt?: boolean;
}

/** The cut of an as-of command: the instant as asOf, or as knownAt with --known-at; never the future. */
function cutFrom(at: string, o: CutOptions): Cut {
  if (Date.parse(at) > Date.now())
    throw new UsageError(`${at} is in the future: nothing is known of it yet`);
  return o.knownAt ? { knownAt: new Date(at) } : { asOf: new Date(at) };
}
const cutName = (o: CutOptions) => (o.knownAt ? 'knownAt' : 'asOf');
const knownAtOption = () =>
  new Option(
    '--known-at',
    'what was known at the instant (events recorded by then) instead of what had happened by then',
  );

/** The roster API's deps on this store, the clock real (a future instant was refused before). */
async function rosterDeps(store: EventStore) {
  const g = globals();
  return {
    store: new InMemoryProjectionStore(),
    clock: () => new Date(),
    timeZone: g.timeZone,
    slotWindows: process.env.FANGYI_SLOT_WINDOWS
      ? parseSlotWindows(process.env.FANGYI_SLOT_WINDOWS)
      : DEFAULT_SLOT_WINDOWS,
    eventStore: store,
    snapshots: await openSnapshotsOf(),
  };
}
/** The command line reads every community, as an analyst of the whole district. */
const ANALYST: User = { id: 'fangyi-cli', name: 'fangyi', role: 'analyst', communities: ['*'] };
const hhmm = (iso: string | null) => {
  if (!iso) return '';
  const l = localTime(new Date(iso), globals().timeZone);
  return `${String(Math.floor(l.minutes / 60)).padStart(2, '0')}:${String(l.minutes % 60).padStart(2, '0')}`;
};
const positiveInt = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError(`${name} must be a whole number ≥ 1`);
  return Number(value);
};
const dateOption = () =>
  new Option('--date <date>', 'the business date (default: the date of the instant)').argParser(
    (v) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v))
        throw new InvalidArgumentError('--date must be YYYY-MM-DD');
      return v;
    },
  );

type PageOptions = CutOptions & {
  date?: string;
  community?: string;
  caller?: string;
  limit: number;
  cursor?: string;
};
type RosterDeps = Awaited<ReturnType<typeof rosterDeps>>;

/**
 * The roster and the worklist as of an instant: the same options and the same page query (the
 * route's, through rosterPage or worklistPage), each printed as its own table.
 */
function asOfPageCommand<Page extends { next: string | null }>(
  name: string,
  description: string,
  example: string,
  load: (deps: RosterDeps, query: Record<string, string | number>) => Promise<Page>,
  print: (page: Page, cut: Cut, at: string) => void,
): void {
  asOf
    .command(name)
    .description(description)
    .argument('<instant>', `e.g. ${example}`, instant('<instant>'))
    .addOption(knownAtOption())
    .addOption(dateOption())
    .option('--community <id>', 'only this community')
    .option('--caller <id>', "only this caller's people")
    .option('--limit <n>', 'people per page (at most 200)', positiveInt('--limit'), 200)
    .option('--cursor <next>', 'the next page (the `next` a previous answer gave)')
    .action(async (at: string, o: PageOptions) => {
      const cut = cutFrom(at, o);
      await withStore(async (store) => {
        const deps = await rosterDeps(store);
        try {
          const page = await load(deps, {
            [cutName(o)]: at,
            limit: Math.min(o.limit, 200),
            ...(o.date ? { date: o.date } : {}),
            ...(o.community ? { community: o.community } : {}),
            ...(o.caller ? { caller: o.caller } : {}),
            ...(o.cursor ? { cursor: o.cursor } : {}),
          });
          if (globals().json) return void out(JSON.stringify(page, null, 2));
          print(page, cut, at);
          if (page.next) out(`\n下一页: --cursor ${page.next}`);
        } finally {
          await deps.snapshots?.close();
        }
      });
    });
}

asOfPageCommand(
  'roster',
  'the home quarantine roster as of <instant>: who was under quarantine and where each check stood then',
  '2020-02-10T08:00:00+08:00',
  (deps, query) => rosterPage(deps, query, ANALYST),
  (page, cut, at) => {
    out(
      `居家隔离名单 ${page.date}，${cut.knownAt ? '截至该时刻所知' : '该时刻实况'} ${at}：${page.entries.length} 人\n`,
    );
    const slot = (s: { status: string; temperatureC?: number | null }) =>
      `${s.status}${s.temperatureC ? ` ${s.temperatureC}` : ''}`;
    out(
      table(
        ['社区', '姓名', '随访员', '第几天', '上午', '下午', '最近体温', '未处理预警'],
        page.entries.map((e) => [
          e.community,
          e.personName,
          e.assignedCaller,
          `${e.day}/${e.periodDays}`,
          slot(e.am as never),
          slot(e.pm as never),
          e.lastTemperatureC === null ? '' : String(e.lastTemperatureC),
          String(e.openEscalations.length),
        ]),
      ),
    );
  },
);

asOfPageCommand(
  'worklist',
  "a caller's (or a community's) worklist as of <instant>: who needed calling then, most urgent first",
  '2020-02-10T10:00:00+08:00',
  (deps, query) => worklistPage(deps, query, ANALYST),
  (page, cut, at) => {
    out(
      `随访名单 ${page.date}，${cut.knownAt ? '截至该时刻所知' : '该时刻实况'} ${at}：${page.entries.length} 人\n`,
    );
    out(
      table(
        [
          '紧急程度',
          '社区',
          '姓名',
          '随访员',
          '第几天',
          '截止',
          '上午',
          '下午',
          '最近体温',
          '趋势',
        ],
        page.entries.map((e) => [
          e.urgency,
          e.community,
          e.personName,
          e.assignedCaller,
          `${e.day}/${e.periodDays}`,
          hhmm(e.dueBy),
          e.am.state,
          e.pm.state,
          e.lastTemperatureC === null ? '' : String(e.lastTemperatureC),
          e.trend ?? '',
        ]),
      ),
    );
  },
);

asOf
  .command('report')
  .description('the daily report as of <instant>')
  .argument('<instant>', 'e.g. 2020-02-10T08:00:00+08:00', instant('<instant>'))
  .addOption(knownAtOption())
  .option('--date <date>', 'the business date reported on (default: the date of the instant)')
  .option('--community <id>', 'only this community')
  .action(async (at: string, o: CutOptions & { date?: string; community?: string }) => {
    const cut = cutFrom(at, o);
    if (o.date && !/^\d{4}-\d{2}-\d{2}$/.test(o.date))
      throw new UsageError('--date must be YYYY-MM-DD');
    const tz = globals().timeZone;
    const date = o.date ?? businessDate(new Date(at), tz);
    await withStore(async (store) => {
      const snapshots = await openSnapshotsOf();
      let view: ProjectionStore;
      try {
        view = (await buildView(store, 'report', { timeZone: tz, cut, snapshots })).store;
      } finally {
        await snapshots?.close();
      }
      // The district file (FANGYI_CONFIG): its districts, risk areas and check windows.
      const district = loadDistrict(process.env, (message) => process.stderr.write(`${message}\n`));
      const report = await dailyReportOf(view, date, (c) => !o.community || c === o.community, {
        timeZone: tz,
        slotWindows: district.slotWindows,
        district,
      });
      if (globals().json) return void out(JSON.stringify({ ...report, [cutName(o)]: at }, null, 2));
      out(`每日报表 ${date}，${cut.knownAt ? '截至该时刻所知' : '该时刻实况'} ${at}\n`);
      const rows = [...report.communities, { community: '合计', ...report.total }];
      out(
        table(
          [
            '社区',
            '住户',
            '登记人员',
            '外地',
            '风险地区',
            '居家隔离',
            '应查',
            '已查',
            '漏报',
            '异常',
            '卡口进',
            '卡口出',
            '劝返',
            '投诉',
          ],
          rows.map((r) => [
            r.community,
            String(r.households.total),
            String(r.people.registered),
            String(r.people.outside),
            String(r.people.outsideFromRiskAreas),
            String(r.homeQuarantine.underQuarantine),
            String(r.homeQuarantine.checksDueOnDate),
            String(r.homeQuarantine.checksDoneOnDate),
            String(r.homeQuarantine.missedOnDate),
            String(r.homeQuarantine.escalationsRaisedOnDate),
            String(r.checkpoints.entries),
            String(r.checkpoints.exits),
            String(r.checkpoints.refusals),
            String(r.complaints.filedOnDate),
          ]),
        ),
      );
    });
  });

asOf
  .command('timeline')
  .description(
    "one person's timeline as of <instant>: only what had happened by then (or, with --known-at, what was recorded by then)",
  )
  .argument('<instant>', 'e.g. 2020-02-10T08:00:00+08:00', instant('<instant>'))
  .requiredOption('--person <id>', 'the person')
  .addOption(knownAtOption())
  .action(async (at: string, o: CutOptions & { person: string }) => {
    const cut = cutFrom(at, o);
    const g = globals();
    await withStore(async (store) => {
      const reporters = await reporterLookupFor({
        storeUrl: g.eventStore || `sqlite:${resolve(join(g.dataDir, 'fangyi.db'))}`,
        schema: g.schema,
        dataDir: g.eventStore ? null : g.dataDir,
      });
      const t = await personTimeline(store, o.person, { ...reporters.lookup, cut }).finally(
        reporters.close,
      );
      if (!t)
        throw new UsageError(
          `no person ${o.person} in this event store ${o.knownAt ? 'known' : 'registered'} by ${at}`,
        );
      printTimeline({ ...t, [cutName(o)]: at });
    });
  });

const snapshotsCommand = program
  .command('snapshots')
  .description(
    'snapshots of the roster and the report kept beside the events, from which as-of answers replay',
  )
  .addHelpText(
    'after',
    `
A snapshot holds exactly the events recorded by its instant W (the log up to a position P, no later
event recorded earlier). It serves a knownAt question at K ≥ W, and an asOf question at T when nothing
in it happened after T; the answer then replays only the events after P inside the cut.`,
  );
snapshotsCommand
  .command('build')
  .description(
    'take snapshots of a view about every N events of the log, from the latest one kept to the end',
  )
  .argument('<view>', VIEWS.join(' | '))
  .option('--every <n>', 'events of the log between two snapshots', positiveInt('--every'), 50_000)
  .action(async (view: string, o: { every: number }) => {
    const name = viewNamed(view);
    const started = Date.now();
    await withStore(async (store) => {
      const snapshots = await openSnapshotsOf();
      if (!snapshots)
        throw new UsageError(
          'this event store keeps no snapshots (EventStoreDB): as-of answers replay the log',
        );
      try {
        const r = await buildSnapshots({
          ...asOfView(name, globals().timeZone),
          eventStore: store,
          snapshots,
          every: o.every,
        });
        const summary = {
          view: name,
          events: r.events,
          from: r.from?.recordedUpTo ?? null,
          taken: r.taken.length,
          seconds: (Date.now() - started) / 1000,
          bytes: r.taken.reduce((n, s) => n + s.bytes, 0),
        };
        out(
          globals().json
            ? JSON.stringify(summary)
            : `${name}: ${r.taken.length} snapshots taken over ${r.events} events${summary.from ? ` (from the one of ${summary.from})` : ''} in ${summary.seconds.toFixed(1)} s, ${(summary.bytes / 1048576).toFixed(1)} MiB`,
        );
      } finally {
        await snapshots.close();
      }
    });
  });
snapshotsCommand
  .command('list')
  .description('the snapshots kept of a view')
  .argument('<view>', VIEWS.join(' | '))
  .action(async (view: string) => {
    const name = viewNamed(view);
    const snapshots = await openSnapshotsOf();
    try {
      const list = snapshots ? await snapshots.list(asOfView(name, globals().timeZone).view) : [];
      if (globals().json) return void out(JSON.stringify(list, null, 2));
      out(
        table(
          ['recordedUpTo', 'occurredUpTo', 'events', 'MiB', 'takenAt'],
          list.map((s) => [
            s.recordedUpTo,
            s.occurredUpTo ?? '',
            String(s.events),
            (s.bytes / 1048576).toFixed(1),
            s.takenAt,
          ]),
        ),
      );
    } finally {
      await snapshots?.close();
    }
  });
snapshotsCommand
  .command('clear')
  .description('delete the snapshots of a view, or of every view')
  .argument('[view]', VIEWS.join(' | '))
  .action(async (view: string | undefined) => {
    const snapshots = await openSnapshotsOf();
    try {
      const n = snapshots
        ? await snapshots.clear(
            view === undefined ? undefined : asOfView(viewNamed(view), globals().timeZone).view,
          )
        : 0;
      out(globals().json ? JSON.stringify({ deleted: n }) : `deleted ${n} snapshots`);
    } finally {
      await snapshots?.close();
    }
  });

function viewNamed(view: string): ViewName {
  if (!(VIEWS as readonly string[]).includes(view))
    throw new UsageError(`unknown view ${view}: one of ${VIEWS.join(', ')}`);
  return view as ViewName;
}

/** The worker's namespaces (FANGYI_ROSTER_NAMESPACE, FANGYI_REPORT_NAMESPACE), where a rebuild into Redis goes by default. */
const WORKER_NAMESPACES: Record<ViewName, string> = {
  roster: process.env.FANGYI_ROSTER_NAMESPACE ?? 'fangyi:roster',
  report: process.env.FANGYI_REPORT_NAMESPACE ?? 'fangyi:report:v2',
};

program
  .command('rebuild')
  .description(
    `replay the whole event store into a view (${VIEWS.join(', ')}): in memory to check it, or into Redis while the live one keeps serving (a fresh generation, switched in at once, then caught up)`,
  )
  .argument('<view>', VIEWS.join(' | '))
  .option(
    '--into-redis',
    'rebuild the Redis read model at REDIS_URL; the worker and the roster API keep running',
  )
  .option(
    '--namespace <ns>',
    "the Redis namespace (default: the worker's, fangyi:roster or fangyi:report:v2)",
  )
  .action(async (view: string, o: { intoRedis?: boolean; namespace?: string }) => {
    if (!(VIEWS as readonly string[]).includes(view))
      throw new UsageError(`unknown view ${view}: one of ${VIEWS.join(', ')}`);
    const name = view as ViewName;
    const projection = projectionOf(name, globals().timeZone);
    let redis: Redis | undefined;
    let target: ProjectionStore;
    if (o.intoRedis) {
      const url = process.env.REDIS_URL;
      if (!url) throw new UsageError('--into-redis needs REDIS_URL');
      const { Redis } = await import('ioredis');
      redis = new Redis(url, { maxRetriesPerRequest: 3, lazyConnect: true });
      await redis.connect();
      target = new RedisProjectionStore({
        redis,
        namespace: o.namespace ?? WORKER_NAMESPACES[name],
        guarded: true,
      });
    } else target = new InMemoryProjectionStore();
    const logger = pino({ level: 'silent' });
    const started = Date.now();
    // Queries begun on the replaced generation may finish on it for this long; then it is dropped.
    const graceMs = 2_000;
    let result: Awaited<ReturnType<typeof rebuildFromEventStore>> | undefined;
    try {
      await withStore(async (store) => {
        const tasks = new Listr(
          [
            {
              title: `重放事件日志 → ${name}`,
              task: async (_ctx, task) => {
                result = await rebuildFromEventStore({
                  projection,
                  store: target,
                  eventStore: store,
                  logger,
                  graceMs,
                  onProgress: (p) => {
                    const left =
                      p.secondsLeft === null ? '' : `, ${Math.ceil(p.secondsLeft)} s left`;
                    task.output = `${p.phase}: ${p.events} events, ${Math.round(p.perSecond)}/s${left}`;
                  },
                });
              },
              rendererOptions: { persistentOutput: true },
            },
          ],
          {
            // Progress goes to stderr, so stdout holds only the answer (a pipe, --json).
            renderer: globals().json ? 'silent' : process.stderr.isTTY ? 'default' : 'simple',
            rendererOptions: {
              logger: new ListrLogger({
                processOutput: new ProcessOutput(process.stderr, process.stderr),
              }),
            },
            exitOnError: true,
          },
        );
        await tasks.run();
      });
      const r = result!;
      const counts = {
        events: r.applied + r.ignored + r.skipped,
        applied: r.applied,
        ignored: r.ignored,
        skipped: r.skipped,
      };
      const collections = name === 'roster' ? [ROSTER_COLLECTION] : Object.values(REPORT);
      const documents = Object.fromEntries(
        await Promise.all(
          collections.map(async (c) => [c, (await target.list(c)).length] as const),
        ),
      );
      const summary = {
        view: name,
        into: o.intoRedis ? 'redis' : 'memory',
        ...counts,
        documents,
        seconds: (Date.now() - started) / 1000,
      };
      if (globals().json) out(JSON.stringify(summary));
      else {
        out(
          `rebuilt ${name} (${summary.into}) from ${counts.events} events in ${summary.seconds.toFixed(1)} s: ${counts.applied} applied, ${counts.ignored} of other types, ${counts.skipped} unreadable`,
        );
        out(
          table(
            ['collection', 'documents'],
            Object.entries(documents).map(([c, n]) => [c, String(n)]),
          ),
        );
      }
      // The replaced generation is dropped once its grace period is over.
      if (o.intoRedis) await new Promise((done) => setTimeout(done, graceMs + 500));
    } finally {
      await target.close().catch(() => {});
      redis?.disconnect();
    }
  });

addPreviewPolicyCommand(program, {
  withStore,
  out,
  json: () => globals().json,
  timeZone: () => globals().timeZone,
  usageError: (message) => new UsageError(message),
});

const dead = program
  .command('dead-letters')
  .description('messages Kafka consumers set aside (KAFKA_BROKERS), and replaying them');
const brokers = () => {
  const list =
    process.env.KAFKA_BROKERS?.split(',')
      .map((b) => b.trim())
      .filter(Boolean) ?? [];
  if (list.length === 0) throw new UsageError('KAFKA_BROKERS is required (host:port,…)');
  return list;
};
dead
  .command('list')
  .description('every dead letter, or those of one topic (source or .dlq) and group')
  .option('--topic <topic>')
  .option('--group <group>')
  .action(async (o: { topic?: string; group?: string }) => {
    const { deadLetters } = await import('./deadLetters.ts');
    await deadLetters('list', { brokers: brokers(), ...o, json: globals().json }, out);
  });
dead
  .command('replay')
  .description(
    'republish the letters of a topic to their source topic, once; --offset N starts again at N',
  )
  .option('--topic <topic>')
  .option('--group <group>')
  .option('--offset <n>')
  .action(async (o: { topic?: string; group?: string; offset?: string }) => {
    if (!o.topic) throw new UsageError('replay needs --topic');
    if (o.offset !== undefined && !/^\d+$/.test(o.offset))
      throw new UsageError(`--offset must be a whole number, got ${o.offset}`);
    const { deadLetters } = await import('./deadLetters.ts');
    await deadLetters(
      'replay',
      {
        brokers: brokers(),
        topic: o.topic,
        ...(o.group ? { group: o.group } : {}),
        ...(o.offset !== undefined ? { offset: BigInt(o.offset) } : {}),
        json: globals().json,
      },
      out,
    );
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end here with code 0; a usage mistake with 2 (commander printed it).
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof UsageError) {
    err(`fangyi: ${error.message}`);
    process.exitCode = 2;
  } else {
    err(`fangyi: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
