import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { contextOf } from '@fangyi/contracts';
import type { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { alertsProjection, reportProjection, rosterProjection } from '@fangyi/roster';
import { addDays, businessDate } from '@fangyi/service-kit/time';
import { authHeader, testUser } from '@fangyi/testkit';
import { registerPerson } from '../../services/quarantine/test/residents.ts';
import {
  type DistributedStack,
  type ServiceProcess,
  distributedStack,
  logsOnFailure,
  waitFor,
  waitReady,
} from './processes.ts';

/**
 * SIGTERM, as the platform sends it on every deploy, on real processes (PostgreSQL, Kafka, Redis):
 * the quarantine service answers the requests it has taken and exits 0, its relay stores how far
 * it published, and the roster worker commits what it handled, so after a restart nothing is
 * published or handled twice and nothing is lost.
 */
describe('graceful shutdown on SIGTERM (quarantine service and roster worker; PostgreSQL, Kafka, Redis)', {
  timeout: 180_000,
}, () => {
  const registrar = authHeader(testUser('registrar', ['moujia'], 'registrar-shutdown'));
  /** How long a SIGTERM may take to end a process here (its shutdown timeout is 15 s). */
  const EXIT_WITHIN_MS = 10_000;

  let stack: DistributedStack | undefined;
  let topic: string;
  let quarantine: ServiceProcess;
  let worker: ServiceProcess;
  let eventStore: PostgresEventStore;
  let db: pg.Pool;
  let admin: Admin;
  const qBase = () => stack!.base('quarantine');
  const wBase = () => stack!.base('worker');

  beforeAll(async () => {
    stack = await distributedStack({
      run: 'shutdown',
      services: ['quarantine', 'worker'],
      env: { FANGYI_CALLERS: 'moujia=caller-shutdown', LOG_LEVEL: 'info' },
    });
    ({ eventStore, db, admin } = stack);
    topic = stack.topic('quarantine');
    quarantine = stack.process('quarantine');
    worker = stack.process('worker');
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
  });

  /** A person on the shared log, as the residents service records them: a case starts only for someone registered. */
  const registerResident = async () =>
    (await registerPerson(eventStore, { name: '居民' })).personId;
  const caseBody = (personId: string) =>
    JSON.stringify({
      personId,
      personName: '居民',
      community: 'moujia',
      startDate: addDays(businessDate(new Date()), -1),
      reason: 'arrival-from-risk-area',
      assignedCaller: 'caller-shutdown',
    });
  const startCase = async (personId: string) => {
    const res = await fetch(`${qBase()}/quarantine/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...registrar },
      body: caseBody(personId),
    });
    return { status: res.status, body: (await res.json()) as { caseId?: string } };
  };
  const startedCases = async (personIds: readonly string[]) => {
    const wanted = new Set(personIds);
    const { rows } = await db.query(
      `SELECT data FROM "${stack!.schema}".events WHERE type = 'quarantine.home-quarantine-started'`,
    );
    return rows.filter((r: { data: unknown }) =>
      wanted.has((typeof r.data === 'string' ? JSON.parse(r.data) : r.data).personId),
    ).length;
  };

  /** The types of the quarantine events in the store (what the relay publishes), all or up to and including `upTo`. */
  const quarantineEvents = async (upTo: string | null = null) => {
    const types: string[] = [];
    for (let after: string | null = null; ; ) {
      const batch = await eventStore.readAll({ after, limit: 500 });
      if (batch.length === 0) return types;
      for (const e of batch) {
        if (contextOf(e.type) === 'quarantine') types.push(e.type);
        if (upTo !== null && e.position === upTo) return types;
      }
      after = batch.at(-1)!.position;
    }
  };
  /** The event types each of the worker's processors handles (it skips, and commits, the others). */
  const handles: Record<string, readonly string[]> = {
    roster: rosterProjection.handles,
    alerts: alertsProjection.handles,
    'daily-report': reportProjection(() => '2026-01-01').handles,
  };
  const messagesOnTopic = async () =>
    (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  /** What a group committed on every topic it consumes, and whether that reaches each partition's end. */
  const committed = async (groupId: string) => {
    const topics = await admin.fetchOffsets({ groupId });
    let total = 0;
    let atEnd = true;
    for (const t of topics) {
      const ends = await admin.fetchTopicOffsets(t.topic);
      for (const end of ends) {
        const offset = Number(
          t.partitions.find((p) => p.partition === end.partition)?.offset ?? -1,
        );
        if (offset > 0) total += offset;
        if (end.high !== end.low && offset < Number(end.high)) atEnd = false;
      }
    }
    return { total, atEnd };
  };
  /** The processors' `processor stopped` lines from a worker's log: name, group and how many events it handled. */
  const stoppedLines = (p: ServiceProcess) =>
    p.output
      .split('\n')
      .filter((l) => l.startsWith('{') && l.includes('"processor stopped'))
      .map((l) => JSON.parse(l) as { processor: string; groupId: string; handled: number });
  const handledByMetrics = async () => {
    const text = await (await fetch(`${wBase()}/metrics`)).text();
    return new Map(
      [
        ...text.matchAll(
          /^fangyi_processor_events_handled_total\{[^}]*processor="([^"]+)"[^}]*\} (\d+)/gm,
        ),
      ].map((m) => [m[1]!, Number(m[2])]),
    );
  };
  /** SIGTERM, and how long the process took to exit, with its exit code. */
  const terminate = async (p: ServiceProcess) => {
    const t0 = Date.now();
    const code = await p.stop();
    return { code, ms: Date.now() - t0 };
  };

  /**
   * A request whose body is still arriving when SIGTERM comes: half of it is sent, then the
   * signal, then the rest a second later. Resolves with the answer.
   */
  const slowRequest = (personId: string, onHalfSent: () => void) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const body = Buffer.from(caseBody(personId));
      const req = request(
        `${qBase()}/quarantine/cases`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            ...registrar,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, 20));
      req.flushHeaders();
      onHalfSent();
      setTimeout(() => req.end(body.subarray(20)), 1000);
    });

  it('answers the requests in flight, exits 0, and after a restart publishes and handles each event exactly once', async () => {
    logsOnFailure(() => [quarantine, worker], 80);
    // Some history, published and handled before any signal.
    for (let i = 0; i < 6; i++)
      expect((await startCase(await registerResident())).status).toBe(201);
    const history = (await quarantineEvents()).length;
    await waitFor(
      'the worker to handle the first cases',
      async () => (await committed(stack!.groups.roster)).total === history,
      60_000,
      100,
    );

    // A slow request in flight, and a burst of others, when SIGTERM reaches the quarantine service.
    const burstPeople = await Promise.all(Array.from({ length: 20 }, () => registerResident()));
    const slowPerson = await registerResident();
    let signalled!: () => void;
    const halfSent = new Promise<void>((resolve) => (signalled = resolve));
    const slow = slowRequest(slowPerson, signalled);
    await halfSent;
    await sleep(200);
    const burst = burstPeople.map((personId) =>
      fetch(`${qBase()}/quarantine/cases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...registrar },
        body: caseBody(personId),
      }).then(
        async (res) => ({ status: res.status, body: await res.text() }),
        (error: Error) => ({ status: 0, body: String(error.cause ?? error) }),
      ),
    );
    await sleep(30);
    const qStopping = terminate(quarantine);
    // The roster worker gets its SIGTERM while the relay's last batches may still be arriving.
    await sleep(100);
    const wStopping = terminate(worker);

    const slowAnswer = await slow;
    expect(slowAnswer.status, slowAnswer.body).toBe(201);
    const answers = await Promise.all(burst);
    const q1 = await qStopping;
    const w1 = await wStopping;
    expect(q1.code, quarantine.tail()).toBe(0);
    expect(q1.ms).toBeLessThan(EXIT_WITHIN_MS);
    expect(w1.code, worker.tail()).toBe(0);
    expect(w1.ms).toBeLessThan(EXIT_WITHIN_MS);

    // Every request was either answered in full or refused before it was taken (no connection,
    // or 503 while closing): never an answer lost for a case that started, nor a case started twice.
    for (const a of answers) expect([0, 201, 503], a.body).toContain(a.status);
    const accepted = answers.filter((a) => a.status === 201).length;
    expect(await startedCases(burstPeople)).toBe(accepted);
    expect(await startedCases([slowPerson])).toBe(1);

    // The relay stored where it got to: exactly what is on the topic.
    const checkpoint = await eventStore.checkpoints.load('relay-quarantine');
    expect(checkpoint).not.toBeNull();
    const published = await messagesOnTopic();
    expect((await quarantineEvents(checkpoint)).length).toBe(published);

    // The worker committed what it handled before it left.
    const stopped = stoppedLines(worker);
    const firstWorker = worker;
    const committedAtStop = Object.fromEntries(
      await Promise.all(
        stopped.map(async (s) => [s.processor, (await committed(s.groupId)).total] as const),
      ),
    );
    onTestFailed(() => {
      console.error(
        `committed at the stop: ${JSON.stringify(committedAtStop)}; handled before: ${JSON.stringify(stopped)}`,
      );
      console.error(
        `---- first worker, warnings ----\n${firstWorker.output
          .split('\n')
          .filter((l) => /"level":(40|50|60)/.test(l))
          .join('\n')}`,
      );
    });
    expect(stopped.map((s) => s.processor).sort()).toEqual(['alerts', 'daily-report', 'roster']);
    // (Whether what it committed is exactly what it handled shows after the restart: a message
    // handled but not committed would be handled again, one committed unhandled never.)
    const atStop = await quarantineEvents();
    expect(stopped.find((s) => s.processor === 'roster')!.handled).toBeGreaterThanOrEqual(history);

    // Restarted: the relay goes on from its checkpoint, the worker from its commits.
    quarantine = stack!.respawn('quarantine');
    worker = stack!.respawn('worker');
    await Promise.all([waitReady(qBase(), quarantine), waitReady(wBase(), worker)]);
    const types = await quarantineEvents();
    const total = types.length;
    expect(total).toBe(atStop.length);
    await waitFor(
      'the relay to publish the rest',
      async () => (await messagesOnTopic()) >= total,
      60_000,
      100,
    );
    for (const s of stopped)
      await waitFor(
        `${s.processor} to catch up`,
        async () => (await committed(s.groupId)).atEnd,
        60_000,
        100,
      );
    await sleep(500);
    // Nothing published twice: one message per quarantine event, not the log again from its start.
    expect(await messagesOnTopic()).toBe(total);
    // Nothing handled twice, nothing lost: before and after the restart, each message once.
    const after = await handledByMetrics();
    for (const s of stopped) {
      const expected = types.filter((t) => handles[s.processor]!.includes(t)).length;
      expect(
        s.handled + (after.get(s.processor) ?? -1),
        `${s.processor}: handled before + after the restart`,
      ).toBe(expected);
    }
    console.info(
      `shutdown: quarantine exited 0 in ${q1.ms} ms (slow request answered, ${accepted}/20 of the burst taken), worker in ${w1.ms} ms; ` +
        `relay had published ${published} of ${total}; the roster processor handled ${stopped.find((s) => s.processor === 'roster')?.handled} before and ${after.get('roster')} after`,
    );
  });
});
