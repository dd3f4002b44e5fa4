import { complaintsEvents } from '@fangyi/contracts';
import type { IndexEntry, Op, Projection } from '@fangyi/projections';
import { applyToView, type ComplaintView } from './view.ts';

export const COMPLAINTS_COLLECTION = 'complaints';

/** The complaint queue's indexes, within the complaint's area (its community or estate: the partition). */
export const COMPLAINT_INDEX = {
  /** Every open complaint of the area, most urgent first (see queueSort). */
  queue: 'queue',
  /** The same for one handler (value: the assignee). */
  handler: 'queue-handler',
} as const;

const OPEN = new Set<ComplaintView['status']>(['received', 'triaged', 'investigating']);

/**
 * The queue's order: `0<replyDueAt>` for a complaint whose reporter has had no reply yet (the
 * reply due first, first), then `1<receivedAt>` for the ones replied to and still open; null once
 * resolved or closed (out of the queue).
 */
export function queueSort(view: ComplaintView): string | null {
  if (!OPEN.has(view.status)) return null;
  return view.firstReplyAt === null ? `0${view.replyDueAt}` : `1${view.receivedAt}`;
}

export function complaintIndexEntries(view: ComplaintView): IndexEntry[] {
  const sort = queueSort(view);
  if (sort === null) return [];
  return [
    { index: COMPLAINT_INDEX.queue, value: '', sort },
    ...(view.assignee ? [{ index: COMPLAINT_INDEX.handler, value: view.assignee, sort }] : []),
  ];
}

/**
 * The complaints list: one document per complaint, the same view GET /complaints/:id folds from
 * the stream, in its area's partition with the queue's index entries. Overdue is not stored: it
 * depends on the clock and is computed at query time.
 */
export const complaintsProjection: Projection = {
  name: 'complaints',
  handles: Object.keys(complaintsEvents),
  async project(event, read): Promise<Op[]> {
    const complaintId = (event.data as { complaintId: string }).complaintId;
    const current =
      event.type === 'complaints.complaint-filed'
        ? null
        : await read.get<ComplaintView>(COMPLAINTS_COLLECTION, complaintId);
    const next = applyToView(current, event);
    return next
      ? [
          {
            op: 'put',
            collection: COMPLAINTS_COLLECTION,
            id: complaintId,
            doc: next,
            partition: next.area,
            index: complaintIndexEntries(next),
          },
        ]
      : [];
  },
};
