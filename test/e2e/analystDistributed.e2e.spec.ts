import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { importClock, importNdjson } from '@fangyi/analyst';
import { TEST_AUTH_SECRET, TEST_MASTER_KEY, TEST_RESERVATION_KEY, authHeader, dropSchema, requireInfra, testUser } from '@fangyi/testkit';
import { REPO_ROOT, ServiceProcess, freePort, waitFor, waitReady } from './processes.ts';

/**
 * The analysts' routes in the distributed mode: the analyst service, its own process on the
 * PostgreSQL event store, behind the gateway at /analyst. The history is the Kutao district as
 * recorded on 2026-12-02 (the analyst's version-1 fixture), imported into a fresh schema.
 */
describe('analysts read the history through the gateway (analyst service on PostgreSQL, separate processes)', { timeout: 180_000 }, () => {
  const databaseUrl = requireInfra('postgres');
  const schema = `fangyi_analyst_${randomUUID().slice(0, 8)}`;
  const analyst = authHeader(testUser('analyst', ['*'], 'analyst-e2e'));
  const caller = authHeader(testUser('caller', ['moujia'], 'caller-e2e'));
  const processes: ServiceProcess[] = [];
  let store: PostgresEventStore;
  let gateway = '';
  let imported = 0;

  beforeAll(async () => {
    const clock = importClock();
    store = await PostgresEventStore.create({ connectionString: databaseUrl, schema, clock: clock.clock });
    const fixture = createReadStream(join(REPO_ROOT, 'services/analyst/test/fixtures/history-v1.ndjson.gz')).pipe(createGunzip());
    imported = (await importNdjson(fixture, store, clock)).events;
    const ports = { analyst: await freePort(), gateway: await freePort(), nobody: await freePort() };
    const url = (p: number) => `http://127.0.0.1:${p}`;
    const secrets = { FANGYI_JWT_SECRET: TEST_AUTH_SECRET, FANGYI_MASTER_KEY: TEST_MASTER_KEY, FANGYI_RESERVATION_KEY: TEST_RESERVATION_KEY, LOG_LEVEL: 'warn' };
    const service = new ServiceProcess('analyst', 'services/analyst/src/main.ts', { ...secrets, PORT: String(ports.analyst), EVENT_STORE_URL: databaseUrl, FANGYI_SCHEMA: schema }).start();
    const proxy = new ServiceProcess('gateway', 'services/gateway/src/main.ts', {
      ...secrets,
      PORT: String(ports.gateway),
      ANALYST_URL: url(ports.analyst),
      // Not started: nothing below asks them.
      ...Object.fromEntries(['QUARANTINE', 'ROSTER', 'RESIDENTS', 'CHECKPOINTS', 'COMPLAINTS', 'STAFF'].map((s) => [`${s}_URL`, url(ports.nobody)])),
    }).start();
    processes.push(service, proxy);
    await waitReady(url(ports.analyst), service);
    gateway = url(ports.gateway);
    await waitFor('the gateway', async () => (await fetch(`${gateway}/health`)).ok, 60_000, 100);
  }, 150_000);

  afterAll(async () => {
    for (const p of processes) await p.stop();
    await store?.close();
    await dropSchema(databaseUrl, schema).catch(() => {});
  });

  it('exports the whole history as NDJSON, one recorded event a line', async () => {
    onTestFailed(() => console.error(processes.map((p) => `---- ${p.name}\n${p.tail()}`).join('\n')));
    const res = await fetch(`${gateway}/analyst/export`, { headers: analyst });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; data: { personId?: string } });
    expect(imported).toBeGreaterThan(1000);
    expect(lines).toHaveLength(imported);
  });

  it("answers one person's timeline and the policy preview, and refuses a caller", async () => {
    const registered = await store.readFiltered({ filter: { types: ['residents.person-registered'] }, limit: 1 });
    const personId = (registered[0]!.data as { personId: string }).personId;
    const timeline = await fetch(`${gateway}/analyst/people/${personId}/timeline`, { headers: analyst });
    expect(timeline.status).toBe(200);
    const body = (await timeline.json()) as { personId: string; entries: { type: string; summary: string }[] };
    expect(body.personId).toBe(personId);
    expect(body.entries.map((e) => e.type)).toContain('residents.person-registered');
    expect(body.entries.every((e) => e.summary.length > 0)).toBe(true);

    const preview = await fetch(`${gateway}/analyst/policy-preview?periodDays=21`, { headers: analyst });
    expect(preview.status).toBe(200);
    const answer = (await preview.json()) as { policies: { preview: { periodDays: number } }; total: { today: { checksDue: number }; preview: { checksDue: number } } };
    expect(answer.policies.preview.periodDays).toBe(21);
    // A longer period keeps every case's slots and adds days: never fewer checks due.
    expect(answer.total.preview.checksDue).toBeGreaterThanOrEqual(answer.total.today.checksDue);

    const refused = await fetch(`${gateway}/analyst/export`, { headers: caller });
    expect(refused.status).toBe(403);
  });
});
