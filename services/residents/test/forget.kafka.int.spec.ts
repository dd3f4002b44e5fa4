import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { contextOf, idNumberCheckChar, topicFor, uuidv7 } from '@fangyi/contracts';
import { PostgresEventStore, PostgresPersonalKeys } from '@fangyi/eventstore/postgres';
import { startRelay, type Consumer, type IncomingMessage, type Relay } from '@fangyi/messaging';
import { KafkaMessageBus } from '@fangyi/messaging/kafka';
import { createVault, type PersonalDataVault, type ServiceApp } from '@fangyi/service-kit';
import {
  TEST_AUTH_SECRET,
  authHeader,
  dropSchema,
  freshSchemaName,
  requireInfra,
  testUser,
} from '@fangyi/testkit';
import {
  buildResidentsApp,
  personStreamId,
  startHouseholdPeopleFeed,
  type HouseholdPeopleFeed,
} from '../src/index.ts';

/**
 * Forgetting a person on the distributed path: the PostgreSQL event store and the relay to Kafka (a
 * fresh topic prefix on the shared broker). After the forget, neither any row of the event store nor
 * any message on the topic holds their ID or phone number in clear, and the sealed values there no
 * longer open: what went to Kafka (and into any backup) is forgotten with the key.
 */
const now = new Date('2020-02-05T01:30:00.000Z');
const silent = pino({ level: 'silent' });
const ID = (() => {
  const first17 = `42010619880808${String(randomBytes(2).readUInt16BE() % 1000).padStart(3, '0')}`;
  return first17 + idNumberCheckChar(first17);
})();
const PHONE = `139${String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, '0')}`;

describe('forgetting a person (PostgreSQL event store, relay to Kafka)', () => {
  const url = requireInfra('postgres');
  const brokers = requireInfra('kafka').split(',');
  const schema = freshSchemaName();
  const prefix = `fangyi-forget-${randomUUID().slice(0, 8)}`;
  const topic = topicFor('residents', prefix);
  let eventStore: PostgresEventStore;
  let keys: PostgresPersonalKeys;
  let vault: PersonalDataVault;
  let bus: KafkaMessageBus;
  let relay: Relay;
  let feed: HouseholdPeopleFeed;
  let app: ServiceApp;
  let consumer: Consumer;
  const messages: IncomingMessage[] = [];

  const registrar = authHeader(testUser('registrar', ['zhangcun'], 'registrar-zhangcun'));
  const admin = authHeader(testUser('admin', ['*'], 'admin-1'));
  const post = async (path: string, payload: object, headers = registrar) => {
    const res = await app.inject({ method: 'POST', url: path, headers, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  /** Waits until every residents event of the store is on the topic. */
  const allOnTopic = async () => {
    const expected = (await eventStore.readAll({ limit: 100_000 })).filter(
      (e) => contextOf(e.type) === 'residents',
    ).length;
    const deadline = Date.now() + 20_000;
    while (new Set(messages.map((m) => `${m.partition}:${m.offset}`)).size < expected) {
      if (Date.now() > deadline)
        throw new Error(`only ${messages.length} of ${expected} events reached ${topic}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** Every row of the event store, every column (stream names, actors, data) as text. */
  const everyRow = async () =>
    (await eventStore.readAll({ limit: 100_000 })).map((e) => JSON.stringify(e));

  beforeAll(async () => {
    eventStore = await PostgresEventStore.create({
      connectionString: url,
      schema,
      clock: () => now,
    });
    keys = await PostgresPersonalKeys.create({ connectionString: url, schema });
    vault = createVault({ keys, masterKey: randomBytes(32) });
    bus = new KafkaMessageBus({ brokers, clientId: 'fangyi-forget-test', logger: silent });
    relay = await startRelay({
      store: eventStore,
      bus,
      logger: silent,
      topicPrefix: prefix,
      name: 'relay-residents',
      include: (e) => contextOf(e.type) === 'residents',
      idleMs: 20,
    });
    await bus.ensureTopics([topic]);
    consumer = await bus.consume({
      groupId: `test-${randomUUID()}`,
      topics: [topic],
      fromBeginning: true,
      handle: async (m) => void messages.push(m),
    });
    feed = await startHouseholdPeopleFeed({
      eventStore,
      logger: silent,
      dateOf: (iso) => iso.slice(0, 10),
    });
    app = buildResidentsApp({
      eventStore,
      vault,
      reservationKey: randomBytes(32),
      clock: () => now,
      newId: () => uuidv7(),
      timeZone: 'Asia/Shanghai',
      householdPeople: feed,
      logger: silent,
      authSecret: TEST_AUTH_SECRET,
      rateLimit: false,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await consumer?.stop();
    await relay?.stop();
    await feed?.stop();
    await bus?.close();
    await keys?.close();
    await eventStore?.close();
    await dropSchema(url, schema);
  });

  it('no clear ID or phone number in any row of the store or any message on the topic, before or after; after, nothing of theirs opens', async () => {
    const { householdId } = await post('/residents/households', {
      community: 'zhangcun',
      grid: 'zhangcun-02',
      address: '张村河路9号',
      kind: 'owner-occupied',
    });
    const { personId } = await post('/residents/people', {
      householdId,
      name: '赵磊',
      idNumber: ID,
      phone: PHONE,
      registration: 'local',
    });
    const read = await app.inject({
      method: 'GET',
      url: `/residents/people/${personId}`,
      headers: registrar,
    });
    expect(read.json()).toMatchObject({ idNumber: ID, phone: PHONE });

    const forget = await post(
      `/residents/people/${personId}/forget`,
      { reason: 'retention-expired' },
      admin,
    );
    expect(forget.forgottenOn).toBe('2020-02-05');
    await allOnTopic();

    const rows = await everyRow();
    const onTopic = messages.map((m) => `${m.key ?? ''} ${m.value} ${JSON.stringify(m.headers)}`);
    // The scan sees the person: their events are there, sealed.
    expect(rows.some((r) => r.includes(`enc:v1:${personId}:`))).toBe(true);
    expect(onTopic.filter((m) => m.includes(personStreamId(personId))).length).toBe(2);
    for (const clear of [ID, PHONE]) {
      expect(rows.filter((r) => r.includes(clear))).toEqual([]);
      expect(onTopic.filter((m) => m.includes(clear))).toEqual([]);
    }
    // What Kafka holds opens for nobody now.
    const registered = messages
      .map(
        (m) =>
          JSON.parse(m.value) as {
            type: string;
            data: { personId?: string; idNumber?: string; phone?: string };
          },
      )
      .find((e) => e.type === 'residents.person-registered' && e.data.personId === personId)!;
    expect(await vault.openAll([registered.data.idNumber!, registered.data.phone!])).toEqual([
      null,
      null,
    ]);
    const forgotten = messages
      .map((m) => JSON.parse(m.value) as { type: string; data: unknown })
      .find((e) => e.type === 'residents.person-forgotten')!;
    expect(forgotten.data).toEqual({
      personId,
      community: 'zhangcun',
      reason: 'retention-expired',
      forgottenOn: '2020-02-05',
    });
    // The key row is gone from the table.
    expect(await keys.get([personId])).toEqual(new Map());
    const page = await app.inject({
      method: 'GET',
      url: `/residents/people/${personId}`,
      headers: registrar,
    });
    expect(page.json()).toMatchObject({ idNumber: null, phone: null, forgottenOn: '2020-02-05' });
  });
});
