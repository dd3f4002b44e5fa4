import { createServiceApp, serviceAppOptions, type ServiceApp, type ServiceAppDeps } from '@fangyi/service-kit';
import { reportRoutes, type ReportDeps } from './report/routes.ts';
import { rosterRoutes, type RosterDeps } from './roster/routes.ts';

export interface RosterAppDeps extends RosterDeps, ServiceAppDeps {
  /** The daily report's read model (its own namespace). */
  readonly reportStore: ReportDeps['store'];
  /** Where analysts' "as of" questions are answered from; optional. */
  readonly eventStore?: ReportDeps['eventStore'];
}

/** The read side over HTTP: the roster, its page, and the daily report. */
export function buildRosterApp(deps: RosterAppDeps): ServiceApp {
  const app = createServiceApp(serviceAppOptions('roster', undefined, deps));
  registerRoster(app, deps);
  return app;
}

export function registerRoster(app: ServiceApp, deps: Omit<RosterAppDeps, keyof ServiceAppDeps>): void {
  rosterRoutes(app, deps);
  reportRoutes(app, { store: deps.reportStore, clock: deps.clock, timeZone: deps.timeZone, ...(deps.eventStore ? { eventStore: deps.eventStore } : {}) });
}
