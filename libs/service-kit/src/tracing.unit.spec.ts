import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { EnvelopeSchema, parseEnvelope, uuidv7, type Envelope } from '@fangyi/contracts';
import { SqliteEventStore } from '@fangyi/eventstore';
import { tracedProcessor } from '@fangyi/processors';
import { SpanKind } from '@fangyi/tracing';
import { createTracing, InMemorySpanExporter, type ReadableSpan } from '@fangyi/tracing/sdk';
import { TEST_AUTH_SECRET } from '@fangyi/testkit';
import { createServiceApp, route } from './app.ts';
import { handleCommand, type Decider } from './commandHandler.ts';

const logger = pino({ level: 'silent' });
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;

type Missed = {
  type: 'quarantine.symptom-check-missed';
  data: { caseId: string; date: string; slot: 'am' | 'pm' };
};
const decider: Decider<{ slot: 'am' | 'pm' }, Missed, number> = {
  initialState: () => 0,
  evolve: (n) => n + 1,
  decide: (c) => [
    {
      type: 'quarantine.symptom-check-missed',
      data: { caseId: 'c1', date: '2020-01-29', slot: c.slot },
    },
  ],
};

/** A service app whose one route records a missed check with handleCommand, as every command route does. */
function appWith(eventStore: SqliteEventStore, tracing?: ReturnType<typeof createTracing>) {
  const app = createServiceApp({
    service: 'test',
    logger,
    authSecret: TEST_AUTH_SECRET,
    rateLimit: false,
    ...(tracing ? { tracing } : {}),
  });
  route(app, {
    method: 'POST',
    url: '/cases/:caseId/missed',
    summary: 'record a missed check',
    public: true,
    status: 201,
    handler: async (ctx) => {
      const result = await handleCommand(
        eventStore,
        `homeQuarantine-${(ctx.request.params as { caseId: string }).caseId}`,
        decider,
        { slot: 'am' },
        {
          actor: { id: 'scheduler', role: 'system' },
          correlationId: ctx.request.correlationId,
          occurredAt: new Date('2020-01-29T04:00:00Z'),
          newId: () => uuidv7(),
        },
      );
      return { revision: result.revision };
    },
  });
  return app;
}

const hex = (span: ReadableSpan) => ({
  trace: span.spanContext().traceId,
  span: span.spanContext().spanId,
  parent: span.parentSpanContext?.spanId,
});

describe('trace context in the event metadata', () => {
  const closing: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
  });

  it("keeps the request's trace in the events its command appends: the caller → the request span → the append span → the event", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ service: 'test', exporter });
    const eventStore = new SqliteEventStore({ path: ':memory:' });
    const app = appWith(eventStore, tracing);
    closing.push(
      () => app.close(),
      () => eventStore.close(),
      () => tracing.shutdown(),
    );

    const res = await app.inject({
      method: 'POST',
      url: '/cases/c1/missed',
      headers: { traceparent: TRACEPARENT },
    });
    expect(res.statusCode).toBe(201);
    // Probes are not traced: the platform asks every few seconds.
    expect(
      (await app.inject({ method: 'GET', url: '/health', headers: { traceparent: TRACEPARENT } }))
        .statusCode,
    ).toBe(200);

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual([
      'POST /cases/:caseId/missed',
      'fangyi.append',
    ]);
    const request = spans.find((s) => s.kind === SpanKind.SERVER)!;
    const append = spans.find((s) => s.name === 'fangyi.append')!;
    expect(request.name).toBe('POST /cases/:caseId/missed');
    expect(hex(request)).toMatchObject({ trace: CALLER_TRACE, parent: CALLER_SPAN });
    expect(hex(append)).toMatchObject({
      trace: CALLER_TRACE,
      parent: request.spanContext().spanId,
    });
    expect(request.attributes['http.response.status_code']).toBe(201);

    const [event] = await eventStore.readStream('homeQuarantine-c1');
    expect(event!.traceparent).toBe(`00-${CALLER_TRACE}-${append.spanContext().spanId}-01`);
    // The stored event reads back as a valid envelope, trace context and all.
    expect(parseEnvelope(event).traceparent).toBe(event!.traceparent);
  });

  it('records no trace context when the process does not trace, even if the caller sent one', async () => {
    const eventStore = new SqliteEventStore({ path: ':memory:' });
    const app = appWith(eventStore);
    closing.push(
      () => app.close(),
      () => eventStore.close(),
    );
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/cases/c2/missed',
          headers: { traceparent: TRACEPARENT },
        })
      ).statusCode,
    ).toBe(201);
    const [event] = await eventStore.readStream('homeQuarantine-c2');
    expect(event).not.toHaveProperty('traceparent');
  });

  const envelope = (extra: Partial<Envelope> = {}): Envelope => ({
    id: uuidv7(),
    type: 'quarantine.symptom-check-missed',
    schemaVersion: 1,
    streamId: 'homeQuarantine-c1',
    streamRevision: 0,
    occurredAt: '2020-01-29T04:00:00.000Z',
    recordedAt: '2020-01-29T04:00:01.000Z',
    actor: { id: 'scheduler', role: 'system' },
    correlationId: 'corr-1',
    causationId: null,
    data: { caseId: 'c1', date: '2020-01-29', slot: 'am' },
    ...extra,
  });

  it('reads events recorded before trace context existed, and refuses a malformed traceparent naming the field', () => {
    const old = envelope();
    expect(parseEnvelope(old)).toEqual(old);
    const bad = EnvelopeSchema.safeParse(envelope({ traceparent: 'not-a-trace' }));
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.'))).toEqual(['traceparent']);
  });

  it("continues an event's trace in the processor that applies it, and applies an event without one untraced", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ service: 'worker', exporter });
    closing.push(() => tracing.shutdown());
    const applied: string[] = [];
    const processor = tracedProcessor(
      {
        name: 'roster',
        handles: ['quarantine.symptom-check-missed'],
        handle: async (e) => void applied.push(e.id),
      },
      tracing.tracer,
    );

    const old = envelope();
    const traced = envelope({ traceparent: TRACEPARENT });
    await processor.handle(old, logger);
    await processor.handle(traced, logger);

    expect(applied).toEqual([old.id, traced.id]);
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.name).toBe('fangyi.apply roster');
    expect(spans[0]!.kind).toBe(SpanKind.CONSUMER);
    expect(hex(spans[0]!)).toMatchObject({ trace: CALLER_TRACE, parent: CALLER_SPAN });
  });
});
