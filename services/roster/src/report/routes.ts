import { z } from 'zod';
import { BusinessDateSchema } from '@fangyi/contracts';
import type { EventStore } from '@fangyi/eventstore';
import type { ProjectionStore } from '@fangyi/projections';
import {
  SHIPPED_DISTRICT,
  businessDate,
  localTime,
  route,
  worksIn,
  type Clock,
  type District,
  type ServiceApp,
  type SlotWindows,
} from '@fangyi/service-kit';
import { dailyReport } from './daily.ts';
import { reportCsv, reportWorkbook } from './export.ts';
import { renderReportPage, reportLabelsOf } from './page.ts';
import { AS_OF_QUERY, buildAsOf, cutLabel, cutOf, type AsOfDeps } from '../asOf.ts';
import {
  REPORT,
  type CaseDoc,
  type CheckpointDoc,
  type ComplaintDoc,
  type CrossingDayDoc,
  type HouseholdDoc,
  type PersonDoc,
} from './projection.ts';

export interface ReportDeps extends AsOfDeps {
  readonly store: ProjectionStore;
  readonly clock: Clock;
  readonly timeZone: string;
  /** The check windows: a slot that closed before a case was registered is not due. */
  readonly slotWindows: SlotWindows;
  /** The district's places, labels and risk areas; default the shipped Kutao district. */
  readonly district?: District;
  /** Where "as of" questions are answered from; without it, only today's knowledge is served. */
  readonly eventStore?: EventStore;
}

const ReportQuery = z.strictObject({
  date: BusinessDateSchema.optional(),
  ...AS_OF_QUERY,
  format: z.enum(['json', 'csv', 'xlsx', 'html']).default('json'),
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

/** The report officer's daily report (每日报表) for the street office, per community and in total. */
export function reportRoutes(app: ServiceApp, deps: ReportDeps): void {
  const district = deps.district ?? SHIPPED_DISTRICT;
  const labels = reportLabelsOf(district);
  route(app, {
    method: 'GET',
    url: '/report/daily',
    summary:
      'The daily figures per community, per district and in total, each from facts dated on or before the date; ?asOf= as it stood at an instant (events that happened by then, a check logged later included), ?knownAt= with what was known then (events recorded by then); ?format=csv (UTF-8 with BOM, quoted, zh-CN headings) or xlsx for sending up, ?format=html as a page (zh-CN)',
    tags: ['report'],
    query: ReportQuery,
    roles: ['report-officer', 'analyst'],
    handler: async ({ query, user, reply }) => {
      const cut = cutOf(query, deps.clock, deps);
      const date = query.date ?? businessDate(cut ? cut.now : deps.clock(), deps.timeZone);
      const store: ProjectionStore = cut
        ? (await buildAsOf(deps, 'report', deps.timeZone, cut)).store
        : deps.store;
      const report = dailyReport(await load(store), date, (community) => worksIn(user, community), {
        timeZone: deps.timeZone,
        slotWindows: deps.slotWindows,
        district,
      });
      if (query.format === 'html') {
        const local = localTime(deps.clock(), deps.timeZone);
        const asOfLocal =
          query.asOf ??
          query.knownAt ??
          `${local.date} ${String(Math.floor(local.minutes / 60)).padStart(2, '0')}:${String(local.minutes % 60).padStart(2, '0')}`;
        reply.type('text/html; charset=utf-8');
        return renderReportPage({ ...report, asOfLocal, labels });
      }
      if (query.format === 'csv') {
        reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="fangyi-daily-${date}.csv"`);
        return reportCsv(report, labels);
      }
      if (query.format === 'xlsx') {
        reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="fangyi-daily-${date}.xlsx"`);
        return reportWorkbook(report, labels);
      }
      return {
        ...report,
        asOf: cut ? cut.now.toISOString() : deps.clock().toISOString(),
        ...(cut ? { cut: cutLabel(cut) } : {}),
      };
    },
  });
}
