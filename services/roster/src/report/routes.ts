import { z } from 'zod';
import { BusinessDateSchema } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import { projectAsOf, type ProjectionStore } from '@fangyi/projections';
import { DomainError, businessDate, localTime, route, worksIn, type Clock, type ServiceApp } from '@fangyi/service-kit';
import { dailyReport, type DailyFigures } from './daily.ts';
import { renderReportPage } from './page.ts';
import { REPORT, reportProjection, type CaseDoc, type CheckpointDoc, type ComplaintDoc, type CrossingDayDoc, type HouseholdDoc, type PersonDoc } from './projection.ts';

export interface ReportDeps {
  readonly store: ProjectionStore;
  readonly clock: Clock;
  readonly timeZone: string;
  /** Where "as of" questions are answered from; without it, only today's knowledge is served. */
  readonly eventStore?: EventStore;
}

const ReportQuery = z.strictObject({
  date: BusinessDateSchema.optional(),
  /** Answer with only what the system had recorded by this instant. */
  asOf: z.iso.datetime({ offset: true }).optional(),
  format: z.enum(['json', 'csv', 'html']).default('json'),
});

async function load(store: ProjectionStore) {
  const [households, people, cases, checkpoints, crossingDays, complaints] = await Promise.all([
    store.list<HouseholdDoc>(REPORT.households),
    store.list<PersonDoc>(REPORT.people),
    store.list<CaseDoc>(REPORT.cases),
    store.list<CheckpointDoc>(REPORT.checkpoints),
    store.list<CrossingDayDoc>(REPORT.crossingDays),
    store.list<ComplaintDoc>(REPORT.complaints),
  ]);
  return { households, people, cases, checkpoints, crossingDays, complaints };
}

function toCsv(report: ReturnType<typeof dailyReport>): string {
  const rows = [...report.communities, { community: '合计 total', ...report.total }];
  const columns = (Object.entries(report.total) as [keyof DailyFigures, Record<string, number>][]).flatMap(([section, values]) => Object.keys(values).map((k) => [section, k] as const));
  const header = ['date', 'community', ...columns.map(([section, k]) => `${section}.${k}`)].join(',');
  const lines = rows.map((r) => [report.date, r.community, ...columns.map(([section, k]) => (r[section] as Record<string, number>)[k])].join(','));
  return `${[header, ...lines].join('\n')}\n`;
}

/** The report officer's daily report (每日报表) for the street office, per community and in total. */
export function reportRoutes(app: ServiceApp, deps: ReportDeps): void {
  const projection = reportProjection((iso) => businessDate(new Date(iso), deps.timeZone));
  route(app, {
    method: 'GET',
    url: '/report/daily',
    summary: 'The daily figures per community and for the district; ?asOf= answers with what was known then; ?format=csv for sending up, ?format=html as a page (zh-CN)',
    tags: ['report'],
    query: ReportQuery,
    roles: ['report-officer', 'analyst'],
    handler: async ({ query, user, reply, request }) => {
      const date = query.date ?? businessDate(deps.clock(), deps.timeZone);
      let store = deps.store;
      if (query.asOf) {
        if (!deps.eventStore) throw new DomainError('VALIDATION_FAILED', 'this deployment answers no as-of questions', [{ field: 'query.asOf', message: 'not available here' }]);
        store = await projectAsOf({ projection, eventStore: deps.eventStore, asOf: new Date(query.asOf) });
      }
      const report = dailyReport(await load(store), date, (community) => worksIn(user, community));
      if (query.format === 'html') {
        const token = (request.query as { access_token?: unknown }).access_token;
        const local = localTime(deps.clock(), deps.timeZone);
        const asOfLocal = query.asOf ?? `${local.date} ${String(Math.floor(local.minutes / 60)).padStart(2, '0')}:${String(local.minutes % 60).padStart(2, '0')}`;
        reply.type('text/html; charset=utf-8');
        return renderReportPage({ ...report, asOfLocal, ...(typeof token === 'string' ? { accessToken: token } : {}) });
      }
      if (query.format === 'csv') {
        reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="fangyi-daily-${date}.csv"`);
        return toCsv(report);
      }
      return { ...report, asOf: query.asOf ?? deps.clock().toISOString() };
    },
  });
}
