import { z } from 'zod';
import type { EventStore, SnapshotStore } from '@fangyi/eventstore';
import { viewAsOf, type Cut, type Projection, type ViewAsOf } from '@fangyi/projections';
import {
  ALL_COMMUNITIES,
  DomainError,
  businessDate,
  fault,
  type Clock,
  type User,
} from '@fangyi/service-kit';
import { reportProjection } from './report/projection.ts';
import { rosterProjection } from './roster/projection.ts';

/**
 * The views that answer "as of an instant", by name, each with its snapshots' name: the version
 * changes with the projection's documents (a snapshot of another version is never read), and the
 * report's with the time zone its business dates are in.
 */
export const AS_OF_VIEWS = ['roster', 'report'] as const;
export type AsOfView = (typeof AS_OF_VIEWS)[number];

export function asOfView(
  view: AsOfView,
  timeZone: string,
): { projection: Projection; view: string } {
  return view === 'roster'
    ? { projection: rosterProjection, view: 'roster@1' }
    : {
        projection: reportProjection((iso) => businessDate(new Date(iso), timeZone)),
        view: `report@1:${timeZone}`,
      };
}

const instant = z.iso.datetime({ offset: true });

/**
 * The two query parameters of every view that answers as of an instant: `asOf` (what was true
 * then: events that happened by it, a check logged later included) and `knownAt` (what was known
 * then: events recorded by it). Both together: what was known at `knownAt` of `asOf`.
 */
export const AS_OF_QUERY = {
  /** What was true at this instant: the events that happened (occurredAt) by then, however late recorded. */
  asOf: instant.optional(),
  /** What was known at this instant: the events recorded (recordedAt) by then. */
  knownAt: instant.optional(),
};

/** Where as-of answers come from: the event store and, where kept, snapshots of the views. */
export interface AsOfDeps {
  readonly eventStore?: EventStore;
  readonly snapshots?: SnapshotStore | null;
}

/**
 * The cut a query asks for, or null for the live view. An instant after the clock's now is refused
 * (nothing is known of it yet), as is an as-of question where no event store is configured.
 */
export function cutOf(
  query: { asOf?: string | undefined; knownAt?: string | undefined },
  clock: Clock,
  deps: AsOfDeps,
): (Cut & { readonly now: Date }) | null {
  if (query.asOf === undefined && query.knownAt === undefined) return null;
  const now = clock();
  for (const key of ['asOf', 'knownAt'] as const) {
    const value = query[key];
    if (value !== undefined && Date.parse(value) > now.getTime()) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `${key} ${value} is in the future`,
        fault(`query.${key}`, `${value} is in the future: nothing is known of it yet`),
      );
    }
  }
  if (!deps.eventStore) {
    const key = query.asOf !== undefined ? 'asOf' : 'knownAt';
    throw new DomainError(
      'VALIDATION_FAILED',
      'this deployment answers no as-of questions',
      fault(`query.${key}`, 'not available here (no event store configured)'),
    );
  }
  const asOf = query.asOf !== undefined ? new Date(query.asOf) : undefined;
  const knownAt = query.knownAt !== undefined ? new Date(query.knownAt) : undefined;
  // The view is shown as it stood at the instant asked of (slots pending or overdue then).
  return { ...(asOf ? { asOf } : {}), ...(knownAt ? { knownAt } : {}), now: asOf ?? knownAt! };
}

/**
 * A view built in memory for a cut, from the nearest snapshot that may serve it; only the
 * communities given (a reader's, or the one a query names) where they are given.
 */
export function buildAsOf(
  deps: AsOfDeps,
  view: AsOfView,
  timeZone: string,
  cut: Cut,
  communities?: readonly string[],
): Promise<ViewAsOf> {
  if (!deps.eventStore) throw new Error('as-of needs an event store');
  return viewAsOf({
    ...asOfView(view, timeZone),
    eventStore: deps.eventStore,
    snapshots: deps.snapshots ?? null,
    cut,
    ...(communities ? { partitions: communities } : {}),
  });
}

/** The communities an as-of view must hold for a reader: the one named, else the reader's own (all for a reader of every community). */
export function communitiesFor(user: User, named?: string): readonly string[] | undefined {
  if (named !== undefined) return [named];
  return user.communities.includes(ALL_COMMUNITIES) ? undefined : user.communities;
}

/** What an answer says of its cut. */
export const cutLabel = (cut: Cut) => ({
  ...(cut.asOf ? { asOf: cut.asOf.toISOString() } : {}),
  ...(cut.knownAt ? { knownAt: cut.knownAt.toISOString() } : {}),
});
