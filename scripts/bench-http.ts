// HTTP load benchmark: symptom checks for distinct cases and slots, on the embedded mode and
// through the gateway on the distributed mode, beside a bare fastify handler measured in the same
// run as the ceiling of this machine's HTTP stack. Everything listens on 127.0.0.1 only and every
// phase is bounded in time. Run with scripts/bench-http.sh (npm run bench:http).
//   node scripts/bench-http.ts [--seconds 15] [--connections 16] [--only ceiling,embedded,distributed]
//                              [--cpu-prof]   (each process writes a .cpuprofile under .cache/profiles)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import pg from 'pg';
import { addDays, businessDate, signToken, type User } from '@fangyi/service-kit';
import { freePort } from '@fangyi/testkit';
import { procCpu, procMemoryMb } from './proc.ts';
import { SeededRandom, birthDate, chineseName, idNumber, phoneNumber } from './seed/random.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '16' },
    only: { type: 'string', default: 'ceiling,embedded,distributed' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const phases = new Set(args.only.split(','));
const PROFILE_DIR = join(ROOT, '.cache', 'profiles');
const LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';
// Each case takes a check per slot on each closed day of its 14-day period: 13 days × 2 slots.
const PERIOD_DAYS = 14;
const SLOTS_PER_CASE = (PERIOD_DAYS - 1) * 2;

const secret = randomBytes(32).toString('base64url');
const key = () => randomBytes(32).toString('base64');
const keys = { FANGYI_JWT_SECRET: secret, FANGYI_MASTER_KEY: key(), FANGYI_RESERVATION_KEY: key() };
const registrar: User = {
  id: 'registrar-bench',
  name: 'bench registrar',
  role: 'registrar',
  communities: ['moujia'],
};
const caller: User = {
  id: 'caller-bench',
  name: 'bench caller',
  role: 'caller',
  communities: ['moujia'],
};
const registrarAuth = `Bearer ${signToken(registrar, secret, { ttlSeconds: 3600 })}`;
const callerAuth = `Bearer ${signToken(caller, secret, { ttlSeconds: 3600 })}`;
const today = businessDate(new Date());
const startDate = addDays(today, -(PERIOD_DAYS - 1));

// ---------------------------------------------------------------- processes

class Proc {
  readonly name: string;
  readonly child: ChildProcess;
  output = '';
  peakRssMb = 0;
  /** /proc's split of the resident set when it peaked: anonymous, file-backed, shared memory (MB). */
  peakSplit = '';
  /** Where the process serves /metrics, if it does: its heap figures are read there after the load. */
  metricsUrl: string | undefined;
  private readonly exited: Promise<void>;
  constructor(name: string, script: string, env: Record<string, string>) {
    this.name = name;
    const profile = args['cpu-prof']
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${PROFILE_DIR}`,
          `--cpu-prof-name=${name.replace(/\W+/g, '-')}-${Date.now()}.cpuprofile`,
        ]
      : [];
    // Through the same wrapper as the image's entry point, so the heap settings are production's;
    // it execs node, so the child's pid is node's.
    this.child = spawn(
      join(ROOT, 'scripts', 'with-node-options.sh'),
      [process.execPath, ...profile, '--disable-warning=TimeoutNegativeWarning', script],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          KAFKAJS_NO_PARTITIONER_WARNING: '1',
          LOG_LEVEL,
          HOST: '127.0.0.1',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (c: Buffer) => (this.output = (this.output + c.toString()).slice(-20_000));
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = new Promise((ok) => this.child.once('exit', () => ok()));
  }
  rssMb(): number {
    return this.status().VmRSS ?? 0;
  }
  /** The process's memory lines of /proc/<pid>/status, in MB. */
  status(): Record<string, number> {
    return this.child.pid === undefined ? {} : procMemoryMb(this.child.pid);
  }
  /** Sample the resident set; keep the peak and how it splits. */
  sample(): void {
    const s = this.status();
    const rss = s.VmRSS ?? 0;
    if (rss <= this.peakRssMb) return;
    this.peakRssMb = rss;
    const mb = (v: number | undefined) => (v ?? 0).toFixed(0);
    this.peakSplit = `anon ${mb(s.RssAnon)} + file ${mb(s.RssFile)} + shmem ${mb(s.RssShmem)}`;
  }
  /** Seconds of garbage collection so far, by kind (prom-client's nodejs_gc_duration_seconds). */
  async gcSeconds(): Promise<Record<string, number>> {
    if (!this.metricsUrl) return {};
    try {
      const text = await (await fetch(this.metricsUrl)).text();
      return Object.fromEntries(
        [...text.matchAll(/^nodejs_gc_duration_seconds_sum\{[^}]*kind="(\w+)"[^}]*\} (\S+)/gm)].map(
          (m) => [m[1]!, Number(m[2])],
        ),
      );
    } catch {
      return {};
    }
  }
  /** Heap figures from the process's /metrics (prom-client's defaults), in MB. */
  async heap(): Promise<string> {
    if (!this.metricsUrl) return '';
    try {
      const text = await (await fetch(this.metricsUrl)).text();
      const value = (name: string, label = '') =>
        Number(new RegExp(`^${name}\\{[^}]*${label}[^}]*\\} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) /
        2 ** 20;
      const space = (s: string) =>
        `${s} ${value('nodejs_heap_space_size_used_bytes', `space="${s}"`).toFixed(0)}/${value('nodejs_heap_space_size_total_bytes', `space="${s}"`).toFixed(0)}`;
      return `heap used/total ${value('nodejs_heap_size_used_bytes').toFixed(0)}/${value('nodejs_heap_size_total_bytes').toFixed(0)} (${['new', 'old', 'code', 'large_object'].map(space).join(', ')}), external ${value('nodejs_external_memory_bytes').toFixed(0)}`;
    } catch (error) {
      return `no /metrics: ${String(error)}`;
    }
  }
  /** CPU seconds the process has used so far (user + system), from /proc. */
  cpuSeconds(): number {
    return (this.child.pid === undefined ? null : procCpu(this.child.pid))?.own ?? 0;
  }
  get running() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  /** SIGTERM, so a --cpu-prof process writes its profile on the way out. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

async function waitReady(base: string, procs: readonly Proc[], timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    for (const p of procs)
      if (!p.running) throw new Error(`${p.name} exited:\n${p.output.slice(-4000)}`);
    try {
      const res = await fetch(`${base}/ready`);
      last = `${res.status} ${await res.text()}`;
      if (res.ok) return;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `${base} not ready after ${timeoutMs} ms: ${last}\n${procs.map((p) => `---- ${p.name}\n${p.output.slice(-3000)}`).join('\n')}`,
  );
}

/** Samples each process's resident set while the load runs; keeps the peak. */
function sampleRss(procs: readonly Proc[]): () => void {
  const timer = setInterval(() => {
    for (const p of procs) p.sample();
  }, 250);
  return () => clearInterval(timer);
}

// ---------------------------------------------------------------- setup through the real commands

async function post(
  base: string,
  path: string,
  auth: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status === 201 || res.status === 200)
      return JSON.parse(text) as Record<string, unknown>;
    // A person registered a moment ago may not be in the quarantine service's directory yet.
    if (attempt < 50 && (res.status === 404 || res.status === 422 || res.status === 503)) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    throw new Error(`POST ${path} → ${res.status}: ${text}`);
  }
}

async function inPool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        await task(items[i]!, i);
      }
    }),
  );
}

/** Registers households and local people through the residents commands, then starts a home quarantine case for each. */
async function setUpCases(base: string, count: number): Promise<string[]> {
  const started = performance.now();
  const rng = new SeededRandom(Date.now() % 1_000_000);
  const households: string[] = [];
  await inPool(Array.from({ length: Math.ceil(count / 4) }), 8, async (_x, i) => {
    const res = await post(base, '/residents/households', registrarAuth, {
      community: 'moujia',
      grid: `moujia-g${1 + (i % 8)}`,
      address: `牟家 ${1 + Math.floor(i / 12)}号楼 ${1 + (i % 12)}01室`,
      kind: 'owner-occupied',
    });
    households[i] = res.householdId as string;
  });
  const people: { personId: string; name: string }[] = [];
  await inPool(Array.from({ length: count }), 8, async (_x, i) => {
    const name = chineseName(rng);
    // Random ID numbers meet again once there are a few thousand people: draw another then.
    for (;;) {
      const res = await post(base, '/residents/people', registrarAuth, {
        householdId: households[i % households.length],
        name,
        idNumber: idNumber(rng, '370212', birthDate(rng)),
        phone: phoneNumber(rng),
        registration: 'local',
        travelHistory: [],
      }).catch((error: Error) => {
        if (error.message.includes('PERSON_ALREADY_REGISTERED')) return undefined;
        throw error;
      });
      if (res === undefined) continue;
      people[i] = { personId: res.personId as string, name };
      break;
    }
  });
  const cases: string[] = [];
  await inPool(people, 8, async (p, i) => {
    const res = await post(base, '/quarantine/cases', registrarAuth, {
      personId: p.personId,
      personName: p.name,
      community: 'moujia',
      startDate,
      periodDays: PERIOD_DAYS,
      reason: 'close-contact',
      assignedCaller: caller.id,
    });
    cases[i] = res.caseId as string;
  });
  console.log(
    `  set up ${households.length} households, ${people.length} people, ${cases.length} cases through the commands in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return cases;
}

/**
 * Enough cases that no slot is checked twice in the measured run: a few hundred first, a warm-up
 * on them (so the JIT has seen the path) that also tells this machine's rate, then as many more
 * as that rate needs, with room to spare.
 */
async function casesFor(base: string, exclude: readonly string[]): Promise<string[]> {
  const cases = await setUpCases(base, 300);
  const warmUp = await load(base, checkRequests(cases, { k: 0 }, 1), 3);
  const needed = Math.ceil((warmUp.rps * 2 * SECONDS) / SLOTS_PER_CASE) + CONNECTIONS * 2;
  if (needed > cases.length) cases.push(...(await setUpCases(base, needed - cases.length)));
  return cases.filter((c) => !exclude.includes(c));
}

/** The k-th check of the run: consecutive checks go to different cases, so none waits on another. */
function checkOf(cases: readonly string[], k: number) {
  const caseId = cases[k % cases.length]!;
  const n = Math.floor(k / cases.length) % SLOTS_PER_CASE;
  return { caseId, date: addDays(startDate, Math.floor(n / 2)), slot: n % 2 === 0 ? 'am' : 'pm' };
}
/** Warm-up checks take the last day's slots, which the measured run reaches last if ever. */
function warmUpCheckOf(cases: readonly string[], k: number) {
  const n = SLOTS_PER_CASE - 1 - (Math.floor(k / cases.length) % 2);
  return {
    caseId: cases[k % cases.length]!,
    date: addDays(startDate, Math.floor(n / 2)),
    slot: n % 2 === 0 ? 'am' : 'pm',
  };
}
const checkBody = (c: { date: string; slot: string }, k: number) =>
  JSON.stringify({
    date: c.date,
    slot: c.slot,
    temperatureC: 36.2 + (k % 7) / 10,
    reachedVia: 'phone',
  });

// ---------------------------------------------------------------- load

interface Figures {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly ok: number;
  readonly other: number;
  readonly errors: number;
  /** CPU milliseconds per answered request, summed over the processes that served it. */
  cpuMsPerRequest?: number;
}

async function load(
  url: string,
  requests: autocannon.Request[],
  seconds = SECONDS,
  serving: readonly Proc[] = [],
): Promise<Figures> {
  const cpuBefore = serving.reduce((sum, p) => sum + p.cpuSeconds(), 0);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests,
    headers: { 'content-type': 'application/json' },
  });
  const cpu = serving.reduce((sum, p) => sum + p.cpuSeconds(), 0) - cpuBefore;
  const answered = result['2xx'] + result.non2xx;
  return {
    ...(serving.length > 0 && answered > 0 ? { cpuMsPerRequest: (cpu * 1000) / answered } : {}),
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    other: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Requests for the k-th, (k+1)-th, ... check, as many as the run asks for, each once. */
function checkRequests(
  cases: readonly string[],
  counter: { k: number },
  fromEnd = 0,
): autocannon.Request[] {
  return [
    {
      method: 'POST',
      headers: { authorization: callerAuth, 'content-type': 'application/json' },
      setupRequest: (req) => {
        const k = counter.k++;
        const c = fromEnd ? warmUpCheckOf(cases, k) : checkOf(cases, k);
        return { ...req, path: `/quarantine/cases/${c.caseId}/checks`, body: checkBody(c, k) };
      },
    },
  ];
}

const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;
function report(label: string, f: Figures, ceiling: Figures | undefined): void {
  const ratio = ceiling
    ? `   = ${((f.rps / ceiling.rps) * 100).toFixed(1)}% of the ceiling's rate; p50 ${(f.p50 / Math.max(ceiling.p50, 0.1)).toFixed(1)}×, p99 ${(f.p99 / Math.max(ceiling.p99, 0.1)).toFixed(1)}× its latency`
    : '';
  console.log(
    `  ${label}: ${f.rps.toFixed(0)} req/s  p50 ${ms(f.p50)}  p99 ${ms(f.p99)}  (${f.ok} 2xx, ${f.other} other, ${f.errors} errors)`,
  );
  if (ratio) console.log(ratio);
  if (f.cpuMsPerRequest !== undefined) {
    // On a machine shared with other work the rate says how much CPU we got; CPU per request says what we cost.
    const per = `  CPU ${f.cpuMsPerRequest.toFixed(3)} ms per request (${(1000 / f.cpuMsPerRequest).toFixed(0)} requests per CPU-second)`;
    const vs =
      ceiling?.cpuMsPerRequest !== undefined
        ? `, ${(f.cpuMsPerRequest / ceiling.cpuMsPerRequest).toFixed(1)}× the ceiling's`
        : '';
    console.log(`${per}${vs}`);
  }
}
const rssLine = (procs: readonly Proc[]) =>
  `  peak RSS under load: ${procs.map((p) => `${p.name} ${p.peakRssMb.toFixed(0)} MB`).join(', ')}`;
/** Where each process's memory was: the peak's split from /proc, and its heap right after the load. */
async function memoryLines(procs: readonly Proc[]): Promise<string> {
  const lines = await Promise.all(
    procs.map(async (p) => `    ${p.name}: ${p.peakSplit}; ${await p.heap()}`),
  );
  return `  memory at the peak (MB):\n${lines.join('\n')}`;
}
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

// ---------------------------------------------------------------- phases

/**
 * The bare handler runs for the whole benchmark and is measured right before each phase's load,
 * so a machine shared with other work weighs on the ceiling and the figure beside it alike.
 */
class Ceiling {
  private proc: Proc | undefined;
  private url = '';
  async start(): Promise<void> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.proc = new Proc('bare fastify', join(ROOT, 'scripts', 'bench-http-ceiling.ts'), {
      PORT: String(port),
    });
    await waitReady(this.url, [this.proc]);
    // Its own warm-up, unreported.
    await this.load(3);
  }
  private load(seconds: number): Promise<Figures> {
    return load(
      this.url,
      [
        {
          method: 'POST',
          path: '/quarantine/cases/c/checks',
          headers: { authorization: callerAuth },
          body: checkBody({ date: today, slot: 'am' }, 0),
        },
      ],
      seconds,
      [this.proc!],
    );
  }
  async measure(): Promise<Figures> {
    this.proc!.peakRssMb = 0;
    const stop = sampleRss([this.proc!]);
    const f = await this.load(Math.max(5, Math.round(SECONDS / 2)));
    stop();
    report(
      'ceiling, measured just before: a bare fastify POST handler in its own process',
      f,
      undefined,
    );
    console.log(rssLine([this.proc!]));
    return f;
  }
  stop(): Promise<void> {
    return this.proc?.stop() ?? Promise.resolve();
  }
}

async function embeddedPhase(bare: Ceiling | undefined): Promise<void> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-bench-http-'));
  const proc = new Proc('embedded', join(ROOT, 'services', 'embedded', 'src', 'main.ts'), {
    ...keys,
    PORT: String(port),
    FANGYI_DATA_DIR: dir,
    FANGYI_DEMO: 'false',
    FANGYI_SCHEDULER: 'off',
    FANGYI_RATE_LIMIT: 'off',
    FANGYI_CALLERS: `moujia=${caller.id}`,
  });
  const base = `http://127.0.0.1:${port}`;
  proc.metricsUrl = `${base}/metrics`;
  try {
    await waitReady(base, [proc]);
    console.log('embedded: one process, SQLite event store, in-memory read models');
    const cases = await casesFor(base, []);
    const counter = { k: 0 };
    const ceiling = await bare?.measure();
    const gcBefore = await proc.gcSeconds();
    const stop = sampleRss([proc]);
    const f = await load(base, checkRequests(cases, counter), SECONDS, [proc]);
    stop();
    const memory = await memoryLines([proc]);
    const gc = Object.entries(await proc.gcSeconds()).map(
      ([kind, s]) =>
        `${kind} ${(((s - (gcBefore[kind] ?? 0)) * 1000) / Math.max(1, f.ok + f.other)).toFixed(3)}`,
    );
    report('symptom checks', f, ceiling);
    console.log(rssLine([proc]));
    console.log(memory);
    console.log(`  garbage collection, ms per request by kind: ${gc.join(', ')}`);
    console.log(
      `  targets: ≥ 3000 checks/s ${f.rps >= 3000 ? 'met' : 'NOT met'}, p99 < 50 ms ${f.p99 < 50 ? 'met' : 'NOT met'}, RSS < 150 MB ${proc.peakRssMb < 150 ? 'met' : 'NOT met'}`,
    );
  } finally {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function distributedPhase(bare: Ceiling | undefined): Promise<void> {
  const run = randomBytes(4).toString('hex');
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/fangyi_test';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
  const schema = `fangyi_bench_http_${run}`;
  const namespace = `fangyi-bench-${run}`;
  const ports = {
    quarantine: await freePort(),
    residents: await freePort(),
    roster: await freePort(),
    worker: await freePort(),
    gateway: await freePort(),
  };
  const env = {
    ...keys,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:29092',
    FANGYI_SCHEMA: schema,
    FANGYI_TOPIC_PREFIX: `fangyi-bench-${run}`,
    FANGYI_ROSTER_NAMESPACE: `${namespace}:roster`,
    FANGYI_REPORT_NAMESPACE: `${namespace}:report`,
    FANGYI_ROSTER_GROUP: `${namespace}-roster`,
    FANGYI_REPORT_GROUP: `${namespace}-report`,
    FANGYI_SCHEDULER: 'off',
    FANGYI_RATE_LIMIT: 'off',
    FANGYI_CALLERS: `moujia=${caller.id}`,
  };
  const url = (p: number) => `http://127.0.0.1:${p}`;
  const procs: Proc[] = [];
  const gatewayBase = url(ports.gateway);
  try {
    // The services create the schema; start the one that migrates first, then the rest.
    procs.push(
      new Proc('residents', join(ROOT, 'services/residents/src/main.ts'), {
        ...env,
        PORT: String(ports.residents),
      }),
    );
    await waitReady(url(ports.residents), procs);
    procs.push(
      new Proc('quarantine', join(ROOT, 'services/quarantine/src/main.ts'), {
        ...env,
        PORT: String(ports.quarantine),
      }),
    );
    procs.push(
      new Proc('roster worker', join(ROOT, 'services/roster/src/worker.ts'), {
        ...env,
        PORT: String(ports.worker),
        EVENT_STORE_URL: databaseUrl,
      }),
    );
    procs.push(
      new Proc('roster API', join(ROOT, 'services/roster/src/main.ts'), {
        ...env,
        PORT: String(ports.roster),
        EVENT_STORE_URL: databaseUrl,
      }),
    );
    procs.push(
      new Proc('gateway', join(ROOT, 'services/gateway/src/main.ts'), {
        PORT: String(ports.gateway),
        QUARANTINE_URL: url(ports.quarantine),
        RESIDENTS_URL: url(ports.residents),
        ROSTER_URL: url(ports.roster),
        // Not started: the checks never reach them, and /ready is asked of the three above.
        CHECKPOINTS_URL: url(ports.roster),
        COMPLAINTS_URL: url(ports.roster),
        STAFF_URL: url(ports.roster),
        ANALYST_URL: url(ports.roster),
      }),
    );
    await Promise.all(
      [url(ports.quarantine), url(ports.roster), gatewayBase].map((b) => waitReady(b, procs)),
    );
    console.log(
      `distributed: gateway → quarantine (PostgreSQL event store, relay to Kafka) → roster worker (Kafka → Redis) → roster API; through the gateway at ${gatewayBase}`,
    );
    const probeCases = await setUpCases(gatewayBase, 40);
    const cases = await casesFor(gatewayBase, probeCases);
    // Every case is on the roster before the clock starts.
    const lastCase = cases[cases.length - 1]!;
    for (
      let i = 0;
      (
        await fetch(`${gatewayBase}/roster/cases/${lastCase}`, {
          headers: { authorization: callerAuth },
        })
      ).status !== 200;
      i++
    ) {
      if (i > 600) throw new Error('the cases did not reach the roster in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const counter = { k: 0 };

    // Beside the load, a probe logs checks on cases of its own and asks the roster (through the
    // gateway, as a caller's screen would) until each check is there: 201 → on the roster.
    const lags: number[] = [];
    let probing = false;
    const probe = async (caseId: string, slot: number) => {
      const c = {
        caseId,
        date: addDays(startDate, Math.floor(slot / 2)),
        slot: slot % 2 === 0 ? 'am' : 'pm',
      };
      const res = await fetch(`${gatewayBase}/quarantine/cases/${caseId}/checks`, {
        method: 'POST',
        headers: { authorization: callerAuth, 'content-type': 'application/json' },
        body: checkBody(c, slot),
      });
      const created = performance.now();
      const { checkId } = (await res.json()) as { checkId?: string };
      if (res.status !== 201 || !checkId) return;
      while (performance.now() - created < 10_000) {
        const doc = (await (
          await fetch(`${gatewayBase}/roster/cases/${caseId}`, {
            headers: { authorization: callerAuth },
          })
        ).json()) as { checks?: Record<string, Record<string, { checkId?: string }>> };
        if (doc.checks?.[c.date]?.[c.slot]?.checkId === checkId) {
          lags.push(performance.now() - created);
          return;
        }
        // Every 20 ms: often enough to read a 200 ms target, rarely enough not to become the load.
        await new Promise((r) => setTimeout(r, 20));
      }
      lags.push(Number.POSITIVE_INFINITY);
    };
    const ceiling = await bare?.measure();
    probing = true;
    const probes = (async () => {
      for (let round = 0; probing && round < SLOTS_PER_CASE; round++) {
        // Two probes at a time: with their reads of the roster, about a hundred requests a second.
        await inPool(probeCases, 2, async (caseId) => {
          if (probing) await probe(caseId, round);
        });
      }
    })();
    for (const [p, port] of [
      [procs[0]!, ports.residents],
      [procs[1]!, ports.quarantine],
      [procs[2]!, ports.worker],
      [procs[3]!, ports.roster],
      [procs[4]!, ports.gateway],
    ] as const)
      p.metricsUrl = `${url(port)}/metrics`;
    const stop = sampleRss(procs);
    const cpuBefore = procs.map((p) => p.cpuSeconds());
    const f = await load(gatewayBase, checkRequests(cases, counter), SECONDS, procs);
    const cpuUsed = procs.map(
      (p, i) =>
        `${p.name} ${(((p.cpuSeconds() - cpuBefore[i]!) * 1000) / Math.max(1, f.ok + f.other)).toFixed(3)}`,
    );
    stop();
    const memory = await memoryLines(procs);
    probing = false;
    await probes;
    report('symptom checks through the gateway', f, ceiling);
    lags.sort((a, b) => a - b);
    const lagP99 = pct(lags, 99);
    console.log(
      `  201 → on the roster (${lags.length} probes under the load): p50 ${ms(pct(lags, 50))}  p99 ${ms(lagP99)}  max ${ms(lags[lags.length - 1] ?? NaN)}`,
    );
    console.log(
      `  CPU ms per check by process (the probes' roster reads included): ${cpuUsed.join(', ')}`,
    );
    console.log(rssLine(procs));
    console.log(memory);
    const heaviest = Math.max(...procs.map((p) => p.peakRssMb));
    console.log(
      `  targets: ≥ 1000 checks/s ${f.rps >= 1000 ? 'met' : 'NOT met'}, 201 → roster p99 < 200 ms ${lagP99 < 200 ? 'met' : 'NOT met'}, every process < 150 MB ${heaviest < 150 ? 'met' : 'NOT met'}`,
    );
  } finally {
    for (const p of [...procs].reverse()) await p.stop();
    const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.end();
    const redis = new Redis(redisUrl);
    const stale = await redis.keys(`${namespace}*`);
    for (let i = 0; i < stale.length; i += 500) await redis.del(...stale.slice(i, i + 500));
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  if (args['cpu-prof']) mkdirSync(PROFILE_DIR, { recursive: true });
  console.log(
    `bench:http on 127.0.0.1: ${CONNECTIONS} connections, ${SECONDS} s per phase, LOG_LEVEL=${LOG_LEVEL}, ${new Date().toISOString()}${args['cpu-prof'] ? `, CPU profiles in ${PROFILE_DIR}` : ''}`,
  );
  const bare = phases.has('ceiling') ? new Ceiling() : undefined;
  try {
    await bare?.start();
    if (phases.has('embedded')) await embeddedPhase(bare);
    if (phases.has('distributed')) await distributedPhase(bare);
  } finally {
    await bare?.stop();
  }
}

await main();
