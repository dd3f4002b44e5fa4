import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildGateway } from '../src/index.ts';

// The gateway listens on a real port and forwards to real HTTP servers, so streaming, encodings,
// refused connections and timeouts are what a client on the network would see.

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** A plain node:http request, so nothing decodes or buffers on the client's side either. */
function request(
  url: string,
  options: http.RequestOptions = {},
  body?: Buffer | string,
): Promise<{ res: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('gateway', () => {
  let upstream: FastifyInstance;
  let raw: Server;
  let slow: Server;
  let gateway: FastifyInstance;
  let base: string;
  let deadTarget: string;
  let releaseStream: () => void = () => undefined;
  const payload = randomBytes(4 * 1024 * 1024);
  const document = JSON.stringify({
    rows: Array.from({ length: 2000 }, (_, i) => ({ caseId: `case-${i}`, status: 'active' })),
  });

  beforeAll(async () => {
    upstream = Fastify();
    upstream.post('/quarantine/cases', async (request, reply) =>
      reply
        .status(201)
        .header('etag', '"0"')
        .send({
          got: request.body,
          auth: request.headers.authorization ?? null,
          correlation: request.headers['x-correlation-id'] ?? null,
        }),
    );
    upstream.get('/ready', async () => ({ status: 'ready' }));
    const address = await upstream.listen({ port: 0, host: '127.0.0.1' });

    raw = http.createServer((req, res) => {
      if (req.url === '/roster/report.json') {
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          vary: 'accept-encoding',
        });
        res.end(gzipSync(document));
      } else if (req.url === '/roster/export') {
        // Sends its first chunk, then holds the rest until the client has seen that chunk: a
        // gateway that waited for the whole body would never pass it on.
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(payload.subarray(0, 64 * 1024));
        releaseStream = () => {
          for (let at = 64 * 1024; at < payload.length; at += 256 * 1024)
            res.write(payload.subarray(at, at + 256 * 1024));
          res.end();
        };
      } else if (req.url === '/roster/upload') {
        // Answers with its headers at the first chunk of the request body, then counts the rest:
        // a gateway that read the whole request first would leave the client waiting forever.
        const hash = createHash('sha256');
        let bytes = 0;
        req.once('data', () =>
          res.writeHead(200, { 'content-type': 'text/plain' }).write('receiving\n'),
        );
        req.on('data', (c: Buffer) => {
          bytes += c.length;
          hash.update(c);
        });
        req.on('end', () => res.end(`${bytes} ${hash.digest('hex')}`));
      } else res.writeHead(404).end();
    });
    slow = http.createServer((_req, res) => {
      const timer = setTimeout(() => res.end('late'), 5_000);
      res.on('close', () => clearTimeout(timer));
    });
    const rawAddress = await listen(raw);
    const slowAddress = await listen(slow);
    // A port that was just free: nothing listens there.
    const gone = http.createServer();
    deadTarget = await listen(gone);
    await close(gone);

    gateway = buildGateway({
      logger: pino({ level: 'silent' }),
      routes: [
        { prefix: '/quarantine', target: address, service: 'quarantine' },
        { prefix: '/complaints', target: deadTarget, service: 'complaints' },
        { prefix: '/checkpoints', target: slowAddress, service: 'checkpoints' },
        { prefix: '/roster', target: rawAddress, service: 'roster' },
      ],
      timeouts: { headersMs: 300 },
    });
    base = await gateway.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    raw.closeAllConnections();
    slow.closeAllConnections();
    await close(raw);
    await close(slow);
  });

  it('forwards method, body, status, headers and the bearer token to the service of the prefix', async () => {
    const { res, body } = await request(
      `${base}/quarantine/cases`,
      {
        method: 'POST',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      },
      JSON.stringify({ a: 1 }),
    );
    expect(res.statusCode).toBe(201);
    expect(res.headers.etag).toBe('"0"');
    expect(JSON.parse(body.toString())).toMatchObject({
      got: { a: 1 },
      auth: 'Bearer t',
      correlation: expect.any(String),
    });
  });

  it('passes a gzip answer on as gzip, byte for byte, without decoding it', async () => {
    const { res, body } = await request(`${base}/roster/report.json`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toBe('accept-encoding');
    expect(body.length).toBeLessThan(document.length / 4);
    expect(gunzipSync(body).toString()).toBe(document);
  });

  it('streams a large answer: the client gets the first chunk before the service has sent the rest', async () => {
    const received = await new Promise<Buffer>((resolve, reject) => {
      http
        .get(`${base}/roster/export`, (res) => {
          const chunks: Buffer[] = [];
          res.once('data', () => releaseStream());
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        })
        .on('error', reject);
    });
    expect(received.length).toBe(payload.length);
    expect(received.equals(payload)).toBe(true);
  });

  it('streams a large request body: the service answers at its first chunk, before the client has sent the rest', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        `${base}/roster/upload`,
        { method: 'POST', headers: { 'content-type': 'application/octet-stream' } },
        (res) => {
          // Headers arrived while most of the body is still on the client: send the rest now.
          for (let at = 64 * 1024; at < payload.length; at += 256 * 1024)
            req.write(payload.subarray(at, at + 256 * 1024));
          req.end();
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.write(payload.subarray(0, 64 * 1024));
    });
    expect(answer).toBe(
      `receiving\n${payload.length} ${createHash('sha256').update(payload).digest('hex')}`,
    );
  });

  it('answers 504 problem+json naming the service when it does not answer in time', async () => {
    const started = performance.now();
    const { res, body } = await request(`${base}/checkpoints/passes`);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(res.statusCode).toBe(504);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(body.toString())).toMatchObject({
      status: 504,
      code: 'UPSTREAM_TIMEOUT',
      service: 'checkpoints',
    });
  });

  it('answers 502 problem+json naming the service when nothing listens at its address', async () => {
    for (const method of ['GET', 'POST']) {
      const { res, body } = await request(
        `${base}/complaints/x`,
        { method, headers: { 'content-type': 'application/json' } },
        method === 'POST' ? '{"a":1}' : undefined,
      );
      expect(res.statusCode).toBe(502);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(JSON.parse(body.toString())).toMatchObject({
        status: 502,
        code: 'UPSTREAM_UNAVAILABLE',
        service: 'complaints',
      });
    }
  });

  it('answers 404 problem+json for a path no service owns (echoing nothing) and 400 BAD_PATH for an unreadable URL', async () => {
    const none = await gateway.inject({
      method: 'GET',
      url: `/nowhere/${'n'.repeat(3000)}?access_token=a.b.c`,
    });
    expect(none.statusCode).toBe(404);
    expect(none.headers['content-type']).toContain('application/problem+json');
    // Neither the path nor its query string comes back.
    expect(none.body).not.toContain('nnnnnnnnnn');
    expect(none.body).not.toContain('access_token');
    const bad = await gateway.inject({ method: 'GET', url: '/quarantine/%E0%A4%A' });
    expect(bad.json()).toMatchObject({ status: 400, code: 'BAD_PATH' });
    expect(bad.body).not.toContain('FST_');
    expect(bad.body).not.toContain('%E0');
  });

  it('reports not ready while a service behind it is unreachable', async () => {
    const res = await gateway.inject({ method: 'GET', url: '/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json().checks['/quarantine']).toBe('ok');
  });

  it('counts what it forwarded at /metrics, by prefix and status, never by the path with its ids', async () => {
    const text = (await gateway.inject({ method: 'GET', url: '/metrics' })).body;
    // Summed over methods.
    const count = (route: string, status: string) =>
      [
        ...text.matchAll(
          new RegExp(
            `^fangyi_http_requests_total\\{[^}]*route="${route}",status="${status}"[^}]*\\} (\\d+)$`,
            'gm',
          ),
        ),
      ].reduce((n, m) => n + Number(m[1]), 0);
    // The tests above: two 502s from /complaints, a 504 from /checkpoints, at least one 201 from /quarantine.
    expect(count('/complaints', '502')).toBe(2);
    expect(count('/checkpoints', '504')).toBe(1);
    expect(count('/quarantine', '201')).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('/complaints/x');
  });
});
