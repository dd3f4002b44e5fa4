import {
  createServiceApp,
  serviceAppOptions,
  type ServiceApp,
  type ServiceAppDeps,
} from '@fangyi/service-kit';
import { staffServiceErrors, registerStaff, sessionCheckOf, type StaffDeps } from './index.ts';

export interface StaffAppDeps extends StaffDeps, ServiceAppDeps {}

/**
 * The staff service as a process of its own (distributed mode): the account and session routes,
 * /health, /ready, /metrics and /openapi.json. Its own sessions end, as everywhere, when the
 * account is disabled; here at once, since each command refreshes the directory it answers from.
 */
export function buildStaffApp(deps: StaffAppDeps): ServiceApp {
  const app = createServiceApp({
    ...serviceAppOptions('staff', staffServiceErrors, deps),
    sessionCheck: deps.sessionCheck ?? sessionCheckOf(deps.directory),
    bodyLimit: 16 * 1024,
  });
  registerStaff(app, deps);
  return app;
}
