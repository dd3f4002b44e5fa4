import {
  createServiceApp,
  type Registered,
  type ServiceApp,
  serviceAppOptions,
  type ServiceAppDeps,
} from '@fangyi/service-kit';
import { homeQuarantineRoutes, type HomeQuarantineDeps } from './homeQuarantine/routes.ts';
import { quarantineErrors } from './homeQuarantine/homeQuarantine.ts';

declare module '@fangyi/service-kit/errors' {
  // The codes a DomainError may carry anywhere: a misspelled or unregistered one does not compile.
  interface RegisteredErrors extends Registered<typeof quarantineErrors> {}
}

export interface QuarantineAppDeps extends HomeQuarantineDeps, ServiceAppDeps {}

/** The quarantine service's HTTP app. Never listens: the composition root does. */
export function buildQuarantineApp(deps: QuarantineAppDeps): ServiceApp {
  const app = createServiceApp(serviceAppOptions('quarantine', quarantineErrors, deps));
  registerQuarantine(app, deps);
  return app;
}

/** Adds the quarantine routes to an app, e.g. the embedded all-in-one one. */
export function registerQuarantine(app: ServiceApp, deps: HomeQuarantineDeps): void {
  homeQuarantineRoutes(app, deps);
}
