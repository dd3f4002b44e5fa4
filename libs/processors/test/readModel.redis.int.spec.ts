import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  topicFor,
  uuidv7,
  type HomeQuarantineStarted,
  type NewEvent,
  type SymptomCheckLoggedV1Data,
} from '@fangyi/contracts';
import { SqliteEventStore, type RecordedEvent } from '@fangyi/eventstore';
import { InProcessMessageBus, toMessage } from '@fangyi/messaging';
import { RedisProjectionStore, ensureIntact, type Op, type Projection } from '@fangyi/projections';
import { requireInfra } from '@fangyi/testkit';
import {
  busSource,
  readModelProcessor,
  startProcessor,
  type RunningProcessor,
} from '../src/index.ts';

const STARTED = 'quarantine.home-quarantine-started';
const LOGGED = 'quarantine.symptom-check-logged';

/** One document per case counting its checks: each check reads the case document written before. */
const checksPerCase: Projection = {
  name: 'checks-per-case',
  handles: [STARTED, LOGGED],
  async project(event, read): Promise<Op[]> {
    const caseId = (event.data as { caseId: string }).caseId;
    if (event.type === STARTED)
      return [{ op: 'put', collection: 'cases', id: caseId, doc: { caseId, checks: 0 } }];
    const doc = await read.get<{ caseId: string; checks: number }>('cases', caseId);
    return doc
      ? [{ op: 'put', collection: 'cases', id: caseId, doc: { ...doc, checks: doc.checks + 1 } }]
      : [];
  },
};

const started = (caseId: string): HomeQuarantineStarted => ({
  caseId,
  personId: `p-${caseId}`,
  personName: '张三',
  community: 'moujia',
  startDate: '2026-02-01',
  endDate: '2026-02-14',
  periodDays: 14,
  reason: 'close-contact',
  assignedCaller: 'caller-1',
});
const logged = (
  caseId: string,
  slot: 'am' | 'pm',
  date = '2026-02-01',
): SymptomCheckLoggedV1Data => ({
  caseId,
  checkId: uuidv7(),
  date,
  slot,
  temperatureC: 36.6,
  symptoms: [],
  reachedVia: 'phone',
  abnormal: false,
});
const newEvent = (type: string, data: unknown): NewEvent => ({
  id: uuidv7(),
  type,
  schemaVersion: 1,
  occurredAt: '2026-02-01T08:30:00.000+08:00',
  actor: { id: 'caller-1', role: 'caller' },
  correlationId: randomUUID(),
  causationId: null,
  data,
});

/**
 * A read model fed from the bus into Redis, with the event store behind it as the source of truth:
 * what the distributed mode's worker runs. The relay's part (append, then publish) is played by
 * the test, so it can also publish what no relay would.
 */
describe('a read model in Redis fed from the bus, the event store behind it', () => {
  const logger = pino({ level: 'silent' });
  let redis: Redis;
  let dir: string;
  let eventStore: SqliteEventStore;
  let bus: InProcessMessageBus;
  let store: RedisProjectionStore;
  let running: RunningProcessor;
  const prefix = `t${randomUUID().slice(0, 8)}`;
  const topic = topicFor('quarantine', prefix);
  const namespace = `fangyi-test:guarded:${randomUUID()}`;

  /** Appends to the event store, then publishes what was appended: the relay's order. */
  const record = async (
    streamId: string,
    events: NewEvent[],
    expectedRevision: number | 'no-stream',
  ): Promise<RecordedEvent[]> => {
    await eventStore.append(streamId, events, { expectedRevision });
    const ids = new Set(events.map((e) => e.id));
    const recorded = (await eventStore.readStream(streamId)).filter((e) => ids.has(e.id));
    await bus.publish(topic, recorded.map(toMessage));
    return recorded;
  };
  const checksOf = async (caseId: string) =>
    (await store.get<{ checks: number }>('cases', caseId))?.checks;

  beforeAll(async () => {
    redis = new Redis(requireInfra('redis'));
    dir = mkdtempSync(join(tmpdir(), 'fangyi-guarded-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db') });
    bus = new InProcessMessageBus({ logger, handlerRetryMs: 5 });
    store = new RedisProjectionStore({ redis, namespace, guarded: true });
    // Some history before the worker first starts: the fresh namespace is built from the event store.
    const early = `case-${randomUUID()}`;
    await eventStore.append(
      early,
      [newEvent(STARTED, started(early)), newEvent(LOGGED, logged(early, 'am'))],
      { expectedRevision: 'no-stream' },
    );
    expect(await ensureIntact({ projection: checksPerCase, store, eventStore, logger })).toBe(
      'rebuilt',
    );
    expect(await checksOf(early)).toBe(1);
    running = await startProcessor(
      readModelProcessor(checksPerCase, store, { eventStore }),
      busSource({ bus, topicPrefix: prefix, groupId: () => `g-${prefix}` }),
      logger,
    );
  });
  afterAll(async () => {
    await running?.stop();
    await bus?.close();
    await store?.reset();
    await redis?.quit();
    await eventStore?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes over the rebuild from a rebuilder that died holding the lock, rather than waiting for it for ever', async () => {
    const other = new RedisProjectionStore({
      redis,
      namespace: `fangyi-test:orphaned:${randomUUID()}`,
      guarded: true,
    });
    try {
      // What a worker killed mid-rebuild leaves: the lock (expiring, never renewed), no intact mark.
      await redis.set(`${other.namespace}:rebuild-lock`, 'a-dead-worker', 'PX', 500);
      const outcome = await Promise.race([
        ensureIntact({ projection: checksPerCase, store: other, eventStore, logger, pollMs: 50 }),
        new Promise((r) => setTimeout(() => r('still waiting after 5 s'), 5000)),
      ]);
      expect(outcome).toBe('rebuilt');
      expect(await other.intact()).toBe(true);
    } finally {
      await other.reset();
    }
  });

  it('rebuilds from the event store when its Redis keys are lost, instead of patching the empty model with the next event', async () => {
    const caseId = `case-${randomUUID()}`;
    await record(
      caseId,
      [newEvent(STARTED, started(caseId)), newEvent(LOGGED, logged(caseId, 'am'))],
      'no-stream',
    );
    await expect.poll(() => checksOf(caseId)).toBe(1);

    // A Redis restart: every key of the namespace gone, the Kafka offsets still at the end.
    const keys = await redis.keys(`${namespace}:*`);
    await redis.del(...keys);
    await record(caseId, [newEvent(LOGGED, logged(caseId, 'pm'))], 1);

    // Not 0 (the pm check applied to nothing) and not missing: both checks, from the event store.
    await expect.poll(() => checksOf(caseId), { timeout: 10_000 }).toBe(2);
    expect(await store.intact()).toBe(true);
    expect(await store.appliedRevision(caseId)).toBe(2);
  });

  it('rejects a message whose revision jumps ahead but that the event store does not hold, so later real events still apply', async () => {
    const caseId = `case-${randomUUID()}`;
    const [first] = await record(caseId, [newEvent(STARTED, started(caseId))], 'no-stream');
    await expect.poll(() => checksOf(caseId)).toBe(0);

    // Well-formed, on the right topic and key, but never appended: revision 50 of the stream.
    const forged = {
      ...first!,
      id: uuidv7(),
      type: LOGGED,
      streamRevision: 50,
      data: logged(caseId, 'am'),
    };
    await bus.publish(topic, [toMessage(forged)]);
    // The real next events of the stream, after it.
    await record(
      caseId,
      [newEvent(LOGGED, logged(caseId, 'am')), newEvent(LOGGED, logged(caseId, 'pm'))],
      0,
    );

    await expect.poll(() => checksOf(caseId), { timeout: 10_000 }).toBe(2);
    expect(await store.appliedRevision(caseId)).toBe(2);
  });

  it('still applies a real jump: events of types it does not read leave gaps the event store accounts for', async () => {
    const caseId = `case-${randomUUID()}`;
    await record(
      caseId,
      [
        newEvent(STARTED, started(caseId)),
        newEvent('quarantine.supplies-delivered', {
          caseId,
          deliveryId: uuidv7(),
          items: ['thermometer'],
          deliveredAt: '2026-02-01T02:00:00.000Z',
        }),
      ],
      'no-stream',
    );
    await record(caseId, [newEvent(LOGGED, logged(caseId, 'am'))], 1);
    await expect.poll(() => checksOf(caseId), { timeout: 10_000 }).toBe(1);
    expect(await store.appliedRevision(caseId)).toBe(2);
  });
});
