import { Redis } from 'ioredis';
import { z } from 'zod';
import { topicFor } from '@fangyi/contracts';
import { KafkaMessageBus } from '@fangyi/messaging';
import { RedisProjectionStore, runProjection } from '@fangyi/projections';
import { createLogger, installGracefulShutdown, readConfig, systemClock } from '@fangyi/service-kit';
import { rosterProjection } from './roster/projection.ts';

/**
 * The roster projection worker: consumes the quarantine topic from Kafka and keeps the roster in
 * Redis. Scale by running more workers in the same group (up to the topic's partition count).
 */
const config = readConfig(
  z.object({
    KAFKA_BROKERS: z.string().min(1, 'KAFKA_BROKERS is required (host:port,…)'),
    REDIS_URL: z.string().min(1, 'REDIS_URL is required (redis://…)'),
    FANGYI_TOPIC_PREFIX: z.string().default('fangyi'),
    FANGYI_ROSTER_NAMESPACE: z.string().default('fangyi:roster'),
    FANGYI_ROSTER_GROUP: z.string().default('fangyi-roster'),
    LOG_LEVEL: z.string().default('info'),
  }),
);

const logger = createLogger({ service: 'roster-worker', level: config.LOG_LEVEL });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
const store = new RedisProjectionStore({ redis, namespace: config.FANGYI_ROSTER_NAMESPACE, clock: systemClock });
const bus = new KafkaMessageBus({ brokers: config.KAFKA_BROKERS.split(','), clientId: 'fangyi-roster-worker', logger });
const topic = topicFor('quarantine', config.FANGYI_TOPIC_PREFIX);
await bus.ensureTopics([topic]);
const running = await runProjection({ projection: rosterProjection, store, bus, topics: [topic], groupId: config.FANGYI_ROSTER_GROUP, logger });

installGracefulShutdown(
  [
    { name: 'roster projection', close: () => running.stop() },
    { name: 'kafka', close: () => bus.close() },
    { name: 'redis', close: async () => void (await redis.quit()) },
  ],
  logger,
);
logger.info({ topic, group: config.FANGYI_ROSTER_GROUP }, 'roster worker running');
