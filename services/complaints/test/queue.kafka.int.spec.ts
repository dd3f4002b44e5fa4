import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOUNDED_CONTEXTS, topicFor, uuidv7 } from '@fangyi/contracts';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { startRelay, type Relay } from '@fangyi/messaging';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { busSource, type RunningProcessor } from '@fangyi/processors';
import { RedisProjectionStore } from '@fangyi/projections';
import { createServiceApp, type ServiceApp } from '@fangyi/service-kit';
import {
  TEST_AUTH_SECRET,
  authHeader,
  dropSchema,
  freshSchemaName,
  requireInfra,
  testUser,
  testVault,
} from '@fangyi/testkit';
import { complaintQueueRoutes } from '../src/complaint/queue.ts';
import { startComplaintsReadModel, streamIdOf } from '../src/index.ts';

const at = (local: string) => new Date(`${local}:00+08:00`);

/**
 * The complaint queue through the full path on the real parts: PostgreSQL event store (fresh
 * schema) → relay → Kafka (fresh topics) → the complaints read model in Redis (fresh namespace) →
 * GET /complaints/queue. Fails (does not skip) without DATABASE_URL, REDIS_URL and KAFKA_BROKERS.
 */
describe('the complaint queue through PostgreSQL, Kafka and Redis', { timeout: 120_000 }, () => {
  const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });
  const run = randomUUID().slice(0, 8);
  const schema = freshSchemaName('fangyi_complaints');
  const topicPrefix = `fangyi-complaints-${run}`;
  const now = at('2020-02-03T09:30');
  const { vault, keys } = testVault();
  let eventStore: PostgresEventStore;
  let bus: KafkaMessageBus;
  let redis: Redis;
  let store: RedisProjectionStore;
  let relay: Relay;
  let readModel: RunningProcessor;
  let app: ServiceApp;

  beforeAll(async () => {
    eventStore = await PostgresEventStore.create({
      connectionString: requireInfra('postgres'),
      schema,
      clock: () => now,
    });
    bus = new KafkaMessageBus({
      brokers: requireInfra('kafka').split(','),
      clientId: `fangyi-complaints-test-${run}`,
      logger,
    });
    await bus.ensureTopics(BOUNDED_CONTEXTS.map((c) => topicFor(c, topicPrefix)));
    redis = new Redis(requireInfra('redis'));
    store = new RedisProjectionStore({
      redis,
      namespace: `fangyi-test:${run}:complaints`,
      guarded: true,
    });
    relay = await startRelay({
      store: eventStore,
      bus,
      logger,
      topicPrefix,
      name: `relay-${run}`,
      idleMs: 20,
    });
    readModel = await startComplaintsReadModel({
      source: busSource({ bus, topicPrefix, groupId: () => `${topicPrefix}-complaints` }),
      store,
      logger,
      eventStore,
    });
    app = createServiceApp({
      service: 'complaints',
      logger,
      authSecret: TEST_AUTH_SECRET,
      clock: () => now,
      rateLimit: false,
    });
    complaintQueueRoutes(app, { store, clock: () => now, timeZone: 'Asia/Shanghai', vault });
    await app.ready();
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await readModel?.stop();
    await relay?.stop();
    await bus?.close();
    await eventStore?.close();
    await redis?.quit();
    keys.close();
    await dropSchema(requireInfra('postgres'), schema);
  });

  const append = async (complaintId: string, type: string, data: Record<string, unknown>) => {
    const streamId = streamIdOf(complaintId);
    const current = await eventStore.readStream(streamId);
    const result = await eventStore.append(
      streamId,
      [
        {
          id: uuidv7(),
          type,
          schemaVersion: 1,
          occurredAt: now.toISOString(),
          actor: { id: 'handler-kutao', role: 'complaint-handler' },
          correlationId: randomUUID(),
          causationId: null,
          data: { complaintId, ...data },
        },
      ],
      { expectedRevision: current.length === 0 ? 'no-stream' : current.length - 1 },
    );
    const deadline = Date.now() + 30_000;
    while (((await store.appliedRevision(streamId)) ?? -1) < result.nextExpectedRevision) {
      if (Date.now() > deadline)
        throw new Error(
          `${streamId} not applied through Kafka: ${JSON.stringify(readModel.status())}`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const file = (id: string, area: Record<string, string>, dueLocal: string) =>
    append(id, 'complaints.complaint-filed', {
      channel: 'phone',
      category: 'illegal-rental',
      ...area,
      description: '出租给外来人员',
      reporter: { anonymous: true },
      receivedAt: at('2020-02-02T09:00').toISOString(),
      replyWithinHours: 24,
      replyDueAt: at(dueLocal).toISOString(),
      status: 'received',
      statusNote: '已受理',
    });

  it("orders a community's open complaints by reply due, follows triage, reply and closure, and keeps other areas out", async () => {
    const [a, b, c] = [`a${run}`, `b${run}`, `c${run}`];
    await file(a, { community: 'kutao' }, '2020-02-03T10:00');
    await file(b, { community: 'kutao' }, '2020-02-03T08:00');
    await file(c, { estate: 'taoyuanju', district: 'kutao' }, '2020-02-04T00:00');
    await append(a, 'complaints.complaint-triaged', {
      assignee: 'handler-kutao',
      agency: 'community',
      priority: 'normal',
      status: 'triaged',
      statusNote: '已分派',
    });
    const handler = authHeader(testUser('complaint-handler', ['kutao'], 'handler-kutao'));
    const queue = async (query = '', headers = handler) =>
      (await app.inject({ method: 'GET', url: `/complaints/queue${query}`, headers })).json();

    const first = await queue('?community=kutao');
    expect(
      first.items.map((i: { complaintId: string; replyDue: string }) => [
        i.complaintId,
        i.replyDue,
      ]),
    ).toEqual([
      [b, 'overdue'],
      [a, 'due-soon'],
    ]);
    expect(
      (await queue('?handler=handler-kutao')).items.map(
        (i: { complaintId: string }) => i.complaintId,
      ),
    ).toEqual([a]);
    const estate = await queue(
      '?estate=taoyuanju',
      authHeader(testUser('complaint-handler', ['taoyuanju'], 'officer-taoyuanju')),
    );
    expect(estate.items).toEqual([
      expect.objectContaining({
        complaintId: c,
        replyDue: 'on-time',
        replyDueLocal: '2020-02-04 00:00',
      }),
    ]);
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/complaints/queue?estate=taoyuanju',
          headers: handler,
        })
      ).statusCode,
    ).toBe(403);

    // Replied to: after the unreplied; closed: gone.
    await append(b, 'complaints.reporter-replied', {
      replyId: 'r1',
      channel: 'phone',
      message: '已回电',
      public: false,
      at: now.toISOString(),
    });
    expect(
      (await queue('?community=kutao')).items.map(
        (i: { complaintId: string; replyDue: string }) => [i.complaintId, i.replyDue],
      ),
    ).toEqual([
      [a, 'due-soon'],
      [b, 'replied'],
    ]);
    await append(a, 'complaints.complaint-closed', { status: 'closed', statusNote: '已办结' });
    expect(
      (await queue('?community=kutao')).items.map((i: { complaintId: string }) => i.complaintId),
    ).toEqual([b]);
  });
});
