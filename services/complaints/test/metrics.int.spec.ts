import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { uuidv7 } from '@fangyi/contracts';
import { SqliteEventStore } from '@fangyi/eventstore';
import { logSource, type RunningProcessor } from '@fangyi/processors';
import { InMemoryProjectionStore } from '@fangyi/projections';
import {
  createMetrics,
  instrumentEventStore,
  registerProcessorMetrics,
  type ServiceApp,
} from '@fangyi/service-kit';
import {
  TEST_AUTH_SECRET,
  TEST_NAMING_KEY,
  authHeader,
  testUser,
  testVault,
} from '@fangyi/testkit';
import { registerHousehold } from './residents.ts';
import {
  buildComplaintsApp,
  complaintPolicyFromEnv,
  startComplaintsReadModel,
  startHouseholdDirectory,
  type HouseholdDirectory,
} from '../src/index.ts';

/**
 * /metrics after a known workload, wired as the composition root wires it: HTTP requests by route
 * and status, append latency and size, events recorded by type, and the list processor's figures.
 */
const now = new Date('2020-02-03T01:30:00.000Z');
const handler = authHeader(testUser('complaint-handler', ['kutao'], 'handler-kutao'));

/** One sample's value from the text format, by metric name and exact labels (service label aside). */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]),
    );
    const { service: _service, ...rest } = found;
    if (
      JSON.stringify(Object.entries(rest).sort()) === JSON.stringify(Object.entries(labels).sort())
    )
      return Number(m[3]);
  }
  return undefined;
}

describe('metrics of the complaints service (SQLite event store, list kept from its log)', () => {
  let dir: string;
  let app: ServiceApp;
  let readModel: RunningProcessor;
  let households: HouseholdDirectory;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fangyi-metrics-'));
    const metrics = createMetrics({ service: 'complaints', defaultMetrics: false });
    const eventStore = instrumentEventStore(
      new SqliteEventStore({ path: join(dir, 'events.db'), clock: () => now }),
      metrics,
    );
    await registerHousehold(eventStore, 'h-kutao-1', 'kutao');
    const logger = pino({ level: 'silent' });
    readModel = await startComplaintsReadModel({
      source: logSource({ eventStore, idleMs: 20 }),
      store: new InMemoryProjectionStore(),
      logger,
    });
    households = await startHouseholdDirectory({ eventStore, logger });
    registerProcessorMetrics(metrics, () => [readModel.status(), households.status()]);
    app = buildComplaintsApp({
      eventStore,
      clock: () => now,
      newId: () => uuidv7(now.getTime()),
      policy: complaintPolicyFromEnv({ FANGYI_COMPLAINT_HANDLERS: 'kutao=handler-kutao' }),
      households,
      vault: testVault().vault,
      namingKey: TEST_NAMING_KEY,
      timeZone: 'Asia/Shanghai',
      logger,
      authSecret: TEST_AUTH_SECRET,
      metrics,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await readModel.stop();
    await households.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts what was done: 3 filings and a triage by route and status, a refusal, their events by type, the appends, the list processor', async () => {
    const body = {
      channel: 'phone',
      category: 'sanitation',
      community: 'kutao',
      description: '垃圾未清运',
      reporter: { anonymous: true },
      receivedAt: '2020-02-03T09:00:00+08:00',
    };
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/complaints',
        headers: handler,
        payload: body,
      });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json<{ complaintId: string }>().complaintId);
    }
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/complaints',
          headers: handler,
          payload: { ...body, category: '?' },
        })
      ).statusCode,
    ).toBe(400);
    const triage = await app.inject({
      method: 'POST',
      url: `/complaints/${ids[0]}/triage`,
      headers: handler,
      payload: { assignee: 'handler-kutao', agency: 'community', priority: 'normal' },
    });
    expect(triage.statusCode, triage.body).toBe(200);
    await readModel.caughtUp();

    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(
      sample(text, 'fangyi_http_requests_total', {
        method: 'POST',
        route: '/complaints',
        status: '201',
      }),
    ).toBe(3);
    expect(
      sample(text, 'fangyi_http_requests_total', {
        method: 'POST',
        route: '/complaints',
        status: '400',
      }),
    ).toBe(1);
    // By the route's pattern, never the id in the path.
    expect(
      sample(text, 'fangyi_http_requests_total', {
        method: 'POST',
        route: '/complaints/:complaintId/triage',
        status: '200',
      }),
    ).toBe(1);
    expect(text).not.toContain(ids[0]!);
    expect(
      sample(text, 'fangyi_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/complaints',
        status: '201',
      }),
    ).toBe(3);
    expect(
      sample(text, 'fangyi_events_recorded_total', { type: 'complaints.complaint-filed' }),
    ).toBe(3);
    expect(
      sample(text, 'fangyi_events_recorded_total', { type: 'complaints.complaint-triaged' }),
    ).toBe(1);
    // 4 appends by the routes and the household registered first; a refusal appends nothing.
    expect(sample(text, 'fangyi_event_store_append_duration_seconds_count')).toBe(5);
    expect(sample(text, 'fangyi_event_store_append_events_sum')).toBe(5);
    expect(
      sample(text, 'fangyi_processor_events_handled_total', { processor: readModel.name }),
    ).toBeGreaterThanOrEqual(4);
    expect(
      sample(text, 'fangyi_processor_state', { processor: readModel.name, state: 'running' }),
    ).toBe(1);
  });
});
