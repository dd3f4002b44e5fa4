import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigResourceTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import { deadLetterTopic } from '@fangyi/contracts';
import { consumeEnvelopes, type IncomingMessage } from '../src/index.ts';
import {
  DEFAULT_DEAD_LETTER_RETENTION_MS,
  DEFAULT_TOPIC_RETENTION_MS,
  KafkaMessageBus,
} from '../src/kafka.ts';
import { recordedCase } from './events.ts';
import { messageBusContract } from './contract.ts';
import { kafkaBrokersOrFail, testLogger } from './support.ts';

const brokers = kafkaBrokersOrFail('message bus contract: Kafka');
if (brokers) {
  messageBusContract(`Kafka (${brokers.join(',')})`, async () => {
    const bus = new KafkaMessageBus({
      brokers,
      clientId: 'fangyi-messaging-test',
      logger: testLogger().logger,
      numPartitions: 3,
      consumer: { handlerRetryMs: 50 },
    });
    return { bus, deadLetters: bus, partitions: 3, cleanup: () => bus.close() };
  });

  describe('Kafka bus: partitions', () => {
    it("puts each key on the partition kafkajs's default partitioner chose, so a stream keeps its partition across the client switch", async () => {
      const partitions = 6;
      const bus = new KafkaMessageBus({
        brokers,
        clientId: 'fangyi-partitioner-test',
        logger: testLogger().logger,
        numPartitions: partitions,
      });
      try {
        const topic = `partitioner-${randomUUID().slice(0, 8)}`;
        const keys = Array.from({ length: 200 }, (_, i) =>
          i % 2 === 0 ? `homeQuarantine-${randomUUID()}` : `person-${i}`,
        );
        // Where kafkajs 2.2.4, the previous client, put each key: its Java-compatible murmur2 partitioner.
        const kafkajs = Partitioners.DefaultPartitioner();
        const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
          partitionId,
          leader: 1,
          partitionErrorCode: 0,
          replicas: [1],
          isr: [1],
        }));
        const before = new Map(
          keys.map((key) => [
            key,
            kafkajs({ topic, partitionMetadata, message: { key, value: key } }),
          ]),
        );
        // Where this bus puts them, as the broker stored them.
        await bus.ensureTopics([topic]);
        await bus.publish(
          topic,
          keys.map((key) => ({ key, value: key })),
        );
        const stored = new Map<string, number>();
        const reader = await bus.consume({
          groupId: `partitioner-${randomUUID().slice(0, 8)}`,
          topics: [topic],
          fromBeginning: true,
          handle: async (m) => void stored.set(m.key!, m.partition),
        });
        await expect.poll(() => stored.size, { timeout: 20_000 }).toBe(keys.length);
        await reader.stop();
        expect(new Set(stored.values()).size).toBe(partitions);
        expect(keys.filter((key) => stored.get(key) !== before.get(key))).toEqual([]);
      } finally {
        await bus.close();
      }
    }, 60_000);
  });

  describe('Kafka bus: services starting together', () => {
    it('lets several processes create the same new topics at once and consume and publish on them straight away', async () => {
      // Each bus stands for one service starting beside the others: all create the same topics,
      // and the losers of that race must not subscribe or publish before the topics have leaders.
      const topics = [0, 1, 2].map((i) => `race-${i}-${randomUUID().slice(0, 8)}`);
      const buses = [0, 1, 2, 3].map(
        (i) =>
          new KafkaMessageBus({
            brokers,
            clientId: `fangyi-race-${i}`,
            logger: testLogger().logger,
            numPartitions: 3,
          }),
      );
      const got = buses.map(() => [] as IncomingMessage[]);
      try {
        await Promise.all(
          buses.map(async (bus, i) => {
            await bus.ensureTopics(topics);
            await bus.consume({
              groupId: `race-${i}-${randomUUID().slice(0, 8)}`,
              topics,
              fromBeginning: true,
              handle: async (m) => void got[i]!.push(m),
            });
            await bus.publish(topics[i % topics.length]!, [
              { key: `k${i}`, value: `from bus ${i}` },
            ]);
          }),
        );
        // Every bus's own group reads every message any bus published.
        await expect
          .poll(() => got.map((messages) => messages.map((m) => m.value).sort()), {
            timeout: 20_000,
            interval: 50,
          })
          .toEqual(buses.map(() => ['from bus 0', 'from bus 1', 'from bus 2', 'from bus 3']));
      } finally {
        await Promise.all(buses.map((bus) => bus.close()));
      }
    }, 60_000);
  });

  describe('Kafka bus: topics', () => {
    it('creates each source topic with its dead-letter topic, both with the retention asked for, and the broker keeps it', async () => {
      const bus = new KafkaMessageBus({
        brokers,
        clientId: 'fangyi-topics-test',
        logger: testLogger().logger,
        numPartitions: 3,
        topicRetentionMs: 12 * 86_400_000,
      });
      const withDefaults = new KafkaMessageBus({
        brokers,
        clientId: 'fangyi-topics-test-defaults',
        logger: testLogger().logger,
      });
      const kafka = new Kafka({
        clientId: 'fangyi-topics-test-admin',
        brokers,
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      await admin.connect();
      try {
        const source = `topics-${randomUUID().slice(0, 8)}`;
        const defaults = `topics-default-${randomUUID().slice(0, 8)}`;
        await bus.ensureTopics([source]);
        await withDefaults.ensureTopics([defaults]);
        const { topics } = await admin.fetchTopicMetadata({
          topics: [source, deadLetterTopic(source), deadLetterTopic(defaults)],
        });
        expect(Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]))).toEqual({
          [source]: 3,
          [deadLetterTopic(source)]: 1,
          [deadLetterTopic(defaults)]: 1,
        });
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [source, deadLetterTopic(source), defaults].map((name) => ({
            type: ConfigResourceTypes.TOPIC,
            name,
            configNames: ['retention.ms'],
          })),
        });
        const retention = Object.fromEntries(
          resources.map((r) => [
            r.resourceName,
            r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue,
          ]),
        );
        expect(retention).toEqual({
          [source]: String(12 * 86_400_000),
          [deadLetterTopic(source)]: String(DEFAULT_DEAD_LETTER_RETENTION_MS),
          [defaults]: String(DEFAULT_TOPIC_RETENTION_MS),
        });
        // Longer than the broker's default of 7 days, which is shorter than a quarantine period.
        expect(DEFAULT_TOPIC_RETENTION_MS).toBeGreaterThan(28 * 86_400_000);
        // Asking again for a dead-letter topic makes no dead-letter topic of it.
        await bus.ensureTopics([deadLetterTopic(source)]);
        expect(await admin.listTopics()).not.toContain(deadLetterTopic(deadLetterTopic(source)));
      } finally {
        await admin.disconnect();
        await Promise.all([bus.close(), withDefaults.close()]);
      }
    }, 60_000);

    it('adds the dead-letter topic to a topic made before, and warns when that topic keeps messages for less than the configured retention', async () => {
      const { logger, lines } = testLogger();
      const bus = new KafkaMessageBus({ brokers, clientId: 'fangyi-topics-test-older', logger });
      const kafka = new Kafka({
        clientId: 'fangyi-topics-test-older-admin',
        brokers,
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      await admin.connect();
      try {
        const older = `topics-older-${randomUUID().slice(0, 8)}`;
        await admin.createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic: older,
              numPartitions: 3,
              configEntries: [{ name: 'retention.ms', value: String(7 * 86_400_000) }],
            },
          ],
        });
        await bus.ensureTopics([older]);
        expect(await admin.listTopics()).toContain(deadLetterTopic(older));
        expect(lines.filter((l) => l.topic === older)).toEqual([
          expect.objectContaining({
            level: 40,
            retentionMs: 7 * 86_400_000,
            wantedMs: DEFAULT_TOPIC_RETENTION_MS,
            msg: expect.stringContaining('less than the configured retention'),
          }),
        ]);
      } finally {
        await admin.disconnect();
        await bus.close();
      }
    }, 60_000);
  });

  describe('Kafka bus: a message being retried', () => {
    it('holds up only its own partition: the other partitions are handled meanwhile', async () => {
      const bus = new KafkaMessageBus({
        brokers,
        clientId: 'fangyi-retry-partition-test',
        logger: testLogger().logger,
        numPartitions: 3,
      });
      try {
        const topic = `retry-partition-${randomUUID().slice(0, 8)}`;
        const streams = Array.from({ length: 12 }, () =>
          recordedCase(`c-${randomUUID().slice(0, 8)}`, 1),
        );
        const bad = streams[0]![0]!;
        const handled: IncomingMessage[] = [];
        const consumer = await consumeEnvelopes({
          bus,
          topics: [topic],
          groupId: `retry-partition-${randomUUID().slice(0, 8)}`,
          handles: ['quarantine.home-quarantine-started', 'quarantine.symptom-check-logged'],
          logger: testLogger().logger,
          maxAttempts: 10_000,
          retry: { firstDelayMs: 50, maxDelayMs: 200 },
          onEnvelope: async (e, m) => {
            if (e.id === bad.id) throw new Error('projection bug');
            handled.push(m);
          },
        });
        // Where each message went, as a plain group reads it.
        const all: IncomingMessage[] = [];
        const reader = await bus.consume({
          groupId: `retry-partition-reader-${randomUUID().slice(0, 8)}`,
          topics: [topic],
          fromBeginning: true,
          handle: async (m) => void all.push(m),
        });
        await bus.publish(
          topic,
          streams.flat().map((e) => ({ key: e.streamId, value: JSON.stringify(e) })),
        );
        await expect.poll(() => all.length, { timeout: 20_000 }).toBe(24);
        const stuck = all.find((m) => JSON.parse(m.value).id === bad.id)!.partition;
        const elsewhere = all.filter((m) => m.partition !== stuck).length;
        expect(elsewhere).toBeGreaterThan(0);
        await expect
          .poll(() => handled.filter((m) => m.partition !== stuck).length, { timeout: 20_000 })
          .toBe(elsewhere);
        // Still on the bad message: nothing behind it on its partition yet, and the status says so.
        expect(handled.filter((m) => m.partition === stuck)).toEqual([]);
        expect(consumer.status().retryingSince).toBeInstanceOf(Date);
        await Promise.all([consumer.stop(), reader.stop()]);
      } finally {
        await bus.close();
      }
    }, 60_000);
  });
}
