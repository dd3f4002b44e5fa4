import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { topicFor } from '@fangyi/contracts';
import type { RecordedEvent } from '@fangyi/eventstore';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { dropSchema, freshSchemaName } from '@fangyi/testkit';
import {
  RELAY_HEADERS,
  startRelay,
  type IncomingMessage,
  type MessageBus,
  type Relay,
} from '../src/index.ts';
import { KafkaMessageBus } from '../src/kafka.ts';
import { quarantineCase } from './events.ts';
import { kafkaBrokersOrFail, testLogger } from './support.ts';

const POLL = { timeout: 20_000, interval: 50 };
const databaseUrl = process.env.DATABASE_URL;
const brokers = kafkaBrokersOrFail('relay: PostgreSQL event store → Kafka');

if (!databaseUrl) {
  describe('relay: PostgreSQL event store → Kafka', () => {
    it('needs a PostgreSQL server (DATABASE_URL)', () => {
      throw new Error(
        'DATABASE_URL is not set: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/fangyi_test',
      );
    });
  });
}

if (brokers && databaseUrl) {
  describe(`relay: PostgreSQL event store → Kafka (${brokers.join(',')})`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    const schemas: string[] = [];
    const admin = new pg.Client({ connectionString: databaseUrl });
    const adminReady = admin.connect();
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
    });
    afterAll(async () => {
      await adminReady;
      await admin.end();
      for (const s of schemas) await dropSchema(databaseUrl, s);
    });

    /** One replica of a service: its own pool, its own lease connection, its own Kafka client. */
    async function replica(schema: string, label: string) {
      const { logger, lines } = testLogger();
      const store = await PostgresEventStore.create({
        connectionString: databaseUrl!,
        schema,
        poolSize: 4,
      });
      const bus = new KafkaMessageBus({
        brokers: brokers!,
        clientId: `fangyi-relay-pg-${label}`,
        logger,
      });
      cleanups.push(async () => {
        await bus.close();
        await store.close();
      });
      return { store, bus, logger, lines };
    }

    async function world() {
      const schema = freshSchemaName();
      schemas.push(schema);
      const prefix = `relaypg-${randomUUID().slice(0, 8)}`;
      return { schema, prefix, topic: topicFor('quarantine', prefix), name: `relay-${prefix}` };
    }

    async function appendCases(store: PostgresEventStore, n: number, size = 0): Promise<string[]> {
      const streams: string[] = [];
      for (let i = 0; i < n; i++) {
        const s = `quarantine-${randomUUID()}`;
        const events = quarantineCase(s, 1).map((e) =>
          size > 0 ? { ...e, data: { ...(e.data as object), note: 'n'.repeat(size) } } : e,
        );
        await store.append(s, events, { expectedRevision: 'no-stream' });
        streams.push(s);
      }
      return streams;
    }

    async function collect(bus: MessageBus, topic: string): Promise<IncomingMessage[]> {
      await bus.ensureTopics([topic]);
      const got: IncomingMessage[] = [];
      const c = await bus.consume({
        groupId: `count-${randomUUID()}`,
        topics: [topic],
        fromBeginning: true,
        handle: async (m) => void got.push(m),
      });
      cleanups.push(() => c.stop());
      return got;
    }

    const ids = (got: IncomingMessage[]) => got.map((m) => m.headers[RELAY_HEADERS.eventId]!);
    const countById = (got: IncomingMessage[]) => {
      const counts = new Map<string, number>();
      for (const id of ids(got)) counts.set(id, (counts.get(id) ?? 0) + 1);
      return counts;
    };
    const ofSchema = async (store: PostgresEventStore): Promise<RecordedEvent[]> =>
      store.readAll({ limit: 10_000 });

    /** The backend holding the relay's lease: its advisory lock, keyed as PostgresLeases keys it. */
    async function leaseHolder(schema: string, name: string): Promise<number | null> {
      await adminReady;
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT l.pid FROM pg_locks l, (SELECT hashtextextended($1, 0) AS k) h
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.classid::text::bigint = (h.k >> 32) & 4294967295 AND l.objid::text::bigint = h.k & 4294967295`,
        [`fangyi:${schema}:${name}`],
      );
      return rows[0]?.pid ?? null;
    }

    it('two relays under one name: one leads, one stands by, and each event reaches Kafka once', async () => {
      const { schema, prefix, topic, name } = await world();
      const r1 = await replica(schema, 'a');
      const r2 = await replica(schema, 'b');
      await appendCases(r1.store, 20);
      const got = await collect(r1.bus, topic);
      const relays: Relay[] = await Promise.all(
        [r1, r2].map((r) =>
          startRelay({
            store: r.store,
            bus: r.bus,
            logger: r.logger,
            name,
            topicPrefix: prefix,
            idleMs: 50,
            batchSize: 7,
          }),
        ),
      );
      for (const relay of relays) cleanups.push(() => relay.stop());
      await appendCases(r2.store, 10); // live tail, written through the other replica
      const events = await ofSchema(r1.store);
      expect(events).toHaveLength(60);
      await expect.poll(() => got.length, POLL).toBeGreaterThanOrEqual(events.length);
      await new Promise((r) => setTimeout(r, 1_500)); // time for any second copy to arrive
      expect(relays.map((r) => r.status().state).sort()).toEqual(['leader', 'standby']);
      const counts = countById(got);
      expect(counts.size).toBe(events.length);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(await r1.store.checkpoints.load(name)).toBe(events.at(-1)!.position);
    });

    it('the standby takes over within seconds when the leader loses its connection, and nothing is lost', async () => {
      const { schema, prefix, topic, name } = await world();
      const r1 = await replica(schema, 'a');
      const r2 = await replica(schema, 'b');
      await appendCases(r1.store, 5);
      const got = await collect(r1.bus, topic);
      const first = await startRelay({
        store: r1.store,
        bus: r1.bus,
        logger: r1.logger,
        name,
        topicPrefix: prefix,
        idleMs: 50,
      });
      cleanups.push(() => first.stop());
      await first.caughtUp();
      const second = await startRelay({
        store: r2.store,
        bus: r2.bus,
        logger: r2.logger,
        name,
        topicPrefix: prefix,
        idleMs: 50,
      });
      cleanups.push(() => second.stop());
      expect([first.status().state, second.status().state]).toEqual(['leader', 'standby']);

      const pid = await leaseHolder(schema, name);
      expect(pid).not.toBeNull();
      const killedAt = Date.now();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      // The old leader stops publishing at once and stands by; the standby leads within seconds.
      await expect
        .poll(() => first.status().state, { timeout: 3_000, interval: 20 })
        .toBe('standby');
      await expect
        .poll(() => second.status().state, { timeout: 5_000, interval: 50 })
        .toBe('leader');
      const tookOverMs = Date.now() - killedAt;
      expect(tookOverMs).toBeLessThan(5_000);
      console.log(
        `relay: standby led ${tookOverMs} ms after the leader's lease connection was terminated`,
      );

      await appendCases(r1.store, 5);
      const events = await ofSchema(r1.store);
      await expect.poll(() => new Set(ids(got)).size, POLL).toBe(events.length);
      expect(new Set(ids(got))).toEqual(new Set(events.map((e) => e.id)));
      await expect.poll(() => r2.store.checkpoints.load(name), POLL).toBe(events.at(-1)!.position);
      expect(first.status().state).toBe('standby');
    });

    it('a message the broker refuses as too large parks the relay: one error naming it, nothing after it published, checkpoint not past it', async () => {
      const { schema, prefix, topic, name } = await world();
      const r = await replica(schema, 'a');
      const [before] = await appendCases(r.store, 1);
      const [big] = await appendCases(r.store, 1, 2_000_000); // above the broker's message.max.bytes (1 MB)
      await appendCases(r.store, 3);
      const got = await collect(r.bus, topic);
      // The relay's own limit raised, so that it is Kafka that refuses the message.
      const relay = await startRelay({
        store: r.store,
        bus: r.bus,
        logger: r.logger,
        name,
        topicPrefix: prefix,
        idleMs: 50,
        maxMessageBytes: 10_000_000,
      });
      cleanups.push(() => relay.stop());
      await expect.poll(() => relay.status().state, POLL).toBe('parked');
      const events = await ofSchema(r.store);
      const refused = events.find((e) => e.streamId === big)!;
      expect(relay.status().parkedOn).toMatchObject({
        eventId: refused.id,
        streamId: big,
        position: refused.position,
      });
      expect(relay.status().parkedOn!.reason).toMatch(/MESSAGE_TOO_LARGE|RECORD_LIST_TOO_LARGE/);
      await appendCases(r.store, 2); // later events wait too
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const keys = new Set(got.map((m) => m.key));
      expect(keys).toEqual(new Set([before]));
      expect(await r.store.checkpoints.load(name)).toBe(
        events[events.indexOf(refused) - 1]!.position,
      );
      // kafkajs logs the broker's answer itself; the relay says it once.
      const errors = r.lines.filter((l) => l.level === 50 && l.component === 'relay');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ parkedOn: { eventId: refused.id, streamId: big } });
      expect(JSON.stringify(errors[0])).not.toContain('nnnnnnnn');
    });

    it('keeps publishing within a few seconds while a write transaction stays open for 10 s in another database on the server', async () => {
      const { schema, prefix, topic, name } = await world();
      const r = await replica(schema, 'a');
      await adminReady;
      const scratch = `fangyi_scratch_${randomUUID().slice(0, 8)}`;
      await admin.query(`CREATE DATABASE ${scratch}`);
      const otherUrl = new URL(databaseUrl!);
      otherUrl.pathname = `/${scratch}`;
      const elsewhere = new pg.Client({ connectionString: otherUrl.toString() });
      await elsewhere.connect();
      cleanups.push(async () => {
        await elsewhere.end().catch(() => {});
        await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
      });
      const got = await collect(r.bus, topic);
      const relay = await startRelay({
        store: r.store,
        bus: r.bus,
        logger: r.logger,
        name,
        topicPrefix: prefix,
        idleMs: 50,
      });
      cleanups.push(() => relay.stop());
      await relay.caughtUp();

      await elsewhere.query('BEGIN');
      await elsewhere.query('SELECT txid_current()'); // it has a transaction id: it holds back the server's xmin
      const heldSince = Date.now();
      const latencies: number[] = [];
      while (Date.now() - heldSince < 10_000) {
        const [stream] = await appendCases(r.store, 1);
        const appendedAt = Date.now();
        await expect
          .poll(() => got.some((m) => m.key === stream), { timeout: 5_000, interval: 20 })
          .toBe(true);
        latencies.push(Date.now() - appendedAt);
        await new Promise((resolve) => setTimeout(resolve, 1_500));
      }
      expect(Date.now() - heldSince).toBeGreaterThanOrEqual(10_000);
      await elsewhere.query('ROLLBACK');
      console.log(
        `relay: append → Kafka while another database held a transaction open: ${latencies.map((l) => `${l} ms`).join(', ')}`,
      );
      expect(latencies.length).toBeGreaterThanOrEqual(5);
      expect(Math.max(...latencies)).toBeLessThan(3_000);
    });

    it('publishes in pieces bounded by bytes and delivers every event', async () => {
      const { schema, prefix, topic, name } = await world();
      const r = await replica(schema, 'a');
      await appendCases(r.store, 30, 3_000); // 60 events of about 3.5 KB
      const publishes: number[] = [];
      const bus: MessageBus = {
        ensureTopics: (t) => r.bus.ensureTopics(t),
        consume: (o) => r.bus.consume(o),
        close: () => r.bus.close(),
        publish: async (t, messages) => {
          publishes.push(messages.reduce((s, m) => s + Buffer.byteLength(m.value), 0));
          await r.bus.publish(t, messages);
        },
      };
      const got = await collect(r.bus, topic);
      const relay = await startRelay({
        store: r.store,
        bus,
        logger: r.logger,
        name,
        topicPrefix: prefix,
        idleMs: 50,
        maxPublishBytes: 16_000,
      });
      cleanups.push(() => relay.stop());
      await relay.caughtUp();
      const events = await ofSchema(r.store);
      expect(publishes.length).toBeGreaterThanOrEqual(Math.ceil((60 * 3_000) / 16_000));
      expect(Math.max(...publishes)).toBeLessThanOrEqual(16_000);
      await expect.poll(() => got.length, POLL).toBe(events.length);
      expect(new Set(ids(got))).toEqual(new Set(events.map((e) => e.id)));
    });
  });
}
