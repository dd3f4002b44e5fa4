import { Redis } from 'ioredis';
import { z } from 'zod';
import { BOUNDED_CONTEXTS, topicFor } from '@fangyi/contracts';
import { KafkaMessageBus } from '@fangyi/messaging';
import { RedisProjectionStore } from '@fangyi/projections';
import { busSource, readModelProcessor, startProcessor } from '@fangyi/processors';
import { DEFAULT_TIME_ZONE, businessDate, createLogger, installGracefulShutdown, readConfig, systemClock } from '@fangyi/service-kit';
import { reportProjection } from './report/projection.ts';
import { rosterProjection } from './roster/projection.ts';

/**
 * The read side's projection worker: keeps the roster (from the quarantine topic) and the daily
 * report (from every context's topic) in Redis. Scale by running more workers in the same groups
 * (up to the topics' partition count).
 */
const config = readConfig(
  z.object({
    KAFKA_BROKERS: z.string().min(1, 'KAFKA_BROKERS is required (host:port,…)'),
    REDIS_URL: z.string().min(1, 'REDIS_URL is required (redis://…)'),
    FANGYI_TOPIC_PREFIX: z.string().default('fangyi'),
    FANGYI_TIME_ZONE: z.string().default(DEFAULT_TIME_ZONE),
    FANGYI_ROSTER_NAMESPACE: z.string().default('fangyi:roster'),
    FANGYI_ROSTER_GROUP: z.string().default('fangyi-roster'),
    FANGYI_REPORT_NAMESPACE: z.string().default('fangyi:report'),
    FANGYI_REPORT_GROUP: z.string().default('fangyi-report'),
    LOG_LEVEL: z.string().default('info'),
  }),
);

const logger = createLogger({ service: 'roster-worker', level: config.LOG_LEVEL });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
const rosterStore = new RedisProjectionStore({ redis, namespace: config.FANGYI_ROSTER_NAMESPACE, clock: systemClock });
const reportStore = new RedisProjectionStore({ redis, namespace: config.FANGYI_REPORT_NAMESPACE, clock: systemClock });
const bus = new KafkaMessageBus({ brokers: config.KAFKA_BROKERS.split(','), clientId: 'fangyi-roster-worker', logger });
const allTopics = BOUNDED_CONTEXTS.map((c) => topicFor(c, config.FANGYI_TOPIC_PREFIX));
await bus.ensureTopics(allTopics);
const groups: Record<string, string> = { roster: config.FANGYI_ROSTER_GROUP, 'daily-report': config.FANGYI_REPORT_GROUP };
const source = busSource({ bus, topicPrefix: config.FANGYI_TOPIC_PREFIX, groupId: (name) => groups[name] ?? `${config.FANGYI_TOPIC_PREFIX}-${name}` });
const roster = await startProcessor(readModelProcessor(rosterProjection, rosterStore), source, logger);
const report = await startProcessor(
  readModelProcessor(reportProjection((iso) => businessDate(new Date(iso), config.FANGYI_TIME_ZONE)), reportStore),
  source,
  logger,
);

installGracefulShutdown(
  [
    { name: 'roster projection', close: () => roster.stop() },
    { name: 'report projection', close: () => report.stop() },
    { name: 'kafka', close: () => bus.close() },
    { name: 'redis', close: async () => void (await redis.quit()) },
  ],
  logger,
);
logger.info({ topics: allTopics }, 'read-side worker running');
