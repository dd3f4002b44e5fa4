import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KafkaMessageBus, type IncomingMessage } from '../src/index.ts';
import { messageBusContract } from './contract.ts';
import { kafkaBrokersOrFail, testLogger } from './support.ts';

const brokers = kafkaBrokersOrFail('message bus contract: Kafka');
if (brokers) {
  messageBusContract(`Kafka (${brokers.join(',')})`, async () => {
    const bus = new KafkaMessageBus({ brokers, clientId: 'fangyi-messaging-test', logger: testLogger().logger, numPartitions: 3, consumer: { handlerRetryMs: 50 } });
    return { bus, partitions: 3, cleanup: () => bus.close() };
  });

  describe('Kafka bus: services starting together', () => {
    it('lets several processes create the same new topics at once and consume and publish on them straight away', async () => {
      // Each bus stands for one service starting beside the others: all create the same topics,
      // and the losers of that race must not subscribe or publish before the topics have leaders.
      const topics = [0, 1, 2].map((i) => `race-${i}-${randomUUID().slice(0, 8)}`);
      const buses = [0, 1, 2, 3].map((i) => new KafkaMessageBus({ brokers, clientId: `fangyi-race-${i}`, logger: testLogger().logger, numPartitions: 3 }));
      const got = buses.map(() => [] as IncomingMessage[]);
      try {
        await Promise.all(
          buses.map(async (bus, i) => {
            await bus.ensureTopics(topics);
            await bus.consume({ groupId: `race-${i}-${randomUUID().slice(0, 8)}`, topics, fromBeginning: true, handle: async (m) => void got[i]!.push(m) });
            await bus.publish(topics[i % topics.length]!, [{ key: `k${i}`, value: `from bus ${i}` }]);
          }),
        );
        // Every bus's own group reads every message any bus published.
        await expect.poll(() => got.map((messages) => messages.map((m) => m.value).sort()), { timeout: 20_000, interval: 50 }).toEqual(
          buses.map(() => ['from bus 0', 'from bus 1', 'from bus 2', 'from bus 3']),
        );
      } finally {
        await Promise.all(buses.map((bus) => bus.close()));
      }
    }, 60_000);
  });
}
