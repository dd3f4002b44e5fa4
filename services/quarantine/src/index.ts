export { buildQuarantineApp, registerQuarantine, type QuarantineAppDeps } from './app.ts';
export { quarantineErrors, homeQuarantineDecider, streamIdOf } from './homeQuarantine/homeQuarantine.ts';
export { ACTIVE_CASES_COLLECTION, ActiveCases, activeCasesProjection, startActiveCasesFeed, type ActiveCase, type ActiveCasesFeed } from './activeCases/projection.ts';
export {
  startQuarantinePolicies,
  parseCallers,
  parseRiskAreas,
  DEFAULT_RISK_AREAS,
  UNASSIGNED_CALLER,
  type QuarantinePoliciesOptions,
} from './policies/index.ts';
export { recordMissedChecks, startMissedCheckScheduler, SCHEDULER_ACTOR, type MissedCheckRun, type MissedCheckScheduler, type MissedCheckSchedulerOptions } from './scheduler/missedChecks.ts';
