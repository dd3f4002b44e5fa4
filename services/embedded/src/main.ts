import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { BOUNDED_CONTEXTS, topicFor, uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore } from '@fangyi/eventstore';
import { InProcessMessageBus, startRelay } from '@fangyi/messaging';
import { InMemoryProjectionStore, rebuildFromEventStore, runProjection, type Projection, type ProjectionStore } from '@fangyi/projections';
import { checkpointsErrors, registerCheckpoints, startCheckpointsProjections, underQuarantineProjection } from '@fangyi/checkpoints';
import { complaintPolicyFromEnv, complaintsErrors, registerComplaints, startComplaintsReadModel } from '@fangyi/complaints';
import {
  DEFAULT_RISK_AREAS,
  parseCallers,
  parseRiskAreas,
  quarantineErrors,
  registerQuarantine,
  startActiveCasesFeed,
  startMissedCheckScheduler,
  startPeopleDirectoryFeed,
  startQuarantinePolicies,
} from '@fangyi/quarantine';
import { registerResidents, residentsErrors, startResidentsPolicies } from '@fangyi/residents';
import { registerRoster, reportProjection, rosterProjection } from '@fangyi/roster';
import { DEMO_USERS, demoUser, injectTransport, loadOrCreateSecret, seedDistrict } from '@fangyi/scripts/seed';
import {
  DEFAULT_SLOT_WINDOWS,
  DEFAULT_TIME_ZONE,
  businessDate,
  createLogger,
  createServiceApp,
  installGracefulShutdown,
  parseSlotWindows,
  readConfig,
  signToken,
  systemClock,
} from '@fangyi/service-kit';

/**
 * Fangyi in one process, on an embedded default that needs no servers: a SQLite event store, the
 * in-process bus, and in-memory read models rebuilt from the event store at every start. The same
 * routes, deciders, policies and projections as the distributed mode, composed in one place.
 */
const config = readConfig(
  z.object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('127.0.0.1'),
    FANGYI_DATA_DIR: z.string().default('.data'),
    FANGYI_TIME_ZONE: z.string().default(DEFAULT_TIME_ZONE),
    FANGYI_SLOT_WINDOWS: z.string().optional(),
    FANGYI_DEMO: z.enum(['true', 'false']).default('true'),
    FANGYI_SEED: z.coerce.number().int().default(2020),
    FANGYI_SCALE: z.coerce.number().int().min(1).max(100).default(1),
    FANGYI_JWT_SECRET: z.string().min(16).optional(),
    FANGYI_RISK_AREAS: z.string().default(DEFAULT_RISK_AREAS),
    FANGYI_CALLERS: z
      .string()
      .default('moujia=caller-moujia-1;zhangcun=caller-zhangcun-1;wenzhang=caller-wenzhang-1;zhengzhang=caller-zhengzhang-1'),
    // Who may be assigned complaints of each area (`*`: every one), as FANGYI_CALLERS names the callers.
    FANGYI_COMPLAINT_HANDLERS: z.string().default('*=complaint-handler-kutao;taoyuanju=estate-officer-taoyuanju'),
    FANGYI_SCHEDULER: z.enum(['on', 'off']).default('on'),
    FANGYI_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
    // Quiet by default so the terminal shows where to look; LOG_LEVEL=info logs every request.
    LOG_LEVEL: z.string().default('warn'),
  }),
);

const logger = createLogger({ service: 'fangyi', level: config.LOG_LEVEL });
const clock = systemClock;
const newId = () => uuidv7();
const timeZone = config.FANGYI_TIME_ZONE;
const dataDir = resolve(config.FANGYI_DATA_DIR);
mkdirSync(dataDir, { recursive: true });
const dbPath = join(dataDir, 'fangyi.db');
const authSecret = loadOrCreateSecret(config.FANGYI_JWT_SECRET, join(dataDir, 'jwt-secret'));
const slotWindows = config.FANGYI_SLOT_WINDOWS ? parseSlotWindows(config.FANGYI_SLOT_WINDOWS) : DEFAULT_SLOT_WINDOWS;

const eventStore = new SqliteEventStore({ path: dbPath, clock });
const bus = new InProcessMessageBus({ logger });
const topics = BOUNDED_CONTEXTS.map((c) => topicFor(c));
await bus.ensureTopics(topics);

// Read models live in memory: rebuild each from the event store, then follow the bus.
const rosterStore = new InMemoryProjectionStore({ clock });
const reportStore = new InMemoryProjectionStore({ clock });
const underQuarantineStore = new InMemoryProjectionStore({ clock });
const complaintsStore = new InMemoryProjectionStore({ clock });
const report = reportProjection((iso) => businessDate(new Date(iso), timeZone));
const follow = async (projection: Projection, store: ProjectionStore, on: readonly string[]) => {
  await rebuildFromEventStore({ projection, store, eventStore, logger });
  return runProjection({ projection, store, bus, topics: on, groupId: projection.name, logger });
};
const consumers = [
  await follow(rosterProjection, rosterStore, [topicFor('quarantine')]),
  await follow(report, reportStore, topics),
];
await rebuildFromEventStore({ projection: underQuarantineProjection, store: underQuarantineStore, eventStore, logger });
consumers.push(await startCheckpointsProjections({ bus, store: underQuarantineStore, logger }));
consumers.push(await startComplaintsReadModel({ bus, store: complaintsStore, logger, rebuildFrom: eventStore }));

const activeCasesFeed = startActiveCasesFeed({ eventStore, store: new InMemoryProjectionStore({ clock }), logger });
const { activeCases } = activeCasesFeed;
await activeCasesFeed.caughtUp();
const quarantinePeople = startPeopleDirectoryFeed({ eventStore, store: new InMemoryProjectionStore({ clock }), logger });
await quarantinePeople.sync();
const callers = parseCallers(config.FANGYI_CALLERS);

// Policies: the flows between services, through the bus only.
const policies = [
  await startQuarantinePolicies({
    bus,
    eventStore,
    logger,
    activeCases,
    people: quarantinePeople,
    riskAreas: parseRiskAreas(config.FANGYI_RISK_AREAS),
    callers,
    clock,
    timeZone,
    newId,
  }),
  await startResidentsPolicies({ bus, eventStore, logger, clock, newId, timeZone }),
];
const relay = await startRelay({ store: eventStore, bus, logger });
const scheduler = config.FANGYI_SCHEDULER === 'off' ? { stop: async () => {} } : startMissedCheckScheduler({ eventStore, activeCases, clock, timeZone, slotWindows, newId, logger, intervalMs: config.FANGYI_SCHEDULER_INTERVAL_MS });

const app = createServiceApp({
  service: 'fangyi',
  logger,
  errors: { ...quarantineErrors, ...residentsErrors, ...checkpointsErrors, ...complaintsErrors },
  authSecret,
  clock,
  bodyLimit: 64 * 1024,
  readiness: async () => ({ ok: true, checks: { eventStore: 'sqlite', bus: 'in-process', readModels: 'in-memory' } }),
});
registerQuarantine(app, { eventStore, clock, newId, timeZone, activeCases, people: quarantinePeople, callers });
registerResidents(app, { eventStore, clock, newId, timeZone });
registerCheckpoints(app, { eventStore, clock, newId, timeZone, projectionStore: underQuarantineStore });
registerComplaints(app, { eventStore, clock, newId, policy: complaintPolicyFromEnv({ ...process.env, FANGYI_COMPLAINT_HANDLERS: config.FANGYI_COMPLAINT_HANDLERS }), listStore: complaintsStore });
registerRoster(app, { store: rosterStore, reportStore, eventStore, clock, timeZone, slotWindows });
await app.ready();

const today = businessDate(clock(), timeZone);
let seeded: Awaited<ReturnType<typeof seedDistrict>> | null = null;
if (config.FANGYI_DEMO === 'true' && (await eventStore.readAll({ limit: 1 })).length === 0) {
  process.stdout.write('Fangyi: first start; building the Kutao district through the services\' commands (a few seconds)…\n');
  const started = Date.now();
  seeded = await seedDistrict(injectTransport(app), {
    seed: config.FANGYI_SEED,
    scale: config.FANGYI_SCALE,
    today,
    tokenOf: (id) => signToken(demoUser(id), authSecret),
    log: (message) => logger.info(message),
    findCase: async (personId) => (await activeCases.active()).find((c) => c.personId === personId)?.caseId,
  });
  await relay.caughtUp();
  process.stdout.write(`Fangyi: district built in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
}

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    { name: 'missed-check scheduler', close: () => scheduler.stop() },
    { name: 'relay', close: () => relay.stop() },
    ...policies.map((p, i) => ({ name: `policies ${i + 1}`, close: () => p.stop() })),
    ...consumers.map((c, i) => ({ name: `read model ${i + 1}`, close: () => c.stop() })),
    { name: 'active cases', close: () => activeCasesFeed.stop() },
    { name: 'quarantine people directory', close: () => quarantinePeople.stop() },
    { name: 'bus', close: () => bus.close() },
    { name: 'event store', close: () => eventStore.close() },
  ],
  logger,
);

const address = await app.listen({ port: config.PORT, host: config.HOST });
const base = address.replace('0.0.0.0', '127.0.0.1');
const callerToken = signToken(demoUser('caller-moujia-1'), authSecret);
const officerToken = signToken(demoUser('report-officer-kutao'), authSecret);
const users = DEMO_USERS.map((u) => `    ${u.id.padEnd(26)} ${u.role.padEnd(18)} ${u.communities.join(',')}`).join('\n');
process.stdout.write(`
Fangyi 防疫 is running: embedded mode (SQLite event store at ${dbPath}, in-process bus, in-memory read models).
${seeded ? `The Kutao district: ${seeded.households} households, ${seeded.people} people (${seeded.outsidePeople} outside-registered, ${seeded.fromHubei} from Hubei), ${seeded.checkpoints} checkpoints, ${seeded.complaints} complaints.` : 'Read models rebuilt from the event store.'}

  Roster page (zh-CN), as Moujia's caller:  ${base}/?access_token=${callerToken}
  Daily report, as the report officer:      ${base}/report/daily?format=html&access_token=${officerToken}
  API document (OpenAPI):                   ${base}/openapi.json

  Every request needs a bearer token. Moujia's caller:
    export TOKEN=${callerToken}
    curl -H "authorization: Bearer $TOKEN" ${base}/roster
  Log a check (copy a caseId from /roster):
    curl -X POST ${base}/quarantine/cases/CASE_ID/checks -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
      -d '{"date":"${today}","slot":"pm","temperatureC":36.6,"reachedVia":"phone"}'
  Tokens for the demo users: npm run token -- USER_ID
${users}

Stop with Ctrl+C.
`);
