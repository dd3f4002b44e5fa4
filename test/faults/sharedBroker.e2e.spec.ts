import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { deadLetterTopic, uuidv7 } from '@fangyi/contracts';
import { toMessage } from '@fangyi/messaging';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { authHeader, requireInfra, testUser } from '@fangyi/testkit';
import {
  CALLER,
  COMMUNITY,
  Load,
  Stack,
  converge,
  readTopic,
  report,
  type Verdict,
} from './harness.ts';

/**
 * Faults that leave the broker alone, on the broker every test uses (KAFKA_BROKERS): processes
 * killed, a second replica, bad messages on the topic, the read model's keys deleted, a long
 * transaction elsewhere on the PostgreSQL server. One stack of processes for every case; each case
 * starts its own cases and runs its own bounded load.
 */
describe('faults on the shared broker: every acknowledged check once in the event store and once on the roster', {
  timeout: 300_000,
}, () => {
  const databaseUrl = requireInfra('postgres');
  const redisUrl = requireInfra('redis');
  const brokers = requireInfra('kafka');
  let stack: Stack;
  /** The database holding the long transaction of the relay-delay case. */
  const otherDatabase = `fangyi_faults_other_${process.pid}`;
  let held: pg.Client | undefined;

  beforeAll(async () => {
    stack = new Stack({ label: 'shared', databaseUrl, redisUrl, brokers, tap: true });
    await stack.start();
  }, 180_000);

  afterAll(async () => {
    await held?.end().catch(() => {});
    await stack?.stop();
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${otherDatabase}" WITH (FORCE)`).catch(() => {});
    await admin.end();
  }, 60_000);

  const showLogs = () => onTestFailed(() => console.error(stack.logs()));

  /** One case: fresh quarantine cases, a load over their slots, the fault alongside it, then the oracle once it converges. */
  async function faultCase(
    name: string,
    options: { cases?: number; rate?: number; target?: (i: number) => string },
    fault: (
      load: Load,
      caseIds: string[],
    ) => Promise<{ endedAt?: number; extra?: string } | undefined>,
  ): Promise<{ verdict: Verdict; load: Load; caseIds: string[]; extra: string }> {
    showLogs();
    const caseIds = await stack.startCases(options.cases ?? 50);
    const load = new Load({
      target: options.target ?? (() => stack.replicas[0]!.base),
      slots: stack.slotsOf(caseIds),
      ratePerSecond: options.rate ?? 80,
    });
    const outcome = (await fault(load, caseIds)) ?? {};
    await load.done;
    const since = Math.max(load.endedAt, outcome.endedAt ?? 0);
    const { verdict, seconds } = await converge(stack, caseIds, load.acks, since);
    const extra = [outcome.extra, `refused ${load.describeRefused()}`].filter(Boolean).join('; ');
    report(name, verdict, seconds, extra);
    expect(verdict.acknowledged).toBeGreaterThan(0);
    expect(verdict.lost, 'lost').toBe(0);
    expect(verdict.doubled, 'doubled').toBe(0);
    return { verdict, load, caseIds, extra };
  }

  it('the read-side worker killed with SIGKILL mid-load and restarted', async () => {
    const { load } = await faultCase('worker SIGKILL', {}, async (load) => {
      await load.sentAtLeast(300);
      await stack.worker!.kill();
      const at = load.sent;
      await sleep(1000);
      stack.startWorker();
      return { extra: `killed at check ${at}, restarted 1 s later` };
    });
    expect(load.refusedCount).toBe(0);
  });

  it('the command service killed with SIGKILL mid-load (between append and publish) and restarted', async () => {
    const { verdict } = await faultCase('command service SIGKILL', {}, async (load, caseIds) => {
      await load.sentAtLeast(400);
      await stack.crashReplica(0);
      const at = load.sent;
      // Nothing publishes while it is down: what the store holds and Kafka does not was appended, not published.
      await sleep(1500);
      const { rows } = await stack.db.query<{ id: string }>(
        `SELECT id FROM "${stack.schema}".events WHERE stream_id = ANY($1)`,
        [caseIds.map(stack.streams)],
      );
      const unpublished = rows.filter((r) => !stack.tap!.copies.has(r.id)).length;
      await stack.restartReplica(0);
      return {
        endedAt: Date.now(),
        extra: `killed at check ${at} with ${unpublished} events appended but not yet on Kafka`,
      };
    });
    // Every event of the cases reached Kafka after the restart (at least once).
    await expect
      .poll(() => verdict.eventIds.filter((id) => !stack.tap!.copies.has(id)).length, {
        timeout: 10_000,
      })
      .toBe(0);
    console.info(
      `  extra copies on Kafka (republished from the checkpoint): ${stack.tap!.extraCopies(verdict.eventIds)}`,
    );
  });

  it('a poison message on the topic is dead-lettered and the roster keeps updating', async () => {
    let key = '';
    await faultCase('poison message', {}, async (load, caseIds) => {
      await load.sentAtLeast(300);
      key = stack.streams(caseIds[0]!);
      const bus = new KafkaMessageBus({
        brokers: brokers.split(','),
        clientId: `${stack.prefix}-poison`,
        logger: pino({ level: 'silent' }),
      });
      try {
        await bus.publish(stack.topic, [
          { key, value: '{"this is": not an envelope', headers: { 'fangyi-faults': 'poison' } },
        ]);
      } finally {
        await bus.close();
      }
      return { extra: 'poison published at check 300' };
    });
    const letters = await readTopic(brokers, deadLetterTopic(stack.topic));
    const ours = letters.filter((l) => l.headers['fangyi-faults'] === 'poison');
    expect(ours.map((l) => l.headers['fangyi-dlq-group'])).toContain(stack.group);
    console.info(
      `  dead letters of the poison message: ${ours.length} (groups ${ours.map((l) => l.headers['fangyi-dlq-group']).join(', ')})`,
    );
  });

  it('a message with a forged revision: rejected, and later real events still reach the roster', async () => {
    const forgedCheckId = uuidv7();
    let forgedCase = '';
    await faultCase('forged revision', {}, async (load, caseIds) => {
      await load.sentAtLeast(300);
      forgedCase = caseIds[0]!;
      const events = await stack.eventStore!.readStream(stack.streams(forgedCase));
      const check = events.filter((e) => e.type === 'quarantine.symptom-check-logged').at(-1)!;
      const last = events.at(-1)!;
      // A well-formed check for a slot the case has not had yet, five revisions ahead of the stream.
      const forged = {
        ...check,
        id: uuidv7(),
        streamRevision: last.streamRevision + 5,
        data: { ...(check.data as object), checkId: forgedCheckId, date: stack.today, slot: 'pm' },
      };
      const bus = new KafkaMessageBus({
        brokers: brokers.split(','),
        clientId: `${stack.prefix}-forger`,
        logger: pino({ level: 'silent' }),
      });
      try {
        await bus.publish(stack.topic, [toMessage(forged)]);
      } finally {
        await bus.close();
      }
      return {
        extra: `forged revision ${forged.streamRevision} published when the stream was at ${last.streamRevision}`,
      };
    });
    const doc = (await stack.rosterDoc<{
      checks: Record<string, Record<string, { checkId: string }>>;
    }>(forgedCase))!;
    expect(doc.checks[stack.today]!.pm!.checkId).not.toBe(forgedCheckId);
    expect(stack.worker!.output).toContain('rejected, not applied');
  });

  it("the read model's Redis keys deleted: the loss is detected and the roster rebuilt from the event store while the services keep answering", async () => {
    let answers = 0;
    const failures: string[] = [];
    let polling = true;
    const poller = (async () => {
      const headers = authHeader(testUser('caller', [COMMUNITY], CALLER));
      while (polling) {
        const res = await fetch(`${stack.rosterBase}/roster?date=${stack.today}`, {
          headers,
        }).catch((e: Error) => ({ status: 0, text: async () => e.message }) as const);
        answers++;
        if (res.status !== 200) failures.push(`${res.status} ${await res.text()}`);
        await sleep(100);
      }
    })();
    let deletedAt = 0;
    const { load } = await faultCase('Redis keys deleted', {}, async (load) => {
      await load.sentAtLeast(400);
      const deleted = await stack.deleteRosterKeys();
      deletedAt = Date.now();
      // The worker's next commit finds the namespace unmarked and rebuilds it from the event store.
      while (!(await stack.rosterStore.intact())) await sleep(50);
      return {
        extra: `${deleted} keys deleted at check 400, rebuilt from the event store in ${((Date.now() - deletedAt) / 1000).toFixed(1)} s`,
      };
    });
    polling = false;
    await poller;
    expect(failures).toEqual([]);
    expect(load.refusedCount).toBe(0);
    // Detected by the worker itself (its warning), not by the suite.
    expect(stack.worker!.output).toContain('rebuilding from the event store');
    console.info(`  roster API answered ${answers} of ${answers} reads with 200 meanwhile`);
  });

  it('a transaction held open for 20 s in another database on the same server: the relay stays within its bound', async () => {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${otherDatabase}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${otherDatabase}"`);
    await admin.end();
    const url = new URL(databaseUrl);
    url.pathname = `/${otherDatabase}`;
    let holdFrom = 0;
    let holdTo = 0;
    const { load } = await faultCase(
      'transaction held 20 s elsewhere',
      { cases: 50, rate: 45 },
      async (load) => {
        await load.sentAtLeast(50);
        held = new pg.Client({ connectionString: url.toString() });
        await held.connect();
        await held.query('BEGIN');
        await held.query('CREATE TABLE held (x int)');
        await held.query('INSERT INTO held VALUES (1)');
        holdFrom = Date.now();
        await sleep(20_000);
        await held.query('ROLLBACK');
        holdTo = Date.now();
        await held.end();
        held = undefined;
        return { extra: 'write transaction open for 20 s in another database' };
      },
    );
    const during = load.acks.filter((a) => a.ackAt >= holdFrom && a.ackAt <= holdTo);
    const delays = during
      .map((a) => (stack.tap!.checkSeenAt.get(a.checkId) ?? Number.POSITIVE_INFINITY) - a.ackAt)
      .sort((a, b) => a - b);
    const max = delays.at(-1)!;
    const median = delays[Math.floor(delays.length / 2)]!;
    console.info(
      `  relay delay (201 → on Kafka) of the ${during.length} checks acknowledged during the hold: median ${(median / 1000).toFixed(2)} s, max ${(max / 1000).toFixed(2)} s (bound ${RELAY_DELAY_BOUND_MS / 1000} s)`,
    );
    expect(during.length).toBeGreaterThan(500);
    expect(max).toBeLessThanOrEqual(RELAY_DELAY_BOUND_MS);
  });

  it('two replicas of the command service at once: each event reaches Kafka once in effect and the roster once', async () => {
    const b = await stack.addReplica();
    const a = stack.replicas[0]!;
    const relays = async () => {
      const states: string[] = [];
      for (const r of [a, b])
        states.push(
          ((await (await fetch(`${r.base}/ready`)).json()) as { checks: { relay: string } }).checks
            .relay,
        );
      return states.join('/');
    };
    const { verdict, load } = await faultCase(
      'two replicas',
      { target: (i) => (i % 2 === 0 ? a.base : b.base) },
      async () => ({ extra: `relays ${await relays()}` }),
    );
    await expect
      .poll(() => verdict.eventIds.filter((id) => !stack.tap!.copies.has(id)).length, {
        timeout: 10_000,
      })
      .toBe(0);
    const extra = stack.tap!.extraCopies(verdict.eventIds);
    console.info(`  ${verdict.eventIds.length} events on Kafka, extra copies ${extra}`);
    expect(extra).toBe(0);
    expect(load.refusedCount).toBe(0);
  });
});

/**
 * How long the relay may take from a command's 201 to its event on Kafka while a write transaction
 * is held open elsewhere on the server: it waits only for its own event store's appends, so the
 * transaction must not hold it back at all; the bound leaves room for a loaded 2-core machine.
 */
const RELAY_DELAY_BOUND_MS = 5_000;
