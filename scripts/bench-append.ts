// Append throughput of the PostgreSQL event store against PostgreSQL's own limit (pgbench, one
// insert per transaction). Prints figures only; run with scripts/bench-append.sh.
//   node scripts/bench-append.ts [--notify after-commit|in-transaction|off] [--pgbench-seconds 10]   (each side, per round)
//                                [--append-concurrency 4] [--max-batch 64]   (--max-batch 1: no write combining)
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { uuidv7, type NewEvent } from '@fangyi/contracts';
import type { ExpectedRevision } from '@fangyi/eventstore';
import { PostgresEventStore, type PostgresEventStoreOptions } from '@fangyi/eventstore/postgres';
import { procCpu, procName, procParent } from './proc.ts';

const WRITERS = 16;
const EVENTS_PER_STREAM = 10;

const { values: args } = parseArgs({
  options: {
    notify: { type: 'string', default: 'after-commit' },
    'pgbench-seconds': { type: 'string', default: '10' },
    'append-concurrency': { type: 'string' },
    'max-batch': { type: 'string' },
  },
});
const notify = args.notify as NonNullable<PostgresEventStoreOptions['notify']>;
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/fangyi_test';
const schema = `fangyi_bench_${randomBytes(4).toString('hex')}`;

function newEvent(n: number): NewEvent {
  return {
    id: uuidv7(),
    type: 'quarantine.symptom-check-logged',
    schemaVersion: 1,
    occurredAt: new Date().toISOString(),
    actor: { id: 'caller-7', role: 'caller' },
    correlationId: randomUUID(),
    causationId: null,
    data: {
      slot: n % 2 === 0 ? 'morning' : 'evening',
      temperature: 36.5 + (n % 10) / 10,
      symptoms: [],
    },
  };
}

/**
 * CPU seconds PostgreSQL has used so far, every process of the server: each live postgres
 * process's own, plus what the postmaster's children that ended (backends of closed connections)
 * used, which the postmaster collected. Null where /proc is not this server's (another machine).
 */
function postgresCpuSeconds(): number | null {
  let seconds = 0;
  let found = false;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (procName(pid) !== 'postgres') continue;
    const cpu = procCpu(pid);
    if (!cpu) continue;
    found = true;
    seconds += cpu.own;
    // The postmaster (its parent is not a postgres process) holds its ended children's CPU.
    const parent = procParent(pid);
    if (parent === null || procName(parent) !== 'postgres') seconds += cpu.children;
  }
  return found ? seconds : null;
}

/** This process's CPU seconds, its own and its ended children's (pgbench, once it has exited). */
function selfCpuSeconds(): { own: number; children: number } {
  return procCpu('self')!;
}

function cpuLine(
  unit: string,
  count: number,
  pgSeconds: number | null,
  clientSeconds: number,
  client: string,
): string {
  const us = (s: number) => ((s * 1e6) / count).toFixed(1);
  return `         CPU per ${unit}: PostgreSQL ${pgSeconds === null ? '? (not on this machine)' : `${us(pgSeconds)} µs`}, ${client} ${us(clientSeconds)} µs`;
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function benchOurs(seconds: number, round: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: WRITERS });
  const store = await PostgresEventStore.create({
    pool,
    schema,
    notify,
    ...(args['append-concurrency']
      ? { appendConcurrency: Number(args['append-concurrency']) }
      : {}),
    ...(args['max-batch'] ? { maxAppendBatch: Number(args['max-batch']) } : {}),
  });
  try {
    // Warm every connection (connect + prepare), as pgbench's figure excludes connection time.
    await Promise.all(
      Array.from({ length: WRITERS * 2 }, (_, i) =>
        store.append(`warmup-${round}-${i}`, [newEvent(i)], { expectedRevision: 'no-stream' }),
      ),
    );

    // For as long as pgbench runs: each writer appends to streams of its own (a new one every
    // EVENTS_PER_STREAM events), so appends never conflict and every one is single-event.
    const latencies: number[] = [];
    let done = 0;
    const pg0 = postgresCpuSeconds();
    const self0 = selfCpuSeconds();
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        for (let s = 0; performance.now() < deadline; s++) {
          const streamId = `case-${round}-${w}-${s}`;
          let expected: ExpectedRevision = 'no-stream';
          for (let i = 0; i < EVENTS_PER_STREAM && performance.now() < deadline; i++) {
            const t0 = performance.now();
            expected = (await store.append(streamId, [newEvent(i)], { expectedRevision: expected }))
              .nextExpectedRevision;
            latencies.push(performance.now() - t0);
            done++;
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const pg1 = postgresCpuSeconds();
    const self1 = selfCpuSeconds();
    const sorted = Float64Array.from(latencies).sort();
    const rate = done / elapsed;
    console.log(
      `ours     ${done} single-event appends, ${WRITERS} writers, notify=${notify}: ${rate.toFixed(0)} events/s in ${elapsed.toFixed(2)} s`,
    );
    console.log(
      `         latency ms: p50 ${percentile(sorted, 50).toFixed(2)}  p95 ${percentile(sorted, 95).toFixed(2)}  p99 ${percentile(sorted, 99).toFixed(2)}  max ${sorted[sorted.length - 1]!.toFixed(2)}`,
    );
    const check = await pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM "${schema}".events WHERE stream_id LIKE $1`,
      [`case-${round}-%`],
    );
    console.log(
      cpuLine(
        'event',
        done,
        pg0 === null || pg1 === null ? null : pg1 - pg0,
        self1.own - self0.own,
        "the writers' process",
      ),
    );
    console.log(`         events stored: ${check.rows[0]!.n} of ${done}`);
    return rate;
  } finally {
    await store.close();
    await pool.end();
  }
}

function findPgbench(): string {
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (dir && existsSync(join(dir, 'pgbench'))) return join(dir, 'pgbench');
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const version of readdirSync(root).sort().reverse()) {
      const candidate = join(root, version, 'bin', 'pgbench');
      if (existsSync(candidate)) return candidate;
    }
  }
  throw new Error('pgbench not found on PATH or under /usr/lib/postgresql/*/bin');
}

async function benchPgbench(seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-pgbench-'));
  try {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS "${schema}".pgbench_scratch (id bigserial PRIMARY KEY, payload jsonb NOT NULL)`,
    );
    const script = join(dir, 'insert.sql');
    writeFileSync(
      script,
      `INSERT INTO "${schema}".pgbench_scratch (payload) VALUES ('{"slot":"morning","temperature":36.6}');\n`,
    );
    const pg0 = postgresCpuSeconds();
    const self0 = selfCpuSeconds();
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(findPgbench(), [
        '-n',
        '-M',
        'prepared',
        '-c',
        String(WRITERS),
        '-j',
        '2',
        '-T',
        String(seconds),
        '-f',
        script,
        url,
      ]);
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve(text) : reject(new Error(`pgbench exited ${code}:\n${text}`)),
      );
    });
    const pg1 = postgresCpuSeconds();
    const self1 = selfCpuSeconds();
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
    const transactions = /number of transactions actually processed: (\d+)/.exec(out);
    const latency = /latency average = ([\d.]+) ms/.exec(out);
    if (!tps) throw new Error(`could not read pgbench's tps:\n${out}`);
    console.log(
      `pgbench  ${WRITERS} clients, one-row INSERT per transaction, ${seconds} s: ${Number(tps[1]).toFixed(0)} tps (latency avg ${latency?.[1] ?? '?'} ms)`,
    );
    if (transactions)
      console.log(
        cpuLine(
          'transaction',
          Number(transactions[1]),
          pg0 === null || pg1 === null ? null : pg1 - pg0,
          self1.children - self0.children,
          'pgbench',
        ),
      );
    return Number(tps[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await pool.end();
  }
}

async function main() {
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  const settings = await admin.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'commit_delay', 'max_connections') ORDER BY name`,
  );
  console.log(
    `PostgreSQL ${url.replace(/\/\/[^@]*@/, '//…@')}, schema ${schema}; ${settings.rows.map((r) => `${r.name}=${r.setting}`).join(' ')}`,
  );
  try {
    // Two rounds, each ours then pgbench for the same time: the machine is shared, and a load that
    // comes and goes then weighs on both sides alike.
    const seconds = Number(args['pgbench-seconds']);
    let ours = 0;
    let raw = 0;
    for (let round = 1; round <= 2; round++) {
      console.log(`round ${round}`);
      ours += await benchOurs(seconds, round);
      raw += await benchPgbench(seconds);
    }
    console.log(`ratio    ours / pgbench = ${((ours / raw) * 100).toFixed(1)}% (both rounds)`);
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

await main();
