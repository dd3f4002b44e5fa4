export { buildRosterApp, registerRoster, type RosterAppDeps } from './app.ts';
export { rosterProjection, ROSTER_COLLECTION, type RosterCase } from './roster/projection.ts';
export { DEFAULT_SLOT_WINDOWS, parseSlotWindows, rosterFor, slotStatus, type SlotWindows, type SlotStatus } from './roster/status.ts';
export { reportProjection, REPORT } from './report/projection.ts';
export { dailyReport, type DailyFigures } from './report/daily.ts';
