import { Redis } from 'ioredis';
import { z } from 'zod';
import { openEventStore, openSnapshots } from '@fangyi/eventstore';
import { RedisProjectionStore } from '@fangyi/projections';
import {
  createMetrics,
  DEFAULT_TIME_ZONE,
  openPrivacy,
  createLogger,
  installGracefulShutdown,
  loadDistrict,
  rateLimitConfig,
  rateLimitOf,
  readConfig,
  systemClock,
  tokenSecretConfig,
  tokenSecretsOf,
} from '@fangyi/service-kit';
import { sessionCheckOf, startStaffDirectory } from '@fangyi/staff';
import { buildRosterApp } from './app.ts';

/** The roster query API in distributed mode: reads the roster the worker keeps in Redis. */
const config = readConfig(
  z.object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3002),
    HOST: z.string().default('127.0.0.1'),
    REDIS_URL: z.string().min(1, 'REDIS_URL is required (redis://…)'),
    FANGYI_ROSTER_NAMESPACE: z.string().default('fangyi:roster'),
    // v2: documents of dated facts (suspensions from/to, escalations raised/closed on, …); a new
    // namespace is built from the event store at the worker's first start, the old one is left alone.
    /** Default: beside the roster's, `<roster namespace>-alerts` (as the worker). */
    FANGYI_ALERTS_NAMESPACE: z.string().optional(),
    FANGYI_REPORT_NAMESPACE: z.string().default('fangyi:report:v2'),
    /** Optional: lets analysts ask the daily report "as of" an earlier instant. */
    EVENT_STORE_URL: z.string().optional(),
    FANGYI_SCHEMA: z.string().default('fangyi'),
    /** With EVENT_STORE_URL (or FANGYI_KEYS_URL): the worklist opens the sealed phones through the vault; without, they read null. */
    FANGYI_MASTER_KEY: z.string().optional(),
    FANGYI_RESERVATION_KEY: z.string().optional(),
    FANGYI_KEYS_URL: z.string().optional(),
    FANGYI_TIME_ZONE: z.string().default(DEFAULT_TIME_ZONE),
    ...tokenSecretConfig(),
    ...rateLimitConfig(),
    LOG_LEVEL: z.string().default('info'),
  }),
);

const logger = createLogger({ service: 'roster', level: config.LOG_LEVEL });
// The district's places and policies (FANGYI_CONFIG, default config/district.json), read once.
const district = loadDistrict(process.env, (message) => logger.warn(message));
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
// This process only reads the read models (the worker writes them): a query reuses the current
// generation's name for a second instead of a GET per query (a replaced one is kept 5 s).
const PIN_CACHE_MS = 1000;
const store = new RedisProjectionStore({
  redis,
  namespace: config.FANGYI_ROSTER_NAMESPACE,
  clock: systemClock,
  pinCacheMs: PIN_CACHE_MS,
});
const reportStore = new RedisProjectionStore({
  redis,
  namespace: config.FANGYI_REPORT_NAMESPACE,
  clock: systemClock,
  pinCacheMs: PIN_CACHE_MS,
});
const alertsStore = new RedisProjectionStore({
  redis,
  namespace: config.FANGYI_ALERTS_NAMESPACE ?? `${config.FANGYI_ROSTER_NAMESPACE}-alerts`,
  clock: systemClock,
  pinCacheMs: PIN_CACHE_MS,
});
const eventStore = config.EVENT_STORE_URL
  ? await openEventStore(config.EVENT_STORE_URL, { schema: config.FANGYI_SCHEMA })
  : undefined;
// Snapshots of the roster and the report beside the events (`fangyi snapshot` takes them), so an
// as-of answer replays only from the nearest one; EventStoreDB keeps none (null: a full replay).
const snapshots = config.EVENT_STORE_URL
  ? await openSnapshots(config.EVENT_STORE_URL, { schema: config.FANGYI_SCHEMA })
  : null;
// Staff accounts from the log, when there is one: a console session of an account disabled since it
// signed in ends here too. Without EVENT_STORE_URL every valid session is accepted until it expires.
const staffDirectory = eventStore ? await startStaffDirectory({ eventStore, logger }) : undefined;
if (!staffDirectory)
  logger.warn(
    'no EVENT_STORE_URL: sessions of disabled staff accounts are accepted until they expire',
  );
const privacy =
  config.FANGYI_MASTER_KEY &&
  config.FANGYI_RESERVATION_KEY &&
  (config.FANGYI_KEYS_URL ?? config.EVENT_STORE_URL)
    ? await openPrivacy({
        EVENT_STORE_URL: (config.FANGYI_KEYS_URL ?? config.EVENT_STORE_URL)!,
        FANGYI_SCHEMA: config.FANGYI_SCHEMA,
        FANGYI_KEYS_URL: config.FANGYI_KEYS_URL,
        FANGYI_MASTER_KEY: config.FANGYI_MASTER_KEY,
        FANGYI_RESERVATION_KEY: config.FANGYI_RESERVATION_KEY,
      })
    : undefined;
const app = buildRosterApp({
  ...(privacy ? { vault: privacy.vault } : {}),
  metrics: createMetrics({ service: 'roster' }),
  store,
  reportStore,
  alertsStore,
  ...(eventStore ? { eventStore } : {}),
  ...(snapshots ? { snapshots } : {}),
  clock: systemClock,
  timeZone: config.FANGYI_TIME_ZONE,
  slotWindows: district.slotWindows,
  district,
  logger,
  authSecret: tokenSecretsOf(config),
  rateLimit: rateLimitOf(config),
  ...(staffDirectory ? { sessionCheck: sessionCheckOf(staffDirectory) } : {}),
  readiness: async () => {
    const meta = await store.meta();
    return {
      ok: (await redis.ping()) === 'PONG',
      checks: {
        redis: 'ok',
        applied: String(meta.appliedCount),
        lastAppliedAt: meta.lastAppliedAt ?? 'never',
      },
    };
  },
});

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    { name: 'redis', close: async () => void (await redis.quit()) },
    ...(staffDirectory ? [{ name: 'staff directory', close: () => staffDirectory.stop() }] : []),
    ...(eventStore ? [{ name: 'event store', close: () => eventStore.close() }] : []),
    ...(snapshots ? [{ name: 'snapshots', close: () => snapshots.close() }] : []),
    ...(privacy ? [{ name: 'key table', close: () => privacy.keys.close() }] : []),
  ],
  logger,
);
const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info({ address }, 'roster API listening');
