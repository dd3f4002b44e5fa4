import type { Admin } from 'kafkajs';
import type pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { toMessage } from '@fangyi/messaging';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { RedisProjectionStore } from '@fangyi/projections';
import { ROSTER_COLLECTION, type RosterCase } from '@fangyi/roster';
import { addDays, businessDate } from '@fangyi/service-kit/time';
import { ALL_DAY_SLOT_WINDOWS, authHeader, districtFile, testUser } from '@fangyi/testkit';
import { registerPerson } from '../../services/quarantine/test/residents.ts';
import {
  type DistributedStack,
  type ServiceProcess,
  distributedStack,
  logsOnFailure,
  waitFor,
} from './processes.ts';

/**
 * The walking skeleton across processes on real parts: HTTP → quarantine service → PostgreSQL
 * event store → relay → Kafka → roster worker → Redis → roster API.
 */
describe('one symptom check flows from HTTP to the Redis roster (PostgreSQL, Kafka, Redis; separate processes)', {
  timeout: 120_000,
}, () => {
  const today = businessDate(new Date());

  let stack: DistributedStack | undefined;
  let quarantine: ServiceProcess;
  let worker: ServiceProcess;
  let rosterApi: ServiceProcess;
  let qBase: string;
  let rBase: string;
  let topic: string;
  let group: string;
  let rosterStore: RedisProjectionStore;
  let eventStore: PostgresEventStore;
  let db: pg.Pool;
  let admin: Admin;

  const caller = authHeader(testUser('caller', ['moujia'], 'caller-e2e'));
  const registrar = authHeader(testUser('registrar', ['moujia'], 'registrar-e2e'));

  beforeAll(async () => {
    // Fresh names isolate this run from every other on the same servers.
    stack = await distributedStack({
      run: 'e2e',
      // The worker answers /health and /ready like the services (its projections running, Redis up).
      services: ['quarantine', 'roster', 'worker'],
      env: {
        // Both windows stay open all day, so "pending" does not depend on when the test runs.
        FANGYI_CONFIG: districtFile({ slotWindows: ALL_DAY_SLOT_WINDOWS }),
        // A case is assigned only to a caller of its community.
        FANGYI_CALLERS: 'moujia=caller-e2e',
        LOG_LEVEL: 'info',
      },
    });
    ({ eventStore, db, admin } = stack);
    quarantine = stack.process('quarantine');
    rosterApi = stack.process('roster');
    worker = stack.process('worker');
    qBase = stack.base('quarantine');
    rBase = stack.base('roster');
    topic = stack.topic('quarantine');
    group = stack.groups.roster;
    rosterStore = new RedisProjectionStore({
      redis: stack.redis,
      namespace: stack.namespaces.roster,
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const showLogs = () => logsOnFailure(() => [quarantine, worker, rosterApi], 60);

  const post = async (path: string, body: unknown, as: Record<string, string> = caller) => {
    const res = await fetch(`${qBase}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...as },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      body: (await res.json()) as Record<string, unknown>,
      type: res.headers.get('content-type'),
    };
  };
  const roster = async (date = today) =>
    (await (await fetch(`${rBase}/roster?date=${date}`, { headers: caller })).json()) as {
      entries: {
        caseId: string;
        am: { status: string };
        pm: { status: string };
        lastTemperatureC: number | null;
        escalations: number;
        day: number;
      }[];
    };
  const entryOf = async (caseId: string, date = today) =>
    (await roster(date)).entries.find((e) => e.caseId === caseId);
  const startCase = async (name: string, startDate = addDays(today, -1)) => {
    const res = await post(
      '/quarantine/cases',
      {
        personId: (await registerPerson(eventStore, { name })).personId,
        personName: name,
        community: 'moujia',
        startDate,
        reason: 'arrival-from-risk-area',
        assignedCaller: 'caller-e2e',
      },
      registrar,
    );
    expect(res.status).toBe(201);
    return res.body.caseId as string;
  };
  const eventCount = async () =>
    Number((await db.query(`SELECT count(*) AS n FROM "${stack!.schema}".events`)).rows[0].n);
  /** The roster reads the quarantine topic only: the people registered for the cases are on another. */
  const quarantineEventCount = async () =>
    Number(
      (
        await db.query(
          `SELECT count(*) AS n FROM "${stack!.schema}".events WHERE type LIKE 'quarantine.%'`,
        )
      ).rows[0].n,
    );

  /** The worker has handled everything on the topic: its committed offsets reach the end of every partition. */
  const workerCaughtUp = () =>
    waitFor(
      `the roster worker to consume all of ${topic}\n${worker.tail()}`,
      async () => {
        const ends = await admin.fetchTopicOffsets(topic);
        const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        return ends.every((end) => {
          // An empty partition has no committed offset (-1) and nothing to consume.
          if (end.high === end.low) return true;
          const offset = committed!.partitions.find((p) => p.partition === end.partition)?.offset;
          return offset !== undefined && Number(offset) >= Number(end.high);
        });
      },
      60_000,
      100,
    );

  let caseId: string;

  it('a normal am check shows as done-normal, pm pending, within a second or so', async () => {
    showLogs();
    caseId = await startCase('王芳');
    const logged = await post(`/quarantine/cases/${caseId}/checks`, {
      date: today,
      slot: 'am',
      temperatureC: 36.6,
      reachedVia: 'phone',
    });
    expect(logged.status).toBe(201);
    const t0 = Date.now();
    const entry = await waitFor('the am check on the roster', async () => {
      const e = await entryOf(caseId);
      return e?.am.status === 'done-normal' ? e : undefined;
    });
    console.info(`e2e: check visible on the roster ${Date.now() - t0} ms after the HTTP answer`);
    expect(entry).toMatchObject({
      day: 2,
      lastTemperatureC: 36.6,
      am: { status: 'done-normal' },
      pm: { status: 'pending' },
    });
    // Yesterday, the first day, closed before the case was registered today: nobody's to check, not overdue.
    expect(await entryOf(caseId, addDays(today, -1))).toMatchObject({
      day: 1,
      am: { status: 'before-registration' },
      pm: { status: 'before-registration' },
    });
  });

  it('a pm check at 38.1 °C shows as done-abnormal and raises an escalation', async () => {
    showLogs();
    const logged = await post(`/quarantine/cases/${caseId}/checks`, {
      date: today,
      slot: 'pm',
      temperatureC: 38.1,
      reachedVia: 'wechat',
    });
    expect(logged.status).toBe(201);
    expect(logged.body.escalationId).toEqual(expect.any(String));
    const entry = await waitFor('the pm check on the roster', async () => {
      const e = await entryOf(caseId);
      return e?.pm.status === 'done-abnormal' && e.escalations === 1 ? e : undefined;
    });
    expect(entry).toMatchObject({ lastTemperatureC: 38.1, am: { status: 'done-normal' } });
    const types = (await eventStore.readStream(`homeQuarantine-${caseId}`)).map((e) => e.type);
    expect(types).toEqual([
      'quarantine.home-quarantine-started',
      'quarantine.symptom-check-logged',
      'quarantine.symptom-check-logged',
      'quarantine.escalation-raised',
    ]);
  });

  it('the same Kafka messages delivered again leave the roster unchanged', async () => {
    showLogs();
    await workerCaughtUp();
    const before = await rosterStore.get<RosterCase>(ROSTER_COLLECTION, caseId);
    const metaBefore = await rosterStore.meta();
    const bus = new KafkaMessageBus({
      brokers: stack!.brokers.split(','),
      clientId: `${stack!.prefix}-dup`,
      logger: pino({ level: 'silent' }),
    });
    try {
      const events = await eventStore.readStream(`homeQuarantine-${caseId}`);
      await bus.publish(topic, events.map(toMessage));
      await bus.publish(topic, events.map(toMessage));
    } finally {
      await bus.close();
    }
    await workerCaughtUp();
    expect(await rosterStore.get<RosterCase>(ROSTER_COLLECTION, caseId)).toEqual(before);
    expect((await rosterStore.meta()).appliedCount).toBe(metaBefore.appliedCount);
    expect((await entryOf(caseId))?.escalations).toBe(1);
  });

  it('a projection worker killed mid-stream and restarted converges: nothing lost, nothing doubled', async () => {
    showLogs();
    const cases: string[] = [];
    for (let i = 0; i < 12; i++) cases.push(await startCase(`居民${i}`));
    await workerCaughtUp();
    const appliedAtStart = (await rosterStore.meta()).appliedCount;
    const burst = (async () => {
      for (const [i, id] of cases.entries()) {
        const res = await post(`/quarantine/cases/${id}/checks`, {
          date: today,
          slot: 'am',
          temperatureC: i % 3 === 0 ? 37.8 : 36.5,
          reachedVia: 'phone',
        });
        expect(res.status).toBe(201);
      }
    })();
    // Kill the worker once it has applied some of the burst but not all of it.
    await waitFor(
      'the worker to apply part of the burst',
      async () => (await rosterStore.meta()).appliedCount >= appliedAtStart + 3,
      30_000,
      5,
    );
    await worker.kill();
    const appliedAtKill = (await rosterStore.meta()).appliedCount;
    await burst;
    worker = stack!.respawn('worker');
    await workerCaughtUp();

    for (const [i, id] of cases.entries()) {
      const e = await entryOf(id);
      expect(e, `case ${i} on the roster`).toBeDefined();
      expect(e!.am.status).toBe(i % 3 === 0 ? 'done-abnormal' : 'done-normal');
      expect(e!.escalations).toBe(i % 3 === 0 ? 1 : 0);
    }
    // Every event of the run was applied exactly once: applied commits = events in the store.
    expect((await rosterStore.meta()).appliedCount).toBe(await quarantineEventCount());
    console.info(
      `e2e: worker killed after ${appliedAtKill - appliedAtStart} of 16 burst events; converged after restart`,
    );
  });

  it('a malformed check gets a 400 naming the field, and nothing is appended', async () => {
    showLogs();
    const before = await eventCount();
    const res = await post(`/quarantine/cases/${caseId}/checks`, {
      date: today,
      slot: 'pm',
      temperatureC: 'high',
      reachedVia: 'phone',
    });
    expect(res.status).toBe(400);
    expect(res.type).toContain('application/problem+json');
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ field: 'body.temperatureC' }],
    });
    expect(await eventCount()).toBe(before);
  });
});
