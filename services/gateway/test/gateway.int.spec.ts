import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildGateway } from '../src/index.ts';

describe('gateway', () => {
  let upstream: FastifyInstance;
  let gateway: FastifyInstance;
  beforeAll(async () => {
    upstream = Fastify();
    upstream.post('/quarantine/cases', async (request, reply) =>
      reply.status(201).header('etag', '"0"').send({ got: request.body, auth: request.headers.authorization ?? null, correlation: request.headers['x-correlation-id'] ?? null }),
    );
    upstream.get('/ready', async () => ({ status: 'ready' }));
    const address = await upstream.listen({ port: 0, host: '127.0.0.1' });
    gateway = buildGateway({
      logger: pino({ level: 'silent' }),
      routes: [
        { prefix: '/quarantine', target: address },
        { prefix: '/complaints', target: 'http://127.0.0.1:1' },
      ],
    });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('forwards method, body, status, headers and the bearer token to the service of the prefix', async () => {
    const res = await gateway.inject({ method: 'POST', url: '/quarantine/cases', payload: { a: 1 }, headers: { authorization: 'Bearer t' } });
    expect(res.statusCode).toBe(201);
    expect(res.headers.etag).toBe('"0"');
    expect(res.json()).toMatchObject({ got: { a: 1 }, auth: 'Bearer t', correlation: expect.any(String) });
  });

  it('answers 404 problem+json for a path no service owns (echoing nothing), 400 BAD_PATH for an unreadable URL, and 502 when the service is down', async () => {
    const none = await gateway.inject({ method: 'GET', url: `/nowhere/${'n'.repeat(3000)}?access_token=a.b.c` });
    expect(none.statusCode).toBe(404);
    expect(none.headers['content-type']).toContain('application/problem+json');
    // Neither the path nor its query string comes back.
    expect(none.body).not.toContain('nnnnnnnnnn');
    expect(none.body).not.toContain('access_token');
    const bad = await gateway.inject({ method: 'GET', url: '/quarantine/%E0%A4%A' });
    expect(bad.json()).toMatchObject({ status: 400, code: 'BAD_PATH' });
    expect(bad.body).not.toContain('FST_');
    expect(bad.body).not.toContain('%E0');
    const down = await gateway.inject({ method: 'GET', url: '/complaints/x' });
    expect(down.statusCode).toBe(502);
    expect(down.json().code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('reports not ready while a service behind it is unreachable', async () => {
    const res = await gateway.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks['/quarantine']).toBe('ok');
  });
});
