import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { RedisProjectionStore } from '@fangyi/projections';
import { businessDate, addDays } from '@fangyi/service-kit/time';
import { ALL_DAY_SLOT_WINDOWS, authHeader, districtFile, testUser } from '@fangyi/testkit';
import { registerPerson } from '../../services/quarantine/test/residents.ts';
import {
  type DistributedStack,
  distributedStack,
  freePort,
  logsOnFailure,
  waitFor,
} from './processes.ts';

/** A span as OTLP/HTTP JSON carries it (ids in hex), with the service that sent it. */
interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
}

// OTLP span kinds.
const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

/** The smallest OTLP/HTTP receiver: it keeps every span POSTed to /v1/traces (JSON). */
function otlpReceiver(spans: ReceivedSpan[]): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (req.url !== '/v1/traces' || !String(req.headers['content-type']).includes('json')) {
        res.writeHead(415).end();
        return;
      }
      type Json = {
        resourceSpans: {
          resource: { attributes: { key: string; value: { stringValue?: string } }[] };
          scopeSpans: { spans: Omit<ReceivedSpan, 'service'>[] }[];
        }[];
      };
      const parsed = JSON.parse(body.toString()) as Json;
      for (const rs of parsed.resourceSpans) {
        const service =
          rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans)
            spans.push({
              service,
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              kind: s.kind,
            });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
}

/**
 * One symptom check's trace across processes on the real parts: the caller's traceparent →
 * the quarantine service's request span → its append to PostgreSQL → the relay's publish to
 * Kafka → the roster worker's projection into Redis, every span exported over OTLP to a receiver
 * the test runs, all in one trace with each span the child of the one before.
 */
describe("a trace runs from the caller's request to the Redis write (PostgreSQL, relay, Kafka, worker, Redis; separate processes)", {
  timeout: 180_000,
}, () => {
  const today = businessDate(new Date());
  const spans: ReceivedSpan[] = [];
  const receiver = otlpReceiver(spans);

  let stack: DistributedStack | undefined;
  let qBase: string;

  const caller = authHeader(testUser('caller', ['moujia'], 'caller-traces'));
  const registrar = authHeader(testUser('registrar', ['moujia'], 'registrar-traces'));

  beforeAll(async () => {
    const otlpPort = await freePort();
    await new Promise<void>((resolve) => receiver.listen(otlpPort, '127.0.0.1', resolve));
    stack = await distributedStack({
      run: 'traces',
      services: ['quarantine', 'worker'],
      env: {
        FANGYI_CONFIG: districtFile({ slotWindows: ALL_DAY_SLOT_WINDOWS }),
        FANGYI_CALLERS: 'moujia=caller-traces',
        LOG_LEVEL: 'info',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    qBase = stack.base('quarantine');
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const post = async (path: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(`${qBase}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('shares one trace id from the request to the projection, each span the child of the one before', async () => {
    const { eventStore, db, schema, redis } = stack!;
    logsOnFailure(() => stack!.processes, 60);
    onTestFailed(() => console.error(`spans received: ${JSON.stringify(spans, null, 1)}`));
    const { personId } = await registerPerson(eventStore, { name: '王芳' });
    const started = await post(
      '/quarantine/cases',
      {
        personId,
        personName: '王芳',
        community: 'moujia',
        startDate: addDays(today, -1),
        reason: 'arrival-from-risk-area',
        assignedCaller: 'caller-traces',
      },
      registrar,
    );
    expect(started.status).toBe(201);
    const caseId = started.body.caseId as string;

    // The caller's own span: the trace the check's request continues.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const logged = await post(
      `/quarantine/cases/${caseId}/checks`,
      { date: today, slot: 'am', temperatureC: 36.6, reachedVia: 'phone' },
      { ...caller, traceparent: `00-${traceId}-${callerSpanId}-01` },
    );
    expect(logged.status).toBe(201);

    const inTrace = (name: (n: string) => boolean) =>
      spans.find((s) => s.traceId === traceId && name(s.name));
    // Each process exports on its own schedule: the worker's span may arrive before the relay's.
    const { request, append, publish, rosterApply } = await waitFor(
      'the four spans of the check',
      async () => {
        const found = {
          request: inTrace((n) => n === 'POST /quarantine/cases/:caseId/checks'),
          append: inTrace((n) => n === 'fangyi.append'),
          publish: inTrace((n) => n === `fangyi.publish ${stack!.topic('quarantine')}`),
          rosterApply: inTrace((n) => n === 'fangyi.apply roster'),
        };
        return Object.values(found).every(Boolean)
          ? (found as { [K in keyof typeof found]: ReceivedSpan })
          : undefined;
      },
      60_000,
      100,
    );

    expect(request).toMatchObject({
      service: 'quarantine',
      kind: SERVER,
      parentSpanId: callerSpanId,
    });
    expect(append).toMatchObject({ service: 'quarantine', parentSpanId: request.spanId });
    expect(publish).toMatchObject({
      service: 'quarantine',
      kind: PRODUCER,
      parentSpanId: append.spanId,
    });
    expect(rosterApply).toMatchObject({
      service: 'roster-worker',
      kind: CONSUMER,
      parentSpanId: publish.spanId,
    });

    // The event keeps the append's trace context in PostgreSQL, and the projection's write is in Redis.
    const { rows } = await db.query<{ traceparent: string | null }>(
      `SELECT traceparent FROM "${schema}".events WHERE stream_id = $1 AND type = 'quarantine.symptom-check-logged'`,
      [`homeQuarantine-${caseId}`],
    );
    expect(rows).toEqual([{ traceparent: `00-${traceId}-${append.spanId}-01` }]);
    const roster = new RedisProjectionStore({ redis, namespace: stack!.namespaces.roster });
    expect(await roster.appliedRevision(`homeQuarantine-${caseId}`)).toBe(1);

    // The case's start came without a traceparent: a trace of its own, not this one.
    const startRequest = spans.find((s) => s.name === 'POST /quarantine/cases')!;
    expect(startRequest.traceId).not.toBe(traceId);
  });
});
