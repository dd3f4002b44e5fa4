export { registerAnalyst, type AnalystDeps } from './routes.ts';
export { exportEvents, exportLines, filterOf, type ExportCriteria } from './export.ts';
export { importClock, importNdjson, ImportLineError } from './import.ts';
export { toNdjsonLine } from './ndjson.ts';
export { VIEWS, buildView, dailyReportOf, rosterDocs, type ViewName } from './views.ts';
export { personTimeline, type Timeline, type TimelineEntry } from './timeline.ts';
export { summaryOf } from './summary.ts';
