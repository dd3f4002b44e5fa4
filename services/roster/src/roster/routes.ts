import { z } from 'zod';
import { BusinessDateSchema } from '@fangyi/contracts';
import type { ProjectionStore } from '@fangyi/projections';
import { DomainError, businessDate, localTime, requireInScope, route, worksIn, type Clock, type ServiceApp, type User } from '@fangyi/service-kit';
import { ROSTER_COLLECTION, withDefaults, type RosterCase } from './projection.ts';
import { SLOT_STATUSES, rosterFor, type SlotStatus, type SlotWindows } from './status.ts';
import { renderRosterPage } from '../console/page.ts';

export interface RosterDeps {
  readonly store: ProjectionStore;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly slotWindows: SlotWindows;
}

const id = z.string().min(1).max(128);

const RosterQuery = z.strictObject({
  date: BusinessDateSchema.optional(),
  community: id.optional(),
  caller: id.optional(),
  /** Only people with at least one slot in this status. */
  status: z.enum(SLOT_STATUSES).optional(),
});

/** Who reads the roster: callers and registrars of their communities, the report officer, analysts. */
const ROSTER_READERS = ['caller', 'registrar', 'report-officer', 'analyst'] as const;

async function buildRoster(deps: RosterDeps, query: z.output<typeof RosterQuery>, user: User) {
  const now = deps.clock();
  const date = query.date ?? businessDate(now, deps.timeZone);
  const cases = (await deps.store.list<RosterCase>(ROSTER_COLLECTION)).filter((c) => worksIn(user, c.community));
  let entries = rosterFor(cases, date, now, deps.timeZone, deps.slotWindows);
  if (query.community) entries = entries.filter((e) => e.community === query.community);
  if (query.caller) entries = entries.filter((e) => e.assignedCaller === query.caller);
  if (query.status) entries = entries.filter((e) => e.am.status === query.status || e.pm.status === query.status);
  const count = (s: SlotStatus) => entries.reduce((n, e) => n + (e.am.status === s ? 1 : 0) + (e.pm.status === s ? 1 : 0), 0);
  return {
    date,
    timeZone: deps.timeZone,
    asOf: now.toISOString(),
    slotWindows: {
      am: { opens: toClock(deps.slotWindows.am.opens), closes: toClock(deps.slotWindows.am.closes) },
      pm: { opens: toClock(deps.slotWindows.pm.opens), closes: toClock(deps.slotWindows.pm.closes) },
    },
    totals: {
      people: entries.length,
      doneNormal: count('done-normal'),
      doneAbnormal: count('done-abnormal'),
      pending: count('pending'),
      overdue: count('overdue'),
      missed: count('missed'),
      openEscalations: entries.reduce((n, e) => n + e.openEscalations.length, 0),
    },
    entries,
  };
}

const toClock = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** The roster query API: who is under home quarantine on a date and where each of their two checks stands. */
export function rosterRoutes(app: ServiceApp, deps: RosterDeps): void {
  route(app, {
    method: 'GET',
    url: '/roster',
    summary: 'The home quarantine roster for a date (default: today in the district), with am/pm check status',
    tags: ['roster'],
    query: RosterQuery,
    roles: ROSTER_READERS,
    handler: async ({ query, user }) => buildRoster(deps, query, user),
  });

  route(app, {
    method: 'GET',
    url: '/',
    summary: 'The roster as a page for follow-up callers (zh-CN)',
    tags: ['roster'],
    query: RosterQuery,
    roles: ROSTER_READERS,
    handler: async ({ query, reply, user, request }) => {
      reply.type('text/html; charset=utf-8');
      const roster = await buildRoster(deps, query, user);
      const token = (request.query as { access_token?: unknown }).access_token;
      const local = localTime(new Date(roster.asOf), deps.timeZone);
      const asOfLocal = `${local.date} ${String(Math.floor(local.minutes / 60)).padStart(2, '0')}:${String(local.minutes % 60).padStart(2, '0')}`;
      return renderRosterPage({ ...roster, asOfLocal, ...(typeof token === 'string' ? { accessToken: token } : {}) });
    },
  });

  route(app, {
    method: 'GET',
    url: '/roster/cases/:caseId',
    summary: "One person's roster record with every check of the period",
    tags: ['roster'],
    params: z.strictObject({ caseId: id }),
    roles: ROSTER_READERS,
    handler: async ({ params, user }) => {
      const doc = await deps.store.get<RosterCase>(ROSTER_COLLECTION, params.caseId);
      const notFound = () => new DomainError('NOT_FOUND', `no roster record for case ${params.caseId}`);
      if (!doc) throw notFound();
      requireInScope(user, doc.community, notFound);
      return withDefaults(doc);
    },
  });
}
