import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { topicFor, topicOfEvent } from '@fangyi/contracts';
import { SqliteEventStore, type EventStore, type RecordedEvent } from '@fangyi/eventstore';
import {
  InProcessMessageBus,
  RELAY_HEADERS,
  relayReadiness,
  startRelay,
  type IncomingMessage,
  type MessageBus,
  type OutgoingMessage,
} from '../src/index.ts';
import { envelopeOf, quarantineCase } from './events.ts';
import { testLogger } from './support.ts';

const POLL = { timeout: 10_000, interval: 20 };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'fangyi-relay-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.db') });
  const { logger, lines } = testLogger();
  const bus = new InProcessMessageBus({ logger, handlerRetryMs: 10 });
  const prefix = `relay-${randomUUID().slice(0, 8)}`;
  cleanups.push(async () => {
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, bus, logger, lines, prefix, topic: topicFor('quarantine', prefix) };
}

async function appendCases(store: EventStore, n: number): Promise<string[]> {
  const streams: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = `quarantine-${randomUUID()}`;
    await store.append(s, quarantineCase(s, 3), { expectedRevision: 'no-stream' });
    streams.push(s);
  }
  return streams;
}

async function collect(bus: MessageBus, topic: string): Promise<IncomingMessage[]> {
  const got: IncomingMessage[] = [];
  const c = await bus.consume({
    groupId: `test-${randomUUID()}`,
    topics: [topic],
    fromBeginning: true,
    handle: async (m) => void got.push(m),
  });
  cleanups.push(() => c.stop());
  return got;
}

async function allEvents(store: EventStore): Promise<RecordedEvent[]> {
  return store.readAll({ limit: 10_000 });
}

describe('relay: event store → message bus (SQLite + in-process)', () => {
  it('publishes every event, history and new, as its envelope, keyed by stream and in stream order', async () => {
    const { store, bus, logger, prefix, topic } = setup();
    const before = await appendCases(store, 5);
    const relay = await startRelay({
      store,
      bus,
      logger,
      topicPrefix: prefix,
      batchSize: 7,
      idleMs: 20,
    });
    cleanups.push(() => relay.stop());
    const got = await collect(bus, topic);
    const after = await appendCases(store, 3);
    // A stream that continues after the relay caught up.
    await store.append(before[0]!, quarantineCase(before[0]!, 1).slice(1), { expectedRevision: 3 });

    const events = await allEvents(store);
    expect(events).toHaveLength(8 * 4 + 1);
    await expect.poll(() => got.length, POLL).toBe(events.length);
    for (const s of [...before, ...after]) {
      const recorded = events.filter((e) => e.streamId === s);
      const received = got.filter((m) => m.key === s);
      expect(received.map((m) => JSON.parse(m.value) as unknown)).toEqual(recorded.map(envelopeOf));
      expect(received.map((m) => m.headers)).toEqual(
        recorded.map((e) => ({
          [RELAY_HEADERS.type]: e.type,
          [RELAY_HEADERS.eventId]: e.id,
          [RELAY_HEADERS.position]: e.position,
        })),
      );
    }
    expect(new Set(got.map((m) => m.topic))).toEqual(
      new Set([topicOfEvent('quarantine.symptom-check-logged', prefix)]),
    );
    expect(await relay.caughtUp()).toBe(events[events.length - 1]!.position);
    expect(await store.checkpoints.load('relay')).toBe(events[events.length - 1]!.position);
  });

  it('restarts from its checkpoint and publishes nothing twice', async () => {
    const { store, bus, logger, prefix, topic } = setup();
    await appendCases(store, 4);
    const got = await collect(bus, topic);
    const first = await startRelay({
      store,
      bus,
      logger,
      name: 'relay-a',
      topicPrefix: prefix,
      idleMs: 20,
    });
    await first.caughtUp();
    await first.stop();
    await expect.poll(() => got.length, POLL).toBe(16);
    expect(await store.checkpoints.load('relay-a')).toBe((await allEvents(store)).at(-1)!.position);

    await appendCases(store, 2);
    const second = await startRelay({
      store,
      bus,
      logger,
      name: 'relay-a',
      topicPrefix: prefix,
      idleMs: 20,
    });
    cleanups.push(() => second.stop());
    await second.caughtUp();
    await expect.poll(() => got.length, POLL).toBe(24);
    await new Promise((r) => setTimeout(r, 200));
    const ids = got.map((m) => m.headers[RELAY_HEADERS.eventId]);
    expect(new Set(ids).size).toBe(24);
    expect(ids.sort()).toEqual((await allEvents(store)).map((e) => e.id).sort());
  });

  it('keeps retrying a failing bus without moving the checkpoint, then publishes everything', async () => {
    const { store, bus, logger, lines, prefix, topic } = setup();
    await appendCases(store, 3);
    let failuresLeft = 4;
    let attempts = 0;
    const flaky: MessageBus = {
      ensureTopics: (t) => bus.ensureTopics(t),
      consume: (o) => bus.consume(o),
      close: () => bus.close(),
      publish: async (t: string, messages: readonly OutgoingMessage[]) => {
        attempts++;
        if (failuresLeft > 0) {
          failuresLeft--;
          throw new Error('broker unreachable');
        }
        await bus.publish(t, messages);
      },
    };
    const got = await collect(bus, topic);
    const relay = await startRelay({
      store,
      bus: flaky,
      logger,
      topicPrefix: prefix,
      idleMs: 20,
      retryMs: 30,
    });
    cleanups.push(() => relay.stop());
    await expect.poll(() => attempts, POLL).toBeGreaterThanOrEqual(3);
    const checkpointWhileFailing = await store.checkpoints.load('relay');
    expect(checkpointWhileFailing).toBeNull();
    expect(got).toHaveLength(0);

    const last = await relay.caughtUp();
    const events = await allEvents(store);
    expect(last).toBe(events.at(-1)!.position);
    expect(await store.checkpoints.load('relay')).toBe(last);
    await expect.poll(() => got.length, POLL).toBe(events.length);
    expect(got.map((m) => m.headers[RELAY_HEADERS.eventId])).toEqual(events.map((e) => e.id));
    expect(
      lines.filter(
        (l) => l.msg === 'publish failed; retrying the same batch, checkpoint not advanced',
      ),
    ).toHaveLength(4);
  });

  it('republishes, never loses, when it dies between the publish and the checkpoint', async () => {
    const { store, bus, logger, prefix, topic } = setup();
    await appendCases(store, 2);
    let checkpointFailures = 1;
    const crashing: EventStore = Object.create(store, {
      checkpoints: {
        value: {
          load: (name: string) => store.checkpoints.load(name),
          store: async (name: string, position: string, expected: string | null) => {
            if (checkpointFailures-- > 0) throw new Error('disk full');
            await store.checkpoints.store(name, position, expected);
          },
        },
      },
    }) as EventStore;
    const got = await collect(bus, topic);
    const relay = await startRelay({
      store: crashing,
      bus,
      logger,
      topicPrefix: prefix,
      idleMs: 20,
    });
    cleanups.push(() => relay.stop());
    const last = await relay.caughtUp();
    const events = await allEvents(store);
    expect(last).toBe(events.at(-1)!.position);
    await expect.poll(() => got.length, POLL).toBe(2 * events.length);
    // Every event arrived; the batch whose checkpoint failed arrived twice, in the same order.
    const ids = got.map((m) => m.headers[RELAY_HEADERS.eventId]);
    expect(ids).toEqual([...events.map((e) => e.id), ...events.map((e) => e.id)]);
  });

  it('stops while the bus is failing, leaving the checkpoint where it was', async () => {
    const { store, logger, prefix } = setup();
    await appendCases(store, 1);
    let attempts = 0;
    const down: MessageBus = {
      ensureTopics: async () => undefined,
      consume: () => Promise.reject(new Error('unused')),
      close: async () => undefined,
      publish: async () => {
        attempts++;
        throw new Error('broker unreachable');
      },
    };
    const relay = await startRelay({
      store,
      bus: down,
      logger,
      topicPrefix: prefix,
      idleMs: 20,
      retryMs: 60_000,
    });
    await expect.poll(() => attempts, POLL).toBe(1);
    const started = Date.now();
    await relay.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await store.checkpoints.load('relay')).toBeNull();
  });
});

/** A bus that records what each publish carried, then hands it on. */
function recording(bus: MessageBus): {
  bus: MessageBus;
  publishes: { topic: string; count: number; bytes: number }[];
} {
  const publishes: { topic: string; count: number; bytes: number }[] = [];
  return {
    publishes,
    bus: {
      ensureTopics: (t) => bus.ensureTopics(t),
      consume: (o) => bus.consume(o),
      close: () => bus.close(),
      publish: async (topic, messages) => {
        const bytes = messages.reduce(
          (s, m) =>
            s +
            m.key.length +
            Buffer.byteLength(m.value) +
            Object.entries(m.headers ?? {}).reduce((h, [k, v]) => h + k.length + v.length, 0),
          0,
        );
        publishes.push({ topic, count: messages.length, bytes });
        await bus.publish(topic, messages);
      },
    },
  };
}

describe('relay: one leader per name, bounded publishes, parking (SQLite + in-process)', () => {
  it('runs one leader under a name however many start; the standby takes over when the leader stops, losing nothing', async () => {
    const { store, bus, logger, prefix, topic } = setup();
    await appendCases(store, 3);
    const got = await collect(bus, topic);
    const a = await startRelay({
      store,
      bus,
      logger,
      name: 'relay-q',
      topicPrefix: prefix,
      idleMs: 20,
      standbyPollMs: 50,
    });
    const b = await startRelay({
      store,
      bus,
      logger,
      name: 'relay-q',
      topicPrefix: prefix,
      idleMs: 20,
      standbyPollMs: 50,
    });
    cleanups.push(() => b.stop());
    await a.caughtUp();
    expect([a.status().state, b.status().state]).toEqual(['leader', 'standby']);
    expect([relayReadiness(a), relayReadiness(b)]).toEqual([
      { ok: true, check: 'leader' },
      { ok: true, check: 'standby' },
    ]);
    await expect.poll(() => got.length, POLL).toBe(12);

    await a.stop();
    expect(a.status().state).toBe('stopped');
    await expect.poll(() => b.status().state, POLL).toBe('leader');
    await appendCases(store, 2);
    const last = await b.caughtUp();
    const events = await allEvents(store);
    expect(last).toBe(events.at(-1)!.position);
    await expect.poll(() => got.length, POLL).toBe(events.length);
    // Each event once: the standby started from the checkpoint its predecessor left.
    expect(got.map((m) => m.headers[RELAY_HEADERS.eventId])).toEqual(events.map((e) => e.id));
  });

  it('steps aside when another writer moved its checkpoint, and leads again from where that one left it', async () => {
    const { store, bus: inner, logger, lines, prefix, topic } = setup();
    let gate: (() => void) | null = null;
    let held = 0;
    const bus: MessageBus = {
      ensureTopics: (t) => inner.ensureTopics(t),
      consume: (o) => inner.consume(o),
      close: () => inner.close(),
      publish: async (t, messages) => {
        if (gate === null && held === 0) {
          held++;
          await new Promise<void>((resolve) => (gate = resolve));
        }
        await inner.publish(t, messages);
      },
    };
    await appendCases(store, 2);
    const got = await collect(inner, topic);
    const relay = await startRelay({
      store,
      bus,
      logger,
      name: 'relay-s',
      topicPrefix: prefix,
      idleMs: 20,
      standbyPollMs: 50,
    });
    cleanups.push(() => relay.stop());
    await expect.poll(() => gate !== null, POLL).toBe(true);
    // Meanwhile another writer (a relay that believed it led) published everything and moved the checkpoint.
    const events = await allEvents(store);
    await store.checkpoints.store('relay-s', events.at(-1)!.position, null);
    gate!();
    await expect
      .poll(
        () =>
          lines.some(
            (l) => l.msg === 'relay checkpoint moved by another relay: this one stands by',
          ),
        POLL,
      )
      .toBe(true);
    await expect.poll(() => relay.status().state, POLL).toBe('leader');
    const later = await appendCases(store, 1);
    await expect.poll(() => got.filter((m) => m.key === later[0]).length, POLL).toBe(4);
    expect(await relay.caughtUp()).toBe((await allEvents(store)).at(-1)!.position);
    expect(await store.checkpoints.load('relay-s')).toBe((await allEvents(store)).at(-1)!.position);
  });

  it('publishes in pieces bounded by count and by bytes', async () => {
    const { store, bus: inner, logger, prefix, topic } = setup();
    await appendCases(store, 10); // 40 events of a few hundred bytes
    const { bus, publishes } = recording(inner);
    const got = await collect(inner, topic);
    const relay = await startRelay({
      store,
      bus,
      logger,
      topicPrefix: prefix,
      idleMs: 20,
      batchSize: 100,
      maxPublishMessages: 7,
      maxPublishBytes: 2_000,
    });
    cleanups.push(() => relay.stop());
    await relay.caughtUp();
    const events = await allEvents(store);
    expect(publishes.reduce((s, p) => s + p.count, 0)).toBe(events.length);
    expect(Math.max(...publishes.map((p) => p.count))).toBeLessThanOrEqual(7);
    expect(Math.max(...publishes.map((p) => p.bytes))).toBeLessThanOrEqual(2_000);
    expect(publishes.length).toBeGreaterThan(events.length / 7);
    await expect.poll(() => got.length, POLL).toBe(events.length);
    expect(got.map((m) => m.headers[RELAY_HEADERS.eventId])).toEqual(events.map((e) => e.id));
  });

  it('parks in front of a message above its limit: one error naming the event, nothing after it published, checkpoint just before it', async () => {
    const { store, bus, logger, lines, prefix, topic } = setup();
    const [first] = await appendCases(store, 1);
    const big = `quarantine-${randomUUID()}`;
    const [started] = quarantineCase(big, 0);
    await store.append(
      big,
      [{ ...started!, data: { ...(started!.data as object), note: 'x'.repeat(5_000) } }],
      { expectedRevision: 'no-stream' },
    );
    await appendCases(store, 2);
    const got = await collect(bus, topic);
    const relay = await startRelay({
      store,
      bus,
      logger,
      name: 'relay-p',
      topicPrefix: prefix,
      idleMs: 20,
      maxMessageBytes: 4_000,
    });
    cleanups.push(() => relay.stop());
    await expect.poll(() => relay.status().state, POLL).toBe('parked');
    const events = await allEvents(store);
    const bigEvent = events.find((e) => e.streamId === big)!;
    const status = relay.status();
    expect(status.parkedOn).toMatchObject({
      eventId: bigEvent.id,
      streamId: big,
      position: bigEvent.position,
    });
    await new Promise((r) => setTimeout(r, 300));
    // Published up to it, nothing from it on; the checkpoint is the event before it.
    expect(got.map((m) => m.key)).toEqual(
      events.filter((e) => e.streamId === first).map((e) => e.streamId),
    );
    expect(await store.checkpoints.load('relay-p')).toBe(
      events[events.indexOf(bigEvent) - 1]!.position,
    );
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      parkedOn: { eventId: bigEvent.id, streamId: big, position: bigEvent.position },
    });
    expect(JSON.stringify(errors[0])).not.toContain('xxxxxxxx');
    expect(await relay.caughtUp()).toBe(status.checkpoint);
    // What a service's /ready says: not ready, naming the event.
    expect(relayReadiness(relay)).toEqual({
      ok: false,
      check: expect.stringContaining(`parked on event ${bigEvent.id}`),
    });
  });
});
