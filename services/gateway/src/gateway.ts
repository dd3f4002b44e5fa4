import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from '@fangyi/service-kit';

/** Which service answers which path prefix; the first match wins. */
export interface GatewayRoute {
  readonly prefix: string;
  readonly target: string;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host', 'content-length', 'te', 'trailer', 'proxy-authorization']);

/**
 * One address for the distributed services, so clients (the console, the seed, callers' phones)
 * see the same API as in the embedded mode. It only forwards: authentication, validation and
 * decisions stay with each service. Stateless: run as many as needed.
 */
export function buildGateway(options: { routes: readonly GatewayRoute[]; logger: Logger; bodyLimit?: number }): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    // A URL the router cannot read is refused here as the services refuse one: our code, no echo.
    frameworkErrors: (_error, _request, reply) =>
      (reply as unknown as FastifyReply)
        .status(400)
        .type('application/problem+json')
        .header('x-content-type-options', 'nosniff')
        .send({ type: 'urn:fangyi:problem:bad-path', title: 'The request path is not valid', status: 400, code: 'BAD_PATH', errors: [{ field: 'path', message: 'not a valid URL path' }] }),
  });
  // Bodies pass through untouched: each service parses and validates its own.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.get('/health', async () => ({ status: 'ok', service: 'gateway' }));
  app.get('/ready', async (_request, reply) => {
    const checks = await Promise.all(
      options.routes.map(async (r) => {
        try {
          const res = await fetch(`${r.target}/ready`, { signal: AbortSignal.timeout(2000) });
          return [r.prefix, res.ok ? 'ok' : `status ${res.status}`] as const;
        } catch (error) {
          return [r.prefix, `unreachable: ${(error as Error).message}`] as const;
        }
      }),
    );
    const ok = checks.every(([, v]) => v === 'ok');
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks: Object.fromEntries(checks) });
  });

  app.all('/*', async (request, reply) => {
    const path = request.url;
    const route = options.routes.find((r) => path === r.prefix || path.startsWith(r.prefix === '/' ? '/' : `${r.prefix}/`) || path.startsWith(`${r.prefix}?`));
    if (!route) {
      return reply.status(404).type('application/problem+json').send({ type: 'urn:fangyi:problem:not-found', title: 'Not found', status: 404, code: 'NOT_FOUND', detail: 'no service for this path' });
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.headers)) {
      if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    headers['x-correlation-id'] ??= String(request.id);
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== undefined;
    let upstream: Response;
    try {
      upstream = await fetch(`${route.target}${path}`, {
        method: request.method,
        headers,
        ...(hasBody ? { body: request.body as Buffer } : {}),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      request.log.warn({ err: error, target: route.target }, 'upstream unreachable');
      return reply.status(502).type('application/problem+json').send({ type: 'urn:fangyi:problem:upstream-unavailable', title: 'The service behind this path is unavailable', status: 502, code: 'UPSTREAM_UNAVAILABLE' });
    }
    reply.status(upstream.status);
    upstream.headers.forEach((value, key) => {
      if (!HOP_BY_HOP.has(key) && key !== 'content-encoding') reply.header(key, value);
    });
    return reply.send(Buffer.from(await upstream.arrayBuffer()));
  });
  return app;
}
