import { Redis } from 'ioredis';
import { z } from 'zod';
import { contextOf, uuidv7 } from '@fangyi/contracts';
import { openEventStore } from '@fangyi/eventstore';
import { KafkaMessageBus, startRelay } from '@fangyi/messaging';
import { RedisProjectionStore } from '@fangyi/projections';
import { createLogger, installGracefulShutdown, commandServiceConfig, readConfig, withEventStoreUrl, systemClock } from '@fangyi/service-kit';
import { buildCheckpointsApp } from './app.ts';
import { startCheckpointsProjections } from './underQuarantine/projection.ts';

/**
 * The checkpoints service in distributed mode: HTTP commands on the PostgreSQL event store, the
 * relay that publishes this context's events to Kafka, and the consumer that keeps "people under
 * quarantine" in Redis from the quarantine topic (read by the crossing routes to record breaches).
 * The checkpoint list and the residents directory (who and which passes a crossing may name) share
 * that Redis store and need no wiring: the routes bring them up to date from the event store.
 */
const config = readConfig(
  z.object({
    ...commandServiceConfig(3004),
    REDIS_URL: z.string().min(1, 'REDIS_URL is required (redis://…)'),
    FANGYI_CHECKPOINTS_NAMESPACE: z.string().default('fangyi:checkpoints'),
  }),
  withEventStoreUrl(process.env)
);

const logger = createLogger({ service: 'checkpoints', level: config.LOG_LEVEL });
const clock = systemClock;
const eventStore = await openEventStore(config.EVENT_STORE_URL, { schema: config.FANGYI_SCHEMA, clock });
const bus = new KafkaMessageBus({ brokers: config.KAFKA_BROKERS.split(','), clientId: 'fangyi-checkpoints', logger });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
const projectionStore = new RedisProjectionStore({ redis, namespace: config.FANGYI_CHECKPOINTS_NAMESPACE, clock });
const relay =
  config.FANGYI_RELAY === 'on'
    ? await startRelay({ store: eventStore, bus, logger, topicPrefix: config.FANGYI_TOPIC_PREFIX, name: 'relay-checkpoints', include: (e) => contextOf(e.type) === 'checkpoints' })
    : null;
const projections = await startCheckpointsProjections({ bus, store: projectionStore, logger, topicPrefix: config.FANGYI_TOPIC_PREFIX });

const app = buildCheckpointsApp({
  eventStore,
  clock,
  newId: () => uuidv7(),
  timeZone: config.FANGYI_TIME_ZONE,
  projectionStore,
  logger,
  authSecret: config.FANGYI_JWT_SECRET,
  readiness: async () => {
    await eventStore.readAll({ limit: 1 });
    const meta = await projectionStore.meta();
    return {
      ok: (await redis.ping()) === 'PONG',
      checks: { eventStore: 'ok', redis: 'ok', relay: relay ? 'on' : 'off', readModelsApplied: String(meta.appliedCount), lastAppliedAt: meta.lastAppliedAt ?? 'never' },
    };
  },
});

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    { name: 'under-quarantine projection', close: () => projections.stop() },
    ...(relay ? [{ name: 'relay', close: () => relay.stop() }] : []),
    { name: 'kafka', close: () => bus.close() },
    { name: 'redis', close: async () => void (await redis.quit()) },
    { name: 'event store', close: () => eventStore.close() },
  ],
  logger,
);

const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info({ address }, 'checkpoints service listening');
