import { appLogger, createServiceApp, type Logger, type ReadinessReport, type ServiceApp } from '@fangyi/service-kit';
import { homeQuarantineRoutes, type HomeQuarantineDeps } from './homeQuarantine/routes.ts';
import { quarantineErrors } from './homeQuarantine/homeQuarantine.ts';
import { startPeopleDirectoryFeed, type PeopleDirectoryFeed } from './people/directory.ts';

/** What registerQuarantine needs; without a people directory from the composition root, the app keeps its own. */
export type QuarantineRoutesDeps = Omit<HomeQuarantineDeps, 'people'> & { readonly people?: PeopleDirectoryFeed };

export interface QuarantineAppDeps extends QuarantineRoutesDeps {
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
export function registerQuarantine(app: ServiceApp, deps: QuarantineRoutesDeps): void {
  homeQuarantineRoutes(app, { ...deps, people: deps.people ?? ownPeopleDirectory(app, deps) });
}

/**
 * Without a people directory from the composition root (which shares it with the policies), the
 * app keeps its own, in memory, from the event store it already has, and stops it when it closes:
 * as the residents app keeps its household → people view.
 */
function ownPeopleDirectory(app: ServiceApp, deps: QuarantineRoutesDeps): PeopleDirectoryFeed {
  const feed = startPeopleDirectoryFeed({ eventStore: deps.eventStore, logger: appLogger(app) });
  app.addHook('onClose', async () => feed.stop());
  return feed;
}
