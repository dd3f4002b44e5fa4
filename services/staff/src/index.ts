import { mergeErrors, type Registered, type ServiceApp, type User } from '@fangyi/service-kit';
import { staffErrors } from './account/account.ts';
import type { StaffDirectory } from './account/directory.ts';
import { staffRoutes, type StaffDeps } from './account/routes.ts';

export {
  staffDecider,
  staffErrors,
  staffStreamId,
  type StaffAccountState,
  type StaffCommand,
} from './account/account.ts';
export {
  applyCallersFromAccounts,
  startStaffDirectory,
  staffDirectoryProjection,
  type StaffAccountItem,
  type StaffDirectory,
} from './account/directory.ts';
export { createDemoAccounts } from './account/demo.ts';
export { hashPassword, verifyPassword, type HashOptions } from './password.ts';
export type { StaffDeps } from './account/routes.ts';

/** Every error code of the staff service, to merge into an app that serves its routes. */
export const staffServiceErrors = mergeErrors(staffErrors);

declare module '@fangyi/service-kit/errors' {
  interface RegisteredErrors extends Registered<typeof staffErrors> {}
}

/** Adds the staff account and session routes to an app (the embedded one, or a service of its own). */
export function registerStaff(app: ServiceApp, deps: StaffDeps): void {
  staffRoutes(app, deps);
}

/**
 * The app's session check (`sessionCheck` of createServiceApp): a console session of an account
 * that has since been disabled ends at its next request. A user with no account (a bearer token
 * of a script) is not a session, and is not asked about.
 */
export const sessionCheckOf = (directory: StaffDirectory) => (user: User) =>
  directory.snapshot().get(user.id)?.status !== 'disabled';
