/**
 * The read model at the size of a city: a history of ≥ 1,000,000 events for ≥ 100,000 people
 * under home quarantine, made by the quarantine decider and appended through the event store port
 * (PostgreSQL); then, on Redis, the roster rebuilt from the event store (events/s, peak RSS), the
 * roster applied live from Kafka (events/s), and roster page queries for one caller and for one
 * community among 100,000 (p50, p99), each beside redis-benchmark's figure on the same Redis in
 * the same run.
 *
 *   npm run bench:read-model -- [--people 100000] [--checks 9] [--communities 20] [--live 300000] [--queries 1000]
 *     [--keep] [--reuse <schema>] [--phases rebuild,live,query] [--heap service|v8]
 *
 * `--keep` leaves the history's schema in PostgreSQL and `--reuse` starts from such a schema instead
 * of deciding and appending the history again (the same --people, --checks and --communities);
 * `--phases` runs only some phases (the queries read the rebuilt roster, so they need the rebuild).
 * The live phase's worker (scripts/bench-read-model-worker.ts) and the roster API the pages are
 * asked of (scripts/bench-read-model-api.ts) run in processes of their own, started with the
 * services' heap settings (scripts/node-options.sh), or with V8's defaults under `--heap v8`;
 * each query's first 200 requests warm the API and are not timed.
 * For CPU profiles: `node --cpu-prof --cpu-prof-dir=.cache/profiles scripts/bench-read-model.ts …`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { text } from 'node:stream/consumers';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { topicFor, uuidv7, type NewEvent, type QuarantineEvent } from '@fangyi/contracts';
import type { RecordedEvent } from '@fangyi/eventstore';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { toMessage } from '@fangyi/messaging';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { RedisProjectionStore, rebuildFromEventStore, terminalProgress } from '@fangyi/projections';
import { homeQuarantineDecider, nextCaseId, streamIdOf } from '@fangyi/quarantine';

type HomeQuarantineCommand = Parameters<typeof homeQuarantineDecider.decide>[0];
type HomeQuarantineState = Parameters<typeof homeQuarantineDecider.decide>[1];
import { READ_MODEL_CONSUMER, rosterProjection } from '@fangyi/roster';
import { DEFAULT_SLOT_WINDOWS, addDays } from '@fangyi/service-kit';
import { authHeader, testUser } from '@fangyi/testkit';
import { procCpu, procMemoryMb } from './proc.ts';

const { values } = parseArgs({
  options: {
    people: { type: 'string', default: '100000' },
    checks: { type: 'string', default: '9' },
    communities: { type: 'string', default: '20' },
    live: { type: 'string', default: '300000' },
    queries: { type: 'string', default: '1000' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    phases: { type: 'string', default: 'rebuild,live,query' },
    heap: { type: 'string', default: 'service' },
  },
});
const PEOPLE = Number(values.people);
const CHECKS = Number(values.checks);
const COMMUNITIES = Number(values.communities);
const CALLERS_PER_COMMUNITY = 50;
const LIVE = Number(values.live);
const QUERIES = Number(values.queries);
const START = '2020-02-01';
const QUERY_DATE = addDays(START, Math.floor(CHECKS / 2));
/** Requests asked before each query's timed ones, untimed: the roster API's code compiled, as in a running service. */
const WARMUP = 200;
// 15:00 in Shanghai on the query date: the am window closed, the pm one open.
const QUERY_NOW = new Date(`${QUERY_DATE}T07:00:00.000Z`);

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/fangyi_test';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const run = randomUUID().slice(0, 8);
const schema = values.reuse ?? `bench_rm_${run}`;
const phases = new Set(values.phases.split(','));
const keep = values.keep || values.reuse !== undefined;
const logger = pino({ level: 'warn' });
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

/** One case's history, decided command by command on the state its own events fold to. */
function caseHistory(i: number): { streamId: string; events: NewEvent[] } {
  const personId = `person-${i}`;
  const caseId = nextCaseId(personId, 0);
  let state: HomeQuarantineState = homeQuarantineDecider.initialState();
  const events: NewEvent[] = [];
  const decide = (command: HomeQuarantineCommand, occurredAt: string, actor: string) => {
    for (const e of homeQuarantineDecider.decide(command, state) as QuarantineEvent[]) {
      state = homeQuarantineDecider.evolve(state, e as never);
      events.push({
        id: uuidv7(),
        type: e.type,
        schemaVersion: 1,
        occurredAt,
        actor: { id: actor, role: 'caller' },
        correlationId: caseId,
        causationId: null,
        data: e.data,
      });
    }
  };
  decide(
    {
      type: 'StartHomeQuarantine',
      data: {
        caseId,
        personId,
        personName: `居民${i}`,
        community: community(i),
        startDate: START,
        periodDays: 14,
        reason: 'close-contact',
        assignedCaller: callerOf(i),
        facts: {
          person: { community: community(i), status: 'living' },
          activeCaseId: null,
          callers,
        },
      },
    },
    `${START}T00:00:00.000Z`,
    'registrar-bench',
  );
  for (let k = 0; k < CHECKS; k++) {
    const date = addDays(START, Math.floor(k / 2));
    const slot = k % 2 === 0 ? 'am' : 'pm';
    const window = DEFAULT_SLOT_WINDOWS[slot];
    const minutes = window.opens + 60;
    const abnormal = (Math.floor(i / COMMUNITIES) + k) % 25 === 0;
    decide(
      {
        type: 'LogSymptomCheck',
        data: {
          caseId,
          checkId: uuidv7(),
          escalationId: uuidv7(),
          date,
          slot,
          temperatureC: abnormal ? 38.1 : 36.5,
          symptoms: [],
          reachedVia: 'phone',
          correction: false,
          today: date,
          feverThresholdC: 37.3,
          checkedAtLocal: { date, minutes },
          window: { opens: window.opens, earlyMinutes: 30 },
        },
      } as HomeQuarantineCommand,
      new Date(Date.parse(`${date}T00:00:00.000+08:00`) + minutes * 60_000).toISOString(),
      callerOf(i),
    );
  }
  return { streamId: streamIdOf(caseId), events };
}

function redisBenchmark(args: string[]): number {
  const { hostname, port, pathname } = new URL(redisUrl);
  const db = pathname.replace('/', '') || '0';
  const out = execFileSync(
    'redis-benchmark',
    ['-h', hostname, '-p', port || '6379', '--dbnum', db, '-q', ...args],
    { encoding: 'utf8' },
  );
  return Number(/([\d.]+) requests per second/.exec(out)?.[1]);
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const eventStore = await PostgresEventStore.create({ connectionString: databaseUrl, schema });
const redis = new Redis(redisUrl);
const namespaces: RedisProjectionStore[] = [];
/** Redis's own CPU seconds so far (the server's, every client's commands included). */
async function redisCpu(): Promise<number> {
  const info = await redis.info('cpu');
  return (
    Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1]) +
    Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1])
  );
}

/**
 * One phase's cost: the process's peak RSS (sampled every 50 ms), its CPU time and Redis's, so a
 * figure taken on a busy machine still says what the work itself costs.
 */
async function phaseMeter(): Promise<(events: number) => Promise<string>> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  // Where the phase lies in a CPU profile of the process (--cpu-prof), on stderr.
  const from = process.uptime();
  const cpu = process.cpuUsage();
  const redis0 = await redisCpu();
  return async (events) => {
    process.stderr.write(
      `(phase from ${from.toFixed(2)} s to ${process.uptime().toFixed(2)} s of the process)\n`,
    );
    clearInterval(timer);
    const used = process.cpuUsage(cpu);
    const ownUs = (used.user + used.system) / events;
    const redisUs = (((await redisCpu()) - redis0) * 1e6) / events;
    return `peak RSS ${(Math.max(peak, process.memoryUsage().rss) / 2 ** 20).toFixed(0)} MB; CPU per event ${ownUs.toFixed(1)} µs in this process, ${redisUs.toFixed(1)} µs in Redis (${fmt(1e6 / ownUs)} events per CPU-second here)`;
  };
}

/** A child's CPU seconds so far (0 once it is gone). */
function procCpuSeconds(pid: number): number {
  return procCpu(pid)?.own ?? 0;
}

/** A child's peak resident set so far (VmHWM), in MB. */
function procPeakRssMb(pid: number): number {
  return procMemoryMb(pid).VmHWM ?? 0;
}

/**
 * A process of the system's, started as the distributed mode starts it (scripts/node-options.sh's
 * heap settings, or V8's under `--heap v8`) with its job as JSON in its first argument; resolves with
 * the first line it prints, once it is ready. Its stdin ending stops it.
 */
async function startChild(
  script: string,
  job: unknown,
): Promise<{ child: ReturnType<typeof spawn>; ready: string }> {
  const child = spawn(
    'sh',
    [
      '-c',
      values.heap === 'v8' ? 'exec "$0" "$@"' : '. scripts/node-options.sh && exec "$0" "$@"',
      process.execPath,
      new URL(script, import.meta.url).pathname,
      JSON.stringify(job),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'], cwd: new URL('..', import.meta.url).pathname },
  );
  const ready = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${String(code)}`)));
  });
  return { child, ready };
}

/** Stops a child of startChild and waits for it. */
async function stopChild(child: ReturnType<typeof spawn>): Promise<void> {
  const exited = once(child, 'exit');
  child.stdin!.end();
  await exited;
}

interface Reference {
  pipelinedSet: number;
  plainSet: number;
  plainGet: number;
}

/** redis-benchmark on the same Redis, right before the phase it is printed beside. */
function reference(): Reference {
  const r = {
    pipelinedSet: redisBenchmark(['-t', 'set', '-n', '500000', '-P', '64', '-c', '4']),
    plainSet: redisBenchmark(['-t', 'set', '-n', '50000', '-c', '3']),
    plainGet: redisBenchmark(['-t', 'get', '-n', '20000', '-c', '1']),
  };
  say(
    `  reference (redis-benchmark, same Redis, now): SET pipelined (-P 64, 4 connections) ${fmt(r.pipelinedSet)}/s; SET unpipelined (3 connections) ${fmt(r.plainSet)}/s; GET one connection ${fmt(r.plainGet)}/s = ${(1000 / r.plainGet).toFixed(3)} ms a round trip`,
  );
  return r;
}

try {
  // 1. The history, through the decider and the event store port (or one kept by an earlier run).
  let t = performance.now();
  if (values.reuse === undefined) {
    let appended = 0;
    let next = 0;
    const writer = async () => {
      for (;;) {
        const i = next++;
        if (i >= PEOPLE) return;
        const { streamId, events } = caseHistory(i);
        await eventStore.append(streamId, events, { expectedRevision: 'no-stream' });
        appended += events.length;
      }
    };
    const progress = setInterval(
      () =>
        process.stderr.write(
          `\rhistory: ${fmt(appended)} events for ${fmt(Math.min(next, PEOPLE))} people\x1b[K`,
        ),
      1000,
    );
    await Promise.all(Array.from({ length: 16 }, writer));
    clearInterval(progress);
    process.stderr.write('\n');
  }
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const total = Number((await db.query(`SELECT count(*) AS n FROM "${schema}".events`)).rows[0].n);
  await db.end();
  if (values.reuse === undefined)
    say(
      `history: ${fmt(total)} events for ${fmt(PEOPLE)} people under home quarantine in ${COMMUNITIES} communities (${CALLERS_PER_COMMUNITY} callers each), decided and appended in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
  else
    say(
      `history: ${fmt(total)} events kept in ${schema} (${fmt(PEOPLE)} people in ${COMMUNITIES} communities)`,
    );

  // 2. Rebuild from the event store into a fresh generation.
  const store = new RedisProjectionStore({ redis, namespace: `bench:rm:${run}` });
  namespaces.push(store);
  if (phases.has('rebuild')) {
    const ref = reference();
    const meter = await phaseMeter();
    t = performance.now();
    const rebuilt = await rebuildFromEventStore({
      projection: rosterProjection,
      store,
      eventStore,
      logger,
      total,
      onProgress: terminalProgress('rebuild'),
    });
    const rebuildSeconds = (performance.now() - t) / 1000;
    process.stderr.write('\n');
    const rebuildRate = total / rebuildSeconds;
    say(
      `rebuild: ${fmt(total)} events (${fmt(rebuilt.applied)} applied) from PostgreSQL into Redis in ${rebuildSeconds.toFixed(1)} s = ${fmt(rebuildRate)} events/s (target 100,000); ${((100 * rebuildRate) / ref.pipelinedSet).toFixed(1)} % of pipelined SET/s; ${await meter(total)}`,
    );
  }

  // 3. Live apply from Kafka: the first LIVE events of the log, published to a fresh topic.
  if (phases.has('live')) {
    const prefix = `bench-rm-${run}`;
    const topic = topicFor('quarantine', prefix);
    // The read-side worker's consumer settings (services/roster/src/worker.ts).
    const bus = new KafkaMessageBus({
      brokers,
      clientId: `bench-rm-${run}`,
      logger,
      consumer: READ_MODEL_CONSUMER,
    });
    await bus.ensureTopics([topic]);
    let published = 0;
    let after = null as RecordedEvent['position'] | null;
    t = performance.now();
    while (published < LIVE) {
      const batch = await eventStore.readAll({ after, limit: Math.min(1000, LIVE - published) });
      if (batch.length === 0) break;
      after = batch[batch.length - 1]!.position;
      await bus.publish(topic, batch.map(toMessage));
      published += batch.length;
    }
    say(
      `live: ${fmt(published)} events published to ${topic} (3 partitions) in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    const live = new RedisProjectionStore({ redis, namespace: `bench:rm-live:${run}` });
    namespaces.push(live);
    const ref = reference();
    const meter = await phaseMeter();
    // The worker in a process of its own, as the distributed mode runs it, with its settings.
    const worker = (
      await startChild('./bench-read-model-worker.ts', {
        brokers,
        topicPrefix: prefix,
        groupId: `bench-rm-${run}`,
        redisUrl,
        namespace: live.namespace,
      })
    ).child;
    const workerCpu0 = procCpuSeconds(worker.pid!);
    // Timed from the group's join (the worker says so), less what was applied before it.
    t = performance.now();
    const early = (await live.meta()).appliedCount;
    for (;;) {
      const { appliedCount } = await live.meta();
      if (appliedCount >= published) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const liveSeconds = (performance.now() - t) / 1000;
    const workerCpu = procCpuSeconds(worker.pid!) - workerCpu0;
    const workerPeak = procPeakRssMb(worker.pid!);
    await stopChild(worker);
    await bus.close();
    const liveRate = (published - early) / liveSeconds;
    say(
      `live: ${fmt(published)} events applied from Kafka to Redis by one worker in ${liveSeconds.toFixed(1)} s = ${fmt(liveRate)} events/s (target 30,000; from the group's join to the last commit, ${fmt(early)} applied before it); ${((100 * liveRate) / ref.pipelinedSet).toFixed(1)} % of pipelined SET/s, ${((100 * liveRate) / ref.plainSet).toFixed(0)} % of unpipelined SET/s; the worker's process ${((workerCpu * 1e6) / published).toFixed(1)} µs of CPU per event, peak RSS ${workerPeak.toFixed(0)} MB; this process and Redis: ${await meter(published)}`,
    );
  }

  // 4. Roster and worklist pages over HTTP on 127.0.0.1 (routing, the token, the query, the answer),
  // asked one at a time by a client in its own process (scripts/bench-read-model-client.ts).
  if (phases.has('query') && phases.has('rebuild')) {
    const ref = reference();
    const meter = await phaseMeter();
    // The roster API in a process of its own, as the distributed mode runs it, with its settings.
    const started = await startChild('./bench-read-model-api.ts', {
      redisUrl,
      namespace: store.namespace,
      now: QUERY_NOW.toISOString(),
      timeZone: 'Asia/Shanghai',
    });
    const api = started.child;
    const { base } = JSON.parse(started.ready) as { base: string };
    const apiCpu0 = procCpuSeconds(api.pid!);
    const time = async (
      label: string,
      url: (k: number) => string,
      headers: (k: number) => Record<string, string>,
      expectPeople: (n: number) => boolean,
    ) => {
      const requests = Array.from({ length: QUERIES }, (_, k) => ({
        url: url(k),
        headers: headers(k),
      }));
      const client = spawn(
        process.execPath,
        [new URL('./bench-read-model-client.ts', import.meta.url).pathname],
        { stdio: ['pipe', 'pipe', 'inherit'] },
      );
      client.stdin.end(JSON.stringify({ base, requests, warmup: WARMUP }));
      const [out, [code]] = await Promise.all([text(client.stdout), once(client, 'exit')]);
      if (code !== 0) throw new Error(`${label}: the client exited with ${String(code)}`);
      const { ms, people } = JSON.parse(out) as {
        ms: number[];
        people: number[];
      };
      people.forEach((n, k) => {
        if (!expectPeople(n)) throw new Error(`${requests[k]!.url}: ${n} people`);
      });
      ms.sort((a, b) => a - b);
      say(
        `query ${label}: p50 ${quantile(ms, 0.5).toFixed(2)} ms, p99 ${quantile(ms, 0.99).toFixed(2)} ms (target < 10) over ${QUERIES} requests (${people.at(-1)} people a page); p50 = ${(quantile(ms, 0.5) / (1000 / ref.plainGet)).toFixed(1)} GET round trips`,
      );
      return quantile(ms, 0.99);
    };
    const perCaller = PEOPLE / COMMUNITIES / CALLERS_PER_COMMUNITY;
    const caller = (k: number) => `caller-${community(k)}-${k % CALLERS_PER_COMMUNITY}`;
    // Community pages as the report officer reads them; a caller's own pages as that caller.
    const officer = authHeader(testUser('report-officer', ['*']));
    const asOfficer = () => officer;
    const asCaller = (k: number) => authHeader(testUser('caller', [community(k)], caller(k)));
    await time(
      `one caller's people (${fmt(perCaller)} of ${fmt(PEOPLE)}, limit 200)`,
      (k) => `/roster?date=${QUERY_DATE}&community=${community(k)}&caller=${caller(k)}&limit=200`,
      asCaller,
      (n) => n === perCaller,
    );
    await time(
      `one community, first page (${fmt(PEOPLE / COMMUNITIES)} of ${fmt(PEOPLE)}, limit 50)`,
      (k) => `/roster?date=${QUERY_DATE}&community=${community(k)}&limit=50`,
      asOfficer,
      (n) => n === 50,
    );
    await time(
      `one community, status=done-abnormal (limit 200)`,
      (k) => `/roster?date=${QUERY_DATE}&community=${community(k)}&status=done-abnormal&limit=200`,
      asOfficer,
      (n) => n > 0,
    );
    // The caller's worklist: read through its own indexes (by caller and date, by community and date).
    await time(
      `one caller's worklist (of ${fmt(perCaller)} people, limit 200)`,
      (k) =>
        `/roster/worklist?date=${QUERY_DATE}&community=${community(k)}&caller=${caller(k)}&limit=200`,
      asCaller,
      (n) => n > 0 && n <= perCaller,
    );
    await time(
      `one community's worklist, first page (limit 50)`,
      (k) => `/roster/worklist?date=${QUERY_DATE}&community=${community(k)}&limit=50`,
      asOfficer,
      (n) => n === 50,
    );
    const apiCpu = procCpuSeconds(api.pid!) - apiCpu0;
    const apiPeak = procPeakRssMb(api.pid!);
    await stopChild(api);
    say(
      `queries: the roster API's process ${((apiCpu * 1e3) / (5 * QUERIES)).toFixed(2)} ms of CPU a request, peak RSS ${apiPeak.toFixed(0)} MB; this process and Redis: ${await meter(5 * QUERIES)} (an "event" here: a request)`,
    );
  }
  say(
    `redis used_memory after the read models: ${/used_memory_human:(\S+)/.exec(await redis.info('memory'))?.[1] ?? '?'}; peak RSS of the whole run ${((process.resourceUsage().maxRSS * 1024) / 2 ** 20).toFixed(0)} MB`,
  );
} finally {
  for (const s of namespaces) await s.reset().catch(() => {});
  // redis-benchmark's keys (key:__rand_int__) in this database.
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', 'key:*', 'COUNT', 1000);
    cursor = nextCursor;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.quit();
  await eventStore.close();
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  if (keep) say(`kept the event store schema ${schema}`);
  else await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await db.end();
}
