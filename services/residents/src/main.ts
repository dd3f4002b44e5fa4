import { z } from 'zod';
import { contextOf, uuidv7 } from '@fangyi/contracts';
import { openEventStore } from '@fangyi/eventstore';
import { relayReadiness, startRelay } from '@fangyi/messaging';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { busSource, readinessOf } from '@fangyi/processors';
import {
  createMetrics,
  tracingFromEnv,
  instrumentEventStore,
  registerProcessorMetrics,
  registerRelayMetrics,
  businessDate,
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
import { buildResidentsApp } from './app.ts';
import { startHouseholdPeopleFeed } from './householdPeople/feed.ts';
import { startResidentsPolicies } from './policies/policies.ts';

/**
 * The residents service in distributed mode: HTTP commands, the PostgreSQL event store, the relay
 * that publishes the residents events of the shared log to Kafka, and the policies that react to
 * quarantine and complaints events. Several instances may run: relays publish at least once and
 * every consumer is idempotent; policy instances share their consumer groups.
 */
const config = readConfig(
  z.object({
    ...commandServiceConfig(3003),
    FANGYI_POLICIES: z.enum(['on', 'off']).default('on'),
    ...privacyConfig(),
  }),
  withEventStoreUrl(process.env),
);

const logger = createLogger({ service: 'residents', level: config.LOG_LEVEL });
// The district's places and policies (FANGYI_CONFIG, default config/district.json), read once.
const district = loadDistrict(process.env, (message) => logger.warn(message));
const clock = systemClock;
const newId = () => uuidv7();
const metrics = createMetrics({ service: 'residents' });
// Traces exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise none.
const tracing = await tracingFromEnv('residents');
// Every append measured and counted by event type (the domain counters at /metrics).
const eventStore = instrumentEventStore(
  await openEventStore(config.EVENT_STORE_URL, { schema: config.FANGYI_SCHEMA, clock }),
  metrics,
);
const { vault, namingKey: reservationKey, keys: personalKeys } = await openPrivacy(config);
const bus = new KafkaMessageBus({
  brokers: config.KAFKA_BROKERS.split(','),
  clientId: 'fangyi-residents',
  logger,
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
        name: 'relay-residents',
        include: (e) => contextOf(e.type) === 'residents',
        maxPublishMessages: config.FANGYI_RELAY_MAX_PUBLISH_MESSAGES,
        maxPublishBytes: config.FANGYI_RELAY_MAX_PUBLISH_BYTES,
        maxMessageBytes: config.FANGYI_RELAY_MAX_MESSAGE_BYTES,
        standbyPollMs: config.FANGYI_RELAY_STANDBY_POLL_MS,
      })
    : null;
const policies =
  config.FANGYI_POLICIES === 'on'
    ? await startResidentsPolicies({
        source: busSource({ bus, topicPrefix: config.FANGYI_TOPIC_PREFIX, join: 'background' }),
        eventStore,
        logger,
        clock,
        newId,
        timeZone: config.FANGYI_TIME_ZONE,
      })
    : null;
const householdPeople = await startHouseholdPeopleFeed({
  eventStore,
  logger,
  dateOf: (iso) => businessDate(new Date(iso), config.FANGYI_TIME_ZONE),
});
// Staff accounts from the log: a console session of an account disabled since it signed in ends here too.
const staffDirectory = await startStaffDirectory({ eventStore, logger });

registerProcessorMetrics(metrics, () => [
  ...householdPeople.statuses(),
  staffDirectory.status(),
  ...(policies?.statuses() ?? []),
]);
if (relay) registerRelayMetrics(metrics, relay, eventStore);
const app = buildResidentsApp({
  tracing,
  metrics,
  eventStore,
  vault,
  reservationKey,
  clock,
  newId,
  timeZone: config.FANGYI_TIME_ZONE,
  district,
  householdPeople,
  logger,
  authSecret: tokenSecretsOf(config),
  rateLimit: rateLimitOf(config),
  sessionCheck: sessionCheckOf(staffDirectory),
  readiness: async () => {
    await eventStore.readAll({ limit: 1 });
    // A parked or stopped relay fails readiness: this context's events no longer reach the others.
    // Processors that have not joined yet (Kafka down) do not: commands are still answered.
    const relayCheck = relay ? relayReadiness(relay) : { ok: true, check: 'off' };
    const processors = readinessOf([
      ...householdPeople.statuses(),
      staffDirectory.status(),
      ...(policies?.statuses() ?? []),
    ]);
    return {
      ok: relayCheck.ok,
      checks: {
        eventStore: 'ok',
        relay: relayCheck.check,
        policies: policies ? 'on' : 'off',
        ...processors.checks,
      },
    };
  },
});

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    ...(policies ? [{ name: 'policies', close: () => policies.stop() }] : []),
    ...(relay ? [{ name: 'relay', close: () => relay.stop() }] : []),
    { name: 'household people', close: () => householdPeople.stop() },
    { name: 'kafka', close: () => bus.close() },
    { name: 'staff directory', close: () => staffDirectory.stop() },
    { name: 'event store', close: () => eventStore.close() },
    ...(tracing ? [{ name: 'traces', close: () => tracing.shutdown() }] : []),
    { name: 'personal keys', close: () => personalKeys.close() },
  ],
  logger,
);

const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info({ address }, 'residents service listening');
