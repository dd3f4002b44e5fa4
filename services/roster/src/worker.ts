import { Redis } from 'ioredis';
import { z } from 'zod';
import { BOUNDED_CONTEXTS, topicFor } from '@fangyi/contracts';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { openEventStore } from '@fangyi/eventstore';
import { RedisProjectionStore, ensureIntact } from '@fangyi/projections';
import { busSource, readModelProcessor, readinessOf, startProcessor } from '@fangyi/processors';
import {
  createMetrics,
  tracingFromEnv,
  registerProcessorMetrics,
  DEFAULT_TIME_ZONE,
  businessDate,
  createLogger,
  installGracefulShutdown,
  readConfig,
  startHealthServer,
  systemClock,
  withEventStoreUrl,
} from '@fangyi/service-kit';
import { alertsProjection } from './alerts/projection.ts';
import { reportProjection } from './report/projection.ts';
import { rosterProjection } from './roster/projection.ts';
import { READ_MODEL_CONSUMER } from './consumer.ts';

/**
 * The read side's projection worker: keeps the roster and the alerts (from the quarantine topic)
 * and the daily report (from every context's topic) in Redis. Scale by running more workers in the same groups
 * (up to the topics' partition count). The event store stays the source of truth: a read model
 * whose Redis keys are gone (never built, or lost in a Redis restart) is rebuilt from it, never
 * from Kafka, and a message whose revision jumps ahead is checked in it before it is applied.
 */
const config = readConfig(
  z.object({
    EVENT_STORE_URL: z
      .string()
      .min(1, 'EVENT_STORE_URL (or DATABASE_URL) is required: the read models are rebuilt from it'),
    FANGYI_SCHEMA: z.string().default('fangyi'),
    KAFKA_BROKERS: z.string().min(1, 'KAFKA_BROKERS is required (host:port,…)'),
    REDIS_URL: z.string().min(1, 'REDIS_URL is required (redis://…)'),
    FANGYI_TOPIC_PREFIX: z.string().default('fangyi'),
    FANGYI_TIME_ZONE: z.string().default(DEFAULT_TIME_ZONE),
    FANGYI_ROSTER_NAMESPACE: z.string().default('fangyi:roster'),
    FANGYI_ROSTER_GROUP: z.string().default('fangyi-roster'),
    // v2: documents of dated facts (suspensions from/to, escalations raised/closed on, …); a new
    // namespace is built from the event store at the worker's first start, the old one is left alone.
    FANGYI_REPORT_NAMESPACE: z.string().default('fangyi:report:v2'),
    FANGYI_REPORT_GROUP: z.string().default('fangyi-report'),
    /** Default: beside the roster's (`<roster namespace>-alerts`, `<roster group>-alerts`). */
    FANGYI_ALERTS_NAMESPACE: z.string().optional(),
    FANGYI_ALERTS_GROUP: z.string().optional(),
    LOG_LEVEL: z.string().default('info'),
    /** Where /health and /ready answer (the image's HEALTHCHECK reads /ready on PORT); 0: any free port, logged. */
    PORT: z.coerce.number().int().min(0).max(65_535).default(0),
    HOST: z.string().default('127.0.0.1'),
  }),
  withEventStoreUrl(process.env),
);

const logger = createLogger({ service: 'roster-worker', level: config.LOG_LEVEL });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
const eventStore = await openEventStore(config.EVENT_STORE_URL, {
  schema: config.FANGYI_SCHEMA,
  clock: systemClock,
});
const rosterStore = new RedisProjectionStore({
  redis,
  namespace: config.FANGYI_ROSTER_NAMESPACE,
  clock: systemClock,
  guarded: true,
});
const reportStore = new RedisProjectionStore({
  redis,
  namespace: config.FANGYI_REPORT_NAMESPACE,
  clock: systemClock,
  guarded: true,
});
const alertsStore = new RedisProjectionStore({
  redis,
  namespace: config.FANGYI_ALERTS_NAMESPACE ?? `${config.FANGYI_ROSTER_NAMESPACE}-alerts`,
  clock: systemClock,
  guarded: true,
});
const roster = rosterProjection;
const report = reportProjection((iso) => businessDate(new Date(iso), config.FANGYI_TIME_ZONE));
const bus = new KafkaMessageBus({
  brokers: config.KAFKA_BROKERS.split(','),
  clientId: 'fangyi-roster-worker',
  logger,
  consumer: READ_MODEL_CONSUMER,
});
const allTopics = BOUNDED_CONTEXTS.map((c) => topicFor(c, config.FANGYI_TOPIC_PREFIX));
await bus.ensureTopics(allTopics);
const groups: Record<string, string> = {
  roster: config.FANGYI_ROSTER_GROUP,
  'daily-report': config.FANGYI_REPORT_GROUP,
  alerts: config.FANGYI_ALERTS_GROUP ?? `${config.FANGYI_ROSTER_GROUP}-alerts`,
};
// Each traced event's projection is a span of the caller's trace (OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set).
const tracing = await tracingFromEnv('roster-worker');
const source = busSource({
  bus,
  tracer: tracing?.tracer,
  topicPrefix: config.FANGYI_TOPIC_PREFIX,
  groupId: (name) => groups[name] ?? `${config.FANGYI_TOPIC_PREFIX}-${name}`,
});
// Before any Kafka message is applied, each read model is whole: built from the event store if it is not.
for (const [projection, store] of [
  [roster, rosterStore],
  [report, reportStore],
  [alertsProjection, alertsStore],
] as const)
  await ensureIntact({ projection, store, eventStore, logger });
const rosterProcessor = await startProcessor(
  readModelProcessor(roster, rosterStore, { eventStore }),
  source,
  logger,
);
const reportProcessor = await startProcessor(
  readModelProcessor(report, reportStore, { eventStore }),
  source,
  logger,
);
const alertsProcessor = await startProcessor(
  readModelProcessor(alertsProjection, alertsStore, { eventStore }),
  source,
  logger,
);

// Ready while Redis answers and every projection runs (not failing, not stale).
const metrics = createMetrics({ service: 'roster-worker' });
const processors = [rosterProcessor, reportProcessor, alertsProcessor];
registerProcessorMetrics(metrics, () => processors.map((p) => p.status()));
const health = await startHealthServer({
  service: 'roster-worker',
  metrics,
  port: config.PORT,
  host: config.HOST,
  logger,
  readiness: async () => {
    const states = readinessOf(processors.map((p) => p.status()));
    const redisUp = (await redis.ping().catch(() => 'down')) === 'PONG';
    return {
      ok: states.allRunning && redisUp,
      checks: { redis: redisUp ? 'ok' : 'down', ...states.checks },
    };
  },
});

installGracefulShutdown(
  [
    { name: 'health', close: () => health.close() },
    { name: 'roster projection', close: () => rosterProcessor.stop() },
    { name: 'report projection', close: () => reportProcessor.stop() },
    { name: 'alerts projection', close: () => alertsProcessor.stop() },
    { name: 'kafka', close: () => bus.close() },
    { name: 'redis', close: async () => void (await redis.quit()) },
    { name: 'event store', close: () => eventStore.close() },
    ...(tracing ? [{ name: 'traces', close: () => tracing.shutdown() }] : []),
  ],
  logger,
);
logger.info({ topics: allTopics }, 'read-side worker running');
