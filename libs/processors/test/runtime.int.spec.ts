import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  deadLetterTopic,
  topicFor,
  uuidv7,
  type Envelope,
  type HomeQuarantineStarted,
  type NewEvent,
  type SymptomCheckLogged,
  type SymptomCheckLoggedV1Data,
} from '@fangyi/contracts';
import { SqliteEventStore, catchUpSubscription, type RecordedEvent } from '@fangyi/eventstore';
import {
  InProcessMessageBus,
  toMessage,
  type MessageBus,
  type OutgoingMessage,
} from '@fangyi/messaging';
import {
  applyEvent,
  DLQ_HEADERS,
  InMemoryProjectionStore,
  projectAsOf,
  rebuildFromEventStore,
  type Op,
  type Projection,
  type ProjectionStore,
} from '@fangyi/projections';
import { CheckpointConflictError } from '@fangyi/eventstore';
import {
  busSource,
  logSource,
  policyProcessor,
  readModelProcessor,
  startProcessor,
  type Processor,
  type RunningProcessor,
} from '../src/index.ts';

/** A read model fed from the bus, as the distributed mode's worker runs it. */
const fromBus = (
  projection: Projection,
  store: ProjectionStore,
  bus: MessageBus,
  prefix: string,
  groupId: string,
  logger: Logger,
  clock?: () => Date,
) =>
  startProcessor(
    readModelProcessor(projection, store),
    busSource({ bus, topicPrefix: prefix, groupId: () => groupId, ...(clock ? { clock } : {}) }),
    logger,
  );

// ---- a small projection: counts events per stream, and keeps one document per case ----

interface StreamCount {
  streamId: string;
  events: number;
  lastRevision: number;
  types: string[];
}
interface CaseDoc {
  caseId: string;
  personName: string;
  community: string;
  checks: number;
}

const STARTED = 'quarantine.home-quarantine-started';
const LOGGED = 'quarantine.symptom-check-logged';

function counter(calls = { project: 0 }): Projection & { calls: { project: number } } {
  return {
    name: 'test-counter',
    handles: [STARTED, LOGGED],
    calls,
    async project(event, read) {
      calls.project++;
      const prev = await read.get<StreamCount>('streams', event.streamId);
      const ops: Op[] = [
        {
          op: 'put',
          collection: 'streams',
          id: event.streamId,
          doc: {
            streamId: event.streamId,
            events: (prev?.events ?? 0) + 1,
            lastRevision: event.streamRevision,
            types: [...(prev?.types ?? []), event.type],
          },
        },
      ];
      if (event.type === STARTED) {
        const d = event.data as HomeQuarantineStarted;
        ops.push({
          op: 'put',
          collection: 'cases',
          id: d.caseId,
          doc: { caseId: d.caseId, personName: d.personName, community: d.community, checks: 0 },
        });
      } else {
        const d = event.data as SymptomCheckLogged;
        const c = await read.get<CaseDoc>('cases', d.caseId);
        if (c)
          ops.push({
            op: 'put',
            collection: 'cases',
            id: d.caseId,
            doc: { ...c, checks: c.checks + 1 },
          });
      }
      return ops;
    },
  };
}

// ---- events: real registered types with valid data ----

function startedData(caseId: string): HomeQuarantineStarted {
  return {
    caseId,
    personId: `person-${caseId}`,
    personName: '张三',
    community: 'donghu',
    startDate: '2026-02-01',
    endDate: '2026-02-14',
    periodDays: 14,
    reason: 'close-contact',
    assignedCaller: 'caller-7',
  };
}
function loggedData(caseId: string, temperatureC = 38.1): SymptomCheckLoggedV1Data {
  return {
    caseId,
    checkId: uuidv7(),
    date: '2026-02-01',
    slot: 'am',
    temperatureC,
    symptoms: ['cough'],
    reachedVia: 'phone',
    abnormal: true,
  };
}
function newEvent(type: string, data: unknown): NewEvent {
  return {
    id: uuidv7(),
    type,
    schemaVersion: 1,
    occurredAt: '2026-02-01T08:30:00.000+08:00',
    actor: { id: 'caller-7', role: 'caller' },
    correlationId: randomUUID(),
    causationId: null,
    data,
  };
}
function envelope(
  type: string,
  data: unknown,
  streamId: string,
  streamRevision: number,
  recordedAt = '2026-02-01T00:31:00.000Z',
): Envelope {
  return { ...newEvent(type, data), streamId, streamRevision, recordedAt };
}
const message = (e: Envelope, headers: Record<string, string> = {}): OutgoingMessage => ({
  key: e.streamId,
  value: JSON.stringify(e),
  headers,
});

// ---- logs and bus, observable ----

function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

/** The in-process bus, with every publish to a dead-letter topic kept for inspection. */
function recordingBus(
  inner: MessageBus,
): MessageBus & { deadLettered: { topic: string; message: OutgoingMessage }[] } {
  const deadLettered: { topic: string; message: OutgoingMessage }[] = [];
  return {
    deadLettered,
    async publish(topic, messages) {
      if (topic.endsWith('.dlq'))
        for (const m of messages) deadLettered.push({ topic, message: m });
      await inner.publish(topic, messages);
    },
    consume: (options) => inner.consume(options),
    ensureTopics: (topics) => inner.ensureTopics(topics),
    close: () => inner.close(),
  };
}

describe('applyEvent', () => {
  it('applies, then skips a redelivered revision without calling project', async () => {
    const projection = counter();
    const store = new InMemoryProjectionStore();
    const s = `case-${randomUUID()}`;
    const e0 = envelope(STARTED, startedData(s), s, 0);
    expect(await applyEvent(projection, store, e0)).toBe('applied');
    expect(await applyEvent(projection, store, e0)).toBe('duplicate');
    expect(projection.calls.project).toBe(1);
    expect(await store.get('streams', s)).toMatchObject({ events: 1, lastRevision: 0 });
  });

  it('ignores event types the projection does not read, recording nothing', async () => {
    const projection = counter();
    const store = new InMemoryProjectionStore();
    const s = `case-${randomUUID()}`;
    const raised = envelope('quarantine.escalation-raised', {}, s, 0);
    expect(await applyEvent(projection, store, raised)).toBe('ignored');
    expect(projection.calls.project).toBe(0);
    expect(await store.appliedRevision(s)).toBeNull();
  });

  // Ignored event types leave gaps too, so a gap is logged for diagnosis (debug), not warned about.
  it('applies an event after a gap in revisions and logs the stream and both revisions', async () => {
    const { logger, lines } = capturingLogger();
    const store = new InMemoryProjectionStore();
    const s = `case-${randomUUID()}`;
    await applyEvent(counter(), store, envelope(STARTED, startedData(s), s, 0), logger);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(0);
    expect(await applyEvent(counter(), store, envelope(LOGGED, loggedData(s), s, 3), logger)).toBe(
      'applied',
    );
    expect(lines.find((l) => l.level === 20 && String(l.msg).includes('gap'))).toMatchObject({
      streamId: s,
      appliedRevision: 0,
      revision: 3,
    });
    expect(await store.get('cases', s)).toMatchObject({ checks: 1 });
  });
});

describe('a read model fed from the bus (in-process)', () => {
  const running: RunningProcessor[] = [];
  const buses: MessageBus[] = [];
  const setup = (
    store: ProjectionStore = new InMemoryProjectionStore(),
    at = new Date('2026-02-01T09:00:00.000Z'),
  ) => {
    const { logger, lines } = capturingLogger();
    const inner = new InProcessMessageBus({ logger, handlerRetryMs: 5 });
    const bus = recordingBus(inner);
    buses.push(bus);
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const topic = topicFor('quarantine', prefix);
    const start = async () => {
      const r = await fromBus(
        counter(),
        store,
        bus,
        prefix,
        `roster-${randomUUID()}`,
        logger,
        () => at,
      );
      running.push(r);
      return r;
    };
    return { store, bus, topic, lines, start };
  };
  afterEach(async () => {
    for (const r of running.splice(0)) await r.stop();
    for (const b of buses.splice(0)) await b.close();
  });

  it('changes nothing when events are delivered twice', async () => {
    const { store, bus, topic, start } = setup();
    const s = `case-${randomUUID()}`;
    const e0 = envelope(STARTED, startedData(s), s, 0);
    const e1 = envelope(LOGGED, loggedData(s), s, 1);
    const done = `done-${randomUUID()}`;
    await start();
    await bus.publish(topic, [message(e0), message(e0), message(e1), message(e1), message(e0)]);
    await bus.publish(topic, [message(envelope(STARTED, startedData(done), done, 0))]);
    await expect.poll(() => store.get('streams', done)).not.toBeNull();
    expect(await store.get('streams', s)).toEqual({
      streamId: s,
      events: 2,
      lastRevision: 1,
      types: [STARTED, LOGGED],
    });
    expect(await store.get('cases', s)).toMatchObject({ checks: 1 });
    expect(bus.deadLettered).toEqual([]);
  });

  it('dead-letters malformed JSON and invalid envelopes with the reason, and goes on to the next message', async () => {
    const at = new Date('2026-02-01T09:00:00.000Z');
    const { store, bus, topic, lines, start } = setup(undefined, at);
    const s = `case-${randomUUID()}`;
    const badData = envelope(STARTED, { ...startedData(s), personName: '' }, s, 0);
    const badEnvelope = { ...envelope(STARTED, startedData(s), s, 0), id: 'not-a-uuid' };
    const unhandled = envelope(
      'quarantine.something-newer',
      { whatever: 1 },
      `other-${randomUUID()}`,
      0,
    );
    const good = envelope(STARTED, startedData(s), s, 0);
    await start();
    await bus.publish(topic, [
      { key: s, value: '{"id": "oops', headers: { 'fangyi-type': STARTED } },
      message(badData),
      { key: s, value: JSON.stringify(badEnvelope) },
      message(unhandled),
      message(good),
    ]);
    await expect.poll(() => store.get('streams', s)).toMatchObject({ events: 1 });

    expect(bus.deadLettered.map((d) => d.topic)).toEqual([
      deadLetterTopic(topic),
      deadLetterTopic(topic),
      deadLetterTopic(topic),
    ]);
    const [json, data, env] = bus.deadLettered.map((d) => d.message);
    expect(json).toMatchObject({ key: s, value: '{"id": "oops' });
    expect(json!.headers).toEqual({
      'fangyi-type': STARTED,
      [DLQ_HEADERS.reason]: expect.stringMatching(/^invalid JSON/),
      [DLQ_HEADERS.sourceTopic]: topic,
      [DLQ_HEADERS.sourcePartition]: '0',
      [DLQ_HEADERS.sourceOffset]: '0',
      [DLQ_HEADERS.failedAt]: at.toISOString(),
      [DLQ_HEADERS.group]: expect.stringMatching(/^roster-/),
    });
    expect(data).toMatchObject({ key: s, value: JSON.stringify(badData) });
    expect(data!.headers![DLQ_HEADERS.reason]).toMatch(
      /invalid data for quarantine.home-quarantine-started: data.personName/,
    );
    expect(data!.headers![DLQ_HEADERS.sourceOffset]).toBe('1');
    expect(env!.headers![DLQ_HEADERS.reason]).toMatch(/invalid envelope: id: must be a UUIDv7/);
    expect(env!.headers![DLQ_HEADERS.sourceOffset]).toBe('2');

    const warnings = lines.filter((l) => l.msg === 'poison message dead-lettered');
    expect(warnings).toHaveLength(3);
    expect(warnings[1]).toMatchObject({
      level: 40,
      processor: 'test-counter',
      kind: 'invalid-envelope',
      paths: ['data.personName'],
      offset: '1',
    });
    // The payload (a person's name here) stays out of the logs.
    expect(JSON.stringify(lines)).not.toContain('张三');
  });

  it('leaves a message for redelivery, not the dead-letter topic, when the store fails', async () => {
    const inner = new InMemoryProjectionStore();
    let failures = 2;
    let attempts = 0;
    const flaky: ProjectionStore = Object.assign(Object.create(inner) as InMemoryProjectionStore, {
      async commit(streamId: string, revision: number, ops: readonly Op[]) {
        attempts++;
        if (failures-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
        return inner.commit(streamId, revision, ops);
      },
    });
    const { bus, topic, lines, start } = setup(flaky);
    const s = `case-${randomUUID()}`;
    await start();
    await bus.publish(topic, [
      message(envelope(STARTED, startedData(s), s, 0)),
      message(envelope(LOGGED, loggedData(s), s, 1)),
    ]);
    await expect.poll(() => inner.get('cases', s)).toMatchObject({ checks: 1 });
    expect(attempts).toBe(4);
    expect(bus.deadLettered).toEqual([]);
    expect(await inner.get('streams', s)).toMatchObject({ events: 2 });
    expect(
      lines.filter((l) => l.msg === 'handling an event failed: leaving it for redelivery'),
    ).toHaveLength(2);
    expect(lines.find((l) => l.level === 50)).toMatchObject({
      processor: 'test-counter',
      streamId: s,
      type: STARTED,
    });
  });
});

describe('a processor whose consumer group joins in the background', () => {
  it('reports starting while the bus refuses it, then joins and handles what was published meanwhile', async () => {
    const { logger } = capturingLogger();
    const inner = new InProcessMessageBus({ logger, handlerRetryMs: 5 });
    let refusals = 2;
    const down: MessageBus = {
      publish: (topic, messages) => inner.publish(topic, messages),
      ensureTopics: async (topics) => {
        if (refusals > 0) {
          refusals--;
          throw new Error('connect ECONNREFUSED 127.0.0.1:9092');
        }
        await inner.ensureTopics(topics);
      },
      consume: (options) => inner.consume(options),
      close: () => inner.close(),
    };
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const store = new InMemoryProjectionStore();
    const r = await startProcessor(
      readModelProcessor(counter(), store),
      busSource({ bus: down, topicPrefix: prefix, join: 'background' }),
      logger,
    );
    try {
      expect(r.status()).toMatchObject({ state: 'starting' });
      const s = `case-${randomUUID()}`;
      await inner.publish(topicFor('quarantine', prefix), [
        message(envelope(STARTED, startedData(s), s, 0)),
      ]);
      await expect.poll(() => r.status().lastError).toBe('connect ECONNREFUSED 127.0.0.1:9092');
      await expect.poll(() => store.get('cases', s), { timeout: 10_000 }).not.toBeNull();
      expect(r.status()).toMatchObject({ state: 'running', failingSince: null });
    } finally {
      await r.stop();
      await inner.close();
    }
    expect(r.status().state).toBe('stopped');
  });
});

describe('rebuild from the event store', () => {
  let dir: string;
  let eventStore: SqliteEventStore;
  let now = new Date('2026-02-01T00:00:00.000Z');
  const T1 = new Date('2026-02-01T00:00:00.000Z');
  const T2 = new Date('2026-02-02T00:00:00.000Z');
  const streams = {
    a: `case-${randomUUID()}`,
    b: `case-${randomUUID()}`,
    c: `case-${randomUUID()}`,
  };
  let all: RecordedEvent[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-projections-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now });
    now = T1;
    await eventStore.append(
      streams.a,
      [newEvent(STARTED, startedData(streams.a)), newEvent(LOGGED, loggedData(streams.a))],
      { expectedRevision: 'no-stream' },
    );
    await eventStore.append(streams.b, [newEvent(STARTED, startedData(streams.b))], {
      expectedRevision: 'no-stream',
    });
    await eventStore.append(
      streams.a,
      [newEvent('quarantine.escalation-raised', { caseId: streams.a })],
      { expectedRevision: 1 },
    );
    now = T2;
    await eventStore.append(streams.a, [newEvent(LOGGED, loggedData(streams.a, 36.6))], {
      expectedRevision: 2,
    });
    // Stored without validation at some point: live it is dead-lettered, in a rebuild skipped.
    await eventStore.append(
      streams.b,
      [
        newEvent(LOGGED, { caseId: streams.b, temperatureC: 'hot' }),
        newEvent(LOGGED, loggedData(streams.b)),
      ],
      {
        expectedRevision: 0,
      },
    );
    await eventStore.append(
      streams.c,
      [newEvent(STARTED, startedData(streams.c)), newEvent('quarantine.not-yet-invented', {})],
      { expectedRevision: 'no-stream' },
    );
    all = await eventStore.readAll({ limit: 1000 });
  });
  afterAll(async () => {
    await eventStore?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function live(): Promise<InMemoryProjectionStore> {
    const { logger } = capturingLogger();
    const bus = new InProcessMessageBus({ logger, handlerRetryMs: 5 });
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const topic = topicFor('quarantine', prefix);
    const store = new InMemoryProjectionStore();
    const r = await fromBus(counter(), store, bus, prefix, 'live', logger);
    await bus.publish(topic, all.map(toMessage));
    await expect.poll(() => store.get<CaseDoc>('cases', streams.b)).toMatchObject({ checks: 1 });
    await expect.poll(() => store.appliedRevision(streams.c)).toBe(0);
    await r.stop();
    await bus.close();
    return store;
  }

  it('yields the same documents and revisions as live application, from a wiped store', async () => {
    const fromBus = await live();
    const rebuilt = new InMemoryProjectionStore();
    await rebuilt.commit('stale-stream', 7, [
      { op: 'put', collection: 'cases', id: 'stale', doc: { stale: true } },
    ]);
    const { logger, lines } = capturingLogger();
    const result = await rebuildFromEventStore({
      projection: counter(),
      store: rebuilt,
      eventStore,
      logger,
      batchSize: 2,
    });

    expect(result).toEqual({
      applied: 6,
      ignored: 2,
      skipped: 1,
      position: all[all.length - 1]!.position,
    });
    expect(await rebuilt.list('cases')).toEqual(await fromBus.list('cases'));
    expect(await rebuilt.list('streams')).toEqual(await fromBus.list('streams'));
    for (const s of [...Object.values(streams), 'stale-stream'])
      expect(await rebuilt.appliedRevision(s)).toBe(await fromBus.appliedRevision(s));
    expect(await rebuilt.get('cases', 'stale')).toBeNull();
    expect(await rebuilt.get('streams', streams.a)).toMatchObject({ events: 3, lastRevision: 3 });
    expect(lines.find((l) => l.msg === 'event fails validation: skipped')).toMatchObject({
      level: 40,
      streamId: streams.b,
      type: LOGGED,
    });
    // Gaps, logged with the stream and both revisions: a2 is of a type this projection ignores
    // (ignoring records nothing), b1 failed validation.
    expect(lines.filter((l) => String(l.msg).startsWith('gap'))).toEqual([
      expect.objectContaining({
        projection: 'test-counter',
        streamId: streams.a,
        type: LOGGED,
        appliedRevision: 1,
        revision: 3,
      }),
      expect.objectContaining({
        projection: 'test-counter',
        streamId: streams.b,
        type: LOGGED,
        appliedRevision: 0,
        revision: 2,
      }),
    ]);
  });

  it('then lets the live consumer replay the topic from the beginning without applying anything twice', async () => {
    const { logger } = capturingLogger();
    const store = new InMemoryProjectionStore();
    await rebuildFromEventStore({ projection: counter(), store, eventStore, logger });
    const before = { cases: await store.list('cases'), streams: await store.list('streams') };
    const projection = counter();
    const bus = new InProcessMessageBus({ logger, handlerRetryMs: 5 });
    const prefix = `t${randomUUID().slice(0, 8)}`;
    const topic = topicFor('quarantine', prefix);
    await bus.publish(topic, all.map(toMessage));
    const r = await fromBus(projection, store, bus, prefix, 'after-rebuild', logger);
    const done = `done-${randomUUID()}`;
    await bus.publish(topic, [message(envelope(STARTED, startedData(done), done, 0))]);
    await expect.poll(() => store.get('streams', done)).not.toBeNull();
    await r.stop();
    await bus.close();
    expect(projection.calls.project).toBe(1);
    expect((await store.list<StreamCount>('streams')).filter((d) => d.streamId !== done)).toEqual(
      before.streams,
    );
    expect((await store.list<CaseDoc>('cases')).filter((d) => d.caseId !== done)).toEqual(
      before.cases,
    );
  });

  it('answers "as of T" from the events recorded by T only', async () => {
    const early = await projectAsOf({
      projection: counter(),
      eventStore,
      asOf: new Date(T1.getTime() + 60_000),
    });
    expect(early).toBeInstanceOf(InMemoryProjectionStore);
    expect(await early.get('streams', streams.a)).toMatchObject({ events: 2, lastRevision: 1 });
    expect(await early.get('cases', streams.a)).toMatchObject({ checks: 1 });
    expect(await early.get('cases', streams.b)).toMatchObject({ checks: 0 });
    expect(await early.get('cases', streams.c)).toBeNull();

    // recordedAt ≤ T: an event recorded exactly at T counts.
    const atT2 = await projectAsOf({ projection: counter(), eventStore, asOf: T2 });
    expect(await atT2.get('cases', streams.c)).not.toBeNull();

    const given = new InMemoryProjectionStore();
    await given.commit('leftover', 0, [
      { op: 'put', collection: 'cases', id: 'leftover', doc: {} },
    ]);
    const before = await projectAsOf({
      projection: counter(),
      eventStore,
      asOf: new Date(T1.getTime() - 1),
      store: given,
    });
    expect(before).toBe(given);
    expect(await given.list('cases')).toEqual([]);
    expect(await given.list('streams')).toEqual([]);
  });
});

describe("processors on the event store's log", () => {
  let dir: string;
  let eventStore: SqliteEventStore;
  const silent = pino({ level: 'silent' });
  const running: RunningProcessor[] = [];
  const start = async (
    processor: Processor,
    store: SqliteEventStore = eventStore,
    idleMs = 60_000,
    batchSize?: number,
  ) => {
    const r = await startProcessor(
      processor,
      logSource({ eventStore: store, idleMs, ...(batchSize ? { batchSize } : {}) }),
      silent,
    );
    running.push(r);
    return r;
  };
  const appendCase = async (checks = 0) => {
    const caseId = `case-${randomUUID()}`;
    await eventStore.append(
      caseId,
      [
        newEvent(STARTED, startedData(caseId)),
        ...Array.from({ length: checks }, () => newEvent(LOGGED, loggedData(caseId))),
      ],
      { expectedRevision: 'no-stream' },
    );
    return caseId;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-processors-'));
    eventStore = new SqliteEventStore({ path: join(dir, 'events.db') });
  });
  afterEach(async () => {
    for (const r of running.splice(0)) await r.stop();
  });
  afterAll(async () => {
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a read model shows at once every write made before caughtUp(), with a background poll of a minute', async () => {
    const store = new InMemoryProjectionStore();
    const r = await start(readModelProcessor(counter(), store), eventStore, 60_000, 2);
    const caseId = await appendCase(2);
    await r.caughtUp();
    expect(await store.get<CaseDoc>('cases', caseId)).toMatchObject({ checks: 2 });
    await eventStore.append(caseId, [newEvent(LOGGED, loggedData(caseId))], {
      expectedRevision: 2,
    });
    await r.caughtUp();
    expect(await store.get<CaseDoc>('cases', caseId)).toMatchObject({ checks: 3 });
    expect(r.status()).toMatchObject({
      name: 'test-counter',
      source: 'event-store',
      state: 'running',
      failingSince: null,
    });
    // Its place is kept with its documents: the position of the last event read.
    expect(await store.checkpoints.load('test-counter')).toBe(
      (await eventStore.readAll({ limit: 100_000 })).at(-1)!.position,
    );
  });

  it('caughtUp() calls made while a batch is under way also see what was written after it began, and nothing is handled twice', async () => {
    const store = new InMemoryProjectionStore();
    const calls = { project: 0 };
    const r = await start(readModelProcessor(counter(calls), store));
    const first = r.caughtUp();
    const caseId = await appendCase();
    const second = r.caughtUp();
    const third = r.caughtUp();
    await Promise.all([first, second, third]);
    expect(await store.get<CaseDoc>('cases', caseId)).toMatchObject({ checks: 0 });
    const streams = await store.list<StreamCount>('streams');
    expect(calls.project).toBe(streams.reduce((n, s) => n + s.events, 0));
  });

  it('keeps up in the background, and refuses caughtUp() once stopped', async () => {
    const store = new InMemoryProjectionStore();
    const r = await start(readModelProcessor(counter(), store), eventStore, 20);
    const caseId = await appendCase();
    await expect
      .poll(() => store.get<CaseDoc>('cases', caseId), { timeout: 5_000 })
      .toMatchObject({ checks: 0 });
    await r.stop();
    expect(r.status().state).toBe('stopped');
    await expect(r.caughtUp()).rejects.toThrow(/not running/);
  });

  it('a failing batch is retried, never skipped: the processor reports failing, then catches up', async () => {
    const store = new InMemoryProjectionStore();
    let failures = 2;
    const flaky = Object.create(eventStore) as SqliteEventStore;
    flaky.readAll = async (options) => {
      if (failures-- > 0) throw new Error('connection reset');
      return eventStore.readAll(options);
    };
    flaky.subscribeToAll = (options) =>
      catchUpSubscription((after, limit) => flaky.readAll({ after, limit }), options);
    const caseId = await appendCase();
    const r = await start(readModelProcessor(counter(), store), flaky, 20);
    await expect.poll(() => r.status().state).toBe('failing');
    expect(r.status().lastError).toBe('connection reset');
    await r.caughtUp();
    expect(await store.get<CaseDoc>('cases', caseId)).toMatchObject({ checks: 0 });
    expect(r.status()).toMatchObject({ state: 'running', failingSince: null });
  });

  it('a policy resumes from its durable checkpoint after a restart: what it handled before is not handled again', async () => {
    const name = `policy-${randomUUID()}`;
    const seen: string[] = [];
    const policy = policyProcessor({
      name,
      handles: [STARTED],
      react: async (event) => void seen.push((event.data as HomeQuarantineStarted).caseId),
    });
    const before = [await appendCase(), await appendCase()];
    const first = await start(policy);
    await first.caughtUp();
    await first.stop();
    const later = [await appendCase(), await appendCase()];
    // A new process on the same file: the checkpoint is in the event store, not in memory.
    const reopened = new SqliteEventStore({ path: join(dir, 'events.db') });
    try {
      const second = await start(
        policyProcessor({
          name,
          handles: [STARTED],
          react: async (event) => void seen.push((event.data as HomeQuarantineStarted).caseId),
        }),
        reopened,
      );
      await second.caughtUp();
      await second.stop();
    } finally {
      await reopened.close();
    }
    const mine = new Set([...before, ...later]);
    expect(seen.filter((c) => mine.has(c))).toEqual([...before, ...later]);
    expect(await eventStore.checkpoints.load(name)).toBe(
      (await eventStore.readAll({ limit: 100_000 })).at(-1)!.position,
    );
  });

  it('a policy whose reaction fails is retried on the same event; later events wait, none is lost', async () => {
    const name = `policy-${randomUUID()}`;
    const seen: string[] = [];
    let failures = 3;
    const caseIds = [await appendCase(), await appendCase()];
    const mine = new Set(caseIds);
    const r = await start(
      policyProcessor({
        name,
        handles: [STARTED],
        react: async (event) => {
          const caseId = (event.data as HomeQuarantineStarted).caseId;
          if (!mine.has(caseId)) return;
          if (caseId === caseIds[0] && failures-- > 0) throw new Error('database is locked');
          seen.push(caseId);
        },
      }),
      eventStore,
      20,
    );
    await r.caughtUp();
    expect(seen).toEqual(caseIds);
    expect(failures).toBe(-1);
  });

  it('a second reader under the same name is refused by the checkpoint and steps aside', async () => {
    const name = `policy-${randomUUID()}`;
    const noop = () => policyProcessor({ name, handles: [STARTED], react: async () => {} });
    await appendCase();
    const live = await start(noop(), eventStore, 20);
    await live.caughtUp();
    // A stale reader: it believes nothing is stored under the name yet.
    const stale = await startProcessor(
      noop(),
      logSource({
        eventStore: Object.assign(Object.create(eventStore) as SqliteEventStore, {
          checkpoints: { load: async () => null, store: eventStore.checkpoints.store },
        }),
        idleMs: 20,
      }),
      silent,
    );
    running.push(stale);
    await expect.poll(() => stale.status().state).toBe('stale');
    await appendCase();
    await live.caughtUp();
    expect(live.status().state).toBe('running');
    expect(await eventStore.checkpoints.load(name)).toBe(
      (await eventStore.readAll({ limit: 100_000 })).at(-1)!.position,
    );
    await expect(
      eventStore.checkpoints.store(
        name,
        (await eventStore.readAll({ limit: 1 }))[0]!.position,
        null,
      ),
    ).rejects.toBeInstanceOf(CheckpointConflictError);
  });
});
