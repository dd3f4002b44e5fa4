import {
  createServiceApp,
  serviceAppOptions,
  type PersonalDataVault,
  type ServiceApp,
  type ServiceAppDeps,
} from '@fangyi/service-kit';
import { alertsRoutes } from './alerts/routes.ts';
import { reportRoutes, type ReportDeps } from './report/routes.ts';
import { rosterRoutes, type RosterDeps } from './roster/routes.ts';
import { worklistRoutes } from './worklist/routes.ts';

export interface RosterAppDeps extends RosterDeps, ServiceAppDeps {
  /** The daily report's read model (its own namespace). */
  readonly reportStore: ReportDeps['store'];
  /** The alerts view's read model (its own namespace). */
  readonly alertsStore: ReportDeps['store'];
  /** Where analysts' "as of" questions are answered from; optional. */
  readonly eventStore?: ReportDeps['eventStore'];
  /** Snapshots of the roster and the report beside the events, so as-of answers replay from the nearest one; optional. */
  readonly snapshots?: ReportDeps['snapshots'];
  /** Opens the phones the worklist shows (sealed in the read model); without one they read null. */
  readonly vault?: PersonalDataVault;
}

/** The read side over HTTP: the roster, its page, the alerts and the daily report. */
export function buildRosterApp(deps: RosterAppDeps): ServiceApp {
  const app = createServiceApp(serviceAppOptions('roster', undefined, deps));
  registerRoster(app, deps);
  return app;
}

export function registerRoster(
  app: ServiceApp,
  deps: Omit<RosterAppDeps, keyof ServiceAppDeps>,
): void {
  rosterRoutes(app, deps);
  const asOf = {
    ...(deps.eventStore ? { eventStore: deps.eventStore } : {}),
    ...(deps.snapshots ? { snapshots: deps.snapshots } : {}),
  };
  worklistRoutes(app, {
    store: deps.store,
    clock: deps.clock,
    timeZone: deps.timeZone,
    slotWindows: deps.slotWindows,
    ...(deps.vault ? { vault: deps.vault } : {}),
    ...asOf,
  });
  alertsRoutes(app, { store: deps.alertsStore, clock: deps.clock });
  reportRoutes(app, {
    store: deps.reportStore,
    clock: deps.clock,
    timeZone: deps.timeZone,
    slotWindows: deps.slotWindows,
    ...(deps.district ? { district: deps.district } : {}),
    ...asOf,
  });
}
