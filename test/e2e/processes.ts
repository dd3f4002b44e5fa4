import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import pg from 'pg';
import { onTestFailed } from 'vitest';
import { topicFor } from '@fangyi/contracts';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import {
  TEST_AUTH_SECRET,
  TEST_MASTER_KEY,
  TEST_RESERVATION_KEY,
  freePort,
  requireInfra,
} from '@fangyi/testkit';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export { freePort };

/** A service run as its own process, as in production; its output is kept for failure reports. */
export class ServiceProcess {
  readonly name: string;
  private readonly script: string;
  private readonly env: NodeJS.ProcessEnv;
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  output = '';

  constructor(name: string, script: string, env: NodeJS.ProcessEnv) {
    this.name = name;
    this.script = script;
    this.env = env;
  }

  start(): this {
    const child = spawn(process.execPath, [this.script], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-200_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    return this;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** SIGKILL: a crash, with no chance to finish or commit anything. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM: the graceful path; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    this.child!.kill('SIGTERM');
    return this.exited;
  }

  tail(lines = 40): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}

/**
 * Waits for /ready; several services starting at once on two cores can take a while. A failure
 * names what /ready last answered and, where given, the output of the processes behind it (a
 * gateway is ready only once every service behind it is).
 */
export async function waitReady(
  base: string,
  service: ServiceProcess,
  timeoutMs = 120_000,
  behind: readonly ServiceProcess[] = [],
): Promise<void> {
  let lastAnswer = 'no answer yet';
  await waitFor(
    `${service.name} to be ready`,
    async () => {
      if (!service.running) throw new Error(`${service.name} exited:\n${service.tail()}`);
      const res = await fetch(`${base}/ready`);
      lastAnswer = `${res.status} ${await res.text()}`;
      return res.ok;
    },
    timeoutMs,
    100,
  ).catch((error: Error) => {
    const others = behind
      .map((p) => `\n---- ${p.name} (${p.running ? 'running' : 'exited'}) ----\n${p.tail()}`)
      .join('');
    throw new Error(
      `${error.message}\nlast /ready answer: ${lastAnswer}\n---- ${service.name} ----\n${service.tail()}${others}`,
    );
  });
}

/** The services a distributed stack can run: each one's entry point, and the gateway's variable that points at it. */
export const SERVICES = {
  quarantine: {
    script: 'services/quarantine/src/main.ts',
    name: 'quarantine',
    gatewayUrl: 'QUARANTINE_URL',
  },
  roster: { script: 'services/roster/src/main.ts', name: 'roster', gatewayUrl: 'ROSTER_URL' },
  residents: {
    script: 'services/residents/src/main.ts',
    name: 'residents',
    gatewayUrl: 'RESIDENTS_URL',
  },
  checkpoints: {
    script: 'services/checkpoints/src/main.ts',
    name: 'checkpoints',
    gatewayUrl: 'CHECKPOINTS_URL',
  },
  complaints: {
    script: 'services/complaints/src/main.ts',
    name: 'complaints',
    gatewayUrl: 'COMPLAINTS_URL',
  },
  staff: { script: 'services/staff/src/main.ts', name: 'staff', gatewayUrl: 'STAFF_URL' },
  analyst: { script: 'services/analyst/src/main.ts', name: 'analyst', gatewayUrl: 'ANALYST_URL' },
  worker: { script: 'services/roster/src/worker.ts', name: 'roster worker', gatewayUrl: undefined },
  gateway: { script: 'services/gateway/src/main.ts', name: 'gateway', gatewayUrl: undefined },
} as const;
export type ServiceName = keyof typeof SERVICES;

/** Where a run's services find PostgreSQL, Redis and Kafka. */
export interface RunInfra {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly brokers: string;
}

/** A run's own names on the shared servers: nothing of another run (or of another engineer's) is touched. */
export interface RunNames {
  readonly id: string;
  readonly schema: string;
  readonly prefix: string;
  readonly namespaces: {
    readonly roster: string;
    readonly report: string;
    readonly alerts: string;
    readonly checkpoints: string;
    readonly complaints: string;
  };
  readonly groups: { readonly roster: string; readonly report: string; readonly alerts: string };
}

/** Fresh names for a run: schema fangyi_<run>_<id>; topics, Redis keys and consumer groups under fangyi-<run>-<id>. */
export function runNames(run: string): RunNames {
  const id = randomUUID().slice(0, 8);
  const p = `fangyi-${run.replaceAll('_', '-')}-${id}`;
  return {
    id,
    schema: `fangyi_${run}_${id}`,
    prefix: p,
    namespaces: {
      roster: `${p}:roster`,
      report: `${p}:report`,
      alerts: `${p}:alerts`,
      checkpoints: `${p}:checkpoints`,
      complaints: `${p}:complaints`,
    },
    groups: { roster: `${p}-roster`, report: `${p}-report`, alerts: `${p}-alerts` },
  };
}

/** The environment every service of a run gets: the test secrets, the servers, the run's names, the scheduler off. */
export function runEnv(names: RunNames, infra: RunInfra): Record<string, string> {
  return {
    FANGYI_JWT_SECRET: TEST_AUTH_SECRET,
    FANGYI_MASTER_KEY: TEST_MASTER_KEY,
    FANGYI_RESERVATION_KEY: TEST_RESERVATION_KEY,
    EVENT_STORE_URL: infra.databaseUrl,
    REDIS_URL: infra.redisUrl,
    KAFKA_BROKERS: infra.brokers,
    FANGYI_SCHEMA: names.schema,
    FANGYI_TOPIC_PREFIX: names.prefix,
    FANGYI_ROSTER_NAMESPACE: names.namespaces.roster,
    FANGYI_REPORT_NAMESPACE: names.namespaces.report,
    FANGYI_ALERTS_NAMESPACE: names.namespaces.alerts,
    FANGYI_CHECKPOINTS_NAMESPACE: names.namespaces.checkpoints,
    FANGYI_COMPLAINTS_NAMESPACE: names.namespaces.complaints,
    FANGYI_ROSTER_GROUP: names.groups.roster,
    FANGYI_REPORT_GROUP: names.groups.report,
    FANGYI_ALERTS_GROUP: names.groups.alerts,
    // Missed slots would be recorded by the hour the test runs.
    FANGYI_SCHEDULER: 'off',
    LOG_LEVEL: 'info',
  };
}

/** Deletes every Redis key matching the pattern (SCAN, never KEYS on a shared server); how many there were. */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  if (keys.length > 0) await redis.del(...keys);
  return keys.length;
}

export interface DistributedStackOptions {
  /** Names the run: schema fangyi_<run>_<id>, topics, Redis keys and consumer groups under fangyi-<run>-<id>. */
  readonly run: string;
  /** Started in this order, each on a free port; the gateway, if any, is waited for last. */
  readonly services: readonly ServiceName[];
  /** Added to (or replacing) the environment every service gets. */
  readonly env?: Readonly<Record<string, string>>;
  /** Added to one service's environment only. */
  readonly serviceEnv?: { readonly [S in ServiceName]?: Readonly<Record<string, string>> };
}

/**
 * The distributed mode on the shared PostgreSQL, Redis and Kafka, isolated by fresh names: a
 * schema, a topic prefix, Redis namespaces and consumer groups of its own; each service its own
 * process on a free port. `stop()` ends the processes and removes what the run left on the servers.
 */
export class DistributedStack implements RunNames {
  readonly databaseUrl = requireInfra('postgres');
  readonly redisUrl = requireInfra('redis');
  readonly brokers = requireInfra('kafka');
  readonly id: string;
  readonly schema: string;
  readonly prefix: string;
  readonly namespaces: RunNames['namespaces'];
  readonly groups: RunNames['groups'];
  readonly env: Record<string, string>;
  readonly ports: Partial<Record<ServiceName, number>> = {};
  readonly db: pg.Pool;
  readonly redis: Redis;
  readonly admin: Admin;
  eventStore!: PostgresEventStore;
  private readonly options: DistributedStackOptions;
  private readonly current = new Map<ServiceName, ServiceProcess>();
  private adminConnected = false;
  private nobody = 0;

  constructor(options: DistributedStackOptions) {
    this.options = options;
    const names = runNames(options.run);
    ({
      id: this.id,
      schema: this.schema,
      prefix: this.prefix,
      namespaces: this.namespaces,
      groups: this.groups,
    } = names);
    this.env = { ...runEnv(names, this), ...options.env };
    this.db = new pg.Pool({ connectionString: this.databaseUrl, max: 2 });
    this.redis = new Redis(this.redisUrl);
    this.admin = new Kafka({
      clientId: this.prefix,
      brokers: this.brokers.split(','),
      logLevel: logLevel.NOTHING,
    }).admin();
  }

  /** The service's process now running (the latest started). */
  process(name: ServiceName): ServiceProcess {
    const p = this.current.get(name);
    if (!p) throw new Error(`${name} is not part of this stack`);
    return p;
  }

  /** The processes now running, in the order of the services. */
  get processes(): ServiceProcess[] {
    return [...this.current.values()];
  }

  base(name: ServiceName): string {
    const port = this.ports[name];
    if (port === undefined) throw new Error(`${name} is not part of this stack`);
    return `http://127.0.0.1:${port}`;
  }

  /** The topic of a bounded context under this run's prefix. */
  topic(context: string): string {
    return topicFor(context, this.prefix);
  }

  /** A new process of the service on its port and environment (the one before stopped or killed first); not waited for. */
  respawn(name: ServiceName): ServiceProcess {
    const port = this.ports[name]!;
    const env: Record<string, string> = {
      ...this.env,
      ...this.options.serviceEnv?.[name],
      PORT: String(port),
    };
    if (name === 'gateway') {
      // A service not in the stack gets a port nobody listens on: the gateway answers 503 for it.
      for (const [service, { gatewayUrl }] of Object.entries(SERVICES))
        if (gatewayUrl)
          env[gatewayUrl] = `http://127.0.0.1:${this.ports[service as ServiceName] ?? this.nobody}`;
    }
    const p = new ServiceProcess(SERVICES[name].name, SERVICES[name].script, env).start();
    this.current.set(name, p);
    return p;
  }

  async start(): Promise<this> {
    try {
      // The event store's tables are created once, before several services race to migrate them.
      this.eventStore = await PostgresEventStore.create({
        connectionString: this.databaseUrl,
        schema: this.schema,
      });
      for (const name of this.options.services) this.ports[name] = await freePort();
      this.nobody = await freePort();
      for (const name of this.options.services) this.respawn(name);
      const services = this.options.services.filter((s) => s !== 'gateway');
      await Promise.all(services.map((s) => waitReady(this.base(s), this.process(s))));
      if (this.ports.gateway !== undefined) {
        const behindGateway = Object.entries(SERVICES)
          .filter(([, s]) => s.gatewayUrl)
          .map(([n]) => n as ServiceName);
        const gateway = this.process('gateway');
        if (behindGateway.every((s) => s in this.ports))
          await waitReady(
            this.base('gateway'),
            gateway,
            120_000,
            services.map((s) => this.process(s)),
          );
        // With services left out the gateway is never ready: it is up once it answers /health.
        else
          await waitFor(
            'the gateway',
            async () => (await fetch(`${this.base('gateway')}/health`)).ok,
            60_000,
            100,
          );
      }
      await this.admin.connect();
      this.adminConnected = true;
      return this;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** SIGTERM to every process; then the run's schema, Redis keys, topics and consumer groups are removed. */
  async stop(): Promise<void> {
    for (const p of this.current.values()) await p.stop();
    await this.eventStore?.close().catch(() => {});
    await this.db.query(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`).catch(() => {});
    await this.db.end().catch(() => {});
    await deleteKeys(this.redis, `${this.prefix}:*`).catch(() => {});
    this.redis.disconnect();
    try {
      if (!this.adminConnected) await this.admin.connect();
      const topics = (await this.admin.listTopics()).filter((t) => t.startsWith(`${this.prefix}.`));
      if (topics.length) await this.admin.deleteTopics({ topics });
      const groups = (await this.admin.listGroups()).groups
        .map((g) => g.groupId)
        .filter((g) => g.startsWith(`${this.prefix}-`));
      if (groups.length) await this.admin.deleteGroups(groups);
    } catch {
      // Left to the broker's retention: nothing else reads this run's names.
    } finally {
      await this.admin.disconnect().catch(() => {});
    }
  }
}

/** Starts a distributed stack and waits until each of its services is ready (the gateway last). */
export function distributedStack(options: DistributedStackOptions): Promise<DistributedStack> {
  return new DistributedStack(options).start();
}

/** Prints the last lines of each process's output should the current test fail. */
export function logsOnFailure(processes: () => readonly ServiceProcess[], lines = 30): void {
  onTestFailed(() => {
    for (const p of processes()) console.error(`---- ${p.name} ----\n${p.tail(lines)}`);
  });
}

/** The embedded process (every context in one, on SQLite) on a free port; started, not yet waited for. */
export async function embeddedProcess(
  env: Readonly<Record<string, string>>,
): Promise<{ readonly process: ServiceProcess; readonly base: string }> {
  const port = await freePort();
  const process = new ServiceProcess('embedded', 'services/embedded/src/main.ts', {
    FANGYI_JWT_SECRET: TEST_AUTH_SECRET,
    FANGYI_SCHEDULER: 'off',
    LOG_LEVEL: 'warn',
    ...env,
    PORT: String(port),
  }).start();
  return { process, base: `http://127.0.0.1:${port}` };
}
