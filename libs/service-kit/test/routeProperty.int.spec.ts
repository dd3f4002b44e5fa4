import { z } from 'zod';
import { afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { TEST_AUTH_SECRET, checkRouteProperty, testUser, writeRoutesOf } from '@fangyi/testkit';
import { DomainError, createServiceApp, route, type ServiceApp } from '../src/index.ts';

// The route property itself must be able to fail: a route that breaks on a missing optional field
// (a 500), and one that appends before it refuses (a 4xx that changed something), are both caught.

describe('the generated-body route property catches what it promises to', () => {
  let appended = 0;
  const app: ServiceApp = createServiceApp({
    service: 'kit-test',
    logger: pino({ level: 'silent' }),
    authSecret: TEST_AUTH_SECRET,
    rateLimit: false,
  });
  const Body = z.strictObject({
    name: z.string().min(1).max(20),
    note: z.string().max(20).optional(),
  });
  route(app, {
    method: 'POST',
    url: '/careless/:id',
    summary: 'trusts an optional field',
    params: z.strictObject({ id: z.string() }),
    body: Body,
    handler: async ({ body }) => ({ words: body.note!.split(' ').length }),
  });
  route(app, {
    method: 'POST',
    url: '/hasty',
    summary: 'appends, then refuses',
    body: Body,
    handler: async ({ body }) => {
      appended++;
      if (body.name === 'taken') throw new DomainError('CONCURRENCY_CONFLICT', 'taken');
      return { ok: true };
    },
  });
  afterAll(() => app.close());

  /** What a failing run says: fast-check's report (seed, counterexample) and the assertion that failed. */
  const failureOf = async (run: Promise<unknown>) => {
    const error = await run.then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error, 'the property should have failed').not.toBeNull();
    return `${error!.message}\n${String((error!.cause as Error | undefined)?.message)}`;
  };
  const options = {
    countEvents: async () => appended,
    users: [testUser('admin')],
    ids: ['a1'],
    vocabulary: ['taken', 'x y'],
    numRuns: 100,
  };

  it('reports a 5xx with the request and the seed to replay it', async () => {
    const careless = writeRoutesOf(app).find((r) => r.path === '/careless/{id}')!;
    const failure = await failureOf(checkRouteProperty(app, careless, options));
    expect(failure).toMatch(/seed: \d+/);
    expect(failure).toMatch(
      /POST \/careless\/\S+ \{.*→ .*"status":500[\s\S]*expected 500 to be less than 500/,
    );
  });

  it('reports a refusal that appended', async () => {
    const hasty = writeRoutesOf(app).find((r) => r.path === '/hasty')!;
    expect(await failureOf(checkRouteProperty(app, hasty, options))).toMatch(
      /POST \/hasty answered 409 but appended/,
    );
  });
});
