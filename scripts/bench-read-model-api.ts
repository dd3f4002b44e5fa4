// The query phase's roster API (scripts/bench-read-model.ts), in a process of its own as the
// distributed mode runs it (services/roster/src/main.ts), started with scripts/node-options.sh's
// settings: its heap holds what a roster API holds, not the rebuild's. Takes its job as JSON in its
// first argument ({ redisUrl, namespace, now, timeZone }), prints { base } once it listens, and
// closes when its stdin ends.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { InMemoryProjectionStore, RedisProjectionStore } from '@fangyi/projections';
import { buildRosterApp } from '@fangyi/roster';
import { DEFAULT_SLOT_WINDOWS } from '@fangyi/service-kit';
import { TEST_AUTH_SECRET } from '@fangyi/testkit';

const job = JSON.parse(process.argv[2] ?? '{}') as {
  redisUrl: string;
  namespace: string;
  now: string;
  timeZone: string;
};
const redis = new Redis(job.redisUrl);
const now = new Date(job.now);
// As the roster API opens it: a store that only reads, the current generation's name kept a second.
const store = new RedisProjectionStore({ redis, namespace: job.namespace, pinCacheMs: 1000 });
const app = buildRosterApp({
  store,
  reportStore: new InMemoryProjectionStore(),
  alertsStore: new InMemoryProjectionStore(),
  clock: () => now,
  timeZone: job.timeZone,
  slotWindows: DEFAULT_SLOT_WINDOWS,
  logger: pino({ level: 'warn' }),
  authSecret: TEST_AUTH_SECRET,
  rateLimit: false,
});
const base = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ base })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void app.close().then(() => redis.quit());
});
