import { createServiceApp, type Logger, type ReadinessReport, type ServiceApp } from '@fangyi/service-kit';
import { homeQuarantineRoutes, type HomeQuarantineDeps } from './homeQuarantine/routes.ts';
import { quarantineErrors } from './homeQuarantine/homeQuarantine.ts';

export interface QuarantineAppDeps extends HomeQuarantineDeps {
  readonly logger: Logger;
  readonly authSecret: string;
  readonly readiness?: () => Promise<ReadinessReport>;
}

/** The quarantine service's HTTP app. Never listens: the composition root does. */
export function buildQuarantineApp(deps: QuarantineAppDeps): ServiceApp {
  const app = createServiceApp({ service: 'quarantine', logger: deps.logger, errors: quarantineErrors, authSecret: deps.authSecret, clock: deps.clock, ...(deps.readiness ? { readiness: deps.readiness } : {}) });
  registerQuarantine(app, deps);
  return app;
}

/** Adds the quarantine routes to an app, e.g. the embedded all-in-one one. */
export function registerQuarantine(app: ServiceApp, deps: HomeQuarantineDeps): void {
  homeQuarantineRoutes(app, deps);
}
