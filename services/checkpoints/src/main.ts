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
  tracingFromEnv,
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
import { buildCheckpointsApp } from './app.ts';
import { startCheckpointList } from './checkpointList/projection.ts';
import { startResidentsDirectory } from './residentsDirectory/projection.ts';
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
    ...privacyConfig(),
    REDIS_URL: z.string().min(1, 'REDIS_URL is required (redis://…)'),
    FANGYI_CHECKPOINTS_NAMESPACE: z.string().default('fangyi:checkpoints'),
  }),
  withEventStoreUrl(process.env),
);

const logger = createLogger({ service: 'checkpoints', level: config.LOG_LEVEL });
// The district's places and policies (FANGYI_CONFIG, default config/district.json), read once.
const district = loadDistrict(process.env, (message) => logger.warn(message));
const clock = systemClock;
const metrics = createMetrics({ service: 'checkpoints' });
// Traces exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise none.
const tracing = await tracingFromEnv('checkpoints');
// Every append measured and counted by event type (the domain counters at /metrics).
const eventStore = instrumentEventStore(
  await openEventStore(config.EVENT_STORE_URL, { schema: config.FANGYI_SCHEMA, clock }),
  metrics,
);
const privacy = await openPrivacy(config);
const bus = new KafkaMessageBus({
  brokers: config.KAFKA_BROKERS.split(','),
  clientId: 'fangyi-checkpoints',
  logger,
});
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
const projectionStore = new RedisProjectionStore({
  redis,
  namespace: config.FANGYI_CHECKPOINTS_NAMESPACE,
  clock,
  guarded: true,
});
const relay =
  config.FANGYI_RELAY === 'on'
    ? await startRelay({
        store: eventStore,
        tracer: tracing?.tracer,
        bus,
        logger,
        topicPrefix: config.FANGYI_TOPIC_PREFIX,
        // One name per context: every replica of the service competes for it, one leads.
        name: 'relay-checkpoints',
        include: (e) => contextOf(e.type) === 'checkpoints',
        maxPublishMessages: config.FANGYI_RELAY_MAX_PUBLISH_MESSAGES,
        maxPublishBytes: config.FANGYI_RELAY_MAX_PUBLISH_BYTES,
        maxMessageBytes: config.FANGYI_RELAY_MAX_MESSAGE_BYTES,
        standbyPollMs: config.FANGYI_RELAY_STANDBY_POLL_MS,
      })
    : null;
const projections = await startCheckpointsProjections({
  source: busSource({ bus, topicPrefix: config.FANGYI_TOPIC_PREFIX, join: 'background' }),
  store: projectionStore,
  logger,
  eventStore,
});
const checkpointList = await startCheckpointList({ eventStore, logger });
const residents = await startResidentsDirectory({ eventStore, logger });
// Staff accounts from the log: a console session of an account disabled since it signed in ends here too.
const staffDirectory = await startStaffDirectory({ eventStore, logger });

registerProcessorMetrics(metrics, () => [
  projections.status(),
  checkpointList.status(),
  residents.status(),
  staffDirectory.status(),
]);
if (relay) registerRelayMetrics(metrics, relay, eventStore);
const app = buildCheckpointsApp({
  tracing,
  metrics,
  eventStore,
  clock,
  newId: () => uuidv7(),
  timeZone: config.FANGYI_TIME_ZONE,
  district,
  vault: privacy.vault,
  namingKey: privacy.namingKey,
  projectionStore,
  checkpointList,
  residents,
  logger,
  authSecret: tokenSecretsOf(config),
  rateLimit: rateLimitOf(config),
  sessionCheck: sessionCheckOf(staffDirectory),
  readiness: async () => {
    await eventStore.readAll({ limit: 1 });
    // A parked or stopped relay fails readiness: this context's events no longer reach the others.
    const relayCheck = relay ? relayReadiness(relay) : { ok: true, check: 'off' };
    const meta = await projectionStore.meta();
    return {
      ok: relayCheck.ok && (await redis.ping()) === 'PONG',
      checks: {
        eventStore: 'ok',
        redis: 'ok',
        relay: relayCheck.check,
        readModelsApplied: String(meta.appliedCount),
        lastAppliedAt: meta.lastAppliedAt ?? 'never',
        ...readinessOf([
          projections.status(),
          checkpointList.status(),
          residents.status(),
          staffDirectory.status(),
        ]).checks,
      },
    };
  },
});

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    { name: 'under-quarantine projection', close: () => projections.stop() },
    { name: 'checkpoint list', close: () => checkpointList.stop() },
    { name: 'residents directory', close: () => residents.stop() },
    ...(relay ? [{ name: 'relay', close: () => relay.stop() }] : []),
    { name: 'kafka', close: () => bus.close() },
    { name: 'redis', close: async () => void (await redis.quit()) },
    { name: 'personal keys', close: () => privacy.keys.close() },
    { name: 'staff directory', close: () => staffDirectory.stop() },
    { name: 'event store', close: () => eventStore.close() },
    ...(tracing ? [{ name: 'traces', close: () => tracing.shutdown() }] : []),
  ],
  logger,
);

const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info({ address }, 'checkpoints service listening');
