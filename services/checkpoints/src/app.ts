import {
  createServiceApp,
  mergeErrors,
  type Registered,
  type ServiceApp,
  serviceAppOptions,
  type ServiceAppDeps,
} from '@fangyi/service-kit';
import { checkpointErrors } from './checkpoint/checkpoint.ts';
import { checkpointRoutes } from './checkpoint/routes.ts';
import { checkpointListRoutes } from './checkpointList/routes.ts';
import { crossingErrors } from './crossings/crossings.ts';
import { crossingRoutes } from './crossings/routes.ts';
import type { CheckpointsDeps } from './http.ts';

/** Every error code of the checkpoints service, to merge into an app that hosts its routes. */
export const checkpointsErrors = mergeErrors(checkpointErrors, crossingErrors);

declare module '@fangyi/service-kit/errors' {
  // The codes a DomainError may carry anywhere: a misspelled or unregistered one does not compile.
  interface RegisteredErrors extends Registered<typeof checkpointsErrors> {}
}

export interface CheckpointsAppDeps extends CheckpointsDeps, ServiceAppDeps {}

/** The checkpoints service's HTTP app. Never listens: the composition root does. */
export function buildCheckpointsApp(deps: CheckpointsAppDeps): ServiceApp {
  const app = createServiceApp(serviceAppOptions('checkpoints', checkpointsErrors, deps));
  registerCheckpoints(app, deps);
  return app;
}

/** Adds the checkpoints routes to an app, e.g. the embedded all-in-one one (merge checkpointsErrors into its errors). */
export function registerCheckpoints(app: ServiceApp, deps: CheckpointsDeps): void {
  checkpointRoutes(app, deps);
  checkpointListRoutes(app, deps);
  crossingRoutes(app, deps);
}
