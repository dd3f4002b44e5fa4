import { z } from 'zod';
import { contextOf, uuidv7 } from '@fangyi/contracts';
import { openEventStore } from '@fangyi/eventstore';
import { relayReadiness, startRelay } from '@fangyi/messaging';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { busSource, readinessOf } from '@fangyi/processors';
import { InMemoryProjectionStore } from '@fangyi/projections';
import {
  createMetrics,
  tracingFromEnv,
  instrumentEventStore,
  registerProcessorMetrics,
  registerRelayMetrics,
  DEFAULT_EARLY_CHECK_MINUTES,
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
import { startActiveCasesFeed } from './activeCases/projection.ts';
import { applyCallersFromAccounts, sessionCheckOf, startStaffDirectory } from '@fangyi/staff';
import { buildQuarantineApp } from './app.ts';
import { startPeopleDirectoryFeed } from './people/directory.ts';
import { parseCallers, startQuarantinePolicies } from './policies/index.ts';
import { startMissedCheckScheduler } from './scheduler/missedChecks.ts';
import {
  DEFAULT_ESCALATION_ACK_MINUTES,
  startEscalationTimer,
} from './scheduler/overdueEscalations.ts';

/**
 * The quarantine service in distributed mode: HTTP commands, the PostgreSQL event store, the relay
 * that publishes the quarantine events of the log to Kafka, the policies (arrivals from risk areas,
 * checkpoint breaches) and the missed-check scheduler. Several instances may run: one relay leads
 * (the event store's lease) while the others stand by, consumers are idempotent, and the scheduler
 * records each missed slot once whichever instance gets there first.
 */
const config = readConfig(
  z.object({
    ...commandServiceConfig(3001),
    FANGYI_POLICIES: z.enum(['on', 'off']).default('on'),
    FANGYI_SCHEDULER: z.enum(['on', 'off']).default('on'),
    FANGYI_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
    FANGYI_CHECK_EARLY_MINUTES: z.coerce
      .number()
      .int()
      .min(0)
      .max(720)
      .default(DEFAULT_EARLY_CHECK_MINUTES),
    FANGYI_ESCALATION_ACK_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(DEFAULT_ESCALATION_ACK_MINUTES),
    FANGYI_CALLERS: z.string().default(''),
  }),
  withEventStoreUrl(process.env),
);

const logger = createLogger({ service: 'quarantine', level: config.LOG_LEVEL });
const clock = systemClock;
const newId = () => uuidv7();
// The district's places and policies (FANGYI_CONFIG, default config/district.json), read once.
const district = loadDistrict(process.env, (message) => logger.warn(message));
const { slotWindows } = district;
// Each community's callers come from its caller accounts where it has any; FANGYI_CALLERS is the
// fallback. The policies and routes hold this very map, rewritten whenever an account changes.
const configuredCallers = parseCallers(config.FANGYI_CALLERS);
const callers = new Map(configuredCallers);

const metrics = createMetrics({ service: 'quarantine' });
// Traces exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise none.
const tracing = await tracingFromEnv('quarantine');
// Every append measured and counted by event type (the domain counters at /metrics).
const eventStore = instrumentEventStore(
  await openEventStore(config.EVENT_STORE_URL, { schema: config.FANGYI_SCHEMA, clock }),
  metrics,
);
const bus = new KafkaMessageBus({
  brokers: config.KAFKA_BROKERS.split(','),
  clientId: 'fangyi-quarantine',
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
        name: 'relay-quarantine',
        include: (e) => contextOf(e.type) === 'quarantine',
        maxPublishMessages: config.FANGYI_RELAY_MAX_PUBLISH_MESSAGES,
        maxPublishBytes: config.FANGYI_RELAY_MAX_PUBLISH_BYTES,
        maxMessageBytes: config.FANGYI_RELAY_MAX_MESSAGE_BYTES,
        standbyPollMs: config.FANGYI_RELAY_STANDBY_POLL_MS,
      })
    : null;

// The active-cases read model is rebuilt from the log at each start (it is small) and kept in memory.
const activeCasesFeed = await startActiveCasesFeed({
  eventStore,
  store: new InMemoryProjectionStore({ clock }),
  logger,
});
const { activeCases } = activeCasesFeed;
await activeCasesFeed.caughtUp();
// Who is registered and whose case is running: read from the log at each start, and again by each request that starts a case.
const people = await startPeopleDirectoryFeed({
  eventStore,
  store: new InMemoryProjectionStore({ clock }),
  logger,
});
await people.sync();
// Staff accounts from the log: the callers per community, and a console session of an account
// disabled since it signed in ends here too.
const staffDirectory = await startStaffDirectory({ eventStore, logger });
staffDirectory.onChange((accounts) =>
  applyCallersFromAccounts(callers, configuredCallers, accounts),
);

const policies =
  config.FANGYI_POLICIES === 'on'
    ? await startQuarantinePolicies({
        source: busSource({ bus, topicPrefix: config.FANGYI_TOPIC_PREFIX, join: 'background' }),
        eventStore,
        logger,
        activeCases,
        people,
        district,
        callers,
        clock,
        timeZone: config.FANGYI_TIME_ZONE,
        newId,
      })
    : null;
const scheduler =
  config.FANGYI_SCHEDULER === 'on'
    ? startMissedCheckScheduler({
        eventStore,
        activeCases,
        clock,
        timeZone: config.FANGYI_TIME_ZONE,
        slotWindows,
        newId,
        logger,
        intervalMs: config.FANGYI_SCHEDULER_INTERVAL_MS,
      })
    : null;
// The same switch and interval: both are timers over the active-cases read model, decided on each case's stream.
const escalationTimer =
  config.FANGYI_SCHEDULER === 'on'
    ? startEscalationTimer({
        eventStore,
        activeCases,
        clock,
        overdueAfterMinutes: config.FANGYI_ESCALATION_ACK_MINUTES,
        newId,
        logger,
        intervalMs: config.FANGYI_SCHEDULER_INTERVAL_MS,
      })
    : null;

registerProcessorMetrics(metrics, () => [
  activeCasesFeed.status(),
  people.status(),
  staffDirectory.status(),
  ...(policies?.statuses() ?? []),
]);
if (relay) registerRelayMetrics(metrics, relay, eventStore);
const app = buildQuarantineApp({
  tracing,
  metrics,
  eventStore,
  clock,
  newId,
  timeZone: config.FANGYI_TIME_ZONE,
  activeCases,
  district,
  earlyCheckMinutes: config.FANGYI_CHECK_EARLY_MINUTES,
  people,
  callers,
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
      activeCasesFeed.status(),
      people.status(),
      staffDirectory.status(),
      ...(policies?.statuses() ?? []),
    ]);
    return {
      ok: relayCheck.ok,
      checks: {
        eventStore: 'ok',
        relay: relayCheck.check,
        policies: policies ? 'on' : 'off',
        scheduler: scheduler ? 'on' : 'off',
        ...processors.checks,
      },
    };
  },
});

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    ...(scheduler ? [{ name: 'missed-check scheduler', close: () => scheduler.stop() }] : []),
    ...(escalationTimer ? [{ name: 'escalation timer', close: () => escalationTimer.stop() }] : []),
    ...(policies ? [{ name: 'policies', close: () => policies.stop() }] : []),
    ...(relay ? [{ name: 'relay', close: () => relay.stop() }] : []),
    { name: 'active cases', close: () => activeCasesFeed.stop() },
    { name: 'people directory', close: () => people.stop() },
    { name: 'kafka', close: () => bus.close() },
    { name: 'staff directory', close: () => staffDirectory.stop() },
    { name: 'event store', close: () => eventStore.close() },
    ...(tracing ? [{ name: 'traces', close: () => tracing.shutdown() }] : []),
  ],
  logger,
);

const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info(
  { address, riskAreas: district.riskAreas, communitiesWithCallers: [...callers.keys()] },
  'quarantine service listening',
);
