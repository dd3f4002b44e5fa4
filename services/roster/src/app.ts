import { createServiceApp, type Logger, type ReadinessReport, type ServiceApp } from '@fangyi/service-kit';
import { rosterRoutes, type RosterDeps } from './roster/routes.ts';

export interface RosterAppDeps extends RosterDeps {
  readonly logger: Logger;
  readonly authSecret: string;
  readonly readiness?: () => Promise<ReadinessReport>;
}

export function buildRosterApp(deps: RosterAppDeps): ServiceApp {
  const app = createServiceApp({ service: 'roster', logger: deps.logger, authSecret: deps.authSecret, clock: deps.clock, ...(deps.readiness ? { readiness: deps.readiness } : {}) });
  rosterRoutes(app, deps);
  return app;
}

export { rosterRoutes as registerRoster };
