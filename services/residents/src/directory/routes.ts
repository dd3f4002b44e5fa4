import { z } from 'zod';
import { IdNumberSchema, parseEnvelope, type IdNumberReservationEvent } from '@fangyi/contracts';
import { DEFAULT_PARTITION, InvalidCursorError, MAX_PAGE } from '@fangyi/projections';
import {
  ALL_COMMUNITIES,
  DomainError,
  badPartitionCursor,
  decodePartitionCursor,
  encodePartitionCursor,
  fault,
  requireCommunity,
  route,
  worksIn,
  type ServiceApp,
} from '@fangyi/service-kit';
import type { ResidentsDeps } from '../http.ts';
import { idNumberStreamId } from '../person/idNumberReservation.ts';
import type { HouseholdPeopleFeed } from '../householdPeople/feed.ts';
import {
  DIRECTORY_HOUSEHOLDS,
  DIRECTORY_INDEX,
  DIRECTORY_PEOPLE,
  fold,
  type DirectoryHousehold,
  type DirectoryPerson,
} from './projection.ts';

const READERS = ['registrar', 'caller', 'report-officer', 'analyst'] as const;

const SearchQuery = z.strictObject({
  /** `name`: people whose name starts with q; `address`: households whose address starts with q; `idNumber`: the one person holding it. */
  by: z.enum(['name', 'address', 'idNumber']),
  q: z.string().trim().min(1).max(100),
  /** One community; without it, every community the reader works in. */
  community: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[^{}\s]+$/, 'a community name has no spaces or braces')
    .optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(20),
  cursor: z.string().min(1).max(1000).optional(),
});

const badCursor = () => badPartitionCursor('search');

/**
 * GET /residents/search: find a household by address or a person by name (a prefix, spaces and
 * case ignored) or ID number (exact), within the communities the reader works in, a page at a time
 * through the directory's indexes. An ID number is looked up through its reservation stream (an
 * HMAC of the number), so the number is never kept in an index.
 */
export function directoryRoutes(
  app: ServiceApp,
  deps: ResidentsDeps,
  feed: HouseholdPeopleFeed,
): void {
  const { store } = feed.directory;
  const withAddress = async (people: readonly DirectoryPerson[]) => {
    const households = await Promise.all(
      people.map((p) => feed.directory.household(p.householdId)),
    );
    return people.map((p, i) => ({ ...p, address: households[i]?.address ?? null }));
  };

  route(app, {
    method: 'GET',
    url: '/residents/search',
    summary:
      'Find people by name or ID number, or households by address, in the communities one works in; paginated',
    tags: ['people', 'households'],
    query: SearchQuery,
    roles: [...READERS],
    handler: async ({ query, user }) => {
      if (query.community) requireCommunity(user, query.community);
      // Read-your-writes, as the household's people: whatever was registered before this request is found.
      await feed.sync();

      if (query.by === 'idNumber') {
        const parsed = IdNumberSchema.safeParse(query.q);
        if (!parsed.success)
          throw new DomainError(
            'VALIDATION_FAILED',
            'q is not an ID number',
            fault('query.q', parsed.error.issues[0]?.message ?? 'not an ID number'),
          );
        const last = (
          await deps.eventStore.readStream(idNumberStreamId(deps.reservationKey, parsed.data))
        ).at(-1);
        const personId = last
          ? await deps.vault.open(
              (parseEnvelope(last).data as IdNumberReservationEvent['data']).personId,
            )
          : null;
        const person = personId ? await feed.directory.person(personId) : null;
        const visible =
          person &&
          (query.community
            ? person.community === query.community
            : worksIn(user, person.community));
        return { by: query.by, items: visible ? await withAddress([person]) : [], next: null };
      }

      // Everyone's documents are also indexed under '*', so a reader of every community reads one range.
      const values = query.community
        ? [query.community]
        : user.communities.includes(ALL_COMMUNITIES)
          ? [ALL_COMMUNITIES]
          : [...user.communities].sort();
      const prefix = fold(query.q);
      const collection = query.by === 'name' ? DIRECTORY_PEOPLE : DIRECTORY_HOUSEHOLDS;
      const index = query.by === 'name' ? DIRECTORY_INDEX.name : DIRECTORY_INDEX.address;
      let cursor = query.cursor ? decodePartitionCursor(query.cursor, 'search') : null;
      const start = cursor ? values.indexOf(cursor.partition) : 0;
      if (start < 0) throw badCursor();
      const found: (DirectoryPerson | DirectoryHousehold)[] = [];
      let next: string | null = null;
      for (let i = start; i < values.length && next === null; i++) {
        const value = values[i]!;
        const page = await store
          .page<DirectoryPerson | DirectoryHousehold>({
            collection,
            partition: DEFAULT_PARTITION,
            index,
            value,
            from: prefix,
            to: `${prefix}\uffff`,
            cursor: cursor?.partition === value ? cursor.within : null,
            limit: query.limit - found.length,
          })
          .catch((error: unknown) => {
            throw error instanceof InvalidCursorError ? badCursor() : error;
          });
        cursor = null;
        found.push(...page.items);
        if (page.next !== null) next = encodePartitionCursor(value, page.next);
        else if (found.length >= query.limit && i + 1 < values.length)
          next = encodePartitionCursor(values[i + 1]!, null);
      }
      const items = query.by === 'name' ? await withAddress(found as DirectoryPerson[]) : found;
      return { by: query.by, items, next };
    },
  });
}
