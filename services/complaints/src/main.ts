import { Redis } from 'ioredis';
import { z } from 'zod';
import { contextOf, uuidv7 } from '@fangyi/contracts';
import { openEventStore } from '@fangyi/eventstore';
import { KafkaMessageBus, startRelay } from '@fangyi/messaging';
import { RedisProjectionStore } from '@fangyi/projections';
import { createLogger, installGracefulShutdown, commandServiceConfig, readConfig, withEventStoreUrl, systemClock } from '@fangyi/service-kit';
import { buildComplaintsApp } from './app.ts';
import { complaintPolicyFromEnv } from './complaint/policy.ts';
import { startComplaintsReadModel } from './readModel.ts';

/**
 * The complaints service in distributed mode: HTTP commands on the PostgreSQL event store, the
 * relay that publishes the complaints context's events to Kafka, and the complaints list kept in
 * Redis from that topic. The policy (reply-due hours, rental-ban fine and reward, who handles the
 * complaints of each area) comes from the environment: see complaint/policy.ts.
 */
const config = readConfig(
  z.object({
    ...commandServiceConfig(3005),
    REDIS_URL: z.string().min(1, 'REDIS_URL is required (redis://…) for the complaints list'),
    FANGYI_COMPLAINTS_NAMESPACE: z.string().default('fangyi:complaints'),
  }),
  withEventStoreUrl(process.env)
);
const policy = complaintPolicyFromEnv();

const logger = createLogger({ service: 'complaints', level: config.LOG_LEVEL });
const clock = systemClock;
const eventStore = await openEventStore(config.EVENT_STORE_URL, { schema: config.FANGYI_SCHEMA, clock });
const bus = new KafkaMessageBus({ brokers: config.KAFKA_BROKERS.split(','), clientId: 'fangyi-complaints', logger });
const relay =
  config.FANGYI_RELAY === 'on'
    ? await startRelay({ store: eventStore, bus, logger, topicPrefix: config.FANGYI_TOPIC_PREFIX, name: 'relay-complaints', include: (e) => contextOf(e.type) === 'complaints' })
    : null;
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
const listStore = new RedisProjectionStore({ redis, namespace: config.FANGYI_COMPLAINTS_NAMESPACE, clock });
const readModel = await startComplaintsReadModel({ bus, store: listStore, logger, topicPrefix: config.FANGYI_TOPIC_PREFIX, groupId: `${config.FANGYI_TOPIC_PREFIX}-complaints-list` });

const app = buildComplaintsApp({
  eventStore,
  clock,
  newId: () => uuidv7(),
  policy,
  listStore,
  logger,
  authSecret: config.FANGYI_JWT_SECRET,
  readiness: async () => {
    await eventStore.readAll({ limit: 1 });
    return { ok: (await redis.ping()) === 'PONG', checks: { eventStore: 'ok', redis: 'ok', relay: relay ? 'on' : 'off' } };
  },
});

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    ...(relay ? [{ name: 'relay', close: () => relay.stop() }] : []),
    { name: 'complaints list', close: () => readModel.stop() },
    { name: 'kafka', close: () => bus.close() },
    { name: 'redis', close: async () => void (await redis.quit()) },
    { name: 'event store', close: () => eventStore.close() },
  ],
  logger,
);

const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info({ address, replyWithinHours: policy.replyWithinHours, rentalBan: policy.rentalBan, areasWithHandlers: [...policy.handlers.keys()] }, 'complaints service listening');
