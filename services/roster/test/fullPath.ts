import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { BOUNDED_CONTEXTS, topicFor, uuidv7, type Actor } from '@fangyi/contracts';
import { PostgresEventStore, PostgresPersonalKeys } from '@fangyi/eventstore/postgres';
import { startRelay, type Relay } from '@fangyi/messaging';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import {
  busSource,
  readModelProcessor,
  startProcessor,
  type RunningProcessor,
} from '@fangyi/processors';
import { RedisProjectionStore, type Projection, type ProjectionStore } from '@fangyi/projections';
import {
  DEFAULT_SLOT_WINDOWS,
  businessDate,
  createVault,
  type ServiceApp,
} from '@fangyi/service-kit';
import { TEST_AUTH_SECRET, dropSchema, freshSchemaName, requireInfra } from '@fangyi/testkit';
import {
  alertsProjection,
  buildRosterApp,
  reportProjection,
  rosterProjection,
} from '../src/index.ts';

export const TIME_ZONE = 'Asia/Shanghai';

/**
 * The read side's full path on the real parts, in one process: events appended to a PostgreSQL
 * event store (fresh schema), the relay publishing them to Kafka (fresh topic prefix), the
 * worker's processors (one consumer group each) writing the roster, report and alerts read
 * models to Redis (fresh namespaces), and the roster API answering over `app.inject`. The clock
 * is the test's: the event store stamps recordedAt with it and the API reads "now" from it.
 */
export async function startFullPath(options: { now: Date }) {
  const databaseUrl = requireInfra('postgres');
  const redisUrl = requireInfra('redis');
  const brokers = requireInfra('kafka');
  const logger = pino({ level: 'silent' });
  const run = randomUUID().slice(0, 8);
  const schema = freshSchemaName('fangyi_roster');
  const topicPrefix = `fangyi-roster-${run}`;
  let now = options.now;
  const clock = () => now;

  const eventStore = await PostgresEventStore.create({
    connectionString: databaseUrl,
    schema,
    clock,
  });
  // The key table beside the events, as residents keeps it: the worklist opens phones with it.
  const keys = await PostgresPersonalKeys.create({ connectionString: databaseUrl, schema });
  const vault = createVault({ keys, masterKey: randomBytes(32) });
  const bus = new KafkaMessageBus({
    brokers: brokers.split(','),
    clientId: `fangyi-roster-test-${run}`,
    logger,
  });
  await bus.ensureTopics(BOUNDED_CONTEXTS.map((c) => topicFor(c, topicPrefix)));
  const redis = new Redis(redisUrl);
  const store = (name: string) =>
    new RedisProjectionStore({ redis, namespace: `fangyi-test:${run}:${name}` });
  const namespaces = { roster: `fangyi-test:${run}:roster` };
  const stores = { roster: store('roster'), report: store('report'), alerts: store('alerts') };
  const relay: Relay = await startRelay({
    store: eventStore,
    bus,
    logger,
    topicPrefix,
    name: `relay-${run}`,
    idleMs: 20,
  });
  const source = busSource({ bus, topicPrefix, groupId: (name) => `${topicPrefix}-${name}` });
  const report = reportProjection((iso) => businessDate(new Date(iso), TIME_ZONE));
  const processors: RunningProcessor[] = [];
  for (const [projection, s] of [
    [rosterProjection, stores.roster],
    [report, stores.report],
    [alertsProjection, stores.alerts],
  ] as [Projection, ProjectionStore][]) {
    processors.push(
      await startProcessor(readModelProcessor(projection, s, { eventStore }), source, logger),
    );
  }
  const app: ServiceApp = buildRosterApp({
    store: stores.roster,
    reportStore: stores.report,
    alertsStore: stores.alerts,
    eventStore,
    vault,
    clock,
    timeZone: TIME_ZONE,
    slotWindows: DEFAULT_SLOT_WINDOWS,
    logger,
    authSecret: TEST_AUTH_SECRET,
    rateLimit: false,
  });
  await app.ready();

  const actor: Actor = { id: 'registrar-test', role: 'registrar' };
  return {
    eventStore,
    vault,
    namespaces,
    stores,
    app,
    setNow(at: Date) {
      now = at;
    },
    /** Appends events to one stream (recordedAt: the test clock), as a service would. */
    async append(
      streamId: string,
      events: { type: string; data: unknown; occurredAt?: string }[],
    ): Promise<number> {
      const current = await eventStore.readStream(streamId);
      const result = await eventStore.append(
        streamId,
        events.map((e) => ({
          id: uuidv7(),
          type: e.type,
          schemaVersion: 1,
          occurredAt: e.occurredAt ?? now.toISOString(),
          actor,
          correlationId: randomUUID(),
          causationId: null,
          data: e.data,
        })),
        { expectedRevision: current.length === 0 ? 'no-stream' : current.length - 1 },
      );
      return result.nextExpectedRevision;
    },
    /** Waits until the read model has applied the stream up to `revision` (through Kafka). */
    async applied(
      s: ProjectionStore,
      streamId: string,
      revision: number,
      timeoutMs = 30_000,
    ): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (((await s.appliedRevision(streamId)) ?? -1) < revision) {
        if (Date.now() > deadline)
          throw new Error(`${streamId}@${revision} not applied within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      await app.close();
      for (const p of processors) await p.stop();
      await relay.stop();
      await bus.close();
      await eventStore.close();
      await keys.close();
      await redis.quit();
      await dropSchema(databaseUrl, schema);
    },
  };
}
export type FullPath = Awaited<ReturnType<typeof startFullPath>>;
