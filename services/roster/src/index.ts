export { buildRosterApp, registerRoster, type RosterAppDeps } from './app.ts';
export { rosterProjection, ROSTER_COLLECTION, type RosterCase } from './roster/projection.ts';
export {
  DEFAULT_SLOT_WINDOWS,
  parseSlotWindows,
  rosterFor,
  slotStatus,
  type SlotWindows,
  type SlotStatus,
} from './roster/status.ts';
export { reportProjection, REPORT } from './report/projection.ts';
export {
  dailyReport,
  type CommunityDistricts,
  type DailyFigures,
  type DailyReport,
} from './report/daily.ts';
export {
  REPORT_HEADINGS,
  reportHeadings,
  reportCsv,
  reportRows,
  reportWorkbook,
} from './report/export.ts';
export {
  ALERTS_COLLECTION,
  ALERT_CASES_COLLECTION,
  alertsProjection,
  type Alert,
  type AlertCase,
  type BreachAlert,
  type EscalationAlert,
} from './alerts/projection.ts';
export { alertsAsOf } from './alerts/routes.ts';
export { READ_MODEL_CONSUMER } from './consumer.ts';
export {
  AS_OF_QUERY,
  AS_OF_VIEWS,
  asOfView,
  buildAsOf,
  communitiesFor,
  cutLabel,
  cutOf,
  type AsOfDeps,
  type AsOfView,
} from './asOf.ts';
export { rosterPage } from './roster/routes.ts';
export { worklistPage } from './worklist/routes.ts';
