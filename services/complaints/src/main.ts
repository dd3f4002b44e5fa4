import { Redis } from 'ioredis';
import { z } from 'zod';
import { contextOf, uuidv7 } from '@fangyi/contracts';
import { openEventStore } from '@fangyi/eventstore';
import { relayReadiness, startRelay } from '@fangyi/messaging';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { busSource, readinessOf } from '@fangyi/processors';
import { RedisProjectionStore } from '@fangyi/projections';
import {
  createMetrics,
  instrumentEventStore,
  registerProcessorMetrics,
  registerRelayMetrics,
  openPrivacy,
  privacyConfig,
  createLogger,
  installGracefulShutdown,
  loadDistrict,
  commandServiceConfig,
  rateLimitOf,
  readConfig,
  tokenSecretsOf,
  withEventStoreUrl,
  systemClock,
} from '@fangyi/service-kit';
import { sessionCheckOf, startStaffDirectory } from '@fangyi/staff';
import { buildComplaintsApp } from './app.ts';
import { complaintPolicyFromEnv } from './complaint/policy.ts';
import { startHouseholdDirectory } from './households/directory.ts';
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
    ...privacyConfig(),
    REDIS_URL: z.string().min(1, 'REDIS_URL is required (redis://…) for the complaints list'),
    // v2: each complaint in its estate's or community's partition with the queue's indexes; built
    // from the event store at the first start, the old namespace is left alone.
    FANGYI_COMPLAINTS_NAMESPACE: z.string().default('fangyi:complaints:v2'),
  }),
  withEventStoreUrl(process.env),
);
const policy = complaintPolicyFromEnv();

const logger = createLogger({ service: 'complaints', level: config.LOG_LEVEL });
// The district's places and policies (FANGYI_CONFIG, default config/district.json), read once.
const district = loadDistrict(process.env, (message) => logger.warn(message));
const clock = systemClock;
const metrics = createMetrics({ service: 'complaints' });
// Every append measured and counted by event type (the domain counters at /metrics).
const eventStore = instrumentEventStore(
  await openEventStore(config.EVENT_STORE_URL, { schema: config.FANGYI_SCHEMA, clock }),
  metrics,
);
const privacy = await openPrivacy(config);
const bus = new KafkaMessageBus({
  brokers: config.KAFKA_BROKERS.split(','),
  clientId: 'fangyi-complaints',
  logger,
});
const relay =
  config.FANGYI_RELAY === 'on'
    ? await startRelay({
        store: eventStore,
        bus,
        logger,
        topicPrefix: config.FANGYI_TOPIC_PREFIX,
        // One name per context: every replica of the service competes for it, one leads.
        name: 'relay-complaints',
        include: (e) => contextOf(e.type) === 'complaints',
        maxPublishMessages: config.FANGYI_RELAY_MAX_PUBLISH_MESSAGES,
        maxPublishBytes: config.FANGYI_RELAY_MAX_PUBLISH_BYTES,
        maxMessageBytes: config.FANGYI_RELAY_MAX_MESSAGE_BYTES,
        standbyPollMs: config.FANGYI_RELAY_STANDBY_POLL_MS,
      })
    : null;
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
const listStore = new RedisProjectionStore({
  redis,
  namespace: config.FANGYI_COMPLAINTS_NAMESPACE,
  clock,
  guarded: true,
});
const households = await startHouseholdDirectory({ eventStore, logger });
// Staff accounts from the log: a console session of an account disabled since it signed in ends here too.
const staffDirectory = await startStaffDirectory({ eventStore, logger });
const readModel = await startComplaintsReadModel({
  source: busSource({ bus, topicPrefix: config.FANGYI_TOPIC_PREFIX, join: 'background' }),
  store: listStore,
  logger,
  eventStore,
});

registerProcessorMetrics(metrics, () => [
  readModel.status(),
  households.status(),
  staffDirectory.status(),
]);
if (relay) registerRelayMetrics(metrics, relay, eventStore);
const app = buildComplaintsApp({
  metrics,
  eventStore,
  clock,
  newId: () => uuidv7(),
  policy,
  listStore,
  households,
  vault: privacy.vault,
  namingKey: privacy.namingKey,
  timeZone: config.FANGYI_TIME_ZONE,
  district,
  logger,
  authSecret: tokenSecretsOf(config),
  rateLimit: rateLimitOf(config),
  sessionCheck: sessionCheckOf(staffDirectory),
  readiness: async () => {
    await eventStore.readAll({ limit: 1 });
    // A parked or stopped relay fails readiness: this context's events no longer reach the others.
    const relayCheck = relay ? relayReadiness(relay) : { ok: true, check: 'off' };
    const processors = readinessOf([
      readModel.status(),
      households.status(),
      staffDirectory.status(),
    ]);
    return {
      ok: relayCheck.ok && (await redis.ping()) === 'PONG',
      checks: { eventStore: 'ok', redis: 'ok', relay: relayCheck.check, ...processors.checks },
    };
  },
});

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    ...(relay ? [{ name: 'relay', close: () => relay.stop() }] : []),
    { name: 'complaints list', close: () => readModel.stop() },
    { name: 'household directory', close: () => households.stop() },
    { name: 'kafka', close: () => bus.close() },
    { name: 'redis', close: async () => void (await redis.quit()) },
    { name: 'personal keys', close: () => privacy.keys.close() },
    { name: 'staff directory', close: () => staffDirectory.stop() },
    { name: 'event store', close: () => eventStore.close() },
  ],
  logger,
);

const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info(
  {
    address,
    replyWithinHours: policy.replyWithinHours,
    rentalBan: policy.rentalBan,
    areasWithHandlers: [...policy.handlers.keys()],
  },
  'complaints service listening',
);
