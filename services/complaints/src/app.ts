import {
  createServiceApp,
  type Registered,
  type ServiceApp,
  serviceAppOptions,
  type ServiceAppDeps,
} from '@fangyi/service-kit';
import { complaintErrors } from './complaint/complaint.ts';
import { reporterRoutes } from './reporters/routes.ts';
import { complaintRoutes, type ComplaintsDeps } from './complaint/routes.ts';

export interface ComplaintsAppDeps extends ComplaintsDeps, ServiceAppDeps {}

/** The complaints service's error codes, to merge into an app that hosts several services. */
export const complaintsErrors = complaintErrors;

declare module '@fangyi/service-kit/errors' {
  // The codes a DomainError may carry anywhere: a misspelled or unregistered one does not compile.
  interface RegisteredErrors extends Registered<typeof complaintsErrors> {}
}

/** The complaints service's HTTP app. Never listens: the composition root does. */
export function buildComplaintsApp(deps: ComplaintsAppDeps): ServiceApp {
  const app = createServiceApp(serviceAppOptions('complaints', complaintsErrors, deps));
  registerComplaints(app, deps);
  return app;
}

/** Adds the complaints routes to an app, e.g. the embedded all-in-one one. */
export function registerComplaints(app: ServiceApp, deps: ComplaintsDeps): void {
  complaintRoutes(app, deps);
  reporterRoutes(app, deps);
}
