import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { z } from 'zod';
import { TEST_AUTH_SECRET, authHeader } from '@fangyi/testkit';
import { createServiceApp, route, type ServiceApp } from './app.ts';
import { DomainError, fault } from './errors.ts';

// A route answers a decider's refusal with the request path of the field at fault: params and
// query keys to their part, the route's own map, anything else under body.

describe('route(): domain fields named as request paths in problem+json', () => {
  let app: ServiceApp;
  beforeAll(async () => {
    app = createServiceApp({
      service: 'test',
      logger: pino({ level: 'silent' }),
      authSecret: TEST_AUTH_SECRET,
    });
    route(app, {
      method: 'POST',
      url: '/things/:thingId/parts/:id',
      summary: 'test',
      params: z.strictObject({ thingId: z.string(), id: z.string() }),
      body: z.strictObject({ date: z.string() }),
      fields: { partId: 'params.id' },
      handler: async () => {
        throw new DomainError('CONCURRENCY_CONFLICT', 'refused', [
          ...fault('thingId', 'a'),
          ...fault('partId', 'b'),
          ...fault('date', 'c'),
          { field: 'body.other', message: 'd' },
        ]);
      },
    });
    await app.ready();
  });
  afterAll(() => app.close());

  it('names params.thingId, params.id (mapped), body.date, and leaves body.other', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/things/t1/parts/p1',
      payload: { date: '2020-01-29' },
      headers: authHeader(),
    });
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({
      code: 'CONCURRENCY_CONFLICT',
      detail: 'refused',
      errors: [
        { field: 'params.thingId', message: 'a' },
        { field: 'params.id', message: 'b' },
        { field: 'body.date', message: 'c' },
        { field: 'body.other', message: 'd' },
      ],
    });
  });
});
