import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importClock, importNdjson } from '@fangyi/analyst';
import { PostgresEventStore } from '@fangyi/eventstore/postgres';
import { authHeader, testUser } from '@fangyi/testkit';
import { REPO_ROOT, distributedStack, logsOnFailure, type DistributedStack } from './processes.ts';

/**
 * The analysts' routes in the distributed mode: the analyst service, its own process on the
 * PostgreSQL event store, behind the gateway at /analyst. The history is the Kutao district as
 * recorded on 2026-12-02 (the analyst's version-1 fixture), imported into the run's schema.
 */
describe('analysts read the history through the gateway (analyst service on PostgreSQL, separate processes)', {
  timeout: 180_000,
}, () => {
  const analyst = authHeader(testUser('analyst', ['*'], 'analyst-e2e'));
  const caller = authHeader(testUser('caller', ['moujia'], 'caller-e2e'));
  let stack: DistributedStack;
  let store: PostgresEventStore;
  let gateway = '';
  let imported = 0;

  beforeAll(async () => {
    stack = await distributedStack({
      run: 'analyst',
      services: ['analyst', 'gateway'],
      env: { LOG_LEVEL: 'warn' },
    });
    gateway = stack.base('gateway');
    // The import keeps each event's recordedAt: the store's clock answers it line by line.
    const clock = importClock();
    store = await PostgresEventStore.create({
      connectionString: stack.databaseUrl,
      schema: stack.schema,
      clock: clock.clock,
    });
    const fixture = createReadStream(
      join(REPO_ROOT, 'services/analyst/test/fixtures/history-v1.ndjson.gz'),
    ).pipe(createGunzip());
    imported = (await importNdjson(fixture, store, clock)).events;
  }, 150_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  });

  it('exports the whole history as NDJSON, one recorded event a line', async () => {
    logsOnFailure(() => stack.processes);
    const res = await fetch(`${gateway}/analyst/export`, { headers: analyst });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = (await res.text()).split('\n').filter(Boolean);
    expect(imported).toBeGreaterThan(1000);
    expect(lines).toHaveLength(imported);
  });

  it("answers one person's timeline and the policy preview, and refuses a caller", async () => {
    logsOnFailure(() => stack.processes);
    const registered = await store.readFiltered({
      filter: { types: ['residents.person-registered'] },
      limit: 1,
    });
    const personId = (registered[0]!.data as { personId: string }).personId;
    const timeline = await fetch(`${gateway}/analyst/people/${personId}/timeline`, {
      headers: analyst,
    });
    expect(timeline.status).toBe(200);
    const body = (await timeline.json()) as {
      personId: string;
      entries: { type: string; summary: string }[];
    };
    expect(body.personId).toBe(personId);
    expect(body.entries.map((e) => e.type)).toContain('residents.person-registered');
    expect(body.entries.every((e) => e.summary.length > 0)).toBe(true);

    const preview = await fetch(`${gateway}/analyst/policy-preview?periodDays=21`, {
      headers: analyst,
    });
    expect(preview.status).toBe(200);
    const answer = (await preview.json()) as {
      policies: { preview: { periodDays: number } };
      total: { today: { checksDue: number }; preview: { checksDue: number } };
    };
    expect(answer.policies.preview.periodDays).toBe(21);
    // A longer period keeps every case's slots and adds days: never fewer checks due.
    expect(answer.total.preview.checksDue).toBeGreaterThanOrEqual(answer.total.today.checksDue);

    const refused = await fetch(`${gateway}/analyst/export`, { headers: caller });
    expect(refused.status).toBe(403);
  });
});
