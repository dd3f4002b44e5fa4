import { createServiceApp, type AuthSecret, type Logger, type RateLimitSettings, type ReadinessReport, type Registered, type ServiceApp } from '@fangyi/service-kit';
import { homeQuarantineRoutes, type HomeQuarantineDeps } from './homeQuarantine/routes.ts';
import { quarantineErrors } from './homeQuarantine/homeQuarantine.ts';

declare module '@fangyi/service-kit/errors' {
  // The codes a DomainError may carry anywhere: a misspelled or unregistered one does not compile.
  interface RegisteredErrors extends Registered<typeof quarantineErrors> {}
}

export interface QuarantineAppDeps extends HomeQuarantineDeps {
  readonly logger: Logger;
  readonly authSecret: AuthSecret;
  /** Requests per user and window (default: the kit's); `false` turns limits off. */
  readonly rateLimit?: RateLimitSettings | false;
  readonly readiness?: () => Promise<ReadinessReport>;
}

/** The quarantine service's HTTP app. Never listens: the composition root does. */
export function buildQuarantineApp(deps: QuarantineAppDeps): ServiceApp {
  const app = createServiceApp({ service: 'quarantine', logger: deps.logger, errors: quarantineErrors, authSecret: deps.authSecret, clock: deps.clock, ...(deps.rateLimit !== undefined ? { rateLimit: deps.rateLimit } : {}), ...(deps.readiness ? { readiness: deps.readiness } : {}) });
  registerQuarantine(app, deps);
  return app;
}

/** Adds the quarantine routes to an app, e.g. the embedded all-in-one one. */
export function registerQuarantine(app: ServiceApp, deps: HomeQuarantineDeps): void {
  homeQuarantineRoutes(app, deps);
}
