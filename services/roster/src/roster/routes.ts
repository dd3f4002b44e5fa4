import { z } from 'zod';
import { BusinessDateSchema } from '@fangyi/contracts';
import {
  DEFAULT_PARTITION,
  InvalidCursorError,
  MAX_PAGE,
  type ProjectionStore,
} from '@fangyi/projections';
import {
  ALL_COMMUNITIES,
  DomainError,
  businessDate,
  fault,
  localTime,
  requireInScope,
  route,
  worksIn,
  SHIPPED_DISTRICT,
  type Clock,
  type District,
  type ServiceApp,
  type User,
} from '@fangyi/service-kit';
import {
  ROSTER_COLLECTION,
  ROSTER_INDEX,
  slotIndexValue,
  withDefaults,
  type RecordedSlotState,
  type RosterCase,
  type RosterRow,
} from './projection.ts';
import {
  SLOT_STATUSES,
  rosterFor,
  type RosterEntry,
  type SlotStatus,
  type SlotWindows,
} from './status.ts';
import { renderRosterPage } from '../console/page.ts';
import { AS_OF_QUERY, buildAsOf, communitiesFor, cutLabel, cutOf, type AsOfDeps } from '../asOf.ts';

export interface RosterDeps extends AsOfDeps {
  readonly store: ProjectionStore;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly slotWindows: SlotWindows;
  /** The district's place names for the page; default the shipped Kutao district. */
  readonly district?: District;
}

const id = z.string().min(1).max(128);

const RosterQuery = z.strictObject({
  date: BusinessDateSchema.optional(),
  community: id.optional(),
  caller: id.optional(),
  /** Only people with at least one slot in this status. */
  status: z.enum(SLOT_STATUSES).optional(),
  /** People per page (at most 200). */
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  /** The `next` of the previous page. */
  cursor: z.string().min(1).max(1000).optional(),
  ...AS_OF_QUERY,
});

/** One case's record: as it is now, or as of an instant. */
const CaseQuery = z.strictObject(AS_OF_QUERY);

/**
 * The deps a query runs on: the live read model, or for `asOf` / `knownAt` the view built for
 * that cut (from the nearest snapshot) with the clock stopped at the instant asked of.
 */
async function depsFor(
  deps: RosterDeps,
  query: {
    asOf?: string | undefined;
    knownAt?: string | undefined;
    community?: string | undefined;
  },
  user: User,
): Promise<{ deps: RosterDeps; cut: ReturnType<typeof cutLabel> | null }> {
  const cut = cutOf(query, deps.clock, deps);
  if (!cut) return { deps, cut: null };
  // Only the communities the answer can show: one part of each snapshot, and their events.
  const named =
    query.community !== undefined && worksIn(user, query.community) ? query.community : undefined;
  const { store } = await buildAsOf(
    deps,
    'roster',
    deps.timeZone,
    cut,
    communitiesFor(user, named),
  );
  return { deps: { ...deps, store, clock: () => cut.now }, cut: cutLabel(cut) };
}

/** Who reads the roster: callers and registrars of their communities, the report officer, analysts. */
const ROSTER_READERS = ['caller', 'registrar', 'report-officer', 'analyst'] as const;

/** Store pages read at most per request while filtering on what no index holds (pending, overdue). */
const SCAN_BUDGET = 5;

/** Where a roster page ends: the community, and the store's cursor within it. */
interface RosterCursor {
  readonly community: string;
  readonly within: string | null;
}

const encodeRosterCursor = (c: RosterCursor) =>
  Buffer.from(JSON.stringify([c.community, c.within]), 'utf8').toString('base64url');

function decodeRosterCursor(text: string): RosterCursor {
  const bad = () =>
    new DomainError(
      'VALIDATION_FAILED',
      'cursor is not one this roster gave out',
      fault('query.cursor', 'pass the `next` of a previous page'),
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    (parsed[1] !== null && typeof parsed[1] !== 'string')
  )
    throw bad();
  return { community: parsed[0], within: parsed[1] };
}

/**
 * One page of the roster, read through the indexes of each community (a partition of the store):
 * a status a slot records (done, missed) through the slot index of the date; a caller's people
 * through the caller index; everyone else through the day index, from the date on. Only pending and
 * overdue, which depend on the clock, are filtered here, reading at most SCAN_BUDGET store pages.
 */
async function buildRoster(deps: RosterDeps, query: z.output<typeof RosterQuery>, user: User) {
  const now = deps.clock();
  const date = query.date ?? businessDate(now, deps.timeZone);
  const store = deps.store.pin ? await deps.store.pin().catch(() => deps.store) : deps.store;
  const everywhere = user.communities.includes(ALL_COMMUNITIES);
  const communities = query.community
    ? worksIn(user, query.community)
      ? [query.community]
      : []
    : (everywhere
        ? (await store.partitions()).filter((p) => p !== DEFAULT_PARTITION)
        : [...user.communities]
      ).sort();
  let cursor = query.cursor ? decodeRosterCursor(query.cursor) : null;
  const start = cursor ? communities.indexOf(cursor.community) : 0;
  if (cursor && start < 0)
    throw new DomainError(
      'VALIDATION_FAILED',
      'cursor is of another query',
      fault('query.cursor', 'pass the `next` of a previous page of the same query'),
    );
  const recorded =
    query.status === 'done-normal' || query.status === 'done-abnormal' || query.status === 'missed';
  const matches = (e: RosterEntry) =>
    (!query.caller || e.assignedCaller === query.caller) &&
    (!query.status || e.am.status === query.status || e.pm.status === query.status);

  const entries: RosterEntry[] = [];
  let next: RosterCursor | null = null;
  let reads = 0;
  outer: for (let i = start; i < communities.length; i++) {
    const community = communities[i]!;
    let within = cursor && cursor.community === community ? cursor.within : null;
    cursor = null;
    for (;;) {
      const range = recorded
        ? {
            index: ROSTER_INDEX.slot,
            value: slotIndexValue(date, query.status as RecordedSlotState),
          }
        : query.caller
          ? { index: ROSTER_INDEX.caller, value: query.caller, from: date }
          : { index: ROSTER_INDEX.day, value: '', from: date };
      const page = await store
        .page<RosterRow>({
          collection: ROSTER_COLLECTION,
          partition: community,
          ...range,
          cursor: within,
          limit: query.limit - entries.length,
        })
        .catch((error: unknown) => {
          if (error instanceof InvalidCursorError)
            throw new DomainError(
              'VALIDATION_FAILED',
              'cursor is not one this roster gave out',
              fault('query.cursor', 'pass the `next` of a previous page'),
            );
          throw error;
        });
      reads++;
      entries.push(
        ...rosterFor(page.items, date, now, deps.timeZone, deps.slotWindows, false).filter(matches),
      );
      within = page.next;
      if (within === null) break;
      if (entries.length >= query.limit || reads >= SCAN_BUDGET) {
        next = { community, within };
        break outer;
      }
    }
    if (entries.length >= query.limit || reads >= SCAN_BUDGET) {
      if (i + 1 < communities.length) next = { community: communities[i + 1]!, within: null };
      break;
    }
  }
  const count = (s: SlotStatus) =>
    entries.reduce((n, e) => n + (e.am.status === s ? 1 : 0) + (e.pm.status === s ? 1 : 0), 0);
  return {
    date,
    timeZone: deps.timeZone,
    asOf: now.toISOString(),
    slotWindows: {
      am: {
        opens: toClock(deps.slotWindows.am.opens),
        closes: toClock(deps.slotWindows.am.closes),
      },
      pm: {
        opens: toClock(deps.slotWindows.pm.opens),
        closes: toClock(deps.slotWindows.pm.closes),
      },
    },
    /** Of this page. */
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
    /** The cursor of the next page, or null after the last. */
    next: next ? encodeRosterCursor(next) : null,
  };
}

/**
 * One page of the roster as the route answers it: live, or as of a cut (`asOf`, `knownAt`), with
 * the cut named in the answer. The command line calls it too (`fangyi as-of roster`).
 */
export async function rosterPage(
  deps: RosterDeps,
  query: z.input<typeof RosterQuery> | z.output<typeof RosterQuery>,
  user: User,
) {
  const parsed = RosterQuery.parse(query);
  const at = await depsFor(deps, parsed, user);
  const roster = await buildRoster(at.deps, parsed, user);
  return at.cut ? { ...roster, cut: at.cut } : roster;
}

const toClock = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** The roster query API: who is under home quarantine on a date and where each of their two checks stands. */
export function rosterRoutes(app: ServiceApp, deps: RosterDeps): void {
  route(app, {
    method: 'GET',
    url: '/roster',
    summary:
      'The home quarantine roster for a date (default: today in the district), with am/pm check status, one page at a time (limit, cursor); ?asOf= as it was at an instant (events that happened by then, however late recorded), ?knownAt= as it was known then (events recorded by then)',
    tags: ['roster'],
    query: RosterQuery,
    roles: ROSTER_READERS,
    handler: async ({ query, user }) => rosterPage(deps, query, user),
  });

  route(app, {
    method: 'GET',
    url: '/',
    summary: 'The roster as a page for follow-up callers (zh-CN)',
    tags: ['roster'],
    query: RosterQuery,
    roles: ROSTER_READERS,
    handler: async ({ query, reply, user }) => {
      reply.type('text/html; charset=utf-8');
      const roster = await rosterPage(deps, query, user);
      const local = localTime(new Date(roster.asOf), deps.timeZone);
      const asOfLocal = `${local.date} ${String(Math.floor(local.minutes / 60)).padStart(2, '0')}:${String(local.minutes % 60).padStart(2, '0')}`;
      return renderRosterPage({
        ...roster,
        asOfLocal,
        placeLabel: (deps.district ?? SHIPPED_DISTRICT).placeLabel,
      });
    },
  });

  route(app, {
    method: 'GET',
    url: '/roster/cases/:caseId',
    summary:
      "One person's roster record with every check of the period; ?asOf= as it was then (events that happened by then, however late recorded), ?knownAt= as it was known then (events recorded by then)",
    tags: ['roster'],
    params: z.strictObject({ caseId: id }),
    query: CaseQuery,
    roles: ROSTER_READERS,
    handler: async ({ params, query, user }) => {
      const { deps: at } = await depsFor(deps, query, user);
      const doc = await at.store.get<RosterCase>(ROSTER_COLLECTION, params.caseId);
      const notFound = () =>
        new DomainError('NOT_FOUND', `no roster record for case ${params.caseId}`);
      if (!doc) throw notFound();
      requireInScope(user, doc.community, notFound);
      return withDefaults(doc);
    },
  });
}
