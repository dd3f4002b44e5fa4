import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { topicFor, uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore } from '@fangyi/eventstore';
import { InProcessMessageBus, startRelay } from '@fangyi/messaging';
import { InMemoryProjectionStore, rebuildFromEventStore, runProjection } from '@fangyi/projections';
import { quarantineErrors, registerQuarantine } from '@fangyi/quarantine';
import { DEFAULT_SLOT_WINDOWS, parseSlotWindows, registerRoster, rosterProjection } from '@fangyi/roster';
import { DEFAULT_TIME_ZONE, businessDate, createLogger, createServiceApp, installGracefulShutdown, readConfig, signToken, systemClock } from '@fangyi/service-kit';
import { seedDemo } from './demo.ts';
import { DEMO_USERS, demoUser, loadOrCreateSecret } from './users.ts';

/**
 * Fangyi in one process, on an embedded default that needs no servers: a SQLite event store,
 * the in-process bus and an in-memory roster rebuilt from the event store at start.
 */
const config = readConfig(
  z.object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('127.0.0.1'),
    FANGYI_DATA_DIR: z.string().default('.data'),
    FANGYI_TIME_ZONE: z.string().default(DEFAULT_TIME_ZONE),
    FANGYI_SLOT_WINDOWS: z.string().optional(),
    FANGYI_DEMO: z.enum(['true', 'false']).default('true'),
    FANGYI_JWT_SECRET: z.string().min(16).optional(),
    // Quiet by default so the terminal shows where to look; LOG_LEVEL=info logs every request.
    LOG_LEVEL: z.string().default('warn'),
  }),
);

const logger = createLogger({ service: 'fangyi', level: config.LOG_LEVEL });
const clock = systemClock;
const dataDir = resolve(config.FANGYI_DATA_DIR);
mkdirSync(dataDir, { recursive: true });
const dbPath = join(dataDir, 'fangyi.db');

const authSecret = loadOrCreateSecret(config.FANGYI_JWT_SECRET, join(dataDir, 'jwt-secret'));
const eventStore = new SqliteEventStore({ path: dbPath, clock });
const bus = new InProcessMessageBus({ logger });
const rosterStore = new InMemoryProjectionStore({ clock });
const slotWindows = config.FANGYI_SLOT_WINDOWS ? parseSlotWindows(config.FANGYI_SLOT_WINDOWS) : DEFAULT_SLOT_WINDOWS;

// The read model is memory only: rebuild it from the event store, then follow the bus.
const rebuilt = await rebuildFromEventStore({ projection: rosterProjection, store: rosterStore, eventStore, logger });
const roster = await runProjection({ projection: rosterProjection, store: rosterStore, bus, topics: [topicFor('quarantine')], groupId: 'roster', logger });
const relay = await startRelay({ store: eventStore, bus, logger });

const app = createServiceApp({
  service: 'fangyi',
  logger,
  errors: quarantineErrors,
  authSecret,
  clock,
  readiness: async () => ({ ok: true, checks: { eventStore: 'sqlite', bus: 'in-process', roster: 'in-memory' } }),
});
const commandDeps = { eventStore, clock, newId: () => uuidv7(), timeZone: config.FANGYI_TIME_ZONE };
registerQuarantine(app, commandDeps);
registerRoster(app, { store: rosterStore, clock, timeZone: config.FANGYI_TIME_ZONE, slotWindows });
await app.ready();

let seeded = 0;
if (config.FANGYI_DEMO === 'true' && (await eventStore.readAll({ limit: 1 })).length === 0) {
  seeded = await seedDemo(app, businessDate(clock(), config.FANGYI_TIME_ZONE), (id) => signToken(demoUser(id), authSecret));
  await relay.caughtUp();
}

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    { name: 'relay', close: () => relay.stop() },
    { name: 'roster projection', close: () => roster.stop() },
    { name: 'bus', close: () => bus.close() },
    { name: 'event store', close: () => eventStore.close() },
  ],
  logger,
);

const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info({ address, dbPath, replayed: rebuilt.applied, demoCasesStarted: seeded }, 'fangyi embedded mode is up');

const base = address.replace('0.0.0.0', '127.0.0.1');
const callerToken = signToken(demoUser('caller-moujia-1'), authSecret);
const tokens = DEMO_USERS.map((u) => `    ${u.id.padEnd(22)} ${u.role.padEnd(15)} ${u.communities.join(',')}`).join('\n');
process.stdout.write(`
Fangyi 防疫 is running (embedded mode: SQLite event store at ${dbPath}, in-process bus, in-memory roster).
${seeded > 0 ? `Demo data: ${seeded} people under home quarantine in the Kutao district.\n` : `Replayed ${rebuilt.applied} events from the event store into the roster.\n`}
  Roster page (zh-CN), as Moujia's caller:  ${base}/?access_token=${callerToken}
  API document (OpenAPI):                   ${base}/openapi.json

  Every request needs a bearer token. Moujia's caller:
    export TOKEN=${callerToken}
    curl -H "authorization: Bearer $TOKEN" ${base}/roster
  Log a check (copy a caseId from /roster):
    curl -X POST ${base}/quarantine/cases/CASE_ID/checks -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
      -d '{"date":"${businessDate(clock(), config.FANGYI_TIME_ZONE)}","slot":"pm","temperatureC":36.6,"reachedVia":"phone"}'
  Tokens for the other demo users: npm run token -- USER_ID   (users: id, role, communities)
${tokens}

Stop with Ctrl+C.
`);
