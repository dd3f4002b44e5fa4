import { z } from 'zod';
import {
  createLogger,
  createMetrics,
  installGracefulShutdown,
  loadDistrict,
  placesDocument,
  readConfig,
} from '@fangyi/service-kit';
import { registerConsole } from '@fangyi/console/serve';
import { buildGateway } from './gateway.ts';

/** The distributed mode's single address: forwards each path prefix to its service. */
const config = readConfig(
  z.object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('127.0.0.1'),
    QUARANTINE_URL: z.string().url().default('http://127.0.0.1:3001'),
    ROSTER_URL: z.string().url().default('http://127.0.0.1:3002'),
    RESIDENTS_URL: z.string().url().default('http://127.0.0.1:3003'),
    CHECKPOINTS_URL: z.string().url().default('http://127.0.0.1:3004'),
    COMPLAINTS_URL: z.string().url().default('http://127.0.0.1:3005'),
    STAFF_URL: z.string().url().default('http://127.0.0.1:3007'),
    ANALYST_URL: z.string().url().default('http://127.0.0.1:3008'),
    LOG_LEVEL: z.string().default('info'),
    // How long a service may take to start answering before the gateway answers 504 naming it.
    UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  }),
);
const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL });
const app = buildGateway({
  logger,
  metrics: createMetrics({ service: 'gateway' }),
  routes: [
    { prefix: '/quarantine', target: config.QUARANTINE_URL, service: 'quarantine' },
    { prefix: '/residents', target: config.RESIDENTS_URL, service: 'residents' },
    { prefix: '/checkpoints', target: config.CHECKPOINTS_URL, service: 'checkpoints' },
    { prefix: '/complaints', target: config.COMPLAINTS_URL, service: 'complaints' },
    // Staff accounts and console sign-in (the session cookie passes through as any header).
    { prefix: '/staff', target: config.STAFF_URL, service: 'staff' },
    // The analysts' reads of the history: export, timelines, the policy preview.
    { prefix: '/analyst', target: config.ANALYST_URL, service: 'analyst' },
    { prefix: '/roster', target: config.ROSTER_URL, service: 'roster' },
    { prefix: '/', target: config.ROSTER_URL, service: 'roster' },
  ],
  timeouts: { headersMs: config.UPSTREAM_TIMEOUT_MS },
});
// The console's static files, from this process (every other path is forwarded).
// The console's place names come from the same district file as the services' (FANGYI_CONFIG).
registerConsole(app, {
  places: placesDocument(loadDistrict(process.env, (message) => logger.warn(message))),
});
installGracefulShutdown([{ name: 'http', close: () => app.close() }], logger);
const address = await app.listen({ port: config.PORT, host: config.HOST });
logger.info({ address }, 'gateway listening');
