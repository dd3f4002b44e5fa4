export { buildQuarantineApp, registerQuarantine, type QuarantineAppDeps } from './app.ts';
export {
  quarantineErrors,
  homeQuarantineDecider,
  nextCaseId,
  streamIdOf,
  type CallersByCommunity,
} from './homeQuarantine/homeQuarantine.ts';
export {
  arrivalAssessmentDecider,
  arrivalAssessmentStreamId,
} from './arrivalAssessment/assessment.ts';
export {
  PEOPLE_COLLECTION,
  PERSON_CASES_COLLECTION,
  PeopleDirectory,
  peopleDirectoryProjection,
  startPeopleDirectoryFeed,
  type DirectoryPerson,
  type PeopleDirectoryFeed,
} from './people/directory.ts';
export {
  ACTIVE_CASES_COLLECTION,
  ActiveCases,
  activeCasesProjection,
  startActiveCasesFeed,
  type ActiveCase,
  type ActiveCasesFeed,
} from './activeCases/projection.ts';
export {
  startQuarantinePolicies,
  parseCallers,
  parseRiskAreas,
  UNASSIGNED_CALLER,
  type QuarantinePoliciesOptions,
} from './policies/index.ts';
export {
  recordMissedChecks,
  startMissedCheckScheduler,
  SCHEDULER_ACTOR,
  type MissedCheckRun,
  type MissedCheckScheduler,
  type MissedCheckSchedulerOptions,
} from './scheduler/missedChecks.ts';
export {
  DEFAULT_ESCALATION_ACK_MINUTES,
  ESCALATION_TIMER_ACTOR,
  recordOverdueEscalations,
  startEscalationTimer,
  type EscalationTimer,
  type EscalationTimerOptions,
  type EscalationTimerRun,
} from './scheduler/overdueEscalations.ts';
export { isFromRiskArea, type RiskArea } from './policies/config.ts';
