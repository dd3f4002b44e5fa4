import { createServiceApp, type AuthSecret, type Logger, type RateLimitSettings, type ReadinessReport, type ServiceApp } from '@fangyi/service-kit';
import { alertsRoutes } from './alerts/routes.ts';
import { reportRoutes, type ReportDeps } from './report/routes.ts';
import { rosterRoutes, type RosterDeps } from './roster/routes.ts';

export interface RosterAppDeps extends RosterDeps {
  readonly logger: Logger;
  readonly authSecret: AuthSecret;
  /** Requests per user and window (default: the kit's); `false` turns limits off. */
  readonly rateLimit?: RateLimitSettings | false;
  /** The daily report's read model (its own namespace). */
  readonly reportStore: ReportDeps['store'];
  /** The alerts view's read model (its own namespace). */
  readonly alertsStore: ReportDeps['store'];
  /** Where analysts' "as of" questions are answered from; optional. */
  readonly eventStore?: ReportDeps['eventStore'];
  /** community (or estate) → district, for the report's district rows; default the demo's. */
  readonly communityDistricts?: ReportDeps['communityDistricts'];
  readonly readiness?: () => Promise<ReadinessReport>;
}

/** The read side over HTTP: the roster, its page, the alerts and the daily report. */
export function buildRosterApp(deps: RosterAppDeps): ServiceApp {
  const app = createServiceApp({ service: 'roster', logger: deps.logger, authSecret: deps.authSecret, clock: deps.clock, ...(deps.rateLimit !== undefined ? { rateLimit: deps.rateLimit } : {}), ...(deps.readiness ? { readiness: deps.readiness } : {}) });
  registerRoster(app, deps);
  return app;
}

export function registerRoster(app: ServiceApp, deps: Omit<RosterAppDeps, 'logger' | 'authSecret' | 'rateLimit' | 'readiness'>): void {
  rosterRoutes(app, deps);
  alertsRoutes(app, { store: deps.alertsStore, clock: deps.clock });
  reportRoutes(app, {
    store: deps.reportStore,
    clock: deps.clock,
    timeZone: deps.timeZone,
    slotWindows: deps.slotWindows,
    ...(deps.communityDistricts ? { communityDistricts: deps.communityDistricts } : {}),
    ...(deps.eventStore ? { eventStore: deps.eventStore } : {}),
  });
}
