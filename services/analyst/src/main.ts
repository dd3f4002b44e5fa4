import { z } from 'zod';
import { openEventStore } from '@fangyi/eventstore';
import { readinessOf } from '@fangyi/processors';
import {
  createLogger,
  createMetrics,
  DEFAULT_TIME_ZONE,
  installGracefulShutdown,
  loadDistrict,
  openPrivacy,
  privacyConfig,
  rateLimitConfig,
  rateLimitOf,
  readConfig,
  systemClock,
  tokenSecretConfig,
  tokenSecretsOf,
  withEventStoreUrl,
} from '@fangyi/service-kit';
import { sessionCheckOf, startStaffDirectory } from '@fangyi/staff';
import { buildAnalystApp } from './app.ts';

/**
 * The analysts' service in distributed mode: the history as NDJSON, one person's timeline, the
 * policy preview, read from the event store (it never writes an event). Behind the gateway at
 * /analyst, as the embedded process serves the same routes itself.
 */
const config = readConfig(
  z.object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3008),
    HOST: z.string().default('127.0.0.1'),
    EVENT_STORE_URL: z
      .string()
      .min(1, 'EVENT_STORE_URL is required (postgres://… or kurrentdb://…)'),
    FANGYI_SCHEMA: z.string().default('fangyi'),
    // The timeline opens a person's phone to find the complaints they reported.
    ...privacyConfig(),
    FANGYI_TIME_ZONE: z.string().default(DEFAULT_TIME_ZONE),
    ...tokenSecretConfig(),
    ...rateLimitConfig(),
    LOG_LEVEL: z.string().default('info'),
  }),
  withEventStoreUrl(process.env),
);

const logger = createLogger({ service: 'analyst', level: config.LOG_LEVEL });
const district = loadDistrict(process.env, (message) => logger.warn(message));
const eventStore = await openEventStore(config.EVENT_STORE_URL, { schema: config.FANGYI_SCHEMA });
// A console session of an account disabled since it signed in ends here too.
const staffDirectory = await startStaffDirectory({ eventStore, logger });
const privacy = await openPrivacy(config);

const app = buildAnalystApp({
  eventStore,
  clock: systemClock,
  timeZone: config.FANGYI_TIME_ZONE,
  district,
  vault: privacy.vault,
  namingKey: privacy.namingKey,
  metrics: createMetrics({ service: 'analyst' }),
  logger,
  authSecret: tokenSecretsOf(config),
  rateLimit: rateLimitOf(config),
  sessionCheck: sessionCheckOf(staffDirectory),
  readiness: async () => {
    await eventStore.readAll({ limit: 1 });
    const processors = readinessOf([staffDirectory.status()]);
    return { ok: processors.allRunning, checks: { eventStore: 'ok', ...processors.checks } };
  },
});

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    { name: 'staff directory', close: () => staffDirectory.stop() },
    { name: 'personal keys', close: () => privacy.keys.close() },
    { name: 'event store', close: () => eventStore.close() },
  ],
  logger,
);
const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info({ address }, 'analyst service listening');
