/**
 * Rebuilds a Redis read model from the event store while it keeps serving: the whole log into a
 * fresh generation, readers and writers switched over at once, then caught up. Shows events done,
 * events/s and time left on the terminal; the worker and the roster API keep running throughout.
 *
 *   npm run rebuild:read-model -- roster|daily-report [--namespace fangyi:roster]
 *   (EVENT_STORE_URL or DATABASE_URL, FANGYI_SCHEMA, REDIS_URL, FANGYI_TIME_ZONE as for the worker)
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openEventStore } from '@fangyi/eventstore';
import { RedisProjectionStore, rebuildFromEventStore, terminalProgress } from '@fangyi/projections';
import { reportProjection, rosterProjection } from '@fangyi/roster';
import { DEFAULT_TIME_ZONE, businessDate, createLogger, systemClock } from '@fangyi/service-kit';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { namespace: { type: 'string' } } });
const which = positionals[0];
const timeZone = process.env.FANGYI_TIME_ZONE ?? DEFAULT_TIME_ZONE;
const projections = {
  roster: { projection: rosterProjection, namespace: process.env.FANGYI_ROSTER_NAMESPACE ?? 'fangyi:roster' },
  'daily-report': { projection: reportProjection((iso) => businessDate(new Date(iso), timeZone)), namespace: process.env.FANGYI_REPORT_NAMESPACE ?? 'fangyi:report' },
} as const;
if (which !== 'roster' && which !== 'daily-report') {
  console.error('usage: npm run rebuild:read-model -- roster|daily-report [--namespace NS]');
  process.exit(2);
}
const url = process.env.EVENT_STORE_URL ?? process.env.DATABASE_URL;
if (!url) throw new Error('EVENT_STORE_URL or DATABASE_URL is required');
const schema = process.env.FANGYI_SCHEMA ?? 'fangyi';
const logger = createLogger({ service: 'rebuild', level: process.env.LOG_LEVEL ?? 'info' });
const { projection, namespace } = projections[which];
const eventStore = await openEventStore(url, { schema, clock: systemClock });
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
let total: number | undefined;
if (url.startsWith('postgres')) {
  // For the time left: how many events the log holds now (a catch-up reads what comes meanwhile).
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  total = Number((await db.query(`SELECT count(*) AS n FROM "${schema}".events`)).rows[0].n);
  await db.end();
}
const store = new RedisProjectionStore({ redis, namespace: values.namespace ?? namespace, clock: systemClock });
const result = await rebuildFromEventStore({ projection, store, eventStore, logger, ...(total !== undefined ? { total } : {}), onProgress: terminalProgress(`${which}`) });
process.stderr.write('\n');
logger.info(result, 'rebuilt and switched in');
// The replaced generation is dropped after its grace period.
await new Promise((r) => setTimeout(r, 6000));
await redis.quit();
await eventStore.close();
