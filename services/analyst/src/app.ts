import {
  createServiceApp,
  serviceAppOptions,
  type ServiceApp,
  type ServiceAppDeps,
} from '@fangyi/service-kit';
import { registerAnalyst, type AnalystDeps } from './routes.ts';

/** The analysts' reads of the history as a service of its own (the distributed mode's analyst process). */
export function buildAnalystApp(deps: AnalystDeps & ServiceAppDeps): ServiceApp {
  const app = createServiceApp(serviceAppOptions('analyst', undefined, deps));
  registerAnalyst(app, deps);
  return app;
}
