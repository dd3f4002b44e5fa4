import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterTopic, topicFor, uuidv7, type Envelope } from '@fangyi/contracts';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { RedisProjectionStore, type Op, type Projection } from '@fangyi/projections';
import { requireInfra } from '@fangyi/testkit';
import { busSource, readModelProcessor, startProcessor } from '../src/index.ts';

const STARTED = 'quarantine.home-quarantine-started';
const LOGGED = 'quarantine.symptom-check-logged';

/** Checks per case, in the case's community partition: each event reads the document before it. */
const checksPerCase: Projection = {
  name: 'checks-per-case',
  handles: [STARTED, LOGGED],
  prefetch: (e) => [{ collection: 'cases', id: (e.data as { caseId: string }).caseId }],
  async project(event, read): Promise<Op[]> {
    const d = event.data as { caseId: string; community?: string };
    const doc = await read.get<{
      caseId: string;
      community: string;
      checks: number;
      revisions: number[];
    }>('cases', d.caseId);
    if (event.type === STARTED)
      return [
        {
          op: 'put',
          collection: 'cases',
          id: d.caseId,
          partition: d.community!,
          doc: { caseId: d.caseId, community: d.community, checks: 0, revisions: [0] },
        },
      ];
    if (!doc) return [];
    return [
      {
        op: 'put',
        collection: 'cases',
        id: d.caseId,
        partition: doc.community,
        doc: {
          ...doc,
          checks: doc.checks + 1,
          revisions: [...doc.revisions, event.streamRevision],
        },
        index: [{ index: 'checks', value: '', sort: String(doc.checks + 1).padStart(3, '0') }],
      },
    ];
  },
};

describe('a read model fed from Kafka in batches (Redis)', () => {
  const brokers = requireInfra('kafka').split(',');
  let redis: Redis;
  let bus: KafkaMessageBus;
  const prefix = `rmk${randomUUID().slice(0, 8)}`;
  const topic = topicFor('quarantine', prefix);
  const store = () =>
    new RedisProjectionStore({ redis, namespace: `fangyi-test:rmk:${randomUUID()}` });
  const stores: RedisProjectionStore[] = [];

  beforeAll(async () => {
    redis = new Redis(requireInfra('redis'));
    bus = new KafkaMessageBus({
      brokers,
      clientId: `fangyi-${prefix}`,
      logger: pino({ level: 'silent' }),
      numPartitions: 3,
    });
  });
  afterAll(async () => {
    for (const s of stores) await s.reset();
    await bus?.close();
    await redis?.quit();
  });

  it('applies every event once, whatever is delivered twice, and sets unreadable messages aside without holding up their batch', async () => {
    const cases = Array.from({ length: 40 }, (_, i) => ({
      caseId: `case-${i}-${randomUUID().slice(0, 6)}`,
      community: i % 2 ? 'moujia' : 'zhangcun',
    }));
    const envelopes: Envelope[] = cases.flatMap(({ caseId, community }) =>
      Array.from({ length: 10 }, (_, r) => ({
        id: uuidv7(),
        type: r === 0 ? STARTED : LOGGED,
        schemaVersion: 1,
        streamId: `homeQuarantine-${caseId}`,
        streamRevision: r,
        occurredAt: '2026-02-01T00:00:00.000Z',
        recordedAt: '2026-02-01T00:00:00.000Z',
        actor: { id: 'caller-1', role: 'caller' },
        correlationId: randomUUID(),
        causationId: null,
        data:
          r === 0
            ? {
                caseId,
                personId: `p-${caseId}`,
                personName: '张三',
                community,
                startDate: '2026-02-01',
                endDate: '2026-02-14',
                periodDays: 14,
                reason: 'close-contact',
                assignedCaller: 'caller-1',
              }
            : {
                caseId,
                checkId: uuidv7(),
                date: '2026-02-01',
                slot: 'am',
                temperatureC: 36.5,
                symptoms: [],
                reachedVia: 'phone',
                abnormal: false,
              },
      })),
    );
    const messages = envelopes.map((e) => ({ key: e.streamId, value: JSON.stringify(e) }));
    // Everything twice, the copies interleaved, and two unreadable messages among them.
    await bus.ensureTopics([topic]);
    await bus.publish(topic, [
      ...messages.slice(0, 150),
      { key: 'x', value: '{not json' },
      ...messages.slice(0, 150),
      ...messages.slice(150),
      { key: 'y', value: JSON.stringify({ type: LOGGED, streamId: 'x' }) },
      ...messages.slice(150),
    ]);
    const s = store();
    stores.push(s);
    const running = await startProcessor(
      readModelProcessor(checksPerCase, s),
      busSource({ bus, topicPrefix: prefix, groupId: () => `${prefix}-rm` }),
      pino({ level: 'silent' }),
    );
    try {
      await expect
        .poll(async () => (await s.meta()).appliedCount, { timeout: 20_000, interval: 100 })
        .toBe(envelopes.length);
      for (const { caseId } of cases) {
        expect(await s.get('cases', caseId)).toMatchObject({
          checks: 9,
          revisions: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        });
        expect(await s.appliedRevision(`homeQuarantine-${caseId}`)).toBe(9);
      }
      expect(
        await s.count({ collection: 'cases', partition: 'moujia', index: 'checks', from: '009' }),
      ).toBe(20);
      expect(running.status()).toMatchObject({ state: 'running', deadLettered: 2 });
      const letters = await bus.readTopic(deadLetterTopic(topic), 0n);
      expect(letters.map((l) => l.key).sort()).toEqual(['x', 'y']);
    } finally {
      await running.stop();
    }
  });
});
