import { z } from 'zod';
import { EstateSchema } from '@fangyi/contracts';
import {
  DEFAULT_PARTITION,
  InvalidCursorError,
  MAX_PAGE,
  type ProjectionStore,
} from '@fangyi/projections';
import {
  ALL_COMMUNITIES,
  DomainError,
  fault,
  formatClockTime,
  localTime,
  requireCommunity,
  route,
  unknownPlace,
  SHIPPED_DISTRICT,
  type Clock,
  type District,
  type PersonalDataVault,
  type ServiceApp,
  badPartitionCursor,
  decodePartitionCursor,
  encodePartitionCursor,
} from '@fangyi/service-kit';
import { COMPLAINTS_COLLECTION, COMPLAINT_INDEX } from './projection.ts';
import { openViews, presentView, type ComplaintView } from './view.ts';

/** A reply is "due soon" this many minutes before it is due. */
export const DUE_SOON_MINUTES = 120;

/** on-time: more than DUE_SOON_MINUTES left; due-soon: less; overdue: past due with no reply; replied: the reporter has had one. */
export type ReplyDueState = 'on-time' | 'due-soon' | 'overdue' | 'replied';

export function replyDueState(
  view: Pick<ComplaintView, 'replyDueAt' | 'firstReplyAt'>,
  now: Date,
  dueSoonMinutes = DUE_SOON_MINUTES,
): ReplyDueState {
  if (view.firstReplyAt !== null) return 'replied';
  const left = Date.parse(view.replyDueAt) - now.getTime();
  if (left < 0) return 'overdue';
  return left <= dueSoonMinutes * 60_000 ? 'due-soon' : 'on-time';
}

/** An instant as the district's wall clock reads it: `2020-02-03 11:00`. */
export function localDateTime(iso: string, timeZone: string): string {
  const local = localTime(new Date(iso), timeZone);
  return `${local.date} ${formatClockTime(local.minutes)}`;
}

export interface ComplaintQueueDeps {
  readonly store: ProjectionStore;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly vault: PersonalDataVault;
  readonly dueSoonMinutes?: number;
  /** The district's estates (the queue of an estate it does not list is a 400); default the shipped Kutao district. */
  readonly district?: District;
}

const area = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^{}\s]+$/, 'no spaces or braces');

const QueueQuery = z.strictObject({
  estate: EstateSchema.optional(),
  community: area.optional(),
  /** One handler's complaints (the assignee). */
  handler: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  cursor: z.string().min(1).max(1000).optional(),
});

const READERS = ['complaint-handler', 'report-officer', 'analyst'] as const;

const badCursor = () => badPartitionCursor('queue');

/**
 * The complaint queue: the open complaints of an estate or community (each is a partition of the
 * read model), or of one handler, the reply due first on top, then the ones already replied to;
 * paged through the queue indexes, so a page reads only what it returns.
 */
export function complaintQueueRoutes(app: ServiceApp, deps: ComplaintQueueDeps): void {
  route(app, {
    method: 'GET',
    url: '/complaints/queue',
    summary:
      "Open complaints of an estate, a community or a handler, most urgent first: reply-due state (on-time, due-soon, overdue, replied) and the due time in the district's time zone; one page at a time",
    tags: ['complaints'],
    query: QueueQuery,
    roles: READERS,
    handler: async ({ query, user }) => {
      if (query.estate && query.community)
        throw new DomainError(
          'VALIDATION_FAILED',
          'a complaint is of an estate or of a community: name one',
          fault('query.estate', 'give estate or community, not both'),
        );
      if (query.estate !== undefined && !(deps.district ?? SHIPPED_DISTRICT).isEstate(query.estate))
        throw unknownPlace('query.estate', 'estate', query.estate);
      const named = query.estate ?? query.community;
      if (named) requireCommunity(user, named);
      const now = deps.clock();
      const store = deps.store.pin ? await deps.store.pin().catch(() => deps.store) : deps.store;
      const areas = named
        ? [named]
        : (user.communities.includes(ALL_COMMUNITIES)
            ? (await store.partitions()).filter((p) => p !== DEFAULT_PARTITION)
            : [...user.communities]
          ).sort();
      const range = query.handler
        ? { index: COMPLAINT_INDEX.handler, value: query.handler }
        : { index: COMPLAINT_INDEX.queue, value: '' };
      let cursor = query.cursor ? decodePartitionCursor(query.cursor, 'queue') : null;
      const start = cursor ? areas.indexOf(cursor.partition) : 0;
      if (start < 0) throw badCursor();
      const docs: ComplaintView[] = [];
      let next: string | null = null;
      for (let i = start; i < areas.length && next === null; i++) {
        const partition = areas[i]!;
        const page = await store
          .page<ComplaintView>({
            collection: COMPLAINTS_COLLECTION,
            partition,
            ...range,
            cursor: cursor?.partition === partition ? cursor.within : null,
            limit: query.limit - docs.length,
          })
          .catch((error: unknown) => {
            throw error instanceof InvalidCursorError ? badCursor() : error;
          });
        cursor = null;
        docs.push(...page.items);
        if (page.next !== null) next = encodePartitionCursor(partition, page.next);
        else if (docs.length >= query.limit && i + 1 < areas.length)
          next = encodePartitionCursor(areas[i + 1]!, null);
      }
      const items = (await openViews(deps.vault, docs)).map((c) => {
        const {
          statusNotes: _s,
          investigationNotes: _i,
          replies: _r,
          ...summary
        } = presentView(c, user, now);
        return {
          ...summary,
          replyDue: replyDueState(c, now, deps.dueSoonMinutes),
          replyDueLocal: localDateTime(c.replyDueAt, deps.timeZone),
          minutesToReplyDue: Math.round((Date.parse(c.replyDueAt) - now.getTime()) / 60_000),
        };
      });
      return {
        asOf: now.toISOString(),
        timeZone: deps.timeZone,
        dueSoonMinutes: deps.dueSoonMinutes ?? DUE_SOON_MINUTES,
        items,
        next,
      };
    },
  });
}
