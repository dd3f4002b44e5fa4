import { z } from 'zod';
import { contextOf, uuidv7 } from '@fangyi/contracts';
import { openEventStore } from '@fangyi/eventstore';
import { KafkaMessageBus, startRelay } from '@fangyi/messaging';
import { InMemoryProjectionStore } from '@fangyi/projections';
import { DEFAULT_SLOT_WINDOWS, createLogger, installGracefulShutdown, parseSlotWindows, commandServiceConfig, readConfig, withEventStoreUrl, systemClock } from '@fangyi/service-kit';
import { startActiveCasesFeed } from './activeCases/projection.ts';
import { buildQuarantineApp } from './app.ts';
import { startPeopleDirectoryFeed } from './people/directory.ts';
import { DEFAULT_RISK_AREAS, parseCallers, parseRiskAreas, startQuarantinePolicies } from './policies/index.ts';
import { startMissedCheckScheduler } from './scheduler/missedChecks.ts';

/**
 * The quarantine service in distributed mode: HTTP commands, the PostgreSQL event store, the relay
 * that publishes the quarantine events of the log to Kafka, the policies (arrivals from risk areas,
 * checkpoint breaches) and the missed-check scheduler. Several instances may run: each relay
 * publishes at least once, consumers are idempotent, and the scheduler records each missed slot
 * once whichever instance gets there first.
 */
const config = readConfig(
  z.object({
    ...commandServiceConfig(3001),
    FANGYI_POLICIES: z.enum(['on', 'off']).default('on'),
    FANGYI_SCHEDULER: z.enum(['on', 'off']).default('on'),
    FANGYI_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
    FANGYI_SLOT_WINDOWS: z.string().optional(),
    FANGYI_RISK_AREAS: z.string().default(DEFAULT_RISK_AREAS),
    FANGYI_CALLERS: z.string().default(''),
  }),
  withEventStoreUrl(process.env)
);

const logger = createLogger({ service: 'quarantine', level: config.LOG_LEVEL });
const clock = systemClock;
const newId = () => uuidv7();
const slotWindows = config.FANGYI_SLOT_WINDOWS ? parseSlotWindows(config.FANGYI_SLOT_WINDOWS) : DEFAULT_SLOT_WINDOWS;
const riskAreas = parseRiskAreas(config.FANGYI_RISK_AREAS);
const callers = parseCallers(config.FANGYI_CALLERS);

const eventStore = await openEventStore(config.EVENT_STORE_URL, { schema: config.FANGYI_SCHEMA, clock });
const bus = new KafkaMessageBus({ brokers: config.KAFKA_BROKERS.split(','), clientId: 'fangyi-quarantine', logger });
const relay =
  config.FANGYI_RELAY === 'on'
    ? await startRelay({ store: eventStore, bus, logger, topicPrefix: config.FANGYI_TOPIC_PREFIX, name: 'relay-quarantine', include: (e) => contextOf(e.type) === 'quarantine' })
    : null;

// The active-cases read model is rebuilt from the log at each start (it is small) and kept in memory.
const activeCasesFeed = startActiveCasesFeed({ eventStore, store: new InMemoryProjectionStore({ clock }), logger });
const { activeCases } = activeCasesFeed;
await activeCasesFeed.caughtUp();
// Who is registered and whose case is running: read from the log at each start, and again by each request that starts a case.
const people = startPeopleDirectoryFeed({ eventStore, store: new InMemoryProjectionStore({ clock }), logger });
await people.sync();

const policies =
  config.FANGYI_POLICIES === 'on'
    ? await startQuarantinePolicies({ bus, eventStore, logger, topicPrefix: config.FANGYI_TOPIC_PREFIX, activeCases, people, riskAreas, callers, clock, timeZone: config.FANGYI_TIME_ZONE, newId })
    : null;
const scheduler =
  config.FANGYI_SCHEDULER === 'on'
    ? startMissedCheckScheduler({ eventStore, activeCases, clock, timeZone: config.FANGYI_TIME_ZONE, slotWindows, newId, logger, intervalMs: config.FANGYI_SCHEDULER_INTERVAL_MS })
    : null;

const app = buildQuarantineApp({
  eventStore,
  clock,
  newId,
  timeZone: config.FANGYI_TIME_ZONE,
  activeCases,
  people,
  callers,
  logger,
  authSecret: config.FANGYI_JWT_SECRET,
  readiness: async () => {
    await eventStore.readAll({ limit: 1 });
    return { ok: true, checks: { eventStore: 'ok', relay: relay ? 'on' : 'off', policies: policies ? 'on' : 'off', scheduler: scheduler ? 'on' : 'off' } };
  },
});

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    ...(scheduler ? [{ name: 'missed-check scheduler', close: () => scheduler.stop() }] : []),
    ...(policies ? [{ name: 'policies', close: () => policies.stop() }] : []),
    ...(relay ? [{ name: 'relay', close: () => relay.stop() }] : []),
    { name: 'active cases', close: () => activeCasesFeed.stop() },
    { name: 'people directory', close: () => people.stop() },
    { name: 'kafka', close: () => bus.close() },
    { name: 'event store', close: () => eventStore.close() },
  ],
  logger,
);

const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info({ address, riskAreas, communitiesWithCallers: [...callers.keys()] }, 'quarantine service listening');
