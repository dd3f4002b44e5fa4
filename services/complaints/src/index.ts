export {
  buildComplaintsApp,
  registerComplaints,
  complaintsErrors,
  type ComplaintsAppDeps,
} from './app.ts';
export type { ComplaintsDeps } from './complaint/routes.ts';
export {
  complaintDecider,
  streamIdOf,
  type ComplaintState,
  type ComplaintCommand,
} from './complaint/complaint.ts';
export {
  DEFAULT_COMPLAINT_POLICY,
  complaintPolicyFromEnv,
  parseHandlers,
  parseReplyWithinHours,
  rentalBanFor,
  type ComplaintPolicy,
} from './complaint/policy.ts';
export {
  KNOWN_HOUSEHOLDS_COLLECTION,
  startHouseholdDirectory,
  householdDirectoryProjection,
  type HouseholdDirectory,
  type KnownHousehold,
} from './households/directory.ts';
export { complaintsProjection, COMPLAINTS_COLLECTION } from './complaint/projection.ts';
export { applyToView, isOverdue, type ComplaintView } from './complaint/view.ts';
export { startComplaintsReadModel, type ComplaintsReadModelOptions } from './readModel.ts';
