import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore, SqlitePersonalKeys, SqliteSnapshots } from '@fangyi/eventstore';
import { logSource, readinessOf, readModelProcessor, startProcessor } from '@fangyi/processors';
import { InMemoryProjectionStore } from '@fangyi/projections';
import {
  checkpointsErrors,
  registerCheckpoints,
  startCheckpointList,
  startCheckpointsProjections,
  startResidentsDirectory,
} from '@fangyi/checkpoints';
import {
  complaintPolicyFromEnv,
  complaintsErrors,
  registerComplaints,
  startComplaintsReadModel,
  startHouseholdDirectory,
} from '@fangyi/complaints';
import {
  parseCallers,
  quarantineErrors,
  registerQuarantine,
  startActiveCasesFeed,
  DEFAULT_ESCALATION_ACK_MINUTES,
  startEscalationTimer,
  startMissedCheckScheduler,
  startPeopleDirectoryFeed,
  startQuarantinePolicies,
} from '@fangyi/quarantine';
import {
  registerResidents,
  residentsErrors,
  startHouseholdPeopleFeed,
  startResidentsPolicies,
} from '@fangyi/residents';
import { registerAnalyst } from '@fangyi/analyst';
import {
  alertsProjection,
  registerRoster,
  reportProjection,
  rosterProjection,
} from '@fangyi/roster';
import { registerConsole } from '@fangyi/console/serve';
import {
  applyCallersFromAccounts,
  createDemoAccounts,
  registerStaff,
  sessionCheckOf,
  staffServiceErrors,
  startStaffDirectory,
} from '@fangyi/staff';
import {
  DEMO_USERS,
  ESTATES,
  KUTAO_COMMUNITIES,
  demoUser,
  injectTransport,
  loadOrCreateSecret,
  seedDistrict,
} from '@fangyi/scripts/seed';
import {
  DEFAULT_EARLY_CHECK_MINUTES,
  DEFAULT_TIME_ZONE,
  businessDate,
  createLogger,
  createVault,
  parseKey,
  createServiceApp,
  createMetrics,
  tracingFromEnv,
  instrumentEventStore,
  registerProcessorMetrics,
  installGracefulShutdown,
  loadDistrict,
  mergeErrors,
  rateLimitConfig,
  rateLimitOf,
  readConfig,
  signToken,
  systemClock,
  tokenSecretConfig,
  tokenSecretsOf,
  placesDocument,
} from '@fangyi/service-kit';

/**
 * Fangyi in one process, on an embedded default that needs no servers: a SQLite event store whose
 * log every processor reads directly, in-memory read models rebuilt from it at every start, and
 * policies whose checkpoints are kept in the SQLite file, so a reaction is never lost to a restart
 * or a kill. The same routes, deciders, policies and projections as the distributed mode.
 */
const config = readConfig(
  z.object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('127.0.0.1'),
    FANGYI_DATA_DIR: z.string().default('.data'),
    FANGYI_TIME_ZONE: z.string().default(DEFAULT_TIME_ZONE),
    FANGYI_CHECK_EARLY_MINUTES: z.coerce
      .number()
      .int()
      .min(0)
      .max(720)
      .default(DEFAULT_EARLY_CHECK_MINUTES),
    FANGYI_DEMO: z.enum(['true', 'false']).default('true'),
    // The demo accounts' password (at least 10 characters); made at first start when not given.
    FANGYI_DEMO_PASSWORD: z.string().min(10).optional(),
    FANGYI_SEED: z.coerce.number().int().default(2020),
    FANGYI_SCALE: z.coerce.number().int().min(1).max(100).default(1),
    // Made at first start (32 random bytes) when not given; each at least 32 bytes when given.
    FANGYI_JWT_SECRET: tokenSecretConfig().FANGYI_JWT_SECRET.optional(),
    FANGYI_JWT_PREVIOUS_SECRET: tokenSecretConfig().FANGYI_JWT_PREVIOUS_SECRET,
    // Made at first start like the token secret when not given (32 random bytes each, base64url).
    FANGYI_MASTER_KEY: z.string().optional(),
    FANGYI_RESERVATION_KEY: z.string().optional(),
    ...rateLimitConfig(),
    FANGYI_CALLERS: z
      .string()
      .default(
        'moujia=caller-moujia-1;zhangcun=caller-zhangcun-1;wenzhang=caller-wenzhang-1;zhengzhang=caller-zhengzhang-1',
      ),
    // Who may be assigned complaints of each area (`*`: every one), as FANGYI_CALLERS names the callers.
    FANGYI_COMPLAINT_HANDLERS: z
      .string()
      .default('*=complaint-handler-kutao;taoyuanju=estate-officer-taoyuanju'),
    FANGYI_SCHEDULER: z.enum(['on', 'off']).default('on'),
    FANGYI_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
    FANGYI_ESCALATION_ACK_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(DEFAULT_ESCALATION_ACK_MINUTES),
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
const authSecret = tokenSecretsOf({
  FANGYI_JWT_SECRET: loadOrCreateSecret(config.FANGYI_JWT_SECRET, join(dataDir, 'jwt-secret')),
  FANGYI_JWT_PREVIOUS_SECRET: config.FANGYI_JWT_PREVIOUS_SECRET,
});
// The district's places and policies (FANGYI_CONFIG, default config/district.json: Kutao), read once
// and passed to every route, policy and view that uses them.
const district = loadDistrict(process.env, (message) => logger.warn(message));
const { slotWindows } = district;

const metrics = createMetrics({ service: 'fangyi' });
// Traces exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise none.
const tracing = await tracingFromEnv('fangyi');
// Every append measured and counted by event type (the domain counters at /metrics).
const eventStore = instrumentEventStore(new SqliteEventStore({ path: dbPath, clock }), metrics);
// The key table in the same SQLite file; the master key that wraps its keys beside it in .data
// (kept out of any copy of the database), so forgetting a person holds across restarts.
const personalKeys = new SqlitePersonalKeys({ path: dbPath, clock });
// Snapshots of the roster and the report in the same file (`fangyi snapshot` takes them): as-of answers replay from the nearest one.
const snapshots = new SqliteSnapshots({ path: dbPath });
const vault = createVault({
  keys: personalKeys,
  masterKey: parseKey(
    loadOrCreateSecret(config.FANGYI_MASTER_KEY, join(dataDir, 'master-key')),
    'FANGYI_MASTER_KEY',
  ),
});
const reservationKey = parseKey(
  loadOrCreateSecret(config.FANGYI_RESERVATION_KEY, join(dataDir, 'reservation-key')),
  'FANGYI_RESERVATION_KEY',
);
// Every processor reads the event store's log: nothing passes through a bus that a restart would empty.
const source = logSource({ eventStore, tracer: tracing?.tracer });
const dateOf = (iso: string) => businessDate(new Date(iso), timeZone);

// Read models live in memory: each replays the log from the start, then follows it.
const rosterStore = new InMemoryProjectionStore({ clock });
const reportStore = new InMemoryProjectionStore({ clock });
const alertsStore = new InMemoryProjectionStore({ clock });
const underQuarantineStore = new InMemoryProjectionStore({ clock });
const complaintsStore = new InMemoryProjectionStore({ clock });
const readModels = [
  await startProcessor(readModelProcessor(rosterProjection, rosterStore), source, logger),
  await startProcessor(readModelProcessor(reportProjection(dateOf), reportStore), source, logger),
  await startProcessor(readModelProcessor(alertsProjection, alertsStore), source, logger),
  await startCheckpointsProjections({ source, store: underQuarantineStore, logger }),
  await startComplaintsReadModel({ source, store: complaintsStore, logger }),
];
const householdPeople = await startHouseholdPeopleFeed({ eventStore, logger, dateOf });
const checkpointList = await startCheckpointList({ eventStore, logger });
const activeCasesFeed = await startActiveCasesFeed({
  eventStore,
  store: new InMemoryProjectionStore({ clock }),
  logger,
});
const { activeCases } = activeCasesFeed;
await Promise.all([...readModels.map((r) => r.caughtUp()), activeCasesFeed.caughtUp()]);
const quarantinePeople = await startPeopleDirectoryFeed({ eventStore, logger });
const checkpointsResidents = await startResidentsDirectory({ eventStore, logger });
const complaintsHouseholds = await startHouseholdDirectory({ eventStore, logger });
// Each community's callers come from its caller accounts where it has any; FANGYI_CALLERS is the
// fallback. The quarantine service holds this very map, rewritten whenever an account changes.
const configuredCallers = parseCallers(config.FANGYI_CALLERS);
const callers = new Map(configuredCallers);
const staffDirectory = await startStaffDirectory({ eventStore, logger });
staffDirectory.onChange((accounts) =>
  applyCallersFromAccounts(callers, configuredCallers, accounts),
);

// Policies: the flows between services. Their checkpoints are in the SQLite file, moved only after
// a batch's reactions are recorded; a reaction is an idempotent command, so a replay changes nothing.
const policies = [
  await startQuarantinePolicies({
    source,
    eventStore,
    logger,
    activeCases,
    people: quarantinePeople,
    district,
    callers,
    clock,
    timeZone,
    newId,
  }),
  await startResidentsPolicies({ source, eventStore, logger, clock, newId, timeZone }),
];
const scheduler =
  config.FANGYI_SCHEDULER === 'off'
    ? { stop: async () => {} }
    : startMissedCheckScheduler({
        eventStore,
        activeCases,
        clock,
        timeZone,
        slotWindows,
        newId,
        logger,
        intervalMs: config.FANGYI_SCHEDULER_INTERVAL_MS,
      });
const escalationTimer =
  config.FANGYI_SCHEDULER === 'off'
    ? { stop: async () => {} }
    : startEscalationTimer({
        eventStore,
        activeCases,
        clock,
        overdueAfterMinutes: config.FANGYI_ESCALATION_ACK_MINUTES,
        newId,
        logger,
        intervalMs: config.FANGYI_SCHEDULER_INTERVAL_MS,
      });

const limits = rateLimitOf(config);
let seeding = false;
const processorStatuses = () => [
  ...readModels.map((r) => r.status()),
  ...policies.flatMap((p) => p.statuses()),
  ...householdPeople.statuses(),
  ...[
    checkpointList,
    activeCasesFeed,
    quarantinePeople,
    checkpointsResidents,
    complaintsHouseholds,
    staffDirectory,
  ].map((v) => v.status()),
];
registerProcessorMetrics(metrics, processorStatuses);
const app = createServiceApp({
  service: 'fangyi',
  logger,
  metrics,
  tracing,
  errors: mergeErrors(
    quarantineErrors,
    residentsErrors,
    checkpointsErrors,
    complaintsErrors,
    staffServiceErrors,
  ),
  authSecret,
  // A console session of an account disabled since it signed in ends at its next request.
  sessionCheck: sessionCheckOf(staffDirectory),
  // The first start's own seeding goes through the same routes and is not counted.
  rateLimit: limits && { ...limits, exempt: () => seeding },
  clock,
  bodyLimit: 64 * 1024,
  readiness: async () => {
    const processors = readinessOf(processorStatuses());
    return {
      ok: processors.allRunning,
      checks: { eventStore: 'sqlite', readModels: 'in-memory', ...processors.checks },
    };
  },
});
registerQuarantine(app, {
  eventStore,
  clock,
  newId,
  timeZone,
  activeCases,
  district,
  earlyCheckMinutes: config.FANGYI_CHECK_EARLY_MINUTES,
  people: quarantinePeople,
  callers,
});
registerResidents(app, {
  eventStore,
  vault,
  reservationKey,
  clock,
  newId,
  timeZone,
  householdPeople,
  district,
});
registerCheckpoints(app, {
  eventStore,
  clock,
  newId,
  timeZone,
  district,
  projectionStore: underQuarantineStore,
  checkpointList,
  residents: checkpointsResidents,
  vault,
  namingKey: reservationKey,
});
registerComplaints(app, {
  eventStore,
  clock,
  newId,
  policy: complaintPolicyFromEnv({
    ...process.env,
    FANGYI_COMPLAINT_HANDLERS: config.FANGYI_COMPLAINT_HANDLERS,
  }),
  listStore: complaintsStore,
  households: complaintsHouseholds,
  vault,
  namingKey: reservationKey,
  timeZone,
  district,
});
registerRoster(app, {
  store: rosterStore,
  vault,
  reportStore,
  alertsStore,
  eventStore,
  snapshots,
  clock,
  timeZone,
  slotWindows,
  district,
});
registerStaff(app, { eventStore, clock, newId, authSecret, directory: staffDirectory });
// The console (a single-page app built to static files) at /console/; a browser opening / without
// a token is sent there to sign in.
registerConsole(app, { redirectRoot: true, places: placesDocument(district) });
registerAnalyst(app, { eventStore, clock, timeZone, vault, namingKey: reservationKey, district });
await app.ready();

const today = businessDate(clock(), timeZone);
let seeded: Awaited<ReturnType<typeof seedDistrict>> | null = null;
// The demo is the Kutao district's: a district file without its places gets no demo.
const demoFits =
  KUTAO_COMMUNITIES.every((c) => district.isCommunity(c)) &&
  ESTATES.every((e) => district.isEstate(e));
if (config.FANGYI_DEMO === 'true' && !demoFits)
  logger.warn(
    "the district file does not list the Kutao demo's places: no demo district built (FANGYI_DEMO=false to say so)",
  );
if (
  config.FANGYI_DEMO === 'true' &&
  demoFits &&
  (await eventStore.readAll({ limit: 1 })).length === 0
) {
  process.stdout.write(
    "Fangyi: first start; building the Kutao district through the services' commands (a few seconds)…\n",
  );
  const started = Date.now();
  seeding = true;
  seeded = await seedDistrict(injectTransport(app), {
    seed: config.FANGYI_SEED,
    scale: config.FANGYI_SCALE,
    today,
    tokenOf: (id) => signToken(demoUser(id), authSecret),
    log: (message) => logger.info(message),
    findCase: async (personId) =>
      (await activeCases.active()).find((c) => c.personId === personId)?.caseId,
  });
  seeding = false;
  // The policies' reactions to the seeding (cases for arrivals, passes revoked) are in before the links are printed.
  await Promise.all(policies.map((p) => p.caughtUp()));
  process.stdout.write(
    `Fangyi: district built in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
  );
}

// The demo district's staff sign in with their accounts: one per demo user, made once, with one
// demo password (FANGYI_DEMO_PASSWORD, or made at first start and kept in .data/demo-password).
const demoPassword =
  config.FANGYI_DEMO !== 'true'
    ? null
    : (config.FANGYI_DEMO_PASSWORD ??
      loadOrCreateSecret(undefined, join(dataDir, 'demo-password')).slice(0, 16));
if (demoPassword) {
  seeding = true;
  await createDemoAccounts(app, {
    directory: staffDirectory,
    authSecret,
    users: DEMO_USERS,
    password: demoPassword,
  });
  seeding = false;
}

installGracefulShutdown(
  [
    { name: 'http', close: () => app.close() },
    { name: 'missed-check scheduler', close: () => scheduler.stop() },
    { name: 'escalation timer', close: () => escalationTimer.stop() },
    ...policies.map((p, i) => ({ name: `policies ${i + 1}`, close: () => p.stop() })),
    ...readModels.map((r) => ({ name: r.name, close: () => r.stop() })),
    { name: 'household people', close: () => householdPeople.stop() },
    { name: 'checkpoint list', close: () => checkpointList.stop() },
    { name: 'active cases', close: () => activeCasesFeed.stop() },
    { name: 'quarantine people directory', close: () => quarantinePeople.stop() },
    { name: 'checkpoints residents directory', close: () => checkpointsResidents.stop() },
    { name: 'complaints household directory', close: () => complaintsHouseholds.stop() },
    { name: 'staff directory', close: () => staffDirectory.stop() },
    { name: 'event store', close: () => eventStore.close() },
    { name: 'personal keys', close: () => personalKeys.close() },
    { name: 'snapshots', close: () => snapshots.close() },
    ...(tracing ? [{ name: 'traces', close: () => tracing.shutdown() }] : []),
  ],
  logger,
);

const address = await app.listen({ port: config.PORT, host: config.HOST });
const base = address.replace('0.0.0.0', '127.0.0.1');
const users = DEMO_USERS.map(
  (u) =>
    `    ${u.id.padEnd(26)} ${u.name.padEnd(10, '　')} ${u.role.padEnd(18)} ${u.communities.join(',')}`,
).join('\n');
process.stdout.write(`
Fangyi 防疫 is running: embedded mode (SQLite event store at ${dbPath}, in-memory read models).
${seeded ? `The Kutao district: ${seeded.households} households, ${seeded.people} people (${seeded.outsidePeople} outside-registered, ${seeded.fromHubei} from Hubei), ${seeded.checkpoints} checkpoints, ${seeded.complaints} complaints.` : 'Read models rebuilt from the event store.'}

  Console (zh-CN, phone or desktop):  ${base}/console/
  API document (OpenAPI):             ${base}/openapi.json

${
  demoPassword
    ? `  Sign in as one of the demo staff, each with the password  ${demoPassword}
${users}
`
    : '  Demo accounts are off (FANGYI_DEMO=false): an admin creates accounts at /staff/accounts.\n'
}
  Scripts use bearer tokens instead: npm run token -- USER_ID (then: curl -H "authorization: Bearer $TOKEN" ${base}/roster)

Stop with Ctrl+C.
`);
