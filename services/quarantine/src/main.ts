import { z } from 'zod';
import { uuidv7 } from '@fangyi/contracts';
import { PostgresEventStore } from '@fangyi/eventstore';
import { KafkaMessageBus, startRelay } from '@fangyi/messaging';
import { DEFAULT_TIME_ZONE, createLogger, installGracefulShutdown, readConfig, systemClock } from '@fangyi/service-kit';
import { buildQuarantineApp } from './app.ts';

/**
 * The quarantine service in distributed mode: HTTP commands, the PostgreSQL event store, and the
 * relay that publishes the event store's log to Kafka. Several instances may run: each relay
 * publishes at least once and consumers are idempotent, so a repeat costs only traffic.
 */
const config = readConfig(
  z.object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3001),
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: z.string().min(1, 'DATABASE_URL is required (postgres://…)'),
    KAFKA_BROKERS: z.string().min(1, 'KAFKA_BROKERS is required (host:port,…)'),
    FANGYI_SCHEMA: z.string().default('fangyi'),
    FANGYI_TOPIC_PREFIX: z.string().default('fangyi'),
    FANGYI_TIME_ZONE: z.string().default(DEFAULT_TIME_ZONE),
    FANGYI_JWT_SECRET: z.string().min(16, 'FANGYI_JWT_SECRET must be at least 16 characters'),
    FANGYI_RELAY: z.enum(['on', 'off']).default('on'),
    LOG_LEVEL: z.string().default('info'),
  }),
);

const logger = createLogger({ service: 'quarantine', level: config.LOG_LEVEL });
const clock = systemClock;
const eventStore = await PostgresEventStore.create({ connectionString: config.DATABASE_URL, schema: config.FANGYI_SCHEMA, clock });
const bus = new KafkaMessageBus({ brokers: config.KAFKA_BROKERS.split(','), clientId: 'fangyi-quarantine', logger });
const relay = config.FANGYI_RELAY === 'on' ? await startRelay({ store: eventStore, bus, logger, topicPrefix: config.FANGYI_TOPIC_PREFIX }) : null;

const app = buildQuarantineApp({
  eventStore,
  clock,
  newId: () => uuidv7(),
  timeZone: config.FANGYI_TIME_ZONE,
  logger,
  authSecret: config.FANGYI_JWT_SECRET,
  readiness: async () => {
    await eventStore.readAll({ limit: 1 });
    return { ok: true, checks: { eventStore: 'ok', relay: relay ? 'on' : 'off' } };
  },
});

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    ...(relay ? [{ name: 'relay', close: () => relay.stop() }] : []),
    { name: 'kafka', close: () => bus.close() },
    { name: 'event store', close: () => eventStore.close() },
  ],
  logger,
);

const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info({ address }, 'quarantine service listening');
