import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnvelope, topicFor, type Envelope } from '@fangyi/contracts';
import { SqliteEventStore } from '@fangyi/eventstore';
import { RELAY_HEADERS, startRelay, type IncomingMessage } from '../src/index.ts';
import { KafkaMessageBus } from '../src/kafka.ts';
import { envelopeOf, quarantineCase } from './events.ts';
import { kafkaBrokersOrFail, testLogger } from './support.ts';

const brokers = kafkaBrokersOrFail('relay: SQLite event store → Kafka');
if (brokers) {
  describe(`relay: SQLite event store → Kafka (${brokers.join(',')})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'fangyi-relay-kafka-'));
    const store = new SqliteEventStore({ path: join(dir, 'events.db') });
    const { logger } = testLogger();
    const bus = new KafkaMessageBus({ brokers, clientId: 'fangyi-relay-test', logger });
    afterAll(async () => {
      await bus.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('delivers every appended envelope exactly as appended, once, in stream order', async () => {
      const prefix = `relay-${randomUUID().slice(0, 8)}`;
      const topic = topicFor('quarantine', prefix);
      const streams = Array.from({ length: 12 }, () => `quarantine-${randomUUID()}`);
      for (const s of streams.slice(0, 8))
        await store.append(s, quarantineCase(s, 3), { expectedRevision: 'no-stream' });

      const relay = await startRelay({
        store,
        bus,
        logger,
        topicPrefix: prefix,
        name: `relay-${prefix}`,
        batchSize: 10,
        idleMs: 20,
      });
      await relay.caughtUp();
      const got: { message: IncomingMessage; envelope: Envelope }[] = [];
      const consumer = await bus.consume({
        groupId: `projection-${prefix}`,
        topics: [topic],
        fromBeginning: true,
        handle: async (message) =>
          void got.push({ message, envelope: parseEnvelope(JSON.parse(message.value)) }),
      });
      // Live tail: appended while the relay and the consumer are running.
      for (const s of streams.slice(8))
        await store.append(s, quarantineCase(s, 3), { expectedRevision: 'no-stream' });

      const events = (await store.readAll({ limit: 10_000 })).filter((e) =>
        streams.includes(e.streamId),
      );
      expect(events).toHaveLength(12 * 4);
      await expect
        .poll(() => got.length, { timeout: 20_000, interval: 50 })
        .toBeGreaterThanOrEqual(events.length);
      await new Promise((r) => setTimeout(r, 1_000));
      await consumer.stop();
      await relay.stop();

      expect(got).toHaveLength(events.length);
      for (const s of streams) {
        const recorded = events.filter((e) => e.streamId === s);
        const received = got.filter((g) => g.message.key === s);
        expect(received.map((g) => g.envelope)).toEqual(recorded.map(envelopeOf));
        expect(new Set(received.map((g) => g.message.partition)).size).toBe(1);
        expect(received.map((g) => g.message.headers[RELAY_HEADERS.position])).toEqual(
          recorded.map((e) => e.position),
        );
      }
      expect(await store.checkpoints.load(`relay-${prefix}`)).toBe(events.at(-1)!.position);
    });
  });
}
