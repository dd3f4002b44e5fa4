import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import pg from 'pg';
import { BOUNDED_CONTEXTS, deadLetterTopic, topicFor } from '@fangyi/contracts';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { RedisProjectionStore } from '@fangyi/projections';
import { registerPerson } from '../../services/quarantine/test/residents.ts';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { pino } from 'pino';
import { addDays, businessDate } from '@fangyi/service-kit/time';
import { ALL_DAY_SLOT_WINDOWS, authHeader, districtFile, testUser } from '@fangyi/testkit';
import {
  REPO_ROOT,
  ServiceProcess,
  deleteKeys,
  freePort,
  runEnv,
  runNames,
  waitFor,
  waitReady,
} from '../e2e/processes.ts';

/**
 * The fault suite's parts: a stack of the quarantine service (one or more replicas), the read-side
 * worker and the roster API as processes on real PostgreSQL, Redis and Kafka; a bounded load of
 * symptom checks against 127.0.0.1; a tap on the quarantine topic; and the oracle that compares
 * every acknowledged check with the event store and the Redis roster.
 */

const run = promisify(execFile);

/** Runs one of the repository's bash scripts; its stdout. */
export async function script(
  path: string,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  const { stdout } = await run('bash', [path, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

export const COMMUNITY = 'moujia';
export const CALLER = 'caller-faults';
const caller = authHeader(testUser('caller', [COMMUNITY], CALLER));
const registrar = authHeader(testUser('registrar', [COMMUNITY], 'registrar-faults'));

/** Every check of the suite is a fever: two events each (the check and its escalation), and an escalation the roster counts. */
const FEVER_C = 37.8;
/** Each case starts this many days before today, so it has this many dates × 2 slots open for checks. */
const DATES_PER_CASE = 10;

export interface Slot {
  readonly caseId: string;
  readonly date: string;
  readonly slot: 'am' | 'pm';
}

export interface Ack extends Slot {
  readonly checkId: string;
  readonly escalationId: string | null;
  /** When the 201 arrived (ms since the epoch). */
  readonly ackAt: number;
}

const jsonHeaders = (auth: Record<string, string>) => ({
  ...auth,
  'content-type': 'application/json',
});

export interface StackOptions {
  readonly label: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly brokers: string;
  /** Start the read-side worker with the stack (default true); false where Kafka is not up yet. */
  readonly worker?: boolean;
  /** Wait for the quarantine service's /ready (default true). */
  readonly waitReady?: boolean;
  /** Start the tap on the quarantine topic with the stack (default false). */
  readonly tap?: boolean;
}

interface Replica {
  readonly name: string;
  readonly port: number;
  readonly base: string;
  proc: ServiceProcess;
}

/** One set of service processes, with its own schema, topic prefix and Redis namespace. */
export class Stack {
  readonly label: string;
  readonly runId: string;
  readonly schema: string;
  readonly prefix: string;
  readonly topic: string;
  readonly namespace: string;
  readonly group: string;
  readonly brokers: string;
  readonly today = businessDate(new Date());
  readonly env: Record<string, string>;
  readonly replicas: Replica[] = [];
  worker: ServiceProcess | undefined;
  rosterApi!: ServiceProcess;
  rosterBase!: string;
  readonly db: pg.Pool;
  readonly redis: Redis;
  tap: KafkaTap | undefined;
  private readonly options: StackOptions;
  eventStore: PostgresEventStore | undefined;
  private readonly retired: ServiceProcess[] = [];

  constructor(options: StackOptions) {
    this.options = options;
    this.label = options.label;
    this.brokers = options.brokers;
    const names = runNames(`faults_${options.label}`);
    this.runId = names.id;
    this.schema = names.schema;
    this.prefix = names.prefix;
    this.topic = topicFor('quarantine', this.prefix);
    this.namespace = names.namespaces.roster;
    this.group = names.groups.roster;
    this.env = {
      ...runEnv(names, options),
      FANGYI_CONFIG: districtFile({ slotWindows: ALL_DAY_SLOT_WINDOWS }),
      FANGYI_RATE_LIMIT: 'off',
      // A case is assigned only to a caller of its community.
      FANGYI_CALLERS: `${COMMUNITY}=${CALLER}`,
      // A standby relay takes over within a quarter of a second.
      FANGYI_RELAY_STANDBY_POLL_MS: '250',
      LOG_LEVEL: 'warn',
    };
    this.db = new pg.Pool({ connectionString: options.databaseUrl, max: 3 });
    this.redis = new Redis(options.redisUrl);
  }

  get streams(): (caseId: string) => string {
    return (caseId) => `homeQuarantine-${caseId}`;
  }

  get processes(): ServiceProcess[] {
    return [
      ...this.replicas.map((r) => r.proc),
      ...(this.worker ? [this.worker] : []),
      ...(this.rosterApi ? [this.rosterApi] : []),
      ...this.retired,
    ];
  }

  /** Starts the processes (and the tap, if asked); should any fail to start, prints every process's last lines. */
  async start(): Promise<this> {
    try {
      // The event store's tables exist before several processes race to create them.
      this.eventStore = await PostgresEventStore.create({
        connectionString: this.options.databaseUrl,
        schema: this.schema,
      });
      const rosterPort = await freePort();
      this.rosterBase = `http://127.0.0.1:${rosterPort}`;
      this.rosterApi = new ServiceProcess(
        `${this.label} roster API`,
        'services/roster/src/main.ts',
        { ...this.env, PORT: String(rosterPort) },
      ).start();
      await this.addReplica(this.options.waitReady ?? true);
      if (this.options.worker ?? true) this.startWorker();
      await waitReady(this.rosterBase, this.rosterApi);
      if (this.options.worker ?? true) await this.workerBuilt();
      if (this.options.tap) await this.startTap();
      return this;
    } catch (error) {
      console.error(this.logs());
      throw error;
    }
  }

  /** The worker has built (or found whole) both its read models: it consumes from here on. */
  async workerBuilt(): Promise<void> {
    await waitFor(
      'the read-side worker to build its read models',
      async () => {
        if (!this.worker?.running)
          throw new Error(`the read-side worker exited:\n${this.worker?.tail()}`);
        const flags = await Promise.all(
          [
            this.rosterStore,
            new RedisProjectionStore({ redis: this.redis, namespace: `${this.prefix}:report` }),
          ].map((s) => s.intact()),
        );
        return flags.every(Boolean);
      },
      60_000,
      100,
    );
  }

  /** Another replica of the quarantine service on the same event store (its relay stands by while another leads). */
  async addReplica(ready = true): Promise<Replica> {
    const port = await freePort();
    const name = `${this.label} quarantine ${String.fromCharCode(97 + this.replicas.length)}`;
    const replica: Replica = {
      name,
      port,
      base: `http://127.0.0.1:${port}`,
      proc: this.newQuarantine(name, port),
    };
    this.replicas.push(replica);
    if (ready) await waitReady(replica.base, replica.proc, 90_000);
    return replica;
  }

  private newQuarantine(name: string, port: number): ServiceProcess {
    return new ServiceProcess(name, 'services/quarantine/src/main.ts', {
      ...this.env,
      PORT: String(port),
    }).start();
  }

  /** SIGKILL: the replica dies wherever it is, e.g. between an append and its publish. */
  async crashReplica(index: number): Promise<void> {
    const replica = this.replicas[index]!;
    await replica.proc.kill();
    this.retired.push(replica.proc);
  }

  /** The same replica again on the same port. */
  async restartReplica(index: number): Promise<void> {
    const replica = this.replicas[index]!;
    replica.proc = this.newQuarantine(replica.name, replica.port);
    await waitReady(replica.base, replica.proc, 90_000);
  }

  startWorker(): ServiceProcess {
    if (this.worker) this.retired.push(this.worker);
    this.worker = new ServiceProcess(
      `${this.label} read worker`,
      'services/roster/src/worker.ts',
      this.env,
    ).start();
    return this.worker;
  }

  async startTap(): Promise<KafkaTap> {
    // The topic may not exist yet (the relay creates it with its first publish); made as the services make it.
    const bus = new KafkaMessageBus({
      brokers: this.brokers.split(','),
      clientId: `${this.prefix}-topics`,
      logger: pino({ level: 'silent' }),
    });
    try {
      await bus.ensureTopics([this.topic]);
    } finally {
      await bus.close();
    }
    this.tap = await new KafkaTap(this.brokers, this.topic, `${this.prefix}-tap`).start();
    return this.tap;
  }

  /** Starts `count` cases (as the registrar), each open for DATES_PER_CASE dates × 2 slots. */
  async startCases(count: number, base = this.replicas[0]!.base): Promise<string[]> {
    const startDate = addDays(this.today, -(DATES_PER_CASE - 1));
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      // A case is only for someone the residents register holds: their registration, as residents records it.
      const { personId } = await registerPerson(this.eventStore!, {
        community: COMMUNITY,
        name: `居民${i}`,
      });
      const res = await fetch(`${base}/quarantine/cases`, {
        method: 'POST',
        headers: jsonHeaders(registrar),
        body: JSON.stringify({
          personId,
          personName: `居民${i}`,
          community: COMMUNITY,
          startDate,
          reason: 'arrival-from-risk-area',
          assignedCaller: CALLER,
        }),
      });
      if (res.status !== 201) throw new Error(`starting a case: ${res.status} ${await res.text()}`);
      ids.push(((await res.json()) as { caseId: string }).caseId);
    }
    return ids;
  }

  /** Every slot of the cases, slot by slot across cases, so one case is never hit twice at once. */
  slotsOf(caseIds: readonly string[]): Slot[] {
    const slots: Slot[] = [];
    for (let d = 0; d < DATES_PER_CASE; d++) {
      const date = addDays(this.today, -(DATES_PER_CASE - 1) + d);
      for (const slot of ['am', 'pm'] as const)
        for (const caseId of caseIds) slots.push({ caseId, date, slot });
    }
    return slots;
  }

  /** The roster read model as the roster API reads it (its key layout is the store's business). */
  get rosterStore(): RedisProjectionStore {
    return new RedisProjectionStore({ redis: this.redis, namespace: this.namespace });
  }

  async rosterDoc<T>(caseId: string): Promise<T | null> {
    return this.rosterStore.get<T>('cases', caseId);
  }

  /** Deletes every key of the roster's namespace in one command, as a Redis flush or eviction would. */
  async deleteRosterKeys(): Promise<number> {
    return deleteKeys(this.redis, `${this.namespace}:*`);
  }

  async stop(): Promise<void> {
    await this.tap?.stop().catch(() => {});
    await Promise.all(this.processes.map((p) => p.stop().catch(() => {})));
    await this.eventStore?.close().catch(() => {});
    await this.db.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`).catch(() => {});
    await this.db.end().catch(() => {});
    await deleteKeys(this.redis, `${this.prefix}:*`).catch(() => {});
    this.redis.disconnect();
  }

  /** The last lines of every process, for a failure report. */
  logs(lines = 40): string {
    return this.processes
      .map((p) => `---- ${p.name} (${p.running ? 'running' : 'exited'}) ----\n${p.tail(lines)}`)
      .join('\n');
  }
}

/** Creates every context's topic and its dead-letter topic with a replication factor, as an operator does before the services start. */
export async function createTopics(
  brokers: string,
  prefix: string,
  replicationFactor: number,
): Promise<void> {
  const kafka = new Kafka({
    clientId: `${prefix}-admin`,
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = BOUNDED_CONTEXTS.flatMap((c) => [
      topicFor(c, prefix),
      deadLetterTopic(topicFor(c, prefix)),
    ]);
    await admin.createTopics({
      waitForLeaders: true,
      topics: topics.map((topic) => ({
        topic,
        numPartitions: topic.endsWith('.dlq') ? 1 : 3,
        replicationFactor,
        configEntries: [{ name: 'min.insync.replicas', value: '2' }],
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** The leader of a topic's partition 0 (a node id). */
export async function leaderOf(brokers: string, topic: string): Promise<number> {
  const kafka = new Kafka({
    clientId: 'fangyi-faults-meta',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]!.partitions.find((p) => p.partitionId === 0)!.leader;
  } finally {
    await admin.disconnect();
  }
}

/** Reads a topic (every partition) from the beginning to its end as of the call. */
export async function readTopic(
  brokers: string,
  topic: string,
): Promise<{ key: string | null; value: string; headers: Record<string, string> }[]> {
  const kafka = new Kafka({
    clientId: 'fangyi-faults-reader',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const wanted = ends.filter((p) => Number(p.high) > Number(p.low));
  const got: { key: string | null; value: string; headers: Record<string, string> }[] = [];
  if (wanted.length === 0) return got;
  const consumer = kafka.consumer({
    groupId: `fangyi-faults-reader-${randomUUID()}`,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  const done = new Set<number>();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reading ${topic} took too long`)), 30_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {}))
            if (v !== undefined) headers[k] = String(Array.isArray(v) ? v[v.length - 1] : v);
          got.push({
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? '',
            headers,
          });
          const end = wanted.find((p) => p.partition === partition);
          if (end && Number(message.offset) >= Number(end.high) - 1) done.add(partition);
          if (done.size === wanted.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

/**
 * A consumer group of the suite's own on the quarantine topic: how many copies of each event id
 * reached Kafka, and when each check first did.
 */
export class KafkaTap {
  readonly copies = new Map<string, number>();
  readonly checkSeenAt = new Map<string, number>();
  private readonly kafka: Kafka;
  private consumer: Consumer | undefined;
  private readonly topic: string;
  private readonly groupId: string;

  constructor(brokers: string, topic: string, groupId: string) {
    this.kafka = new Kafka({
      clientId: groupId,
      brokers: brokers.split(','),
      logLevel: logLevel.NOTHING,
      retry: { retries: 30, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    this.topic = topic;
    this.groupId = groupId;
  }

  async start(): Promise<this> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 100,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    const joined = new Promise<void>((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
    );
    await consumer.run({
      eachMessage: async ({ message }) => {
        const id = message.headers?.['fangyi-event-id']?.toString();
        if (!id) return;
        this.copies.set(id, (this.copies.get(id) ?? 0) + 1);
        try {
          const envelope = JSON.parse(message.value?.toString() ?? '') as {
            type: string;
            data: { checkId?: string };
          };
          if (
            envelope.type === 'quarantine.symptom-check-logged' &&
            envelope.data.checkId &&
            !this.checkSeenAt.has(envelope.data.checkId)
          )
            this.checkSeenAt.set(envelope.data.checkId, Date.now());
        } catch {
          // not an envelope: the poison case's message
        }
      },
    });
    await joined;
    return this;
  }

  /** Event ids of the given set seen more than once (extra copies in total). */
  extraCopies(eventIds: Iterable<string>): number {
    let extra = 0;
    for (const id of eventIds) extra += Math.max(0, (this.copies.get(id) ?? 0) - 1);
    return extra;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

export interface LoadOptions {
  /** Where each check goes: the i-th check to targets(i). */
  readonly target: (i: number) => string;
  readonly slots: readonly Slot[];
  readonly ratePerSecond: number;
  readonly maxInFlight?: number;
}

/** A bounded open-loop load of symptom checks: one per slot, at a fixed rate, with a cap on requests in flight. */
export class Load {
  readonly acks: Ack[] = [];
  /** Refusals and failures by status or error code. */
  readonly refused = new Map<string, number>();
  sent = 0;
  private readonly options: LoadOptions;
  readonly done: Promise<void>;
  startedAt = Date.now();
  endedAt = 0;

  constructor(options: LoadOptions) {
    this.options = options;
    this.done = this.run();
  }

  private async run(): Promise<void> {
    const { slots, ratePerSecond, target } = this.options;
    const maxInFlight = this.options.maxInFlight ?? 32;
    const inFlight = new Set<Promise<void>>();
    this.startedAt = Date.now();
    for (let i = 0; i < slots.length; i++) {
      const due = this.startedAt + (i * 1000) / ratePerSecond;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      const p = this.one(target(i), slots[i]!).finally(() => inFlight.delete(p));
      inFlight.add(p);
      this.sent++;
    }
    await Promise.all(inFlight);
    this.endedAt = Date.now();
  }

  private async one(base: string, s: Slot): Promise<void> {
    try {
      const res = await fetch(`${base}/quarantine/cases/${s.caseId}/checks`, {
        method: 'POST',
        headers: jsonHeaders(caller),
        body: JSON.stringify({
          date: s.date,
          slot: s.slot,
          temperatureC: FEVER_C,
          reachedVia: 'phone',
        }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await res.json()) as {
        checkId?: string;
        escalationId?: string | null;
        code?: string;
      };
      if (res.status === 201 && body.checkId)
        this.acks.push({
          ...s,
          checkId: body.checkId,
          escalationId: body.escalationId ?? null,
          ackAt: Date.now(),
        });
      else this.count(`${res.status}${body.code ? ` ${body.code}` : ''}`);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      this.count(cause?.code ?? (error as Error).name);
    }
  }

  private count(what: string): void {
    this.refused.set(what, (this.refused.get(what) ?? 0) + 1);
  }

  get refusedCount(): number {
    return [...this.refused.values()].reduce((a, b) => a + b, 0);
  }

  /** Resolves once `n` checks have been sent. */
  async sentAtLeast(n: number): Promise<void> {
    while (this.sent < n) await sleep(20);
  }

  describeRefused(): string {
    return this.refused.size === 0
      ? 'none'
      : [...this.refused].map(([k, v]) => `${k} ×${v}`).join(', ');
  }
}

export interface Verdict {
  readonly acknowledged: number;
  /** Acknowledged checks missing from the event store or the roster, plus events of the cases' streams the roster never applied. */
  readonly lost: number;
  /** Extra copies of an acknowledged check in the event store, or of its escalation on the roster. */
  readonly doubled: number;
  readonly missingInStore: number;
  readonly missingOnRoster: number;
  /** Streams whose applied revision on the roster is behind the event store's. */
  readonly streamsBehind: number;
  /** Events of the cases' streams in the store (for Kafka copy counts). */
  readonly eventIds: readonly string[];
  /** What the oracle found for the first few lost checks. */
  readonly details: readonly string[];
}

interface RosterDoc {
  checks?: Record<string, Partial<Record<'am' | 'pm', { checkId: string }>>>;
  escalations?: number;
  openEscalations?: { escalationId: string }[];
}

/** The oracle: every acknowledged check against the event store and the Redis roster, now. */
export async function verify(
  stack: Stack,
  caseIds: readonly string[],
  acks: readonly Ack[],
): Promise<Verdict> {
  const streams = caseIds.map(stack.streams);
  const { rows } = await stack.db.query<{
    id: string;
    stream_id: string;
    stream_revision: string;
    type: string;
    check_id: string | null;
    position: string;
  }>(
    `SELECT id, stream_id, stream_revision, type, data->>'checkId' AS check_id, transaction_id::text || '/' || global_position AS position FROM "${stack.schema}".events WHERE stream_id = ANY($1)`,
    [streams],
  );
  const checksInStore = new Map<string, number>();
  const escalationsInStore = new Map<string, number>();
  const storeRevision = new Map<string, number>();
  for (const r of rows) {
    if (r.type === 'quarantine.symptom-check-logged' && r.check_id)
      checksInStore.set(r.check_id, (checksInStore.get(r.check_id) ?? 0) + 1);
    if (r.type === 'quarantine.escalation-raised')
      escalationsInStore.set(r.stream_id, (escalationsInStore.get(r.stream_id) ?? 0) + 1);
    storeRevision.set(
      r.stream_id,
      Math.max(storeRevision.get(r.stream_id) ?? -1, Number(r.stream_revision)),
    );
  }
  const docs = new Map<string, RosterDoc>();
  const raw = await Promise.all(caseIds.map((id) => stack.rosterDoc<RosterDoc>(id)));
  caseIds.forEach((id, i) => raw[i] && docs.set(id, raw[i]!));
  const states = await stack.rosterStore.streamStates(streams);
  const applied = streams.map((s) => states.get(s)?.revision ?? null);

  let lost = 0;
  let doubled = 0;
  let missingInStore = 0;
  let missingOnRoster = 0;
  const details: string[] = [];
  for (const a of acks) {
    const inStore = checksInStore.get(a.checkId) ?? 0;
    const doc = docs.get(a.caseId);
    const escalationCopies = a.escalationId
      ? (doc?.openEscalations ?? []).filter((e) => e.escalationId === a.escalationId).length
      : 1;
    const onRoster =
      doc?.checks?.[a.date]?.[a.slot]?.checkId === a.checkId && escalationCopies >= 1;
    if (inStore === 0) missingInStore++;
    if (!onRoster) missingOnRoster++;
    if (inStore === 0 || !onRoster) {
      lost++;
      if (details.length < 5) {
        const event = rows.find(
          (r) => r.check_id === a.checkId && r.type === 'quarantine.symptom-check-logged',
        );
        const stream = stack.streams(a.caseId);
        const appliedNow = applied[caseIds.indexOf(a.caseId)];
        details.push(
          `check ${a.checkId} (${stream} ${a.date} ${a.slot}, acknowledged ${new Date(a.ackAt).toISOString()}): in the store ${inStore}` +
            (event
              ? ` (event ${event.id} revision ${event.stream_revision} position ${event.position}, on Kafka ${stack.tap?.copies.get(event.id) ?? '?'}×)`
              : '') +
            `; roster slot holds ${doc?.checks?.[a.date]?.[a.slot]?.checkId ?? 'nothing'}, escalation copies ${escalationCopies}, applied revision ${appliedNow ?? 'none'} of ${storeRevision.get(stream)}`,
        );
      }
    }
    doubled += Math.max(0, inStore - 1) + Math.max(0, escalationCopies - 1);
  }
  let streamsBehind = 0;
  streams.forEach((stream, i) => {
    const inStore = storeRevision.get(stream) ?? -1;
    const onRoster = applied[i] === null || applied[i] === undefined ? -1 : Number(applied[i]);
    if (onRoster < inStore) streamsBehind++;
    // An escalation counted more often than the store holds it was applied twice.
    const doc = docs.get(caseIds[i]!);
    doubled += Math.max(0, (doc?.escalations ?? 0) - (escalationsInStore.get(stream) ?? 0));
  });
  return {
    acknowledged: acks.length,
    lost: lost + streamsBehind,
    doubled,
    missingInStore,
    missingOnRoster,
    streamsBehind,
    eventIds: rows.map((r) => r.id),
    details,
  };
}

/** Polls the oracle until nothing is lost (or the timeout); the time it took from `since`. */
export async function converge(
  stack: Stack,
  caseIds: readonly string[],
  acks: readonly Ack[],
  since: number,
  timeoutMs = 60_000,
): Promise<{ verdict: Verdict; seconds: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const verdict = await verify(stack, caseIds, acks);
    if (verdict.lost === 0 || Date.now() > deadline)
      return { verdict, seconds: (Date.now() - since) / 1000 };
    await sleep(200);
  }
}

const RESULTS = join(REPO_ROOT, '.cache', 'fault-results.txt');

/** Prints the case's line and keeps it for the runner's summary. */
export function report(name: string, verdict: Verdict, seconds: number, extra = ''): string {
  const line = `fault: ${name} — acknowledged ${verdict.acknowledged}, lost ${verdict.lost}, doubled ${verdict.doubled}, converged in ${seconds.toFixed(1)} s${extra ? `; ${extra}` : ''}`;
  console.info(line);
  mkdirSync(join(REPO_ROOT, '.cache'), { recursive: true });
  appendFileSync(RESULTS, `${line}\n`);
  if (verdict.lost > 0) {
    const text = [
      `  missing in the event store ${verdict.missingInStore}, missing on the roster ${verdict.missingOnRoster}, streams behind ${verdict.streamsBehind}`,
      ...verdict.details.map((d) => `  ${d}`),
    ].join('\n');
    console.info(text);
    appendFileSync(RESULTS, `${text}\n`);
  }
  return line;
}

/** The pid of the broker infra/kafka/start.sh started on `port`, checked to be that broker. */
export function ownBrokerPid(port: number): number {
  const pid = Number(
    readFileSync(join(REPO_ROOT, '.cache', 'kafka-run', `kafka-${port}.pid`), 'utf8').trim(),
  );
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  if (
    !cmdline.includes(
      `kafka.Kafka ${join(REPO_ROOT, '.cache', 'kafka-run', String(port))}/server.properties`,
    )
  )
    throw new Error(`pid ${pid} is not the broker on ${port}`);
  return pid;
}

export { waitFor };
