import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { demoUser } from '@fangyi/scripts/seed';
import { signToken } from '@fangyi/service-kit';
import {
  TEST_AUTH_SECRET,
  TEST_MASTER_KEY,
  TEST_RESERVATION_KEY,
  requireInfra,
} from '@fangyi/testkit';
import { ServiceProcess, freePort, waitReady } from './processes.ts';

/**
 * A broker outage at start-up is not a command outage: the residents service starts with Kafka
 * unreachable, answers commands at once (the event store is the source of truth; the relay
 * publishes once Kafka is back), and its /ready says which consumer groups have not joined.
 */
describe('a command service started while Kafka is down', { timeout: 120_000 }, () => {
  const databaseUrl = requireInfra('postgres');
  const schema = `fangyi_kafka_down_${randomUUID().slice(0, 8)}`;
  const registrar = {
    authorization: `Bearer ${signToken(demoUser('registrar-kutao'), TEST_AUTH_SECRET)}`,
  };
  let service: ServiceProcess;
  let base: string;
  let eventStore: PostgresEventStore;

  beforeAll(async () => {
    eventStore = await PostgresEventStore.create({ connectionString: databaseUrl, schema });
    const port = await freePort();
    // Nothing listens on this port: every Kafka connection is refused.
    const deadBroker = `127.0.0.1:${await freePort()}`;
    base = `http://127.0.0.1:${port}`;
    service = new ServiceProcess('residents', 'services/residents/src/main.ts', {
      PORT: String(port),
      EVENT_STORE_URL: databaseUrl,
      FANGYI_SCHEMA: schema,
      KAFKA_BROKERS: deadBroker,
      FANGYI_TOPIC_PREFIX: `fangyi-down-${randomUUID().slice(0, 8)}`,
      FANGYI_JWT_SECRET: TEST_AUTH_SECRET,
      FANGYI_MASTER_KEY: TEST_MASTER_KEY,
      FANGYI_RESERVATION_KEY: TEST_RESERVATION_KEY,
      LOG_LEVEL: 'warn',
    }).start();
    await waitReady(base, service, 60_000);
  }, 90_000);

  afterAll(async () => {
    await service?.stop();
    await eventStore?.close();
    const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
    await db.end();
  });

  it('records a household at once and says its policies have not joined yet', async () => {
    onTestFailed(() => console.error(service.tail(60)));
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    const { checks } = (await ready.json()) as { checks: Record<string, string> };
    expect(checks['processor:residents-quarantine']).toMatch(/^starting/);
    expect(checks['processor:residents-complaints']).toMatch(/^starting/);
    // The view that reads the event store itself is running.
    expect(checks['processor:residents-household-people']).toBe('running');

    const res = await fetch(`${base}/residents/households`, {
      method: 'POST',
      headers: { ...registrar, 'content-type': 'application/json' },
      body: JSON.stringify({
        community: 'zhangcun',
        grid: 'zhangcun-01',
        address: '张村河路9号',
        kind: 'rental',
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const { householdId } = (await res.json()) as { householdId: string };
    expect((await eventStore.readStream(`household-${householdId}`)).map((e) => e.type)).toEqual([
      'residents.household-registered',
    ]);
  });
});
