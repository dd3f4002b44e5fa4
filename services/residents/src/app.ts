import {
  createServiceApp,
  mergeErrors,
  type Registered,
  type ServiceApp,
  serviceAppOptions,
  type ServiceAppDeps,
} from '@fangyi/service-kit';
import type { ResidentsDeps } from './http.ts';
import { householdErrors } from './household/household.ts';
import { directoryRoutes } from './directory/routes.ts';
import { householdRoutes } from './household/routes.ts';
import { householdPeopleRoutes } from './householdPeople/routes.ts';
import { personErrors } from './person/person.ts';
import { personRoutes } from './person/routes.ts';

/** Every error code of the residents service, to merge into an app that serves its routes. */
export const residentsErrors = mergeErrors(householdErrors, personErrors);

declare module '@fangyi/service-kit/errors' {
  // The codes a DomainError may carry anywhere: a misspelled or unregistered one does not compile.
  interface RegisteredErrors extends Registered<typeof residentsErrors> {}
}

export interface ResidentsAppDeps extends ResidentsDeps, ServiceAppDeps {}

/** The residents service's HTTP app. Never listens: the composition root does. */
export function buildResidentsApp(deps: ResidentsAppDeps): ServiceApp {
  const app = createServiceApp(serviceAppOptions('residents', residentsErrors, deps));
  registerResidents(app, deps);
  return app;
}

/** Adds the residents routes to an app, e.g. the embedded all-in-one one. */
export function registerResidents(app: ServiceApp, deps: ResidentsDeps): void {
  householdRoutes(app, deps);
  personRoutes(app, deps);
  householdPeopleRoutes(app, deps, deps.householdPeople);
  directoryRoutes(app, deps, deps.householdPeople);
}
