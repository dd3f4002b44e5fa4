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
  businessDate,
  requireCommunity,
  route,
  type Clock,
  type PersonalDataVault,
  type ServiceApp,
  type SlotWindows,
  type User,
  badPartitionCursor,
  decodePartitionCursor,
  encodePartitionCursor,
} from '@fangyi/service-kit';
import {
  CONTACTS_COLLECTION,
  HOUSEHOLDS_COLLECTION,
  ROSTER_COLLECTION,
  ROSTER_INDEX,
  type RosterRow,
  type RosterContact,
  type RosterHousehold,
} from '../roster/projection.ts';
import { worklistEntry, type WorklistEntry } from './view.ts';
import { AS_OF_QUERY, buildAsOf, communitiesFor, cutLabel, cutOf, type AsOfDeps } from '../asOf.ts';

export interface WorklistDeps extends AsOfDeps {
  readonly store: ProjectionStore;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly slotWindows: SlotWindows;
  /** Opens the sealed phone numbers at query time; without one, phones read null. */
  readonly vault?: PersonalDataVault;
}

const id = z.string().min(1).max(128);

const WorklistQuery = z.strictObject({
  /** One caller's people; a caller who names neither caller nor community gets their own. */
  caller: id.optional(),
  /** A community's name as the store keeps it: no spaces or braces. */
  community: id.regex(/^[^{}\s]+$/, 'a community name has no spaces or braces').optional(),
  date: BusinessDateSchema.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  cursor: z.string().min(1).max(1000).optional(),
  ...AS_OF_QUERY,
});

const WORKLIST_READERS = ['caller', 'registrar', 'report-officer', 'analyst'] as const;

const badCursor = () => badPartitionCursor('worklist');

/** The phone (sealed in the read model, opened here) and address of each case's person: the people at once, then their households. */
async function contactsOf(
  store: ProjectionStore,
  vault: PersonalDataVault | undefined,
  cases: readonly RosterRow[],
) {
  const contacts = await store.getMany<RosterContact>(
    CONTACTS_COLLECTION,
    cases.map((c) => c.personId),
  );
  const wanted = [...new Set(contacts.flatMap((p) => (p ? [p.householdId] : [])))];
  const found = new Map(
    (await store.getMany<RosterHousehold>(HOUSEHOLDS_COLLECTION, wanted)).map((h, i) => [
      wanted[i]!,
      h,
    ]),
  );
  const households = contacts.map((p) => (p ? (found.get(p.householdId) ?? null) : null));
  const phones = vault
    ? await vault.openAll(contacts.map((p) => p?.phone ?? ''))
    : contacts.map(() => null);
  return cases.map((_, i) => ({
    phone: contacts[i] ? phones[i] || null : null,
    address: households[i]?.address ?? null,
  }));
}

/**
 * The follow-up caller's worklist: for one caller or one community, the people with something to
 * do on a date (default today in the district), most urgent first, one page at a time. Read through
 * the worklist indexes of each community the reader works in, so a page reads only what it returns.
 */
export function worklistRoutes(app: ServiceApp, deps: WorklistDeps): void {
  route(app, {
    method: 'GET',
    url: '/roster/worklist',
    summary:
      "A caller's (or a community's) people to check on a date: open escalations, then overdue, due now and coming up by the window closing first; with phone, address, day N, last temperature and trend, attempts; ?asOf= as it stood at an instant (events that happened by then, however late recorded), ?knownAt= as it was known then",
    tags: ['roster'],
    query: WorklistQuery,
    roles: WORKLIST_READERS,
    handler: async ({ query, user }) => worklistPage(deps, query, user),
  });
}

/**
 * One page of the worklist as the route answers it: live, or as of a cut (`asOf`, `knownAt`: the
 * roster view built for it, the clock stopped at the instant). The command line calls it too.
 */
export async function worklistPage(
  deps: WorklistDeps,
  input: z.input<typeof WorklistQuery> | z.output<typeof WorklistQuery>,
  user: User,
) {
  const query = WorklistQuery.parse(input);
  const cut = cutOf(query, deps.clock, deps);
  const now = cut ? cut.now : deps.clock();
  const date = query.date ?? businessDate(now, deps.timeZone);
  const caller = query.caller ?? (user.role === 'caller' && !query.community ? user.id : undefined);
  if (query.community) requireCommunity(user, query.community);
  // As of an instant: the roster view built for that cut (its cases, contacts and households).
  const live: ProjectionStore = cut
    ? (await buildAsOf(deps, 'roster', deps.timeZone, cut, communitiesFor(user, query.community)))
        .store
    : deps.store;
  const store = live.pin ? await live.pin().catch(() => live) : live;
  const communities = query.community
    ? [query.community]
    : (user.communities.includes(ALL_COMMUNITIES)
        ? (await store.partitions()).filter((p) => p !== DEFAULT_PARTITION)
        : [...user.communities]
      ).sort();
  const range = caller
    ? { index: ROSTER_INDEX.worklistCaller, value: `${caller}:${date}` }
    : { index: ROSTER_INDEX.worklist, value: date };
  let cursor = query.cursor ? decodePartitionCursor(query.cursor, 'worklist') : null;
  const start = cursor ? communities.indexOf(cursor.partition) : 0;
  if (start < 0) throw badCursor();
  const cases: RosterRow[] = [];
  let next: string | null = null;
  for (let i = start; i < communities.length && next === null; i++) {
    const community = communities[i]!;
    const page = await store
      .page<RosterRow>({
        collection: ROSTER_COLLECTION,
        partition: community,
        ...range,
        cursor: cursor?.partition === community ? cursor.within : null,
        limit: query.limit - cases.length,
      })
      .catch((error: unknown) => {
        throw error instanceof InvalidCursorError ? badCursor() : error;
      });
    cursor = null;
    cases.push(...page.items);
    if (page.next !== null) next = encodePartitionCursor(community, page.next);
    else if (cases.length >= query.limit && i + 1 < communities.length)
      next = encodePartitionCursor(communities[i + 1]!, null);
  }
  const contacts = await contactsOf(store, deps.vault, cases);
  const entries: WorklistEntry[] = cases.map((c, i) =>
    worklistEntry(c, date, now, deps.timeZone, deps.slotWindows, contacts[i]!),
  );
  return {
    date,
    timeZone: deps.timeZone,
    asOf: now.toISOString(),
    ...(cut ? { cut: cutLabel(cut) } : {}),
    caller: caller ?? null,
    entries,
    next,
  };
}
