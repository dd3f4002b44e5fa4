import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import replyFrom from '@fastify/reply-from';
import { createMetrics, drainOnClose, type Logger, type Metrics } from '@fangyi/service-kit';

/** Which service answers which path prefix; the first match wins. `service` names it in errors. */
export interface GatewayRoute {
  readonly prefix: string;
  readonly target: string;
  readonly service: string;
}

/** How long the gateway waits on a service before it answers 504 naming it. */
export interface GatewayTimeouts {
  /** To open a connection to the service. */
  readonly connectMs: number;
  /** From the request sent to the response's status and headers. */
  readonly headersMs: number;
  /** Between two chunks of a response body (an idle stream, not a long one). */
  readonly bodyIdleMs: number;
}

export const defaultGatewayTimeouts: GatewayTimeouts = {
  connectMs: 2_000,
  headersMs: 10_000,
  bodyIdleMs: 30_000,
};

// Meaningful for one connection only (RFC 9110 §7.6.1): never passed on in either direction.
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-authenticate',
];

const problem = (reply: FastifyReply, status: number, body: Record<string, unknown>) =>
  reply
    .status(status)
    .type('application/problem+json')
    .header('x-content-type-options', 'nosniff')
    .send({ status, ...body });

/** A timeout anywhere on the way to the service, as undici and reply-from report it. */
function isTimeout(error: { statusCode?: number; code?: string; cause?: unknown }): boolean {
  const cause = error.cause as { code?: string } | undefined;
  return (
    error.statusCode === 504 ||
    /TIMEOUT/.test(cause?.code ?? '') ||
    /TIMEOUT/.test(error.code ?? '')
  );
}

/**
 * One address for the distributed services, so clients (the console, the seed, callers' phones)
 * see the same API as in the embedded mode. It only forwards, and streams: request and response
 * bodies pass through as they arrive (never held whole in memory) with their content-encoding, so
 * a gzip answer stays gzip. Authentication, validation and decisions stay with each service.
 * A service that cannot be reached gets a 502, one that does not answer in time a 504; both are
 * problem+json naming the service. Stateless: run as many as needed.
 */
export function buildGateway(options: {
  routes: readonly GatewayRoute[];
  logger: Logger;
  timeouts?: Partial<GatewayTimeouts>;
  metrics?: Metrics;
}): FastifyInstance {
  const timeouts = { ...defaultGatewayTimeouts, ...options.timeouts };
  const metrics = options.metrics ?? createMetrics({ service: 'gateway', defaultMetrics: false });
  const app = Fastify({
    loggerInstance: options.logger as unknown as FastifyBaseLogger,
    // A URL the router cannot read is refused here as the services refuse one: our code, no echo.
    frameworkErrors: (_error, _request, reply) =>
      problem(reply as unknown as FastifyReply, 400, {
        type: 'urn:fangyi:problem:bad-path',
        title: 'The request path is not valid',
        code: 'BAD_PATH',
        errors: [{ field: 'path', message: 'not a valid URL path' }],
      }),
  });
  // SIGTERM: the requests in flight are answered, then their connections end.
  drainOnClose(app);
  // Bodies are not parsed: the raw request stream goes on to the service, which parses, limits
  // and validates its own.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  void app.register(replyFrom, {
    // Fastify's own request lines suffice; reply-from would add two more per request.
    disableRequestLogging: true,
    // Each service keeps its own JSON; nothing is re-encoded on the way.
    contentTypesToEncode: [],
    // Its URL cache is keyed by the whole path, and ours carry ids (every check its own case):
    // a cache of 100 would only churn.
    disableCache: true,
    undici: {
      connect: { timeout: timeouts.connectMs },
      headersTimeout: timeouts.headersMs,
      bodyTimeout: timeouts.bodyIdleMs,
      keepAliveTimeout: 10_000,
    },
  });

  // Each answer by the prefix it was forwarded under (never the path, which holds ids) and status.
  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const route = ['/health', '/ready', '/metrics'].includes(path)
      ? path
      : (options.routes.find((r) => path.startsWith(r.prefix))?.prefix ?? 'unmatched');
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  app.get('/health', async () => ({ status: 'ok', service: 'gateway' }));
  app.get('/ready', async (_request, reply) => {
    const checks = await Promise.all(
      options.routes.map(async (r) => {
        try {
          const res = await fetch(`${r.target}/ready`, { signal: AbortSignal.timeout(2000) });
          await res.body?.cancel();
          return [r.prefix, res.ok ? 'ok' : `status ${res.status}`] as const;
        } catch (error) {
          return [r.prefix, `unreachable: ${(error as Error).message}`] as const;
        }
      }),
    );
    const ok = checks.every(([, v]) => v === 'ok');
    return reply
      .status(ok ? 200 : 503)
      .send({ status: ok ? 'ready' : 'not ready', checks: Object.fromEntries(checks) });
  });

  const routeOf = (path: string) =>
    options.routes.find(
      (r) =>
        path === r.prefix ||
        path.startsWith(r.prefix === '/' ? '/' : `${r.prefix}/`) ||
        path.startsWith(`${r.prefix}?`),
    );

  app.all('/*', (request, reply) => {
    const route = routeOf(request.url);
    if (!route) {
      return problem(reply, 404, {
        type: 'urn:fangyi:problem:not-found',
        title: 'Not found',
        code: 'NOT_FOUND',
        detail: 'no service for this path',
      });
    }
    return reply.from(`${route.target}${request.url}`, {
      rewriteRequestHeaders: (req, headers) => {
        const out: Record<string, string | string[] | undefined> = { ...headers };
        for (const h of HOP_BY_HOP) delete out[h];
        out['x-correlation-id'] ??= String(req.id);
        return out;
      },
      rewriteHeaders: (headers) => {
        const out = { ...headers };
        for (const h of HOP_BY_HOP) delete out[h];
        return out;
      },
      onError: (reply, { error }) => {
        const timedOut = isTimeout(
          error as { statusCode?: number; code?: string; cause?: unknown },
        );
        reply.request.log.warn(
          { err: error, service: route.service },
          timedOut ? 'service timed out' : 'service unreachable',
        );
        if (timedOut) {
          return problem(reply as FastifyReply, 504, {
            type: 'urn:fangyi:problem:upstream-timeout',
            title: `The ${route.service} service did not answer in time`,
            code: 'UPSTREAM_TIMEOUT',
            service: route.service,
          });
        }
        return problem(reply as FastifyReply, 502, {
          type: 'urn:fangyi:problem:upstream-unavailable',
          title: `The ${route.service} service is unavailable`,
          code: 'UPSTREAM_UNAVAILABLE',
          service: route.service,
        });
      },
    });
  });
  return app;
}
