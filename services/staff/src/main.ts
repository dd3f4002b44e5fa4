import { z } from 'zod';
import { uuidv7 } from '@fangyi/contracts';
import { openEventStore } from '@fangyi/eventstore';
import { readinessOf } from '@fangyi/processors';
import {
  commandServiceConfig,
  createLogger,
  createMetrics,
  installGracefulShutdown,
  instrumentEventStore,
  rateLimitOf,
  readConfig,
  registerProcessorMetrics,
  systemClock,
  tokenSecretsOf,
  withEventStoreUrl,
} from '@fangyi/service-kit';
import { buildStaffApp } from './app.ts';
import { DEMO_USERS } from './demoUsers.ts';
import { createDemoAccounts, startStaffDirectory } from './index.ts';

/**
 * The staff service in distributed mode: staff accounts and console sign-in, on the PostgreSQL
 * event store. Its events stay in the store's log (no Kafka topic): every other service follows
 * them there (`startStaffDirectory`) to end the sessions of disabled accounts. Several instances
 * may run: an account is one stream, its creation expects no stream, so a name is taken once.
 */
const config = readConfig(
  z.object({
    ...commandServiceConfig(3007),
    // The staff context publishes nothing: no relay, so no broker to name.
    KAFKA_BROKERS: z.string().optional(),
    // The demo accounts' password (at least 10 characters): with it, the demo staff's accounts are
    // made at the first start, when no account exists yet (as the embedded start does). Empty: none.
    FANGYI_DEMO_PASSWORD: z
      .union([
        z.literal(''),
        z.string().min(10, 'FANGYI_DEMO_PASSWORD must be at least 10 characters'),
      ])
      .optional(),
  }),
  withEventStoreUrl(process.env),
);

const logger = createLogger({ service: 'staff', level: config.LOG_LEVEL });
const clock = systemClock;
const newId = () => uuidv7();
const authSecret = tokenSecretsOf(config);
const metrics = createMetrics({ service: 'staff' });
// Every append measured and counted by event type (the domain counters at /metrics).
const eventStore = instrumentEventStore(
  await openEventStore(config.EVENT_STORE_URL, { schema: config.FANGYI_SCHEMA, clock }),
  metrics,
);
const directory = await startStaffDirectory({ eventStore, logger });

registerProcessorMetrics(metrics, () => [directory.status()]);
let seeding = false;
const limits = rateLimitOf(config);
const app = buildStaffApp({
  metrics,
  eventStore,
  clock,
  newId,
  authSecret,
  directory,
  logger,
  // The first start's own demo accounts go through the same route and are not counted.
  rateLimit: limits && { ...limits, exempt: () => seeding },
  readiness: async () => {
    await eventStore.readAll({ limit: 1 });
    const processors = readinessOf([directory.status()]);
    return { ok: processors.allRunning, checks: { eventStore: 'ok', ...processors.checks } };
  },
});
await app.ready();

if (config.FANGYI_DEMO_PASSWORD) {
  seeding = true;
  const made = await createDemoAccounts(app, {
    directory,
    authSecret,
    users: DEMO_USERS,
    password: config.FANGYI_DEMO_PASSWORD,
  });
  seeding = false;
  if (made > 0) logger.info({ accounts: made }, 'demo staff accounts created');
}

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    { name: 'staff directory', close: () => directory.stop() },
    { name: 'event store', close: () => eventStore.close() },
  ],
  logger,
);

const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info({ address, accounts: directory.snapshot().size }, 'staff service listening');
