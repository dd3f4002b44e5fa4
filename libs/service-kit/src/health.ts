import Fastify, { type FastifyInstance } from 'fastify';
import { PROBLEM_TYPE, type ReadinessReport } from './app.ts';
import { drainOnClose } from './drain.ts';
import { COMMON_ERRORS } from './errors.ts';
import type { Metrics } from './metrics.ts';
import type { Logger } from './logger.ts';

/**
 * `/health` and `/ready` for a process that serves no API (the read-side worker), answered like a
 * service app's: `/ready` is 503 problem+json with the failing checks while the process cannot do
 * its work, so an orchestrator's health check and a load balancer read every process alike.
 */
export async function startHealthServer(options: {
  readonly service: string;
  readonly port: number;
  readonly host: string;
  readonly readiness: () => Promise<ReadinessReport>;
  readonly logger: Logger;
  /** Served at /metrics as the service apps do. */
  readonly metrics?: Metrics;
}): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  drainOnClose(app);
  const { metrics } = options;
  if (metrics)
    app.get('/metrics', async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  app.get('/health', async () => ({ status: 'ok', service: options.service }));
  app.get('/ready', async (_request, reply) => {
    const report = await options
      .readiness()
      .catch((err: unknown) => ({ ok: false, checks: { readiness: String(err) } }));
    if (report.ok) return { status: 'ready', service: options.service, checks: report.checks };
    return reply
      .status(503)
      .type('application/problem+json')
      .send({
        type: PROBLEM_TYPE('NOT_READY'),
        title: COMMON_ERRORS.NOT_READY.title,
        status: 503,
        code: 'NOT_READY',
        detail: JSON.stringify(report.checks),
      });
  });
  await app.listen({ port: options.port, host: options.host });
  options.logger.info(
    { port: (app.server.address() as { port: number }).port },
    'health endpoints listening',
  );
  return app;
}
